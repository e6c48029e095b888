"""Answers at the same moment, on PostgreSQL (row locks): 50 threads released together accept
and decline around a dozen seats, some of them on the same file. Every seat-moving operation takes
the campaign's lock first (cascade.lock: FOR UPDATE on the campaign's row), so that at the end
the seats are exactly the seats there are, none held twice, no accepted seat lost, and nobody
got anything but a French refusal (no 500)."""
from __future__ import annotations

import functools
import random
import threading
import time
import traceback
from datetime import timedelta

import pytest

THREADS = 50


@pytest.mark.postgres_only
def test_fifty_answers_at_once_around_ten_seats(app, db, placement_forty_world, pw_now, pw_check, request):
    from quota_app.auth.models import User
    from quota_app.errors import DomainError
    from quota_app.extensions import db as database
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    w = placement_forty_world()      # 12 seats on four offers, 40 files
    request.getfixturevalue("wide_pool")
    rng = random.Random(7)
    state = pw_check(w)
    placed = sorted({h[0] for h in state.holders.values()})
    waiting = sorted(a for a, status in state.statuses.items() if status == "waiting_list")
    assert len(placed) == 12 and len(waiting) >= 10
    # Three threads on each placed file (a double click, two tabs), the others on waiting files,
    # which answer as soon as a freed seat reaches them.
    files = placed * 3 + [waiting[i % len(waiting)] for i in range(THREADS - 3 * len(placed))]
    plans = [(app_id, rng.choice(("accept", "accept", "decline")), rng.random() < 0.5) for app_id in files]
    barrier = threading.Barrier(THREADS, timeout=60)
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def worker(app_id, choice, keep):
        with app.app_context():
            try:
                user = database.session.get(User, w.owner_ids[app_id])
                barrier.wait()
                answered = 0
                for attempt in range(40):   # a file promoted meanwhile answers its new offer too
                    placement = database.session.scalars(database.select(Placement).where(
                        Placement.application_id == app_id, Placement.status == "offered")
                        .order_by(Placement.choice_rank)).first()
                    if placement is None:
                        database.session.rollback()
                        if answered:
                            break
                        time.sleep(0.05)
                        continue
                    answered += 1
                    now = pw_now + timedelta(minutes=attempt)
                    try:
                        services.answer(user, placement, choice, now=now, keep_waiting=keep)
                        database.session.commit()
                        with lock:
                            outcomes.append(("ok", app_id, choice, placement.id))
                    except DomainError as refusal:    # the French refusal the page would show
                        database.session.rollback()
                        with lock:
                            outcomes.append(("refused", app_id, choice, refusal.message))
                        break
            except Exception:  # pragma: no cover - shown in the assertion
                database.session.rollback()
                with lock:
                    outcomes.append(("error", app_id, choice, traceback.format_exc()))
            finally:
                database.session.remove()

    threads = [threading.Thread(target=worker, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads)
    errors = [o for o in outcomes if o[0] == "error"]
    assert not errors, errors[0][3]
    assert all(o[3] == "Cette affectation n'attend plus de réponse." for o in outcomes if o[0] == "refused"), outcomes
    # Enough really happened at once: most seats were answered, some of them twice.
    assert len([o for o in outcomes if o[0] == "ok"]) >= 20 and any(o[0] == "refused" for o in outcomes)

    db.session.remove()
    state = pw_check(w)   # seats within their numbers, none held twice, statuses, no free seat while some wait
    accepted_by_threads = {o[3] for o in outcomes if o[0] == "ok" and o[2] == "accept"}
    assert accepted_by_threads, outcomes
    held = {pid: h for pid, h in state.holders.items()}
    for pid in accepted_by_threads:
        placement = db.session.get(Placement, pid)
        if placement.status == "accepted":
            assert held[pid][4] == "accepted"
            continue
        # Only the file's own later acceptance of a better seat ends an accepted seat here.
        assert placement.status == "superseded", (pid, placement.status)
        better = [h for h in held.values() if h[0] == placement.application_id and h[4] == "accepted"]
        assert better and better[0][5] < placement.choice_rank
    # Exactly the seats there are: 12 seats, each held once (while anyone waits for one).
    total = sum(seats for seats, _r in state.seats.values())
    assert total == 12
    assert len(state.holders) == total or not any(state.waiting.values())
    assert len({(h[1], h[2], h[3]) for h in state.holders.values()}) == len(state.holders)


def test_what_was_read_before_the_lock_is_read_again_after_it(app, db, placement_hand_world, pw_now, pw_check):
    """A request has read the file's two offers (the page) when another request accepts one of
    them; its own acceptance of the other then works on what the database holds once the lock
    is taken (the seat accepted meanwhile is superseded), not on what it had read."""
    from quota_app.extensions import db as database
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    w = placement_hand_world
    f, (a, b) = w.file_ids, w.offer_ids
    first_a = db.session.scalars(db.select(Placement).filter_by(application_id=f[0], offer_id=a)).one()
    services.answer(w.owner(db, f[0]), first_a, "decline", now=pw_now)
    db.session.commit()
    mine = {p.offer_id: p for p in db.session.scalars(db.select(Placement).where(
        Placement.application_id == f[2], Placement.status == "offered"))}
    assert set(mine) == {a, b} and all(p.version == 1 for p in mine.values())

    def other_request():
        with app.app_context():
            from quota_app.auth.models import User
            placement = database.session.get(Placement, mine[b].id)
            services.answer(database.session.get(User, w.owner_ids[f[2]]), placement, "accept",
                            now=pw_now + timedelta(minutes=1), keep_waiting=True)
            database.session.commit()
            database.session.remove()

    thread = threading.Thread(target=other_request)
    thread.start()
    thread.join(30)
    services.answer(w.owner(db, f[2]), mine[a], "accept", now=pw_now + timedelta(minutes=2))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Placement, mine[a].id).status == "accepted"
    assert db.session.get(Placement, mine[b].id).status == "superseded"
    pw_check(w)


