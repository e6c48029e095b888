"""A whole year in a real browser: a fresh campaign through every phase and every role.

Playwright drives Debian's Chromium against the live test server. The manager opens the call;
two young people apply on a 360 px phone (three more files were typed in from paper forms);
the manager screens them and sets up the committee; the members sign their statement, declare
their conflicts and score (one of them offline, through the Excel score sheet filled with
openpyxl); the chair records the session, validates the deliberation and downloads the sealed
PV, whose QR code's page says it is intact; the manager simulates, then publishes the
placements; one candidate accepts, one declines and the first on the waiting list is promoted
(and accepts, like the third placed candidate); the manager establishes the nominative list and
sends it on a sealed transmittal slip; the AMCI officer imports the returned list with one
refusal, which the manager applies, and the next waiting candidate is offered the seat; the
AMCI officer's follow-up import records an arrival. Every step is screenshotted under
tests/e2e/artifacts/ (year-NN-...png). The journey runs in French; then the first pages
(login, applicant home, manager home) once more in English.

Only what no step names is set up beforehand (tests/e2e/year_steps.py): reference data, staff
accounts, the draft campaign with its offer, and three paper files. The application window is
closed by the manager on the campaign's settings page (closing date brought forward), so the
phase guards let each move happen now: no clock is faked.
"""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

import year_steps as ys

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]


@pytest.fixture
def year(app):
    from quota_app.timeutil import utcnow

    return ys.setup_year(app, utcnow())


