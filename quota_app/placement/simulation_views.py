"""The managers' what-if simulations before publication (/gestion/affectation/simulations)."""
from flask import Blueprint

bp = Blueprint("placement_simulation", __name__)
