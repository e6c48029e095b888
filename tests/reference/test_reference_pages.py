"""Reference data pages: lists, create/edit with French errors, nothing saved on refusal, audit."""
import pytest

from reference_helpers import count, first, text
from quota_app.audit.models import AuditEvent
from quota_app.reference import services
from quota_app.reference.models import (Diploma, DocumentType, Establishment, IneligibilityReason, Level,
                                        Programme, Region, Sector, Series)

BASE = "/gestion/referentiel"


@pytest.fixture
def manager(make_user, login):
    user = make_user("manager")
    login(user)
    return user


def programme_data(db, **overrides):
    values = {"code": "TS-NEW", "title": "Nouvelle filière", "sector_id": first(db, Sector).id,
              "level_id": first(db, Level).id, "duration_months": "24"}
    values.update(overrides)
    return values


def test_index_lists_every_kind(client, db, reference, manager):
    page = text(client.get(f"{BASE}/"))
    for spec in services.KINDS.values():
        assert spec.title in page


@pytest.mark.parametrize("kind", list(services.KINDS))
def test_every_list_and_create_page_shows(client, db, reference, manager, kind):
    assert client.get(f"{BASE}/{kind}/").status_code == 200
    assert client.get(f"{BASE}/{kind}/nouveau").status_code == 200


def test_unknown_kind_is_404(client, db, manager):
    assert client.get(f"{BASE}/inconnu/").status_code == 404


def test_list_search_and_pagination(client, db, reference, manager, app):
    page = text(client.get(f"{BASE}/regions/?q=kay"))
    assert "Kayes" in page and "Ségou" not in page and "1 élément(s)" in page
    for n in range(60):
        db.session.add(IneligibilityReason(code=f"R{n:03d}", label=f"Motif {n}"))
    db.session.commit()
    first_page = text(client.get(f"{BASE}/motifs/"))
    assert "Page 1 sur 2" in first_page and "R000" in first_page and "R059" not in first_page
    second = text(client.get(f"{BASE}/motifs/?page=2"))
    assert "R059" in second


def test_create_programme_is_audited(client, db, reference, manager):
    response = client.post(f"{BASE}/filieres/nouveau", data=programme_data(db, code="ts-new"))
    assert response.status_code == 302
    programme = first(db, Programme, code="TS-NEW")
    assert programme is not None and programme.duration_months == 24 and programme.active
    event = first(db, AuditEvent, action="reference.create", object_type="programmes")
    assert event.object_id == str(programme.id) and event.actor_id == manager.id
    assert event.after["code"] == "TS-NEW" and event.before is None
    assert "L'élément est ajouté" in text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("kind, model, data, field_message", [
    ("regions", Region, {"code": "1", "name": "Nouvelle région"},
     "Le code de région doit comporter exactement deux chiffres (par exemple 01)."),
    ("regions", Region, {"code": "ABC", "name": "Nouvelle région"},
     "Le code de région doit comporter exactement deux chiffres (par exemple 01)."),
    ("regions", Region, {"code": "AB", "name": "Nouvelle région"},
     "Le code de région doit comporter exactement deux chiffres (par exemple 01)."),
    ("regions", Region, {"code": "01", "name": "Nouvelle région"},
     "Ce code est déjà utilisé par un autre élément."),
    ("regions", Region, {"code": "42", "name": "kayes"},
     "Ce libellé est déjà utilisé par un autre élément."),
    ("secteurs", Sector, {"code": "dig", "name": "Autre"}, "Ce code est déjà utilisé par un autre élément."),
    ("etablissements", Establishment, {"code": "", "name": "X", "city": "Rabat"}, "Ce champ est obligatoire."),
    ("diplomes", Diploma, {"code": "DUT", "name": "DUT", "rank": "5"},
     "Ce rang est déjà attribué au diplôme « BAC »."),
    ("diplomes", Diploma, {"code": "DUT", "name": "DUT", "rank": "-1"}, "Le rang doit être un nombre positif ou nul."),
    ("diplomes", Diploma, {"code": "DUT", "name": "DUT", "rank": "deux"}, "Saisissez un nombre entier."),
    ("niveaux", Level, {"code": "X", "name": "X", "min_diploma_id": "0", "position": "5"}, "Ce champ est obligatoire."),
    ("pieces", DocumentType, {"code": "CV", "name": "CV", "accepted_types": ["application/msword"]},
     "Format non accepté : application/msword."),
    ("pieces", DocumentType, {"code": "CV", "name": "CV"}, "Choisissez au moins un format accepté."),
    ("series", Series, {"code": "TSX", "name": "X", "kind": "magique"}, "Choix inconnu."),
    ("motifs", IneligibilityReason, {"code": "age", "label": "Doublon"}, "Ce code est déjà utilisé par un autre élément."),
])
def test_bad_inputs_show_french_errors_and_save_nothing(client, db, reference, manager, kind, model, data,
                                                         field_message):
    before = count(db, model)
    response = client.post(f"{BASE}/{kind}/nouveau", data=data)
    assert response.status_code == 200
    page = text(response)
    assert field_message in page
    assert "Le formulaire contient des erreurs" in page
    assert count(db, model) == before
    assert count(db, AuditEvent) == 0


