"""Realistic fake applicants for the demonstration campaign, fast enough for 100,000 rows.

Behaviour (what `flask seed-demo --applicants N --seed S` guarantees):

* A seed S defines one endless, fixed sequence of fake people; N asks for the first N of them.
  Person k of seed S is always the same (name, sex, birth date, NINA, diploma, choices, status),
  whatever the database holds.
* Idempotent: a person whose NINA is already in the campaign with the same name and birth
  date is kept, not inserted again. Running `--applicants 300 --seed 7` twice leaves 300 fake
  applications; `--applicants 500 --seed 7` afterwards adds the 200 next ones. Another seed
  gives other people, added to the first ones.
* NINAs are unique per campaign by construction (the locality and sequence digits are a
  bijection of the person's index, shifted by the seed). In the rare case a generated NINA or
  passport number is already used by somebody else, the next free number is taken.
* References (MLI-2026-000123) are given in insertion order to every non-draft file, after the
  highest one already used; the campaign's ReferenceCounter is left at the last value used.
* Each status is written as the end of a life the status table allows (HISTORIES below, checked
  against applications/status.py before each chunk is inserted): a seeded file could have got there.

Rows go in through SQLAlchemy Core, in chunks, with ids computed here (max(id) + 1...): no
ORM object per row and no RETURNING. On PostgreSQL the id sequences are moved past the new ids.
The caller commits once.
"""
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from ..applications import status as status_machine
from ..applications.models import (
    Applicant, Application, ApplicationChoice, ReferenceCounter, ScreeningDecision, search_key,
)
from ..audit.services import record
from ..auth.models import User
from ..campaigns.models import Campaign, CampaignLevelRule, Offer, campaign_series
from ..errors import InvalidTransition
from ..extensions import db
from ..reference.models import Diploma, IneligibilityReason, Level, Programme, Region, Series
from ..timeutil import utcnow

CHUNK_SIZE = 5000