def test_a_whole_year_through_every_role(app, live_server, browser, shot, register, year):
    base = live_server
    errors = ys.ServerErrors()
    step = iter(range(1, 100))

    def snap(page, name):
        shot(page, f"year-{next(step):02d}-{name}")

    def see(page, *texts):
        for text in texts:
            expect(page.locator("main")).to_contain_text(text)

    manager = ys.new_page(browser, errors)
    ys.login(manager, base, ys.MANAGER[0])

    # 1. Ouverture — the manager opens the call.
    manager.goto(f"{base}/gestion/campagnes/{year.campaign_id}")
    see(manager, "Quota annuel 2027-2028", "Phase : Brouillon", "Conforme au quota")
    manager.get_by_role("button", name="Passer à la phase « Candidatures ouvertes »").click()
    see(manager, "La campagne est passée à la phase « Candidatures ouvertes ».")
    snap(manager, "manager-opens")

    ys.add_paper_files(app, year)

    # 2. Candidatures — two young people apply on a 360 px phone.
    references = {}
    for person in (ys.AWA, ys.MOUSSA):
        phone = ys.new_page(browser, errors, phone=True)
        register(phone, base, person["email"], person["name"], ys.PASSWORD)
        references[person["last"]] = apply_on_phone(phone, base, year, person, snap)
        phone.context.close()

    # The manager closes the call (closing date brought forward to now), then moves on.
    manager.goto(f"{base}/gestion/campagnes/{year.campaign_id}/modifier")
    manager.fill("#closes_at", _now_minute())
    manager.get_by_role("button", name="Enregistrer", exact=True).click()
    see(manager, "La campagne est enregistrée.")
    manager.get_by_role("button", name="Passer à la phase « Examen de recevabilité »").click()
    see(manager, "La campagne est passée à la phase « Examen de recevabilité ».")
    snap(manager, "manager-closes-the-call")

    # 3. Recevabilité — one file examined alone, the others in a batch (all checks green).
    manager.goto(f"{base}/gestion/dossiers/recevabilite?campaign={year.campaign_id}")
    see(manager, "5 dossiers soumis en attente d'examen.")
    snap(manager, "manager-screening-queue")
    manager.get_by_role("link", name=references["Coulibaly"]).click()
    see(manager, "Décision de recevabilité", "Awa COULIBALY")
    manager.locator("input[name=decision][value=eligible]").check()
    manager.get_by_role("button", name="Enregistrer la décision").click()
    see(manager, f"Décision enregistrée pour {references['Coulibaly']} : Recevable.")
    snap(manager, "manager-screens-one-file")
    manager.goto(f"{base}/gestion/dossiers/recevabilite?campaign={year.campaign_id}")
    for box in manager.locator("input[name=selected]").all():
        box.check()
    manager.get_by_role("button", name="Déclarer recevables les dossiers sélectionnés").click()
    see(manager, "4 dossiers déclarés recevables.", "Aucun dossier en attente.")
    snap(manager, "manager-screens-the-batch")

    # 4. Comité — the manager sets up the committee (a chair and two members).
    manager.goto(f"{base}/gestion/comites/campagnes/{year.campaign_id}")
    manager.get_by_role("link", name="Constituer un comité").click()
    manager.fill("#name", "Comité de sélection 2027")
    manager.get_by_role("button", name="Enregistrer").click()
    see(manager, "Le comité est constitué : ajoutez-lui ses membres.")
    committee_url = manager.url
    committee_id = int(committee_url.rstrip("/").rsplit("/", 1)[1])
    for (email, name), chair in ((ys.CHAIR, True), (ys.MEMBER, False), (ys.OFFLINE, False)):
        manager.goto(f"{committee_url}/membres/ajouter")
        manager.select_option("#user_id", label=f"{name} ({email})")
        if chair:
            manager.check("#chair")
        manager.get_by_role("button", name="Ajouter").click()
        see(manager, "Le membre est ajouté au comité.")
    snap(manager, "manager-committee")
    manager.goto(f"{base}/gestion/campagnes/{year.campaign_id}")
    manager.get_by_role("button", name="Passer à la phase « Évaluation par le comité »").click()
    see(manager, "La campagne est passée à la phase « Évaluation par le comité ».")

    # Each member signs the statement and declares their conflicts (one of them knows Touré).
    members = {}
    for email, _name in (ys.CHAIR, ys.MEMBER, ys.OFFLINE):
        page = ys.new_page(browser, errors)
        ys.login(page, base, email)
        members[email] = page
        see(page, "Espace du comité de sélection", "Comité de sélection 2027")
        page.get_by_role("link", name="Signer la déclaration d'impartialité et de confidentialité").click()
        page.check("#accept")
        page.get_by_role("button", name="Signer la déclaration").click()
        see(page, "Déclaration signée. Déclarez maintenant vos conflits d'intérêts.", "5 candidat(s)")
        if email == ys.MEMBER[0]:
            row = page.locator("tr", has_text="Touré Oumou")
            row.locator("input[name=reason]").fill("Ma voisine à Sébénikoro")
            row.get_by_role("button", name="Je connais ce candidat").click()
            see(page, "Conflit d'intérêts enregistré : ce candidat ne vous sera pas attribué.", "Conflit déclaré")
            snap(page, "member-declares-a-conflict")
        page.check("#confirm")
        page.get_by_role("button", name="J'ai terminé ma déclaration").click()
        see(page, "Votre déclaration de conflits d'intérêts est enregistrée.")
    snap(members[ys.CHAIR[0]], "chair-ready")

    # The manager assigns the files (2 reviewers each, never the member in conflict).
    manager.goto(f"{base}/gestion/comites/campagnes/{year.campaign_id}/attribuer")
    see(manager, "5 dossier(s) à attribuer sur 5, entre 3 membre(s) prêt(s).")
    manager.get_by_role("button", name="Confirmer l'attribution").click()
    see(manager, "10 attribution(s) enregistrée(s).")
    snap(manager, "manager-assigns")

    # Two members score on the page.
    for email in (ys.CHAIR[0], ys.MEMBER[0]):
        page = members[email]
        page.goto(f"{base}/comite/{committee_id}/dossiers")
        count = page.locator("tbody tr").count()
        assert count >= 3
        if email == ys.MEMBER[0]:
            assert "Touré" not in page.locator("tbody").inner_text()
        for index in range(count):
            row = page.locator("tbody tr").nth(index)
            last = _last_name(row.locator("td").nth(1).inner_text())
            row.get_by_role("link").click()
            see(page, "Motivation (sur 20)")
            page.get_by_label("Motivation (sur 20)").fill(ys.MOTIVATION[last])
            if index == 0:
                snap(page, "member-scores-on-the-page")
            page.get_by_role("button", name="Soumettre").click()
            see(page, "Notes soumises : elles sont maintenant verrouillées.")
        see(page, f"{count} dossier(s) soumis sur {count}.")
    snap(members[ys.MEMBER[0]], "member-scored")

    # The third scores offline: the Excel sheet downloaded, filled with openpyxl, uploaded back.
    offline = members[ys.OFFLINE[0]]
    offline.goto(f"{base}/comite/")
    offline.get_by_role("link", name="Noter hors ligne avec la feuille de notes (Excel)").click()
    data, name = ys.download(offline, offline.get_by_role("link", name="Télécharger ma feuille de notes (.xlsx)"))
    assert name.endswith(".xlsx")
    workbook = ys.read_workbook(data)
    sheet = workbook["Notes"]
    top = ys.header_row(sheet, "Code du dossier")
    cols = ys.columns(sheet, top)
    motivation_col = next(c for h, c in cols.items() if h.startswith("Motivation"))
    dossier_col = next(c for h, c in cols.items() if h.startswith("Dossier scolaire"))
    filled = 0
    for r in range(top + 1, sheet.max_row + 1):
        if not sheet.cell(r, cols["Code du dossier"]).value:
            continue
        assert sheet.cell(r, dossier_col).value is not None, "le critère prérempli vient rempli"
        sheet.cell(r, motivation_col).value = float(ys.MOTIVATION[_last_name(sheet.cell(r, cols["Candidat"]).value)])
        sheet.cell(r, cols["Commentaire"]).value = "Noté hors ligne, entretien à Bamako."
        sheet.cell(r, cols["Soumettre"]).value = "Oui"
        filled += 1
    assert filled >= 3
    offline.set_input_files("#file", files=[{"name": "feuille-de-notes.xlsx", "buffer": ys.workbook_bytes(workbook),
                                             "mimeType": XLSX}])
    offline.get_by_role("button", name="Analyser la feuille").click()
    see(offline, "Résultat de l'analyse")
    expect(offline.locator("dl.counts")).to_contain_text("Erreurs")
    snap(offline, "member-score-sheet-dry-run")
    offline.get_by_role("button", name="Valider l'import").click()
    expect(offline.locator("#ce-qui-est-enregistre")).to_be_visible()
    snap(offline, "member-score-sheet-imported")
    offline.goto(f"{base}/comite/{committee_id}/dossiers")
    see(offline, f"{filled} dossier(s) soumis sur {filled}.")

    manager.goto(f"{base}/gestion/campagnes/{year.campaign_id}")
    manager.get_by_role("button", name="Passer à la phase « Délibération »").click()
    see(manager, "La campagne est passée à la phase « Délibération ».")
    snap(manager, "manager-to-deliberation")

    # 5. Délibération — the chair opens, records the session, validates; the PV is sealed.
    chair = members[ys.CHAIR[0]]
    chair.goto(f"{base}/comite/deliberation/{committee_id}")
    see(chair, "Évaluations soumises", "10 / 10")
    chair.get_by_role("button", name="Ouvrir la délibération").click()
    see(chair, "La délibération est ouverte.")
    chair.get_by_role("link", name="Enregistrer la séance").click()
    chair.fill("#held_on", _now_minute())
    chair.fill("#place", "Bamako, DNFP (salle de réunion)")
    for box in chair.locator("input[name=members_present]").all():
        box.check()
    chair.get_by_role("button", name="Enregistrer la séance").click()
    see(chair, "La séance est enregistrée.")
    ranking = chair.locator("section[aria-labelledby=ranking-title] tbody tr")
    expect(ranking).to_have_count(5)
    expect(ranking.first).to_contain_text("COULIBALY Awa")
    expect(ranking.nth(1)).to_contain_text("KEÏTA Moussa")
    expect(ranking.first).to_contain_text("17,000")
    snap(chair, "chair-ranking")
    chair.check("#confirm")
    chair.get_by_role("button", name="Valider la délibération").click()
    see(chair, "La délibération est validée : les notes sont verrouillées et le procès-verbal est scellé.")
    snap(chair, "chair-validates")
    pv, pv_name = ys.download(chair, chair.get_by_role("link", name="Télécharger le procès-verbal (PDF scellé)"))
    assert pv[:5] == b"%PDF-" and pv_name.startswith("PV-")
    # The QR code's page (its address is printed under the code): authentic, and the file intact.
    chair.goto(base + ys.verification_path(pv))
    see(chair, "Document authentique", pv_name[:-4])
    chair.set_input_files("#file", files=[{"name": pv_name, "mimeType": "application/pdf", "buffer": pv}])
    chair.get_by_role("button", name="Comparer", exact=True).click()
    see(chair, "Ce fichier est identique à l'original.")
    snap(chair, "pv-verified-intact")

    # 6. Affectation — the manager simulates (one more seat), then publishes.
    manager.goto(f"{base}/gestion/affectation/?campaign={year.campaign_id}")
    see(manager, "Tout est prêt : 5 dossier(s) évalué(s) seront affectés")
    manager.get_by_role("link", name="Simuler des changements de places avant de publier").click()
    manager.fill("#title", "Courrier OFPPT : une place de plus ?")
    manager.fill(f"#seats-{year.offer_id}", "4")
    manager.get_by_role("button", name="Lancer la simulation").click()
    see(manager, "La simulation est enregistrée.", "Entrent (1)", "SANGARÉ Mariam")
    snap(manager, "manager-simulates")
    manager.goto(f"{base}/gestion/affectation/{year.campaign_id}/publier")
    manager.get_by_role("button", name="Confirmer la publication").click()
    see(manager, "Les affectations sont publiées (tour 1).")
    snap(manager, "manager-publishes")

    # Awa accepts, Moussa declines: Mariam Sangaré, first on the waiting list, is offered his seat.
    awa = ys.new_page(browser, errors, phone=True)
    ys.login(awa, base, ys.AWA["email"])
    answer(awa, "J'accepte cette place")
    see(awa, "Votre réponse est enregistrée.", "Ma place")
    ys.fits_phone(awa)
    snap(awa, "applicant-accepts")
    moussa = ys.new_page(browser, errors, phone=True)
    ys.login(moussa, base, ys.MOUSSA["email"])
    answer(moussa, "Je refuse cette place")
    see(moussa, "Votre réponse est enregistrée.")
    ys.fits_phone(moussa)
    snap(moussa, "applicant-declines")
    moussa.context.close()
    promoted = ys.new_page(browser, errors, phone=True)
    ys.login(promoted, base, year.paper["Sangaré"][0])
    see(promoted, "Mon affectation : répondre")
    answer(promoted, "J'accepte cette place")
    see(promoted, "Votre réponse est enregistrée.", "Ma place")
    snap(promoted, "waiting-candidate-promoted-accepts")
    promoted.context.close()
    third = ys.new_page(browser, errors, phone=True)
    ys.login(third, base, year.paper["Diallo"][0])
    answer(third, "J'accepte cette place")
    see(third, "Votre réponse est enregistrée.")
    third.context.close()
    manager.goto(f"{base}/gestion/affectation/?campaign={year.campaign_id}")
    see(manager, "Où en est l'affectation")
    expect(manager.locator("dl.facts")).to_contain_text("Places acceptées")
    snap(manager, "manager-placement-after-answers")

    # 7. Liste nominative — the manager establishes it from the acceptances.
    manager.goto(f"{base}/amci/nominations/?campaign={year.campaign_id}")
    see(manager, "3 candidats ont accepté leur place et ne sont pas encore sur la liste nominative.")
    manager.get_by_role("button", name="Établir la liste nominative").click()
    see(manager, "3 candidat(s) ajouté(s) à la liste nominative, 0 retiré(s) ; 3 sur la liste.")
    snap(manager, "manager-nominates")

    # 8. Bordereau — prepared and sealed, sent through the embassy, received by the AMCI.
    manager.get_by_role("link", name="Préparer le bordereau de transmission").click()
    see(manager, "3 candidats nommés ne sont encore sur aucun bordereau.")
    manager.get_by_role("link", name="Préparer le bordereau", exact=True).click()
    see(manager, "Ce que le bordereau contiendra", "3 candidats transmis")
    manager.get_by_role("button", name="Préparer et sceller le bordereau").click()
    see(manager, "est préparé et scellé : 3 candidat(s).")
    slip_number = re.search(r"BT-\d{4}-\d{3}", ys.main_text(manager)).group(0)
    manager.get_by_role("button", name="Enregistrer l'envoi à l'ambassade").click()
    see(manager, "Étape enregistrée : Envoyé à l'ambassade.")
    manager.get_by_role("button", name="Enregistrer la réception par l'AMCI").click()
    see(manager, "Étape enregistrée")
    snap(manager, "manager-sends-the-slip")
    listed, _name = ys.download(manager, manager.get_by_role("link", name="Liste nominative du bordereau (Excel)"))

    # 9. Réponse de la commission mixte — the AMCI officer imports the returned list (the
    # AMCI's decision written beside each row of the list it received), one refusal with its reason.
    returned = ys.read_workbook(listed)
    sheet = returned.active
    top = ys.header_row(sheet, "Référence")
    cols = ys.columns(sheet, top)
    decision_col, reason_col = sheet.max_column + 1, sheet.max_column + 2
    sheet.cell(top, decision_col).value = "Décision de la commission mixte"
    sheet.cell(top, reason_col).value = "Motif"
    rows = 0
    for r in range(top + 1, sheet.max_row + 1):
        last = sheet.cell(r, cols["Nom"]).value
        if not last:
            continue
        rows += 1
        refused = str(last).lower().startswith("diallo")
        sheet.cell(r, decision_col).value = "Refusé" if refused else "Retenu"
        sheet.cell(r, reason_col).value = "Dossier médical incomplet" if refused else None
    assert rows == 3
    amci = ys.new_page(browser, errors)
    ys.login(amci, base, ys.AMCI[0])
    see(amci, slip_number)
    snap(amci, "amci-home")
    amci.goto(f"{base}/amci/retours/?campaign={year.campaign_id}")
    ys.select_containing(amci, "#transmittal_id", slip_number)
    amci.set_input_files("#file", files=[{"name": "liste-retournee-amci.xlsx", "mimeType": XLSX,
                                          "buffer": ys.workbook_bytes(returned)}])
    amci.get_by_role("button", name="Analyser le fichier").click()
    see(amci, "Fichier analysé : 3 différence(s) à appliquer, 0 erreur(s).", "Dossier médical incomplet")
    snap(amci, "amci-returned-list-dry-run")
    reconciliation_url = amci.url
    manager.goto(reconciliation_url)
    manager.check("#checked")
    manager.get_by_role("button", name="Appliquer la liste").click()
    see(manager, "La liste est appliquée : 2 confirmé(s), 0 réorienté(s), 1 refusé(s)")
    snap(manager, "manager-applies-the-returned-list")
    # The refused candidate's seat (the reserved one) goes to the next young woman waiting.
    oumou = ys.new_page(browser, errors, phone=True)
    ys.login(oumou, base, year.paper["Touré"][0])
    see(oumou, "Mon affectation : répondre")
    oumou.get_by_role("link", name="Mon affectation : répondre").click()
    see(oumou, "À faire maintenant", "place réservée aux candidates")
    snap(oumou, "next-candidate-promoted")
    oumou.context.close()

    # 10. Bourse et départ — the follow-up import records Awa's arrival.
    amci.goto(f"{base}/gestion/imports/")
    template, _name = ys.download(amci, amci.locator("tr", has_text=year.code).get_by_role(
        "link", name="Télécharger le modèle"))
    header = [c.value for c in ys.read_workbook(template)["Suivi AMCI"][1]]
    assert "Date d'arrivée" in header
    values = {"Référence": references["Coulibaly"], "N° dossier AMCI": "AMCI-2027-0001", "Statut visa": "Accordé",
              "Date du visa": _days_ago(14), "Date de voyage": _days_ago(6), "Date d'arrivée": _days_ago(5)}
    followup = ys.new_workbook("Suivi AMCI", header, [[values.get(h) for h in header]])
    ys.select_containing(amci, "#campaign_id", year.code)
    amci.select_option("#kind", value="followup")
    amci.set_input_files("#file", files=[{"name": "suivi-amci.xlsx", "mimeType": XLSX, "buffer": followup}])
    amci.get_by_role("button", name="Analyser le fichier").click()
    see(amci, "Résultat de l'analyse")
    expect(amci.locator("dl.counts")).to_contain_text("Nouveaux")
    snap(amci, "amci-followup-dry-run")
    amci.get_by_role("button", name="Valider l'import").click()
    expect(amci.locator("#ce-qui-est-enregistre")).to_be_visible()
    snap(amci, "amci-followup-imported")
    application_id = _application_id(app, references["Coulibaly"])
    amci.goto(f"{base}/amci/suivi/stagiaire/{application_id}")
    see(amci, "AMCI-2027-0001", _days_ago(5))
    snap(amci, "amci-trainee-arrived")

    assert not errors.seen, "erreurs du serveur :\n" + "\n".join(errors.seen)
    _database_facts(app, year, references)

    # The first pages once more, in English.
    english = ys.new_page(browser, errors, phone=True, locale="en-GB")
    english.goto(base + "/connexion")
    english.get_by_role("button", name="English").click()
    expect(english.locator("h1")).to_have_text("Log in")
    snap(english, "en-login")
    ys.login(english, base, ys.AWA["email"], button="Log in")
    expect(english.locator("html")).to_have_attribute("lang", "en")
    snap(english, "en-applicant-home")
    ys.logout(english)
    ys.login(english, base, ys.MANAGER[0], button="Log in")
    expect(english.locator("h1")).to_have_text("Campaigns")
    snap(english, "en-manager-home")
    assert not errors.seen, "erreurs du serveur :\n" + "\n".join(errors.seen)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def apply_on_phone(page, base, year, person, snap) -> str:
    """Every step of the form (the account just registered), the diploma uploaded, the
    submission: the file's reference."""
    page.goto(f"{base}/candidat/campagne/{year.campaign_id}")
    expect(page.locator("main")).to_contain_text("Pièces à fournir")
    page.get_by_role("button", name="Postuler").click()
    page.wait_for_url("**/etape/identite*")
    page.fill("#last_name", person["last"])
    page.fill("#first_names", person["first"])
    page.check(f"input[name=sex][value={person['sex']}]")
    page.fill("#birth_date", person["birth"])
    page.fill("#birth_place", "Bamako")
    page.fill("#nina", person["nina"])
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/contact*")
    page.fill("#phone", person["phone"])
    page.fill("#address", "Rue 12, Hamdallaye, Bamako")
    page.select_option("#region_id", label="00 District de Bamako")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/parcours*")
    page.select_option("#diploma_id", label="Baccalauréat")
    page.select_option("#series_id", label="TSE — Terminale Sciences Exactes")
    page.fill("#diploma_year", "2024")
    page.fill("#diploma_average", person["average"])
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/choix*")
    page.select_option("#choice-1", value=str(year.offer_id))
    ys.fits_phone(page)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/motivation*")
    page.fill("#motivation", "Je veux apprendre un métier au Maroc puis revenir créer des emplois au Mali. " * 3)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etape/pieces*")
    page.set_input_files(f"#file-{year.diploma_type_id}",
                         files=[{"name": "diplome.pdf", "mimeType": "application/pdf", "buffer": ys.PDF_BYTES}])
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("main")).to_contain_text("Pièce enregistrée.")
    page.get_by_role("link", name="Voir le récapitulatif").click()
    expect(page.locator("main")).to_contain_text("Toutes les pièces demandées sont jointes.")
    ys.fits_phone(page)
    snap(page, f"applicant-{person['first'].lower()}-summary")
    page.get_by_role("button", name="Soumettre mon dossier").click()
    page.wait_for_url("**/recepisse*")
    text = ys.main_text(page)
    assert "Récépissé de dépôt de candidature" in text
    reference = re.search(r"MLI-2027-\d{6}", text).group(0)
    ys.fits_phone(page)
    snap(page, f"applicant-{person['first'].lower()}-submits")
    return reference


