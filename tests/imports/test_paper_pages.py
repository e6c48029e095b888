"""The import pages and `flask import` with paper files (issue 15): the sheet read, the
columns guessed, questioned and ignored, conflicts with their values and the manager's
corrections, what was written (« aucune ligne enregistrée »), the report, the exit status,
the old .xls told apart from a password-protected file."""
import datetime as dt
import html as htmllib
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from conftest import HEADERS, person, xlsx_bytes
from quota_app.applications.models import Application
from quota_app.audit.models import AuditEvent
from quota_app.imports.models import ImportRun

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def upload(client, campaign, data, kind="applicants", name="saisie.xlsx"):
    return client.post("/gestion/imports/", data={
        "campaign_id": str(campaign.id), "kind": kind, "file": (io.BytesIO(data), name),
    }, content_type="multipart/form-data")


def page(client, response) -> str:
    return htmllib.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def last_run(db) -> ImportRun:
    return db.session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(1)).scalar_one()


def nina(n):
    return f"{10000000000000 + n:014d}A"


def phone_of(db, n):
    db.session.expire_all()
    return db.session.execute(select(Application.phone).where(Application.nina == nina(n))).scalar_one()


def test_the_page_names_the_sheet_read_and_the_columns_not_read(client, db, campaign, manager, login):
    wb = Workbook()
    wb.active.title = "Consignes"
    wb.active.append(["Saisir les fiches dans la feuille « Saisie »."])
    ws = wb.create_sheet("Saisie")
    headers = ["N°"] + HEADERS[:11] + ["Année", "Moyenne", "Choix 1", "Choix", "Observations"]
    ws.append(headers)
    base = person(1)
    ws.append([1] + base[:11] + [2021, "13,5", "TS-DD-CASA", "TS-IA-RABAT", "dossier complet"])
    buf = io.BytesIO()
    wb.save(buf)
    login(manager)
    html = page(client, upload(client, campaign, buf.getvalue()))
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "Feuille lue : « Saisie » (feuille 2 sur 2 du classeur : Consignes, Saisie)" in plain
    assert "Colonne M « Année » lue comme « Année du diplôme »" in html
    assert "Colonne P « Choix » : ressemble à « Choix 2 » ou « Choix 3 »" in html
    assert "« N° » (A)" in html and "« Observations » (Q)" in html
    assert 'name="columns_checked"' in html  # the question must be answered before the commit
    run = last_run(db)
    # confirming without ticking the box is refused, nothing written
    refused = text(client.post(f"/gestion/imports/{run.id}/valider", follow_redirects=True))
    assert "J'ai vérifié les colonnes" in refused
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    done = text(client.post(f"/gestion/imports/{run.id}/valider", data={"columns_checked": "1"},
                            follow_redirects=True))
    assert "Import enregistré : 1 ligne enregistrée (1 nouvelle)" in done
    assert db.session.execute(select(Application.diploma_year)).scalar_one() == 2021
    report = client.get(f"/gestion/imports/{run.id}/rapport.xlsx")
    columns = load_workbook(io.BytesIO(report.data))["Colonnes à vérifier"]
    assert [[c.value for c in row] for row in columns.iter_rows(min_row=2)] == [
        ["A", "N°", None, "Ignorée"],
        ["M", "Année", "lue comme « Année du diplôme »", "À vérifier"],
        ["P", "Choix", "ressemble à « Choix 2 » ou « Choix 3 »", "Non lue : renommez l'en-tête"],
        ["Q", "Observations", None, "Ignorée"]]


def test_nothing_new_says_aucune_ligne_enregistree(client, db, campaign, manager, login):
    login(manager)
    data = xlsx_bytes([person(1), person(2)])
    upload(client, campaign, data)
    client.post(f"/gestion/imports/{last_run(db).id}/valider")
    assert db.session.scalar(select(func.count()).select_from(Application)) == 2
    html = page(client, upload(client, campaign, data))
    assert "Rien de nouveau dans ce fichier" in html and "Valider l'import" not in html
    # even committed (a run recorded with nothing written), its page says nothing was written
    from quota_app.imports import services

    services.run_import("applicants", campaign, data, "x.xlsx", manager, commit=True)
    db.session.commit()
    committed = last_run(db)
    assert committed.status == "committed"
    shown = text(client.get(f"/gestion/imports/{committed.id}"))
    assert "Aucune ligne enregistrée : le fichier ne contient rien de nouveau ; 2 lignes inchangées." in shown


