"""« Ancien boursier »: a person who held an AMCI scholarship in an earlier campaign is flagged to
managers on the screening page and on the nominations' page (the rule: test_lists.py)."""
import html
from datetime import date

from slip_helpers import earlier_scholar


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _nominated(db, w):
    from quota_app.amci.models import Nomination
    from quota_app.amci.nominations import nominate

    nominate(w.world.manager(db), w.campaign_id, date.today())
    db.session.commit()
    return db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == w.campaign_id)
                              .order_by(Nomination.position)).all()


def test_an_earlier_scholar_is_flagged_at_screening_and_on_the_nominations(client, db, login, amci_world):
    from quota_app.campaigns.models import Campaign

    w = amci_world()
    nominations = _nominated(db, w)
    held, other = nominations[0].application, nominations[1].application
    this_year = db.session.get(Campaign, w.campaign_id).year
    earlier_scholar(db, this_year - 2, nina=held.nina)
    db.session.commit()
    label = f"ancien boursier {this_year - 2}-{this_year - 1}"

    login(w.world.manager(db))
    page = _page(client.get(f"/gestion/dossiers/{held.id}"))
    assert label in page and "déjà bénéficié d'une bourse de l'AMCI" in page
    assert "déjà bénéficié d'une bourse" not in _page(client.get(f"/gestion/dossiers/{other.id}"))

    page = _page(client.get(f"/amci/nominations/?campaign={w.campaign_id}"))
    assert page.count(label) == 1
