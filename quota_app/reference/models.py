"""Reference data: seeded by default, edited by managers, never constants in code."""
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Diploma(db.Model):
    """Malian diplomas, ordered by rank (CEP < DEF < CAP < BT < Bac < BTS < Licence)."""

    __tablename__ = "diplomas"
    __table_args__ = (CheckConstraint("rank >= 0", name="rank_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    has_series: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Series(db.Model):
    """Bac series (TSE, TSExp, ...); `kind` lets a call require scientific or technical ones."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="général")
    diploma_id: Mapped[int] = mapped_column(ForeignKey("diplomas.id"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    diploma = relationship("Diploma")


class Level(db.Model):
    """OFPPT levels (S, Q, T, TS) and the minimum Malian diploma each requires."""

    __tablename__ = "levels"
    __table_args__ = (
        CheckConstraint("default_max_age IS NULL OR default_max_age > 0", name="max_age_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    min_diploma_id: Mapped[int] = mapped_column(ForeignKey("diplomas.id"), nullable=False)
    default_min_age: Mapped[int | None] = mapped_column(Integer)
    default_max_age: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    min_diploma = relationship("Diploma")


class Sector(db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    priority: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Programme(db.Model):
    """A filière: code, title, sector, level and duration."""

    __tablename__ = "programmes"
    __table_args__ = (CheckConstraint("duration_months > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sectors.id"), nullable=False, index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"), nullable=False, index=True)
    duration_months: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    sector = relationship("Sector")
    level = relationship("Level")


class Establishment(db.Model):
    """An OFPPT institute in a Moroccan city."""

    __tablename__ = "establishments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(80), nullable=False)
    has_boarding: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Region(db.Model):
    """Malian regions with their official two-digit codes (editable: the laws disagree)."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("length(code) = 2", name="code_two_chars"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class MalianEstablishment(db.Model):
    """A Malian training establishment whose trainers and managers may apply to a
    capacity-building campaign (the employer); editable by managers."""

    __tablename__ = "malian_establishments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    region = relationship("Region")


class DocumentType(db.Model):
    """A kind of pièce justificative (photo, birth certificate, diploma...)."""

    __tablename__ = "document_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Comma-separated MIME types accepted, checked from the file's content.
    accepted_types: Mapped[str] = mapped_column(
        String(200), nullable=False, default="application/pdf,image/jpeg,image/png"
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class IneligibilityReason(db.Model):
    """The list of reasons a manager picks from to declare a file non recevable."""

    __tablename__ = "ineligibility_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
