"""The year's journey of a campaign, from the application to the job: a few grouped Core
queries per campaign, plain data out (no ORM object per file).

What counts as having reached each stage (rates.py names and orders them):
- applied: submitted (any state but a draft; a file withdrawn as a draft, never submitted, is not);
- eligible: declared eligible (its state is « recevable » or later, or it was withdrawn after an
  eligible screening decision, or it was offered a seat);
- evaluated: deliberated (« évalué » or later, or offered a seat, or on a real waiting list);
- placed: ever offered a seat: any placement of the file in a round that is not a simulation;
- accepted: ever accepted a seat (a placement accepted now, or left after it was accepted: given
  up, superseded by a better one, refused by the joint committee, re-oriented; or a file that
  went on from « accepté »);
- nominated: on the AMCI's list (a nomination not withdrawn); confirmed: confirmed or
  re-oriented by the joint committee;
- departed: travel or arrival date recorded and no departure cancelled; enrolled, completed,
  abandoned: their follow-up dates; re-enrolled: re-enrolment documents received for some
  year; employed: « en emploi » 6 or 12 months after the training.

Two grouped queries give every stage per (sex, region, sector, level of the placement
obtained), and the funnel and the four breakdowns all come from their few hundred rows: the
early stages from the files' states (an index-only count, as the dashboard's other figures),
with the history of the few withdrawn files; the later ones from the files that have a real
placement, a nomination or a follow-up, from what those say of each (a few thousand files at
most, then joined through primary keys). The placement obtained is the accepted one, else
the file's last real placement. No pass reads the whole applications table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, and_, case, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from ..amci.models import FollowUp, Nomination, ReenrolmentRecord
from ..applications.models import Application, ScreeningDecision
from ..campaigns.models import Campaign, Offer
from ..extensions import db
from ..i18n import N_
from ..placement.models import AllocationRound, Placement, WaitingListEntry
from ..reference.models import Level, Programme, Region, Sector
from . import cache, stats
from .rates import FROM_PLACEMENT, STAGES, StageRate, reserved_rate, share, stage_rates

UNKNOWN = N_("Non renseigné")
NO_PLACEMENT = N_("Sans affectation")
# File states from which a stage was necessarily passed (applications/status.py).
ELIGIBLE_ON = ("eligible", "evaluated", "placed", "waiting_list", "not_selected", "accepted", "declined",
               "enrolled", "amci_refused", "not_departed", "abandoned")
EVALUATED_ON = ELIGIBLE_ON[1:]
ACCEPTED_ON = ("accepted", "enrolled", "amci_refused", "not_departed", "abandoned")
# Placement states only an accepted placement reaches (placement/services.py, amci/effects.py).
LEFT_AFTER_ACCEPTING = ("accepted", "refused", "reoriented")
# The stages the follow-up records (amci/models.py FollowUp and its re-enrolments).
FOLLOW_UP_STAGES = ("departed", "enrolled", "reenrolled", "completed", "abandoned", "employed")
assert ("placed", "accepted", "nominated", "confirmed", *FOLLOW_UP_STAGES) == FROM_PLACEMENT
BREAKDOWN_TITLES = {
    "sex": N_("Par sexe"),
    "region": N_("Par région"),
    "sector": N_("Par secteur (de l'affectation obtenue)"),
    "level": N_("Par niveau (de l'affectation obtenue)"),
}
SEX_LABELS = {"F": N_("Femmes"), "M": N_("Hommes")}


@dataclass
class StageBreakdown:
    """Files per (row, stage), rows in display order; `stages` the columns shown."""

    kind: str
    title: str
    stages: tuple[str, ...]
    rows: list[tuple[str, str]] = field(default_factory=list)  # (key, label)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # key -> stage -> n

    def count(self, key: str, stage: str) -> int:
        return self.counts.get(key, {}).get(stage, 0)

    def column_total(self, stage: str) -> int:
        return sum(row.get(stage, 0) for row in self.counts.values())


@dataclass
class CampaignFunnel:
    """One campaign's journey: counts per stage, its quota and reserved seats, breakdowns."""

    campaign_id: int
    code: str
    title: str
    year: int
    kind: str
    quota: int
    seats: int
    reserved_seats: int
    reserved_sex: str | None
    counts: dict[str, int]
    reserved_sex_accepted: int          # files of the reserved sex that accepted a seat
    breakdowns: list[StageBreakdown]

    def rates(self) -> list[StageRate]:
        return stage_rates(self.counts, self.quota)

    @property
    def reserved_rate(self) -> float | None:
        return reserved_rate(self.reserved_sex_accepted, self.reserved_seats)

    @property
    def accepted_of_quota(self) -> float | None:
        return share(self.counts.get("accepted", 0), self.quota)


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _early_rows(campaign_id: int) -> list[tuple]:
    """applied, eligible, evaluated per (sex, region): the files' states, counted from the
    index alone (the dashboard's own application_counts); a withdrawn file's history from the
    few withdrawn ones (its state no longer says how far it went), each looked up by its id."""
    rows = []
    for status, sex, region_id, n in stats.application_counts(campaign_id):
        if status not in ("draft", "withdrawn"):
            rows.append((sex, region_id, None, None, n, n if status in ELIGIBLE_ON else 0,
                         n if status in EVALUATED_ON else 0))
    rounds = list(db.session.scalars(select(AllocationRound.id).where(
        AllocationRound.campaign_id == campaign_id, AllocationRound.kind != "simulation")))
    a = Application
    placed = exists().where(Placement.application_id == a.id, Placement.round_id.in_(rounds))
    waited = exists().where(WaitingListEntry.application_id == a.id, WaitingListEntry.round_id.in_(rounds))
    screened = exists().where(ScreeningDecision.application_id == a.id, ScreeningDecision.decision == "eligible")
    history = (
        select(a.sex, a.region_id, case((or_(placed, waited), 1), else_=0).label("evaluated"),
               case((screened, 1), else_=0).label("screened"))
        .where(a.campaign_id == campaign_id, a.status == "withdrawn", a.submitted_at.is_not(None))
        .subquery("history"))
    h = history.c
    rows += [(sex, region_id, None, None, int(n), int(eligible), int(evaluated))
             for sex, region_id, n, eligible, evaluated in db.session.execute(
                 select(h.sex, h.region_id, func.count(), _flag(or_(h.evaluated == 1, h.screened == 1)),
                        func.sum(h.evaluated))
                 .group_by(h.sex, h.region_id))]
    return [(*row, *([0] * (len(STAGES) - 3))) for row in rows]


