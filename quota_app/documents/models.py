"""Sealed documents: what a public verification page needs to vouch for a PDF.

Only what the feature gave as the document's number and title is shown publicly: never a name,
a NINA or a birth date there (the seal's hashes vouch for the content without showing it).
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class SealedDocument(db.Model):
    """One sealed PDF: its public token, the SHA-256 of its canonical content (printed on it)
    and of the PDF file itself (compared with an uploaded copy), and the PDF's bytes.

    The bytes live in the row (deferred: the verification page never loads them) so that a
    seal and its file commit or roll back together, and the database backup holds both."""

    __tablename__ = "sealed_documents"
    __table_args__ = (
        CheckConstraint("length(content_sha256) = 64", name="content_sha256_hex"),
        CheckConstraint("length(pdf_sha256) = 64", name="pdf_sha256_hex"),
        CheckConstraint("revoked_at IS NULL OR revoked_at >= created_at", name="revoked_after_created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    # secrets.token_urlsafe(32): 256 random bits, 43 characters; the verification URL's only key.
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    number: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
