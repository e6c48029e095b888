"""`flask import applicants|offers`: dry run by default, --commit, French output."""
from sqlalchemy import func, select

from conftest import person, xlsx_bytes
from quota_app.applications.models import Application
from quota_app.campaigns.models import Offer


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def test_applicants_dry_run_then_commit(app, db, campaign, tmp_path):
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_bytes([person(1), person(2)]))
    result = run(app, "applicants", "--campaign", "Q2026", str(path))
    assert result.exit_code == 0, result.output
    assert "nouveaux : 2" in result.output and "Simulation terminée" in result.output
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    result = run(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert result.exit_code == 0, result.output
    assert "Import enregistré" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Application)) == 2
    result = run(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert "inchangés : 2" in result.output


def test_errors_exit_code_and_unknown_campaign(app, db, campaign, tmp_path):
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_bytes([person(1, Sexe="Z")]))
    result = run(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert result.exit_code == 1
    assert "ligne 2, colonne « Sexe »" in result.output
    result = run(app, "applicants", "--campaign", "NOPE", str(path))
    assert result.exit_code != 0 and "Campagne introuvable" in result.output


def test_offers(app, db, campaign, tmp_path):
    path = tmp_path / "offres.xlsx"
    path.write_bytes(xlsx_bytes([["TS-IA", "ISTA-CASA", 10, 2]],
                                ["Code filière", "Code établissement", "Places", "Places réservées"]))
    result = run(app, "offers", "--campaign", "Q2026", str(path), "--commit")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.execute(select(Offer.seats).where(Offer.code == "TS-IA-ISTA-CASA")).scalar_one() == 10


def test_the_file_is_read_once_and_sizes_the_bar(app, db, campaign, tmp_path, monkeypatch):
    # The import tells the bar its total once it has read the sheet: no first reading for it.
    from quota_app.imports import cli, common

    reads, lengths = [], []
    read_sheet = common.read_sheet
    monkeypatch.setattr(common, "read_sheet", lambda *a, **k: reads.append(1) or read_sheet(*a, **k))
    set_total = cli._BarProgress.set_total
    monkeypatch.setattr(cli._BarProgress, "set_total",
                        lambda self, total: lengths.append(total) or set_total(self, total))
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(xlsx_bytes([person(n) for n in range(1, 4)]))
    result = run(app, "applicants", "--campaign", "Q2026", str(path), "--commit")
    assert result.exit_code == 0, result.output
    assert (len(reads), lengths) == (1, [3])
