"""Form fields every package's forms share: French parse errors, dates as jj/mm/aaaa, checkboxes."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField, DecimalField, IntegerField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

REQUIRED = _l("Ce champ est obligatoire.")
NUMBER = _l("Saisissez un nombre entier.")
DECIMAL = _l("Saisissez un nombre (par exemple 4 ou 4,5).")
DATE = _l("Date invalide : utilisez le format jj/mm/aaaa.")
DATETIME = _l("Date et heure invalides.")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def strip(value):
    return value.strip() if isinstance(value, str) else value


class FrenchParseError:
    """Replace WTForms' parse error by the French message given as `invalid`."""

    def __init__(self, *args, invalid=None, **kwargs):
        self.invalid = invalid
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid) from None


class FrenchIntegerField(FrenchParseError, IntegerField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid=NUMBER, **kwargs)


class FrenchDateField(FrenchParseError, DateField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid=DATE, **kwargs)


class FrenchDateTimeField(FrenchParseError, DateTimeLocalField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid=DATETIME, **kwargs)


class FrenchDecimalField(FrenchParseError, DecimalField):
    """Accepts a decimal comma as well as a point."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid=DECIMAL, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [v.replace(",", ".").strip() for v in valuelist]
        super().process_formdata(valuelist)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
