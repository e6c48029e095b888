"""The managers' committee forms (set-up, members, conflicts, actions), French labels and
messages. The rules stay in committee/services.py; action buttons are CSRF-protected empty forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..formfields import DATETIME_FORMAT, REQUIRED, FrenchDateTimeField
from ..formfields import strip as _strip


class CommitteeForm(FlaskForm):
    name = StringField(_l("Nom du comité"), validators=[DataRequired(REQUIRED), Length(max=150)], filters=[_strip])
    sector_id = SelectField(_l("Secteur"), coerce=int, default=0, validate_choice=True)
    scoring_deadline = FrenchDateTimeField(_l("Date limite de notation (heure de Bamako, facultatif)"),
                                           format=DATETIME_FORMAT, validators=[Optional()])


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Compte du membre"), coerce=int, validators=[DataRequired(REQUIRED)])
    chair = BooleanField(_l("Président du comité"))


class ChairForm(FlaskForm):
    member_id = SelectField(_l("Nouveau président"), coerce=int, validators=[DataRequired(REQUIRED)])


class DeactivateForm(FlaskForm):
    reason = TextAreaField(_l("Motif de la désactivation (inscrit au journal)"),
                           validators=[DataRequired(_l("Indiquez le motif de la désactivation.")), Length(max=1000)],
                           filters=[_strip])


class ConflictForm(FlaskForm):
    member_id = SelectField(_l("Membre"), coerce=int, validators=[DataRequired(REQUIRED)])
    reference = StringField(_l("Référence du dossier"), validators=[DataRequired(REQUIRED), Length(max=30)],
                            filters=[_strip])
    reason = TextAreaField(_l("Motif du conflit d'intérêts"),
                           validators=[DataRequired(_l("Indiquez le motif du conflit d'intérêts.")), Length(max=1000)],
                           filters=[_strip])


class ActionForm(FlaskForm):
    """An action button (assign, remind): nothing but the CSRF token."""
