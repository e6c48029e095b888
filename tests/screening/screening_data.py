"""A small campaign with known answers, shared by the screening and dashboard tests."""
from datetime import date, datetime
from decimal import Decimal

REF_DATE = date(2026, 9, 1)

# key: (last, first, sex, birth, region, diploma, series, status, choices, nina, passport, phone, email)
PEOPLE = {
    "A1": ("Traoré", "Awa", "F", date(2004, 5, 10), "00", "BAC", "TSE", "submitted", ["DD", "MI"],
           "1F04ABCDEFG001K", "AA1000001", "+22376000001", "awa@exemple.ml"),
    "A2": ("Keita", "Moussa", "M", date(2000, 1, 15), "01", "BAC", "STI", "submitted", ["MI"],
           "1M00ABCDEFG002K", "AA1000002", "+22376000002", "moussa@exemple.ml"),
    "A3": ("Diallo", "Fatoumata", "F", date(2009, 3, 1), "00", "DEF", None, "draft", ["CONF"],
           None, None, "+22376000003", None),
    "A4": ("=SOMME(A1)", "Ibrahim", "M", date(2003, 9, 1), "03", "BAC", "TSEXP", "eligible", ["DD"],
           "1M03ABCDEFG004K", "AA1000004", "+22376000004", "ibrahim@exemple.ml"),
    "A5": ("Coulibaly", "Mariam", "F", date(2001, 9, 2), "03", "DEF", None, "submitted", ["DD"],
           "1F01ABCDEFG005K", "AA1000005", "+22376000005", "mariam@exemple.ml"),
}
AGES = {"A1": 22, "A2": 26, "A3": 17, "A4": 23, "A5": 24}


def build_dataset(db):
    """Creates two campaigns (the second holds one look-alike file) and returns the ids."""
    from quota_app.campaigns.models import Campaign

    def one(model, **kw):
        return db.session.execute(db.select(model).filter_by(**kw)).scalar_one()

    campaign = Campaign(code="Q2026", title="Quota 2026-2027", year=2026, phase="screening",
                        reference_date=REF_DATE, opens_at=datetime(2026, 3, 1), closes_at=datetime(2026, 5, 1),
                        reserved_sex="F")
    other = Campaign(code="Q2025", title="Quota 2025-2026", year=2025, phase="closed",
                     reference_date=date(2025, 9, 1), opens_at=datetime(2025, 3, 1), closes_at=datetime(2025, 5, 1))
    db.session.add_all([campaign, other])
    db.session.flush()
    with db.session.no_autoflush:
        offers, old_offer = _offers(campaign, other, one)
    db.session.add_all([*offers.values(), old_offer])
    db.session.flush()
    return _applications(db, campaign, other, offers, old_offer, one)


def _offers(campaign, other, one):
    from quota_app.campaigns.models import Offer
    from quota_app.reference.models import Establishment, Programme

    offers = {
        "DD": Offer(campaign=campaign, programme=one(Programme, code="TS-DD"),
                    establishment=one(Establishment, code="ISTA-CASA"), code="DD-CASA", seats=10, reserved_seats=4),
        "MI": Offer(campaign=campaign, programme=one(Programme, code="T-MI"),
                    establishment=one(Establishment, code="ISTA-RABAT"), code="MI-RABAT", seats=8, reserved_seats=2),
        "CONF": Offer(campaign=campaign, programme=one(Programme, code="Q-CONF"),
                      establishment=one(Establishment, code="ISTHT-CASA"), code="CONF-CASA", seats=5, reserved_seats=3),
    }
    old_offer = Offer(campaign=other, programme=one(Programme, code="TS-DD"),
                      establishment=one(Establishment, code="ISTA-CASA"), code="DD-CASA-25", seats=5)
    return offers, old_offer


def _applications(db, campaign, other, offers, old_offer, one):
    from quota_app.applications.models import Applicant, Application, ApplicationChoice
    from quota_app.reference.models import Diploma, Region, Series

    ids = {}
    for n, (key, p) in enumerate(PEOPLE.items(), start=1):
        last, first, sex, birth, region, diploma, series, status, choices, nina, passport, phone, email = p
        applicant = Applicant(source="import")
        db.session.add(applicant)
        application = Application(
            reference=f"MLI-2026-{n:06d}", campaign=campaign, applicant=applicant, status=status,
            last_name=last, first_names=first, sex=sex, birth_date=birth, nina=nina,
            passport_number=passport, phone=phone, email=email, region=one(Region, code=region),
            diploma=one(Diploma, code=diploma), series=one(Series, code=series) if series else None,
            diploma_year=2022, diploma_average=Decimal("12.50") + n,
            submitted_at=datetime(2026, 4, n) if status != "draft" else None,
        )
        for rank, code in enumerate(choices, start=1):
            application.choices.append(ApplicationChoice(offer=offers[code], rank=rank))
        db.session.add(application)
        db.session.flush()
        ids[key] = application.id
    applicant = Applicant(source="import")
    db.session.add(applicant)
    look_alike = Application(reference="MLI-2025-000001", campaign=other, applicant=applicant, status="submitted",
                             last_name="Traoré", first_names="Awa", sex="F", birth_date=date(2004, 5, 10),
                             region=one(Region, code="00"), diploma=one(Diploma, code="BAC"))
    look_alike.choices.append(ApplicationChoice(offer=old_offer, rank=1))
    db.session.add(look_alike)
    db.session.commit()
    ids["other_app"] = look_alike.id
    ids["campaign"] = campaign.id
    ids["other"] = other.id
    ids["offers"] = {k: o.id for k, o in offers.items()}
    return ids
