"""The demonstration data set: reference data, one account per role, an open campaign with its
rules, criteria, offers and committee. Idempotent: whatever already exists is kept, never
created twice, and the report says which rows were created and which were kept.

The caller commits once (see seed/cli.py).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from ..applications.models import Applicant
from ..audit.services import record
from ..auth.models import ROLE_LABELS, Consent, User
from ..auth.passwords import hash_password, verify_password
from ..auth.services import validate_password_strength
from ..auth.session import new_session_token
from ..campaigns.models import (
    Campaign, CampaignDocument, CampaignLevelRule, Criterion, Offer, campaign_series,
)
from ..committee.models import Committee, CommitteeMember
from ..extensions import db
from ..timeutil import utcnow
from .reference import seed_reference

# One strong password for every demonstration account (printed at the end of the command).
# Only meant for demonstration databases: it is public, in this file.
DEMO_PASSWORD = "Demo-Quota-2026!"

# email, role, full name, committee role (None: not on the committee)
DEMO_ACCOUNTS = [
    ("candidat@demo.ml", "applicant", "Awa Diarra", None),
    ("gestionnaire@demo.ml", "manager", "Moussa Keïta", None),
    ("membre@demo.ml", "committee", "Fatoumata Coulibaly", "member"),
    ("president@demo.ml", "committee", "Boubacar Sissoko", "chair"),
    ("amci@demo.ml", "amci", "Youssef El Amrani", None),
    ("admin@demo.ml", "admin", "Administrateur Quota", None),
]
# What the accounts table shows in the "Rôle" column (the chair is a committee member whose
# membership says "chair").
ACCOUNT_LABELS = {
    "candidat@demo.ml": "Candidat",
    "gestionnaire@demo.ml": "Gestionnaire",
    "membre@demo.ml": "Membre du comité",
    "president@demo.ml": "Président du comité",
    "amci@demo.ml": "Agent AMCI",
    "admin@demo.ml": "Administrateur",
}

DEMO_QUOTA = 50
DEMO_RESERVED = 17
LEVEL_MIN_AGE = 16
LEVEL_MAX_AGE = 25
# Series kinds a scientific or technical Bac belongs to (see reference.SERIES).
ALLOWED_SERIES_KINDS = ("scientifique", "technique")
# code, name, weight (% of the total), max score, prefill source
DEMO_CRITERIA = [
    ("DOSSIER", "Dossier scolaire", Decimal("40"), Decimal("20"), "diploma_average"),
    ("MOTIVATION", "Motivation", Decimal("20"), Decimal("20"), None),
    ("ENTRETIEN", "Entretien", Decimal("40"), Decimal("20"), None),
]
# programme code, establishment code, seats, reserved seats: 17 offers, 50 seats, 17 reserved.
DEMO_OFFERS = [
    ("TS-DD", "ISTA-CASA", 4, 2),
    ("TS-DD", "ISTA-RABAT", 3, 1),
    ("TS-IA", "ISTA-CASA", 4, 2),
    ("TS-IR", "ISTA-TANGER", 3, 1),
    ("T-ID", "ISTA-MARRAKECH", 2, 1),
    ("T-MI", "ISTA-FES", 3, 1),
    ("TS-EM", "ISTA-TANGER", 3, 1),
    ("TS-GE", "ISTA-OUJDA", 3, 1),
    ("Q-SOU", "ISTA-AGADIR", 2, 0),
    ("Q-CONF", "ISTHT-CASA", 3, 1),
    ("TS-MOD", "ISTHT-CASA", 3, 1),
    ("T-PCI", "ISTHT-CASA", 3, 1),
    ("TS-AGRO", "ITSA-MEKNES", 4, 1),
    ("T-PA", "ITSA-MEKNES", 3, 1),
    ("TS-GEA", "ITSA-MEKNES", 3, 1),
    ("S-ARB", "ITSA-MEKNES", 2, 0),
    ("TS-AGRO", "ISTA-AGADIR", 2, 1),
]
assert sum(o[2] for o in DEMO_OFFERS) == DEMO_QUOTA
assert sum(o[3] for o in DEMO_OFFERS) == DEMO_RESERVED


def demo_campaign_code(year: int) -> str:
    return f"DEMO-{year}"


@dataclass
class SeedReport:
    """What a run created and what it found already there, in French, for the terminal."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    campaign: Campaign | None = None
    # For the rest of the year (seed/year.py): the reference data by code, the accounts by e-mail.
    ref: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def add(self, was_created: bool, label: str) -> None:
        (self.created if was_created else self.kept).append(label)


