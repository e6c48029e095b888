"""The procès-verbal: what it says, its seal (the ranking's canonical SHA-256), the public
verification page that vouches for it without personal data, and a tampered copy refused."""
import html
import io
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from deliberation_helpers import SESSION_AT, deliberating_world, open_and_hold, signed_in, validate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "documents"))
from documents_helpers import decoded_qr_codes

D = Decimal


def pdf_text(data: bytes, tmp_path) -> str | None:
    """The PDF's text in reading order (pdftotext without -layout: a cell's words stay together)."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "pv.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def sealed(db):
    """A validated deliberation: three files, one adjusted, one member absent, two conflicts."""
    from quota_app.committee import deliberating
    from quota_app.committee.models import ConflictOfInterest
    from quota_app.documents.models import SealedDocument

    world = deliberating_world(3, 3, {0: ("11", "12.5"), 1: ("16", "15"), 2: ("9", "12")})
    other_file = world.file_ids[2]
    db.session.add_all([
        ConflictOfInterest(member_id=world.member_ids[3], application_id=world.file_ids[0], reason="Voisin"),
        ConflictOfInterest(member_id=world.member_ids[3], application_id=other_file, reason="Cousin")])
    db.session.commit()
    open_and_hold(world, present=3)
    deliberating.adjust_score(world.chair, world.committee_id, world.file_ids[2], "13", "Stage validé omis du dossier.")
    db.session.commit()
    deliberation = validate(world)
    document = db.session.get(SealedDocument, deliberation.minutes_document_id)
    return {"world": world, "deliberation": deliberation, "document": document, "pdf": document.pdf}


def test_the_minutes_say_everything_a_pv_needs(sealed, tmp_path):
    world, pdf = sealed["world"], sealed["pdf"]
    content = pdf_text(pdf, tmp_path)
    if content is None:
        pytest.skip("pdftotext (poppler-utils) n'est pas installé")
    flat = " ".join(content.split())
    campaign = world.campaign
    members = world.members
    chair = world.chair
    for fact in (
        "Procès-verbal de délibération du comité de sélection",
        sealed["deliberation"].minutes_number, campaign.title, campaign.code, "Comité de sélection",
        "06/07/2026 à 09:30", "Bamako, DNFP",
        f"{chair.full_name} Président Présent", f"{members[0].full_name} Membre Présent",
        f"{members[2].full_name} Membre Absent 2",  # absent, with its two conflicts declared
        "Quorum atteint : 3 membre(s) présent(s) sur 4",
        "dossier Dossier", "motivation Motivation", "40,0 %", "60,0 %", "moyenne du",
        "Les notes n'ont pas été normalisées",
        "En cas d'égalité de note finale", "la moyenne du diplôme la plus élevée",
        "Stage validé omis du dossier.", "13,000 *", "Le président du comité", "Signature",
        "Empreinte SHA-256 du contenu", sealed["document"].content_sha256,
    ):
        assert fact in flat, fact
    for application in world.files:
        assert application.reference in flat
        assert application.last_name.upper() in flat and application.first_names in flat
    ranking = [flat.index(world.files[i].reference) for i in (1, 2, 0)]  # 15.5, 13 (adjusted), 11.75
    assert ranking == sorted(ranking)


def test_the_minutes_print_the_normalisation_and_its_formula_when_adopted(db, tmp_path):
    from quota_app.committee import deliberating
    from quota_app.documents.models import SealedDocument

    totals = {i: (str(8 + i), str(13 + i)) for i in range(6)}
    world = deliberating_world(6, 1, totals, score_gap_threshold=D("10"), normalise_scores=True)
    open_and_hold(world)
    deliberating.set_normalisation(world.chair, world.committee_id, True)
    db.session.commit()
    deliberation = validate(world)
    content = pdf_text(db.session.get(SealedDocument, deliberation.minutes_document_id).pdf, tmp_path)
    if content is None:
        pytest.skip("pdftotext (poppler-utils) n'est pas installé")
    flat = " ".join(content.split())
    assert "Le comité a adopté la normalisation des notes par évaluateur" in flat
    assert "x' = m + s · (x − m_r) / s_r" in flat
    assert "Normalisée" in flat and world.chair.full_name in flat


def test_the_seal_is_the_rankings_canonical_sha256(sealed, db):
    from quota_app.committee import deliberating
    from quota_app.committee.ranking import ranking_digest
    from quota_app.documents.canonical import sha256_hex

    world, deliberation, document = sealed["world"], sealed["deliberation"], sealed["document"]
    context = deliberating.ranking_context(world.campaign, world.committee, deliberation.minutes_number)
    canonical = deliberating.canonical_of_results(world.committee_id, context)
    assert sha256_hex(canonical) == document.content_sha256 == deliberation.ranking_sha256
    assert ranking_digest(deliberating.stored_results(world.committee_id), context) == deliberation.ranking_sha256
    assert b'"adjusted":true' in canonical and world.files[0].reference.encode() in canonical
    assert document.pdf_sha256 == sha256_hex(sealed["pdf"])


def test_the_public_number_and_title_carry_no_name(sealed):
    world, document = sealed["world"], sealed["document"]
    public = f"{document.number} {document.title}"
    assert document.number == f"PV-{world.campaign.code}-{world.committee_id}-2026"
    for person in [*world.files, world.chair, *world.members]:
        for name in (getattr(person, "last_name", None), getattr(person, "first_names", None),
                     getattr(person, "full_name", None)):
            if name:
                assert name not in public
    assert world.committee.name not in public


def test_the_verification_page_vouches_for_the_pv_without_personal_data(client, sealed):
    world, document = sealed["world"], sealed["document"]
    page = text(client.get(f"/verifier/{document.token}"))
    assert "Document authentique" in page and document.number in page and document.content_sha256 in page
    for application in world.files:
        assert application.reference not in page and application.first_names not in page
    for member in [world.chair, *world.members]:
        assert member.full_name not in page
    same = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(sealed["pdf"]), "pv.pdf")},
                       content_type="multipart/form-data")
    assert "Ce fichier est identique à l'original" in text(same)


def test_a_tampered_pv_is_refused_by_the_verification_page(client, sealed):
    document = sealed["document"]
    tampered = sealed["pdf"].replace(b"/Producer", b"/Producex", 1)
    if tampered == sealed["pdf"]:
        tampered = bytearray(sealed["pdf"])
        tampered[len(tampered) // 2] ^= 0x01
        tampered = bytes(tampered)
    response = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(tampered), "pv.pdf")},
                           content_type="multipart/form-data")
    page = text(response)
    assert "Ce fichier ne correspond pas au document scellé : il a été modifié" in page
    assert "identique à l'original" not in page


def test_the_qr_code_leads_to_the_verification_page(sealed, tmp_path):
    codes = decoded_qr_codes(sealed["pdf"], tmp_path, page=1)
    if codes is None:
        pytest.skip("pdftoppm ou zbarimg n'est pas installé")
    assert codes == [f"http://127.0.0.1:5000/verifier/{sealed['document'].token}"] or \
        codes[0].endswith(f"/verifier/{sealed['document'].token}")


def test_the_minutes_are_rendered_once_and_never_again(sealed, db, app):
    """The PV downloaded later is the sealed bytes, not a new rendering."""
    world = sealed["world"]
    client = signed_in(app, world.chair_id)
    response = client.get(f"/comite/deliberation/{world.committee_id}/proces-verbal.pdf")
    assert response.data == sealed["pdf"]
    assert sealed["document"].created_at == SESSION_AT + timedelta(hours=3)
