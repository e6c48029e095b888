"""The managers' placement pages (/gestion/affectation)."""
from flask import Blueprint

bp = Blueprint("placement_admin", __name__)