MALE_FIRST_NAMES = [
    "Mamadou", "Moussa", "Boubacar", "Oumar", "Ibrahim", "Seydou", "Abdoulaye", "Amadou",
    "Bakary", "Modibo", "Souleymane", "Adama", "Drissa", "Youssouf", "Lassana", "Sékou",
    "Cheick", "Issa", "Aliou", "Hamadoun", "Mahamadou", "Sidiki", "Siaka", "Daouda", "Yacouba",
    "Ousmane", "Fousseyni", "Tiémoko", "Brahima", "Karim", "Mohamed", "Lamine", "Kalifa",
    "Mamoutou", "Salif", "Bourama", "Dramane", "Sory", "Alassane", "Harouna", "Samba", "Bréhima",
]
FEMALE_FIRST_NAMES = [
    "Aminata", "Fatoumata", "Mariam", "Awa", "Kadiatou", "Oumou", "Aïssata", "Djénéba", "Hawa",
    "Rokia", "Assétou", "Salimata", "Bintou", "Kadidia", "Nana", "Fanta", "Mariétou", "Sira",
    "Korotoumou", "Ramata", "Safiatou", "Maïmouna", "Fatimata", "Habibatou", "Sokona", "Tenin",
    "Coumba", "Aïcha", "Nènè", "Ami", "Mah", "Sali", "Kadidiatou", "Oumoukalsoum",
]
LAST_NAMES = [  # roughly by frequency
    "Traoré", "Coulibaly", "Diarra", "Keïta", "Koné", "Touré", "Sissoko", "Cissé", "Maïga",
    "Dembélé", "Sangaré", "Diallo", "Sidibé", "Konaté", "Camara", "Ballo", "Doumbia", "Samaké",
    "Kanté", "Bagayoko", "Dicko", "Fofana", "Kouyaté", "Diakité", "Sylla", "Guindo", "Togo",
    "Dolo", "Haïdara", "Tounkara", "Bouaré", "Kané", "Sow", "Ba", "Niaré", "Berthé", "Mariko",
    "Sanogo", "Goïta", "Thiam", "Soumaré", "Tangara", "Dao", "Kamissoko", "Diawara", "Sacko",
]
# Region code -> weight (Bamako and the old southern regions apply most).
REGION_WEIGHTS = {
    "00": 30, "01": 8, "02": 10, "03": 10, "04": 8, "05": 6, "06": 2, "07": 2, "08": 0.3,
    "09": 0.2, "10": 0.3, "11": 3, "12": 2, "13": 1.5, "14": 4, "15": 2, "16": 1,
    "17": 1.5, "18": 3, "19": 1,
}
# Diploma code -> (weight, usual age when obtained)
DIPLOMA_MIX = {
    "CEP": (2, 12), "DEF": (12, 16), "CAP": (8, 18), "BT": (12, 19), "BAC": (61, 19),
    "BTS": (4, 21), "LIC": (1, 22),
}
SERIES_WEIGHTS = {
    "TSE": 14, "TSEXP": 24, "TSECO": 12, "TSS": 10, "TLL": 12, "TAL": 4, "STI": 13, "STG": 11,
}
AGE_WEIGHTS = {16: 2, 17: 5, 18: 10, 19: 14, 20: 15, 21: 14, 22: 12, 23: 10, 24: 8, 25: 5, 26: 3, 27: 2}
CHOICE_COUNT_WEIGHTS = {1: 20, 2: 30, 3: 50}
PHONE_PREFIXES = "5677899"  # first digit of Malian mobile numbers (Orange, Moov, Telecel)
SCHOOLS = {
    "BAC": ["Lycée public de {city}", "Lycée privé Les Étoiles, {city}", "Lycée technique de {city}",
            "Lycée Askia Mohamed, {city}", "Complexe scolaire Le Savoir, {city}"],
    "BT": ["Centre de formation professionnelle de {city}", "Lycée technique de {city}"],
    "CAP": ["Centre de formation professionnelle de {city}", "École des métiers de {city}"],
    "DEF": ["École fondamentale de {city}", "Second cycle de {city}"],
    "CEP": ["École fondamentale de {city}"],
    "BTS": ["Institut de formation supérieure de {city}"],
    "LIC": ["Université de Bamako", "Université de Ségou"],
}
MOTIVATION_OPENINGS = [
    "Je souhaite me former au Maroc pour acquérir un métier recherché au Mali.",
    "Depuis longtemps, je m'intéresse à ce domaine et je veux en faire mon métier.",
    "Cette formation est pour moi une chance unique de me perfectionner.",
    "Je veux contribuer au développement de ma région grâce à une formation de qualité.",
]
MOTIVATION_MIDDLES = [
    "J'ai déjà fait un stage dans une entreprise locale pendant les vacances.",
    "Mes résultats scolaires montrent mon sérieux et ma régularité.",
    "Je suis prêt(e) à respecter les règles de l'établissement et de la bourse.",
    "Ma famille me soutient dans ce projet.",
    "Je parle français couramment et j'apprends l'arabe.",
]
MOTIVATION_ENDINGS = [
    "À mon retour, je compte créer ma propre entreprise.",
    "Je souhaite ensuite travailler dans une entreprise malienne du secteur.",
    "Je veux transmettre à mon tour ce que j'aurai appris.",
]
SCREENING_COMMENT = "Décision de démonstration (données fictives)."
# The life each seeded status stands for, as the rows show it (submitted_at, then a manager's
# ScreeningDecision, then the deliberation): [(state reached, actor kind)] from creation.
_ONLINE = [("draft", "applicant"), ("submitted", "applicant")]
HISTORIES = {
    "draft": [("draft", "applicant")],
    "submitted": _ONLINE,
    "withdrawn": [*_ONLINE, ("withdrawn", "applicant")],
    "eligible": [*_ONLINE, ("eligible", "manager")],
    "ineligible": [*_ONLINE, ("ineligible", "manager")],
    "evaluated": [*_ONLINE, ("eligible", "manager"), ("evaluated", "chair")],
}

_NINA_SPACE = 10 ** 8          # 5 locality digits + 3 sequence digits are a bijection of this
_NINA_STEP = 7_919_113         # odd and not a multiple of 5: coprime with 10**8


@dataclass
class ApplicantsReport:
    requested: int = 0
    created: int = 0
    kept: int = 0
    statuses: dict = field(default_factory=dict)
    first_reference: str | None = None
    last_reference: str | None = None
    seconds: float = 0.0


