"""The exports page and the downloads (GET: nothing changes but the audit record)."""
import tempfile

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from ..extensions import db
from ..permissions import role_required
from ..campaigns.selection import campaigns_list, current_campaign
from ..viewhelpers import acting_user
from . import services

bp = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@role_required("manager", "amci")
def index():
    campaign = current_campaign()
    kinds = [(kind, label) for kind, (label, roles) in services.KINDS.items() if current_user.role in roles]
    return render_template("exports/index.html", campaign=campaign,
                           campaigns=campaigns_list() if campaign else [], kinds=kinds)


@bp.get("/<kind>.xlsx")
@role_required("manager", "amci")
def download(kind: str):
    if kind not in services.KINDS:
        abort(404)
    if current_user.role not in services.KINDS[kind][1]:
        abort(403)
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    handle = tempfile.TemporaryFile()
    services.EXPORTERS[kind](campaign, handle, acting_user(), ip=request.remote_addr)
    db.session.commit()
    handle.seek(0)
    return send_file(handle, as_attachment=True, max_age=0, mimetype=XLSX,
                     download_name=services.file_name(kind, campaign))
