"""The manager's screening desk (issue 15, « Managers » and paper files): documents inline beside
the decision, « dossier suivant », staff wording, refusals shown where the manager looks, honest
notification, warnings in the queue, documents received on paper and the explicit reason needed
to declare eligible a file whose automatic checks fail — everything audited."""
import html
import re

import pytest


def text(response):
    return html.unescape(response.get_data(as_text=True))


def get_app(db, app_id):
    from quota_app.applications.models import Application

    db.session.expire_all()
    return db.session.get(Application, app_id)


def count(db, model, **kw):
    return db.session.execute(db.select(db.func.count()).select_from(model).filter_by(**kw)).scalar()


def doc_type(db, code):
    from quota_app.reference.models import DocumentType

    return db.session.execute(db.select(DocumentType).filter_by(code=code)).scalar_one()


def reason_id(db, code):
    from quota_app.reference.models import IneligibilityReason

    return db.session.execute(db.select(IneligibilityReason.id).filter_by(code=code)).scalar_one()


def decision_section(page):
    return page.split('id="decision"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def asking(db, data):
    """The campaign asks for the birth certificate and the diploma; no file has uploaded them."""
    from quota_app.campaigns.models import CampaignDocument

    for code in ("BIRTH", "DIPLOMA"):
        db.session.add(CampaignDocument(campaign_id=data["campaign"], document_type_id=doc_type(db, code).id,
                                        required=True))
    db.session.add(CampaignDocument(campaign_id=data["campaign"], document_type_id=doc_type(db, "MEDICAL").id,
                                    required=False))
    db.session.commit()
    return data


def upload(app, db, application_id, code, content=b"%PDF-1.4\n% test\n"):
    from quota_app.applications import storage
    from quota_app.applications.models import ApplicationDocument

    doc = ApplicationDocument(application_id=application_id, document_type=doc_type(db, code),
                              original_name=f"{code.lower()}.pdf", stored_name=storage.save(app.config["UPLOAD_DIR"], content),
                              content_type="application/pdf", size_bytes=len(content), sha256="0" * 64)
    db.session.add(doc)
    db.session.commit()
    return doc


# --- documents received on paper, and the explicit reason ----------------------------------

def test_paper_documents_make_an_honest_screening(client, db, asking, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.audit.models import AuditEvent
    from quota_app.screening.models import PaperDocument

    data = asking
    manager = make_user("manager", full_name="Oumar Sangaré")
    login(manager)
    url = f"/gestion/dossiers/{data['A1']}"
    page = text(client.get(url))
    assert "Il manque 2 pièces : Acte de naissance, Diplôme ou attestation de réussite." in page
    assert page.count("manquante") >= 3 and "(facultative)" in page
    # Failed checks come first, distinct.
    checks = re.findall(r'data-check="([^"]+)"><span class="badge (badge-\w+)"', page)
    assert checks[0] == ("documents", "badge-err") and all(b == "badge-ok" for _c, b in checks[1:])

    # Declaring it eligible without a word is refused, the error beside the field.
    response = client.post(f"{url}/decision", data={"decision": "eligible", "version": "1"})
    assert response.status_code == 400
    section = decision_section(text(response))
    assert "expliquez pourquoi ce dossier est recevable malgré tout" in section
    assert 'href="#override_reason"' in section and 'aria-invalid="true"' in section
    assert get_app(db, data["A1"]).status == "submitted" and count(db, ScreeningDecision) == 0

    # The birth certificate arrives on paper: recorded with who and when, audited.
    response = client.post(f"{url}/pieces-papier", data={"document_type": str(doc_type(db, "BIRTH").id),
                                                         "note": "Original vu à Kayes"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#h-docs")
    paper = db.session.execute(db.select(PaperDocument)).scalar_one()
    assert paper.received_by_id == manager.id and paper.received_at is not None and paper.note == "Original vu à Kayes"
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.paper_document.receive")).scalar_one()
    assert event.actor_id == manager.id and event.object_id == str(data["A1"])
    assert event.after["document_type"] == "Acte de naissance" and event.campaign_id == data["campaign"]
    page = text(client.get(url))
    assert "reçue sur papier" in page and "par Oumar Sangaré" in page and "Original vu à Kayes" in page
    assert "Il manque une pièce : Diplôme ou attestation de réussite." in page
    # Recording it twice, or a document the campaign does not ask for, is refused.
    response = client.post(f"{url}/pieces-papier", data={"document_type": str(doc_type(db, "BIRTH").id)})
    assert response.status_code == 400 and "déjà enregistrée comme reçue sur papier" in text(response)
    response = client.post(f"{url}/pieces-papier", data={"document_type": str(doc_type(db, "PASSPORT").id)})
    assert response.status_code == 400 and "Choisissez une pièce demandée par la campagne." in text(response)
    assert count(db, PaperDocument) == 1

    # The second one too: the automatic checks now pass and the file is « Tous conformes ».
    client.post(f"{url}/pieces-papier", data={"document_type": str(doc_type(db, "DIPLOMA").id)})
    page = text(client.get(f"/gestion/dossiers/recevabilite?campaign={data['campaign']}"))
    row = page.split(data and "MLI-2026-000001", 1)[1].split("</tr>", 1)[0]
    assert "Tous conformes" in row
    assert f'value="{data["A1"]}:1"' in page  # a paper record does not change the file's version

    # Cancelling a record (a mistake) is audited and the document is missing again.
    diploma = db.session.execute(db.select(PaperDocument).filter_by(document_type_id=doc_type(db, "DIPLOMA").id)).scalar_one()
    response = client.post(f"{url}/pieces-papier/{diploma.id}/annuler")
    assert response.status_code == 302 and count(db, PaperDocument) == 1
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.paper_document.cancel")).scalar_one()
    assert event.before["document_type"] == "Diplôme ou attestation de réussite" and event.actor_id == manager.id
    assert "Il manque une pièce" in text(client.get(url))


def test_eligible_despite_failed_checks_needs_and_keeps_the_reason(client, db, asking, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.audit.models import AuditEvent

    data = asking
    login(make_user("manager"))
    url = f"/gestion/dossiers/{data['A2']}"
    response = client.post(f"{url}/decision", data={
        "decision": "eligible", "version": "1",
        "override_reason": "Dossier papier complet vu à la direction régionale de Kayes."})
    assert response.status_code == 302
    assert get_app(db, data["A2"]).status == "eligible"
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.screening.eligible")).scalar_one()
    assert event.reason == "Dossier papier complet vu à la direction régionale de Kayes."
    assert event.after["override_reason"] == event.reason
    assert event.after["failed_checks"] == [
        "Il manque 2 pièces : Acte de naissance, Diplôme ou attestation de réussite."]
    decision = db.session.execute(db.select(ScreeningDecision)).scalar_one()
    assert [c["code"] for c in decision.automatic_checks if not c["ok"]] == ["documents"]
    page = text(client.get(url))
    assert "motif interne : Dossier papier complet vu à la direction régionale de Kayes." in page
    # The journal shows it in French.
    page = text(client.get("/gestion/journal/", query_string={"action": "application.screening.eligible"}))
    assert "Contrôles non satisfaits" in page and "Motif de la recevabilité malgré les contrôles" in page


def test_bulk_never_decides_a_file_whose_checks_fail(client, db, asking, make_user, login):
    data = asking
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/recevabilite?campaign={data['campaign']}"))
    assert 'name="selected"' not in page  # no file is complete
    response = client.post(f"/gestion/dossiers/recevabilite/lot?campaign={data['campaign']}",
                           data={"selected": [f"{data['A1']}:1"]}, follow_redirects=True)
    assert "1 dossier non traité" in text(response) and get_app(db, data["A1"]).status == "submitted"


# --- warnings -----------------------------------------------------------------------------

def test_warnings_count_in_the_queue_and_keep_files_out_of_bulk(client, db, data, make_user, login):
    from datetime import date

    application = get_app(db, data["A2"])
    application.nina = "10991234567002K"  # birth year 2000: the NINA says 99
    application.passport_expiry = date(2026, 1, 31)  # expired before the reference date
    db.session.commit()
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/recevabilite?campaign={data['campaign']}"))
    version = get_app(db, data["A2"]).version
    row = next(r for r in page.split("<tr>") if "MLI-2026-000002" in r).split("</tr>", 1)[0]
    assert "Tous conformes" not in row and "2 avertissements" in row
    assert f'value="{data["A2"]}:{version}"' not in page and f'value="{data["A1"]}:1"' in page
    response = client.post(f"/gestion/dossiers/recevabilite/lot?campaign={data['campaign']}",
                           data={"selected": [f"{data['A1']}:1", f"{data['A2']}:{version}"]}, follow_redirects=True)
    page = text(response)
    assert "1 dossier déclaré recevable." in page and "avertissement à vérifier" in page
    assert get_app(db, data["A2"]).status == "submitted"
    page = text(client.get(f"/gestion/dossiers/{data['A2']}"))
    assert "2 avertissements à vérifier" in page and "Le passeport a expiré le 31/01/2026" in page
    assert "Les chiffres de l'année de naissance du NINA (99)" in page
    # Checked one by one, it may be declared eligible (a warning is not a failed check).
    response = client.post(f"/gestion/dossiers/{data['A2']}/decision", data={
        "decision": "eligible", "version": str(version), "override_reason": "NINA provisoire vérifié."})
    assert response.status_code == 302
    from quota_app.audit.models import AuditEvent
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.screening.eligible",
                                                                object_id=str(data["A2"]))).scalar_one()
    assert len(event.after["warnings"]) == 2 and event.reason == "NINA provisoire vérifié."


# --- staff wording ------------------------------------------------------------------------

def test_the_staff_page_speaks_of_the_candidate_and_the_applicant_keeps_vous(client, db, data, make_user, login):
    from quota_app.applications.models import ScreeningDecision

    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/{data['A5']}"))
    checks = page.split('<ul class="checks">', 1)[1].split("</ul>", 1)[0]
    assert not re.search(r"\b(vous|votre|vos)\b", checks, re.I), checks
    assert "son diplôme (Diplôme d'Études Fondamentales) ne suffit pas pour le niveau" in checks
    assert "le candidat peut choisir les niveaux : Spécialisation, Qualification" in checks
    assert re.search(r"Le candidat (aura|avait) 24 ans au 01/09/2026", checks)
    client.post(f"/gestion/dossiers/{data['A5']}/decision", data={
        "decision": "ineligible", "version": "1", "reason": str(reason_id(db, "DIPLOMA")), "comment": "DEF."})
    stored = db.session.execute(db.select(ScreeningDecision)).scalar_one().automatic_checks
    assert any("votre diplôme (Diplôme d'Études Fondamentales) ne suffit pas" in c["message_fr"]
               for c in stored)  # the applicant's words, unchanged


@pytest.mark.parametrize("facts", [
    dict(birth_date=None, nationality="", diploma_rank=None),
    dict(nationality="SEN", diploma_rank=1, diploma_code="DEF", diploma_name="DEF"),
    dict(diploma_rank=5, diploma_code="BAC", diploma_name="Baccalauréat", diploma_has_series=True),
    dict(diploma_rank=5, diploma_code="BAC", diploma_name="Baccalauréat", diploma_has_series=True, series_code="TLL"),
    dict(diploma_rank=5, diploma_code="BAC", diploma_name="Baccalauréat", diploma_has_series=True, series_code="TSE",
         documents=frozenset({"PHOTO", "BIRTH"})),
])
@pytest.mark.parametrize("choices", ["none", "many", "repeated", "gap", "unknown", "fine"])
def test_no_check_addresses_the_manager_as_vous(facts, choices):
    from datetime import date

    from quota_app.applications import eligibility as e
    from quota_app.screening.wording import staff_message

    levels = [e.LevelFacts("TS", "Technicien spécialisé", 5, "Baccalauréat", 18, 25),
              e.LevelFacts("Q", "Qualification", 1, "DEF", 15, 30)]
    campaign = e.CampaignFacts(reference_date=date(2026, 9, 1), allowed_series=frozenset({"TSE", "STI"}),
                               required_documents={"PHOTO": "Photo", "BIRTH": "Acte", "DIPLOMA": "Diplôme"})
    c = {"TS": lambda r, o="DD": e.ChoiceFacts(r, o, "TS", "TS DD (Casa)"),
         "Q": lambda r, o="CO": e.ChoiceFacts(r, o, "Q", "Q Confection (Casa)")}
    lists = {"none": [], "many": [c["TS"](1, "A"), c["TS"](2, "B"), c["Q"](3, "C"), c["Q"](4, "D")],
             "repeated": [c["TS"](1), c["TS"](2)], "gap": [c["TS"](1), c["Q"](3)],
             "unknown": [e.ChoiceFacts(1, "X", "ZZ", "Inconnue")], "fine": [c["TS"](1), c["Q"](2)]}
    applicant = e.ApplicantFacts(**{"birth_date": date(1996, 1, 1), **facts})
    for birth in (applicant.birth_date, date(2012, 1, 1), date(2030, 1, 1)):
        checks = e.evaluate(e.ApplicantFacts(**{**facts, "birth_date": birth}), campaign, levels, lists[choices],
                            today=date(2026, 3, 1), now=None)
        for check in checks:
            staff = staff_message(check.message_fr)
            assert not re.search(r"\b(vous|votre|vos)\b", staff, re.I), (check.message_fr, staff)


# --- the desk: documents inline, next file, the refusal where one looks ----------------

def test_documents_inline_beside_the_decision(app, client, db, data, make_user, login):
    from quota_app.security import CSP

    doc = upload(app, db, data["A1"], "BIRTH")
    login(make_user("manager"))
    response = client.get(f"/gestion/dossiers/{data['A1']}")
    page = text(response)
    src = f"/gestion/dossiers/{data['A1']}/pieces/{doc.id}"
    assert f'<iframe name="piece-viewer" id="piece-viewer" src="{src}"' in page
    assert f'href="{src}" target="piece-viewer"' in page
    # Beside the decision: both in the first two-column block, documents first.
    first_block = page.split('<div class="grid grid-2">', 2)[1]
    assert first_block.index("piece-viewer") < first_block.index('id="decision"')
    # The page itself may not be framed; the document may, by this site only.
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    served = client.get(src)
    assert served.status_code == 200 and served.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert served.headers["Content-Security-Policy"] == CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    assert "default-src 'self'" in served.headers["Content-Security-Policy"]  # the page's CSP allows the frame


def test_next_file_after_each_decision_then_the_queue(client, db, data, make_user, login):
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/{data['A1']}"))
    assert f'href="/gestion/dossiers/{data["A2"]}" id="next-file">Dossier suivant' in page
    response = client.post(f"/gestion/dossiers/{data['A2']}/decision", data={"decision": "eligible", "version": "1"})
    assert response.headers["Location"].endswith(f"/gestion/dossiers/{data['A5']}")
    # After the last of the queue, back to its first still waiting.
    response = client.post(f"/gestion/dossiers/{data['A5']}/decision", data={
        "decision": "ineligible", "version": "1", "reason": str(reason_id(db, "DIPLOMA")), "comment": "DEF."})
    assert response.headers["Location"].endswith(f"/gestion/dossiers/{data['A1']}")
    response = client.post(f"/gestion/dossiers/{data['A1']}/decision", data={"decision": "eligible", "version": "1"},
                           follow_redirects=True)
    page = text(response)
    assert "Examen de recevabilité" in page and "Plus aucun dossier n'attend d'examen dans cette campagne." in page
    assert "Aucun dossier en attente." in page


def test_refusal_without_reason_shows_its_errors_in_the_decision_panel(client, db, data, make_user, login):
    login(make_user("manager"))
    response = client.post(f"/gestion/dossiers/{data['A5']}/decision", data={"decision": "ineligible", "version": "1"})
    assert response.status_code == 400
    page = text(response)
    section = decision_section(page)
    assert 'action="/gestion/dossiers/%s/decision#decision"' % data["A5"] in section  # the page opens there
    assert 'La décision n\'est pas enregistrée' in section
    assert '<a href="#reason">Choisissez le motif de non-recevabilité.</a>' in section
    assert '<a href="#comment">Expliquez le motif au candidat dans le commentaire.</a>' in section
    reason_field = section.split('for="reason"', 1)[1].split('for="comment"', 1)[0]
    assert "Choisissez le motif de non-recevabilité.</p>" in reason_field
    # The choice made stays chosen.
    assert re.search(r'value="ineligible"[^>]*checked|checked[^>]*value="ineligible"', section)


# --- what was actually sent ---------------------------------------------------------------

def test_no_email_the_sms_goes_and_the_page_says_so(client, db, data, make_user, login):
    from quota_app.notifications.models import OutboxMessage

    application = get_app(db, data["A1"])
    application.email = None
    db.session.commit()
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/{data['A1']}"))
    assert "pas d'adresse e-mail" in page and "le candidat le reçoit par SMS." in page
    response = client.post(f"/gestion/dossiers/{data['A1']}/decision",
                           data={"decision": "eligible", "version": str(application.version)}, follow_redirects=True)
    page = text(response)
    (message,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert message.channel == "sms" and message.to_phone == "+22376000001"
    assert ("Décision enregistrée pour MLI-2026-000001 : Recevable. Le candidat est prévenu par SMS "
            "(+22376000001).") in page


def test_no_email_and_no_mobile_nothing_sent_and_the_phone_shown(client, db, data, make_user, login):
    from quota_app.notifications.models import OutboxMessage

    application = get_app(db, data["A1"])
    application.email, application.phone = None, "+33 6 12 34 56 78"  # not a Malian mobile: no SMS
    db.session.commit()
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/{data['A1']}"))
    assert "prévenez-le par téléphone (+33 6 12 34 56 78)" in page
    page = text(client.post(f"/gestion/dossiers/{data['A1']}/decision",
                            data={"decision": "eligible", "version": str(application.version)}, follow_redirects=True))
    assert count(db, OutboxMessage) == 0 and "prévenu" not in page.split("Décision enregistrée", 1)[1][:200]
    assert "Aucun message n'a été envoyé" in page and "+33 6 12 34 56 78" in page


def test_no_email_nor_phone(client, db, data, make_user, login):
    application = get_app(db, data["A2"])
    application.email = application.phone = None
    db.session.commit()
    login(make_user("manager"))
    page = text(client.post(f"/gestion/dossiers/{data['A2']}/decision",
                            data={"decision": "eligible", "version": str(application.version)}, follow_redirects=True))
    assert "le dossier n'a ni adresse e-mail ni téléphone" in page and "prévenu par e-mail" not in page


def test_bulk_says_who_was_told_and_who_to_call(client, db, data, make_user, login):
    from quota_app.notifications.models import OutboxMessage

    application = get_app(db, data["A2"])
    application.email, application.phone = None, "+33 6 12 34 56 78"
    db.session.commit()
    login(make_user("manager"))
    response = client.post(f"/gestion/dossiers/recevabilite/lot?campaign={data['campaign']}",
                           data={"selected": [f"{data['A1']}:1", f"{data['A2']}:{application.version}"]},
                           follow_redirects=True)
    page = text(response)
    assert "2 dossiers déclarés recevables." in page and "1 candidat prévenu (SMS ou e-mail)." in page
    assert ("Aucun message envoyé à 1 candidat sans e-mail ni mobile valide : prévenez-le par téléphone "
            "(MLI-2026-000002 : +33 6 12 34 56 78).") in page
    assert count(db, OutboxMessage) == 2  # the other candidate: by e-mail and by SMS


# --- the list: results above the fold ------------------------------------------------------

def test_the_list_folds_its_filters(client, db, data, make_user, login):
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/?campaign={data['campaign']}"))
    assert '<details class="filters">' in page  # closed: nothing filtered
    search = page.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert search.index('<details class="filters">') < search.index("<select")  # every menu folded
    assert 'id="f-q"' in search and "4 dossiers" in page and page.index("</form>") < page.index("<table")
    page = text(client.get(f"/gestion/dossiers/?campaign={data['campaign']}&status=submitted&sex=F"))
    assert '<details class="filters" open>' in page and "2 filtres actifs" in page and "2 dossiers" in page
