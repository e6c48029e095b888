"""Issue 16: personal data on a need-to-know basis, and every look recorded.

Identity numbers and contact details are stored masked in the audit trail and shown masked to
everyone (rows written before included); a manager reaches a number in full through the file
page's audited action, linked from the journal; an administrator sees no candidate's personal
data in the journal; a draft never submitted is not the managers' (file page, list, search,
export, journal)."""
import html
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from quota_app.audit.masking import mask_payload, mask_text

URL = "/gestion/journal/"
NINA = "12051234567001A"  # « 1 2 05 1234567 001 A » as typed
PASSPORT = "AA123456"
PHONE = "+22376123456"  # « 76 12 34 56 » as typed
EMAIL = "awa.traore@exemple.ml"
FULL_VALUES = (NINA, "1 2 05 1234567 001 A", PASSPORT, PHONE, "76123456", "76 12 34 56", EMAIL)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def no_full_value(page: str) -> None:
    for value in FULL_VALUES:
        assert value not in page, value


def stored(db, action: str, object_id=None):
    from quota_app.audit.models import AuditEvent

    stmt = db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)
    if object_id is not None:
        stmt = stmt.filter_by(object_id=str(object_id))
    return db.session.execute(stmt).scalars().all()


def all_rows_text(db) -> str:
    from quota_app.audit.models import AuditEvent

    db.session.expire_all()
    return json.dumps([[e.before, e.after, e.reason] for e in db.session.execute(db.select(AuditEvent)).scalars()],
                      ensure_ascii=False)


@pytest.fixture
def campaign(app, db, reference):
    """An open campaign (its window around now: the applicant acts through HTTP)."""
    import factories

    return factories.make_open_campaign().id


@pytest.fixture
def draft(app, db, campaign, make_user):
    """A draft started and filled in part by its applicant through the HTTP forms, never
    submitted: (application id, applicant user)."""
    import factories
    from quota_app.reference.models import Region

    user = make_user("applicant", email=EMAIL, full_name="Awa Traoré")
    with app.app_context():
        factories.make_applicant(user)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    response = client.post(f"/candidat/campagne/{campaign}/postuler")
    assert response.status_code == 302
    app_id = int(response.headers["Location"].split("/dossier/")[1].split("/")[0])
    base = f"/candidat/dossier/{app_id}/etape"
    assert client.post(f"{base}/identite", data={
        "last_name": "Traoré", "first_names": "Awa", "sex": "F", "birth_date": "2005-03-14",
        "birth_place": "Bamako", "nina": "1 2 05 1234567 001 A", "passport_number": PASSPORT,
        "passport_expiry": "2031-01-01"}).status_code == 302
    region = db.session.query(Region).filter_by(code="00").one()
    assert client.post(f"{base}/contact", data={"phone": "76 12 34 56", "address": "Rue 12, Bamako",
                                               "region_id": str(region.id)}).status_code == 302
    return app_id, user


@pytest.fixture
def submitted(app, db, reference):
    """A submitted file through the applicant's services, with known numbers: the application."""
    import factories

    campaign = factories.make_campaign("open")
    applicant = factories.make_applicant(email=EMAIL.replace("awa", "awa2"), full_name="Awa Traoré")
    return factories.make_application(
        "submitted", campaign=campaign, applicant=applicant,
        identity_data=factories.identity(nina=NINA, passport_number=PASSPORT, passport_expiry="2031-01-01"))


# --- the rule, pure -------------------------------------------------------------------------

def test_masking_keeps_the_last_characters_only():
    assert mask_text(NINA) == "••••••••••••01A"
    assert mask_text(PASSPORT) == "•••••456"
    assert mask_text(PHONE) == "•••••••••456"
    assert mask_text(EMAIL) == "a•••@exemple.ml"
    assert mask_text("1234") == "••••" and mask_text("") == "" and mask_text(None) is None
    assert mask_text("+223 •• •• 34 56") == "+223 •• •• 34 56"  # already masked: kept
    assert mask_payload({"nina": NINA, "last_name": "TRAORÉ", "filters": {"q": NINA, "sex": "F"},
                         "rows": [{"phone": PHONE}], "phone_number": 76123456}) == {
        "nina": "••••••••••••01A", "last_name": "TRAORÉ", "filters": {"q": "••••••••••••01A", "sex": "F"},
        "rows": [{"phone": "•••••••••456"}], "phone_number": "•••••456"}
    assert mask_payload({"filters": {"q": "traore"}}) == {"filters": {"q": "traore"}}  # a name search stays


# --- stored masked ---------------------------------------------------------------------------

def test_the_identity_step_saved_through_the_form_is_stored_masked(db, draft):
    app_id, _user = draft
    identity, = stored(db, "application.identity", app_id)
    assert identity.after["nina"] == "••••••••••••01A" and identity.after["passport_number"] == "•••••456"
    assert identity.after["last_name"] == "TRAORÉ"  # names stay: the journal says whose file changed
    contact, = stored(db, "application.contact", app_id)
    assert contact.after["phone"] == "•••••••••456"
    no_full_value(all_rows_text(db))
    # The file itself keeps the numbers: only the trail is masked.
    from quota_app.applications.models import Application
    application = db.session.get(Application, app_id)
    assert (application.nina, application.passport_number, application.phone) == (NINA, PASSPORT, PHONE)


# --- the journal, as a manager and as an administrator ---------------------------------------

