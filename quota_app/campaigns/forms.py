"""Campaign console forms, with French labels and messages. The rules stay in services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.form import Form
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..formfields import (
    DATE, DATETIME, DATETIME_FORMAT, DECIMAL, NUMBER, REQUIRED, FrenchDateField, FrenchDateTimeField, FrenchDecimalField, FrenchIntegerField,
    MultiCheckboxField, strip as _strip,
)
from .models import KIND_LABELS, KINDS

class CampaignForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(REQUIRED), Length(max=200)], filters=[_strip])
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=20)], filters=[_strip])
    year = FrenchIntegerField(_l("Année"), validators=[InputRequired(NUMBER)])
    kind = SelectField(_l("Type de campagne"), choices=[SelectChoice(k, _l(KIND_LABELS[k])) for k in KINDS],
                       validators=[DataRequired(REQUIRED)])
    reference_date = FrenchDateField(_l("Date de référence des âges"), validators=[InputRequired(DATE)])
    opens_at = FrenchDateTimeField(_l("Ouverture des candidatures (heure de Bamako)"), format=DATETIME_FORMAT,
                                  validators=[InputRequired(DATETIME)])
    closes_at = FrenchDateTimeField(_l("Clôture des candidatures (heure de Bamako)"), format=DATETIME_FORMAT,
                                   validators=[InputRequired(DATETIME)])
    announced_quota = FrenchIntegerField(_l("Quota annoncé (nombre de places)"),
                                   validators=[InputRequired(NUMBER), NumberRange(min=0, message=_l("Nombre positif ou nul."))])
    reviewers_per_file = FrenchIntegerField(_l("Évaluateurs par dossier"), default=2,
                                      validators=[InputRequired(NUMBER), NumberRange(min=1, max=10, message=_l("Entre 1 et 10."))])
    score_gap_threshold = FrenchDecimalField(_l("Écart de notes déclenchant une troisième évaluation (sur 20)"),
                                             default=4, places=2, validators=[InputRequired(DECIMAL)])
    blind_review = BooleanField(_l("Évaluation à l'aveugle (nom, photo et région masqués)"))
    normalise_scores = BooleanField(_l("Normaliser les notes par évaluateur"))
    tie_break_rule = StringField(_l("Règle de départage des égalités"), validators=[Length(max=200)], filters=[_strip],
                                 default="diploma_average,submitted_at,reference")
    quorum_percent = FrenchIntegerField(_l("Quorum de la délibération (part des membres actifs à dépasser, en %)"),
                                        default=50, validators=[Optional(),
                                                                NumberRange(min=0, max=99, message=_l("Entre 0 et 99."))])
    min_experience_years = FrenchIntegerField(
        _l("Expérience minimale des candidats, en années (renforcement de capacités)"),
        validators=[Optional(), NumberRange(min=0, max=40, message=_l("Entre 0 et 40 ans."))])
    decision_deadline = FrenchDateTimeField(_l("Date limite de réponse des candidats affectés (facultatif)"),
                                           format=DATETIME_FORMAT, validators=[Optional()])
    version = HiddenField()


class LevelRulesForm(FlaskForm):
    """Built per request with one pair of fields per level (see level_rules_form)."""

    version = HiddenField()


def level_rules_form(levels, rules, formdata=None):
    """A form with min_<id> and max_<id> for each level, filled from the current rules."""

    class _Form(LevelRulesForm):
        pass

    data = {}
    for level in levels:
        setattr(_Form, f"min_{level.id}", FrenchIntegerField(_l("Âge minimum"), validators=[Optional()]))
        setattr(_Form, f"max_{level.id}", FrenchIntegerField(_l("Âge maximum"), validators=[Optional()]))
        rule = rules.get(level.id)
        if rule is not None:
            data[f"min_{level.id}"] = rule.min_age
            data[f"max_{level.id}"] = rule.max_age
    return _Form(formdata=formdata, data=data)


class DocumentsForm(FlaskForm):
    documents = MultiCheckboxField(_l("Pièces exigées"), coerce=int, validate_choice=False)


class CriterionRowForm(Form):
    code = StringField(_l("Code"), validators=[Length(max=30)], filters=[_strip])
    name = StringField(_l("Libellé"), validators=[Length(max=120)], filters=[_strip])
    weight = FrenchDecimalField(_l("Pondération"), places=3, validators=[Optional()])
    max_score = FrenchDecimalField(_l("Note maximale"), places=2, default=20, validators=[Optional()])
    prefill_source = SelectField(_l("Pré-remplissage"), validate_choice=False, choices=[
        SelectChoice("", _l("Aucun")), SelectChoice("diploma_average", _l("Moyenne du diplôme"))])

    @property
    def is_blank(self) -> bool:
        return not (self.code.data or self.name.data or self.weight.data)


class CriteriaForm(FlaskForm):
    criteria = FieldList(FormField(CriterionRowForm), min_entries=1)


class OfferForm(FlaskForm):
    programme_id = SelectField(_l("Filière"), coerce=int, validate_choice=False,
                               validators=[InputRequired(REQUIRED)])
    establishment_id = SelectField(_l("Établissement"), coerce=int, validate_choice=False,
                               validators=[InputRequired(REQUIRED)])
    code = StringField(_l("Code de l'offre (facultatif)"), validators=[Length(max=40)], filters=[_strip])
    seats = FrenchIntegerField(_l("Places"), validators=[InputRequired(NUMBER)])
    reserved_seats = FrenchIntegerField(_l("Dont places réservées"), default=0, validators=[InputRequired(NUMBER)])
    version = HiddenField()


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(_l("Commentaire (facultatif, inscrit au journal)"), validators=[Length(max=1000)],
                           filters=[_strip])
    version = HiddenField()


class DeleteForm(FlaskForm):
    version = HiddenField()
    confirm = BooleanField(_l("Je confirme la suppression."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer."))])
