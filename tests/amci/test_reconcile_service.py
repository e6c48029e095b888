"""The returned list's dry run and its all-or-nothing application (amci/reconcile_service.py)."""
from __future__ import annotations

import threading
import time

import pytest

from reconcile_helpers import ANSWERED, nominated, other_offer, row_for, unoffered_pair, workbook


@pytest.fixture
def listed(db, amci_world):
    """An AMCI world with its nominative list established (every accepted candidate nominated)."""
    from quota_app.amci.nominations import nominate

    def make(**kwargs):
        w = amci_world(**kwargs)
        nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
        db.session.commit()
        return w
    return make


def _service():
    from quota_app.amci import reconcile_service
    return reconcile_service


def _state(db, campaign_id):
    """Everything a reconciliation may move, to compare before and after."""
    from quota_app.amci.models import Nomination, Transmittal
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Offer
    from quota_app.notifications.models import OutboxMessage
    from quota_app.placement.models import Placement

    db.session.expire_all()
    return {
        "nominations": sorted(db.session.execute(db.select(
            Nomination.id, Nomination.status, Nomination.version, Nomination.final_offer_id)).all()),
        "applications": sorted(db.session.execute(db.select(Application.id, Application.status)).all()),
        "placements": sorted(db.session.execute(db.select(Placement.id, Placement.status, Placement.offer_id)).all()),
        "offers": sorted(db.session.execute(db.select(Offer.id, Offer.seats)).all()),
        "outbox": db.session.scalar(db.select(db.func.count(OutboxMessage.id))),
        "slips": sorted(db.session.execute(db.select(Transmittal.id, Transmittal.status)).all()),
    }


def _events(db, action):
    from quota_app.audit.models import AuditEvent
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def _mixed_file(db, w):
    """Row by row: confirmed, refused (with its reason), re-oriented, a stranger."""
    first, second, third = nominated(db, w.campaign_id)[:3]
    target = other_offer(db, third)
    data = workbook([
        row_for(first, "Retenu", n=1),
        row_for(second, "Non retenu", reason="Dossier incomplet à l'AMCI", n=2),
        row_for(third, "Réorienté", reason="Filière plus proche du diplôme", programme=target.programme.code,
                establishment=target.establishment.name, city=target.establishment.city, n=3),
        (4, "MLI-2099-999999", "INCONNU", "Personne", None, "Retenu", "", "", "", ""),
    ])
    return data, (first, second, third, target)


def test_the_dry_run_writes_the_reconciliation_and_nothing_else(db, listed):
    from quota_app.amci.models import Reconciliation

    w = listed()
    data, _ = _mixed_file(db, w)
    before = _state(db, w.campaign_id)
    reconciliation = _service().dry_run(w.world.manager(db), w.campaign_id, data, "../../Liste AMCI.xlsx",
                                        now=ANSWERED)
    db.session.commit()
    assert _state(db, w.campaign_id) == before
    stored = db.session.get(Reconciliation, reconciliation.id)
    assert (stored.status, stored.filename, len(stored.sha256)) == ("dry_run", "Liste AMCI.xlsx", 64)
    assert stored.plan["sheet"] == "Liste" and stored.plan["header_row"] == 3   # behind the cover, under the title
    assert [e.after["counts"]["rows"] for e in _events(db, "amci.reconcile.dry_run")] == [4]


