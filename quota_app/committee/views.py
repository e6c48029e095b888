"""The committee member's pages (/comite): what to do now, the statement, the conflicts
declaration, the files to score, the offline score sheet.

Thin views: read the form, call one service of reviewing.py (or io.py) through `act` (one
commit; a refusal shown in French), redirect. Another committee, another member's file or a
withdrawn one answer with the 404 page (the services raise NotFound).
"""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..applications import storage
from ..errors import NotAllowed, ValidationFailed
from ..permissions import role_required
from ..viewhelpers import act, acting_user, page_of, private_file
from . import io as sheets
from . import reviewing
from .forms import ConflictForm, FinishDeclarationForm, StatementForm, UploadForm, score_form, score_values

bp = Blueprint("committee", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEMBERS = ("committee",)


def _ip():
    return request.remote_addr


def _to_statement(committee_id: int):
    return redirect(url_for("committee.statement", committee_id=committee_id))


def _to_conflicts(committee_id: int, form: ConflictForm | None = None):
    args = {}
    if form is not None:
        if form.q.data:
            args["q"] = form.q.data
        if (form.page.data or "").isdigit():
            args["page"] = int(form.page.data)
    return redirect(url_for("committee.conflicts", committee_id=committee_id, **args))


def _chair_summaries(user) -> list:
    from .deliberating import chair_summaries

    return chair_summaries(user)


@bp.get("/")
@role_required(*MEMBERS)
def home():
    user = acting_user()
    return render_template("committee/home.html", todos=reviewing.home(user),
                           chair_summaries=_chair_summaries(user))


@bp.route("/<int:committee_id>/declaration", methods=["GET", "POST"])
@role_required(*MEMBERS)
def statement(committee_id: int):
    member = reviewing.member_of(acting_user(), committee_id)
    form = StatementForm()
    if form.validate_on_submit() and act(
            lambda: reviewing.sign_statement(acting_user(), committee_id), form,
            success=_("Déclaration signée. Déclarez maintenant vos conflits d'intérêts.")):
        return redirect(url_for("committee.conflicts", committee_id=committee_id))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("committee/statement.html", member=member, committee=member.committee, form=form,
                           title=reviewing.STATEMENT_TITLE, statement=reviewing.STATEMENT), status


@bp.get("/<int:committee_id>/conflits")
@role_required(*MEMBERS)
def conflicts(committee_id: int):
    query = (request.args.get("q") or "").strip()[:100]
    try:
        member, statement = reviewing.candidates(acting_user(), committee_id, query)
    except NotAllowed:
        return _to_statement(committee_id)
    page = page_of(statement)
    declared = reviewing.conflicts_of(member, [a.id for a in page.items])
    return render_template("committee/conflicts.html", member=member, committee=member.committee, page=page,
                           declared=declared, q=query, total_declared=len(reviewing.conflicts_of(member)),
                           finish_form=FinishDeclarationForm())


@bp.post("/<int:committee_id>/conflits")
@role_required(*MEMBERS)
def conflict(committee_id: int):
    reviewing.member_of(acting_user(), committee_id)  # another committee: 404
    form = ConflictForm()
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "declare":
        act(lambda: reviewing.declare_conflict(acting_user(), committee_id, form.application_id.data,
                                               form.reason.data or ""),
            success=_("Conflit d'intérêts enregistré : ce candidat ne vous sera pas attribué."))
    else:
        act(lambda: reviewing.remove_conflict(acting_user(), committee_id, form.application_id.data),
            success=_("Conflit d'intérêts retiré."))
    return _to_conflicts(committee_id, form)


@bp.post("/<int:committee_id>/conflits/termine")
@role_required(*MEMBERS)
def finish_declaration(committee_id: int):
    reviewing.member_of(acting_user(), committee_id)
    form = FinishDeclarationForm()
    if not form.validate_on_submit():
        for error in form.confirm.errors:
            flash(error, "error")
        return _to_conflicts(committee_id)
    if act(lambda: reviewing.finish_declaration(acting_user(), committee_id),
           success=_("Votre déclaration de conflits d'intérêts est enregistrée.")):
        return redirect(url_for("committee.home"))
    return _to_conflicts(committee_id)


@bp.get("/<int:committee_id>/dossiers")
@role_required(*MEMBERS)
def files(committee_id: int):
    try:
        member, assigned = reviewing.my_files(acting_user(), committee_id)
    except NotAllowed:
        return _to_statement(committee_id)
    done = sum(1 for f in assigned if f.submitted)
    return render_template("committee/files.html", member=member, committee=member.committee, files=assigned,
                           done=done, blind=member.committee.campaign.blind_review)


def _render_review(file, form=None, status=200):
    if form is None:
        data = {f"c_{c.id}": reviewing.fr_score(file.values.get(c.id)) for c in file.criteria}
        form = score_form(file.criteria, comment=file.comment, version=str(file.version), **data)
    return render_template("committee/review.html", file=file, form=form), status


@bp.route("/dossiers/<int:assignment_id>", methods=["GET", "POST"])
@role_required(*MEMBERS)
def review(assignment_id: int):
    user = acting_user()
    try:
        file = reviewing.review_file(user, assignment_id)
    except NotAllowed:
        return redirect(url_for("committee.home"))
    if request.method == "GET":
        return _render_review(file)
    form = score_form(file.criteria)
    if not form.validate_on_submit():
        return _render_review(file, form, 400)
    values = score_values(form, file.criteria)
    if form.send.data:
        done = act(lambda: reviewing.submit_review(user, assignment_id, form.version.data, values,
                                                   form.comment.data or "", ip=_ip()), form,
                   success=_("Notes soumises : elles sont maintenant verrouillées."), stale=reviewing.STALE)
        if done:
            return redirect(url_for("committee.files", committee_id=file.committee_id))
    else:
        done = act(lambda: reviewing.save_draft(user, assignment_id, form.version.data, values,
                                                form.comment.data or "", ip=_ip()), form,
                   success=_("Brouillon enregistré."), stale=reviewing.STALE)
        if done:
            return redirect(url_for("committee.review", assignment_id=assignment_id))
    if done.conflict:  # saved meanwhile elsewhere: what is stored now, with the message
        return _render_review(reviewing.review_file(user, assignment_id), status=409)
    if isinstance(done.error, ValidationFailed):
        return _render_review(reviewing.review_file(user, assignment_id), form, 400)
    return redirect(url_for("committee.review", assignment_id=assignment_id))


@bp.get("/dossiers/<int:assignment_id>/pieces/<string:type_code>")
@role_required(*MEMBERS)
def review_document(assignment_id: int, type_code: str):
    user = acting_user()
    try:
        assignment, document = reviewing.review_document(user, assignment_id, type_code)
    except NotAllowed:
        return redirect(url_for("committee.home"))
    path = storage.existing(current_app.config["UPLOAD_DIR"], document.stored_name)
    if path is None:
        abort(404)
    name = reviewing.neutral_document_name(assignment, document)
    content_type = document.content_type
    if not act(lambda: reviewing.record_document_view(user, assignment, document, ip=_ip())):
        return redirect(url_for("committee.review", assignment_id=assignment_id))
    return private_file(path, _Served(content_type, name), inline=True)


class _Served:
    """What private_file reads of a document: its type and the (neutral) name it is served under."""

    def __init__(self, content_type: str, original_name: str):
        self.content_type, self.original_name = content_type, original_name


@bp.route("/<int:committee_id>/feuille-de-notes", methods=["GET", "POST"])
@role_required(*MEMBERS)
def score_sheet(committee_id: int):
    user = acting_user()
    try:
        member = reviewing.signed_member(user, committee_id)
    except NotAllowed:
        return _to_statement(committee_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        done = act(lambda: sheets.dry_run(user, committee_id, upload.read(), upload.filename or "feuille.xlsx"))
        if done:
            return redirect(url_for("imports.run", run_id=done.value.run.id))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("committee/score_sheet.html", member=member, committee=member.committee, form=form,
                           runs=sheets.my_runs(user, member.committee.campaign_id)), status


@bp.get("/<int:committee_id>/feuille-de-notes.xlsx")
@role_required(*MEMBERS)
def score_sheet_download(committee_id: int):
    done = act(lambda: sheets.member_sheet(acting_user(), committee_id))
    if not done:
        return _to_statement(committee_id)
    workbook, name = done.value
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = send_file(io.BytesIO(buffer.getvalue()), mimetype=XLSX, as_attachment=True, download_name=name,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
