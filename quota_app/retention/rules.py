"""How long an applicant's personal data is kept, and what anonymising it leaves. Pure: no Flask,
no database (the services gather the facts and apply the verdicts).

Retention (RETENTION_YEARS_AFTER_CLOSE, default 2): once a campaign is closed (phase
"closed") and that many years have passed since it closed, the files it did not select are
anonymised. When it closed is the moment of its move to « Clôturée » in the audit trail (the
campaign stores no closing timestamp of its own); a campaign whose move is not in the journal
counts from the end of its application window (`closes_at`), which is always earlier — and
never later than the move — so that such a campaign is never kept longer than the law allows.

Selected files (KEPT_STATUSES: placed, accepted, enrolled, and what the AMCI made of them)
are kept whole: they are the programme's record of its trainees and scholarships.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

# The files a campaign selected: the main list and what followed it (the joint committee's
# refusal, a departure that did not happen, an abandonment). Every other status is anonymised:
# drafts, submitted, eligible or not, evaluated, waiting list, not selected, declined, withdrawn.
KEPT_STATUSES = frozenset({"placed", "accepted", "enrolled", "amci_refused", "not_departed", "abandoned"})

# An erasure request is refused while the applicant holds a seat or a scholarship...
HOLDING_STATUSES = frozenset({"placed", "accepted", "enrolled", "abandoned"})
# ...or while one of their files is still being selected in a campaign that is not closed.
IN_SELECTION = frozenset({"submitted", "eligible", "evaluated", "waiting_list"})

# The file's columns that name or reach the person, emptied (birth_date keeps its year only).
PERSONAL_FIELDS = ("last_name", "first_names", "birth_place", "nina", "passport_number", "passport_expiry",
                   "phone", "email", "address", "school", "motivation", "correction_request",
                   "identity_warnings")
# What stays for the statistics.
STATISTICS_FIELDS = ("sex", "birth_date (année)", "nationality", "region_id", "diploma_id", "series_id",
                     "diploma_year", "diploma_average", "status", "choices")
# Keys of the audit trail's before/after values that hold personal data about the person.
PERSONAL_KEYS = frozenset(PERSONAL_FIELDS) | {"birth_date", "full_name", "login", "to", "to_email", "to_phone",
                                               "original_name", "destination", "search_name"}
ERASED = "[anonymisé]"


def add_years(moment: datetime, years: int) -> datetime:
    """The same day and time `years` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def closed_at(closes_at: datetime | None, moved_to_closed_at: datetime | None) -> datetime | None:
    """When the campaign closed: its move to « Clôturée » (the audit trail), else the end of its
    application window."""
    return moved_to_closed_at or closes_at


def purge_after(closed: datetime, years: int) -> datetime:
    return add_years(closed, years)


def expired(phase: str, closed: datetime | None, now: datetime, years: int) -> bool:
    """The campaign is closed and its retention period has run out."""
    return phase == "closed" and closed is not None and now >= purge_after(closed, years)


def to_anonymise(status: str, anonymised_at: datetime | None = None) -> bool:
    """A file of an expired campaign is anonymised unless the campaign selected it (or it already is)."""
    return anonymised_at is None and status not in KEPT_STATUSES


def birth_year_only(birth_date: date | None) -> date | None:
    """The birth date as the statistics keep it: 1 January of its year."""
    return date(birth_date.year, 1, 1) if birth_date is not None else None


def scrub(values):
    """An audit event's before/after with every personal value replaced by ERASED (at any depth)."""
    if isinstance(values, dict):
        return {key: (ERASED if key in PERSONAL_KEYS and value not in (None, "") else scrub(value))
                for key, value in values.items()}
    if isinstance(values, list):
        return [scrub(value) for value in values]
    return values


@dataclass(frozen=True)
class HeldFile:
    """One of the applicant's files, as the erasure decision needs it."""

    reference: str | None
    campaign_title: str
    campaign_phase: str
    status: str
    live_placement: bool = False  # a seat offered or accepted
    scholarship: bool = False     # the AMCI granted a scholarship


def _name(file: HeldFile) -> str:
    return f"le dossier {file.reference}" if file.reference else "votre dossier"


def erasure_blockers(files: Iterable[HeldFile]) -> list[str]:
    """Why an erasure request cannot be granted now, in French (empty: it can).

    A seat or a scholarship is held (the AMCI and the OFPPT follow the trainee: the data is
    needed for the training and the stipend); a file is still being selected (withdraw it first,
    or wait for the end of the selection)."""
    reasons = []
    for file in files:
        if file.status in HOLDING_STATUSES or file.live_placement or file.scholarship:
            what = "une bourse" if file.scholarship else "une place"
            reasons.append(
                f"Vous détenez {what} au titre de la campagne « {file.campaign_title} » ({_name(file)}) : "
                "vos données sont nécessaires au suivi de votre formation et de votre bourse et ne peuvent "
                "pas être effacées tant que ce suivi dure.")
        elif file.status in IN_SELECTION and file.campaign_phase != "closed":
            reasons.append(
                f"{_name(file).capitalize()} est encore en cours de sélection pour la campagne "
                f"« {file.campaign_title} » : retirez-le d'abord, ou attendez la fin de la sélection.")
    return reasons
