"""What the whole-year journey (test_whole_year.py) needs besides its steps: the world set up
before the year starts (reference data, staff accounts, a draft campaign with its offer of
seats), the paper files typed in by a regional office, and the small tools every step uses
(log in and out, a download's bytes, a spreadsheet read or written with openpyxl, the
verification address printed in a sealed PDF, the server errors seen by a page).

Nothing here acts in place of a user: what a role does in the year is in the test, through
its pages. The setup writes only what no step of the issue names, through the factories (the
services underneath)."""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook

PASSWORD = "Annee-complete-2027"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESKTOP = {"width": 1280, "height": 900}

MANAGER = ("gestionnaire@dnfp.ml", "Oumar Traoré")
CHAIR = ("presidente@comite.ml", "Aminata Keïta")
MEMBER = ("ibrahim.maiga@comite.ml", "Ibrahim Maïga")        # scores on the page
OFFLINE = ("mariam.toure@comite.ml", "Mariam Touré")         # scores on the Excel sheet
AMCI = ("agent@amci.ma", "Youssef Benali")

# The two young people who apply on their phones (step 2).
AWA = {"email": "awa.coulibaly@exemple.ml", "name": "Awa Coulibaly", "last": "Coulibaly", "first": "Awa",
       "sex": "F", "birth": "2005-03-14", "nina": "12 05 1234567 001 A", "phone": "76 12 34 56",
       "average": "15,5"}
MOUSSA = {"email": "moussa.keita@exemple.ml", "name": "Moussa Keïta", "last": "Keïta", "first": "Moussa",
          "sex": "M", "birth": "2004-11-02", "nina": "12 04 7654321 002 B", "phone": "66 98 76 54",
          "average": "14,5"}
# Files typed in from paper forms by a regional office (not a step of the issue): their
# applicants log in later to answer a placement. Young women: the offer's reserved seat is theirs.
PAPER = [("Diallo", "Fatoumata"), ("Sangaré", "Mariam"), ("Touré", "Oumou")]

# The committee's « Motivation » score of each candidate, by last name (the same from every
# reviewer): with the diploma average prefilled, the ranking is Awa, Moussa, Diallo, Sangaré, Touré.
MOTIVATION = {"Coulibaly": "18", "Keïta": "17", "Diallo": "16", "Sangaré": "15", "Touré": "14"}


@dataclass
class Year:
    campaign_id: int
    code: str
    offer_id: int
    diploma_type_id: int
    paper: dict = field(default_factory=dict)     # last name -> (email, application id)


def setup_year(app, now) -> Year:
    """Reference data, the staff's accounts, and a draft campaign that may open: one offer of
    3 seats (1 reserved for young women) at ISTA Casablanca, the diploma as the only document,
    two criteria (the diploma average prefilled at 40 %, the motivation at 60 %), 2 reviewers
    per file. Its window opened an hour ago and closes in ten days; the answers are due in a
    month."""
    import factories
    from quota_app.campaigns import services
    from quota_app.campaigns.models import Offer
    from quota_app.extensions import db
    from quota_app.reference.models import DocumentType

    with app.app_context():
        factories.ensure_reference()
        manager = factories.make_user("manager", email=MANAGER[0], full_name=MANAGER[1], password=PASSWORD)
        for role, (email, name) in (("committee", CHAIR), ("committee", MEMBER), ("committee", OFFLINE),
                                    ("amci", AMCI)):
            factories.make_user(role, email=email, full_name=name, password=PASSWORD)
        campaign = factories.make_ready_campaign(
            manager, seats=3, code="QUOTA-2027", year=2027, title="Quota annuel 2027-2028",
            reference_date=date(2027, 9, 1), opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=10),
            decision_deadline=now + timedelta(days=30), score_gap_threshold=Decimal("4"))
        offer = db.session.scalars(db.select(Offer).where(Offer.campaign_id == campaign.id)).one()
        services.update_offer(manager, campaign, offer, {
            "programme_id": offer.programme_id, "establishment_id": offer.establishment_id, "code": offer.code,
            "seats": 3, "reserved_seats": 1})
        diploma = factories.first(DocumentType, code="DIPLOMA")
        services.set_required_documents(manager, campaign, [diploma.id])
        db.session.commit()
        year = Year(campaign_id=campaign.id, code=campaign.code, offer_id=offer.id, diploma_type_id=diploma.id)
        db.session.remove()
    return year


