"""Staff sessions end after 30 minutes without a request (a setting), every session 8 hours
after its login."""
import pytest

from auth_helpers import Clock, form_login, text


@pytest.fixture
def clock(monkeypatch):
    from quota_app.auth import session

    fake = Clock()
    monkeypatch.setattr(session, "time", fake)
    return fake


def test_the_rule_is_pure():
    from quota_app.auth.session import session_expired

    rules = {"lifetime": 8 * 3600, "staff_idle": 1800}
    assert not session_expired("manager", 0, 0, 1799, **rules)
    assert session_expired("manager", 0, 0, 1801, **rules)
    assert not session_expired("applicant", 0, 0, 7 * 3600, **rules)  # applicants: no idle limit
    assert session_expired("applicant", 0, 7 * 3600, 8 * 3600 + 1, **rules)
    assert not session_expired("admin", 0, 0, 10_000, lifetime=8 * 3600, staff_idle=0)


def test_a_staff_session_ends_after_thirty_idle_minutes(app, make_user, clock):
    user = make_user("manager")
    client = app.test_client()
    assert form_login(client, user.email).status_code == 302
    clock.now += 29 * 60
    assert client.get("/gestion/").status_code == 200  # still there, and the clock restarts
    clock.now += 29 * 60
    assert client.get("/gestion/").status_code == 200
    clock.now += 31 * 60
    ended = client.get("/gestion/")
    assert ended.status_code == 302 and "/connexion" in ended.headers["Location"]
    assert "next=/gestion/" in ended.headers["Location"]
    assert "Votre session a expiré" in text(client.get("/connexion"))
    assert client.get("/gestion/").status_code == 302


def test_the_idle_limit_is_a_setting(app, make_user, clock):
    user = make_user("manager")
    client = app.test_client()
    form_login(client, user.email)
    app.config["STAFF_IDLE_TIMEOUT_SECONDS"] = 60
    try:
        clock.now += 61
        assert client.get("/gestion/").status_code == 302
    finally:
        app.config["STAFF_IDLE_TIMEOUT_SECONDS"] = 1800


def test_every_session_ends_after_eight_hours(app, make_user, clock):
    user = make_user("applicant")
    client = app.test_client()
    assert form_login(client, user.email).status_code == 302
    for _ in range(7):
        clock.now += 3600
        assert client.get("/candidat/").status_code == 200  # an applicant may stay idle an hour
    clock.now += 3601
    ended = client.get("/candidat/")
    assert ended.status_code == 302 and "/connexion" in ended.headers["Location"]