@pytest.mark.postgres_only
def test_a_withdrawal_while_a_cascade_promotes_that_file_is_no_deadlock(app, db, placement_hand_world, pw_now,
                                                                       pw_check, monkeypatch):
    """f2 declines B while f4, first on B's list, withdraws. The cascade holds the campaign's
    lock and is about to move f4 to « affecté »; the withdrawal must not hold f4's row while it
    waits for that lock (each would wait for the other: PostgreSQL kills one, a 500). It waits
    for the lock first, then finds f4 changed meanwhile: the page's « modifié entre-temps »."""
    from sqlalchemy.orm.exc import StaleDataError

    from quota_app.applications import services as application_services
    from quota_app.applications.models import Application
    from quota_app.auth.models import User
    from quota_app.errors import Conflict
    from quota_app.extensions import db as database
    from quota_app.placement import cascade, services
    from quota_app.placement.models import Placement

    w = placement_hand_world
    f, (_a, b) = w.file_ids, w.offer_ids
    inside = threading.Event()
    original = cascade.fill

    def slow_fill(*args, **kwargs):
        inside.set()
        time.sleep(1.2)   # PostgreSQL looks for deadlocks after 1 s of waiting
        return original(*args, **kwargs)

    monkeypatch.setattr(cascade, "fill", slow_fill)
    # The withdrawal's patience, shorter than the 3 s of the pages: the test waits less.
    monkeypatch.setattr(cascade, "lock_holding_rows", functools.partial(cascade.lock_holding_rows, patience=1.5))
    outcomes = {}

    def run(name, act):
        with app.app_context():
            try:
                act()
                database.session.commit()
                outcomes[name] = "ok"
            except StaleDataError:
                database.session.rollback()
                outcomes[name] = "changed meanwhile"
            except Conflict as refusal:
                database.session.rollback()
                outcomes[name] = refusal.message
            except Exception:  # pragma: no cover - shown in the assertion
                database.session.rollback()
                outcomes[name] = traceback.format_exc()
            finally:
                database.session.remove()

    def decline():
        placement = database.session.scalars(database.select(Placement).filter_by(application_id=f[2],
                                                                                  offer_id=b)).one()
        services.answer(database.session.get(User, w.owner_ids[f[2]]), placement, "decline", now=pw_now)

    def withdraw():
        inside.wait(10)
        application_services.withdraw(database.session.get(User, w.owner_ids[f[4]]),
                                      database.session.get(Application, f[4]), now=pw_now)

    threads = [threading.Thread(target=run, args=("decline", decline)),
               threading.Thread(target=run, args=("withdraw", withdraw))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes["decline"] == "ok", outcomes["decline"]
    assert outcomes["withdraw"] in ("ok", "changed meanwhile", cascade.BUSY), outcomes["withdraw"]
    monkeypatch.setattr(cascade, "fill", original)
    pw_check(w)
