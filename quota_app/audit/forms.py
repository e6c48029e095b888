"""The audit trail filters (a GET form: no CSRF token, French messages, dates as jj/mm/aaaa)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import TextInput

from ..formfields import DATE, FrenchParseError, strip as _strip


class DayField(FrenchParseError, DateField):
    """A date typed as jj/mm/aaaa in a plain text input."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid=DATE, format="%d/%m/%Y", **kwargs)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    email = StringField(_l("Personne (e-mail)"), filters=[_strip], validators=[Optional(), Length(max=254)])
    # Menus of codes with their French labels; a code's beginning (« reference. ») is accepted too.
    action = SelectField(_l("Action"), validate_choice=False, filters=[_strip],
                         validators=[Optional(), Length(max=60)])
    object_type = SelectField(_l("Type d'objet"), validate_choice=False, filters=[_strip],
                              validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Numéro de l'objet"), filters=[_strip], validators=[Optional(), Length(max=40)])
    campaign = SelectField(_l("Campagne"), validate_choice=False, validators=[Optional()])
    date_from = DayField(_l("Du (jj/mm/aaaa)"), validators=[Optional()])
    date_to = DayField(_l("Au (jj/mm/aaaa)"), validators=[Optional()])

    def validate_campaign(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("Campagne inconnue."))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("La date de fin doit suivre la date de début."))
