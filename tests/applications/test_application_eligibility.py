"""The automatic eligibility checks: pure rule engine, no app fixture."""
from datetime import date, datetime

import pytest

from quota_app.applications.eligibility import (
    ApplicantFacts, CampaignFacts, Check, ChoiceFacts, LevelFacts, evaluate, failed, is_eligible,
    offers_allowed,
)

# Diploma ranks as seeded: CEP < DEF < CAP < BT < Bac < BTS < Licence.
CEP, DEF, CAP, BT, BAC, BTS, LICENCE = range(1, 8)
LEVELS = {
    "S": LevelFacts("S", "Spécialisation", CEP, "CEP"),
    "Q": LevelFacts("Q", "Qualification", DEF, "DEF"),
    "T": LevelFacts("T", "Technicien", CAP, "CAP"),
    "TS": LevelFacts("TS", "Technicien Spécialisé", BT, "BT"),
}
TODAY = date(2026, 3, 10)
REF = date(2026, 9, 1)
DOCS = {"photo": "Photo d'identité", "birth": "Acte de naissance", "diploma": "Copie du diplôme"}


def campaign(**overrides):
    values = dict(
        reference_date=REF,
        opens_at=datetime(2026, 3, 1, 8, 0),
        closes_at=datetime(2026, 3, 31, 23, 59),
        age_bounds={"TS": (18, 25), "T": (16, 25), "Q": (15, 25)},
        allowed_series=frozenset({"TSE", "TSExp", "STI"}),
        required_documents=DOCS,
    )
    values.update(overrides)
    return CampaignFacts(**values)


def applicant(**overrides):
    values = dict(
        birth_date=date(2004, 5, 17), nationality="MLI", diploma_rank=BAC, diploma_code="BAC",
        diploma_name="Baccalauréat", diploma_has_series=True, series_code="TSE",
        documents=frozenset(DOCS),
    )
    values.update(overrides)
    return ApplicantFacts(**values)


CHOICE_TS = ChoiceFacts(1, "TS-DD-CASA", "TS", "TS Développement Digital – Casablanca")
CHOICE_T = ChoiceFacts(2, "T-MI-TANGER", "T", "T Maintenance Industrielle – Tanger")
CHOICE_Q = ChoiceFacts(3, "Q-CONF-FES", "Q", "Q Confection – Fès")


def run(app=None, camp=None, choices=(CHOICE_TS, CHOICE_T), **kwargs):
    return evaluate(app or applicant(), camp or campaign(), LEVELS, list(choices), today=TODAY, **kwargs)


def by_code(checks):
    return {check.code: check for check in checks}


def test_good_file_is_eligible():
    checks = run()
    assert is_eligible(checks), failed(checks)
    codes = [check.code for check in checks]
    assert codes == [
        "nationality", "birth_date", "diploma", "series", "documents", "choices_count",
        "choices_distinct", "age:TS", "age:T", "diploma:1", "diploma:2", "choices_consistent",
    ]
    assert all(isinstance(check, Check) and check.message_fr for check in checks)
    assert checks[0].as_dict() == {"code": "nationality", "ok": True, "message_fr": checks[0].message_fr}


def test_levels_may_be_given_as_a_list():
    checks = evaluate(applicant(), campaign(), list(LEVELS.values()), [CHOICE_TS], today=TODAY)
    assert is_eligible(checks)


def test_is_eligible():
    assert is_eligible([Check("a", True, "x"), Check("b", True, "y")])
    assert not is_eligible([Check("a", True, "x"), Check("b", False, "y")])
    assert is_eligible([])


def test_foreign_nationality_refused():
    check = by_code(run(applicant(nationality="SEN")))["nationality"]
    assert not check.ok and "nationalité malienne" in check.message_fr
    assert not by_code(run(applicant(nationality=None)))["nationality"].ok
    assert by_code(run(applicant(nationality="mli")))["nationality"].ok


def test_future_birth_date_refused_and_age_not_computed():
    checks = by_code(run(applicant(birth_date=date(2027, 1, 1))))
    assert not checks["birth_date"].ok and "futur" in checks["birth_date"].message_fr
    assert "age:TS" not in checks
    assert not is_eligible(checks.values())


def test_missing_birth_date_refused():
    checks = by_code(run(applicant(birth_date=None)))
    assert not checks["birth_date"].ok and "obligatoire" in checks["birth_date"].message_fr