@pytest.mark.parametrize("duration, message", [
    ("-3", "La durée doit être supérieure à zéro (en mois)."),
    ("0", "La durée doit être supérieure à zéro (en mois)."),
    ("", "Ce champ est obligatoire."),
])
def test_programme_duration_must_be_positive(client, db, reference, manager, duration, message):
    before = count(db, Programme)
    page = text(client.post(f"{BASE}/filieres/nouveau", data=programme_data(db, duration_months=duration)))
    assert message in page
    assert count(db, Programme) == before and count(db, AuditEvent) == 0


def test_programme_duplicate_code(client, db, reference, manager):
    page = text(client.post(f"{BASE}/filieres/nouveau", data=programme_data(db, code="ts-dd")))
    assert "Ce code est déjà utilisé par un autre élément." in page
    assert count(db, Programme, code="TS-NEW") == 0


def test_level_ages_must_be_ordered(client, db, reference, manager):
    level = first(db, Level, code="TS")
    data = {"code": "TS", "name": level.name, "min_diploma_id": level.min_diploma_id,
            "default_min_age": "25", "default_max_age": "18", "position": "4",
            "fingerprint": services.fingerprint(level)}
    page = text(client.post(f"{BASE}/niveaux/{level.id}/modifier", data=data))
    assert "L'âge maximum doit être supérieur ou égal à l'âge minimum." in page
    db.session.expire_all()
    assert db.session.get(Level, level.id).default_max_age is None
    assert count(db, AuditEvent) == 0


def test_edit_level_records_before_and_after(client, db, reference, manager):
    level = first(db, Level, code="TS")
    old_diploma = level.min_diploma_id
    bac = first(db, Diploma, code="BAC")
    data = {"code": "TS", "name": level.name, "min_diploma_id": bac.id, "default_min_age": "18",
            "default_max_age": "30", "position": "4", "fingerprint": services.fingerprint(level)}
    assert client.post(f"{BASE}/niveaux/{level.id}/modifier", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Level, level.id)
    assert (saved.min_diploma_id, saved.default_min_age, saved.default_max_age) == (bac.id, 18, 30)
    event = first(db, AuditEvent, action="reference.update", object_type="levels")
    assert event.before == {"min_diploma_id": old_diploma, "default_min_age": None, "default_max_age": None}
    assert event.after == {"min_diploma_id": bac.id, "default_min_age": 18, "default_max_age": 30}


def test_edit_form_is_prefilled_and_keeps_own_code(client, db, reference, manager):
    region = first(db, Region, code="01")
    page = text(client.get(f"{BASE}/regions/{region.id}/modifier"))
    assert 'value="Kayes"' in page
    data = {"code": "01", "name": "Kayes (région)", "fingerprint": services.fingerprint(region)}
    assert client.post(f"{BASE}/regions/{region.id}/modifier", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Region, region.id).name == "Kayes (région)"