def test_conflicts_with_values_corrected_on_chosen_rows(client, db, campaign, manager, login):
    login(manager)
    upload(client, campaign, xlsx_bytes([person(1), person(2), person(3)]))
    client.post(f"/gestion/imports/{last_run(db).id}/valider")
    changed = [person(1, Nom="TRAORE", Téléphone="66 00 00 01"), person(2, Téléphone="66 00 00 02"),
               person(3, Nom="traore"), person(4)]
    html = page(client, upload(client, campaign, xlsx_bytes(changed)))
    table = re.sub(r"\s+", " ", html[html.index('id="conflits"'):html.index("</table>", html.index('id="conflits"'))])
    assert "Valeur enregistrée" in table and "Valeur du fichier" in table
    assert "Téléphone</td> <td>+22376123456</td><td>+22366000001</td>" in table
    assert 'name="apply" value="2"' in table and 'name="apply" value="3"' in table
    assert 'value="4"' not in table  # « traore » is Traoré: no conflict
    run = last_run(db)
    assert run.counts["conflicts"] == 2
    done = text(client.post(f"/gestion/imports/{run.id}/valider", data={"apply": ["3"]}, follow_redirects=True))
    assert "Import enregistré : 2 lignes enregistrées (1 nouvelle, 1 conflit corrigé) ; 1 ligne inchangée, 1 conflit non importé." in done
    assert phone_of(db, 1) == "+22376123456" and phone_of(db, 2) == "+22366000002"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "application.import_correction")).scalar_one()
    assert event.actor_id == manager.id and event.after == {"phone": "•••••••••002"}  # masked in the trail
    # then all the remaining ones
    html = page(client, upload(client, campaign, xlsx_bytes(changed)))
    assert 'name="apply_all"' in html
    done = text(client.post(f"/gestion/imports/{last_run(db).id}/valider", data={"apply_all": "1"},
                            follow_redirects=True))
    assert "1 ligne enregistrée (1 conflit corrigé)" in done and phone_of(db, 1) == "+22366000001"


def test_only_conflicts_can_still_be_confirmed_and_the_report_lists_them(client, db, campaign, manager, login):
    login(manager)
    upload(client, campaign, xlsx_bytes([person(1)]))
    client.post(f"/gestion/imports/{last_run(db).id}/valider")
    html = page(client, upload(client, campaign, xlsx_bytes([person(1, Téléphone="66 00 00 01")])))
    assert "Valider l'import" in html and "Télécharger le rapport d'analyse" in html
    run = last_run(db)
    report = load_workbook(io.BytesIO(client.get(f"/gestion/imports/{run.id}/rapport.xlsx").data))
    assert [c.value for c in report["Conflits"][2]][4:7] == ["Téléphone", "+22376123456", "+22366000001"]
    # confirmed without choosing: nothing is written, and the page says so
    done = text(client.post(f"/gestion/imports/{run.id}/valider", follow_redirects=True))
    assert "Aucune ligne enregistrée" in done and phone_of(db, 1) == "+22376123456"


def test_error_report_title_on_the_header_row_and_only_the_header_frozen(client, db, campaign, manager, login):
    wb = Workbook()
    ws = wb.active
    ws.title = "Candidats"
    ws.append(["Région de Kayes — fiches papier 2026"])
    ws.append([])
    ws.append(HEADERS)
    for n in range(1, 40):
        ws.append(person(n, Sexe="?" if n == 30 else "F"))
    buf = io.BytesIO()
    wb.save(buf)
    login(manager)
    upload(client, campaign, buf.getvalue())
    report = load_workbook(io.BytesIO(client.get(f"/gestion/imports/{last_run(db).id}/rapport.xlsx").data))
    data = report["Candidats"]
    errors_column = len(HEADERS) + 1
    assert data.cell(row=3, column=errors_column).value == "Erreurs"
    assert data.cell(row=33, column=errors_column).value.startswith("Sexe : Valeur non reconnue : « ? »")
    assert data.cell(row=32, column=errors_column).value is None  # never in a data row
    pane = data.sheet_view.pane
    assert (pane.ySplit, pane.topLeftCell, pane.state) == (1, "A4", "frozen")
    assert data.sheet_view.topLeftCell == "A3"  # the rows above the header are scrolled out
    listing = report["Liste des erreurs"]
    assert listing.freeze_panes == "A2" and [c.value for c in listing[2]][:3] == ["Candidats", 33, "Sexe"]


@pytest.mark.parametrize("name, expected, not_expected", [
    ("ancien_format.xls", "format Excel 97-2003 (.xls)", "mot de passe"),
    ("protege_mot_de_passe.xlsx", "protégé par mot de passe", "97-2003"),
])
def test_old_xls_and_password_protected_files_are_told_apart(client, db, campaign, manager, login, app, tmp_path,
                                                            name, expected, not_expected):
    data = (FIXTURES / name).read_bytes()
    login(manager)
    html = page(client, upload(client, campaign, data, name=name))
    assert expected in html and not_expected not in html
    path = tmp_path / name
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", "applicants", "--campaign", "Q2026", str(path), "--commit"])
    assert result.exit_code == 1 and expected in result.output and "aucune ligne enregistrée" in result.output


