"""What the reconciliation tests share: a returned list as the AMCI writes it, and the world's
nominations to fill it with."""
from __future__ import annotations

import io
from datetime import timedelta

import factories

ANSWERED = factories.NOW + timedelta(days=31)
AMCI_HEADERS = ("N°", "Réf. dossier", "NOM", "Prénom(s)", "Né(e) le", "Avis de la commission", "Motif",
                "Filière retenue", "Établissement d'accueil", "Ville")


def workbook(rows, headers=AMCI_HEADERS, title: str | None = "Royaume du Maroc — AMCI — Liste des candidats retenus",
             cover: bool = True) -> bytes:
    """An xlsx as the AMCI sends it: a cover sheet first, a title line above the table."""
    from openpyxl import Workbook

    wb = Workbook()
    if cover:
        wb.active.title = "Page de garde"
        wb.active["A1"] = "Commission mixte maroco-malienne"
        ws = wb.create_sheet("Liste")
    else:
        ws = wb.active
    if title:
        ws.append([title])
        ws.append([])
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def nominated(db, campaign_id):
    """The campaign's nominations with their files and offers, in the list's order."""
    from quota_app.amci.models import Nomination

    return db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == campaign_id)
                              .order_by(Nomination.position, Nomination.id)).all()


def row_for(nomination, decision, reason="", programme="", establishment="", city="", reference=True, n=1):
    a = nomination.application
    return (n, a.reference if reference else None, a.last_name.upper(), a.first_names, a.birth_date, decision,
            reason, programme, establishment, city)


def other_offer(db, nomination):
    from quota_app.campaigns.models import Offer

    return db.session.scalars(db.select(Offer).where(
        Offer.campaign_id == nomination.campaign_id, Offer.id != (nomination.final_offer_id or nomination.offer_id))
        .order_by(Offer.id)).first()


def unoffered_pair(db, campaign_id):
    """A programme and an establishment the campaign offers nowhere together."""
    from quota_app.campaigns.models import Offer
    from quota_app.reference.models import Establishment, Programme

    taken = set(db.session.execute(db.select(Offer.programme_id, Offer.establishment_id)
                                   .where(Offer.campaign_id == campaign_id)).all())
    for establishment in db.session.scalars(db.select(Establishment).where(Establishment.active.is_(True))
                                            .order_by(Establishment.id)):
        for programme in db.session.scalars(db.select(Programme).where(Programme.active.is_(True))
                                            .order_by(Programme.id)):
            if (programme.id, establishment.id) not in taken:
                return programme, establishment
    raise AssertionError("the reference data offers every pair")