def _later_rows(campaign_id: int) -> list[tuple]:
    """placed to employed per (sex, region, sector, level of the placement obtained), over the
    files that have a real placement, a nomination or a follow-up (a few thousand).

    What each of those tables says of a file is one row of facts (0/1 flags, placement ids);
    the facts are summed per file, then the files per group. Every join after that goes
    through a primary key, and the re-enrolments are looked up by follow-up: the plan stays
    good even where the planner's statistics lag behind a bulk load."""
    int_zero, none = literal(0), null()

    def facts(application_id, placed=int_zero, accepted=int_zero, accepted_id=none, last_id=none,
              nominated=int_zero, confirmed=int_zero, **follow_up):
        return [application_id.label("application_id"), placed.label("placed"), accepted.label("accepted"),
                cast(accepted_id, Integer).label("accepted_id"), cast(last_id, Integer).label("last_id"),
                nominated.label("nominated"), confirmed.label("confirmed"),
                *[follow_up.get(stage, int_zero).label(stage) for stage in FOLLOW_UP_STAGES]]

    def flag(condition):
        return case((condition, 1), else_=0)

    fu = FollowUp
    rows = union_all(
        select(*facts(Placement.application_id, placed=literal(1),
                      accepted=flag(or_(Placement.status.in_(LEFT_AFTER_ACCEPTING), Placement.keeps_waiting.is_not(None))),
                      accepted_id=case((Placement.status == "accepted", Placement.id)), last_id=Placement.id))
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(AllocationRound.campaign_id == campaign_id, AllocationRound.kind != "simulation"),
        # Nominations are made from accepted placements only.
        select(*facts(Nomination.application_id, accepted=literal(1), nominated=flag(Nomination.status != "withdrawn"),
                      confirmed=flag(Nomination.status.in_(("confirmed", "reoriented")))))
        .where(Nomination.campaign_id == campaign_id),
        select(*facts(
            fu.application_id,
            departed=flag(and_(or_(fu.travel_date.is_not(None), fu.arrival_date.is_not(None)),
                               fu.departure_cancelled_on.is_(None))),
            enrolled=flag(fu.enrolled_on.is_not(None)),
            reenrolled=flag(exists().where(ReenrolmentRecord.follow_up_id == fu.id,
                                           ReenrolmentRecord.documents_received_on.is_not(None))),
            completed=flag(fu.completed_on.is_not(None)),
            abandoned=flag(fu.abandoned_on.is_not(None)),
            employed=flag(or_(fu.situation_6m == "employed", fu.situation_12m == "employed")),
        ))
        .join(Application, Application.id == fu.application_id)
        .where(Application.campaign_id == campaign_id),
    ).subquery("facts")
    f = rows.c
    per_file = select(f.application_id, *[func.max(f[c]).label(c) for c in (
        "placed", "accepted", "accepted_id", "last_id", "nominated", "confirmed", *FOLLOW_UP_STAGES)]
    ).group_by(f.application_id).subquery("per_file")
    p = per_file.c
    obtained = aliased(Placement, name="obtained")
    a = Application
    sums = [func.sum(p.placed), func.sum(case((or_(p.accepted == 1, a.status.in_(ACCEPTED_ON)), 1), else_=0)),
            func.sum(p.nominated), func.sum(p.confirmed), *[func.sum(p[c]) for c in FOLLOW_UP_STAGES]]
    query = (
        select(a.sex, a.region_id, Programme.sector_id, Programme.level_id, *sums)
        .select_from(per_file)
        .join(a, a.id == p.application_id)
        .outerjoin(obtained, obtained.id == func.coalesce(p.accepted_id, p.last_id))
        .outerjoin(Offer, Offer.id == obtained.offer_id)
        .outerjoin(Programme, Programme.id == Offer.programme_id)
        .group_by(a.sex, a.region_id, Programme.sector_id, Programme.level_id)
    )
    early = [0] * (len(STAGES) - len(FROM_PLACEMENT))
    return [(sex, region, sector, level, *early, *[int(n or 0) for n in counts])
            for sex, region, sector, level, *counts in db.session.execute(query)]


