"""The managers' placement forms (answer settings, publication, seats, deadline extension), French
labels and messages. The rules stay in the services; action buttons are CSRF-protected forms.

Dates are typed in French, jj/mm/aaaa hh:mm (heure de Bamako); the browser's own datetime
format (aaaa-mm-jjThh:mm) is accepted too."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from ..formfields import DATETIME_FORMAT, NUMBER, REQUIRED, FrenchIntegerField, FrenchParseError
from ..formfields import strip as _strip

FRENCH_DATETIME = "%d/%m/%Y %H:%M"
DATETIME_FR = _l("Date et heure invalides : utilisez le format jj/mm/aaaa hh:mm (par exemple 15/07/2026 18:00).")
MAX_ANSWER_HOURS = 24 * 30


class FrenchTypedDateTimeField(FrenchParseError, DateTimeLocalField):
    """A date and time typed as jj/mm/aaaa hh:mm in a plain text box (no script, any browser)."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", [FRENCH_DATETIME, DATETIME_FORMAT, "%d/%m/%Y %Hh%M", "%d/%m/%Y"])
        kwargs.setdefault("render_kw", {"placeholder": "jj/mm/aaaa hh:mm", "inputmode": "numeric",
                                        "autocomplete": "off"})
        super().__init__(*args, invalid=DATETIME_FR, **kwargs)


class AnswerSettingsForm(FlaskForm):
    decision_deadline = FrenchTypedDateTimeField(
        _l("Date limite de réponse du tour 1 (jj/mm/aaaa hh:mm, heure de Bamako)"), validators=[Optional()])
    answer_hours = FrenchIntegerField(
        _l("Délai de réponse d'une place proposée depuis une liste d'attente (en heures)"),
        validators=[InputRequired(NUMBER), NumberRange(min=1, max=MAX_ANSWER_HOURS,
                                                       message=_l("Entre 1 et 720 heures."))])
    version = HiddenField()


class PublishForm(FlaskForm):
    """« Publier les affectations », confirmed: the campaign's version as it was read."""

    version = HiddenField()


class SeatsForm(FlaskForm):
    seats = FrenchIntegerField(_l("Nombre de places (en tout)"),
                               validators=[InputRequired(NUMBER), NumberRange(min=0, message=_l("Nombre positif ou nul."))])
    reserved = FrenchIntegerField(_l("Dont places réservées aux candidates"),
                                  validators=[InputRequired(NUMBER),
                                              NumberRange(min=0, message=_l("Nombre positif ou nul."))])
    reason = TextAreaField(_l("Motif du changement (par exemple, le courrier de l'OFPPT ; inscrit au registre)"),
                           validators=[DataRequired(_l("Indiquez le motif du changement de places.")),
                                       Length(max=1000)], filters=[_strip])
    version = HiddenField()
    # "1" once the manager has confirmed a decrease on the confirmation page.
    confirmed = HiddenField()


class ExtendForm(FlaskForm):
    deadline = FrenchTypedDateTimeField(_l("Nouvelle date limite de réponse (jj/mm/aaaa hh:mm, heure de Bamako)"),
                                        validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(_l("Motif de la prolongation (inscrit au journal)"),
                           validators=[DataRequired(_l("Indiquez le motif de la prolongation.")), Length(max=1000)],
                           filters=[_strip])
    version = HiddenField()
