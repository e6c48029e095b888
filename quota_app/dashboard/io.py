"""The dashboard's spreadsheets: the campaign's statistics (an export kind) and the year's journey
(a workbook of several sheets, downloaded from the dashboard)."""
from __future__ import annotations

from ..exports.registry import ExportKind
from ..i18n import N_
from . import stats


def statistics_rows(campaign):
    """Counts per status, by sex then by region (the dashboard's GROUP BY queries)."""
    statuses = list(stats.FUNNEL)
    for breakdown in (stats.by_sex(campaign.id), stats.by_region(campaign.id)):
        for key, row_label in breakdown.rows:
            yield (breakdown.title, row_label, *[breakdown.count(key, s) for s in statuses],
                   breakdown.total(key))


def statistics_columns(campaign=None) -> tuple:
    return ("Ventilation", "Catégorie", *[stats.status_label(s) for s in stats.FUNNEL], "Total")


EXPORT = ExportKind("statistiques", N_("Statistiques de la campagne"), "Statistiques", "Statistiques",
                    statistics_columns, statistics_rows, "statistics")


# --- the year's journey: a workbook of its own (dashboard.journey_export) ---------------------

JOURNEY_TITLE = "Parcours de l'année"
RATE_ROW = "Taux : "  # a row of rates among counts: its numbers are written as percentages


def journey_sheets(selected, years) -> list[tuple[str, str, tuple, list[tuple]]]:
    """(sheet title, title line, columns, rows) of each sheet: the stages year on year with the
    quota and reserved seats, the selected campaign's rates, then its four breakdowns."""
    from ..campaigns.models import KIND_LABELS
    from .rates import STAGE_LABELS, STAGES

    def label(campaign):
        return f"{campaign.year} – {campaign.code}"

    year_rows = [(STAGE_LABELS[stage], *[f.counts.get(stage, 0) for f in years]) for stage in STAGES]
    women = selected.reserved_sex == "F"
    year_rows += [
        ("Quota annoncé", *[f.quota for f in years]),
        (f"{RATE_ROW}places acceptées / quota", *[f.accepted_of_quota for f in years]),
        ("Places réservées aux femmes" if women else "Places réservées", *[f.reserved_seats for f in years]),
        ("Femmes ayant accepté une place" if women else "Du sexe réservé, place acceptée",
         *[f.reserved_sex_accepted for f in years]),
        (f"{RATE_ROW}acceptées / places réservées", *[f.reserved_rate for f in years]),
    ]
    kind = KIND_LABELS.get(selected.kind, selected.kind)
    sheets = [("Parcours", f"{JOURNEY_TITLE} – {kind}, campagne par campagne",
               ("Étape", *[label(f) for f in years]), year_rows)]
    # Rates as fractions: the « Taux… » headers format them as percentages (spreadsheets/writer.py).
    sheets.append(("Taux", f"{JOURNEY_TITLE} – taux – {selected.title}",
                   ("Étape", "Dossiers", "Taux / étape précédente (fins et abandons : / inscrits ; emploi : / fins)",
                    "Taux / candidatures", "Taux / quota"),
                   [(r.label, r.count, r.of_previous, r.of_applied, r.of_quota) for r in selected.rates()]
                   + [("Places acceptées / quota", selected.counts.get("accepted", 0), None, None,
                       selected.accepted_of_quota),
                      ("Femmes acceptées / places réservées" if women else "Sexe réservé : acceptées / places réservées",
                       selected.reserved_sex_accepted, None, None, selected.reserved_rate)]))
    for breakdown in selected.breakdowns:
        rows = [(row_label, *[breakdown.count(key, s) for s in breakdown.stages]) for key, row_label in breakdown.rows]
        rows.append(("Total", *[breakdown.column_total(s) for s in breakdown.stages]))
        sheets.append((breakdown.title.split(" (")[0], f"{JOURNEY_TITLE} – {breakdown.title} – {selected.title}",
                       ("Catégorie", *[STAGE_LABELS[s] for s in breakdown.stages]), rows))
    return sheets


def write_journey(target, selected, years, exported_at=None) -> int:
    """The journey's workbook, one sheet per table, each laid out as the other exports (title,
    export time, bold frozen header with filters, columns sized to content, print setup).
    Returns the number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from ..spreadsheets.writer import (
        HEADER_FILL, PERCENT_FORMAT, column_format, column_widths, print_setup, safe_value,
    )
    from ..timeutil import utcnow

    exported_at = exported_at or utcnow()
    wb = Workbook()
    wb.remove(wb.active)
    header_row, total = 3, 0
    for sheet_title, title, columns, rows in journey_sheets(selected, years):
        ws = wb.create_sheet(sheet_title[:31])
        formats = [column_format(c) for c in columns]
        for index, width in enumerate(column_widths(columns, rows, formats), start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.cell(row=1, column=1, value=safe_value(title)).font = Font(bold=True, size=14)
        ws.cell(row=2, column=1, value=f"Exporté le {exported_at:%d/%m/%Y à %H:%M} (heure de Bamako, UTC)"
                ).font = Font(italic=True)
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=header_row, column=index, value=safe_value(column))
            cell.data_type = "s"
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for offset, row in enumerate(rows, start=header_row + 1):
            rate_row = isinstance(row[0], str) and row[0].startswith(RATE_ROW)
            for index, value in enumerate(row, start=1):
                cell = ws.cell(row=offset, column=index, value=safe_value(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text, whatever it looks like
                elif value is not None and (formats[index - 1] or rate_row):
                    cell.number_format = formats[index - 1] or PERCENT_FORMAT
        ws.freeze_panes = f"B{header_row + 1}"
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{header_row + len(rows)}"
        print_setup(ws, header_row, len(columns))
        total += len(rows)
    wb.save(target)
    return total


def journey_file_name(campaign, when=None) -> str:
    from ..timeutil import utcnow

    return f"parcours-{campaign.code}-{(when or utcnow()):%Y%m%d-%H%M}.xlsx"


def export_journey(campaign, target, actor, ip: str | None = None) -> int:
    """Write the journey's workbook of the campaign (with the campaigns of its kind) to `target`
    and record the export in the audit trail; the caller commits."""
    from ..audit.services import record
    from . import funnel

    selected, years = funnel.journey(campaign)
    count = write_journey(target, selected, years)
    record(actor, "export.journey", object_type="campaigns", object_id=campaign.id, campaign_id=campaign.id,
           after={"rows": count, "campaigns": [f.code for f in years]}, ip_address=ip)
    return count
