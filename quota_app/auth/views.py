from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, logout_user

from ..extensions import db
from ..permissions import role_required
from .session import rotate_session_token

bp = Blueprint("auth", __name__)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    return render_template("auth/login.html")


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    return render_template("auth/login.html")


@bp.post("/deconnexion")
def logout():
    if current_user.is_authenticated:
        rotate_session_token(current_user)
        db.session.commit()
    logout_user()
    return redirect(url_for("main.index"))


@bp.get("/admin/comptes")
@role_required("admin")
def admin_users():
    return render_template("auth/login.html")
