"""A campaign's dashboard figures: the numbers and their charts, kept by the cache until the
data changes, and their HTML rendered once per language. The year's journey (funnel.py) is
part of them: the selected campaign's and, year on year, those of the campaigns of its kind,
each of which the cache also keeps on its own (switching campaign reuses them)."""
from flask import render_template
from flask_babel import get_locale, gettext
from markupsafe import Markup

from ..extensions import db
from . import cache, charts, funnel, numbers, rates, stats


def dashboard_figures(campaign) -> dict:
    """The numbers: what the cache keeps (read-only once built), with the HTML rendered from
    them once per locale in "html" (the charts drawn in that language, some 150 gettext and
    method calls per page, most of a cached page's time)."""
    data = stats.campaign_stats(campaign)
    selected, years = funnel.journey(campaign)
    return {"data": data, "total": sum(data["funnel"].values()),
            "journey": {"years": years, "selected": selected, "rates": selected.rates()}, "html": {}}


def charts_in(figures: dict, locale: str) -> dict:
    """The charts of the figures, their titles and labels in the reader's language."""
    data, journey = figures["data"], figures["journey"]
    reserved = data["reserved"]
    return {
        "funnel_chart": charts.bar_chart(
            gettext("Dossiers par statut"),
            [(gettext(stats.status_label(s)), n) for s, n in data["funnel"].items()]),
        "breakdowns": [
            (b, charts.bar_chart(gettext(b.title), [(gettext(label), b.total(key)) for key, label in b.rows]))
            for b in data["breakdowns"]
        ],
        "fill_chart": charts.bar_chart(
            gettext("Places occupées par offre"), [(f.offer_code, f.filled) for f in data["seat_fill"]],
            maximum=max([f.seats for f in data["seat_fill"]] + [1])),
        "reserved_chart": charts.progress_bar(gettext("Places réservées pourvues"), reserved.placed, reserved.target),
        "journey": {**journey, "chart": charts.funnel_chart(
            gettext("Parcours de l'année : dossiers à chaque étape"),
            [(gettext(r.label), r.count, numbers.percent(r.of_applied, locale) if r.of_applied is not None else "")
             for r in journey["rates"]])},
    }


def figures_html(figures: dict):
    locale = str(get_locale())
    html = figures["html"].get(locale)
    if html is None:  # the same for every request under this marker: a race only renders twice
        html = render_template("dashboard/_figures.html", status_label=stats.status_label,
                               choice_titles=tuple(stats.CHOICE_TITLES.values()),
                               stage_labels=rates.STAGE_LABELS, stages=rates.STAGES,
                               fmt_number=numbers.number, fmt_percent=numbers.percent,
                               data=figures["data"], total=figures["total"], **charts_in(figures, locale))
        # The HTML of our own template, rendered (autoescaped) just above (bandit B704).
        figures["html"][locale] = html = Markup(html)  # nosec B704
    return html


def campaign_figures_html(campaign) -> Markup:
    """The dashboard's figures of the campaign as HTML, computed only when the data changed."""
    return figures_html(cache.cached(db.session, campaign.id, lambda: dashboard_figures(campaign)))
