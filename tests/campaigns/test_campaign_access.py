"""Access matrix: every route of the campaigns blueprint × every role."""
import pytest

from campaign_helpers import first, make_ready_campaign
from quota_app.campaigns.models import Offer


def campaign_routes(app, campaign_id, offer_id):
    """(method, url) for every rule and method of the blueprint, ids filled in."""
    values = {"campaign_id": campaign_id, "offer_id": offer_id}
    routes = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("campaigns."):
                continue
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((method, url))
    return routes


@pytest.fixture
def routes(app, db, reference, make_user):
    campaign = make_ready_campaign(db, None)
    offer = first(db, Offer, campaign_id=campaign.id)
    found = campaign_routes(app, campaign.id, offer.id)
    assert len({url for _, url in found}) >= 10  # the walk sees the whole console
    return found


def call(client, method, url):
    return client.open(url, method=method, data={})


@pytest.mark.parametrize("role", ["applicant", "committee", "amci", "admin"])
def test_other_roles_are_refused_everywhere(client, make_user, login, routes, role):
    login(make_user(role))
    for method, url in routes:
        assert call(client, method, url).status_code == 403, (method, url)


def test_anonymous_goes_to_login(client, routes):
    for method, url in routes:
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert "/connexion" in response.headers["Location"]


def test_manager_reaches_every_route(client, db, make_user, login, routes):
    login(make_user("manager"))
    for method, url in routes:
        response = call(client, method, url)
        # GET shows a page; an empty POST re-shows its form with errors or redirects back.
        assert response.status_code in (200, 302), (method, url, response.status_code)
        if method == "GET":
            assert response.status_code == 200, url
