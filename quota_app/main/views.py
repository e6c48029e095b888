"""Public pages: the landing page, language choice, the data-protection notice."""
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..extensions import db
from ..urls import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from ..campaigns.models import Campaign

    campaigns = db.session.execute(
        db.select(Campaign).where(Campaign.phase == "open").order_by(Campaign.closes_at)
    ).scalars().all()
    return render_template("main/index.html", campaigns=campaigns)


@bp.post("/langue")
def set_language():
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            from ..audit.services import record

            record(current_user, "user.locale", current_user, before={"locale": current_user.locale},
                   after={"locale": lang}, ip_address=request.remote_addr)
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.get("/protection-des-donnees")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/sante")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
