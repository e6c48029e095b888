"""What each demonstration account finds on its home page, in French, for the end of
`flask seed-demo`: read from the database with the same services the home pages call (the
member's and the chair's todos, the candidate's live placement), so that the sentence printed is
the page's truth, not the seed's intention.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from ..amci.models import Nomination, Transmittal
from ..applications.models import Applicant, Application
from ..auth.models import User
from ..campaigns.models import PHASE_LABELS, PHASES, Campaign
from ..committee import deliberating, reviewing
from ..extensions import db
from ..placement import services as placing
from ..placement.models import Placement


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _fr(moment) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M")


def candidate(user: User, today: date) -> list[str]:
    lines = []
    applications = db.session.scalars(select(Application).join(Applicant).where(Applicant.user_id == user.id)
                                      .order_by(Application.id)).all()
    for application in applications:
        placement = placing.live_placement(application)
        if placement is not None and placement.status == "offered":
            offer = placement.offer
            lines.append(f"une place à accepter ou refuser avant le {_fr(placement.deadline)} : "
                         f"{offer.programme.title} — {offer.establishment.name} ({offer.establishment.city}), "
                         f"{application.campaign.code} (page « Mon affectation »)")
        elif application.status == "draft":
            lines.append(f"un brouillon à compléter ({application.campaign.code})")
    opened = db.session.scalars(select(Campaign.code).where(Campaign.phase == "open")).all()
    if opened:
        lines.append("les appels ouverts où postuler : " + ", ".join(opened))
    return lines


def manager(today: date) -> list[str]:
    phases = Counter(db.session.scalars(select(Campaign.phase)))
    lines = [f"la liste des campagnes et le tableau de bord de l'année : {sum(phases.values())} campagnes ("
             + ", ".join(f"{phases[p]} « {PHASE_LABELS[p]} »" for p in PHASES if phases.get(p)) + ")"]
    offered = db.session.scalar(select(func.count(Placement.id)).where(Placement.status == "offered")) or 0
    waiting = db.session.scalar(select(func.count(Transmittal.id)).where(
        Transmittal.status.in_(("sent", "received")))) or 0
    todo = []
    if offered:
        todo.append(f"{offered} place(s) proposée(s) en attente de réponse")
    if waiting:
        todo.append(f"{waiting} bordereau(x) en attente de la réponse de l'AMCI")
    if todo:
        lines.append("à faire : " + ", ".join(todo))
    return lines


def member(user: User) -> list[str]:
    lines = []
    for todo in reviewing.home(user):
        left = todo.assigned - todo.submitted
        if left and not todo.locked:
            lines.append(f"{left} dossier(s) à noter sur {todo.assigned} ({todo.committee.campaign.code})")
        elif not todo.statement_signed:
            lines.append(f"la déclaration d'impartialité à signer ({todo.committee.campaign.code})")
    return lines


def chair(user: User) -> list[str]:
    lines = []
    for summary in deliberating.chair_summaries(user):
        if summary.opened and not summary.validated:
            lines.append(f"la délibération à valider : {summary.campaign_code}, {summary.files} dossiers "
                         f"({summary.next_step})")
    return lines + member(user)


def amci(today: date) -> list[str]:
    lines = []
    for campaign_id, code, count in db.session.execute(
            select(Nomination.campaign_id, Campaign.code, func.count(Nomination.id))
            .join(Campaign, Campaign.id == Nomination.campaign_id).where(Nomination.status != "withdrawn")
            .group_by(Nomination.campaign_id, Campaign.code).order_by(Campaign.code.desc())):
        lines.append(f"la liste nominative {code} ({count} candidats)")
    to_receive = db.session.scalars(select(Transmittal.number).where(Transmittal.status == "sent")).all()
    if to_receive:
        lines.append("bordereau(x) à réceptionner : " + ", ".join(to_receive))
    proposed = db.session.scalar(select(func.count(Nomination.id)).where(Nomination.status == "proposed")) or 0
    if proposed:
        lines.append(f"{proposed} candidat(s) en attente de la commission mixte")
    from ..amci.alerts import alerts_for, all_campaign_ids
    from ..amci.followup_rules import counts as alert_counts

    due = alert_counts(alerts_for(all_campaign_ids(), today))
    visas, arrivals = due["visa"], due["arrival"]
    if visas or arrivals:
        lines.append(f"suivi à surveiller : {visas} visa(s) non accordé(s) à moins d'un mois de la formation, "
                     f"{arrivals} arrivée(s) non enregistrée(s) une semaine après le voyage")
    return lines


def admin() -> list[str]:
    roles = Counter(db.session.scalars(select(User.role)))
    staff = sum(n for r, n in roles.items() if r != "applicant")
    return [f"les comptes : {staff} comptes du personnel, {roles.get('applicant', 0)} comptes de candidats"]


def what_each_finds(today: date) -> list[tuple[str, list[str]]]:
    """(e-mail, what that account finds) for each demonstration account that exists."""
    found = []
    for email, read in (
            ("candidat@demo.ml", lambda u: candidate(u, today)), ("gestionnaire@demo.ml", lambda u: manager(today)),
            ("membre@demo.ml", member), ("president@demo.ml", chair), ("amci@demo.ml", lambda u: amci(today)),
            ("admin@demo.ml", lambda u: admin())):
        user = _user(email)
        if user is not None:
            found.append((email, read(user)))
    return found
