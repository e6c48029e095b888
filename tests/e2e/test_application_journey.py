"""A young applicant, on a 360 px phone, registers, fills every step, uploads a PDF, submits and
downloads the sealed receipt; axe-core checks every page on the way (registration, steps,
summary, receipt: no serious or critical violation). Screenshots and axe results go to
tests/e2e/artifacts/."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def open_campaign(app, reference):
    """An open campaign with two offers, requiring only the diploma."""
    from quota_app.campaigns.models import Campaign, CampaignDocument, Offer
    from quota_app.extensions import db
    from quota_app.reference.models import DocumentType, Establishment, Programme
    from quota_app.timeutil import utcnow

    with app.app_context():
        now = utcnow()
        item = Campaign(code="E2E2026", title="Quota 2026-2027", year=2026, phase="open",
                        reference_date=date(now.year, 9, 1), opens_at=now - timedelta(days=1),
                        closes_at=now + timedelta(days=10))
        db.session.add(item)
        db.session.flush()
        casa = db.session.query(Establishment).filter_by(code="ISTA-CASA").one()
        offers = []
        for code in ("TS-DD", "T-MI"):
            programme = db.session.query(Programme).filter_by(code=code).one()
            offer = Offer(campaign_id=item.id, programme_id=programme.id, establishment_id=casa.id,
                          code=f"{code}-CASA", seats=5)
            db.session.add(offer)
            offers.append(offer)
        diploma = db.session.query(DocumentType).filter_by(code="DIPLOMA").one()
        db.session.add(CampaignDocument(campaign_id=item.id, document_type_id=diploma.id, required=True))
        db.session.commit()
        return {"id": item.id, "offers": [o.id for o in offers], "diploma_type": diploma.id}


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_applicant_applies_on_a_phone(live_server, phone, shot, open_campaign, axe, register):
    page = phone
    page.goto(live_server + "/inscription")
    axe(page, "inscription")
    register(page, live_server, "awa.traore@exemple.ml", "Awa Traoré", "Bamako-Rabat-2026")

    page.goto(f"{live_server}/candidat/campagne/{open_campaign['id']}")
    assert "Pièces à fournir" in page.content()
    _fits(page)
    axe(page, "campagne")
    shot(page, "10-campagne")
    page.get_by_role("button", name="Postuler").click()
    page.wait_for_url("**/etape/identite*")
    axe(page, "etape-identite")

    # Identity, with a wrong NINA first.
    page.fill("#last_name", "Traoré")
    page.fill("#first_names", "Awa")
    page.check("input[name=sex][value=F]")
    page.fill("#birth_date", "2005-03-14")
    page.fill("#birth_place", "Bamako")
    page.fill("#nina", "12345")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator("body")).to_contain_text("Le NINA doit compter 15 caractères")
    # The error summary is at the top, focused, and its link leads to the field.
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Le NINA doit compter 15 caractères", exact=False).click()
    expect(page.locator("#nina")).to_be_focused()
    _fits(page)
    axe(page, "etape-identite-erreur")
    shot(page, "11-identite-erreur")
    page.fill("#nina", "12 05 1234567 001 A")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/contact*")  # the summary's #nina follows the redirect

    axe(page, "etape-contact")
    page.fill("#phone", "76 12 34 56")
    page.fill("#address", "Rue 12, Hamdallaye, Bamako")
    page.select_option("#region_id", label="00 District de Bamako")
    shot(page, "12-contact")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/parcours*")

    axe(page, "etape-parcours")
    page.select_option("#diploma_id", label="Baccalauréat")
    page.select_option("#series_id", label="TSE — Terminale Sciences Exactes")
    page.fill("#diploma_year", "2024")
    page.fill("#diploma_average", "13,5")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/choix*")

    page.select_option("#choice-1", value=str(open_campaign["offers"][0]))
    page.select_option("#choice-2", value=str(open_campaign["offers"][1]))
    page.get_by_text("Que veulent dire TS, T, Q et S ?").click()
    expect(page.locator("details.levels")).to_contain_text("Technicien")
    _fits(page)
    axe(page, "etape-choix")
    shot(page, "13-choix")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/motivation*")

    page.fill("#motivation", "Je veux devenir développeuse et revenir créer des emplois au Mali. " * 3)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/pieces*")
    axe(page, "etape-pieces")
    # Before the document: the summary shows the failed check first, with the way to fix it.
    page.get_by_role("link", name="Récapitulatif", exact=True).click()
    expect(page.locator(".checks li").first).to_have_class("ko")
    _fits(page)
    axe(page, "recapitulatif-incomplet")
    page.get_by_role("link", name="Aller à l'étape « Pièces justificatives »").click()
    page.wait_for_url("**/etape/pieces*")

    page.set_input_files(f"#file-{open_campaign['diploma_type']}",
                        files=[{"name": "diplome.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("body")).to_contain_text("Pièce enregistrée.")
    assert "diplome.pdf" in page.content()
    _fits(page)
    shot(page, "14-pieces")
    # « Retirer » asks first (a page of its own, no JavaScript needed); « Non » keeps the file.
    page.get_by_role("link", name="Retirer", exact=False).click()
    expect(page.locator("h1")).to_have_text("Retirer cette pièce ?")
    _fits(page)
    axe(page, "retirer-piece")
    page.get_by_role("link", name="Non, garder la pièce").click()
    page.wait_for_url("**/etape/pieces*")
    assert "diplome.pdf" in page.content()

    page.get_by_role("link", name="Voir le récapitulatif").click()
    expect(page.locator("body")).to_contain_text("Toutes les pièces demandées sont jointes.")
    _fits(page)
    axe(page, "recapitulatif")
    shot(page, "15-recapitulatif")
    page.get_by_role("button", name="Soumettre mon dossier").click()
    page.wait_for_url("**/recepisse*")
    content = page.content()
    assert "Récépissé de dépôt de candidature" in content and "MLI-2026-000001" in content
    assert "Et ensuite ?" in content
    _fits(page)
    axe(page, "recepisse")
    shot(page, "16-recepisse")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le récépissé (PDF)").click()
    assert download.value.suggested_filename == "recepisse-MLI-2026-000001.pdf"
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    # The public verification page of this receipt.
    page.get_by_role("link", name="Vérifier ce récépissé").click()
    expect(page.locator("body")).to_contain_text("Document authentique")
    _fits(page)
    axe(page, "verification-recepisse")

    page.goto(live_server + "/candidat/")
    assert "Soumis" in page.content() and "Et ensuite ?" in page.content()
    _fits(page)
    axe(page, "espace-soumis")
    shot(page, "17-espace-soumis")


def test_registration_errors_and_a_closed_call_are_accessible(live_server, phone, shot, open_campaign, axe, app,
                                                             register):
    """The registration form's error summary, then a draft whose call has closed: it says so and
    offers no step, no save and no submission."""
    from quota_app.campaigns.models import Campaign
    from quota_app.extensions import db
    from quota_app.timeutil import utcnow

    page = phone
    page.goto(live_server + "/inscription")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".error-summary")).to_be_focused()
    _fits(page)
    axe(page, "inscription-erreurs")
    register(page, live_server, "fatou.diarra@exemple.ml", "Fatou Diarra", "Kayes-Tanger-2026")
    page.goto(f"{live_server}/candidat/campagne/{open_campaign['id']}")
    page.get_by_role("button", name="Postuler").click()
    page.wait_for_url("**/etape/identite*")
    with app.app_context():
        item = db.session.get(Campaign, open_campaign["id"])
        item.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page.get_by_role("link", name="Récapitulatif", exact=True).click()
    expect(page.locator("body")).to_contain_text("L'appel à candidatures est clos")
    assert page.get_by_role("button", name="Soumettre mon dossier").count() == 0
    assert page.locator("a[href*='/etape/']").count() == 0
    _fits(page)
    axe(page, "recapitulatif-appel-clos")
    shot(page, "18-appel-clos")
    page.goto(live_server + "/candidat/")
    assert page.get_by_role("link", name="Continuer mon dossier").count() == 0
    axe(page, "espace-appel-clos")