def test_the_diff_shows_every_difference_before_and_after(db, listed):
    w = listed()
    data, (first, second, third, target) = _mixed_file(db, w)
    reconciliation = _service().dry_run(w.world.manager(db), w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    counts = reconciliation.counts
    assert {k: counts[k] for k in ("confirmed", "reoriented", "refused", "unchanged", "probable", "unknown",
                                   "errors")} == {"confirmed": 1, "reoriented": 1, "refused": 1, "unchanged": 0,
                                                  "probable": 0, "unknown": 1, "errors": 0}
    rows = {r["row"]: r for r in reconciliation.plan["rows"]}
    assert rows[4]["nomination_id"] == first.id and rows[4]["changes"][0]["after"] == "Confirmé"
    assert rows[5]["nomination_id"] == second.id
    assert {"field": "Motif", "before": "—", "after": "Dossier incomplet à l'AMCI"} in rows[5]["changes"]
    moved = next(c for c in rows[6]["changes"] if c["field"] == "Formation")
    assert moved["before"].startswith(third.offer.code) and moved["after"].startswith(target.code)
    assert rows[7]["category"] == "unknown"


def test_apply_refuses_reorients_and_confirms_and_calls_the_waiting_list(db, listed):
    from quota_app.amci.models import Nomination, Reconciliation, Transmittal
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Offer
    from quota_app.placement.models import Placement

    w = listed()
    data, (first, second, third, target) = _mixed_file(db, w)
    manager = w.world.manager(db)
    slip = Transmittal(campaign_id=w.campaign_id, number="BT-2026-001", year=2026, sequence=1, sender="DNFP",
                       recipient="AMCI", status="sent")   # sent: the answer proves it arrived
    db.session.add(slip)
    db.session.commit()
    held = db.session.scalars(db.select(Placement).where(Placement.id == second.placement_id)).one()
    seat = (held.offer_id, held.seat_kind, held.seat_number)
    old_of_third = db.session.get(Placement, third.placement_id)
    seats_before = target.seats
    reconciliation = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", transmittal_id=slip.id,
                                        now=ANSWERED)
    db.session.commit()
    result = _service().apply(manager, reconciliation.id, set(), reconciliation.version, now=ANSWERED)
    db.session.commit()
    assert result.applied == {"confirmed": 1, "reoriented": 1, "refused": 1} and result.ignored_unknown == 1
    db.session.expire_all()
    assert db.session.get(Nomination, first.id).status == "confirmed"
    # The refusal frees the seat, offered at once to the first of the waiting list.
    assert db.session.get(Nomination, second.id).status == "refused"
    assert db.session.get(Application, second.application_id).status == "amci_refused"
    taker = db.session.scalars(db.select(Placement).where(
        Placement.offer_id == seat[0], Placement.seat_kind == seat[1], Placement.seat_number == seat[2],
        Placement.status == "offered")).one()
    assert taker.application_id in w.waiting
    # The re-orientation moves the placement; the full target gets a seat for the candidate.
    moved = db.session.get(Nomination, third.id)
    assert (moved.status, moved.final_offer_id) == ("reoriented", target.id)
    assert db.session.get(Placement, old_of_third.id).status == "reoriented"
    assert db.session.get(Placement, moved.placement_id).offer_id == target.id
    assert db.session.get(Offer, target.id).seats == seats_before + 1
    assert db.session.get(Reconciliation, reconciliation.id).status == "applied"
    answered = db.session.get(Transmittal, slip.id)
    assert (answered.status, answered.answered_by_id) == ("answered", manager.id) and answered.received_at
    event = _events(db, "amci.reconcile.apply")[0]
    assert event.after["applied"] == {"confirmed": 1, "reoriented": 1, "refused": 1}


def test_reimporting_the_same_list_after_applying_changes_nothing_and_a_second_apply_is_refused(db, listed):
    from quota_app.errors import Conflict

    w = listed()
    data, _ = _mixed_file(db, w)
    manager = w.world.manager(db)
    first = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    _service().apply(manager, first.id, set(), first.version, now=ANSWERED)
    db.session.commit()
    after = _state(db, w.campaign_id)
    with pytest.raises(Conflict, match="déjà été appliquée"):
        _service().apply(manager, first.id, set(), None, now=ANSWERED)
    db.session.rollback()
    again = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    assert again.counts["changes"] == 0
    assert (again.counts["unchanged"], again.counts["unknown"], again.counts["errors"]) == (3, 1, 0)
    _service().apply(manager, again.id, set(), again.version, now=ANSWERED)
    db.session.commit()
    assert _state(db, w.campaign_id) == after


def test_one_failing_row_rolls_every_row_back(db, listed, monkeypatch):
    from quota_app.amci import effects
    from quota_app.amci.models import Reconciliation
    from quota_app.errors import InvalidTransition

    w = listed()
    data, _ = _mixed_file(db, w)
    manager = w.world.manager(db)
    reconciliation = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    before = _state(db, w.campaign_id)
    confirmed = []
    original = effects.confirm

    def spy(*args, **kwargs):
        confirmed.append(original(*args, **kwargs))
        return confirmed[-1]

    def broken(*args, **kwargs):
        raise InvalidTransition("Panne simulée au deuxième candidat.")

    monkeypatch.setattr(effects, "confirm", spy)
    monkeypatch.setattr(effects, "free_seat", broken)
    with pytest.raises(InvalidTransition, match="Panne simulée"):
        _service().apply(manager, reconciliation.id, set(), reconciliation.version, now=ANSWERED)
    assert confirmed == [True]   # the first row had been applied...
    db.session.rollback()
    assert _state(db, w.campaign_id) == before   # ... and is undone with the rest
    assert db.session.get(Reconciliation, reconciliation.id).status == "dry_run"
    assert not _events(db, "amci.reconcile.apply") and not _events(db, "amci.confirm")


