"""Applicants import: dry run, commit, idempotence, conflicts, all-or-nothing, hostile files."""
from sqlalchemy import func, select

from conftest import HEADERS, person, xlsx_bytes
from quota_app.applications.models import Applicant, Application, ApplicationChoice, ReferenceCounter
from quota_app.audit.models import AuditEvent
from quota_app.applications.io import import_applicants
from quota_app.imports.models import ImportRun


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_counts_and_writes_nothing(db, campaign, manager):
    data = xlsx_bytes([person(1), person(2), person(3, Sexe="X", Moyenne="25")])
    result = import_applicants(campaign, data, "saisie.xlsx", manager, commit=False)
    db.session.commit()
    assert result.counts["new"] == 2
    assert result.counts["unchanged"] == 0
    assert result.counts["conflicts"] == 0
    assert result.counts["errors"] == 2
    assert [(e["sheet"], e["row"], e["column"]) for e in result.errors] == [
        ("Candidats", 4, "Sexe"), ("Candidats", 4, "Moyenne")]
    assert result.errors[0]["value"] == "X"
    assert "Valeur non reconnue" in result.errors[0]["message"]
    assert "inférieure ou égale à 20" in result.errors[1]["message"]
    assert count(db, Application) == 0
    run = db.session.execute(select(ImportRun)).scalar_one()
    assert run.status == "dry_run" and run.error_count == 2 and run.filename == "saisie.xlsx"
    assert len(run.sha256) == 64


def test_commit_creates_applicants_with_references_and_choices(db, campaign, manager):
    data = xlsx_bytes([person(1), person(2, **{"Choix 3": "TS-DD-RABAT", "NINA": None,
                                                 "N° passeport": "aa 123 456"})])
    result = import_applicants(campaign, data, "saisie.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed and result.counts["new"] == 2
    apps = db.session.execute(select(Application).order_by(Application.reference)).scalars().all()
    assert [a.reference for a in apps] == ["MLI-2026-000001", "MLI-2026-000002"]
    assert all(a.status == "submitted" and a.submitted_at for a in apps)
    assert all(a.applicant.source == "import" for a in apps)
    first, second = apps
    assert first.region.code == "04" or first.region.name == "Ségou"
    assert str(first.diploma_average) == "13.50" and first.phone == "+22376123456"
    assert second.passport_number == "AA123456" and second.nina is None
    assert [c.offer.code for c in second.choices] == ["TS-DD-CASA", "TS-IA-RABAT", "TS-DD-RABAT"]
    assert db.session.get(ReferenceCounter, campaign.id).last_value == 2
    run = db.session.execute(select(ImportRun)).scalar_one()
    assert run.status == "committed" and run.counts["new"] == 2 and run.created_by_id == manager.id
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "import.applicants.committed")).scalar_one()
    assert event.actor_id == manager.id and event.after["sha256"] == run.sha256


def test_reimport_is_idempotent(db, campaign, manager):
    data = xlsx_bytes([person(n) for n in range(1, 6)])
    import_applicants(campaign, data, "a.xlsx", manager, commit=True)
    db.session.commit()
    again = import_applicants(campaign, data, "a.xlsx", manager, commit=True)
    db.session.commit()
    assert {k: v for k, v in again.counts.items() if k != "plan"} == {
        "new": 0, "unchanged": 5, "conflicts": 0, "corrected": 0, "errors": 0, "rows": 5}
    assert not again.written  # nothing new: the command and the page say so
    assert count(db, Application) == 5 and count(db, Applicant) == 5
    assert count(db, ApplicationChoice) == 10
    assert db.session.get(ReferenceCounter, campaign.id).last_value == 5


def test_conflict_is_reported_and_never_overwritten(db, campaign, manager):
    import_applicants(campaign, xlsx_bytes([person(1)]), "a.xlsx", manager, commit=True)
    db.session.commit()
    changed = person(1, Nom="Diarra")
    result = import_applicants(campaign, xlsx_bytes([changed, person(2)]), "b.xlsx", manager, commit=True)
    db.session.commit()
    assert result.counts["conflicts"] == 1 and result.counts["new"] == 1
    conflict = result.conflicts[0]
    assert conflict["row"] == 2 and conflict["key"] == "NINA" and conflict["fields"] == ["Nom"]
    assert "n'est jamais" in conflict["message"] or "n'est pas modifié" in conflict["message"]
    names = db.session.execute(select(Application.last_name).order_by(Application.id)).scalars().all()
    assert names == ["Traoré", "Traoré"]


