"""The forms of the returned lists' pages: the upload, and the application of a dry run. The
rules stay in amci/reconcile_service.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired, InputRequired

from ..formfields import MultiCheckboxField


class UploadForm(FlaskForm):
    """The list the AMCI or the OFPPT sent back: analysed first, nothing applied."""

    campaign_id = SelectField(_l("Campagne"), coerce=int,
                              validators=[InputRequired(_l("Choisissez la campagne."))])
    transmittal_id = SelectField(_l("Bordereau auquel la liste répond (facultatif)"), coerce=str,
                                 validate_choice=False)
    file = FileField(_l("Liste retournée (classeur Excel .xlsx)"),
                     validators=[FileRequired(_l("Choisissez le fichier Excel (.xlsx) reçu de l'AMCI ou de l'OFPPT."))])


class ApplyForm(FlaskForm):
    """« Appliquer » a dry run: the version read, the probable matches the manager confirms."""

    version = HiddenField(validators=[InputRequired(_l("Rechargez la page avant d'appliquer."))])
    probable = MultiCheckboxField(_l("Rapprochements probables confirmés"), coerce=int, validate_choice=False)
    checked = BooleanField(_l("J'ai vérifié chaque différence ; appliquer la liste (tout ou rien)"),
                           validators=[DataRequired(_l("Cochez la case pour confirmer que vous avez vérifié les différences."))])