def test_a_plan_gone_stale_is_refused(db, listed):
    from quota_app.amci import effects
    from quota_app.errors import Conflict

    w = listed()
    data, (first, *_rest) = _mixed_file(db, w)
    manager = w.world.manager(db)
    reconciliation = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    effects.confirm(manager, first, now=ANSWERED)   # recorded by hand meanwhile
    db.session.commit()
    before = _state(db, w.campaign_id)
    with pytest.raises(Conflict, match="a changé depuis l'analyse"):
        _service().apply(manager, reconciliation.id, set(), reconciliation.version, now=ANSWERED)
    db.session.rollback()
    assert _state(db, w.campaign_id) == before
    with pytest.raises(Conflict, match="relisez-la"):
        _service().apply(manager, reconciliation.id, set(), reconciliation.version + 5, now=ANSWERED)
    db.session.rollback()


def test_a_probable_match_is_applied_only_when_confirmed(db, listed):
    from quota_app.amci.models import Nomination
    from quota_app.errors import ValidationFailed

    w = listed()
    first, second = nominated(db, w.campaign_id)[:2]
    a = first.application
    data = workbook([
        (1, None, f"{a.first_names} {a.last_name}".lower(), "", a.birth_date, "Confirmé", "", "", "", ""),
        row_for(second, "Confirmé", n=2),
    ])
    manager = w.world.manager(db)
    plan = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    rows = {r["row"]: r for r in plan.plan["rows"]}
    assert (rows[4]["category"], rows[4]["nomination_id"]) == ("probable", first.id)
    with pytest.raises(ValidationFailed):
        _service().apply(manager, plan.id, {5}, plan.version, now=ANSWERED)
    db.session.rollback()
    _service().apply(manager, plan.id, set(), plan.version, now=ANSWERED)
    db.session.commit()
    assert db.session.get(Nomination, first.id).status == "proposed"     # not confirmed: not applied
    assert db.session.get(Nomination, second.id).status == "confirmed"
    again = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    _service().apply(manager, again.id, {4}, again.version, now=ANSWERED)
    db.session.commit()
    assert db.session.get(Nomination, first.id).status == "confirmed"


def test_a_reorientation_to_a_programme_not_offered_creates_the_offer_with_the_candidates_seat(db, listed):
    from quota_app.amci.models import Nomination
    from quota_app.campaigns.models import Offer, OfferSeatChange

    w = listed()
    nomination = nominated(db, w.campaign_id)[0]
    programme, establishment = unoffered_pair(db, w.campaign_id)
    data = workbook([row_for(nomination, "Réorientation", programme=programme.code,
                             establishment=establishment.code)])
    manager = w.world.manager(db)
    plan = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    row = plan.plan["rows"][0]
    assert row["category"] == "reoriented" and row["new_offer"]["label"].endswith("offre à créer")
    assert plan.counts["offers_to_create"] == 1
    result = _service().apply(manager, plan.id, set(), plan.version, now=ANSWERED)
    db.session.commit()
    offer = db.session.scalars(db.select(Offer).where(
        Offer.campaign_id == w.campaign_id, Offer.programme_id == programme.id,
        Offer.establishment_id == establishment.id)).one()
    assert result.offers_created == [offer.code]
    assert (offer.seats, offer.reserved_seats) == (1, 0)
    assert db.session.scalars(db.select(OfferSeatChange).where(OfferSeatChange.offer_id == offer.id)).one().seats_before == 0
    assert db.session.get(Nomination, nomination.id).final_offer_id == offer.id
    assert [e.object_id for e in _events(db, "offer.create") if e.object_id == str(offer.id)]
    again = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    assert again.counts["changes"] == 0 and again.counts["unchanged"] == 1


def test_a_list_cannot_answer_a_slip_not_yet_sent(db, listed):
    from quota_app.amci.models import Transmittal
    from quota_app.errors import ValidationFailed

    w = listed()
    data, _ = _mixed_file(db, w)
    slip = Transmittal(campaign_id=w.campaign_id, number="BT-2026-001", year=2026, sequence=1, sender="DNFP",
                       recipient="AMCI", status="prepared")
    db.session.add(slip)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="pas encore été envoyé"):
        _service().dry_run(w.world.manager(db), w.campaign_id, data, "retour.xlsx", transmittal_id=slip.id,
                           now=ANSWERED)