def test_all_or_nothing_with_an_error_in_the_last_row(db, campaign, manager):
    rows = [person(n) for n in range(1, 50)] + [person(50, **{"Choix 1": "INCONNU"})]
    result = import_applicants(campaign, xlsx_bytes(rows), "a.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed
    assert [(e["row"], e["column"]) for e in result.errors] == [(51, "Choix 1")]
    assert "Code d'offre inconnu" in result.errors[0]["message"]
    assert count(db, Application) == 0 and count(db, Applicant) == 0
    assert db.session.get(ReferenceCounter, campaign.id) is None
    assert db.session.execute(select(ImportRun.status)).scalar_one() == "rejected"


def test_cross_column_rules(db, campaign, manager):
    rows = [
        person(1, NINA=None),                                            # no NINA nor passport
        person(2, **{"Choix 2": "TS-DD-CASA"}),                          # same offer twice
        person(3, Diplôme="DEF"),                                        # series of another diploma
        person(4), person(5, NINA=f"{10000000000004:014d}A"),            # NINA twice in the file
    ]
    result = import_applicants(campaign, xlsx_bytes(rows), "a.xlsx", manager)
    got = [(e["row"], e["column"]) for e in result.errors]
    assert got == [(2, "NINA"), (3, "Choix 2"), (4, "Série"), (6, "NINA")]
    assert "ligne 5 du fichier" in result.errors[-1]["message"]
    assert result.counts["new"] == 1


def test_hostile_file_is_refused_in_french(db, campaign, manager):
    exe = b"MZ\x90\x00" + b"\x00" * 200
    result = import_applicants(campaign, exe, "candidats.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed
    assert "n'est pas un classeur Excel" in result.errors[0]["message"]
    assert count(db, Application) == 0
    assert db.session.execute(select(ImportRun.status)).scalar_one() == "rejected"


def test_missing_required_column(db, campaign, manager):
    headers = [h for h in HEADERS if h != "Sexe"]
    rows = [[v for h, v in zip(HEADERS, person(1)) if h != "Sexe"]]
    result = import_applicants(campaign, xlsx_bytes(rows, headers), "a.xlsx", manager)
    assert result.errors[0]["message"] == "Colonne obligatoire absente : « Sexe »."


def test_template_has_dropdowns(db, campaign):
    from quota_app.applications.io import template_workbook

    wb = template_workbook(campaign)
    ws = wb.worksheets[0]
    assert ws.title == "Candidats"
    headers = [c.value for c in ws[1]]
    assert headers[0] == "Nom *" and "Choix 1 *" in headers
    assert len(ws.data_validations.dataValidation) >= 6
    assert "Instructions" in wb.sheetnames


def test_tolerant_headers_and_text_dates(db, campaign, manager):
    headers = ["NOM", "prenoms", "sexe", "ne(e) le", "NINA", "Diplome", "Serie", "choix 1"]
    rows = [["Keïta", "Modibo", "Homme", "05/06/2003", "12345678901234B", "Baccalauréat", "tse", "ts-dd-casa"]]
    result = import_applicants(campaign, xlsx_bytes(rows, headers), "a.xlsx", manager, commit=True)
    db.session.commit()
    assert result.errors == [] and result.counts["new"] == 1
    app_ = db.session.execute(select(Application)).scalar_one()
    assert app_.sex == "M" and app_.birth_date.isoformat() == "2003-06-05"
    assert app_.series.code == "TSE" and app_.choices[0].offer.code == "TS-DD-CASA"


def test_passport_identifies_when_there_is_no_nina(db, campaign, manager):
    row = person(1, NINA=None, **{"N° passeport": "B1234567"})
    import_applicants(campaign, xlsx_bytes([row]), "a.xlsx", manager, commit=True)
    db.session.commit()
    again = import_applicants(campaign, xlsx_bytes([row, person(1, NINA=None, Nom="Autre",
                                                                 **{"N° passeport": "b 1234567"})]),
                              "a.xlsx", manager)
    assert again.counts["unchanged"] == 1 and again.counts["errors"] == 1  # passport twice in the file
    again = import_applicants(campaign, xlsx_bytes([person(1, NINA=None, Nom="Autre",
                                                           **{"N° passeport": "b 1234567"})]), "a.xlsx", manager)
    assert again.conflicts[0]["key"] == "N° passeport" and again.counts["conflicts"] == 1


def test_analysis_without_record_adds_no_run_nor_audit_event(db, campaign, manager):
    # Regression: a loop variable named `record` once shadowed the `record` argument, so the
    # re-analysis behind the preview page and the error report (services.analyse_run, which
    # passes record=False) recorded a new ImportRun and audit event each time.
    data = xlsx_bytes([person(1), person(2, Sexe="X")])
    runs, events = count(db, ImportRun), count(db, AuditEvent)
    result = import_applicants(campaign, data, "saisie.xlsx", manager, commit=False, record=False)
    db.session.commit()
    assert result.counts["new"] == 1 and result.counts["errors"] == 1 and result.run is None
    assert (count(db, ImportRun), count(db, AuditEvent)) == (runs, events)
    assert count(db, Application) == 0
    # a hostile file analysed without record is not recorded either
    rejected = import_applicants(campaign, b"MZ\x90\x00", "x.xlsx", manager, record=False)
    db.session.commit()
    assert rejected.errors and (count(db, ImportRun), count(db, AuditEvent)) == (runs, events)
    # and the same call with record=True does record: the test can tell the two apart
    import_applicants(campaign, data, "saisie.xlsx", manager, commit=False)
    db.session.commit()
    assert (count(db, ImportRun), count(db, AuditEvent)) == (runs + 1, events + 1)


def test_rows_written_before_a_later_error_are_undone(db, campaign, manager, monkeypatch):
    # The commit writes validated chunks while later rows are still being checked: with chunks
    # of 10 rows, the checks wait before the last rows until a chunk is written, and then row
    # 41's error must undo everything.
    import threading

    from quota_app.applications import io as applicants

    monkeypatch.setattr(applicants, "CHUNK_SIZE", 10)
    rows = [person(n) for n in range(1, 40)] + [person(40, **{"Moyenne": "21"})]
    written, wrote = [], threading.Event()
    write, check_row = applicants._Writer.write, applicants._check_row

    def counted_write(self, chunk):
        write(self, chunk)
        written.append(chunk.count)
        wrote.set()

    def waiting_check(record, *args):
        if record["_row"] == 40:
            assert wrote.wait(10)
        return check_row(record, *args)

    monkeypatch.setattr(applicants._Writer, "write", counted_write)
    monkeypatch.setattr(applicants, "_check_row", waiting_check)
    result = import_applicants(campaign, xlsx_bytes(rows), "a.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed and [(e["row"], e["column"]) for e in result.errors] == [(41, "Moyenne")]
    assert written and sum(written) <= 39
    assert count(db, Application) == 0 and count(db, Applicant) == 0 and count(db, ApplicationChoice) == 0
    assert db.session.get(ReferenceCounter, campaign.id) is None
    assert db.session.execute(select(ImportRun.status)).scalar_one() == "rejected"
    # the same file once corrected goes in whole, its references from 1
    monkeypatch.setattr(applicants, "_check_row", check_row)
    rows[-1] = person(40)
    result = import_applicants(campaign, xlsx_bytes(rows), "a.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed and count(db, Application) == 40 and count(db, ApplicationChoice) == 80
    refs = db.session.execute(select(Application.reference).order_by(Application.reference)).scalars().all()
    assert refs == [f"MLI-2026-{n:06d}" for n in range(1, 41)]


def test_search_names_match_search_key(db):
    from quota_app.applications.models import search_key
    from quota_app.applications.io import _SearchNames

    names = ["Traoré", "N'Diaye", "  Keïta ", "Œuvre-Æsir", "ß", "...", "", None, "Ĳsselmeer",
             "Coulibaly Jr.", "Ba\u0301", "\u0301Awa", "O’Neil", "ﬃ", "ǅemal", "x" * 100, "ﷺ" * 20]
    keys = _SearchNames()
    for last in names:
        for first in names:
            assert keys(last, first) == search_key(last, first), (last, first)

