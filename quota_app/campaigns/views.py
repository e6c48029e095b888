from flask import Blueprint, render_template

from ..permissions import role_required

bp = Blueprint("campaigns", __name__)


@bp.get("/")
@role_required("manager")
def home():
    return render_template("campaigns/home.html")