def _ascii(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def _cum(weights: dict) -> tuple[list, list]:
    items, cum, total = [], [], 0.0
    for key, weight in weights.items():
        total += weight
        items.append(key)
        cum.append(total)
    return items, cum


_AGES, _AGE_CUM = _cum(AGE_WEIGHTS)
_COUNTS, _COUNT_CUM = _cum(CHOICE_COUNT_WEIGHTS)
# Common names first: the i-th name weighs 1 / (i + 4).
_LAST_NAME_CUM = _cum({i: 1 / (i + 4) for i in range(len(LAST_NAMES))})[1]


class _Context:
    """Everything about the campaign and the reference data that generation needs, read once."""

    def __init__(self, campaign: Campaign, today: date):
        self.campaign = campaign
        self.ref_date = campaign.reference_date
        self.today = today
        regions = db.session.execute(select(Region).where(Region.active.is_(True)).order_by(Region.code)).scalars().all()
        self.regions = [(r.id, r.code, "Bamako" if r.code == "00" else r.name) for r in regions]
        self.region_cum = []
        total = 0.0
        for _, code, _ in self.regions:
            total += REGION_WEIGHTS.get(code, 1)
            self.region_cum.append(total)

        diplomas = {d.code: d for d in db.session.execute(select(Diploma)).scalars()}
        self.diploma_mix = [(diplomas[c], age) for c, (_, age) in DIPLOMA_MIX.items() if c in diplomas]
        self.diploma_cum = list(_cum({c: w for c, (w, _) in DIPLOMA_MIX.items() if c in diplomas})[1])
        series = {s.code: s for s in db.session.execute(select(Series).where(Series.active.is_(True))).scalars()}
        self.series_items, self.series_cum = _cum({c: w for c, w in SERIES_WEIGHTS.items() if c in series})
        self.series = series
        self.allowed_series = set(db.session.execute(
            select(campaign_series.c.series_id).where(campaign_series.c.campaign_id == campaign.id)
        ).scalars())

        levels = {lv.id: lv for lv in db.session.execute(select(Level)).scalars()}
        rank_of = {d.id: d.rank for d in diplomas.values()}
        rules = {r.level_id: r for r in db.session.execute(
            select(CampaignLevelRule).filter_by(campaign_id=campaign.id)).scalars()}
        self.age_bounds = {}
        for level_id, level in levels.items():
            rule = rules.get(level_id)
            self.age_bounds[level_id] = (
                (rule.min_age, rule.max_age) if rule else (level.default_min_age, level.default_max_age))
        offers = db.session.execute(
            select(Offer.id, Programme.level_id)
            .join(Programme, Offer.programme_id == Programme.id)
            .where(Offer.campaign_id == campaign.id)
            .order_by(Offer.code)
        ).all()
        # For each diploma rank: the offers it may choose, weighted towards the highest levels.
        self.offers_by_rank = {}
        for diploma, _ in self.diploma_mix:
            usable = [(oid, lvl) for oid, lvl in offers if rank_of[levels[lvl].min_diploma_id] <= diploma.rank]
            self.offers_by_rank[diploma.rank] = [
                (oid, lvl, levels[lvl].position ** 2 or 1) for oid, lvl in usable]
        self.reasons = {r.code: r.id for r in db.session.execute(select(IneligibilityReason)).scalars()}
        manager = db.session.execute(
            select(User).where(User.role == "manager").order_by(User.email != "gestionnaire@demo.ml", User.id)
        ).scalars().first()
        self.manager_id = manager.id if manager else None
        self.window_start = campaign.opens_at
        self.window_end = min(campaign.closes_at, datetime.combine(today, time(0)))
        if self.window_end <= self.window_start:
            self.window_end = self.window_start + timedelta(days=1)


def _birth_date(rng: random.Random, ref: date, age: int) -> date:
    latest = _years_before(ref, age)                      # turns `age` on the reference date
    earliest = _years_before(ref, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _nina_parts(index: int, offset: int) -> int:
    return (index * _NINA_STEP + offset) % _NINA_SPACE


def _nina(person: dict, slot: int) -> str:
    return (f"{person['nina_nat']}{person['nina_sex']}{person['birth_date'].year % 100:02d}"
            f"{person['region_code']}{slot // 1000:05d}{slot % 1000:03d}{person['nina_letter']}")


def _passport(slot: int) -> str:
    # Another bijection of the slot, so that the passport does not repeat the NINA's digits.
    mixed = (slot * 3_367_231 + 52_114_877) % _NINA_SPACE
    return f"A{'ABCDEFGHIJ'[mixed // 10 ** 7]}{mixed % 10 ** 7:07d}"


def _person(rng: random.Random, ctx: _Context, index: int, nina_offset: int) -> dict:
    """Person `index` of the stream: only the generator's state decides, never the database."""
    female = rng.random() < 1 / 3
    names = FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES
    first = rng.choice(names)
    if rng.random() < 0.15:
        second = rng.choice(names)
        if second != first:
            first = f"{first} {second}"
    last = LAST_NAMES[_bisect(_LAST_NAME_CUM, rng.random() * _LAST_NAME_CUM[-1])]
    age = _AGES[_bisect(_AGE_CUM, rng.random() * _AGE_CUM[-1])]
    birth = _birth_date(rng, ctx.ref_date, age)
    region_id, region_code, city = ctx.regions[
        min(_bisect(ctx.region_cum, rng.random() * ctx.region_cum[-1]), len(ctx.regions) - 1)]
    diploma, usual_age = ctx.diploma_mix[_bisect(ctx.diploma_cum, rng.random() * ctx.diploma_cum[-1])]
    series_id = None
    if diploma.has_series and ctx.series_items:
        code = ctx.series_items[_bisect(ctx.series_cum, rng.random() * ctx.series_cum[-1])]
        series_id = ctx.series[code].id
    diploma_year = min(ctx.ref_date.year, birth.year + usual_age + rng.randint(0, 2))
    average = Decimal(f"{min(19.5, max(7.5, rng.gauss(12.3, 2.2))):.2f}")

    usable = list(ctx.offers_by_rank.get(diploma.rank, ()))
    wanted = _COUNTS[_bisect(_COUNT_CUM, rng.random() * _COUNT_CUM[-1])]
    choices = []
    while usable and len(choices) < wanted:
        pick = rng.choices(range(len(usable)), weights=[w for _, _, w in usable])[0]
        choices.append(usable.pop(pick)[:2])

    # Automatic eligibility checks, as the screening would compute them.
    age_ok = all(
        (lo is None or age >= lo) and (hi is None or age <= hi)
        for lo, hi in (ctx.age_bounds[lvl] for _, lvl in choices))
    series_ok = not (diploma.has_series and ctx.allowed_series and series_id not in ctx.allowed_series)
    roll = rng.random()
    if roll < 0.12:
        status = "draft"
    elif roll < 0.15:
        status = "withdrawn"
    elif roll < 0.45:
        status = "submitted"
    elif not (age_ok and series_ok and choices):
        status = "ineligible"
    else:
        status = rng.choices(("eligible", "evaluated", "ineligible"), weights=(45, 35, 20))[0]
    reason = None
    if status == "ineligible":
        if not age_ok:
            reason = "AGE"
        elif not series_ok:
            reason = "SERIES"
        else:
            reason = rng.choice(("DOCS_MISSING", "DOCS_INVALID"))

    span = int((ctx.window_end - ctx.window_start).total_seconds())
    started = ctx.window_start + timedelta(seconds=rng.randrange(span))
    submitted = started + timedelta(seconds=rng.randrange(3600, 4 * 86400))
    submitted = min(submitted, ctx.window_end)
    decided = min(submitted + timedelta(days=rng.randint(1, 10), seconds=rng.randrange(86400)),
                  ctx.window_end)
    withdrawn = min(submitted + timedelta(days=rng.randint(1, 15)), ctx.window_end)

    has_passport = rng.random() < 0.45
    passport_expiry = ctx.today + timedelta(days=rng.randint(200, 5 * 365)) if has_passport else None
    phone = "+223" + rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10 ** 7):07d}"
    email = None
    if rng.random() < 0.6:
        email = (f"{_ascii(first.split()[0]).lower()}.{_ascii(last).lower()}"
                 f"{rng.randint(1, 999)}@exemple.ml")
    school = rng.choice(SCHOOLS.get(diploma.code, SCHOOLS["BAC"])).format(city=city)
    motivation = " ".join((rng.choice(MOTIVATION_OPENINGS), rng.choice(MOTIVATION_MIDDLES),
                           rng.choice(MOTIVATION_ENDINGS)))
    address = f"Rue {rng.randint(1, 650)}, porte {rng.randint(1, 250)}, {city}"
    return dict(
        index=index,
        slot=_nina_parts(index, nina_offset),
        nina_nat="1",
        # The meaning of the sex digit is not public: a random digit, unrelated to `sex`.
        nina_sex=rng.randrange(10),
        nina_letter=chr(65 + rng.randrange(26)),
        region_code=region_code,
        has_passport=has_passport,
        last_name=last, first_names=first, sex="F" if female else "M", birth_date=birth,
        birth_place=city, passport_expiry=passport_expiry, phone=phone, email=email,
        address=address, region_id=region_id, diploma_id=diploma.id, series_id=series_id,
        diploma_year=diploma_year, diploma_average=average, school=school, motivation=motivation,
        status=status, reason=reason, choices=choices,
        started=started, submitted=submitted, decided=decided, withdrawn=withdrawn,
    )


