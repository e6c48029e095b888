"""The exports page and the downloads (GET: nothing changes but the audit record)."""
import tempfile

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from ..extensions import db
from ..permissions import role_required
from ..registry import lookup
from ..viewhelpers import acting_user
from . import services

bp = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


OTHER_WORKBOOKS = (
    ("dashboard.journey_export", "Parcours de l'année, comparé aux années précédentes (statistiques)", ("manager",)),
)


@bp.get("/")
@role_required("manager", "amci")
def index():
    campaign = lookup("current_campaign")()
    kinds = [(kind.kind, kind.label) for kind in services.kinds_for(current_user.role)]
    # Workbooks built elsewhere, listed here so that every download is found in one place.
    others = [(endpoint, label) for endpoint, label, roles in OTHER_WORKBOOKS if current_user.role in roles]
    return render_template("exports/index.html", campaign=campaign,
                           campaigns=lookup("campaigns")() if campaign else [], kinds=kinds, others=others)


@bp.get("/<kind>.xlsx")
@role_required("manager", "amci")
def download(kind: str):
    services.export_kind(kind)  # an unknown kind: 404
    if kind not in {k.kind for k in services.kinds_for(current_user.role)}:
        abort(403)
    campaign = lookup("current_campaign")()
    if campaign is None:
        abort(404)
    handle = tempfile.TemporaryFile()
    services.export(kind, campaign, handle, acting_user(), ip=request.remote_addr)
    db.session.commit()
    handle.seek(0)
    return send_file(handle, as_attachment=True, max_age=0, mimetype=XLSX,
                     download_name=services.file_name(kind, campaign))
