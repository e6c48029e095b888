"""The chair's forms: the shape of the input, in French. The rules (justification, quorum,
phase, lock) stay in deliberating.py; buttons are CSRF-protected forms carrying the version of
the deliberation the page showed."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..formfields import DATETIME_FORMAT, FrenchDateTimeField, MultiCheckboxField, strip


class OpenForm(FlaskForm):
    """« Ouvrir la délibération »."""


class NormalisationForm(FlaskForm):
    adopt = HiddenField()  # "1": adopt the normalisation, "0": keep the raw means
    version = HiddenField()

    @property
    def adopted(self) -> bool:
        return self.adopt.data == "1"


class AdjustmentForm(FlaskForm):
    # Text, not a number field: the service reads « 14,5 » and says in French what is wrong.
    value = StringField(_l("Note finale ajustée (sur 20, trois décimales au plus)"),
                        validators=[Length(max=20)], filters=[strip])
    justification = TextAreaField(_l("Justification écrite (obligatoire, imprimée sur le procès-verbal)"),
                                  validators=[Length(max=4000)], filters=[strip])
    version = HiddenField()


class SessionForm(FlaskForm):
    held_on = FrenchDateTimeField(_l("Date et heure de la séance (heure de Bamako)"), format=DATETIME_FORMAT,
                                  validators=[Optional()])
    place = StringField(_l("Lieu de la séance"), validators=[Length(max=150)], filters=[strip])
    members_present = MultiCheckboxField(_l("Membres présents"), coerce=int, validate_choice=False)
    notes = TextAreaField(_l("Observations portées au procès-verbal (facultatif)"), validators=[Length(max=4000)],
                          filters=[strip])
    version = HiddenField()


class ValidateForm(FlaskForm):
    confirm = BooleanField(
        _l("Je valide la délibération : les notes, les évaluations et les ajustements seront verrouillés "
           "et le procès-verbal sera scellé."),
        validators=[DataRequired(_l("Cochez la case pour confirmer la validation."))])
    version = HiddenField()


def session_form(deliberation, members) -> SessionForm:
    """The session's form with one checkbox per active member, filled from the deliberation
    (on a POST, what was posted wins)."""
    data = {}
    if deliberation is not None:
        data = {"held_on": deliberation.held_on, "place": deliberation.place, "notes": deliberation.minutes_text,
                "members_present": [m.member_id for m in members if m.present], "version": deliberation.version}
    form = SessionForm(data=data)
    form.members_present.choices = [
        (m.member_id, f"{m.name} ({'président' if m.role == 'chair' else 'membre'})") for m in members if m.active]
    return form
