"""The placement's procès-verbal (sealed PDF) for managers (/gestion/affectation/pv)."""
from flask import Blueprint

bp = Blueprint("placement_pv", __name__)