def _get_or_add(model, lookup: dict, values: dict | None = None):
    """The row matching `lookup`, or a new one (flushed). Returns (row, created)."""
    row = db.session.execute(select(model).filter_by(**lookup)).scalar_one_or_none()
    if row is not None:
        return row, False
    row = model(**lookup, **(values or {}))
    db.session.add(row)
    db.session.flush()
    return row, True


def _seed_accounts(report: SeedReport) -> dict[str, User]:
    validate_password_strength(DEMO_PASSWORD)
    users = {}
    consent_version = current_app.config["CONSENT_VERSION"]
    for email, role, full_name, _ in DEMO_ACCOUNTS:
        user = db.session.execute(
            select(User).where(func.lower(User.email) == email)
        ).scalar_one_or_none()
        created = user is None
        if created:
            validate_password_strength(DEMO_PASSWORD, email)
            user = User(
                email=email, password_hash=hash_password(DEMO_PASSWORD), full_name=full_name, role=role,
                session_token=new_session_token(), is_active_account=True,
            )
            db.session.add(user)
            db.session.flush()
        report.add(created, f"compte {email} ({ROLE_LABELS[role]})")
        report.accounts.append({
            "email": email,
            "role": ACCOUNT_LABELS[email],
            # An account kept from an earlier run shows the demo password only if it still works.
            "password": DEMO_PASSWORD if created or verify_password(user.password_hash, DEMO_PASSWORD)
            else "(modifié depuis)",
            "created": created,
            "actual_role": user.role,
            "role_code": role,
        })
        users[email] = user
        if role == "applicant":
            _, made = _get_or_add(Applicant, {"user_id": user.id}, {"source": "web"})
            report.add(made, f"fiche candidat de {email}")
            _, made = _get_or_add(
                Consent, {"user_id": user.id, "text_version": consent_version}, {"given_at": utcnow()}
            )
            report.add(made, f"consentement {consent_version} de {email}")
    return users


def _campaign_values(today: date, year: int) -> dict:
    opens = datetime.combine(today - timedelta(days=30), time(8, 0))
    closes = datetime.combine(today + timedelta(days=60), time(23, 59))
    return dict(
        title=f"Quota annuel de jeunes {year}-{year + 1} (démonstration)",
        kind="quota",
        year=year,
        description=(
            "Campagne de démonstration : formation professionnelle au Maroc (OFPPT) avec une "
            "bourse de l'AMCI. Bac scientifique ou technique, 25 ans au plus au 1er septembre."
        ),
        phase="open",
        reference_date=date(year, 9, 1),
        opens_at=opens,
        closes_at=closes,
        announced_quota=DEMO_QUOTA,
        reserved_sex="F",
        reviewers_per_file=2,
        decision_deadline=closes + timedelta(days=45),
        reference_prefix="MLI",
    )


