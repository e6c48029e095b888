"""Transmittal slips' pages (blueprint "amci_slips", /amci/bordereaux): a campaign's slips, a
slip's page (header, life with the next step's button, enclosures, the nominations it carries,
downloads), the preparation of a slip (a confirmation page showing what it will carry), and the
nominative list as PDF.

Managers do everything; AMCI officers read the slips sent to the embassy or later and download
them (a slip still being prepared looks like a missing one: 404); other roles 403.
Thin views: bind the form, call one service through `act` (one commit, the refusal in French),
redirect.
"""
import io
import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..campaigns.selection import campaigns_list, current_campaign
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..permissions import role_required
from ..spreadsheets.writer import write_table
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import lists, slips
from .models import NOMINATION_STATUS_LABELS, TRANSMITTAL_STATUS_LABELS
from .slip_forms import PrepareForm, SendForm, StepForm

bp = Blueprint("amci_slips", __name__)
READERS = ("manager", "amci")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STEP_FORMS = {"sent": SendForm, "received": StepForm, "answered": StepForm}
STEP_ENDPOINTS = {"sent": "amci_slips.send", "received": "amci_slips.receive", "answered": "amci_slips.answer"}
STEP_BUTTONS = {"sent": N_("Enregistrer l'envoi à l'ambassade"), "received": N_("Enregistrer la réception par l'AMCI"),
                "answered": N_("Enregistrer la réponse de l'AMCI")}


def _is_manager() -> bool:
    return acting_user().role == "manager"


def _readable(slip_id: int):
    """The slip, if the actor may read it (an AMCI officer: sent or later)."""
    slip = slips.get_slip(slip_id)
    if not _is_manager() and slip.status == "prepared":
        raise NotFound("Bordereau introuvable.")
    return slip


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/")
@role_required(*READERS)
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("amci/slips.html", campaign=None, campaigns=campaigns)
    page = page_of(slips.slips_statement(campaign.id, sent_only=not _is_manager()))
    rows = list(page.items)
    return render_template("amci/slips.html", campaign=campaign, campaigns=campaigns, page=page, rows=rows,
                           counts=slips.slip_counts([s.id for s in rows]), is_manager=_is_manager(),
                           preview=slips.preview(campaign.id, utcnow()) if _is_manager() else None,
                           labels=TRANSMITTAL_STATUS_LABELS, kinds=slips.KIND_LABELS, names=slips.user_names(rows))


def _prepare_page(campaign_id: int, form: PrepareForm, status: int = 200):
    preview = slips.preview(campaign_id, utcnow())
    page = page_of(slips.pending_statement(campaign_id))
    return render_template("amci/slip_prepare.html", preview=preview, campaign=preview.campaign, form=form,
                           page=page, rows=list(page.items), labels=NOMINATION_STATUS_LABELS,
                           offers=lists.trainings(campaign_id)), status


@bp.route("/campagne/<int:campaign_id>/preparer", methods=["GET", "POST"])
@role_required("manager")
def prepare(campaign_id: int):
    if request.method == "GET":
        return _prepare_page(campaign_id, PrepareForm(formdata=None))
    form = PrepareForm()
    if not form.validate_on_submit() or form.confirmed.data != "1":
        return _prepare_page(campaign_id, form, 400)
    done = act(lambda: slips.prepare_slip(acting_user(), campaign_id, utcnow(), notes=form.notes.data or "",
                                          enclosures=[form.enclosures.data or ""]), form)
    if done:
        slip = done.value
        flash(_("Le bordereau %(n)s est préparé et scellé : %(c)s candidat(s). Enregistrez son envoi à "
                "l'ambassade une fois parti.", n=slip.number, c=slips.slip_counts([slip.id]).get(slip.id, 0)),
              "success")
        return redirect(url_for(".show", slip_id=slip.id), code=303)
    if isinstance(done.error, ValidationFailed):
        return _prepare_page(campaign_id, form, 400)
    if done.conflict:
        return _prepare_page(campaign_id, form, 409)
    return redirect(url_for(".index", campaign=campaign_id), code=303)


def _slip_page(slip, forms: dict | None = None, status: int = 200):
    page = page_of(slips.carried_statement(slip.id))
    next_status = slips.NEXT.get(slip.status)
    form = None
    if _is_manager() and next_status:
        form = (forms or {}).get(next_status) or STEP_FORMS[next_status](
            formdata=None, version=slip.version, **({"sent_on": utcnow().date()} if next_status == "sent" else {}))
    document = slips.sealed_document(slip)
    return render_template(
        "amci/slip.html", slip=slip, campaign=slip.campaign, life=slips.life(slip), page=page, rows=list(page.items),
        offers=lists.trainings(slip.campaign_id), labels=NOMINATION_STATUS_LABELS,
        status_labels=TRANSMITTAL_STATUS_LABELS, kind_label=slips.KIND_LABELS[slip.kind], document=document,
        verification_url=slips.verification_address(slip), next_status=next_status, form=form,
        step_endpoint=STEP_ENDPOINTS.get(next_status), step_button=STEP_BUTTONS.get(next_status),
        is_manager=_is_manager()), status