# --- the command ----------------------------------------------------------------------------

def cli(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def test_the_command_says_what_was_written_and_its_exit_status_tells(app, db, campaign, tmp_path):
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_bytes([person(1), person(2, Sexe="Garçon")], title="Fiches"))
    result = cli(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert result.exit_code == 0, result.output
    assert "Feuille lue : « Fiches »" in result.output
    assert "Import enregistré : 2 lignes enregistrées (2 nouvelles)." in result.output
    again = cli(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert again.exit_code == 2, again.output
    assert "Aucune ligne enregistrée : le fichier ne contient rien de nouveau ; 2 lignes inchangées." in again.output
    dry = cli(app, "applicants", "--campaign", "Q2026", str(path))
    assert dry.exit_code == 0 and "Simulation : rien à enregistrer" in dry.output


def test_the_command_shows_conflicts_columns_and_applies_chosen_rows(app, db, campaign, tmp_path):
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_bytes([person(1), person(2)]))
    assert cli(app, "applicants", "--campaign", "Q2026", str(path), "--commit").exit_code == 0
    headers = HEADERS + ["Remarques"]
    path.write_bytes(xlsx_bytes([person(1, Téléphone="66 00 00 01") + ["RAS"], person(2, Téléphone="66 00 00 02") + [None]],
                                headers))
    result = cli(app, "applicants", "--campaign", "Q2026", str(path))
    assert "conflit  ligne 2 (NINA) : Téléphone : « +22376123456 » → « +22366000001 »" in result.output
    assert "ignorée  colonne Q « Remarques »" in result.output
    result = cli(app, "applicants", "--campaign", "Q2026", str(path), "--commit", "--apply-conflicts", "3")
    assert result.exit_code == 0, result.output
    assert "appliqué ligne 3" in result.output and "1 ligne enregistrée (1 conflit corrigé)" in result.output
    assert phone_of(db, 1) == "+22376123456" and phone_of(db, 2) == "+22366000002"
    result = cli(app, "applicants", "--campaign", "Q2026", str(path), "--commit", "--apply-conflicts", "all")
    assert result.exit_code == 0 and phone_of(db, 1) == "+22366000001"


def test_the_command_refuses_a_file_with_errors(app, db, campaign, tmp_path):
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_bytes([person(1, Région="Paris")]))
    result = cli(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert result.exit_code == 1
    assert "ligne 2, colonne « Région » : Valeur non reconnue : « Paris »" in result.output
    assert "Import refusé : 1 erreur ; aucune ligne enregistrée." in result.output


def test_an_xlsxwriter_file_through_the_page_and_a_background_job_with_corrections(app, client, db, campaign,
                                                                                    manager, login):
    """A workbook written by XlsxWriter (numbers for region codes, the sex in words), big enough
    to go to the background worker; the conflict chosen on the page is applied by the job."""
    import xlsxwriter

    login(manager)
    upload(client, campaign, xlsx_bytes([person(1)]))
    client.post(f"/gestion/imports/{last_run(db).id}/valider")

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Saisie régionale")
    ws.write_row(0, 0, HEADERS)
    lines = [person(1, Téléphone="66 00 00 01"), person(2, Sexe="Garçon", Région=4), person(3, Sexe="Fille", Région=0)]
    for r, line in enumerate(lines, start=1):
        for c, value in enumerate(line):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day))
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, value)
    wb.close()
    app.config["IMPORT_BACKGROUND_BYTES"] = 1
    try:
        response = upload(client, campaign, buf.getvalue(), name="segou.xlsx")
        assert "/taches/" in response.headers["Location"]
        from quota_app.jobs.models import Job

        job = db.session.execute(select(Job).order_by(Job.id.desc()).limit(1)).scalar_one()
        html = text(client.get(f"/gestion/imports/{job.result['run_id']}"))
        assert "Saisie régionale" in html and "+22366000001" in html
        response = client.post(f"/gestion/imports/{job.result['run_id']}/valider", data={"apply": ["2"]})
        assert "/taches/" in response.headers["Location"]
        db.session.expire_all()
        done = db.session.execute(select(Job).order_by(Job.id.desc()).limit(1)).scalar_one()
        assert done.status == "done" and done.result["counts"]["corrected"] == 1 and done.result["counts"]["new"] == 2
        assert "Import enregistré : 3 lignes enregistrées (2 nouvelles, 1 conflit corrigé)" in done.message
    finally:
        app.config.pop("IMPORT_BACKGROUND_BYTES")
    assert phone_of(db, 1) == "+22366000001"
    sexes = dict(db.session.execute(select(Application.nina, Application.sex)).all())
    assert sexes[nina(2)] == "M" and sexes[nina(3)] == "F"
