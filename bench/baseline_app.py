"""The floor for the HTTP benchmark: a bare Flask app on the same SQLite database as Quota.

One route, three queries (a count, 50 applications joined to their region, one campaign lookup),
50 rows rendered by a tiny Jinja template. No session, no login, no ORM: what any 50-row page
costs on this machine with this stack (gunicorn, Flask, SQLAlchemy Core, sqlite3).

    DATABASE_URL=sqlite:////tmp/x.db gunicorn 'bench.baseline_app:create_app()'
"""
import os

from flask import Flask, render_template_string, request
from sqlalchemy import create_engine, text

TEMPLATE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ campaign.name }}</title></head>
<body><h1>{{ campaign.name }}</h1><p>{{ total }} dossiers</p>
<table><tr><th>Référence</th><th>Nom</th><th>Prénoms</th><th>Statut</th><th>Région</th></tr>
{% for row in rows %}<tr><td>{{ row.reference }}</td><td>{{ row.last_name }}</td><td>{{ row.first_names }}</td>
<td>{{ row.status }}</td><td>{{ row.region or "" }}</td></tr>
{% endfor %}</table></body></html>"""

COUNT = text("SELECT count(*) FROM applications WHERE campaign_id = :campaign")
# NOT INDEXED: the rows in primary-key order, read until the page is full. Without it SQLite
# (no statistics) takes a campaign_id index and sorts all 100,000 rows to keep 50 (about 25 ms a
# page): that measured the sort, not what a bare page costs, and made any page look fast beside it.
ROWS = text(
    "SELECT a.id, a.reference, a.last_name, a.first_names, a.status, r.name AS region "
    "FROM applications a NOT INDEXED LEFT JOIN regions r ON r.id = a.region_id "
    "WHERE a.campaign_id = :campaign ORDER BY a.id LIMIT 50 OFFSET :offset"
)
LOOKUP = text("SELECT id, title AS name FROM campaigns WHERE id = :campaign")


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["DATABASE_URL"])

    @app.get("/")
    def index():
        campaign_id = request.args.get("campaign", 1, type=int)
        page = max(request.args.get("page", 1, type=int), 1)
        with engine.connect() as conn:
            total = conn.execute(COUNT, {"campaign": campaign_id}).scalar_one()
            rows = conn.execute(ROWS, {"campaign": campaign_id, "offset": (page - 1) * 50}).all()
            campaign = conn.execute(LOOKUP, {"campaign": campaign_id}).one()
        return render_template_string(TEMPLATE, campaign=campaign, total=total, rows=rows)

    return app
