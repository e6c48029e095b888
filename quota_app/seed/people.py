"""Fake people for the demonstration year: the young applicants of the youth calls, the trainers
and managers of the capacity-building calls, the committee's other members.

Deterministic: person `i` of a given `label` (the demo campaign's key) is always the same. Their NINA
(nationality 1, a sex digit, the birth year's two digits, 7 locality digits that carry the
campaign's number and the person's, sequence 001, a letter) and passport number are unique
within a campaign by construction, and differ from one demonstration campaign to the next, so
that nobody is taken for an earlier scholarship holder by mistake.

What these people type goes through the applicant's services (seed/year.py): nothing here
touches the database.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from .applicants import (
    FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, MOTIVATION_ENDINGS, MOTIVATION_MIDDLES,
    MOTIVATION_OPENINGS, _ascii,
)

# Region code -> the town written as the place of birth and in the address.
TOWNS = {
    "00": "Bamako", "01": "Kayes", "02": "Koulikoro", "03": "Sikasso", "04": "Ségou", "05": "Mopti",
    "07": "Gao", "11": "Bougouni", "14": "Koutiala", "15": "Kita", "18": "San",
}
TOWN_WEIGHTS = {"00": 30, "01": 6, "02": 8, "03": 8, "04": 7, "05": 4, "07": 2, "11": 3, "14": 4,
                "15": 2, "18": 3}
YOUTH_SERIES = ("TSE", "TSEXP", "STI", "STG")   # the scientific and technical Bacs a call admits
POSITIONS = (
    "Formateur en électricité industrielle", "Formatrice en couture et modélisme", "Formateur en informatique",
    "Chef des travaux", "Directrice des études", "Formateur en mécanique automobile",
    "Responsable pédagogique", "Formatrice en agro-alimentaire", "Conseiller en orientation",
    "Formateur en froid et climatisation", "Directeur d'établissement", "Formatrice en comptabilité",
)
TRAINING_SUBJECTS = {
    "RC-FF": "Formation de formateurs : approche par compétences",
    "RC-IF": "Ingénierie de formation : élaboration des référentiels",
    "RC-GEF": "Gestion d'un établissement de formation professionnelle",
    "RC-ELEC": "Perfectionnement technique en électricité industrielle",
    "RC-NUM": "Perfectionnement technique aux métiers du numérique",
}
CAPACITY_MOTIVATION = (
    "Je forme depuis plusieurs années des jeunes de mon établissement et je souhaite actualiser mes "
    "méthodes auprès de l'OFPPT, pour les transmettre ensuite à mes collègues et améliorer les "
    "résultats de nos stagiaires à l'examen."
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Person:
    index: int
    last_name: str
    first_names: str
    sex: str
    birth_date: date
    birth_place: str
    region_code: str
    nina: str
    passport_number: str | None
    passport_expiry: date | None
    phone: str
    address: str
    email: str
    motivation: str
    # Youth: the diploma; capacity building: the job.
    diploma_code: str = "BAC"
    series_code: str | None = None
    diploma_year: int | None = None
    diploma_average: Decimal | None = None
    school: str = ""
    years_experience: int | None = None
    job_position: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_name.upper()}"

    def identity_form(self) -> dict:
        """The identity step as the applicant types it."""
        return {"last_name": self.last_name, "first_names": self.first_names, "sex": self.sex,
                "birth_date": self.birth_date.isoformat(), "birth_place": self.birth_place, "nina": self.nina,
                "passport_number": self.passport_number or "",
                "passport_expiry": self.passport_expiry.isoformat() if self.passport_expiry else ""}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _base(rng: random.Random, campaign_number: int, index: int, female: bool, birth: date,
          passport: bool, passport_from: date) -> dict:
    names = FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES
    first = rng.choice(names)
    if rng.random() < 0.12:
        second = rng.choice(names)
        if second != first:
            first = f"{first} {second}"
    last = rng.choice(LAST_NAMES[:30]) if rng.random() < 0.8 else rng.choice(LAST_NAMES)
    region = _pick(rng, TOWN_WEIGHTS)
    town = TOWNS[region]
    locality = f"{campaign_number:02d}{index:05d}"
    nina = f"1{rng.randrange(10)}{birth.year % 100:02d}{locality}001{chr(65 + rng.randrange(26))}"
    passport_number = f"A{'ABCDEFGHJK'[campaign_number % 10]}{campaign_number:02d}{index:05d}" if passport else None
    expiry = passport_from + timedelta(days=rng.randint(500, 4 * 365)) if passport else None
    email = (f"{_ascii(first.split()[0]).lower()}.{_ascii(last).lower().replace(' ', '')}"
             f".{campaign_number:02d}{index:03d}@candidats.demo.ml")
    return dict(
        index=index, last_name=last, first_names=first, sex="F" if female else "M", birth_date=birth,
        birth_place=town, region_code=region, nina=nina, passport_number=passport_number,
        passport_expiry=expiry, phone="+223" + rng.choice("5677899") + f"{rng.randrange(10 ** 7):07d}",
        address=f"Rue {rng.randint(1, 650)}, porte {rng.randint(1, 250)}, {town}", email=email)


def young_person(label: str, campaign_number: int, index: int, reference_date: date, *,
                 female: bool | None = None, average: Decimal | None = None) -> Person:
    """A young applicant, 18 to 24 on the reference date, with a Bac (scientific or technical
    series) or, for one in six, a BT; a passport for most of them."""
    rng = random.Random(f"quota-demo-year:{label}:{index}")
    female = rng.random() < 0.38 if female is None else female
    age = rng.choice((18, 19, 19, 20, 20, 21, 21, 22, 23, 24))
    latest = _years_before(reference_date, age)
    birth = latest - timedelta(days=rng.randrange(300))
    values = _base(rng, campaign_number, index, female, birth, rng.random() < 0.85, reference_date)
    bt = rng.random() < 1 / 6
    if average is None:
        average = Decimal(f"{min(18.5, max(10.0, rng.gauss(13.2, 1.8))):.2f}")
    town = values["birth_place"]
    school = (f"Centre de formation professionnelle de {town}" if bt
              else rng.choice(("Lycée public de {t}", "Lycée technique de {t}", "Lycée Askia Mohamed, {t}",
                               "Complexe scolaire Le Savoir, {t}")).format(t=town))
    motivation = " ".join((rng.choice(MOTIVATION_OPENINGS), rng.choice(MOTIVATION_MIDDLES),
                           rng.choice(MOTIVATION_MIDDLES), rng.choice(MOTIVATION_ENDINGS)))
    return Person(**values, motivation=motivation, diploma_code="BT" if bt else "BAC",
                  series_code=None if bt else rng.choice(YOUTH_SERIES),
                  diploma_year=reference_date.year - rng.choice((0, 1, 1, 2)), diploma_average=average,
                  school=school)


def trainer(label: str, campaign_number: int, index: int, reference_date: date, *,
            years_experience: int | None = None) -> Person:
    """A trainer or training manager of a Malian establishment, 28 to 52 years old."""
    rng = random.Random(f"quota-demo-year:{label}:{index}")
    female = rng.random() < 0.35
    birth = _years_before(reference_date, rng.randint(28, 52)) - timedelta(days=rng.randrange(300))
    values = _base(rng, campaign_number, index, female, birth, True, reference_date)
    years = rng.randint(3, 22) if years_experience is None else years_experience
    return Person(**values, motivation=CAPACITY_MOTIVATION, diploma_code="", years_experience=years,
                  job_position=rng.choice(POSITIONS))


def png_bytes() -> bytes:
    """A small identity photo (a PNG that the upload's checks accept)."""
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (24, 32), (180, 150, 120)).save(out, format="PNG")
    return out.getvalue()