def test_too_old_message_is_clear():
    # Born 1999-03-01: 27 on 01/09/2026.
    check = by_code(run(applicant(birth_date=date(1999, 3, 1))))["age:TS"]
    assert not check.ok
    assert check.message_fr == (
        "Vous aurez 27 ans au 01/09/2026 : l'âge maximum pour le niveau Technicien Spécialisé est 25 ans."
    )


def test_age_exactly_at_maximum_on_reference_date_is_accepted():
    # 25 on the reference date (turns 26 the day after).
    check = by_code(run(applicant(birth_date=date(2000, 9, 2))))["age:TS"]
    assert check.ok and "25 ans" in check.message_fr


def test_birthday_on_reference_date_counts():
    # Turns 26 exactly on 01/09/2026: too old.
    check = by_code(run(applicant(birth_date=date(2000, 9, 1))))["age:TS"]
    assert not check.ok and "Vous aurez 26 ans" in check.message_fr


def test_age_exactly_at_minimum_is_accepted_and_below_refused():
    ok = by_code(run(applicant(birth_date=date(2008, 9, 1))))["age:TS"]   # 18 on the day
    assert ok.ok
    young = by_code(run(applicant(birth_date=date(2008, 9, 2))))["age:TS"]  # 17
    assert not young.ok and "l'âge minimum pour le niveau Technicien Spécialisé est 18 ans" in young.message_fr


def test_age_past_reference_date_uses_past_tense():
    checks = evaluate(applicant(), campaign(), LEVELS, [CHOICE_TS], today=date(2026, 10, 1))
    assert "Vous aviez 22 ans" in by_code(checks)["age:TS"].message_fr


def test_age_checked_per_level_with_level_defaults():
    levels = dict(LEVELS, S=LevelFacts("S", "Spécialisation", CEP, "CEP", default_max_age=20))
    choice = ChoiceFacts(1, "S-X", "S", "S Soudure – Agadir")
    checks = by_code(evaluate(applicant(), campaign(), levels, [choice], today=TODAY))
    assert not checks["age:S"].ok and "20 ans" in checks["age:S"].message_fr
    # Campaign bounds win over the level's default; no bound at all accepts any age.
    checks = by_code(evaluate(applicant(), campaign(age_bounds={"S": (None, 30)}), levels, [choice], today=TODAY))
    assert checks["age:S"].ok
    checks = by_code(evaluate(applicant(), campaign(age_bounds={}), LEVELS, [CHOICE_TS], today=TODAY))
    assert checks["age:TS"].ok and "pas de limite" in checks["age:TS"].message_fr


def test_one_age_check_per_distinct_level():
    other_ts = ChoiceFacts(2, "TS-IA-RABAT", "TS", "TS Intelligence Artificielle – Rabat")
    codes = [check.code for check in run(choices=(CHOICE_TS, other_ts))]
    assert codes.count("age:TS") == 1


def test_diploma_below_level_minimum_refused():
    app = applicant(diploma_rank=DEF, diploma_code="DEF", diploma_name="DEF", diploma_has_series=False, series_code=None)
    checks = by_code(run(app))
    assert not checks["diploma:1"].ok
    assert "votre diplôme (DEF) ne suffit pas pour le niveau Technicien Spécialisé" in checks["diploma:1"].message_fr
    assert "Technicien Spécialisé, qui demande au moins le diplôme BT." in checks["diploma:1"].message_fr
    assert not checks["diploma:2"].ok
    consistent = checks["choices_consistent"]
    assert not consistent.ok
    assert "Spécialisation, Qualification" in consistent.message_fr
    assert "1. TS Développement Digital" in consistent.message_fr


def test_diploma_exactly_at_minimum_accepted():
    app = applicant(diploma_rank=BT, diploma_code="BT", diploma_name="BT", diploma_has_series=False, series_code=None)
    checks = run(app)
    assert is_eligible(checks), failed(checks)


def test_missing_diploma_refused():
    checks = by_code(run(applicant(diploma_rank=None, diploma_code=None, diploma_name=None)))
    assert not checks["diploma"].ok and "diplôme le plus élevé" in checks["diploma"].message_fr
    assert not checks["diploma:1"].ok
    assert not checks["choices_consistent"].ok


