"""The slips' forms: prepare a slip (after its confirmation page), and each step of its life.
CSRF on every one (FlaskForm); the rules stay in amci/slips.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..formfields import FrenchDateField
from ..formfields import strip as _strip

VERSION_MISSING = _l("Relisez la page du bordereau et recommencez.")


class PrepareForm(FlaskForm):
    notes = TextAreaField(_l("Observations (imprimées sur le bordereau)"), filters=[_strip],
                          validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])
    enclosures = TextAreaField(_l("Autres pièces jointes (une par ligne, « désignation : nombre »)"),
                               filters=[_strip],
                               validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])
    confirmed = HiddenField()


class SendForm(FlaskForm):
    sent_on = FrenchDateField(_l("Date d'envoi à l'ambassade"),
                              validators=[InputRequired(_l("Indiquez la date d'envoi à l'ambassade."))])
    version = HiddenField(validators=[InputRequired(VERSION_MISSING)])


class StepForm(FlaskForm):
    """« Reçu par l'AMCI », « Réponse reçue »: the slip's version only."""

    version = HiddenField(validators=[InputRequired(VERSION_MISSING)])