@bp.get("/<int:slip_id>")
@role_required(*READERS)
def show(slip_id: int):
    return _slip_page(_readable(slip_id))


def _move(slip_id: int, target: str, call):
    slip = slips.get_slip(slip_id)
    form = STEP_FORMS[target]()
    if not form.validate_on_submit():
        if slips.NEXT.get(slip.status) != target:   # a stale page: say where the slip is
            flash(_("Ce bordereau est déjà à l'étape « %(s)s ».", s=_(TRANSMITTAL_STATUS_LABELS[slip.status])), "info")
            return redirect(url_for(".show", slip_id=slip_id), code=303)
        return _slip_page(slip, {target: form}, 400)
    done = act(lambda: call(slip, form), form)
    if done:
        if done.value:
            flash(_("Étape enregistrée : %(s)s.", s=_(TRANSMITTAL_STATUS_LABELS[target])), "success")
        else:
            flash(_("Cette étape était déjà enregistrée : rien n'a changé."), "info")
        return redirect(url_for(".show", slip_id=slip_id), code=303)
    slip = slips.get_slip(slip_id)
    if isinstance(done.error, ValidationFailed):
        return _slip_page(slip, {target: form}, 400)
    if done.conflict:
        return _slip_page(slip, None, 409)
    return redirect(url_for(".show", slip_id=slip_id), code=303)


@bp.post("/<int:slip_id>/envoi")
@role_required("manager")
def send(slip_id: int):
    return _move(slip_id, "sent", lambda slip, form: slips.mark_sent(
        acting_user(), slip, form.sent_on.data, utcnow(), version=form.version.data))


@bp.post("/<int:slip_id>/reception")
@role_required("manager")
def receive(slip_id: int):
    return _move(slip_id, "received", lambda slip, form: slips.mark_received(
        acting_user(), slip, utcnow(), version=form.version.data))


@bp.post("/<int:slip_id>/reponse")
@role_required("manager")
def answer(slip_id: int):
    return _move(slip_id, "answered", lambda slip, form: slips.mark_answered(
        acting_user(), slip, utcnow(), version=form.version.data))


@bp.get("/<int:slip_id>/bordereau.pdf")
@role_required(*READERS)
def download(slip_id: int):
    slip = _readable(slip_id)
    done = act(lambda: slips.slip_download(acting_user(), slip, ip=request.remote_addr))
    if not done:
        return redirect(url_for(".show", slip_id=slip_id))
    document = done.value
    return _no_store(send_file(io.BytesIO(document.pdf), mimetype="application/pdf", as_attachment=True, max_age=0,
                               download_name=f"{document.number}.pdf"))


@bp.get("/<int:slip_id>/liste.xlsx")
@role_required(*READERS)
def list_xlsx(slip_id: int):
    slip = _readable(slip_id)
    campaign = slip.campaign
    handle = tempfile.TemporaryFile()
    rows = write_table(handle, f"Liste nominative AMCI – bordereau {slip.number} – {campaign.title}",
                       lists.COLUMNS, lists.spreadsheet_rows(campaign, slip.id), sheet_title="Liste AMCI")
    slips.record_list_download(acting_user(), slip, campaign, "liste.xlsx", rows, ip=request.remote_addr)
    db.session.commit()
    handle.seek(0)
    return _no_store(send_file(handle, as_attachment=True, max_age=0, mimetype=XLSX,
                               download_name=f"liste-nominative-{slip.number}.xlsx"))


def _pdf_answer(pdf: bytes, name: str):
    return _no_store(send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, max_age=0,
                               download_name=name))


@bp.get("/<int:slip_id>/liste.pdf")
@role_required(*READERS)
def list_pdf(slip_id: int):
    slip = _readable(slip_id)
    pdf, rows = lists.list_pdf(slip.campaign, slip, now=utcnow().replace(microsecond=0))
    slips.record_list_download(acting_user(), slip, slip.campaign, "liste.pdf", rows, ip=request.remote_addr)
    db.session.commit()
    return _pdf_answer(pdf, f"liste-nominative-{slip.number}.pdf")


@bp.get("/campagne/<int:campaign_id>/liste-nominative.pdf")
@role_required(*READERS)
def campaign_list_pdf(campaign_id: int):
    from ..campaigns.models import Campaign

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    pdf, rows = lists.list_pdf(campaign, None, now=utcnow().replace(microsecond=0))
    slips.record_list_download(acting_user(), None, campaign, "liste.pdf", rows, ip=request.remote_addr)
    db.session.commit()
    return _pdf_answer(pdf, f"liste-nominative-{campaign.code}.pdf")
