"""The shape of the erasure forms; the rules stay in services.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from ..formfields import strip
from .services import NOTE_MAX, REASON_MAX


class ErasureRequestForm(FlaskForm):
    confirm = BooleanField(_l("Je demande l'effacement de mes données personnelles et je comprends que mes "
                              "dossiers ne pourront plus être examinés ni retrouvés."))
    note = TextAreaField(_l("Message à la DNFP (facultatif)"), filters=[strip],
                         validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 3, "maxlength": NOTE_MAX})


class DecisionForm(FlaskForm):
    """Accept or refuse (the button pressed: decision=accept|refuse); a reason, required to refuse."""

    reason = TextAreaField(_l("Motif (obligatoire pour un refus : il est communiqué au candidat)"), filters=[strip],
                           validators=[Optional(), Length(max=REASON_MAX)],
                           render_kw={"rows": 4, "maxlength": REASON_MAX})
