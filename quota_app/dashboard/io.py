"""The dashboard's spreadsheet: the campaign's statistics (export)."""
from __future__ import annotations

from ..exports.registry import ExportKind
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


EXPORT = ExportKind("statistiques", "Statistiques de la campagne", "Statistiques", "Statistiques",
                    statistics_columns, statistics_rows, "statistics")