def answer(page, button: str) -> None:
    """From the applicant's home: « Mon affectation : répondre », the offer, the answer."""
    page.get_by_role("link", name="Mon affectation : répondre").click()
    page.get_by_role("link", name="Répondre à cette proposition").click()
    expect(page.locator("h1")).to_have_text("Répondre à la place proposée")
    ys.fits_phone(page)
    page.get_by_role("button", name=button).click()


def _now_minute() -> str:
    from quota_app.timeutil import utcnow
    return utcnow().strftime("%Y-%m-%dT%H:%M")


def _today() -> date:
    from quota_app.timeutil import utcnow
    return utcnow().date()


def _days_ago(days: int) -> str:
    return (_today() - timedelta(days=days)).strftime("%d/%m/%Y")


def _last_name(text) -> str:
    words = str(text or "").split()
    for word in words:
        for last in ys.MOTIVATION:
            if word.lower() == last.lower():
                return last
    raise AssertionError(f"candidat inconnu : {text!r}")


def _application_id(app, reference: str) -> int:
    from quota_app.applications.models import Application
    from quota_app.extensions import db

    with app.app_context():
        found = db.session.scalar(db.select(Application.id).where(Application.reference == reference))
        db.session.remove()
        return found


def _database_facts(app, year, references) -> None:
    """What the year left in the database, as the pages said it."""
    from quota_app.amci.models import FollowUp, Nomination, Transmittal
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Campaign
    from quota_app.committee.models import Deliberation
    from quota_app.documents.models import SealedDocument
    from quota_app.extensions import db
    from quota_app.placement.models import Placement

    with app.app_context():
        campaign = db.session.get(Campaign, year.campaign_id)
        assert campaign.phase == "published"
        files = {a.last_name.capitalize(): a for a in db.session.scalars(
            db.select(Application).where(Application.campaign_id == campaign.id))}
        assert files["Coulibaly"].reference == references["Coulibaly"]
        assert files["Coulibaly"].status == "accepted"
        assert files["Keïta"].status == "declined"
        assert files["Sangaré"].status == "accepted"
        assert files["Diallo"].status == "amci_refused"
        assert files["Touré"].status == "placed"
        offered = db.session.scalars(db.select(Placement).where(
            Placement.application_id == files["Touré"].id, Placement.status == "offered")).one()
        assert offered.seat_kind == "reserved"
        nominations = {n.application_id: n.status for n in db.session.scalars(
            db.select(Nomination).where(Nomination.campaign_id == campaign.id))}
        assert nominations == {files["Coulibaly"].id: "confirmed", files["Sangaré"].id: "confirmed",
                               files["Diallo"].id: "refused"}
        slip = db.session.scalars(db.select(Transmittal).where(Transmittal.campaign_id == campaign.id)).one()
        assert slip.status == "answered"
        assert db.session.scalars(db.select(Deliberation)).one().status == "validated"
        kinds = set(db.session.scalars(db.select(SealedDocument.kind)))
        assert {"pv", "transmittal", "receipt"} <= kinds
        trainee = db.session.scalars(db.select(FollowUp).where(
            FollowUp.application_id == files["Coulibaly"].id)).one()
        assert trainee.arrival_date == _today() - timedelta(days=5)
        assert trainee.amci_file_number == "AMCI-2027-0001"
        db.session.remove()
