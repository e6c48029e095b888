"""The file's warnings: what contradicts itself in a file without being a reason to refuse it.

A pure function, plain data in and out (no Flask, no session): the applicant sees these before
submitting (summary, identity step), the screening manager sees them on the file and counts
them in the queue (a file with a warning is not « Tous conformes »). Each warning has a stable
code, a message for the staff and one for the applicant, and the step where it can be checked.

    from quota_app.applications.warnings import file_warnings
    file_warnings(nina=..., birth_date=..., passport_number=..., passport_expiry=...,
                  reference_date=campaign.reference_date, today=date.today())

`warnings_of(application, today)` (services.py) builds these arguments from an Application.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from .. import identity
from ..identity import format_date

NINA_BIRTH_YEAR = "nina_birth_year"
PASSPORT_EXPIRED = "passport_expired"
PASSPORT_EXPIRING = "passport_expiring"
CODES = (NINA_BIRTH_YEAR, PASSPORT_EXPIRED, PASSPORT_EXPIRING)


@dataclass(frozen=True)
class FileWarning:
    code: str
    message_fr: str      # for the staff
    applicant_fr: str    # for the applicant, addressed as « vous »
    step: str = "identite"

    def as_dict(self) -> dict:
        return asdict(self)


def _nina(nina: str | None, birth_date: date | None) -> FileWarning | None:
    if birth_date is None:
        return None
    digits = identity.nina_birth_year_digits(nina)
    expected = f"{birth_date.year % 100:02d}"
    if digits is None or digits == expected:
        return None
    staff = identity.nina_warnings(nina, birth_date)[0]
    applicant = (
        f"Les 3e et 4e chiffres de votre NINA ({digits}) devraient être ceux de votre année de "
        f"naissance (« {expected} » pour {birth_date.year}). Vérifiez votre NINA et votre date de "
        "naissance à l'étape Identité. Si votre NINA est provisoire, vous pouvez soumettre : la DNFP "
        "le vérifiera."
    )
    return FileWarning(NINA_BIRTH_YEAR, staff, applicant)


def _passport(passport_number: str | None, expiry: date | None, reference_date: date,
              today: date) -> FileWarning | None:
    if not passport_number or expiry is None:
        return None
    if expiry < today:
        return FileWarning(
            PASSPORT_EXPIRED,
            f"Le passeport a expiré le {format_date(expiry)} : il faudra le renouveler avant le départ.",
            f"Votre passeport a expiré le {format_date(expiry)}. Vous pouvez soumettre votre dossier, mais "
            "il faudra le renouveler avant le départ au Maroc. Si la date est mal saisie, corrigez-la à "
            "l'étape Identité.")
    if identity.passport_expiry_state(expiry, reference_date) is None:
        return None
    months = identity.PASSPORT_MIN_VALID_MONTHS
    return FileWarning(
        PASSPORT_EXPIRING,
        f"Le passeport expire le {format_date(expiry)}, moins de {months} mois après le "
        f"{format_date(reference_date)} (début de la formation) : il devra être renouvelé pour le visa "
        "et le voyage.",
        f"Votre passeport expire le {format_date(expiry)}, moins de {months} mois après le "
        f"{format_date(reference_date)} (début de la formation) : il doit rester valable pour le visa et "
        "le voyage. Vous pouvez soumettre votre dossier, mais pensez à le faire renouveler.")


def file_warnings(*, nina: str | None, birth_date: date | None, passport_number: str | None,
                  passport_expiry: date | None, reference_date: date, today: date) -> list[FileWarning]:
    """The file's warnings, in the order of the identity step. Never a refusal."""
    found = [_nina(nina, birth_date), _passport(passport_number, passport_expiry, reference_date, today)]
    return [warning for warning in found if warning is not None]
