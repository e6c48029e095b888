from flask import Blueprint, render_template

from ..permissions import role_required

bp = Blueprint("amci", __name__)


@bp.get("/")
@role_required("amci")
def home():
    return render_template("amci/home.html")
