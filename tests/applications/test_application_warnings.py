"""The file's warnings (applications/warnings.py), the documents that depend on the answers and
the checks that cannot be fixed (applications/eligibility.py): pure rules, no database."""
from datetime import date

from quota_app.applications.eligibility import (
    ApplicantFacts, CampaignFacts, ChoiceFacts, LevelFacts, check_documents, document_needs, evaluate, failed,
)
from quota_app.applications.warnings import (
    NINA_BIRTH_YEAR, PASSPORT_EXPIRED, PASSPORT_EXPIRING, file_warnings,
)

NINA_05 = "120512345670 01A".replace(" ", "")  # birth-year digits "05"
REF = date(2026, 9, 1)
TODAY = date(2026, 6, 1)


def _warnings(**overrides):
    values = dict(nina=NINA_05, birth_date=date(2005, 3, 14), passport_number=None, passport_expiry=None,
                  reference_date=REF, today=TODAY)
    values.update(overrides)
    return file_warnings(**values)


def test_a_coherent_file_has_no_warning():
    assert _warnings() == []
    assert _warnings(passport_number="AA123456", passport_expiry=date(2031, 1, 1)) == []


def test_nina_contradicting_the_birth_year_warns_both_staff_and_applicant():
    [warning] = _warnings(birth_date=date(2001, 3, 14))
    assert warning.code == NINA_BIRTH_YEAR and warning.step == "identite"
    assert "(05)" in warning.message_fr and "provisoire" in warning.message_fr
    assert "votre NINA (05)" in warning.applicant_fr and "« 01 » pour 2001" in warning.applicant_fr
    assert "vous pouvez soumettre" in warning.applicant_fr


def test_nina_not_well_formed_or_no_birth_date_gives_no_warning():
    assert _warnings(nina="123") == []
    assert _warnings(birth_date=None) == []


def test_expired_passport_warns():
    [warning] = _warnings(passport_number="AA123456", passport_expiry=date(2026, 5, 31))
    assert warning.code == PASSPORT_EXPIRED
    assert "Votre passeport a expiré le 31/05/2026" in warning.applicant_fr
    assert "a expiré le 31/05/2026" in warning.message_fr


def test_passport_expiring_before_the_training_warns_without_saying_expired():
    [warning] = _warnings(passport_number="AA123456", passport_expiry=date(2026, 10, 1))
    assert warning.code == PASSPORT_EXPIRING
    assert "expire le 01/10/2026" in warning.applicant_fr and "expiré" not in warning.applicant_fr
    assert "moins de 6 mois après le 01/09/2026" in warning.applicant_fr


def test_expiry_without_a_passport_number_is_ignored_and_both_warnings_come_in_order():
    assert _warnings(passport_expiry=date(2020, 1, 1)) == []
    codes = [w.code for w in _warnings(birth_date=date(2001, 1, 1), passport_number="AA123456",
                                        passport_expiry=date(2020, 1, 1))]
    assert codes == [NINA_BIRTH_YEAR, PASSPORT_EXPIRED]


# --- documents that depend on the answers ------------------------------------------------

DOCS = [("PHOTO", "Photo d'identité", True), ("PASSPORT", "Copie du passeport", True),
        ("MEDICAL", "Certificat médical", False)]


def test_passport_copy_asked_only_when_a_passport_is_declared():
    without = {n.code: n for n in document_needs(DOCS, ApplicantFacts(birth_date=None, passport_declared=False))}
    assert without["PHOTO"].needed and without["PHOTO"].reason_fr == "Demandée à tous les candidats de cet appel."
    assert not without["PASSPORT"].needed
    assert without["PASSPORT"].reason_fr == "Pas demandée : vous n'avez pas déclaré de passeport (étape Identité)."
    assert not without["MEDICAL"].needed and without["MEDICAL"].optional
    with_passport = {n.code: n for n in document_needs(DOCS, ApplicantFacts(birth_date=None, passport_declared=True))}
    assert with_passport["PASSPORT"].needed
    assert with_passport["PASSPORT"].reason_fr.startswith("Demandée parce que vous avez déclaré un passeport")
    # Not known (a caller that does not say): the copy stays asked.
    assert {n.code: n for n in document_needs(DOCS, ApplicantFacts(birth_date=None))}["PASSPORT"].needed


def test_missing_document_check_says_why_the_passport_copy_is_needed():
    campaign = CampaignFacts(reference_date=REF, required_documents={"PHOTO": "Photo d'identité",
                                                                     "PASSPORT": "Copie du passeport"})
    no_passport = ApplicantFacts(birth_date=None, documents=frozenset({"PHOTO"}), passport_declared=False)
    assert check_documents(no_passport, campaign).ok
    declared = ApplicantFacts(birth_date=None, documents=frozenset({"PHOTO"}), passport_declared=True)
    check = check_documents(declared, campaign)
    assert not check.ok
    assert check.message_fr == ("Il manque une pièce à joindre : Copie du passeport (demandée car un passeport "
                                "est déclaré).")
    nothing = ApplicantFacts(birth_date=None, passport_declared=False)
    assert check_documents(nothing, campaign).message_fr == "Il manque une pièce à joindre : Photo d'identité."


# --- checks that cannot be fixed ---------------------------------------------------------

LEVELS = [LevelFacts("TS", "Technicien spécialisé", 5, "Baccalauréat"),
          LevelFacts("T", "Technicien", 3, "CAP"), LevelFacts("Q", "Qualification", 2, "DEF")]
AGE_CAMPAIGN = CampaignFacts(reference_date=REF, age_bounds={"TS": (18, 25), "T": (16, 30), "Q": (15, 30)})
BAC = dict(diploma_rank=5, diploma_code="BAC", diploma_name="Baccalauréat")


def _age_checks(birth, choices):
    applicant = ApplicantFacts(birth_date=birth, **BAC)
    return evaluate(applicant, AGE_CAMPAIGN, LEVELS, choices, today=TODAY)


def test_age_outside_the_bounds_cannot_be_fixed_and_names_the_levels_still_open():
    checks = _age_checks(date(1998, 1, 1), [ChoiceFacts(1, "TS-DD", "TS", "TS Développement Digital")])
    [age] = [c for c in failed(checks) if c.code == "age:TS"]
    assert age.fixable is False
    assert age.hint_fr.startswith("L'âge ne se corrige pas")
    assert "Technicien, Qualification" in age.hint_fr or "Qualification, Technicien" in age.hint_fr
    assert age.as_dict()["fixable"] is False and age.as_dict()["hint_fr"] == age.hint_fr


def test_age_hint_says_when_no_level_is_open():
    checks = _age_checks(date(1980, 1, 1), [ChoiceFacts(1, "TS-DD", "TS", "TS Développement Digital")])
    [age] = [c for c in failed(checks) if c.code == "age:TS"]
    assert "Aucun niveau de cet appel n'est ouvert à votre âge" in age.hint_fr


def test_age_hint_when_another_choice_is_open():
    checks = _age_checks(date(1998, 1, 1), [ChoiceFacts(1, "TS-DD", "TS", "TS Développement Digital"),
                                            ChoiceFacts(2, "T-MI", "T", "T Maintenance")])
    [age] = [c for c in failed(checks) if c.code == "age:TS"]
    assert "Qualification" in age.hint_fr  # a level not chosen yet
    assert all(c.fixable for c in checks if c.ok)
