"""The AMCI pages' forms: nominate, and the joint committee's answer recorded by hand (when it
comes by letter rather than as a list to reconcile). The rules stay in the services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..formfields import strip as _strip

DECISIONS = (("confirm", _l("Confirmé par la commission mixte")),
             ("reorient", _l("Réorienté vers une autre formation")),
             ("refused", _l("Refusé par la commission mixte (la place va à la liste d'attente)")))


class NominateForm(FlaskForm):
    """« Établir la liste nominative » (or complete it with the acceptances since)."""


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Décision"), choices=DECISIONS,
                          validators=[InputRequired(_l("Choisissez la décision de la commission mixte."))])
    offer_id = SelectField(_l("Nouvelle formation (réorientation)"), coerce=str, validators=[Optional()],
                           validate_choice=False)
    reason = TextAreaField(_l("Motif ou observations de la commission"), filters=[_strip],
                           validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])
    version = HiddenField()
