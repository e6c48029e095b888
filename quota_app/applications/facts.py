"""What applications lend the lower packages: to the campaign (campaigns/stages.py) counts per
status and offers chosen; to auth (auth/hooks.py) the Applicant row of a new applicant's account
and the paper files an applicant claims with their phone number."""
from sqlalchemy import func, select, update

from ..audit.services import record
from ..auth.hooks import PaperFile
from ..errors import ValidationFailed

from ..extensions import db
from .models import Applicant, Application, ApplicationChoice


def phase_facts(campaign_id: int) -> dict:
    return {"status_counts": dict(db.session.execute(
        select(Application.status, func.count()).where(Application.campaign_id == campaign_id)
        .group_by(Application.status)).all())}


def offer_chosen(offer_id: int) -> bool:
    return db.session.execute(
        select(ApplicationChoice.id).where(ApplicationChoice.offer_id == offer_id).limit(1)).first() is not None


def add_applicant(user) -> None:
    """An applicant's account was opened (auth/hooks.py): the person who will apply."""
    db.session.add(Applicant(user_id=user.id, source="web"))


def paper_file(reference: str, phone: str):
    """The imported file of that reference, carrying that very number, not claimed yet."""
    row = db.session.execute(
        select(Application.applicant_id, Application.first_names, Application.last_name)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.reference == reference, Application.phone == phone,
               Applicant.source == "import", Applicant.user_id.is_(None))
    ).first()
    if row is None:
        return None
    return PaperFile(row.applicant_id, " ".join(p for p in (row.first_names, row.last_name) if p))


def link_paper_file(applicant_id: int, user) -> None:
    """The applicant becomes the account's, once (a concurrent claim gets a French refusal)."""
    claimed = db.session.execute(
        update(Applicant).where(Applicant.id == applicant_id, Applicant.user_id.is_(None))
        .values(user_id=user.id).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ValidationFailed("Ce dossier est déjà rattaché à un compte.")
    record(user, "applicant.claim", object_type="applicants", object_id=applicant_id, after={"user_id": user.id})