def stage_rows(campaign_id: int) -> list[tuple]:
    """(sex, region_id, sector_id, level_id, n per stage in STAGES order...) for the campaign:
    rows to be summed (a file counts in one row of each of the two queries)."""
    return _early_rows(campaign_id) + _later_rows(campaign_id)


def _labels():
    """(region id -> code, code labels), (sector id -> code, labels), (level id -> code, labels)."""
    regions = db.session.execute(select(Region.id, Region.code, Region.name).order_by(Region.code)).all()
    sectors = db.session.execute(select(Sector.id, Sector.code, Sector.name).order_by(Sector.name)).all()
    levels = db.session.execute(select(Level.id, Level.code, Level.name).order_by(Level.position, Level.code)).all()

    def table(rows, label):
        return {i: c for i, c, _n in rows}, [(c, label(c, n)) for _i, c, n in rows]
    return (table(regions, lambda c, n: f"{c} – {n}"), table(sectors, lambda c, n: n),
            table(levels, lambda c, n: f"{c} – {n}"))


def breakdowns_from(rows, labels) -> list[StageBreakdown]:
    """The four breakdowns from stage_rows' rows (pure but for the labels given)."""
    (region_code, region_rows), (sector_code, sector_rows), (level_code, level_rows) = labels
    keyed = {
        "sex": (lambda r: r[0], [(k, v) for k, v in SEX_LABELS.items()], STAGES),
        "region": (lambda r: region_code.get(r[1]), region_rows, STAGES),
        "sector": (lambda r: sector_code.get(r[2], NO_PLACEMENT if r[2] is None else None), sector_rows,
                   FROM_PLACEMENT),
        "level": (lambda r: level_code.get(r[3], NO_PLACEMENT if r[3] is None else None), level_rows,
                  FROM_PLACEMENT),
    }
    result = []
    for kind, (key_of, ordered, stages) in keyed.items():
        breakdown = StageBreakdown(kind, BREAKDOWN_TITLES[kind], stages)
        for row in rows:
            values = dict(zip(STAGES, row[4:]))
            if not any(values[s] for s in stages):
                continue  # e.g. files never placed, in the sector table
            key = key_of(row)
            key = UNKNOWN if key is None else str(key)
            counts = breakdown.counts.setdefault(key, {})
            for stage in stages:
                counts[stage] = counts.get(stage, 0) + int(values[stage] or 0)
        known = [(k, label) for k, label in ordered if k in breakdown.counts]
        rest = sorted(set(breakdown.counts) - {k for k, _l in known} - {NO_PLACEMENT, UNKNOWN})
        breakdown.rows = known + [(k, k) for k in rest] + [
            (k, k) for k in (NO_PLACEMENT, UNKNOWN) if k in breakdown.counts]
        result.append(breakdown)
    return result