def add_paper_files(app, year: Year) -> None:
    """Three files submitted while the call is open, as a regional office types them from the
    paper forms (the applicants' services underneath); each applicant has an account."""
    import factories
    from quota_app.campaigns.models import Campaign
    from quota_app.extensions import db

    with app.app_context():
        campaign = db.session.get(Campaign, year.campaign_id)
        for last, first in PAPER:
            email = f"{first.lower()}.{last.lower()}@papier.ml".replace("é", "e")
            applicant = factories.make_applicant(email=email, full_name=f"{first} {last}", password=PASSWORD)
            application = factories.make_application(
                "submitted", campaign=campaign, applicant=applicant,
                identity_data=factories.identity(last_name=last, first_names=first, sex="F"))
            year.paper[last] = (email, application.id)
        db.session.remove()


# --- the browser ------------------------------------------------------------------------------

class ServerErrors:
    """Every answer of 500 or more that a page received (a step must never meet one)."""

    def __init__(self):
        self.seen: list[str] = []

    def watch(self, page):
        page.on("response", lambda r: self.seen.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 500 else None)
        return page


def new_page(browser, errors: ServerErrors, *, phone: bool = False, locale: str = "fr-FR"):
    viewport = {"width": 360, "height": 740} if phone else DESKTOP
    context = browser.new_context(viewport=viewport, locale=locale, accept_downloads=True)
    context.set_default_timeout(15_000)
    return errors.watch(context.new_page())


def login(page, base: str, email: str, password: str = PASSWORD, button: str = "Se connecter") -> None:
    page.goto(base + "/connexion")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main").get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    assert "/connexion" not in page.url, f"connexion refusée pour {email} : {page.locator('main').inner_text()}"


def logout(page) -> None:
    page.get_by_role("button", name=re.compile("^(Se déconnecter|Log out|Sign out)$")).click()
    page.wait_for_load_state()


def download(page, trigger) -> tuple[bytes, str]:
    """Click `trigger` (a locator) and return the downloaded file's bytes and suggested name."""
    with page.expect_download() as info:
        trigger.click()
    item = info.value
    return Path(item.path()).read_bytes(), item.suggested_filename


def fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"la page {page.url} déborde de l'écran du téléphone ({width} px)"


def select_containing(page, selector: str, text: str) -> None:
    """Chooses the option of a <select> whose label contains `text`."""
    labels = page.locator(f"{selector} option").all_inner_texts()
    page.select_option(selector, label=next(label for label in labels if text in label))


def main_text(page) -> str:
    return page.locator("main").inner_text()


# --- files ------------------------------------------------------------------------------------

def header_row(sheet, wanted: str, within: int = 10) -> int:
    """The number of the row that holds the header `wanted` (exports put a title above)."""
    for row in range(1, within + 1):
        if any(_header(c.value) == wanted for c in sheet[row]):
            return row
    raise AssertionError(f"aucun en-tête « {wanted} » dans les {within} premières lignes de « {sheet.title} »")


def _header(value) -> str:
    """A header as a person reads it: the templates mark the required columns with « * »."""
    return str(value or "").strip().removesuffix("*").strip()


def columns(sheet, row: int) -> dict[str, int]:
    return {_header(c.value): c.column for c in sheet[row] if c.value is not None}


def workbook_bytes(workbook) -> bytes:
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_workbook(data: bytes):
    return load_workbook(BytesIO(data))


def new_workbook(title: str, header: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    return workbook_bytes(workbook)


VERIFY_URL = re.compile(rb"https?://[^\s()<>\"']+?/verifier/[A-Za-z0-9_-]{22,64}")


def verification_path(pdf: bytes) -> str:
    """The /verifier/<token> address printed in a sealed PDF (its link, as the QR code gives
    it), looked for in the file and in its compressed streams."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        start = match.end()
        end = pdf.find(b"endstream", start)
        try:
            chunks.append(zlib.decompress(pdf[start:end].rstrip(b"\r\n")))
        except zlib.error:
            continue
    for chunk in chunks:
        found = VERIFY_URL.search(chunk)
        if found:
            return "/verifier/" + found.group(0).decode().rsplit("/verifier/", 1)[1]
    raise AssertionError("aucune adresse /verifier/… dans le PDF")
