"""What screening keeps beside the file: the documents staff received on paper.

A paper file (typed in a regional office from a paper form) has its documents in a folder, not
uploaded: a manager records each one as received on paper (who, when, a note), and the automatic
checks count it as present. Withdrawing a record is audited like recording it.
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class PaperDocument(db.Model):
    """A pièce justificative received on paper by a member of staff."""

    __tablename__ = "paper_documents"
    __table_args__ = (UniqueConstraint("application_id", "document_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"), nullable=False)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    document_type = relationship("DocumentType")
    received_by = relationship("User")