def test_edit_diploma_rank_clash(client, db, reference, manager):
    lic = first(db, Diploma, code="LIC")
    data = {"code": "LIC", "name": lic.name, "rank": "1", "fingerprint": services.fingerprint(lic)}
    page = text(client.post(f"{BASE}/diplomes/{lic.id}/modifier", data=data))
    assert "Ce rang est déjà attribué au diplôme « CEP »." in page
    db.session.expire_all()
    assert db.session.get(Diploma, lic.id).rank == 7


def test_edit_with_stale_fingerprint_shows_conflict(client, db, reference, manager):
    sector = first(db, Sector, code="DIG")
    stale = services.fingerprint(sector)
    url = f"{BASE}/secteurs/{sector.id}/modifier"
    assert client.post(url, data={"code": "DIG", "name": "Numérique", "priority": "y",
                                  "fingerprint": stale}).status_code == 302
    page = text(client.post(url, data={"code": "DIG", "name": "Digital et IA", "fingerprint": stale}))
    assert "modifié par quelqu'un d'autre entre-temps" in page
    db.session.expire_all()
    assert db.session.get(Sector, sector.id).name == "Numérique"


def test_document_type_accepted_types(client, db, reference, manager):
    response = client.post(f"{BASE}/pieces/nouveau", data={
        "code": "cv-detaille", "name": "Curriculum vitae détaillé", "description": "",
        "accepted_types": ["image/png", "application/pdf"]})
    assert response.status_code == 302
    assert first(db, DocumentType, code="CV-DETAILLE").accepted_types == "application/pdf,image/png"
    photo = first(db, DocumentType, code="PHOTO")
    page = text(client.get(f"{BASE}/pieces/{photo.id}/modifier"))
    assert '<input checked id="accepted_types-1" name="accepted_types" type="checkbox" value="image/jpeg">' in page
    assert '<input id="accepted_types-0" name="accepted_types" type="checkbox" value="application/pdf">' in page


def test_unchanged_save_writes_no_audit_event(client, db, reference, manager):
    reason = first(db, IneligibilityReason, code="AGE")
    data = {"code": "AGE", "label": reason.label, "fingerprint": services.fingerprint(reason)}
    assert client.post(f"{BASE}/motifs/{reason.id}/modifier", data=data).status_code == 302
    assert count(db, AuditEvent) == 0


def test_deactivate_and_reactivate_with_confirmation(client, db, reference, manager):
    establishment = first(db, Establishment, code="ISTA-OUJDA")
    url = f"{BASE}/etablissements/{establishment.id}/desactiver"
    assert "Je confirme." in text(client.get(url))
    page = text(client.post(url, data={}))
    assert "Cochez la case pour confirmer." in page
    db.session.expire_all()
    assert db.session.get(Establishment, establishment.id).active
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Establishment, establishment.id).active
    event = first(db, AuditEvent, action="reference.deactivate")
    assert (event.object_type, event.object_id) == ("establishments", str(establishment.id))
    assert event.before == {"active": True} and event.after == {"active": False}
    listing = text(client.get(f"{BASE}/etablissements/?statut=inactifs"))
    assert "ISTA-OUJDA" in listing and "ISTA-RABAT" not in listing and "Réactiver" in listing
    # A second deactivation is refused in French.
    assert "Cet élément est déjà désactivé." in text(client.post(url, data={"confirm": "y"}, follow_redirects=True))
    back = f"{BASE}/etablissements/{establishment.id}/reactiver"
    assert client.post(back, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Establishment, establishment.id).active
    assert count(db, AuditEvent, action="reference.reactivate") == 1
    assert count(db, Establishment) > 1  # nothing was deleted


def test_levels_have_no_deactivation(client, db, reference, manager):
    level = first(db, Level)
    assert client.get(f"{BASE}/niveaux/{level.id}/desactiver").status_code == 404
    assert "Désactiver" not in text(client.get(f"{BASE}/niveaux/"))


def test_missing_item_is_404(client, db, reference, manager):
    assert client.get(f"{BASE}/regions/999999/modifier").status_code == 404
