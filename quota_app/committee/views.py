from flask import Blueprint, render_template

from ..permissions import role_required

bp = Blueprint("committee", __name__)


@bp.get("/")
@role_required("committee")
def home():
    return render_template("committee/home.html")
