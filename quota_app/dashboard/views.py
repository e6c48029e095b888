"""The managers' dashboard of a campaign: funnel, breakdowns, seat fill, reserved seats."""
from flask import Blueprint, render_template
from flask_babel import get_locale
from markupsafe import Markup

from ..extensions import db
from ..permissions import role_required
from ..campaigns.selection import campaigns_list, current_campaign
from . import cache, charts, stats

bp = Blueprint("dashboard", __name__)


def dashboard_figures(campaign) -> dict:
    """The numbers and their charts: what the cache keeps (read-only once built), with the
    HTML rendered from them once per locale in "html" (some 150 gettext and method calls
    per page, most of a cached page's time)."""
    data = stats.campaign_stats(campaign)
    reserved = data["reserved"]
    return {
        "data": data,
        "total": sum(data["funnel"].values()),
        "funnel_chart": charts.bar_chart(
            "Dossiers par statut", [(stats.status_label(s), n) for s, n in data["funnel"].items()]),
        "breakdowns": [
            (b, charts.bar_chart(b.title, [(label, b.total(key)) for key, label in b.rows]))
            for b in data["breakdowns"]
        ],
        "fill_chart": charts.bar_chart(
            "Places occupées par offre", [(f.offer_code, f.filled) for f in data["seat_fill"]],
            maximum=max([f.seats for f in data["seat_fill"]] + [1])),
        "reserved_chart": charts.progress_bar("Places réservées pourvues", reserved.placed, reserved.target),
        "html": {},
    }


def figures_html(figures: dict):
    locale = str(get_locale())
    html = figures["html"].get(locale)
    if html is None:  # the same for every request under this marker: a race only renders twice
        html = render_template("dashboard/_figures.html", status_label=stats.status_label,
                               choice_titles=tuple(stats.CHOICE_TITLES.values()),
                               **{k: v for k, v in figures.items() if k != "html"})
        figures["html"][locale] = html = Markup(html)
    return html


@bp.get("/")
@role_required("manager")
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("dashboard/index.html", campaign=None, campaigns=[])
    figures = cache.cached(db.session, campaign.id, lambda: dashboard_figures(campaign))
    return render_template("dashboard/index.html", campaign=campaign, campaigns=campaigns,
                           figures_html=figures_html(figures))
