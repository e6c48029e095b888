"""The applicant's defects of issue 15, each through the test client: documents that depend on
the answers, warnings before submitting, a closed call, failed checks first, error summaries,
the confirmation of « Retirer », the size error, level codes, cards on a phone, plurals, French
numbers and country names, the timeline's dates and what comes next."""
import re
from datetime import date, timedelta
from io import BytesIO

import pytest

from journey_helpers import IDENTITY, PDF_BYTES, doc_type_id, fill_all, offer_ids, page_text, start


def _app(db, app_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, app_id)


def _require(db, campaign_id, code, required=True):
    from quota_app.campaigns.models import CampaignDocument
    db.session.add(CampaignDocument(campaign_id=campaign_id, document_type_id=doc_type_id(db, code),
                                    required=required))
    db.session.commit()


def _close(db, campaign_id, *, phase=None):
    from quota_app.campaigns.models import Campaign
    from quota_app.timeutil import utcnow
    item = db.session.get(Campaign, campaign_id)
    if phase:
        item.phase = phase
    else:
        item.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()


def _upload(client, db, app_id, code, content=PDF_BYTES, name="piece.pdf"):
    return client.post(f"/candidat/dossier/{app_id}/pieces", data={
        "document_type_id": doc_type_id(db, code), "file": (BytesIO(content), name)},
        content_type="multipart/form-data")


def _no_passport():
    return {**IDENTITY, "passport_number": "", "passport_expiry": ""}


# --- documents that depend on the answers ------------------------------------------------

def test_passport_copy_not_asked_without_a_passport(campaign, applicant, db):
    _require(db, campaign, "PASSPORT")
    _user, client = applicant()
    assert "Copie du passeport (seulement si vous avez un passeport)" in page_text(
        client.get(f"/candidat/campagne/{campaign}"))
    app_id = fill_all(client, db, campaign, identity=_no_passport())
    pieces = page_text(client.get(f"/candidat/dossier/{app_id}/etape/pieces"))
    assert "Copie du passeport" in pieces
    assert "Pas demandée : vous n'avez pas déclaré de passeport (étape Identité)." in pieces
    assert "Demandée à tous les candidats de cet appel." in pieces
    assert f'id="file-{doc_type_id(db, "PASSPORT")}"' not in pieces  # nothing to send
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "Toutes les pièces demandées sont jointes." in summary
    assert client.post(f"/candidat/dossier/{app_id}/soumettre").status_code == 302
    assert _app(db, app_id).status == "submitted"


def test_passport_copy_asked_with_the_reason_when_a_passport_is_declared(campaign, applicant, db):
    _require(db, campaign, "PASSPORT")
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)  # IDENTITY declares a passport
    pieces = page_text(client.get(f"/candidat/dossier/{app_id}/etape/pieces"))
    assert "Demandée parce que vous avez déclaré un passeport (étape Identité)." in pieces
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "Il manque une pièce à joindre : Copie du passeport (demandée car un passeport est déclaré)." in summary
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert _app(db, app_id).status == "draft"
    assert _upload(client, db, app_id, "PASSPORT").status_code == 303
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert _app(db, app_id).status == "submitted"


# --- warnings before submitting ----------------------------------------------------------

def test_warnings_shown_to_the_applicant_before_submitting(campaign, applicant, db):
    _user, client = applicant()
    expired = (date.today() - timedelta(days=10)).isoformat()
    app_id = fill_all(client, db, campaign, identity={**IDENTITY, "birth_date": "2004-03-14",
                                                      "passport_expiry": expired})
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "2 points à vérifier avant de soumettre" in summary
    assert "Les 3e et 4e chiffres de votre NINA (05)" in summary
    assert "Votre passeport a expiré le" in summary
    assert "Vérifier l'étape « Identité »" in summary
    identity_page = page_text(client.get(f"/candidat/dossier/{app_id}/etape/identite"))
    assert "À vérifier" in identity_page and "Votre passeport a expiré le" in identity_page
    # A warning is not a refusal.
    assert "Soumettre mon dossier" in summary
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert _app(db, app_id).status == "submitted"


