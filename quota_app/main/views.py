"""Public pages: the landing page, language choice, the data-protection notice."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..auth import services as accounts
from ..campaigns.selection import open_campaigns
from ..extensions import db
from ..i18n import SUPPORTED
from ..jobs.queue import queue_of
from ..urls import safe_next
from ..viewhelpers import act, acting_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html", campaigns=open_campaigns())


@bp.post("/langue")
def set_language():
    lang = request.form.get("lang")
    if lang in SUPPORTED:
        session["lang"] = lang
        if current_user.is_authenticated:
            act(lambda: accounts.set_locale(acting_user(), lang, ip=request.remote_addr))
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.get("/protection-des-donnees")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/sante")
def health():
    """The proxy's probe: the database and the task queue answer (503 otherwise)."""
    checks = {}
    try:
        db.session.execute(db.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # the probe must answer, whatever the database does
        db.session.rollback()
        checks["database"] = "injoignable"
    try:
        queue_of(current_app).huey.storage.queue_size()
        checks["queue"] = "ok"
    except Exception:  # same: a queue that does not answer is the answer
        checks["queue"] = "injoignable"
    healthy = all(value == "ok" for value in checks.values())
    return {"status": "ok" if healthy else "erreur", **checks}, 200 if healthy else 503
