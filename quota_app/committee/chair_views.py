"""The chair's pages (/comite/deliberation/<committee>): the ranking, the normalisation's effect,
a file's reviews and its adjustment, the session, the validation, the PV and the ranking's
spreadsheet. Managers read the ranking, the PV and the spreadsheet; anyone else who is not that
committee's chair gets the 404 page (deliberating.chaired)."""
import io
import tempfile

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..permissions import role_required
from ..viewhelpers import act, acting_user
from . import deliberating as services
from .chair_forms import AdjustmentForm, NormalisationForm, OpenForm, ValidateForm, session_form

bp = Blueprint("deliberation", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = ("committee", "manager")


def _back(committee_id: int):
    return redirect(url_for("deliberation.show", committee_id=committee_id))


@bp.get("/<int:committee_id>")
@role_required(*READERS)
def show(committee_id: int):
    board = services.board(acting_user(), committee_id, request.args.get("page"))
    version = board.deliberation.version if board.deliberation else None
    return render_template("deliberation/show.html", board=board, open_form=OpenForm(),
                           validate_form=ValidateForm(data={"version": version}))


@bp.post("/<int:committee_id>/ouvrir")
@role_required("committee")
def open_deliberation(committee_id: int):
    form = OpenForm()
    if form.validate_on_submit():
        act(lambda: services.open_deliberation(acting_user(), committee_id),
            success=_("La délibération est ouverte."), clash=_("La délibération est déjà ouverte."))
    return _back(committee_id)


@bp.get("/<int:committee_id>/normalisation")
@role_required(*READERS)
def normalisation(committee_id: int):
    view = services.normalisation_view(acting_user(), committee_id, request.args.get("page"))
    version = view.deliberation.version if view.deliberation else None
    return render_template("deliberation/normalisation.html", view=view,
                           form=NormalisationForm(data={"version": version}))


@bp.post("/<int:committee_id>/normalisation")
@role_required("committee")
def adopt_normalisation(committee_id: int):
    form = NormalisationForm()
    if form.validate_on_submit():
        act(lambda: services.set_normalisation(acting_user(), committee_id, form.adopted, form.version.data),
            success=_("La normalisation des notes est adoptée.") if form.adopted
            else _("Les notes finales sont les moyennes brutes (sans normalisation)."), stale=services.STALE)
    return redirect(url_for("deliberation.normalisation", committee_id=committee_id))


@bp.route("/<int:committee_id>/dossiers/<int:application_id>", methods=["GET", "POST"])
@role_required("committee")
def file(committee_id: int, application_id: int):
    view = services.file_view(acting_user(), committee_id, application_id)
    form = AdjustmentForm(data={"version": view.deliberation.version if view.deliberation else None})
    if form.validate_on_submit() and act(
            lambda: services.adjust_score(acting_user(), committee_id, application_id, form.value.data,
                                          form.justification.data, form.version.data),
            form, success=_("La note finale est ajustée ; la justification figurera au procès-verbal."),
            stale=services.STALE):
        return redirect(url_for("deliberation.file", committee_id=committee_id, application_id=application_id))
    return render_template("deliberation/file.html", view=view, form=form)


@bp.route("/<int:committee_id>/seance", methods=["GET", "POST"])
@role_required("committee")
def session(committee_id: int):
    view = services.session_view(acting_user(), committee_id)
    if view.deliberation is None:
        flash(services.NOT_OPENED, "error")
        return _back(committee_id)
    form = session_form(view.deliberation, view.members)
    if form.validate_on_submit() and act(
            lambda: services.record_session(acting_user(), committee_id, form.held_on.data, form.place.data,
                                            form.members_present.data, form.notes.data, form.version.data),
            form, success=_("La séance est enregistrée."), stale=services.STALE):
        return _back(committee_id)
    return render_template("deliberation/session.html", view=view, form=form)


@bp.post("/<int:committee_id>/valider")
@role_required("committee")
def validate(committee_id: int):
    form = ValidateForm()
    if form.validate_on_submit():
        act(lambda: services.validate(acting_user(), committee_id, form.version.data),
            success=_("La délibération est validée : les notes sont verrouillées et le procès-verbal est scellé."),
            stale=services.STALE)
    else:
        services.chaired(acting_user(), committee_id)  # another's committee: 404 before any message
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return _back(committee_id)


@bp.get("/<int:committee_id>/proces-verbal.pdf")
@role_required(*READERS)
def minutes(committee_id: int):
    done = act(lambda: services.minutes_document(acting_user(), committee_id))
    if not done:
        return _back(committee_id)
    document, pdf = done.value
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, max_age=0,
                         download_name=f"{document.number}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:committee_id>/classement.xlsx")
@role_required(*READERS)
def ranking_export(committee_id: int):
    handle = tempfile.TemporaryFile()
    committee = services.export_ranking(acting_user(), committee_id, handle, ip=request.remote_addr)
    db.session.commit()
    handle.seek(0)
    response = send_file(handle, as_attachment=True, max_age=0, mimetype=XLSX,
                         download_name=services.ranking_file_name(committee))
    response.headers["Cache-Control"] = "private, no-store"
    return response
