"""Reference data forms, built from each kind's spec; French labels and messages.

The forms only parse what the browser sends; the rules (unique codes, two-digit region codes,
positive durations, ordered ages, accepted formats) stay in the services.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from ..formfields import FrenchIntegerField, MultiCheckboxField, strip as _strip
from .services import MIME_LABELS, MIME_TYPES, KindSpec


class ItemForm(FlaskForm):
    """Base of the per-kind forms (see item_form)."""

    fingerprint = HiddenField()


def _field(spec_field, fk_choices):
    label = _l(spec_field.label)
    # Lengths are checked by the service (with field-specific messages); the browser gets maxlength.
    render_kw = {"maxlength": spec_field.max_length} if spec_field.max_length else None
    if spec_field.type == "str":
        return StringField(label, filters=[_strip], render_kw=render_kw)
    if spec_field.type == "text":
        return TextAreaField(label, filters=[_strip], render_kw=render_kw)
    if spec_field.type == "int":
        return FrenchIntegerField(label, validators=[Optional()])
    if spec_field.type == "bool":
        return BooleanField(label)
    if spec_field.type == "fk":
        choices = [SelectChoice(0, _l("— Choisir —"))] + [SelectChoice(i, text) for i, text in fk_choices]
        return SelectField(label, coerce=int, validate_choice=False, choices=choices)
    if spec_field.type == "choice":
        return SelectField(label, validate_choice=False,
                           choices=[SelectChoice(c, c.capitalize()) for c in spec_field.choices])
    if spec_field.type == "mimes":
        return MultiCheckboxField(label, validate_choice=False,
                                  choices=[SelectChoice(m, f"{MIME_LABELS[m]} ({m})") for m in MIME_TYPES])
    raise ValueError(f"type de champ inconnu : {spec_field.type}")


def item_form(spec: KindSpec, fk_choices: dict, obj=None, fingerprint: str | None = None) -> ItemForm:
    """A form with one field per spec field, filled from `obj` when editing.

    `fk_choices` maps a field name to its (id, label) choices.
    """

    class _Form(ItemForm):
        pass

    data = {}
    for f in spec.fields:
        setattr(_Form, f.name, _field(f, fk_choices.get(f.name, [])))
        if obj is not None:
            value = getattr(obj, f.name)
            if f.type == "mimes":
                value = [v for v in (value or "").split(",") if v]
            data[f.name] = value
    if obj is None:
        data.update({f.name: list(MIME_TYPES) for f in spec.fields if f.type == "mimes"})
    data["fingerprint"] = fingerprint or ""
    return _Form(data=data)


class StatusForm(FlaskForm):
    """Deactivate or reactivate: a POST with an explicit confirmation."""

    fingerprint = HiddenField()
    confirm = BooleanField(_l("Je confirme."), validators=[DataRequired(_l("Cochez la case pour confirmer."))])
