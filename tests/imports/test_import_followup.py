"""AMCI / OFPPT follow-up import: headers, matching, errors, dry run, commit, idempotence,
updates under the version column, the pages (manager and AMCI officer) and the CLI."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from conftest import xlsx_bytes
from quota_app.amci.models import VISA_STATUSES, FollowUp
from quota_app.audit.models import AuditEvent
from quota_app.errors import Conflict
from quota_app.amci import io as followup_module
from quota_app.amci.io import VISA_LABELS, build_spec, import_followup
from quota_app.reference.models import Establishment
from quota_app.spreadsheets.headers import find_header_row, match_columns
from quota_app.imports.models import ImportRun

HEADERS = ["Référence", "NINA", "N° passeport", "N° dossier AMCI", "Statut visa", "Date du visa",
           "Date de voyage", "Date d'arrivée", "Date d'inscription", "Établissement", "Date d'abandon",
           "Motif d'abandon"]


def line(**values):
    """A row by French header; keys use _ for spaces and drop accents (see ALIASES)."""
    aliases = {"ref": "Référence", "nina": "NINA", "passport": "N° passeport", "amci": "N° dossier AMCI",
               "visa": "Statut visa", "visa_date": "Date du visa", "travel": "Date de voyage",
               "arrival": "Date d'arrivée", "enrolled": "Date d'inscription", "est": "Établissement",
               "abandoned": "Date d'abandon", "reason": "Motif d'abandon"}
    row = {aliases[k]: v for k, v in values.items()}
    return [row.get(h) for h in HEADERS]


def sheet(*rows):
    return xlsx_bytes(list(rows), HEADERS)


def follow_ups(db):
    db.session.expire_all()
    return {f.application_id: f for f in db.session.execute(select(FollowUp)).scalars()}


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def est_id(db, code):
    return db.session.execute(select(Establishment.id).where(Establishment.code == code)).scalar_one()


def test_visa_labels_cover_the_model_statuses():
    assert set(VISA_LABELS) == set(VISA_STATUSES)


def test_headers_found_under_a_title_with_synonyms(db, campaign, trainees, manager):
    headers = ["Réf. dossier", "N° AMCI", "Visa", "Arrivée le", "Inscrit(e) le", "Code établissement"]
    wb = Workbook()
    ws = wb.active
    ws.append(["Retour AMCI — stagiaires maliens 2026"])
    ws.append([])
    ws.append(headers)
    ws.append(["mli-2026-000001", "amci/26/001", "obtenu", "15/09/2026", dt.date(2026, 9, 20), "ista-casa"])
    buf = io.BytesIO()
    wb.save(buf)
    spec = build_spec({"ISTA-CASA": 1}, {"ISTA-CASA": "ISTA NTIC Sidi Maârouf"})
    rows = [[None], [], headers]
    assert find_header_row(rows, spec) == 2
    assert match_columns(headers, spec)[0] == {"reference": 0, "amci_file_number": 1, "visa_status": 2,
                                               "arrival_date": 3, "enrolled_on": 4, "establishment": 5}
    result = import_followup(campaign, buf.getvalue(), "retour.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed and result.counts["new"] == 1, result.errors
    fu = follow_ups(db)[trainees["placed"][0]]
    assert (fu.amci_file_number, fu.visa_status, fu.arrival_date, fu.enrolled_on) == (
        "AMCI/26/001", "granted", dt.date(2026, 9, 15), dt.date(2026, 9, 20))
    assert fu.establishment_id == est_id(db, "ISTA-CASA")


def test_no_identifier_column_is_refused_in_french(db, campaign, trainees, manager):
    data = xlsx_bytes([["requested", "01/08/2026"]], ["Statut visa", "Date du visa"])
    result = import_followup(campaign, data, "retour.xlsx", manager)
    assert result.counts["errors"] == 1
    assert "Aucune colonne pour reconnaître les dossiers" in result.errors[0]["message"]


def test_each_match_path(db, campaign, trainees, manager):
    data = sheet(
        line(ref="MLI-2026-000001", amci="A-1"),                 # by reference
        line(nina="20000000000002 b", amci="A-2"),               # by NINA, spaces and lowercase
        line(passport="aa 000003", amci="A-3"),                  # by passport
    )
    dry = import_followup(campaign, data, "retour.xlsx", manager)
    assert dry.counts["new"] == 3 and dry.counts["errors"] == 0
    import_followup(campaign, data, "retour.xlsx", manager, commit=True)
    db.session.commit()
    got = {app_id: f.amci_file_number for app_id, f in follow_ups(db).items()}
    assert got == {trainees["placed"][0]: "A-1", trainees["accepted"][0]: "A-2",
                   trainees["enrolled"][0]: "A-3"}
    assert all(f.visa_status == "not_started" for f in follow_ups(db).values())


def test_not_found_says_which_identifier(db, campaign, trainees, manager):
    data = sheet(
        line(ref="MLI-2026-999999", amci="A-1"),
        line(nina="29999999999999Z", amci="A-2"),
        line(passport="ZZ999999", amci="A-3"),
        line(amci="A-4", visa="Demandé"),
    )
    result = import_followup(campaign, data, "retour.xlsx", manager)
    messages = [(e["row"], e["column"], e["message"]) for e in result.errors]
    assert messages == [
        (2, "Référence", "Aucun dossier de la campagne avec la référence « MLI-2026-999999 »."),
        (3, "NINA", "Aucun dossier de la campagne avec le NINA « 29999999999999Z »."),
        (4, "N° passeport", "Aucun dossier de la campagne avec le passeport « ZZ999999 »."),
        (5, "Référence", "Renseignez la référence du dossier, le NINA ou le numéro de passeport."),
    ]


def test_reference_and_nina_of_two_files_is_an_error(db, campaign, trainees, manager):
    data = sheet(
        line(ref="MLI-2026-000001", nina="20000000000002B", amci="A-1"),
        line(ref="MLI-2026-000002", passport="XX123456", amci="A-2"),
    )
    result = import_followup(campaign, data, "retour.xlsx", manager, commit=True)
    assert not result.committed
    assert result.errors[0]["column"] == "NINA"
    assert "désignent deux dossiers différents (MLI-2026-000001 et MLI-2026-000002)" in result.errors[0]["message"]
    assert result.errors[1]["column"] == "N° passeport"
    assert "ne correspond à aucun dossier" in result.errors[1]["message"]
    assert count(db, FollowUp) == 0


def test_duplicates_in_the_sheet_and_file_number_of_another_trainee(db, campaign, trainees, manager):
    import_followup(campaign, sheet(line(ref="MLI-2026-000003", amci="A-9")), "a.xlsx", manager, commit=True)
    db.session.commit()
    data = sheet(
        line(ref="MLI-2026-000001", amci="A-1"),
        line(nina="20000000000001B", visa="Demandé"),    # the same file again, by its NINA
        line(ref="MLI-2026-000002", amci="a-1"),          # same AMCI number (case ignored)
        line(passport="AA000003", amci="A-9"),            # its own number: fine
        line(ref="MLI-2026-000002", amci="A-9"),          # file 2 twice, and file 3's number
    )
    result = import_followup(campaign, data, "retour.xlsx", manager)
    got = [(e["row"], e["column"], e["message"]) for e in result.errors]
    assert got[0] == (3, "NINA", "Le dossier MLI-2026-000001 figure déjà ligne 2 du fichier.")
    assert got[1] == (4, "N° dossier AMCI", "N° dossier AMCI déjà présent ligne 2 du fichier.")
    assert got[2] == (6, "Référence", "Le dossier MLI-2026-000002 figure déjà ligne 4 du fichier.")
    assert got[3] == (6, "N° dossier AMCI", "N° dossier AMCI déjà présent ligne 5 du fichier.")
    assert got[4][:2] == (6, "N° dossier AMCI")
    assert "déjà celui d'un autre stagiaire (dossier MLI-2026-000003)" in got[4][2]
    assert len(got) == 5 and result.counts["unchanged"] == 1 and result.counts["new"] == 1


def test_bad_cells_and_inconsistent_dates(db, campaign, trainees, manager):
    data = sheet(
        line(ref="MLI-2026-000001", visa="Peut-être", visa_date="31/02/2026"),
        line(ref="MLI-2026-000002", est="ISTA-NULLE-PART"),
        line(ref="MLI-2026-000003", travel="10/09/2026", arrival="09/09/2026"),
        line(ref="MLI-2026-000002", reason="Retour au Mali"),
    )
    result = import_followup(campaign, data, "retour.xlsx", manager)
    got = [(e["row"], e["column"]) for e in result.errors]
    assert got == [(2, "Statut visa"), (2, "Date du visa"), (3, "Établissement"), (4, "Date d'arrivée"),
                   (5, "Date d'abandon")]
    messages = [e["message"] for e in result.errors]
    assert "Valeur non reconnue : « Peut-être »" in messages[0] and "Accordé" in messages[0]
    assert messages[1] == "Date inexistante : « 31/02/2026 »."
    assert "Établissement inconnu" in messages[2]
    assert messages[3] == "La date d'arrivée précède la date de voyage (10/09/2026)."
    assert messages[4] == "Un motif d'abandon est donné sans date d'abandon."


def test_only_placed_accepted_or_enrolled_get_a_follow_up(db, campaign, trainees, manager):
    result = import_followup(campaign, sheet(line(ref="MLI-2026-000004", amci="A-4")), "r.xlsx", manager)
    assert result.counts["errors"] == 1
    assert result.errors[0]["message"] == (
        "Le dossier MLI-2026-000004 n'a pas de suivi AMCI (statut : Liste d'attente) : seuls les "
        "candidats affectés, ayant accepté ou inscrits en reçoivent un.")


def test_dry_run_writes_nothing_but_the_run(db, campaign, trainees, manager):
    result = import_followup(campaign, sheet(line(ref="MLI-2026-000001", visa="Accordé")), "r.xlsx", manager)
    db.session.commit()
    assert result.counts["new"] == 1 and not result.committed
    assert count(db, FollowUp) == 0
    run = db.session.execute(select(ImportRun)).scalar_one()
    assert run.kind == "followup" and run.status == "dry_run" and run.counts["new"] == 1
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert actions == ["import.followup.dry_run"]


def test_commit_then_reimport_changes_nothing(db, campaign, trainees, manager):
    data = sheet(
        line(ref="MLI-2026-000001", amci="A-1", visa="Accordé", visa_date=dt.date(2026, 8, 1),
             travel="05/09/2026", arrival="2026-09-06", enrolled="08-09-2026", est="ISTA-RABAT"),
        line(nina="20000000000002B", amci="A-2", visa="requested"),
    )
    result = import_followup(campaign, data, "retour.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed and result.counts["new"] == 2
    fu = follow_ups(db)[trainees["placed"][0]]
    assert (fu.visa_date, fu.travel_date, fu.arrival_date, fu.enrolled_on) == (
        dt.date(2026, 8, 1), dt.date(2026, 9, 5), dt.date(2026, 9, 6), dt.date(2026, 9, 8))
    assert fu.establishment_id == est_id(db, "ISTA-RABAT") and fu.version == 1
    creates = db.session.execute(select(AuditEvent).where(AuditEvent.action == "follow_up.create")).scalars().all()
    assert len(creates) == 2 and all(e.campaign_id == campaign.id for e in creates)
    assert creates[0].reason == "Import retour.xlsx"

    again = import_followup(campaign, data, "retour.xlsx", manager, commit=True)
    db.session.commit()
    assert again.committed
    assert (again.counts["new"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    assert all(f.version == 1 for f in follow_ups(db).values())
    assert count(db, AuditEvent) == 2 + 2  # the two creations and the two committed runs


def test_update_keeps_what_the_sheet_leaves_empty(db, campaign, trainees, manager):
    first = sheet(line(ref="MLI-2026-000001", amci="A-1", visa="Demandé", travel="05/09/2026"))
    import_followup(campaign, first, "juillet.xlsx", manager, commit=True)
    db.session.commit()
    second = sheet(line(ref="MLI-2026-000001", visa="Accordé", visa_date="20/08/2026",
                        arrival="06/09/2026"))
    dry = import_followup(campaign, second, "septembre.xlsx", manager)
    assert (dry.counts["new"], dry.counts["updated"], dry.counts["unchanged"]) == (0, 1, 0)
    import_followup(campaign, second, "septembre.xlsx", manager, commit=True)
    db.session.commit()
    fu = follow_ups(db)[trainees["placed"][0]]
    assert (fu.amci_file_number, fu.visa_status, fu.travel_date, fu.arrival_date) == (
        "A-1", "granted", dt.date(2026, 9, 5), dt.date(2026, 9, 6))
    assert fu.version == 2
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "follow_up.update")).scalar_one()
    assert event.before == {"visa_status": "requested", "visa_date": None, "arrival_date": None}
    assert event.after == {"visa_status": "granted", "visa_date": "2026-08-20", "arrival_date": "2026-09-06"}
    # the merged values are checked: an arrival before the stored travel date is refused
    bad = import_followup(campaign, sheet(line(ref="MLI-2026-000001", arrival="01/09/2026")), "x.xlsx", manager)
    assert bad.errors[0]["message"] == "La date d'arrivée précède la date de voyage (05/09/2026)."


def test_all_or_nothing_with_an_error_in_the_last_row(db, campaign, trainees, manager):
    data = sheet(
        line(ref="MLI-2026-000001", amci="A-1"),
        line(ref="MLI-2026-000002", amci="A-2"),
        line(ref="MLI-2026-000003", arrival="32/13/2026"),
    )
    result = import_followup(campaign, data, "retour.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed and result.counts["errors"] == 1 and result.errors[0]["row"] == 4
    assert count(db, FollowUp) == 0
    assert db.session.execute(select(ImportRun.status)).scalar_one() == "rejected"


def test_a_change_made_meanwhile_is_never_overwritten(db, campaign, trainees, manager, monkeypatch):
    import_followup(campaign, sheet(line(ref="MLI-2026-000001", visa="Demandé")), "a.xlsx", manager, commit=True)
    db.session.commit()
    app_id = trainees["placed"][0]
    original = followup_module._followups

    def read_then_someone_writes(ids):
        found = original(ids)
        with db.engine.begin() as conn:  # another person's edit, committed after our read
            conn.execute(update(FollowUp.__table__).where(FollowUp.application_id == app_id)
                         .values(visa_status="refused", version=FollowUp.__table__.c.version + 1))
        return found

    monkeypatch.setattr(followup_module, "_followups", read_then_someone_writes)
    with pytest.raises(Conflict):
        import_followup(campaign, sheet(line(ref="MLI-2026-000001", visa="Accordé")), "b.xlsx", manager,
                        commit=True)
    db.session.rollback()
    fu = follow_ups(db)[app_id]
    assert (fu.visa_status, fu.version) == ("refused", 2)


def test_template_has_dropdowns_and_instructions(db, campaign, manager):
    from quota_app.imports.services import template_bytes

    wb = load_workbook(io.BytesIO(template_bytes("followup", campaign)))
    assert wb.sheetnames[:2] == ["Suivi AMCI", "Instructions"]
    ws = wb["Suivi AMCI"]
    assert [c.value for c in ws[1]][:5] == ["Référence", "NINA", "N° passeport", "N° dossier AMCI", "Statut visa"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert '"Non demandé,Demandé,Accordé,Refusé"' in lists
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "référence" in text and "NINA" in text and "Une cellule vide" in text


# --- pages -------------------------------------------------------------------------------------

def upload(client, campaign, data, kind="followup"):
    return client.post("/gestion/imports/", data={
        "campaign_id": str(campaign.id), "kind": kind, "file": (io.BytesIO(data), "retour-amci.xlsx"),
    }, content_type="multipart/form-data")


@pytest.mark.parametrize("role", ["manager", "amci"])
def test_page_upload_preview_confirm(client, db, campaign, trainees, make_user, login, role):
    login(make_user(role))
    page = client.get("/gestion/imports/").get_data(as_text=True)
    assert "Suivi AMCI / OFPPT" in page
    response = upload(client, campaign, sheet(line(ref="MLI-2026-000001", amci="A-1", visa="Accordé")))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Valider l&#39;import" in html or "Valider l'import" in html
    assert count(db, FollowUp) == 0
    run_id = db.session.execute(select(ImportRun.id)).scalar_one()
    done = client.post(f"/gestion/imports/{run_id}/valider", follow_redirects=True).get_data(as_text=True)
    assert "Import enregistré : 1 ligne enregistrée (1 nouvelle)" in done and "Suivi AMCI / OFPPT" in done
    assert follow_ups(db)[trainees["placed"][0]].visa_status == "granted"


def _previewed_then_changed(client, db, campaign, manager, login) -> int:
    """A follow-up previewed by the manager, then changed by someone else before the
    confirmation (the visa recorded meanwhile); returns the dry run's id."""
    login(manager)
    import_followup(campaign, sheet(line(ref="MLI-2026-000001", visa="Demandé")), "a.xlsx", manager, commit=True)
    db.session.commit()
    response = upload(client, campaign, sheet(line(ref="MLI-2026-000001", amci="A-1")))
    dry_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    db.session.execute(update(FollowUp).values(visa_status="granted", version=FollowUp.version + 1))
    db.session.commit()
    return dry_id