def test_warnings_of_is_what_the_screening_can_call(campaign, applicant, db):
    from quota_app.applications.services import warnings_of
    _user, client = applicant()
    app_id = fill_all(client, db, campaign, identity={**IDENTITY, "birth_date": "2004-03-14"})
    assert [w.code for w in warnings_of(_app(db, app_id))] == ["nina_birth_year"]


# --- a closed call -----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["dates", "phase"])
def test_closed_call_offers_nothing_that_cannot_succeed(campaign, applicant, db, how):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    _close(db, campaign, phase="screening" if how == "phase" else None)
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "L'appel à candidatures est clos" in summary
    assert "ne peut plus l'être" in summary
    for absent in ("Soumettre mon dossier", "Enregistrer", "Continuer", "/etape/"):
        assert absent not in summary, absent
    home = page_text(client.get("/candidat/"))
    assert "Continuer mon dossier" not in home and "Voir mon dossier" in home
    # The steps are not offered, and nothing is saved or sent.
    response = client.get(f"/candidat/dossier/{app_id}/etape/motivation")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/dossier/{app_id}")
    client.post(f"/candidat/dossier/{app_id}/etape/identite", data={**IDENTITY, "last_name": "Autre"})
    assert _app(db, app_id).last_name == "TRAORÉ"
    before = len(_app(db, app_id).documents)
    _upload(client, db, app_id, "PHOTO")
    assert len(_app(db, app_id).documents) == before
    document = _app(db, app_id).documents[0]
    response = client.get(f"/candidat/dossier/{app_id}/pieces/{document.id}/supprimer")
    assert response.status_code == 302
    client.post(f"/candidat/dossier/{app_id}/pieces/{document.id}/supprimer")
    assert len(_app(db, app_id).documents) == before
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert _app(db, app_id).status == "draft"


def test_services_refuse_edits_once_the_call_is_closed(campaign, applicant, db):
    from quota_app.applications import services
    from quota_app.errors import InvalidTransition
    from quota_app.timeutil import utcnow
    user, client = applicant()
    app_id = start(client, campaign)
    _close(db, campaign)
    with pytest.raises(InvalidTransition, match="clos depuis le"):
        services.save_motivation(user, _app(db, app_id), {"motivation": "x" * 200}, now=utcnow())
    db.session.rollback()


# --- failed checks first, and what cannot be fixed ---------------------------------------

def test_failed_checks_come_first_and_distinct_and_age_says_it_cannot_be_fixed(campaign, applicant, db):
    from quota_app.campaigns.models import CampaignLevelRule
    from quota_app.reference.models import Level
    _user, client = applicant()
    app_id = fill_all(client, db, campaign, identity={**IDENTITY, "birth_date": "1990-03-14",
                                                      "nina": "1 2 90 1234567 001 A"})
    ts = db.session.query(Level).filter_by(code="TS").one()
    db.session.add(CampaignLevelRule(campaign_id=campaign, level_id=ts.id, min_age=18, max_age=25))
    db.session.commit()
    text = page_text(client.get(f"/candidat/dossier/{app_id}"))
    checks = text[text.index("Vérification automatique"):text.index("Vos informations")]
    assert "Une condition n'est pas remplie" in checks
    first_failed, first_passed = checks.index('class="ko'), checks.index('class="ok"')
    assert first_failed < first_passed
    assert "Ne peut pas être corrigée" in checks
    assert "L'âge ne se corrige pas" in checks
    assert "l'âge maximum pour le niveau" in checks
    assert "Soumettre mon dossier" not in text
    assert "Vous pourrez soumettre votre dossier quand" in text


