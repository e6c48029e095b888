"""A young applicant, on a 360 px phone, creates an account, logs out and logs back in."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_applicant_registers_logs_out_and_in_on_a_phone(live_server, phone, shot, outbox_secret):
    page = phone
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "01-accueil")

    page.get_by_role("link", name="Créer un compte").first.click()
    page.fill("#email", "awa.traore@exemple.ml")
    page.fill("#full_name", "Awa Traoré")
    page.fill("#password", "Bamako-Rabat-2026")
    page.fill("#confirm", "Bamako-Rabat-2026")
    shot(page, "02-inscription")
    page.check("#consent")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_load_state()
    if "/inscription/code" in page.url:  # the address is proven by a code sent to it
        shot(page, "02b-code")
        page.fill("#code", outbox_secret("awa.traore@exemple.ml"))
        page.get_by_role("button", name="Valider le code").click()
    page.wait_for_url(live_server + "/candidat/")
    assert "Mon espace candidat" in page.content()
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "03-espace-candidat")

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("link", name="Se connecter").first.click()
    page.fill("#email", "awa.traore@exemple.ml")
    page.fill("#password", "mauvais-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("body")).to_contain_text("mot de passe incorrect.")
    shot(page, "04-connexion-refusee")

    page.fill("#password", "Bamako-Rabat-2026")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/candidat/")
    assert "Awa Traoré" in page.content()


def test_registration_without_consent_is_refused_in_the_browser(live_server, phone, shot):
    page = phone
    page.goto(live_server + "/inscription")
    page.fill("#email", "moussa@exemple.ml")
    page.fill("#full_name", "Moussa Keïta")
    page.fill("#password", "Segou-Fes-2026-ok")
    page.fill("#confirm", "Segou-Fes-2026-ok")
    page.get_by_role("button", name="Créer mon compte").click()
    # The answer comes back on the same address: wait for its error, not for a new URL.
    expect(page.locator(".error").first).to_be_visible()
    assert page.url.endswith("/inscription")
    shot(page, "05-inscription-sans-consentement")
