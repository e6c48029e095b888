"""What applications lends auth to claim a paper file (auth/hooks.py: paper_files).

This is the implementation proposed for quota_app/applications/facts.py, registered in
quota_app/features.py (`auth_hooks.paper_files.register("find", application_facts.paper_file)`,
`...register("link", application_facts.link_paper_file)`); until it is there, the account
tests register this copy (tests/auth/conftest.py). Once features.py registers it, this copy is
not used (the registry keeps the first entry) and may be deleted.
"""
from sqlalchemy import select, update

from quota_app.audit.services import record
from quota_app.auth.hooks import PaperFile
from quota_app.errors import ValidationFailed
from quota_app.extensions import db


def paper_file(reference: str, phone: str):
    """The imported file of that reference, carrying that very number, not claimed yet."""
    from quota_app.applications.models import Applicant, Application

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
    from quota_app.applications.models import Applicant

    claimed = db.session.execute(
        update(Applicant).where(Applicant.id == applicant_id, Applicant.user_id.is_(None))
        .values(user_id=user.id).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ValidationFailed("Ce dossier est déjà rattaché à un compte.")
    record(user, "applicant.claim", object_type="applicants", object_id=applicant_id, after={"user_id": user.id})
