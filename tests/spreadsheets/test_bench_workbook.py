"""The import benchmark's generator, at a small size: same seed, same file; and the file imports
without a single error (otherwise `make bench` would time a rejected import)."""
from bench import import_bench
from quota_app.spreadsheets.reader import read_sheet


def test_bench_workbook_is_fixed_and_imports_cleanly(tmp_path):
    from quota_app.extensions import db
    from quota_app.applications.io import import_applicants

    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    import_bench.generate(first, 40, 7, tmp_path)
    import_bench.generate(second, 40, 7, tmp_path)
    rows = read_sheet(first.read_bytes()).rows
    assert rows == read_sheet(second.read_bytes()).rows
    assert len(rows) == 41 and rows[0][0] == "Nom *"
    # Typed as on paper forms: some dates arrive as text, some phones with spaces.
    assert any(isinstance(r[3], str) for r in rows[1:]) and any(" " in str(r[7]) for r in rows[1:])

    app = import_bench._app(tmp_path, "sqlite")
    with app.app_context():
        campaign = import_bench._fresh_campaign()
        result = import_applicants(campaign, first.read_bytes(), first.name, None, commit=False)
        assert result.errors == [] and result.counts["new"] == 40
        db.session.remove()
        db.engine.dispose()