@pytest.fixture
def legacy(db, submitted):
    """A row written before masking, in full, straight into the table."""
    from quota_app.audit.models import AuditEvent

    event = AuditEvent(action="application.identity", object_type="applications", object_id=str(submitted.id),
                       campaign_id=submitted.campaign_id, before={"nina": None, "phone": None, "email": None},
                       after={"nina": NINA, "passport_number": PASSPORT, "phone": PHONE, "email": EMAIL,
                              "last_name": "TRAORÉ"})
    db.session.add(event)
    db.session.commit()
    return event.id


def test_the_manager_reads_masked_numbers_and_a_link_to_the_audited_display(client, db, login, make_user,
                                                                             submitted, legacy):
    login(make_user("manager"))
    page = text(client.get(URL, query_string={"action": "application.identity"}))
    assert "2 événements" in page
    no_full_value(page)
    assert "••••••••••••01A" in page and "•••••456" in page and "•••••••••456" in page  # legacy row too
    assert f"Dossier {submitted.reference} – TRAORÉ" in page  # a manager reads the file: its name
    reveal = f'action="/gestion/dossiers/{submitted.id}/identite"'
    assert page.count(reveal) == 2 and f'name="evenement" value="{legacy}"' in page  # the two identity rows
    assert "Voir le NINA et le passeport en entier sur le dossier" in page


def test_the_reveal_from_the_journal_is_itself_in_the_journal(client, db, login, make_user, submitted, legacy):
    manager = make_user("manager")
    login(manager)
    response = client.post(f"/gestion/dossiers/{submitted.id}/identite", data={"evenement": str(legacy)})
    page = text(response)
    assert response.status_code == 200 and NINA in page and PASSPORT in page  # the file page, in full
    look, = stored(db, "application.identity_view", submitted.id)
    assert look.actor_id == manager.id and look.after == {"audit_event_id": legacy}
    assert "depuis le journal d'audit" in look.reason
    journal = text(client.get(URL, query_string={"action": "application.identity_view"}))
    assert "Affichage du NINA et du passeport complets" in journal and manager.email in journal
    no_full_value(journal)
    # An event that is not this file's is not kept as the look's origin; the look is recorded all the same.
    client.post(f"/gestion/dossiers/{submitted.id}/identite", data={"evenement": "999999"})
    looks = stored(db, "application.identity_view", submitted.id)
    assert len(looks) == 2 and looks[-1].after is None


def test_the_administrator_sees_no_personal_data_of_candidates(client, db, login, make_user, submitted, legacy):
    admin = make_user("admin")
    login(admin)
    page = text(client.get(URL))
    assert "événements" in page
    no_full_value(page)
    rows = page.split("<tbody>", 1)[1]  # (« heure de Bamako » is the date column's heading)
    for personal in ("TRAORÉ", "Traoré", "Awa", "Bamako", "awa2", "01A", "•••••456", "piece.pdf", "photo.png"):
        assert personal not in rows, personal
    assert f"Dossier {submitted.reference}" in page  # the file's reference, no name
    assert "Détail réservé aux gestionnaires : données personnelles d'un candidat." in page
    assert "/identite" not in page  # no way to the numbers
    assert 'data-action="application.submit"' in page and "Candidat (compte n°" in page
    # The administrator may not display them either.
    assert client.post(f"/gestion/dossiers/{submitted.id}/identite", data={"evenement": str(legacy)}).status_code == 403
    assert stored(db, "application.identity_view", submitted.id) == []


# --- a draft never submitted is not the managers' ---------------------------------------------

def test_a_manager_cannot_open_a_draft_never_submitted(client, db, login, make_user, draft):
    app_id, _user = draft
    login(make_user("manager"))
    response = client.get(f"/gestion/dossiers/{app_id}")
    assert response.status_code == 404 and "TRAORÉ" not in text(response)
    assert client.post(f"/gestion/dossiers/{app_id}/identite").status_code == 404
    assert client.post(f"/gestion/dossiers/{app_id}/decision", data={"decision": "eligible", "version": "1"}
                       ).status_code == 404
    assert stored(db, "application.identity_view") == []


def test_a_draft_is_in_no_list_search_or_export(client, db, login, make_user, draft, campaign):
    app_id, _user = draft
    login(make_user("manager"))
    for query in ({}, {"q": "traore"}, {"q": NINA}, {"q": PASSPORT}, {"q": "76 12 34 56"}, {"status": "draft"}):
        page = text(client.get("/gestion/dossiers/", query_string={"campaign": campaign, **query}))
        assert "0 dossier" in page and "TRAORÉ" not in page and f"/gestion/dossiers/{app_id}" not in page, query
    assert '<option value="draft"' not in text(client.get("/gestion/dossiers/", query_string={"campaign": campaign}))
    response = client.get("/gestion/dossiers/export.xlsx", query_string={"campaign": campaign})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert not [c for c in cells if "TRAOR" in c or NINA in c]
    export, = stored(db, "application.export")
    assert export.after["rows"] == 0


def test_the_journal_names_no_draft_to_a_manager(client, db, login, make_user, draft):
    app_id, _user = draft
    login(make_user("manager"))
    page = text(client.get(URL, query_string={"action": "application."}))
    assert 'data-action="application.identity"' in page and 'data-action="application.contact"' in page
    assert f"Dossier n° {app_id} (brouillon)" in page
    assert "Détail non consultable : dossier en brouillon, jamais soumis." in page
    rows = page.split("<tbody>", 1)[1]
    for personal in ("TRAORÉ", "Awa Traoré", "Bamako", "Rue 12", "01A", "/identite"):
        assert personal not in rows, personal
    no_full_value(page)