def _bisect(cum: list, value: float) -> int:
    lo, hi = 0, len(cum)
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def check_statuses(statuses) -> None:
    """Every status about to be written is the end of a life the status table allows."""
    for status in statuses:
        history = HISTORIES.get(status)
        if history is None or history[-1][0] != status:
            raise InvalidTransition(
                f"Aucun historique de démonstration ne mène à l'état « {status_machine.label(status)} ».")
        status_machine.check_history(history)


def _next_id(table) -> int:
    return (db.session.scalar(select(func.max(table.c.id))) or 0) + 1


def _highest_reference(campaign: Campaign) -> int:
    prefix = f"{campaign.reference_prefix}-{campaign.year}-"
    counter = db.session.get(ReferenceCounter, campaign.id)
    used = db.session.scalar(
        select(func.max(Application.reference)).where(Application.reference.like(prefix + "%")))
    highest = counter.last_value if counter else 0
    if used and used[len(prefix):].isdigit():
        highest = max(highest, int(used[len(prefix):]))
    return highest


def seed_applicants(campaign: Campaign, count: int, seed: int, progress=None,
                    chunk_size: int = CHUNK_SIZE, today: date | None = None) -> ApplicantsReport:
    """Make sure the first `count` fake people of stream `seed` have a file in `campaign`."""
    started_at = utcnow()
    today = today or started_at.date()
    report = ApplicantsReport(requested=count)
    if count <= 0:
        return report
    ctx = _Context(campaign, today)
    rng = random.Random(f"quota-demo-applicants:{seed}")
    nina_offset = random.Random(f"quota-demo-nina:{seed}").randrange(_NINA_SPACE)

    existing = {
        nina: (last, birth) for nina, last, birth in db.session.execute(
            select(Application.nina, Application.last_name, Application.birth_date)
            .where(Application.campaign_id == campaign.id, Application.nina.is_not(None)))
    }
    passports = set(db.session.execute(
        select(Application.passport_number)
        .where(Application.campaign_id == campaign.id, Application.passport_number.is_not(None))
    ).scalars())

    tables = {
        "applicants": Applicant.__table__, "applications": Application.__table__,
        "choices": ApplicationChoice.__table__, "screenings": ScreeningDecision.__table__,
    }
    next_ids = {name: _next_id(table) for name, table in tables.items()}
    first_ids = dict(next_ids)
    last_reference = start_reference = _highest_reference(campaign)
    prefix = f"{campaign.reference_prefix}-{campaign.year}-"

    done = 0
    while done < count:
        size = min(chunk_size, count - done)
        rows = {name: [] for name in tables}
        for index in range(done, done + size):
            person = _person(rng, ctx, index, nina_offset)
            identity = (person["last_name"], person["birth_date"])
            slot = person["slot"]
            while True:
                nina = _nina(person, slot)
                passport = _passport(slot) if person["has_passport"] else None
                owner = existing.get(nina)
                if owner == identity or (owner is None and passport not in passports):
                    break
                # Taken by somebody else (another seed, a real file): the next free number.
                slot = (slot + 1) % _NINA_SPACE
            if owner is not None:
                report.kept += 1
                continue
            existing[nina] = identity
            if passport:
                passports.add(passport)
            _add_rows(rows, person, nina, passport, campaign, ctx, next_ids)
            if person["status"] != "draft":
                last_reference += 1
                rows["applications"][-1]["reference"] = f"{prefix}{last_reference:06d}"
            report.statuses[person["status"]] = report.statuses.get(person["status"], 0) + 1
            report.created += 1
        check_statuses({row["status"] for row in rows["applications"]})
        for name in ("applicants", "applications", "choices", "screenings"):
            if rows[name]:
                db.session.execute(insert(tables[name]), rows[name])
        done += size
        if progress is not None:
            progress(size)

    counter = db.session.get(ReferenceCounter, campaign.id)
    if counter is None:
        db.session.add(ReferenceCounter(campaign_id=campaign.id, last_value=last_reference))
    elif counter.last_value < last_reference:
        counter.last_value = last_reference
    if last_reference > start_reference:
        report.first_reference = f"{prefix}{start_reference + 1:06d}"
        report.last_reference = f"{prefix}{last_reference:06d}"
    if db.engine.dialect.name == "postgresql":
        for name, table in tables.items():
            if next_ids[name] > first_ids[name]:
                db.session.execute(text(
                    # Table names from our own metadata, no input (bandit B608).
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                    f"(SELECT MAX(id) FROM {table.name}))"))
    if report.created:
        record(
            None, "seed_demo.applicants", object_type="campaigns", object_id=campaign.id,
            campaign_id=campaign.id,
            after={"seed": seed, "requested": count, "created": report.created, "kept": report.kept,
                   "statuses": report.statuses},
            reason="Candidats fictifs de démonstration (flask seed-demo --applicants)",
        )
    db.session.flush()
    report.seconds = (utcnow() - started_at).total_seconds()
    return report


