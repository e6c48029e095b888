"""Access matrix: every route of the reference and audit blueprints × every role."""
import pytest

from reference_helpers import first
from quota_app.reference import services


def blueprint_routes(app, db, prefix):
    """(method, url) for every rule and method of a blueprint, for every kind of reference data."""
    routes = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(prefix):
                continue
            for spec in services.KINDS.values():
                if "kind" not in rule.arguments and spec is not next(iter(services.KINDS.values())):
                    continue  # a route without kind is walked once
                if rule.endpoint.endswith(("deactivate", "reactivate")) and not spec.has_active:
                    continue
                values = {"kind": spec.slug, "item_id": first(db, spec.model).id}
                url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    routes.append((method, url))
    return routes


@pytest.fixture
def reference_routes(app, db, reference):
    found = blueprint_routes(app, db, "reference.")
    # index + per kind: list, create, edit (10 kinds) and deactivate/reactivate (9 kinds with `active`)
    assert len({url for _, url in found}) == 1 + 10 * 3 + 9 * 2
    return found


@pytest.fixture
def audit_routes(app, db, reference):
    found = blueprint_routes(app, db, "audit.")
    assert found == [("GET", "/gestion/journal/")]
    return found


def call(client, method, url):
    return client.open(url, method=method, data={})


@pytest.mark.parametrize("role", ["applicant", "committee", "amci", "admin"])
def test_other_roles_are_refused_on_reference(client, make_user, login, reference_routes, role):
    login(make_user(role))
    for method, url in reference_routes:
        assert call(client, method, url).status_code == 403, (method, url)


@pytest.mark.parametrize("role", ["applicant", "committee", "amci"])
def test_other_roles_are_refused_on_journal(client, make_user, login, audit_routes, role):
    login(make_user(role))
    for method, url in audit_routes:
        assert call(client, method, url).status_code == 403, (method, url)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_read_the_journal(client, make_user, login, audit_routes, role):
    login(make_user(role))
    for method, url in audit_routes:
        assert call(client, method, url).status_code == 200, (method, url)


def test_anonymous_goes_to_login(client, reference_routes, audit_routes):
    for method, url in reference_routes + audit_routes:
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert "/connexion" in response.headers["Location"]


def test_manager_reaches_every_route(client, make_user, login, reference_routes):
    login(make_user("manager"))
    for method, url in reference_routes:
        response = call(client, method, url)
        # GET shows a page; an empty POST re-shows its form with errors or redirects back.
        assert response.status_code in (200, 302), (method, url, response.status_code)
        if method == "GET":
            assert response.status_code == 200, url


def test_navigation_links(client, make_user, login, reference):
    login(make_user("manager"))
    page = client.get("/gestion/referentiel/").get_data(as_text=True)
    assert 'href="/gestion/referentiel/"' in page and 'href="/gestion/journal/"' in page
    login(make_user("admin"))
    page = client.get("/gestion/journal/").get_data(as_text=True)
    assert 'href="/gestion/journal/"' in page and 'href="/gestion/referentiel/"' not in page
