"""The verification page's forms: a file to compare (CSRF-protected), a code to look up."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField


class VerifyFileForm(FlaskForm):
    file = FileField(_l("Fichier PDF à comparer"), validators=[FileRequired(_l("Choisissez un fichier PDF."))])


class FindForm(FlaskForm):
    """A GET form: nothing to protect, and the code must be shareable as an address."""

    class Meta:
        csrf = False

    code = StringField(_l("Code de vérification ou adresse imprimée sur le document"))
