"""The follow-up pages' forms: a trainee's follow-up, a year's re-enrolment, the list's filters.
CSRF on every one (FlaskForm); the shape of input only — the rules stay in followup_rules.py
and followup.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..formfields import FrenchDateField, FrenchIntegerField
from ..formfields import strip as _strip
from . import money
from .models import SITUATION_LABELS

VISA_CHOICES = (("not_started", _l("Non demandé")), ("requested", _l("Demandé")), ("granted", _l("Accordé")),
                ("refused", _l("Refusé (la place va à la liste d'attente)")))
YES_NO = (("", _l("Non renseigné")), ("yes", _l("Oui")), ("no", _l("Non")))
SITUATION_CHOICES = [("", _l("Non renseignée"))] + [(code, _l(label)) for code, label in SITUATION_LABELS.items()]
VERSION_MISSING = _l("Relisez la page du stagiaire et recommencez.")


def _amount(form, field):
    minor, error = money.parse_amount(field.data)
    if error:
        raise ValidationError(error)
    field.minor = minor


def _text(max_length, message=None):
    return [Length(max=max_length, message=message or _l("%(max)d caractères au plus.", max=max_length))]


class FollowUpForm(FlaskForm):
    scholarship_granted = SelectField(_l("Bourse accordée"), choices=YES_NO, validate_choice=True)
    stipend = StringField(_l("Allocation mensuelle (MAD)"), filters=[_strip], validators=[_amount])
    duration_months = FrenchIntegerField(_l("Durée de la bourse (mois)"), validators=[Optional()])
    boarding = SelectField(_l("Internat"), choices=YES_NO)
    amci_file_number = StringField(_l("N° dossier AMCI"), filters=[_strip], validators=_text(40))
    visa_status = SelectField(_l("Visa"), choices=VISA_CHOICES,
                              validators=[InputRequired(_l("Choisissez le statut du visa."))])
    visa_date = FrenchDateField(_l("Date du visa"), validators=[Optional()])
    travel_date = FrenchDateField(_l("Date de voyage"), validators=[Optional()])
    arrival_date = FrenchDateField(_l("Date d'arrivée au Maroc"), validators=[Optional()])
    enrolled_on = FrenchDateField(_l("Date d'inscription dans l'établissement"), validators=[Optional()])
    establishment_id = SelectField(_l("Établissement d'inscription"), coerce=str, validate_choice=True)
    departure_cancelled_on = FrenchDateField(_l("Départ annulé le"), validators=[Optional()])
    departure_cancelled_reason = TextAreaField(_l("Motif de l'annulation du départ"), filters=[_strip],
                                               validators=_text(2000))
    abandoned_on = FrenchDateField(_l("Date d'abandon"), validators=[Optional()])
    abandonment_reason = TextAreaField(_l("Motif de l'abandon"), filters=[_strip], validators=_text(2000))
    completed_on = FrenchDateField(_l("Fin de formation le"), validators=[Optional()])
    returned_on = FrenchDateField(_l("Retour au Mali le"), validators=[Optional()])
    situation_6m = SelectField(_l("Situation 6 mois après la formation"), choices=SITUATION_CHOICES)
    situation_6m_sector = StringField(_l("Secteur (6 mois)"), filters=[_strip], validators=_text(120))
    situation_12m = SelectField(_l("Situation 12 mois après la formation"), choices=SITUATION_CHOICES)
    situation_12m_sector = StringField(_l("Secteur (12 mois)"), filters=[_strip], validators=_text(120))
    comment = TextAreaField(_l("Commentaire (gardé au journal)"), filters=[_strip], validators=_text(500))
    version = HiddenField(validators=[InputRequired(VERSION_MISSING)])

    def values(self) -> dict:
        """The follow-up's values, as followup.update_follow_up takes them."""
        def yes_no(value):
            return {"yes": True, "no": False}.get(value)

        establishment = self.establishment_id.data
        return {
            "scholarship_granted": yes_no(self.scholarship_granted.data),
            "stipend_minor": getattr(self.stipend, "minor", None),
            "duration_months": self.duration_months.data,
            "boarding": yes_no(self.boarding.data),
            "amci_file_number": (self.amci_file_number.data or "").upper() or None,
            "visa_status": self.visa_status.data,
            **{name: getattr(self, name).data for name in (
                "visa_date", "travel_date", "arrival_date", "enrolled_on", "departure_cancelled_on", "abandoned_on",
                "completed_on", "returned_on")},
            "establishment_id": int(establishment) if establishment and establishment.isdigit() else None,
            "departure_cancelled_reason": self.departure_cancelled_reason.data or "",
            "abandonment_reason": self.abandonment_reason.data or "",
            "situation_6m": self.situation_6m.data or None,
            "situation_6m_sector": self.situation_6m_sector.data or "",
            "situation_12m": self.situation_12m.data or None,
            "situation_12m_sector": self.situation_12m_sector.data or "",
        }

    @classmethod
    def of(cls, row, version: int, establishments) -> "FollowUpForm":
        """The form filled from the stored follow-up (or empty for a new one)."""
        def yes_no(value):
            return "" if value is None else ("yes" if value else "no")

        data = {"version": version}
        if row is not None:
            data.update({name: getattr(row, name) for name in (
                "duration_months", "amci_file_number", "visa_status", "visa_date", "travel_date", "arrival_date",
                "enrolled_on", "departure_cancelled_on", "departure_cancelled_reason", "abandoned_on",
                "abandonment_reason", "completed_on", "returned_on", "situation_6m_sector", "situation_12m_sector")})
            data.update(scholarship_granted=yes_no(row.scholarship_granted), boarding=yes_no(row.boarding),
                        stipend=money.amount_text(row.stipend_minor), situation_6m=row.situation_6m or "",
                        situation_12m=row.situation_12m or "",
                        establishment_id=str(row.establishment_id) if row.establishment_id else "")
        form = cls(formdata=None, data=data)
        form.set_establishments(establishments)
        return form

    def set_establishments(self, establishments) -> None:
        self.establishment_id.choices = [("", _l("— Non renseigné —"))] + [
            (str(e.id), f"{e.code} — {e.name}") for e in establishments]


class ReenrolmentForm(FlaskForm):
    academic_year = StringField(_l("Année de formation (ex. 2026-2027)"), filters=[_strip],
                                validators=[InputRequired(_l("Indiquez l'année de formation.")), *_text(9)])
    documents_received_on = FrenchDateField(_l("Documents reçus le"), validators=[Optional()])
    result = StringField(_l("Résultat de l'année (admis, redoublement…)"), filters=[_strip], validators=_text(120))
    note = TextAreaField(_l("Observations"), filters=[_strip], validators=_text(2000))