def test_confirm_refuses_a_plan_gone_stale(client, db, campaign, trainees, manager, login):
    dry_id = _previewed_then_changed(client, db, campaign, manager, login)
    done = client.post(f"/gestion/imports/{dry_id}/valider", follow_redirects=True).get_data(as_text=True)
    assert "modifiées depuis l" in done and "Valider l" in done
    fu = follow_ups(db)[trainees["placed"][0]]
    assert (fu.amci_file_number, fu.visa_status) == (None, "granted")
    statuses = db.session.execute(select(ImportRun.status).order_by(ImportRun.id)).scalars().all()
    assert statuses == ["committed", "dry_run", "dry_run"]  # a fresh analysis to confirm instead


def test_cli_dry_run_then_commit(app, db, campaign, trainees, tmp_path):
    path = tmp_path / "retour-amci.xlsx"
    path.write_bytes(sheet(line(ref="MLI-2026-000001", amci="A-1"), line(passport="AA000002", amci="A-2")))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "followup", "--campaign", "Q2026", str(path)])
    assert result.exit_code == 0, result.output
    assert "nouveaux : 2" in result.output and "Simulation terminée" in result.output
    assert count(db, FollowUp) == 0
    result = runner.invoke(args=["import", "followup", "--campaign", "Q2026", str(path), "--commit"])
    assert result.exit_code == 0 and "Import enregistré" in result.output, result.output
    assert count(db, FollowUp) == 2
    bad = tmp_path / "mauvais.xlsx"
    bad.write_bytes(sheet(line(ref="MLI-2026-000404", amci="A-9")))
    result = runner.invoke(args=["import", "followup", "--campaign", "Q2026", str(bad), "--commit"])
    assert result.exit_code == 1
    assert "ligne 2, colonne « Référence » : Aucun dossier de la campagne" in result.output


def test_background_confirm_refuses_a_plan_gone_stale(app, client, db, campaign, trainees, manager, login):
    from quota_app.jobs.models import Job

    dry_id = _previewed_then_changed(client, db, campaign, manager, login)
    app.config["IMPORT_BACKGROUND_BYTES"] = 1
    try:
        response = client.post(f"/gestion/imports/{dry_id}/valider")
    finally:
        app.config.pop("IMPORT_BACKGROUND_BYTES")
    assert "/taches/" in response.headers["Location"]
    db.session.expire_all()
    job = db.session.execute(select(Job).order_by(Job.id.desc())).scalars().first()
    assert job.status == "failed" and "modifiées depuis l'analyse" in job.message
    fu = follow_ups(db)[trainees["placed"][0]]
    assert (fu.amci_file_number, fu.visa_status) == (None, "granted")
    assert "modifiées depuis l" in client.get(response.headers["Location"]).get_data(as_text=True)
