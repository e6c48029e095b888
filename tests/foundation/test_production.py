"""What a production operator relies on: the database address as platforms give it, the
proxy's probe, the client's address behind trusted proxies, one readable log line per request."""
import logging

import pytest

import config as settings


@pytest.mark.parametrize("given, used", [
    ("postgres://u:p@db:5432/quota", "postgresql+psycopg://u:p@db:5432/quota"),
    ("postgresql://u@db/quota", "postgresql+psycopg://u@db/quota"),
    ("postgresql+psycopg://u@db/quota", "postgresql+psycopg://u@db/quota"),
    ("sqlite:////srv/quota.db", "sqlite:////srv/quota.db"),
])
def test_the_database_address_in_every_usual_form(monkeypatch, given, used):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", given)
    assert settings.ProductionConfig().SQLALCHEMY_DATABASE_URI == used


def test_the_probe_says_the_database_and_the_queue_answer(client):
    response = client.get("/sante")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_the_probe_answers_503_when_the_queue_does_not(app, client, monkeypatch):
    from quota_app.jobs.queue import queue_of

    storage = queue_of(app).huey.storage

    def broken():
        raise ConnectionError("file injoignable")

    monkeypatch.setattr(storage, "queue_size", broken)
    response = client.get("/sante")
    assert response.status_code == 503 and response.get_json()["queue"] == "injoignable"


def test_each_request_is_logged_once_with_its_id_and_no_personal_data(client, caplog):
    with caplog.at_level(logging.INFO, logger="quota.requests"):
        response = client.get("/candidat/campagne/999999?nom=Traor%C3%A9&nina=12345678901234A",
                              headers={"X-Request-Id": "proxy-abc-123"})
    assert response.headers["X-Request-Id"] == "proxy-abc-123"
    (line,) = [r.getMessage() for r in caplog.records if r.name == "quota.requests"]
    assert line.startswith("proxy-abc-123 GET /candidat/campagne/<int:campaign_id> 404 ")
    assert "Traor" not in line and "12345678901234A" not in line


def test_a_forged_request_id_is_replaced(client):
    response = client.get("/sante", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert "script" not in response.headers["X-Request-Id"]
    assert len(response.headers["X-Request-Id"]) == 16


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(monkeypatch):
    from flask import request

    from quota_app import create_app

    config = settings.TestingConfig()
    config.TRUSTED_PROXIES = 1
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    app = create_app(config)
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    app.test_client().get("/protection-des-donnees", headers={"X-Forwarded-For": "196.200.1.7"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    # Only the last hop counts: a client cannot pretend to be someone else by adding its own.
    app.test_client().get("/protection-des-donnees", headers={"X-Forwarded-For": "1.2.3.4, 196.200.1.8"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == ["196.200.1.7", "196.200.1.8"]