def campaign_funnel(campaign_id: int) -> CampaignFunnel:
    """The campaign's journey, computed now: the campaign, its seats and the labels (small
    tables), and stage_rows (the states' index-only count, the withdrawn files' history, the
    later stages)."""
    campaign = db.session.execute(
        select(Campaign.id, Campaign.code, Campaign.title, Campaign.year, Campaign.kind, Campaign.announced_quota,
               Campaign.reserved_sex).where(Campaign.id == campaign_id)).one()
    seats, reserved = db.session.execute(
        select(func.coalesce(func.sum(Offer.seats), literal(0)), func.coalesce(func.sum(Offer.reserved_seats), literal(0)))
        .where(Offer.campaign_id == campaign_id)).one()
    rows = stage_rows(campaign_id)
    counts = {stage: sum(int(row[4 + i] or 0) for row in rows) for i, stage in enumerate(STAGES)}
    accepted = 4 + STAGES.index("accepted")
    women = sum(int(row[accepted] or 0) for row in rows if campaign.reserved_sex and row[0] == campaign.reserved_sex)
    return CampaignFunnel(
        campaign_id=campaign.id, code=campaign.code, title=campaign.title, year=campaign.year, kind=campaign.kind,
        quota=int(campaign.announced_quota or 0), seats=int(seats), reserved_seats=int(reserved),
        reserved_sex=campaign.reserved_sex, counts=counts, reserved_sex_accepted=women,
        breakdowns=breakdowns_from(rows, _labels()))


def cached_funnel(campaign_id: int) -> CampaignFunnel:
    """campaign_funnel under the dashboard cache's change marker (read-only once built)."""
    return cache.cached(db.session, ("funnel", campaign_id), lambda: campaign_funnel(campaign_id))


def same_kind_campaigns(campaign) -> list[int]:
    """The ids of the campaigns of the same kind as `campaign`, oldest year first (drafts left
    out, but for `campaign` itself: they have no file yet)."""
    return list(db.session.scalars(
        select(Campaign.id).where(Campaign.kind == campaign.kind, or_(Campaign.phase != "draft", Campaign.id == campaign.id))
        .order_by(Campaign.year, Campaign.id)))


def year_on_year(campaign) -> list[CampaignFunnel]:
    """The journey of every campaign of the same kind, oldest year first (each cached)."""
    return [cached_funnel(campaign_id) for campaign_id in same_kind_campaigns(campaign)]


def journey(campaign) -> tuple[CampaignFunnel, list[CampaignFunnel]]:
    """(the campaign's journey, those of the campaigns of its kind by year, it among them)."""
    years = year_on_year(campaign)
    selected = next((f for f in years if f.campaign_id == campaign.id), None)
    return (selected or cached_funnel(campaign.id)), years
