"""Where the benchmarks find the application code they measure, in one place.

Issue 10 moved each feature's spreadsheets (import and export specs) into the feature's own
`io.py`: when one of the imports below moves again, the change is here, not in every benchmark.
Each function imports on demand (the benchmark builds its app first), never at import time.
"""


def export_applications(campaign, target) -> int:
    """The managers' export of the whole campaign (query, rows, write_table, audit record)."""
    from quota_app.screening.services import export

    return export(campaign, {}, target, None)


def application_rows(campaign):
    """(columns, rows) that `export_applications` writes, for the bare openpyxl dump."""
    from quota_app.applications.io import LIST_COLUMNS, list_rows
    from quota_app.screening import search

    return LIST_COLUMNS, list_rows(campaign, search.build_search(campaign, search.clean_filters({})))


def applicants_spec(campaign):
    """The applicants import's SheetSpec (the template's columns) for this campaign."""
    from quota_app.applications import io

    return io.build_spec(io._Context(campaign))


def run_import(*args, **kwargs):
    """What the import page, `flask import` and the background job call."""
    from quota_app.imports.services import run_import

    return run_import(*args, **kwargs)