def test_missing_documents_link_to_the_documents_step(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    text = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "Il manque 2 pièces à joindre" in text
    assert f'/candidat/dossier/{app_id}/etape/pieces">Aller à l\'étape « Pièces justificatives »' in text
    assert "5 étapes sont à compléter" in text
    assert "(s)" not in text


# --- the error summary -------------------------------------------------------------------

def test_step_errors_summarised_at_the_top_with_links_to_the_fields(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    response = client.post(f"/candidat/dossier/{app_id}/etape/identite",
                           data={**IDENTITY, "nina": "123", "sex": "", "last_name": ""})
    assert response.status_code == 422
    text = page_text(response)
    summary = text[text.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert 'href="#nina"' in summary and 'href="#sex-M"' in summary and 'href="#last_name"' in summary
    assert "Le NINA doit compter 15 caractères" in summary
    assert text.index('class="error-summary"') < text.index('<form method="post" novalidate>')
    assert 'id="sex-M"' in text and 'id="nina"' in text
    assert 'aria-describedby="nina-error"' in text and 'id="nina-error"' in text
    choices = page_text(client.post(f"/candidat/dossier/{app_id}/etape/choix", data={"choice": [""]}))
    assert 'href="#choice-1"' in choices and 'id="choice-1"' in choices


def test_registration_form_has_an_error_summary(client):
    response = client.post("/inscription", data={"email": "pas-un-courriel", "full_name": "", "password": "x",
                                                 "confirm": "y"})
    text = page_text(response)
    assert 'class="error-summary"' in text
    assert 'href="#full_name"' in text and 'href="#confirm"' in text and 'href="#consent"' in text
    assert "Nom complet : Ce champ est obligatoire." in text


def test_correction_request_form_has_an_error_summary(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    response = client.post("/candidat/mes-donnees", data={"application_id": app_id, "text": "court"})
    assert response.status_code == 422
    text = page_text(response)
    assert 'class="error-summary"' in text and 'href="#text"' in text


# --- « Retirer » asks for confirmation ---------------------------------------------------

def test_removing_a_document_asks_for_confirmation_without_javascript(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    document = next(d for d in _app(db, app_id).documents if d.document_type.code == "DIPLOMA")
    url = f"/candidat/dossier/{app_id}/pieces/{document.id}/supprimer"
    pieces = page_text(client.get(f"/candidat/dossier/{app_id}/etape/pieces"))
    assert f'href="{url}"' in pieces  # a link to the confirmation page, not a button that removes
    confirm = page_text(client.get(url))
    assert "Retirer cette pièce ?" in confirm and "diplome.pdf" in confirm
    assert "Oui, retirer la pièce" in confirm and "Non, garder la pièce" in confirm
    assert len(_app(db, app_id).documents) == 2
    response = client.post(url)
    assert response.status_code == 303
    assert [d.document_type.code for d in _app(db, app_id).documents] == ["PHOTO"]


# --- the size error ----------------------------------------------------------------------

def test_size_error_gives_the_file_size_and_the_limit(campaign, applicant, db, app):
    _user, client = applicant()
    app_id = start(client, campaign)
    big = b"%PDF-1.4\n" + b"0" * int(7.3 * 1024 * 1024)
    response = _upload(client, db, app_id, "DIPLOMA", big, "scan.pdf")
    text = page_text(client.get(response.headers["Location"]))
    assert "« scan.pdf » est trop lourd (7,3 Mo) : la taille maximale est 5 Mo." in text


def test_size_error_over_the_request_cap(campaign, applicant, db, app):
    _user, client = applicant()
    app_id = start(client, campaign)
    app.config["MAX_CONTENT_LENGTH"] = 6 * 1024 * 1024
    try:
        response = _upload(client, db, app_id, "DIPLOMA", b"%PDF-1.4\n" + b"0" * (8 * 1024 * 1024), "scan.pdf")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 60 * 1024 * 1024
    assert response.status_code == 303
    text = page_text(client.get(response.headers["Location"]))
    assert re.search(r"trop lourd \(environ 8(,0)? Mo\) : la taille maximale est 5 Mo", text), text[:3000]


# --- level codes, cards, plurals, numbers, countries ------------------------------------

def test_level_codes_explained_on_the_campaign_and_choice_pages(campaign, applicant, db):
    _user, client = applicant()
    page = page_text(client.get(f"/candidat/campagne/{campaign}"))
    assert "Les niveaux de formation" in page
    assert re.search(r"<dt>TS</dt><dd>Technicien [Ss]pécialisé — diplôme minimum : ", page)
    app_id = fill_all(client, db, campaign)
    choices = page_text(client.get(f"/candidat/dossier/{app_id}/etape/choix"))
    assert "Que veulent dire TS, T, Q et S ?" in choices and "<dt>T</dt>" in choices


def test_offers_table_becomes_cards_on_a_phone(campaign, client, app):
    page = page_text(client.get(f"/candidat/campagne/{campaign}"))
    assert 'class="stack offers"' in page and 'data-label="Établissement"' in page
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert 'table.stack td[data-label]::before { content: attr(data-label)' in css


def test_french_numbers_and_country_names(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "13,50/20" in summary
    assert "<dt>Nationalité</dt><dd>Mali</dd>" in summary and "MLI" not in summary
    client.post("/langue", data={"lang": "en", "next": "/candidat/"})
    english = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "13.50/20" in english and ">Mali<" in english and "Your information" in english


def test_no_parenthesised_plural_on_the_applicant_pages(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    for url in ("/candidat/", f"/candidat/dossier/{app_id}", f"/candidat/dossier/{app_id}/recepisse",
                f"/candidat/campagne/{campaign}", "/candidat/mes-donnees"):
        assert "(s)" not in page_text(client.get(url)), url


# --- the timeline: dates and what happens next -------------------------------------------

def test_timeline_has_dates_and_says_what_happens_next(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    draft_home = page_text(client.get("/candidat/"))
    assert "Et ensuite ?" in draft_home and "Complétez les étapes puis soumettez votre dossier avant le" in draft_home
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    submitted = _app(db, app_id).submitted_at.strftime("%d/%m/%Y %H:%M")
    home = page_text(client.get("/candidat/"))
    assert f"le {submitted}" in home
    assert "La DNFP examine votre dossier et vos pièces" in home
    assert 'aria-current="step"' in home
    receipt = page_text(client.get(f"/candidat/dossier/{app_id}/recepisse"))
    assert "Suivi de votre dossier" in receipt and f"le {submitted}" in receipt
    assert "La DNFP examine votre dossier" in receipt


# --- a manager who shortens the window is told how many drafts are in progress -----------

def _campaign_form(item, **overrides):
    fmt = "%Y-%m-%dT%H:%M"
    values = {"title": item.title, "code": item.code, "year": str(item.year), "kind": item.kind,
              "reference_date": item.reference_date.isoformat(), "opens_at": item.opens_at.strftime(fmt),
              "closes_at": item.closes_at.strftime(fmt), "announced_quota": str(item.announced_quota or 10),
              "reviewers_per_file": "2", "score_gap_threshold": "4", "decision_deadline": "",
              "tie_break_rule": item.tie_break_rule, "quorum_percent": str(item.quorum_percent),
              "version": str(item.version)}
    values.update(overrides)
    return values


def test_manager_shortening_the_window_is_told_how_many_drafts(campaign, applicant, db, make_user, login, client):
    from quota_app.campaigns.models import Campaign
    for _ in range(2):
        _user, own = applicant()
        start(own, campaign)
    _user, own = applicant()
    submitted = fill_all(own, db, campaign)
    own.post(f"/candidat/dossier/{submitted}/soumettre")
    login(make_user("manager"))
    item = db.session.get(Campaign, campaign)
    url = f"/gestion/campagnes/{campaign}/modifier"
    shorter = item.closes_at - timedelta(days=10)
    response = client.post(url, data=_campaign_form(item, closes_at=shorter.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302, page_text(response)[:2000]
    page = page_text(client.get(response.headers["Location"]))
    assert (f"La clôture est avancée au {shorter.strftime('%d/%m/%Y %H:%M')} : 2 dossiers sont en cours "
            "(brouillons non soumis)") in page
    # Lengthening says nothing about drafts.
    db.session.expire_all()
    item = db.session.get(Campaign, campaign)
    longer = item.closes_at + timedelta(days=20)
    response = client.post(url, data=_campaign_form(item, closes_at=longer.strftime("%Y-%m-%dT%H:%M")))
    assert "La clôture est avancée" not in page_text(client.get(response.headers["Location"]))
