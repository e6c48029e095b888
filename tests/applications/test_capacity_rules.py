"""The kinds of campaign (campaigns/kinds.py) and the capacity-building rules of the pure
eligibility engine: employer in the list, experience at the campaign's minimum, no diploma
rule, the levels' default age bounds not applied, an age rule of the campaign's own."""
from datetime import date

from quota_app.applications import eligibility as e
from quota_app.campaigns.kinds import CAPACITY_BUILDING, KINDS, QUOTA, kind_of

TODAY = date(2026, 6, 1)
LEVELS = [e.LevelFacts("T", "Technicien", min_diploma_rank=5, min_diploma_name="Bac", default_min_age=18,
                       default_max_age=25)]
CHOICE = [e.ChoiceFacts(1, "FF-1", "T", "Formation de formateurs")]


def campaign(**kw):
    base = dict(reference_date=date(2026, 12, 31), rules=frozenset(CAPACITY_BUILDING.rules),
                min_experience_years=3, level_age_defaults=False,
                required_documents={"EMPLOYER_LETTER": "Lettre de nomination de l'employeur"})
    return e.CampaignFacts(**(base | kw))


def trainer(**kw):
    base = dict(birth_date=date(1980, 3, 2), employer_name="CFP de Ségou", employer_listed=True,
                years_experience=5, documents=frozenset({"EMPLOYER_LETTER"}))
    return e.ApplicantFacts(**(base | kw))


def codes(checks, ok=None):
    return [c.code for c in checks if ok is None or c.ok is ok]


def test_each_kind_is_data_and_an_unknown_code_is_the_quota():
    assert set(KINDS) == {"quota", "capacity_building"}
    assert kind_of("capacity_building") is CAPACITY_BUILDING and kind_of("nope") is QUOTA
    assert CAPACITY_BUILDING.has_step("emploi") and not CAPACITY_BUILDING.has_step("parcours")
    assert QUOTA.has_rule("diploma") and not QUOTA.has_rule("employment")
    assert "EMPLOYER_LETTER" in CAPACITY_BUILDING.documents


def test_a_trainer_of_46_with_no_diploma_rule_is_eligible():
    checks = e.evaluate(trainer(), campaign(), LEVELS, CHOICE, today=TODAY)
    assert e.is_eligible(checks), [c.message_fr for c in checks if not c.ok]
    assert "employer" in codes(checks) and "experience" in codes(checks)
    assert not any(code.startswith("diploma") for code in codes(checks))  # no diploma rule
    assert not any(code.startswith("age") and not c.ok for code, c in zip(codes(checks), checks))


def test_experience_below_the_minimum_fails_and_cannot_be_fixed():
    checks = e.evaluate(trainer(years_experience=2), campaign(), LEVELS, CHOICE, today=TODAY)
    failed = e.failed(checks)
    assert [c.code for c in failed] == ["experience"]
    assert "au moins 3 ans" in failed[0].message_fr and failed[0].fixable is False


def test_no_minimum_means_any_declared_experience_is_enough_but_it_must_be_declared():
    assert e.is_eligible(e.evaluate(trainer(years_experience=0), campaign(min_experience_years=None),
                                    LEVELS, CHOICE, today=TODAY))
    missing = e.failed(e.evaluate(trainer(years_experience=None), campaign(), LEVELS, CHOICE, today=TODAY))
    assert [c.code for c in missing] == ["experience"] and missing[0].fixable


def test_an_employer_that_left_the_list_or_none_given():
    left = e.failed(e.evaluate(trainer(employer_listed=False), campaign(), LEVELS, CHOICE, today=TODAY))
    assert [c.code for c in left] == ["employer"] and "ne fait plus partie" in left[0].message_fr
    none = e.failed(e.evaluate(trainer(employer_name=None, employer_listed=None), campaign(), LEVELS, CHOICE,
                               today=TODAY))
    assert [c.code for c in none] == ["employer"]


def test_the_nomination_letter_is_required():
    failed = e.failed(e.evaluate(trainer(documents=frozenset()), campaign(), LEVELS, CHOICE, today=TODAY))
    assert [c.code for c in failed] == ["documents"]


def test_an_age_rule_of_the_campaigns_own_applies():
    checks = e.evaluate(trainer(), campaign(age_bounds={"T": (None, 45)}), LEVELS, CHOICE, today=TODAY)
    assert [c.code for c in e.failed(checks)] == ["age:T"]


def test_the_youth_quota_keeps_its_rules():
    youth = e.ApplicantFacts(birth_date=date(2005, 1, 1), diploma_rank=None)
    checks = e.evaluate(youth, e.CampaignFacts(reference_date=date(2026, 12, 31)), LEVELS, CHOICE, today=TODAY)
    assert "diploma" in codes(checks, ok=False) and "employer" not in codes(checks)


def test_placement_eligibility_follows_the_kind():
    level = LEVELS[0]
    assert e.eligible_for_level(trainer(), level, campaign())          # no diploma needed
    youth_campaign = e.CampaignFacts(reference_date=date(2026, 12, 31))
    assert not e.eligible_for_level(trainer(), level, youth_campaign)  # the quota needs the Bac