def test_a_file_with_errors_cannot_be_applied(db, listed):
    from quota_app.errors import InvalidTransition

    w = listed()
    first = nominated(db, w.campaign_id)[0]
    data = workbook([row_for(first, "Refusé")])   # no reason
    manager = w.world.manager(db)
    plan = _service().dry_run(manager, w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    assert plan.counts["errors"] == 1
    assert plan.plan["rows"][0]["errors"][0]["column"] == "Motif"
    with pytest.raises(InvalidTransition, match="1 ligne\\(s\\) en erreur"):
        _service().apply(manager, plan.id, set(), plan.version, now=ANSWERED)
    db.session.rollback()


@pytest.mark.parametrize("data, message", [
    (b"Nom;Decision\nDIALLO;Retenu\n", "n'est pas un classeur Excel"),
    (b"", "Le fichier est vide"),
])
def test_a_file_that_is_not_xlsx_is_refused_in_french(db, listed, data, message):
    from quota_app.amci.models import Reconciliation
    from quota_app.errors import ImportRejected

    w = listed()
    with pytest.raises(ImportRejected) as refused:
        _service().dry_run(w.world.manager(db), w.campaign_id, data, "liste.csv", now=ANSWERED)
    assert message in refused.value.message
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Reconciliation.id))) == 0


def test_a_sheet_without_a_decision_column_is_refused(db, listed):
    from quota_app.errors import ImportRejected

    w = listed()
    first = nominated(db, w.campaign_id)[0]
    data = workbook([(first.application.reference, "x")], headers=("Référence", "Commentaire libre"), cover=False)
    with pytest.raises(ImportRejected, match="Aucune colonne de décision"):
        _service().dry_run(w.world.manager(db), w.campaign_id, data, "liste.xlsx", now=ANSWERED)


def test_the_template_lists_the_nominated_candidates_under_the_expected_columns(app, db, listed):
    import io

    from openpyxl import load_workbook

    w = listed()
    campaign = w.world.campaign(db)
    buf = io.BytesIO()
    _service().template_workbook(campaign).save(buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb[_service().SHEET_NAME]
    headers = [c.value for c in ws[1] if c.value]
    assert headers[:3] == ["Référence", "NINA", "N° passeport"] and "Décision" in headers and "Motif" in headers
    references = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(w.accepted))]
    assert references == [n.application.reference for n in nominated(db, w.campaign_id)]
    # The model, once filled in, reads back.
    ws.cell(row=2, column=headers.index("Décision") + 1, value="Confirmé")
    out = io.BytesIO()
    wb.save(out)
    plan = _service().dry_run(w.world.manager(db), w.campaign_id, out.getvalue(), "modele.xlsx", now=ANSWERED)
    assert plan.counts["confirmed"] == 1 and plan.counts["errors"] == len(w.accepted) - 1   # decisions missing


@pytest.mark.postgres_only
@pytest.mark.parametrize("threads", [2, 4])
def test_managers_applying_the_same_list_at_once_apply_it_once(app, db, listed, monkeypatch, threads):
    """Requests released together: one applies, the others wait on the campaign's lock, then find
    the list applied and say so in French; nothing is applied twice and no request fails."""
    from quota_app.amci import effects, reconcile_service
    from quota_app.amci.models import Nomination
    from quota_app.auth.models import User
    from quota_app.errors import DomainError
    from quota_app.extensions import db as _db

    w = listed()
    data, (first, second, third, _target) = _mixed_file(db, w)
    manager_id = w.world.manager_id
    plan = reconcile_service.dry_run(w.world.manager(db), w.campaign_id, data, "retour.xlsx", now=ANSWERED)
    db.session.commit()
    plan_id, version = plan.id, plan.version
    original = effects.confirm

    def slow(*args, **kwargs):  # the winner holds the lock a while: the others are surely waiting
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(effects, "confirm", slow)
    barrier = threading.Barrier(threads)
    answers = []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                actor = _db.session.get(User, manager_id)
                reconcile_service.apply(actor, plan_id, set(), version, now=ANSWERED)
                _db.session.commit()
                answers.append("applied")
            except DomainError as refusal:
                _db.session.rollback()
                answers.append(refusal.message)
            except Exception as error:  # a 500 in the app
                _db.session.rollback()
                answers.append(f"ERROR {error!r}")
            finally:
                _db.session.remove()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert answers.count("applied") == 1, answers
    assert all("déjà été appliquée" in a for a in answers if a != "applied"), answers
    db.session.expire_all()
    assert [db.session.get(Nomination, n.id).status for n in (first, second, third)] == [
        "confirmed", "refused", "reoriented"]
    assert len(_events(db, "amci.reconcile.apply")) == 1
    assert len(_events(db, "amci.refuse")) == 1
