"""Helpers for the journey tests: valid data and step fillers."""
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IDENTITY = {
    "last_name": "Traoré", "first_names": "Awa", "sex": "F", "birth_date": "2005-03-14",
    "birth_place": "Bamako", "nina": "1 2 05 1234567 001 A", "passport_number": "AA123456",
    "passport_expiry": "2031-01-01",
}
MOTIVATION = "Je veux devenir développeuse et revenir travailler au Mali. " * 4



def offer_ids(db, campaign_id):
    from quota_app.campaigns.models import Offer
    return {o.code: o.id for o in db.session.query(Offer).filter_by(campaign_id=campaign_id)}


def series_id(db, code):
    from quota_app.reference.models import Series
    return db.session.query(Series).filter_by(code=code).one().id


def diploma_id(db, code):
    from quota_app.reference.models import Diploma
    return db.session.query(Diploma).filter_by(code=code).one().id


def region_id(db, code="00"):
    from quota_app.reference.models import Region
    return db.session.query(Region).filter_by(code=code).one().id


def doc_type_id(db, code):
    from quota_app.reference.models import DocumentType
    return db.session.query(DocumentType).filter_by(code=code).one().id


def start(client, campaign_id) -> int:
    response = client.post(f"/candidat/campagne/{campaign_id}/postuler")
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].split("/dossier/")[1].split("/")[0])


def fill_all(client, db, campaign_id, identity=None) -> int:
    """Start and fill every step validly; returns the application id."""
    from io import BytesIO

    app_id = start(client, campaign_id)
    base = f"/candidat/dossier/{app_id}/etape"
    assert client.post(f"{base}/identite", data=identity or IDENTITY).status_code == 302
    assert client.post(f"{base}/contact", data={"phone": "76 12 34 56", "address": "Rue 12, Bamako",
                                               "region_id": region_id(db)}).status_code == 302
    assert client.post(f"{base}/parcours", data={"diploma_id": diploma_id(db, "BAC"), "series_id": series_id(db, "TSE"),
                                                "diploma_year": "2024", "diploma_average": "13,5"}).status_code == 302
    offers = offer_ids(db, campaign_id)
    assert client.post(f"{base}/choix", data={"choice": [offers["TS-DD-CASA"], offers["T-MI-CASA"], ""]}).status_code == 302
    assert client.post(f"{base}/motivation", data={"motivation": MOTIVATION}).status_code == 302
    for code in ("PHOTO", "DIPLOMA"):
        content = png_bytes() if code == "PHOTO" else PDF_BYTES
        name = "photo.png" if code == "PHOTO" else "diplome.pdf"
        response = client.post(f"/candidat/dossier/{app_id}/pieces", data={
            "document_type_id": doc_type_id(db, code), "file": (BytesIO(content), name)},
            content_type="multipart/form-data")
        assert response.status_code == 303
    return app_id


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image
    out = BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def page_text(response) -> str:
    import html
    return html.unescape(response.get_data(as_text=True))
