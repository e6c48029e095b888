"""The committee member's forms: the statement, the conflicts declaration, the scores, the
score sheet's upload. The shape of the input only: bounds, completeness and locks are the
services' (committee/reviewing.py), which answer in French next to the field concerned."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..formfields import strip
from .reviewing import COMMENT_MAX, REASON_MAX


class StatementForm(FlaskForm):
    accept = BooleanField(_l("J'ai lu cette déclaration et je m'engage à la respecter."),
                          validators=[DataRequired(_l("Cochez la case pour signer la déclaration."))])


class ConflictForm(FlaskForm):
    """One candidate's line of the declaration: tick a conflict (with an optional reason) or untick it."""

    application_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(_l("Candidat manquant."))])
    reason = StringField(_l("Motif (facultatif)"), filters=[strip],
                         validators=[Optional(), Length(max=REASON_MAX)])
    action = HiddenField(validators=[DataRequired()])
    q = HiddenField(filters=[strip])
    page = HiddenField()

    def validate_action(self, field):
        if field.data not in ("declare", "remove"):
            raise ValidationError(_l("Action inconnue."))


class FinishDeclarationForm(FlaskForm):
    confirm = BooleanField(_l("J'ai parcouru la liste des candidats et déclaré tous mes conflits d'intérêts."),
                           validators=[DataRequired(_l("Cochez la case pour terminer votre déclaration."))])


class ScoreForm(FlaskForm):
    """The criteria's fields (c_<criterion id>) are added by score_form: text, so that « 12,5 »
    and a value out of bounds reach the service, whose message is the one shown."""

    comment = TextAreaField(_l("Commentaire"), filters=[strip], validators=[Length(max=COMMENT_MAX)])
    version = HiddenField(validators=[DataRequired(_l("Rechargez la page et recommencez."))])
    save = SubmitField(_l("Enregistrer le brouillon"))
    send = SubmitField(_l("Soumettre"))


def score_form(criteria, **data) -> ScoreForm:
    """A ScoreForm with one field per criterion, labelled with its maximum: bound to the posted
    form on a POST, else filled from `data` (c_<id>, comment, version)."""
    from .scoring import fr_number

    class Form(ScoreForm):
        pass

    for criterion in criteria:
        label = f"{criterion.name} (sur {fr_number(criterion.max_score)})"
        setattr(Form, f"c_{criterion.id}", StringField(label, filters=[strip],
                                                        validators=[Optional(), Length(max=20)]))
    return Form(data=data)


def score_values(form: ScoreForm, criteria) -> dict:
    """criterion id -> the raw text typed (None for blank)."""
    return {c.id: (getattr(form, f"c_{c.id}").data or None) for c in criteria}


class UploadForm(FlaskForm):
    file = FileField(_l("Feuille de notes remplie (.xlsx)"),
                     validators=[FileRequired(_l("Choisissez un fichier Excel (.xlsx) à déposer."))])
