"""The returned lists' pages (/amci/retours) with the test client: upload → diff → apply as a
manager; an AMCI officer uploads and reads the diff but cannot apply."""
from __future__ import annotations

import html
import io
import re

import factories
import pytest

from quota_app.amci import reconcile_views
from reconcile_helpers import ANSWERED, nominated, other_offer, row_for, workbook

URL = "/amci/retours/"


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(reconcile_views, "utcnow", lambda: ANSWERED)


@pytest.fixture
def listed(db, amci_world):
    from quota_app.amci.nominations import nominate

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    db.session.commit()
    return w


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _upload(client, campaign_id, data, name="Liste AMCI.xlsx", **extra):
    return client.post(f"{URL}?campaign={campaign_id}", data={
        "campaign_id": str(campaign_id), "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data")


def _reconciliations(db):
    from quota_app.amci.models import Reconciliation
    db.session.expire_all()
    return db.session.scalars(db.select(Reconciliation).order_by(Reconciliation.id)).all()


def _file(db, w):
    first, second, third = nominated(db, w.campaign_id)[:3]
    a = third.application
    target = other_offer(db, second)
    data = workbook([
        row_for(first, "Confirmé", n=1),
        row_for(second, "Réorienté", reason="Places disponibles", programme=target.programme.code,
                establishment=target.establishment.code, n=2),
        (3, None, a.first_names, a.last_name, a.birth_date, "Non retenu", "Âge limite dépassé", "", "", ""),
        (4, "MLI-2099-999999", "INCONNU", "Personne", None, "Retenu", "", "", "", ""),
    ])
    return data, (first, second, third, target)


def test_upload_diff_and_apply_as_a_manager(client, db, login, listed):
    from quota_app.amci.models import Nomination

    w = listed
    login(w.world.manager(db))
    page = text(client.get(f"{URL}?campaign={w.campaign_id}"))
    assert "Analyser une liste retournée" in page and "Télécharger le modèle" in page
    model = client.get(f"{URL}modele/{w.campaign_id}")
    assert model.status_code == 200 and model.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in model.headers["Content-Disposition"]

    data, (first, second, third, target) = _file(db, w)
    response = _upload(client, w.campaign_id, data)
    assert response.status_code == 302
    reconciliation = _reconciliations(db)[-1]
    assert response.headers["Location"].endswith(f"{URL}{reconciliation.id}")
    diff = words(text(client.get(f"{URL}{reconciliation.id}")))
    assert "Rien n'est encore enregistré" in diff
    for label, n in (("Confirmés", 1), ("Réorientés", 1), ("Refusés", 0), ("Rapprochements probables à confirmer", 1),
                     ("Inconnus (ignorés)", 1), ("Erreurs", 0)):
        assert f"{label} {n}" in diff, label
    assert "Décision : Proposé (en attente de la commission mixte) → Confirmé" in diff
    assert f"→ {target.code} — {target.programme.title}" in diff
    assert "Motif : — → Âge limite dépassé" in diff
    assert 'name="probable" value="6"' in text(client.get(f"{URL}{reconciliation.id}"))
    # Without the confirmation box: refused, nothing applied.
    refused = client.post(f"{URL}{reconciliation.id}/appliquer", data={"version": str(reconciliation.version)})
    assert refused.status_code == 400 and "Cochez la case" in text(refused)
    assert db.session.get(Nomination, first.id).status == "proposed"
    # With it, and the probable match confirmed.
    done = client.post(f"{URL}{reconciliation.id}/appliquer", data={
        "version": str(reconciliation.version), "checked": "y", "probable": "6"}, follow_redirects=True)
    assert done.status_code == 200
    assert "La liste est appliquée : 1 confirmé(s), 1 réorienté(s), 1 refusé(s)" in text(done)
    assert "1 ligne(s) inconnue(s) ignorée(s)" in text(done)
    db.session.expire_all()
    assert [db.session.get(Nomination, n.id).status for n in (first, second, third)] == [
        "confirmed", "reoriented", "refused"]
    again = client.post(f"{URL}{reconciliation.id}/appliquer", data={
        "version": str(reconciliation.version), "checked": "y"})
    assert again.status_code in (400, 409)
    assert "déjà été appliquée" in text(again) or "a changé depuis" in text(again)
    listing = words(text(client.get(f"{URL}?campaign={w.campaign_id}")))
    assert "Liste AMCI.xlsx" in listing and "Appliquée" in listing
    # The same list again: nothing left to apply.
    _upload(client, w.campaign_id, data)
    assert _reconciliations(db)[-1].counts["changes"] == 0


def test_an_amci_officer_sees_the_diff_but_cannot_apply(client, db, login, listed):
    from quota_app.amci.models import Nomination

    w = listed
    login(factories.make_user("amci"))
    data, (first, *_rest) = _file(db, w)
    assert _upload(client, w.campaign_id, data).status_code == 302
    reconciliation = _reconciliations(db)[-1]
    page = text(client.get(f"{URL}{reconciliation.id}"))
    assert "Proposé (en attente de la commission mixte) → Confirmé" in words(page)
    assert "Appliquer la liste" not in page and 'name="probable"' not in page
    assert "Un gestionnaire de la DNFP vérifie ces différences" in page
    response = client.post(f"{URL}{reconciliation.id}/appliquer", data={
        "version": str(reconciliation.version), "checked": "y"})
    assert response.status_code == 403
    assert db.session.get(Nomination, first.id).status == "proposed"


def test_a_file_that_is_not_xlsx_is_refused_in_french_over_http(client, db, login, listed):
    w = listed
    login(w.world.manager(db))
    response = _upload(client, w.campaign_id, b"%PDF-1.4 not a workbook", name="liste.pdf")
    assert response.status_code == 400
    assert "n'est pas un classeur Excel" in text(response)
    assert _reconciliations(db) == []


def test_errors_are_listed_with_their_row_numbers_and_block_the_apply(client, db, login, listed):
    w = listed
    login(w.world.manager(db))
    first, second = nominated(db, w.campaign_id)[:2]
    data = workbook([row_for(first, "Refusé", n=1), row_for(second, "Peut-être", n=2)])
    _upload(client, w.campaign_id, data)
    reconciliation = _reconciliations(db)[-1]
    page = words(text(client.get(f"{URL}{reconciliation.id}")))
    assert "Erreurs 2" in page
    assert "Ligne 4, colonne « Motif » : Un refus doit donner son motif" in page
    assert "Ligne 5, colonne « Décision » : Décision non reconnue : « Peut-être »" in page
    assert "Rien ne peut être appliqué tant qu'il reste une erreur" in page
    response = client.post(f"{URL}{reconciliation.id}/appliquer", data={
        "version": str(reconciliation.version), "checked": "y"})
    assert response.status_code == 400 and "en erreur" in text(response)


def test_the_forms_need_their_csrf_token(app, client, db, login, listed):
    w = listed
    login(w.world.manager(db))
    data, _ = _file(db, w)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _upload(client, w.campaign_id, data).status_code == 400
        assert _reconciliations(db) == []
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
