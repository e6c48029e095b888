"""Login limits designed for Mali: slowed down, never locked; keyed on the account × the
address, the account, and the address, in a table shared by all workers. Ten wrong passwords
from one place never stop the owner elsewhere, nor other people at that place; a browser the
owner logged in from is never slowed by others' failures."""
import pytest

from auth_helpers import PASSWORD, form_login, text

WRONG = "Mauvais-mot-de-passe-1"


def at(ip):
    return {"environ_base": {"REMOTE_ADDR": ip}}


def test_ten_wrong_passwords_from_one_place_slow_that_place_for_that_account_only(app, make_user, clock):
    user = make_user("manager")
    neighbour = make_user("applicant")
    attacker = app.test_client()
    for _ in range(10):
        assert form_login(attacker, user.email, WRONG, **at("10.0.0.9")).status_code == 200
    slowed = form_login(app.test_client(), user.email, PASSWORD, **at("10.0.0.9"))
    assert slowed.status_code == 429 and "Trop de tentatives. Réessayez dans 1 seconde." in text(slowed)
    # The owner elsewhere, and someone else in the same cybercafé, log in at once.
    assert form_login(app.test_client(), user.email, PASSWORD, **at("10.0.0.10")).status_code == 302
    assert form_login(app.test_client(), neighbour.email, PASSWORD, **at("10.0.0.9")).status_code == 302
    # Slowed, not locked: after the delay, that place may try again.
    clock.now += 2
    assert form_login(app.test_client(), user.email, PASSWORD, **at("10.0.0.9")).status_code == 302


def test_the_delay_doubles_then_stops_at_the_cap(app, db, clock):
    from quota_app.auth import ratelimit
    from quota_app.errors import RateLimited

    for _ in range(3):
        ratelimit.record("k")
    ratelimit.throttle("k", threshold=4, cap=60)  # below the threshold: nothing
    ratelimit.record("k")
    waits = []
    for _ in range(9):
        with pytest.raises(RateLimited) as refused:
            ratelimit.throttle("k", threshold=4, cap=60)
        waits.append(refused.value.wait)
        ratelimit.record("k")
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    clock.now += 60
    ratelimit.throttle("k", threshold=4, cap=60)


def test_an_attacker_everywhere_slows_the_account_but_never_the_owners_browser(app, make_user, clock):
    user = make_user("manager")
    owner = app.test_client()
    assert form_login(owner, user.email, PASSWORD, **at("10.0.1.1")).status_code == 302  # device cookie
    owner.post("/deconnexion")
    app.config["RATE_LIMIT_ACCOUNT_ATTEMPTS"] = 5
    try:
        for n in range(5):  # one guess from each of five addresses
            assert form_login(app.test_client(), user.email, WRONG, **at(f"10.0.2.{n}")).status_code == 200
        stranger = form_login(app.test_client(), user.email, PASSWORD, **at("10.0.3.1"))
        assert stranger.status_code == 429 and "Réessayez dans" in text(stranger)
        assert form_login(owner, user.email, PASSWORD, **at("10.0.1.1")).status_code == 302
        owner.post("/deconnexion")
        # A new browser waits seconds, not hours.
        clock.now += 2
        assert form_login(app.test_client(), user.email, PASSWORD, **at("10.0.3.1")).status_code == 302
    finally:
        app.config["RATE_LIMIT_ACCOUNT_ATTEMPTS"] = 30


def test_spraying_from_one_address_is_slowed_for_unknown_browsers(app, make_user, clock):
    user = make_user("manager")
    app.config["RATE_LIMIT_ADDRESS_ATTEMPTS"] = 3
    try:
        for n in range(3):
            form_login(app.test_client(), f"inconnu{n}@exemple.ml", **at("10.0.0.9"))
        blocked = form_login(app.test_client(), user.email, **at("10.0.0.9"))
        assert blocked.status_code == 429
        assert form_login(app.test_client(), user.email, **at("10.0.0.10")).status_code == 302
    finally:
        app.config["RATE_LIMIT_ADDRESS_ATTEMPTS"] = 200


def test_known_and_unknown_accounts_are_slowed_alike(app, make_user, clock):
    user = make_user("manager")
    answers = {}
    for who in (user.email, "personne@exemple.ml", "+223 70 00 00 00"):
        client = app.test_client()
        codes = [form_login(client, who, WRONG, **at("10.0.5.5")).status_code for _ in range(11)]
        answers[who] = codes
    assert len({tuple(codes) for codes in answers.values()}) == 1
    assert answers[user.email] == [200] * 10 + [429]


def test_a_failed_login_is_audited_with_the_phone_masked(app, db, clock):
    from quota_app.audit.models import AuditEvent

    form_login(app.test_client(), "76 12 34 56", WRONG)
    event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).scalar_one()
    assert event.after == {"phone": "+223 •• •• 34 56"}


def test_counter_hit_check_and_prune(app, db):
    from quota_app.auth import ratelimit
    from quota_app.auth.models import RateLimitCounter
    from quota_app.errors import RateLimited

    app.config["RATE_LIMIT_ATTEMPTS"] = 2
    app.config["RATE_LIMIT_WINDOW_SECONDS"] = 60
    try:
        t0 = 1_800_000_000 - (1_800_000_000 % 3600)
        ratelimit.hit("reset:ip:1.2.3.4", now=t0)
        ratelimit.check("reset:ip:1.2.3.4", now=t0)
        ratelimit.hit("reset:ip:1.2.3.4", now=t0 + 5)
        db.session.commit()
        assert ratelimit.count("reset:ip:1.2.3.4", now=t0 + 10) == 2
        with pytest.raises(RateLimited):
            ratelimit.check("reset:ip:1.2.3.4", now=t0 + 10)
        with pytest.raises(RateLimited):
            ratelimit.hit("reset:ip:1.2.3.4", now=t0 + 10)
        ratelimit.hit("code:dest:x", now=t0, limit=1, window=ratelimit.HOUR)
        # The next window starts from zero; windows older than an hour are pruned.
        ratelimit.check("reset:ip:1.2.3.4", now=t0 + 60)
        ratelimit.hit("reset:ip:1.2.3.4", now=t0 + 60)
        with pytest.raises(RateLimited):
            ratelimit.hit("code:dest:x", now=t0 + 1800, limit=1, window=ratelimit.HOUR)
        ratelimit.hit("reset:ip:1.2.3.4", now=t0 + 2 * 3600 + 60)
        db.session.commit()
        rows = db.session.execute(db.select(RateLimitCounter).order_by(RateLimitCounter.window_start)).scalars().all()
        assert [(r.key, r.window_start, r.count) for r in rows] == [("reset:ip:1.2.3.4", t0 + 2 * 3600 + 60, 1)]
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
