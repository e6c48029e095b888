"""A new kind of import or export is one spec in a feature's io.py and one registration: the
run machinery, its pages and its command take it from the registry, with no edit of the engine."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from quota_app import permissions
from quota_app.exports.registry import ExportKind, export_kinds
from quota_app.imports.common import ImportResult, file_digest, record_if
from quota_app.imports.registry import ImportKind, import_kinds
from quota_app.registry import Registry


def _template(campaign):
    wb = Workbook()
    wb.active.append(["Code", "Note"])
    return wb


def _importer(campaign, data, filename, actor=None, commit=False, progress=None, stored_name=None,
              job_id=None, record=True):
    result = ImportResult(kind="probe", filename=filename, sha256=file_digest(data), committed=commit,
                          counts={"new": 1, "unchanged": 0, "errors": 0})
    record_if(record, result, campaign, actor, "committed" if commit else "dry_run", stored_name, job_id)
    return result


PROBE_IMPORT = ImportKind("probe", "Sonde", _importer, _template, "modele-sonde", "Une sonde de test.")
PROBE_EXPORT = ExportKind("sonde", "Liste sonde", "Liste sonde", "Sonde",
                          lambda campaign: ("Code", "Valeur"), lambda campaign: iter([("A", 1), ("B", 2)]), "probe")


@pytest.fixture
def probe_kinds(monkeypatch):
    monkeypatch.setitem(import_kinds._entries, "probe", PROBE_IMPORT)
    monkeypatch.setitem(export_kinds._entries, "sonde", PROBE_EXPORT)
    monkeypatch.setitem(permissions.IMPORT_KINDS_BY_ROLE, "manager",
                        permissions.IMPORT_KINDS_BY_ROLE["manager"] + ("probe",))
    monkeypatch.setitem(permissions.EXPORT_KINDS_BY_ROLE, "manager",
                        permissions.EXPORT_KINDS_BY_ROLE["manager"] + ("sonde",))


def test_a_registered_import_has_its_page_template_command_and_run(app, client, login, campaign, manager,
                                                                    probe_kinds, tmp_path):
    login(manager)
    assert "Sonde" in client.get("/gestion/imports/").get_data(as_text=True)
    template = client.get(f"/gestion/imports/modele/probe/{campaign.id}")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.data)).active["A1"].value == "Code"

    buf = io.BytesIO()
    _template(campaign).save(buf)
    uploaded = client.post("/gestion/imports/", data={
        "kind": "probe", "campaign_id": str(campaign.id), "file": (io.BytesIO(buf.getvalue()), "sonde.xlsx")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 302 and "/gestion/imports/" in uploaded.headers["Location"]

    path = tmp_path / "sonde.xlsx"
    path.write_bytes(buf.getvalue())
    out = app.test_cli_runner().invoke(args=["import", "probe", "--campaign", campaign.code, str(path)])
    assert out.exit_code == 0, out.output
    assert "nouveaux : 1" in out.output


def test_a_registered_export_is_offered_and_downloaded(client, login, campaign, manager, probe_kinds):
    login(manager)
    assert "Liste sonde" in client.get(f"/gestion/exports/?campaign={campaign.id}").get_data(as_text=True)
    response = client.get(f"/gestion/exports/sonde.xlsx?campaign={campaign.id}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert ("A", 1) in [tuple(r[:2]) for r in rows]


def test_an_unknown_or_unregistered_kind_answers_404(client, login, campaign, manager):
    login(manager)
    assert client.get(f"/gestion/imports/modele/probe/{campaign.id}").status_code == 404
    assert client.get(f"/gestion/exports/sonde.xlsx?campaign={campaign.id}").status_code == 404


def test_a_role_without_the_kind_in_the_permissions_table_gets_403(client, login, campaign, make_user, probe_kinds):
    login(make_user("amci"))
    assert client.get(f"/gestion/imports/modele/probe/{campaign.id}").status_code == 403
    assert client.get(f"/gestion/exports/sonde.xlsx?campaign={campaign.id}").status_code == 403


def test_the_registry_refuses_two_different_entries_under_one_name():
    registry = Registry("Le type")
    registry.register("a", 1)
    registry.register("a", 1)  # a second create_app registers the same entry: nothing changes
    with pytest.raises(RuntimeError, match="déjà enregistré"):
        registry.register("a", 2)