def _seed_campaign(ref: dict, today: date, report: SeedReport) -> Campaign:
    year = today.year
    code = demo_campaign_code(year)
    campaign, created = _get_or_add(Campaign, {"code": code}, _campaign_values(today, year))
    report.add(created, f"campagne {code}")

    made = 0
    for level in sorted(ref["levels"].values(), key=lambda lv: lv.position):
        _, new = _get_or_add(
            CampaignLevelRule, {"campaign_id": campaign.id, "level_id": level.id},
            {"min_age": LEVEL_MIN_AGE, "max_age": LEVEL_MAX_AGE},
        )
        made += new
    report.add(bool(made), f"règles d'âge par niveau ({made or len(ref['levels'])})")

    made = 0
    for doc in ref["document_types"].values():
        _, new = _get_or_add(
            CampaignDocument, {"campaign_id": campaign.id, "document_type_id": doc.id}, {"required": True}
        )
        made += new
    report.add(bool(made), f"pièces exigées ({made or len(ref['document_types'])})")

    allowed = [s for s in ref["series"].values() if s.kind in ALLOWED_SERIES_KINDS]
    present = set(db.session.execute(
        select(campaign_series.c.series_id).where(campaign_series.c.campaign_id == campaign.id)
    ).scalars())
    missing = [s for s in allowed if s.id not in present]
    if missing:
        db.session.execute(campaign_series.insert(), [
            {"campaign_id": campaign.id, "series_id": s.id} for s in missing])
        db.session.expire(campaign, ["allowed_series"])
    report.add(bool(missing), "séries admises : " + ", ".join(sorted(s.code for s in allowed)))

    made = 0
    for position, (ccode, name, weight, max_score, prefill) in enumerate(DEMO_CRITERIA, start=1):
        _, new = _get_or_add(Criterion, {"campaign_id": campaign.id, "code": ccode}, dict(
            name=name, weight=weight, max_score=max_score, prefill_source=prefill, position=position))
        made += new
    report.add(bool(made), f"critères d'évaluation ({made or len(DEMO_CRITERIA)})")

    made = 0
    for prog, est, seats, reserved in DEMO_OFFERS:
        programme, establishment = ref["programmes"][prog], ref["establishments"][est]
        _, new = _get_or_add(
            Offer,
            {"campaign_id": campaign.id, "programme_id": programme.id, "establishment_id": establishment.id},
            {"code": f"{prog}-{est}", "seats": seats, "reserved_seats": reserved},
        )
        made += new
    report.add(bool(made), f"offres de places ({made or len(DEMO_OFFERS)}, {DEMO_QUOTA} places dont "
                           f"{DEMO_RESERVED} réservées aux jeunes femmes)")
    return campaign


def _seed_committee(campaign: Campaign, users: dict[str, User], report: SeedReport) -> Committee:
    committee, created = _get_or_add(
        Committee, {"campaign_id": campaign.id, "name": f"Comité de sélection {campaign.code}"},
        {"created_at": utcnow()},
    )
    report.add(created, f"comité « {committee.name} »")
    for email, _, _, member_role in DEMO_ACCOUNTS:
        if member_role is None:
            continue
        existing = db.session.execute(select(CommitteeMember).filter_by(committee_id=committee.id)).scalars()
        if member_role == "chair" and any(
                m.role == "chair" and m.user_id != users[email].id for m in existing):
            report.kept.append(f"présidence du comité (déjà attribuée, {email} non nommé)")
            continue
        _, made = _get_or_add(
            CommitteeMember, {"committee_id": committee.id, "user_id": users[email].id},
            {"role": member_role, "active": True},
        )
        report.add(made, f"{email} au comité ({'président' if member_role == 'chair' else 'membre'})")
    return committee


def seed_demo(today: date | None = None) -> SeedReport:
    """Reference data, demonstration accounts, campaign and committee. Idempotent."""
    today = today or utcnow().date()
    report = SeedReport()
    before = _reference_counts()
    ref = seed_reference()
    after = _reference_counts()
    for label, count in after.items():
        added = count - before[label]
        report.add(bool(added), f"référentiel {label} ({added if added else count})")
    users = _seed_accounts(report)
    campaign = _seed_campaign(ref, today, report)
    _seed_committee(campaign, users, report)
    report.campaign, report.ref, report.users = campaign, ref, users
    if report.created:
        record(
            None, "seed_demo", campaign, object_type="campaigns", campaign_id=campaign.id,
            after={"created": report.created},
            reason="Données de démonstration (flask seed-demo)",
        )
    db.session.flush()
    return report


def _reference_counts() -> dict[str, int]:
    from ..reference.models import (
        Diploma, DocumentType, Establishment, IneligibilityReason, Level, Programme, Region, Sector,
        Series,
    )

    models = [
        ("diplômes", Diploma), ("séries", Series), ("niveaux", Level), ("secteurs", Sector),
        ("filières", Programme), ("établissements", Establishment), ("régions", Region),
        ("types de pièces", DocumentType), ("motifs de non-recevabilité", IneligibilityReason),
    ]
    return {label: db.session.scalar(select(func.count()).select_from(m)) for label, m in models}


def demo_campaign(year: int | None = None) -> Campaign | None:
    year = year or utcnow().date().year
    return db.session.execute(
        select(Campaign).filter_by(code=demo_campaign_code(year))
    ).scalar_one_or_none()
