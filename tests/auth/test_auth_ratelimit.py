"""Login attempts are limited per account and per address, in a table shared by all workers."""
from auth_helpers import PASSWORD, form_login, text


def test_login_rate_limit_per_account_gives_429_french(app, client, make_user):
    user = make_user("manager")
    app.config["RATE_LIMIT_ATTEMPTS"] = 3
    try:
        for i in range(3):
            clients = app.test_client()  # no shared cookies; same address in the test client
            assert form_login(clients, user.email, "Mauvais-mot-de-passe-1").status_code == 200
        response = form_login(client, user.email)  # even the right password is refused now
        assert response.status_code == 429
        assert "Trop de tentatives. Réessayez dans quelques minutes." in text(response)
        assert client.get("/gestion/").status_code == 302
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10


def test_login_rate_limit_per_address(app, make_user):
    user = make_user("manager")
    app.config["RATE_LIMIT_ATTEMPTS"] = 3
    try:
        client = app.test_client()
        for i in range(3):
            form_login(client, f"inconnu{i}@exemple.ml", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        blocked = form_login(client, user.email, environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert blocked.status_code == 429
        other_address = form_login(client, user.email, environ_base={"REMOTE_ADDR": "10.0.0.10"})
        assert other_address.status_code == 302
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10


def test_counter_hit_check_and_prune(app, db):
    import pytest

    from quota_app.auth import ratelimit
    from quota_app.auth.models import RateLimitCounter
    from quota_app.errors import RateLimited

    app.config["RATE_LIMIT_ATTEMPTS"] = 2
    app.config["RATE_LIMIT_WINDOW_SECONDS"] = 60
    try:
        t0 = 1_800_000_000 - (1_800_000_000 % 60)
        ratelimit.hit("login:ip:1.2.3.4", now=t0)
        ratelimit.check("login:ip:1.2.3.4", now=t0)
        ratelimit.hit("login:ip:1.2.3.4", now=t0 + 5)
        db.session.commit()
        assert ratelimit.count("login:ip:1.2.3.4", now=t0 + 10) == 2
        with pytest.raises(RateLimited):
            ratelimit.check("login:ip:1.2.3.4", now=t0 + 10)
        with pytest.raises(RateLimited):
            ratelimit.hit("login:ip:1.2.3.4", now=t0 + 10)
        ratelimit.hit("login:ip:autre", now=t0)
        # The next window starts from zero and old windows are pruned.
        ratelimit.check("login:ip:1.2.3.4", now=t0 + 60)
        ratelimit.hit("login:ip:1.2.3.4", now=t0 + 60)
        db.session.commit()
        rows = db.session.execute(db.select(RateLimitCounter)).scalars().all()
        assert [(r.key, r.window_start, r.count) for r in rows] == [("login:ip:1.2.3.4", t0 + 60, 1)]
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10
        app.config["RATE_LIMIT_WINDOW_SECONDS"] = 900


def test_successful_logins_do_not_count(app, client, make_user):
    user = make_user("manager")
    app.config["RATE_LIMIT_ATTEMPTS"] = 2
    try:
        for _ in range(4):
            assert form_login(client, user.email, PASSWORD).status_code == 302
            client.post("/deconnexion")
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10


def test_concurrent_hits_are_all_counted(app):
    """Several workers hitting the same key at once: the upsert loses no attempt and never fails."""
    import threading

    from quota_app.auth import ratelimit
    from quota_app.extensions import db as database

    app.config["RATE_LIMIT_ATTEMPTS"] = 1000
    errors = []
    now = 1_900_000_000

    def worker():
        try:
            with app.app_context():
                for _ in range(10):
                    ratelimit.hit("login:ip:partagee", now=now)
                    database.session.commit()
                database.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            assert ratelimit.count("login:ip:partagee", now=now) == 40
            database.session.remove()
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10