def test_series_not_allowed():
    check = by_code(run(applicant(series_code="TLL")))["series"]
    assert not check.ok
    assert "TLL" in check.message_fr and "STI, TSE, TSExp" in check.message_fr


def test_series_missing_for_a_bac():
    check = by_code(run(applicant(series_code=None)))["series"]
    assert not check.ok and "Indiquez la série" in check.message_fr


def test_series_rule_absent_when_any_series_or_no_series_diploma():
    assert "series" not in by_code(run(camp=campaign(allowed_series=frozenset())))
    app = applicant(diploma_rank=BTS, diploma_code="BTS", diploma_name="BTS", diploma_has_series=False, series_code=None)
    assert "series" not in by_code(run(app))
    assert is_eligible(run(applicant(series_code="TLL"), campaign(allowed_series=frozenset())))


def test_missing_documents_are_named():
    check = by_code(run(applicant(documents=frozenset({"photo"}))))["documents"]
    assert not check.ok
    assert check.message_fr == "Il manque 2 pièces à joindre : Acte de naissance, Copie du diplôme."
    one = by_code(run(applicant(documents=frozenset({"photo", "birth"}))))["documents"]
    assert one.message_fr == "Il manque une pièce à joindre : Copie du diplôme."


def test_no_required_documents_is_fine():
    assert by_code(run(applicant(documents=frozenset()), campaign(required_documents={})))["documents"].ok


def test_no_choice_refused():
    checks = by_code(run(choices=()))
    assert not checks["choices_count"].ok and "au moins une" in checks["choices_count"].message_fr
    assert "choices_consistent" not in checks


def test_four_choices_refused():
    fourth = ChoiceFacts(4, "TS-IA-RABAT", "TS", "TS Intelligence Artificielle – Rabat")
    checks = by_code(run(choices=(CHOICE_TS, CHOICE_T, CHOICE_Q, fourth)))
    assert not checks["choices_count"].ok
    assert "4 choix : 3 au maximum" in checks["choices_count"].message_fr


def test_three_choices_accepted():
    checks = by_code(run(choices=(CHOICE_TS, CHOICE_T, CHOICE_Q)))
    assert checks["choices_count"].ok and checks["choices_distinct"].ok


def test_same_offer_twice_refused():
    twice = ChoiceFacts(2, CHOICE_TS.offer_code, "TS", CHOICE_TS.label)
    check = by_code(run(choices=(CHOICE_TS, twice)))["choices_distinct"]
    assert not check.ok and "plusieurs fois la même formation" in check.message_fr
    assert CHOICE_TS.label in check.message_fr


def test_ranks_must_follow_each_other():
    gap = ChoiceFacts(3, "T-MI-TANGER", "T", "T Maintenance Industrielle – Tanger")
    check = by_code(run(choices=(CHOICE_TS, gap)))["choices_distinct"]
    assert not check.ok and "classés" in check.message_fr


def test_unknown_level_in_choice_refused():
    ghost = ChoiceFacts(1, "X-1", "XX", "Formation retirée")
    check = by_code(run(choices=(ghost,)))["choices_consistent"]
    assert not check.ok and "Formation retirée" in check.message_fr


def test_window_check_only_with_now():
    assert "window" not in by_code(run())
    inside = by_code(run(now=datetime(2026, 3, 10, 12, 0)))["window"]
    assert inside.ok and "31/03/2026 à 23:59" in inside.message_fr
    before = by_code(run(now=datetime(2026, 2, 28, 12, 0)))["window"]
    assert not before.ok and "pas encore ouvertes" in before.message_fr
    after = by_code(run(now=datetime(2026, 3, 31, 23, 59)))["window"]
    assert not after.ok and "closes" in after.message_fr


@pytest.mark.parametrize("rank, expected", [
    (None, []),
    (0, []),
    (CEP, ["S"]),
    (DEF, ["S", "Q"]),
    (CAP, ["S", "Q", "T"]),
    (BAC, ["S", "Q", "T", "TS"]),
    (LICENCE, ["S", "Q", "T", "TS"]),
])
def test_offers_allowed(rank, expected):
    assert offers_allowed(rank, LEVELS) == expected
    assert offers_allowed(rank, list(LEVELS.values())) == expected


def test_default_today_is_used_when_not_given():
    checks = evaluate(applicant(), campaign(), LEVELS, [CHOICE_TS])
    assert by_code(checks)["birth_date"].ok
