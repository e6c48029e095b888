"""The applicants' erasure requests (law n°2013-015: the right to have one's data erased)."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import InvalidTransition
from ..extensions import db
from ..i18n import N_
from ..modelutil import one_of
from ..timeutil import utcnow

ERASURE_STATUSES = ("pending", "accepted", "refused")
# The only moves: a pending request is accepted or refused, once.
ERASURE_MOVES = frozenset({("pending", "accepted"), ("pending", "refused")})
ERASURE_STATUS_LABELS = {"pending": N_("En attente"), "accepted": N_("Acceptée : données effacées"),
                         "refused": N_("Refusée")}


class ErasureRequest(db.Model):
    """An applicant asks that their data be erased; a manager accepts (their files and account
    are anonymised at once) or refuses, with a reason. One pending request per account."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        one_of("status", ERASURE_STATUSES),
        Index("uq_erasure_requests_pending_user", "user_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    # What the applicant added (emptied when the request is granted).
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The manager's reason (required for a refusal; shown to the applicant).
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What the acceptance anonymised: {"applications": n, "documents": n}.
    counts: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}

    def decide(self, target: str, actor_id: int | None, at: datetime, reason: str = "",
               counts: dict | None = None) -> None:
        """The one way a request's status changes (the service records the audit event)."""
        if (self.status, target) not in ERASURE_MOVES:
            raise InvalidTransition("Cette demande a déjà été traitée.")
        self.status = target
        self.decided_at, self.decided_by_id, self.decision_reason = at, actor_id, reason
        if target == "accepted":
            self.note, self.counts = "", counts

    @property
    def status_label(self) -> str:
        return ERASURE_STATUS_LABELS[self.status]
