"""The managers' committee pages (blueprint "committee_admin", /gestion/comites): committees and
their members, conflicts recorded by a manager, « Attribuer les dossiers », progress, reminders.

Thin views: bind the form, call one service through `act` (one commit, the refusal in French),
redirect. What a page reads comes from committee/services.py.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..campaigns.services import get_campaign
from ..errors import ValidationFailed
from ..extensions import db
from ..permissions import role_required
from ..viewhelpers import act, acting_user, page_of
from . import services
from .manage_forms import ActionForm, ChairForm, CommitteeForm, ConflictForm, DeactivateForm, MemberForm

bp = Blueprint("committee_admin", __name__)


def manager_only(view):
    return role_required("manager")(view)


@bp.get("/")
@manager_only
def index():
    return render_template("committee_admin/index.html", rows=services.overview())


@bp.get("/campagnes/<int:campaign_id>")
@manager_only
def campaign(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return render_template("committee_admin/campaign.html", campaign=campaign,
                           preview=services.assignment_preview(campaign))


def _committee_form(**kwargs) -> CommitteeForm:
    form = CommitteeForm(**kwargs)
    form.sector_id.choices = [SelectChoice(0, _("Toute la campagne (aucun secteur)"))] + [
        SelectChoice(s.id, s.name) for s in services.active_sectors()]
    return form


@bp.route("/campagnes/<int:campaign_id>/nouveau", methods=["GET", "POST"])
@manager_only
def create(campaign_id: int):
    campaign = get_campaign(campaign_id)
    form = _committee_form()
    if form.validate_on_submit():
        done = act(lambda: services.create_committee(acting_user(), campaign, form.name.data, form.sector_id.data,
                                                     form.scoring_deadline.data), form,
                   success=_("Le comité est constitué : ajoutez-lui ses membres."))
        if done:
            return redirect(url_for("committee_admin.show", committee_id=done.value.id))
    return render_template("committee_admin/form.html", form=form, campaign=campaign, committee=None)


@bp.route("/<int:committee_id>/modifier", methods=["GET", "POST"])
@manager_only
def edit(committee_id: int):
    committee = services.get_committee(committee_id)
    form = _committee_form(obj=committee, sector_id=committee.sector_id or 0)
    if form.validate_on_submit() and act(
            lambda: services.update_committee(acting_user(), committee, form.name.data, form.sector_id.data,
                                              form.scoring_deadline.data), form,
            success=_("Le comité est enregistré.")):
        return redirect(url_for("committee_admin.show", committee_id=committee_id))
    return render_template("committee_admin/form.html", form=form, campaign=committee.campaign, committee=committee)


def _chair_form(committee, members) -> ChairForm:
    form = ChairForm()
    form.member_id.choices = [SelectChoice(0, _("— Choisir un membre —"))] + [
        SelectChoice(m.id, services.member_name(m)) for m in members if m.active and m.role != "chair"]
    return form


@bp.get("/<int:committee_id>")
@manager_only
def show(committee_id: int):
    committee = services.get_committee(committee_id)
    progress = services.member_progress(committee)
    return render_template("committee_admin/show.html", committee=committee, progress=progress,
                           summary=services.committee_summary(committee),
                           chair_form=_chair_form(committee, [p.member for p in progress]), action=ActionForm())


@bp.route("/<int:committee_id>/membres/ajouter", methods=["GET", "POST"])
@manager_only
def add_member(committee_id: int):
    committee = services.get_committee(committee_id)
    form = MemberForm()
    form.user_id.choices = [SelectChoice(0, _("— Choisir un compte —"))] + [
        SelectChoice(u.id, f"{u.full_name} ({u.email})") for u in services.candidate_users(committee)]
    if form.validate_on_submit() and act(
            lambda: services.add_member(acting_user(), committee, db.session.get(User, form.user_id.data),
                                        form.chair.data), form,
            success=_("Le membre est ajouté au comité.")):
        return redirect(url_for("committee_admin.show", committee_id=committee_id))
    return render_template("committee_admin/member_form.html", form=form, committee=committee)


@bp.post("/<int:committee_id>/president")
@manager_only
def chair(committee_id: int):
    committee = services.get_committee(committee_id)
    form = _chair_form(committee, services.committee_members(committee))
    if not form.validate_on_submit():
        flash(_("Choisissez le membre qui présidera le comité."), "error")
    else:
        act(lambda: services.set_chair(acting_user(), committee, services.get_member(committee, form.member_id.data)),
            form, success=_("Le président du comité est changé."))
    return redirect(url_for("committee_admin.show", committee_id=committee_id))


@bp.route("/<int:committee_id>/membres/<int:member_id>/desactiver", methods=["GET", "POST"])
@manager_only
def deactivate(committee_id: int, member_id: int):
    committee = services.get_committee(committee_id)
    member = services.get_member(committee, member_id)
    form = DeactivateForm()
    if form.validate_on_submit():
        done = act(lambda: services.deactivate_member(acting_user(), member, form.reason.data), form)
        if done:
            moved = done.value
            flash(_("%(name)s est désactivé : %(n)s dossier(s) en attente confiés à d'autres membres.",
                    name=services.member_name(member), n=len(moved.moved) + len(moved.third_reviews)), "success")
            for reason in moved.unplaced + moved.warnings:
                flash(reason, "warning")
            return redirect(url_for("committee_admin.show", committee_id=committee_id))
        if not isinstance(done.error, ValidationFailed):  # already deactivated, the chair: nothing to fix here
            return redirect(url_for("committee_admin.show", committee_id=committee_id))
    progress = next((p for p in services.member_progress(committee) if p.member.id == member.id), None)
    return render_template("committee_admin/deactivate.html", form=form, committee=committee, member=member,
                           progress=progress)


@bp.route("/<int:committee_id>/conflits", methods=["GET", "POST"])
@manager_only
def conflicts(committee_id: int):
    committee = services.get_committee(committee_id)
    form = ConflictForm()
    form.member_id.choices = [SelectChoice(0, _("— Choisir un membre —"))] + [
        SelectChoice(m.id, services.member_name(m)) for m in services.committee_members(committee) if m.active]
    if form.validate_on_submit():
        done = act(lambda: services.record_conflict(
            acting_user(), services.get_member(committee, form.member_id.data),
            services.find_file(committee, form.reference.data), form.reason.data), form,
            success=_("Le conflit d'intérêts est enregistré."))
        if done:
            withdrawn = done.value.withdrawn
            if withdrawn is not None:
                flash(_("Le dossier était attribué à ce membre : l'attribution est retirée et ses notes supprimées."),
                      "success")
                for reason in withdrawn.unplaced:
                    flash(reason, "warning")
            return redirect(url_for("committee_admin.conflicts", committee_id=committee_id))
    return render_template("committee_admin/conflicts.html", form=form, committee=committee,
                           conflicts=services.conflicts_of(committee))


@bp.route("/campagnes/<int:campaign_id>/attribuer", methods=["GET", "POST"])
@manager_only
def assign(campaign_id: int):
    campaign = get_campaign(campaign_id)
    form = ActionForm()
    if form.validate_on_submit():
        done = act(lambda: services.assign_files(acting_user(), campaign))
        if done:
            flash(_("%(n)s attribution(s) enregistrée(s).", n=done.value.new), "success")
            return redirect(url_for("committee_admin.campaign", campaign_id=campaign_id))
    return render_template("committee_admin/assign.html", campaign=campaign, form=form,
                           preview=services.assignment_preview(campaign))


@bp.get("/<int:committee_id>/dossiers")
@manager_only
def files(committee_id: int):
    committee = services.get_committee(committee_id)
    q = (request.args.get("q") or "").strip()[:100]
    page = page_of(services.files_statement(committee, q))
    return render_template("committee_admin/files.html", committee=committee, page=page, q=q,
                           rows=services.file_rows(committee, list(page.items)))


@bp.post("/<int:committee_id>/rappel")
@manager_only
def remind(committee_id: int):
    committee = services.get_committee(committee_id)
    form = ActionForm()
    if form.validate_on_submit():
        done = act(lambda: services.send_reminders(acting_user(), committee))
        if done:
            flash(_("Rappel envoyé à %(n)s membre(s) : %(names)s.", n=len(done.value.sent),
                    names=", ".join(done.value.sent)), "success")
            if done.value.already:
                flash(_("Déjà rappelé(s) aujourd'hui : %(names)s.", names=", ".join(done.value.already)), "info")
    else:
        flash(_("La demande a expiré : rechargez la page et recommencez."), "error")
    return redirect(url_for("committee_admin.show", committee_id=committee_id))