def _add_rows(rows: dict, person: dict, nina: str, passport: str | None, campaign: Campaign,
              ctx: _Context, next_ids: dict) -> None:
    applicant_id = next_ids["applicants"]
    application_id = next_ids["applications"]
    next_ids["applicants"] += 1
    next_ids["applications"] += 1
    status = person["status"]
    created = person["started"]
    submitted = None if status == "draft" else person["submitted"]
    withdrawn = person["withdrawn"] if status == "withdrawn" else None
    screened = status in ("eligible", "ineligible", "evaluated") and ctx.manager_id is not None
    updated = withdrawn or (person["decided"] if screened else None) or submitted or created
    rows["applicants"].append(dict(
        id=applicant_id, user_id=None, source="import", created_at=created, updated_at=created))
    rows["applications"].append(dict(
        id=application_id, reference=None, campaign_id=campaign.id, applicant_id=applicant_id,
        status=status, last_name=person["last_name"], first_names=person["first_names"],
        search_name=search_key(person["last_name"], person["first_names"]),
        sex=person["sex"], birth_date=person["birth_date"], birth_place=person["birth_place"],
        nationality="MLI", nina=nina, passport_number=passport,
        passport_expiry=person["passport_expiry"], phone=person["phone"], email=person["email"],
        address=person["address"], region_id=person["region_id"], diploma_id=person["diploma_id"],
        series_id=person["series_id"], diploma_year=person["diploma_year"],
        diploma_average=person["diploma_average"], school=person["school"],
        motivation=person["motivation"], submitted_at=submitted, withdrawn_at=withdrawn,
        version=1, created_at=created, updated_at=updated,
    ))
    for rank, (offer_id, _) in enumerate(person["choices"], start=1):
        rows["choices"].append(dict(
            id=next_ids["choices"], application_id=application_id, offer_id=offer_id, rank=rank))
        next_ids["choices"] += 1
    if screened:
        ineligible = status == "ineligible"
        rows["screenings"].append(dict(
            id=next_ids["screenings"], application_id=application_id,
            decision="ineligible" if ineligible else "eligible",
            reason_id=ctx.reasons.get(person["reason"]) if ineligible else None,
            comment=SCREENING_COMMENT, decided_by_id=ctx.manager_id, decided_at=person["decided"],
        ))
        next_ids["screenings"] += 1
