"""The trainees' follow-up pages (blueprint "amci_followup", /amci/suivi): a campaign's nominated
trainees (search by name or reference, filters, counts, the alerts), one trainee's follow-up with
its form, the re-enrolment records and the history from the audit trail.

Managers and AMCI officers read and write; an AMCI officer sees nominated trainees only (any other
file answers 404, like a missing one). Thin views: bind the form, call one service through `act`
(one commit, the refusal in French), redirect.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..campaigns.selection import campaigns_list, current_campaign
from ..errors import ValidationFailed
from ..permissions import role_required
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import followup, followup_queries as queries, followup_rules as rules, money
from .alerts import alerts_for, all_campaign_ids
from .followup_forms import FollowUpForm, ReenrolmentForm, VISA_CHOICES
from .models import NOMINATION_STATUS_LABELS, SITUATION_LABELS

bp = Blueprint("amci_followup", __name__)
READERS = ("manager", "amci")


@bp.app_template_global("followup_alerts")
def home_alerts():
    """The follow-up alerts of every campaign with nominations (the managers' home page)."""
    return alerts_for(all_campaign_ids(), utcnow().date())


@bp.get("/")
@role_required(*READERS)
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("amci/followup/index.html", campaign=None, campaigns=campaigns)
    filters = queries.Filters.of(request.args)
    alerts = alerts_for([campaign.id], utcnow().date())
    by_file: dict[int, list] = {}
    for alert in alerts:
        by_file.setdefault(alert.application_id, []).append(alert)
    page = page_of(queries.trainees_statement(campaign.id, filters, list(by_file)))
    rows = list(page.items)
    return render_template(
        "amci/followup/index.html", campaign=campaign, campaigns=campaigns, page=page, rows=rows,
        follow_ups=queries.follow_ups_for([n.application_id for n in rows]),
        filters=filters, counts=queries.counts(campaign.id), alerts=alerts, alert_counts=rules.counts(alerts),
        by_file=by_file, visa_choices=VISA_CHOICES, filter_labels=queries.FILTERS,
        labels=NOMINATION_STATUS_LABELS)


def _page(application_id: int, form=None, reenrolment_form=None, status: int = 200):
    application, nomination = followup.visible(acting_user(), application_id)
    row = followup.follow_up_of(application_id)
    establishments = queries.establishments()
    if form is None:
        form = FollowUpForm.of(row, row.version if row is not None else 0, establishments)
    editable = nomination is not None and nomination.status in followup.LIVE
    return render_template(
        "amci/followup/show.html", application=application, nomination=nomination, row=row, form=form,
        reenrolment_form=reenrolment_form or ReenrolmentForm(formdata=None), editable=editable,
        reenrolments=followup.reenrolments(row.id if row is not None else None),
        history=queries.history(application_id, row.id if row is not None else None),
        alerts=alerts_for([application.campaign_id], utcnow().date(), application_ids=[application_id]),
        labels=NOMINATION_STATUS_LABELS, situations=SITUATION_LABELS, visa_labels=dict(VISA_CHOICES),
        money=money.format_money), status


@bp.get("/stagiaire/<int:application_id>")
@role_required(*READERS)
def show(application_id: int):
    return _page(application_id)


def _refused(done) -> int:
    return 400 if isinstance(done.error, ValidationFailed) else 409


@bp.post("/stagiaire/<int:application_id>/suivi")
@role_required(*READERS)
def update(application_id: int):
    followup.visible(acting_user(), application_id)
    form = FollowUpForm()
    form.set_establishments(queries.establishments())
    if not form.validate_on_submit():
        return _page(application_id, form, status=400)
    version = int(form.version.data) if (form.version.data or "").isdigit() else -1
    done = act(lambda: followup.update_follow_up(acting_user(), application_id, form.values(), utcnow(), version,
                                                 reason=form.comment.data or ""), form)
    if done:
        flash(_("Le suivi du stagiaire est enregistré."), "success")
        return redirect(url_for(".show", application_id=application_id), code=303)
    return _page(application_id, form, status=_refused(done))


@bp.post("/stagiaire/<int:application_id>/reinscription")
@role_required(*READERS)
def reenrol(application_id: int):
    followup.visible(acting_user(), application_id)
    form = ReenrolmentForm()
    if not form.validate_on_submit():
        return _page(application_id, reenrolment_form=form, status=400)
    done = act(lambda: followup.record_reenrolment(
        acting_user(), application_id, form.academic_year.data, form.documents_received_on.data,
        result=form.result.data or "", note=form.note.data or "", now=utcnow()), form)
    if done:
        flash(_("La réinscription %(y)s est enregistrée.", y=done.value.academic_year), "success")
        return redirect(url_for(".show", application_id=application_id), code=303)
    return _page(application_id, reenrolment_form=form, status=_refused(done))
