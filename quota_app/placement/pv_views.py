"""The placement's procès-verbal (sealed PDF) for managers (/gestion/affectation/pv): the page
of a campaign's PV (not available before the publication; once sealed, its download, its
verification code and address, its seal date), the button that seals it (once) and downloads
it, and the download."""
import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..permissions import role_required
from ..viewhelpers import act, acting_user
from . import pv as services

bp = Blueprint("placement_pv", __name__)


class SealForm(FlaskForm):
    """« Sceller et télécharger le PV » (CSRF-protected)."""


@bp.get("/<int:campaign_id>")
@role_required("manager")
def show(campaign_id: int):
    return render_template("placement_pv/show.html", page=services.pv_page(campaign_id), form=SealForm())


@bp.post("/<int:campaign_id>/sceller")
@role_required("manager")
def seal(campaign_id: int):
    form = SealForm()
    if not form.validate_on_submit():
        return redirect(url_for(".show", campaign_id=campaign_id))
    done = act(lambda: services.seal_pv(acting_user(), campaign_id))
    if not done:
        return redirect(url_for(".show", campaign_id=campaign_id))
    _document, created = done.value
    if created:
        flash(_("Le procès-verbal d'affectation est scellé : il ne changera plus."), "success")
    return redirect(url_for(".download", campaign_id=campaign_id), code=303)


@bp.get("/<int:campaign_id>/proces-verbal.pdf")
@role_required("manager")
def download(campaign_id: int):
    done = act(lambda: services.pv_download(acting_user(), campaign_id, ip=request.remote_addr))
    if not done:
        return redirect(url_for(".show", campaign_id=campaign_id))
    document = done.value
    response = send_file(io.BytesIO(document.pdf), mimetype="application/pdf", as_attachment=True, max_age=0,
                         download_name=f"{document.number}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response
