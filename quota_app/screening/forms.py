"""Screening forms, with French labels and messages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

DECISION_CHOICES = [SelectChoice("eligible", _l("Recevable")), SelectChoice("ineligible", _l("Non recevable"))]


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Décision"), choices=DECISION_CHOICES,
                          validators=[DataRequired(_l("Choisissez une décision."))])
    reason = SelectField(_l("Motif de non-recevabilité"), choices=[], validate_choice=False,
                         validators=[Optional()])
    comment = TextAreaField(_l("Commentaire (envoyé au candidat)"), validators=[Length(max=2000)],
                            filters=[lambda v: v.strip() if isinstance(v, str) else v])
    override_reason = TextAreaField(
        _l("Motif de la recevabilité malgré les contrôles (interne, inscrit au journal)"),
        validators=[Length(max=2000)], filters=[lambda v: v.strip() if isinstance(v, str) else v])
    version = HiddenField(validators=[DataRequired(_l("Rechargez la page et recommencez."))])

    def set_reasons(self, reasons):
        self.reason.choices = [SelectChoice("", _l("— Choisir un motif —"))] + [
            SelectChoice(str(r.id), r.label) for r in reasons]


class PaperDocumentForm(FlaskForm):
    """Record a document received on paper."""

    document_type = SelectField(_l("Pièce reçue sur papier"), choices=[], validate_choice=False,
                                validators=[DataRequired(_l("Choisissez la pièce reçue."))])
    note = StringField(_l("Précision (facultatif)"), validators=[Length(max=300)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])

    def set_types(self, slots):
        self.document_type.choices = [SelectChoice("", _l("— Choisir la pièce —"))] + [
            SelectChoice(str(s.document_type.id), s.document_type.name + ("" if s.required else " (facultative)"))
            for s in slots if not s.present]


class ActionForm(FlaskForm):
    """A bare POST (CSRF only): show the identity numbers, bulk decision."""


def selected_versions(values: list[str]) -> dict[int, int]:
    """The files ticked in the queue, "id:version" each, as {id: version seen}; others ignored."""
    versions = {}
    for item in values:
        app_id, _sep, version = item.partition(":")
        if app_id.isdigit() and version.isdigit():
            versions[int(app_id)] = int(version)
    return versions
