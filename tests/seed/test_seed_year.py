"""flask seed-demo, the whole year: last year's youth campaign run to the end through the
services, this year's campaigns at every stage, and every demonstration account landing on a
page with real work. The demo is seeded once for these tests (conftest.py)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quota_app.amci.models import FollowUp, Nomination, Reconciliation, Transmittal
from quota_app.applications.models import Applicant, Application, ApplicationDocument
from quota_app.audit.models import AuditEvent
from quota_app.auth.models import User
from quota_app.campaigns.models import Campaign, CampaignDocument, OfferSeatChange
from quota_app.committee.models import (
    Committee, CommitteeMember, ConflictOfInterest, Deliberation, ReviewAssignment,
)
from quota_app.documents.models import SealedDocument
from quota_app.extensions import db
from quota_app.placement.models import AllocationRound, Placement
from quota_app.reference.models import DocumentType
from quota_app.seed import year

from seed_helpers import today_utc



def codes():
    return year.year_codes(today_utc().date())


def campaign(key):
    return db.session.execute(select(Campaign).filter_by(code=codes()[key])).scalar_one()


def files(campaign_, status=None):
    query = select(Application).where(Application.campaign_id == campaign_.id)
    if status:
        query = query.where(Application.status == status)
    return list(db.session.scalars(query.order_by(Application.id)))


def user(email):
    return db.session.execute(select(User).filter_by(email=email)).scalar_one()


def committee_of(campaign_):
    return db.session.execute(select(Committee).filter_by(campaign_id=campaign_.id)).scalar_one()


def assignments(campaign_, email, status=None):
    query = (select(ReviewAssignment).join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
             .join(Committee, Committee.id == CommitteeMember.committee_id)
             .where(Committee.campaign_id == campaign_.id, CommitteeMember.user_id == user(email).id))
    if status:
        query = query.where(ReviewAssignment.status == status)
    return list(db.session.scalars(query))


def signed_in(app, email):
    """A test client signed in as that account (as tests/foundation/test_access_matrix.py does)."""
    client = app.test_client()
    with app.app_context():
        token = user(email).session_token
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", text.replace("&#39;", "'"))


# --- the runs --------------------------------------------------------------------------------

def test_the_second_run_keeps_every_campaign_of_the_year(demo):
    second = demo["second"].output
    for code in codes().values():
        assert f"conservé campagne {code}" in second
    assert demo["counts"][0] == demo["counts"][1]
    first = demo["first"].output
    assert "Ce que chaque compte trouve en se connectant" in first
    for email in ("candidat@demo.ml", "membre@demo.ml", "president@demo.ml", "amci@demo.ml"):
        assert email in first.split("Ce que chaque compte trouve")[1]


def test_the_year_is_audited_once_and_dated_on_the_demo_calendar(app, demo):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "seed_demo.year")) == 1
        last = campaign("last_year")
        submissions = db.session.scalars(select(AuditEvent.at).where(
            AuditEvent.action == "application.submit", AuditEvent.campaign_id == last.id)).all()
        assert submissions and {at.year for at in submissions} == {last.year}
        assert all(last.opens_at <= at <= last.closes_at for at in submissions)


# --- last year: run to the end ------------------------------------------------------------------

def test_last_year_is_closed_after_a_whole_year_of_work(app, demo):
    with app.app_context():
        last = campaign("last_year")
        assert last.phase == "closed" and last.kind == "quota" and last.year == today_utc().year - 1
        statuses = {a.status for a in files(last)}
        assert {"draft", "withdrawn", "ineligible", "enrolled", "abandoned", "amci_refused"} <= statuses
        # Submitted by their applicants through the services: each file has its documents.
        submitted = [a for a in files(last) if a.submitted_at is not None]
        assert len(submitted) > 60
        assert all(last.opens_at <= a.submitted_at <= last.closes_at for a in submitted)
        documents = db.session.scalar(select(func.count(ApplicationDocument.id)).where(
            ApplicationDocument.application_id.in_([a.id for a in submitted])))
        assert documents >= 5 * len(submitted)
        # Every file of an applicant with an account of their own.
        owners = db.session.scalars(select(Applicant.user_id).join(Application).where(
            Application.campaign_id == last.id)).all()
        assert None not in owners


def test_last_year_committee_deliberated_and_both_pvs_are_sealed(app, demo):
    with app.app_context():
        last = campaign("last_year")
        committee = committee_of(last)
        deliberation = db.session.execute(select(Deliberation).filter_by(committee_id=committee.id)).scalar_one()
        assert deliberation.status == "validated" and deliberation.validated_at.year == last.year
        assert deliberation.minutes_document_id is not None
        assert db.session.get(SealedDocument, deliberation.minutes_document_id).pdf
        kinds = set(db.session.scalars(select(SealedDocument.kind)))
        assert "pv" in kinds
        assert db.session.scalar(select(func.count(ConflictOfInterest.id)).join(CommitteeMember).where(
            CommitteeMember.committee_id == committee.id)) == 2
        pending = db.session.scalar(select(func.count(ReviewAssignment.id)).join(CommitteeMember).where(
            CommitteeMember.committee_id == committee.id, ReviewAssignment.status != "submitted"))
        assert pending == 0
        sealed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "placement.pv.seal",
                                                             AuditEvent.campaign_id == last.id)).all()
        assert len(sealed) == 1


def test_last_year_answers_declines_a_silence_and_promotions(app, demo):
    with app.app_context():
        last = campaign("last_year")
        placements = list(db.session.scalars(select(Placement).join(Application).where(
            Application.campaign_id == last.id)))
        statuses = {p.status for p in placements}
        assert {"accepted", "declined", "expired", "refused", "reoriented"} <= statuses
        assert "offered" not in statuses
        promotions = db.session.scalars(select(AllocationRound).where(
            AllocationRound.campaign_id == last.id, AllocationRound.kind == "waiting_list")).all()
        assert len(promotions) >= 4
        promoted = [p for p in placements if p.round_id in {r.id for r in promotions}]
        assert any(p.status == "accepted" for p in promoted)


def test_last_year_slips_went_to_the_amci_and_were_answered(app, demo):
    with app.app_context():
        last = campaign("last_year")
        sent = db.session.scalars(select(Transmittal).where(Transmittal.campaign_id == last.id)
                                  .order_by(Transmittal.sequence)).all()
        assert [(s.kind, s.status) for s in sent] == [("initial", "answered"), ("supplementary", "answered")]
        assert all(s.sealed_document_id and s.sent_on.year == last.year for s in sent)
        assert all(n.transmittal_id for n in db.session.scalars(select(Nomination).where(
            Nomination.campaign_id == last.id)))


def test_last_year_returned_list_reoriented_one_refused_one_and_replaced_them(app, demo):
    with app.app_context():
        last = campaign("last_year")
        reconciliation = db.session.execute(select(Reconciliation).filter_by(campaign_id=last.id)).scalar_one()
        assert reconciliation.status == "applied"
        assert reconciliation.counts["applied"]["reoriented"] == 1
        assert reconciliation.counts["applied"]["refused"] == 1
        nominations = list(db.session.scalars(select(Nomination).where(Nomination.campaign_id == last.id)))
        by_status = {}
        for n in nominations:
            by_status.setdefault(n.status, []).append(n)
        assert len(by_status["reoriented"]) == 1 and by_status["reoriented"][0].final_offer_id
        refused = by_status["refused"][0]
        assert db.session.get(Application, refused.application_id).status == "amci_refused"
        # The refused seat went down the waiting list: its replacement accepted and was nominated.
        # The refusal's round is named after its reason and the refused file: « motif (MLI-...) ».
        reference = db.session.get(Application, refused.application_id).reference
        round_ = db.session.execute(select(AllocationRound).where(
            AllocationRound.campaign_id == last.id, AllocationRound.kind == "waiting_list",
            AllocationRound.cause.endswith(f"({reference})"))).scalar_one()
        replacement = db.session.execute(select(Placement).filter_by(round_id=round_.id)).scalar_one()
        assert replacement.status == "accepted"
        nominated = {n.application_id: n for n in nominations}
        assert nominated[replacement.application_id].status == "confirmed"


def test_last_year_scholarships_follow_up_and_one_abandonment(app, demo):
    with app.app_context():
        last = campaign("last_year")
        enrolled = files(last, "enrolled")
        abandoned = files(last, "abandoned")
        assert len(enrolled) > 40 and len(abandoned) == 1
        rows = {f.application_id: f for f in db.session.scalars(select(FollowUp))}
        for application in enrolled + abandoned:
            row = rows[application.id]
            assert row.scholarship_granted and row.stipend_minor == 75_000 and row.stipend_currency == "MAD"
            assert row.visa_status == "granted" and row.arrival_date and row.enrolled_on
            assert row.amci_file_number and row.establishment_id
        gone = rows[abandoned[0].id]
        assert gone.abandoned_on and gone.abandonment_reason
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "amci.followup", AuditEvent.campaign_id == last.id, AuditEvent.reason != "")) > 40


# --- this year --------------------------------------------------------------------------------

def test_this_years_complementary_call_is_published_with_alerts_ahead(app, demo):
    with app.app_context():
        complementary = campaign("complementary")
        today = today_utc().date()
        assert complementary.phase == "published" and complementary.kind == "quota"
        assert today < complementary.training_starts_on <= today + timedelta(days=30)
        trainees = {f.application_id: f for f in db.session.scalars(select(FollowUp).join(Application).where(
            Application.campaign_id == complementary.id))}
        live = {a.id for a in files(complementary, "accepted")}
        # Alerts that fire today: visas not granted a month before the start, arrivals not
        # recorded a week after the travel date.
        assert any(f.visa_status != "granted" for i, f in trainees.items() if i in live)
        assert any(f.travel_date and f.travel_date <= today - timedelta(days=7) and f.arrival_date is None
                   for i, f in trainees.items() if i in live)
        assert files(complementary, "not_departed")
        statuses = sorted(s.status for s in db.session.scalars(select(Transmittal).where(
            Transmittal.campaign_id == complementary.id)))
        assert statuses == ["answered", "sent"]


def test_the_demo_applicant_has_a_seat_to_answer_before_a_deadline_ahead(app, demo):
    from quota_app.placement.services import live_placement

    with app.app_context():
        complementary = campaign("complementary")
        mine = db.session.scalars(select(Application).join(Applicant).where(
            Applicant.user_id == user("candidat@demo.ml").id)).all()
        assert [a.campaign_id for a in mine] == [complementary.id]
        placement = live_placement(mine[0])
        assert placement.status == "offered" and placement.deadline > today_utc()


def test_this_years_open_call_takes_applications(app, demo):
    with app.app_context():
        opened = db.session.execute(select(Campaign).filter_by(phase="open")).scalars().all()
        assert [c.code for c in opened] == [f"DEMO-{today_utc().year}"]
        assert opened[0].opens_at <= today_utc() <= opened[0].closes_at


def test_the_capacity_building_call_is_in_review_with_the_demo_members_files(app, demo):
    with app.app_context():
        trainers = campaign("trainers")
        assert trainers.kind == "capacity_building" and trainers.phase == "review"
        assert trainers.min_experience_years == 3
        letter = db.session.execute(select(DocumentType).filter_by(code="EMPLOYER_LETTER")).scalar_one()
        assert db.session.execute(select(CampaignDocument).filter_by(
            campaign_id=trainers.id, document_type_id=letter.id)).scalar_one().required
        eligible = files(trainers, "eligible")
        assert len(eligible) > 10 and files(trainers, "ineligible")
        assert all(a.employer_id and a.job_position and a.training_subject and a.years_experience >= 3
                   for a in eligible)
        for email in ("membre@demo.ml", "president@demo.ml"):
            mine = assignments(trainers, email)
            assert any(a.status == "pending" for a in mine)
        assert assignments(trainers, "membre@demo.ml", "submitted")
        assert assignments(trainers, "president@demo.ml", "submitted")
        declared = {m.user.email for m in db.session.scalars(
            select(CommitteeMember).join(ConflictOfInterest, ConflictOfInterest.member_id == CommitteeMember.id)
            .where(CommitteeMember.committee_id == committee_of(trainers).id))}
        assert {"membre@demo.ml", "president@demo.ml"} <= declared


def test_the_managers_call_waits_for_the_chairs_validation(app, demo):
    with app.app_context():
        managers = campaign("managers")
        assert managers.kind == "capacity_building" and managers.phase == "deliberation"
        committee = committee_of(managers)
        deliberation = db.session.execute(select(Deliberation).filter_by(committee_id=committee.id)).scalar_one()
        assert deliberation.status == "open" and deliberation.held_on and deliberation.place
        chair = db.session.execute(select(CommitteeMember).filter_by(
            committee_id=committee.id, role="chair")).scalar_one()
        assert chair.user.email == "president@demo.ml"
        assert not db.session.scalar(select(func.count(ReviewAssignment.id)).join(CommitteeMember).where(
            CommitteeMember.committee_id == committee.id, ReviewAssignment.status == "pending"))


def test_a_reorientation_takes_a_free_seat_or_one_added_in_the_seat_ledger(app, demo):
    """The joint committee's re-orientation: to a free seat of the new offer, else to a seat added
    to it, recorded in the offer's seat ledger; no other offer's seats change."""
    with app.app_context():
        last = campaign("last_year")
        changes = db.session.scalars(select(OfferSeatChange).filter_by(campaign_id=last.id)).all()
        reoriented = db.session.execute(select(Nomination).filter_by(
            campaign_id=last.id, status="reoriented")).scalar_one()
        assert all(c.offer_id == reoriented.final_offer_id for c in changes)


# --- every account lands on real work ------------------------------------------------------------

def test_the_applicant_lands_on_a_placement_to_answer(app, demo):
    text = page_text(signed_in(app, "candidat@demo.ml").get("/candidat/"))
    assert "Une place vous est proposée" in text
    assert "Mon affectation : répondre" in text


def test_the_member_lands_on_files_to_score(app, demo):
    text = page_text(signed_in(app, "membre@demo.ml").get("/comite/"))
    assert re.search(r"\d+ dossier\(s\) à noter", text)
    assert f"Comité de sélection {codes()['trainers']}" in text
    assert "Noter mes dossiers" in text


def test_the_chair_lands_on_a_deliberation_to_validate(app, demo):
    text = page_text(signed_in(app, "president@demo.ml").get("/comite/"))
    assert "Tout est prêt : vérifiez le classement et validez la délibération." in text
    assert f"({codes()['managers']})" in text


def test_the_amci_officer_lands_on_lists_and_a_slip_to_receive(app, demo):
    text = page_text(signed_in(app, "amci@demo.ml").get("/amci/"))
    with app.app_context():
        titles = [campaign(k).title for k in ("last_year", "complementary")]
    assert all(title in text for title in titles)
    assert "attendent la réponse de la commission mixte" in text
    assert "attend sa réception" in text
    assert "Rien n'attend votre action" not in text


def test_the_manager_lands_on_the_campaigns_and_the_years_dashboard(app, demo):
    client = signed_in(app, "gestionnaire@demo.ml")
    home = page_text(client.get("/gestion/"))
    assert "À faire maintenant" in home and "attendent la réponse du candidat" in home
    with app.app_context():
        all_codes = set(db.session.scalars(select(Campaign.code)))
        complementary = campaign("complementary").title
    assert all(code in home for code in all_codes)
    # The dashboard opens on the year's most recent campaign: the complementary call, published.
    dashboard = page_text(client.get("/gestion/tableau-de-bord/"))
    assert f"{complementary} · Affectation publiée" in dashboard
    assert "Chiffres clés" in dashboard


def test_the_admin_lands_on_the_accounts(app, demo):
    text = page_text(signed_in(app, "admin@demo.ml").get("/admin/comptes"))
    assert "gestionnaire@demo.ml" in text and "president@demo.ml" in text
