"""Who may reach what: EVERY endpoint of the url_map × every kind of actor, against the table below.

Outcome classes: "ok" (2xx, or a 3xx that is not a redirect to the login page), "login" (a
redirect to the login page), "forbidden" (403), "notfound" (404). Endpoints that accept GET are
fetched; POST-only endpoints get an empty form (CSRF is off in TestingConfig). Where an allowed
actor posts, a validation answer (400, 409, 422) counts as "ok"; a 500 never does. A denied
actor is also refused on POST where the endpoint takes both, and writes no audit event: the
refusal happens before any service.

A new endpoint without a row here fails `test_every_endpoint_has_a_row`: add its row (who may
reach it) with the page. Variants ("endpoint[variant]") walk one endpoint with other parameters
where the answer depends on them (a role table inside the view, the job's owner).

One app and one world for the module: the cases only read, or post forms that change nothing
another case looks at (the application is already submitted, the import run already refused).
"""
import ast
import io
import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

TESTS = Path(__file__).resolve().parent.parent
for folder in ("journey", "auth"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from auth_helpers import PASSWORD, reset_link  # noqa: E402
from journey_helpers import PDF_BYTES, fill_all  # noqa: E402

ACTORS = ("anonymous", "owner", "other_applicant", "manager", "member", "chair", "amci", "admin")
STAFF = ("manager", "member", "chair", "amci", "admin")
LOGIN_PATH = "/connexion"


# --- the expected table -------------------------------------------------------------------

def public():
    """Anyone, signed in or not."""
    return {actor: "ok" for actor in ACTORS}


def signed_in():
    return {actor: "login" if actor == "anonymous" else "ok" for actor in ACTORS}


def staff(*allowed):
    """Staff pages: the named actors; other signed-in users 403; anonymous to the login page."""
    return {actor: "login" if actor == "anonymous" else "ok" if actor in allowed else "forbidden"
            for actor in ACTORS}


def applicants():
    """The applicant's own space, no object in the address: every applicant."""
    return staff("owner", "other_applicant")


def owners(*readers):
    """An object of the owner's application: another applicant's id looks like a missing one (404)."""
    return {**staff("owner", *readers), "other_applicant": "notfound"}


MANAGER = staff("manager")
MEMBERS = staff("member", "chair")  # both sit on the world's committee


def reviewer():
    """A review assignment's pages: its member only; another member of the same committee, 404."""
    return {**staff("member"), "chair": "notfound"}


# The chair's pages of the world's committee: its chair (and managers where they read), a member 404.
CHAIR_PAGE = {**staff("manager", "chair"), "member": "notfound"}
CHAIR_ONLY = {**staff("chair"), "member": "notfound"}

EXPECTED = {
    # Public pages and the account's own pages.
    "main.index": public(),
    "main.privacy": public(),
    "main.health": public(),
    "main.set_language": public(),
    "auth.login": public(),
    "auth.register": public(),
    "auth.logout": public(),
    "auth.forgot_password": public(),
    "auth.reset_password": public(),
    "auth.change_password": signed_in(),
    # Accounts by phone (issue 17): the code's pages, a paper file's claim, the contact details.
    "auth.register_code": public(),
    "auth.resend_code": public(),
    "auth.reset_code": public(),
    "auth.claim": public(),
    "auth.claim_code": public(),
    "auth.contact": signed_in(),
    "auth.phone_code": signed_in(),
    # Account administration.
    "auth.admin_users": staff("admin"),
    "auth.admin_user": staff("admin"),
    "auth.admin_create_user": staff("admin"),
    "auth.admin_deactivate": staff("admin"),
    "auth.admin_reactivate": staff("admin"),
    "auth.admin_change_role": staff("admin"),
    # The applicant's space.
    "applications.campaign": public(),
    "documents.index": public(),   # the public verification of sealed documents
    "documents.verify": public(),
    "applications.home": applicants(),
    "applications.apply": applicants(),
    "applications.my_data": applicants(),
    "applications.my_data_json": applicants(),
    "applications.summary": owners(),
    "applications.step": owners(),
    "applications.upload": owners(),
    "applications.remove_document": owners(),
    "applications.submit": owners(),
    "applications.receipt": owners(),
    "applications.withdraw": owners(),
    "placement.answer": owners(),
    "placement.give_up": owners(),
    "placement.overview": owners(),
    "placement.leave_lists": owners(),
    "applications.document": owners(),  # staff: screening.document, audited
    # The campaign console.
    "campaigns.home": MANAGER,
    "campaigns.create": MANAGER,
    "campaigns.show": MANAGER,
    "campaigns.edit": MANAGER,
    "campaigns.level_rules": MANAGER,
    "campaigns.documents": MANAGER,
    "campaigns.criteria": MANAGER,
    "campaigns.offer_create": MANAGER,
    "campaigns.offer_edit": MANAGER,
    "campaigns.offer_delete": MANAGER,
    "campaigns.move_phase": MANAGER,
    # Screening and the dashboard.
    "screening.index": MANAGER,
    "screening.queue": MANAGER,
    "screening.export": MANAGER,
    "screening.file": MANAGER,
    "screening.show_identity": MANAGER,
    "screening.decide": MANAGER,
    "screening.bulk": MANAGER,
    "screening.document": staff("manager", "amci"),
    "screening.record_paper": MANAGER,
    # No paper record in the world: a manager reaches the service, which finds none (404).
    "screening.cancel_paper": {**MANAGER, "manager": "notfound"},
    "dashboard.index": MANAGER,
    "dashboard.journey_export": MANAGER,
    # Reference data, the audit trail, the outbox.
    "reference.index": MANAGER,
    "reference.items": MANAGER,
    "reference.create": MANAGER,
    "reference.edit": MANAGER,
    "reference.deactivate": MANAGER,
    "reference.reactivate": MANAGER,
    "audit.index": staff("manager", "admin"),
    "notifications.outbox": staff("manager", "admin"),
    "notifications.detail": staff("manager", "admin"),
    # The SMS gateway's delivery reports: its secret only, never a session.
    "notifications.sms_status": {actor: "forbidden" for actor in ACTORS},
    # Imports (the run is an applicants' import: not an AMCI officer's kind), exports, jobs.
    "imports.home": staff("manager", "amci"),
    "imports.run": MANAGER,
    "imports.confirm": MANAGER,
    "imports.error_report": MANAGER,
    "imports.template": MANAGER,
    "imports.template[followup]": staff("manager", "amci"),
    "exports.index": staff("manager", "amci"),
    "exports.download": MANAGER,
    "exports.download[nomination]": staff("manager", "amci"),
    "exports.download[suivi]": staff("manager", "amci"),
    "exports.download[affectation]": MANAGER,
    "exports.download[listes-attente]": MANAGER,
    "jobs.show": MANAGER,
    "jobs.show[amci's job]": staff("manager", "amci"),
    # The committee (the chair is a member whose membership says so) and the AMCI's home.
    "committee.home": MEMBERS,
    "committee.statement": MEMBERS,
    "committee.conflicts": MEMBERS,
    "committee.conflict": MEMBERS,
    "committee.finish_declaration": MEMBERS,
    "committee.files": MEMBERS,
    "committee.score_sheet": MEMBERS,
    "committee.score_sheet_download": MEMBERS,
    "committee.review": reviewer(),
    "committee.review_document": reviewer(),
    # The chair's deliberation: managers read the ranking, the PV and the spreadsheet; a plain
    # member (and a chair of another committee) gets the 404 page. The world's campaign is not in
    # « Délibération » (the reviews stay secret from the chair, who is a reviewer too, until then):
    # the chair's pages and buttons are refused in French (a redirect).
    "deliberation.show": CHAIR_PAGE,
    "deliberation.normalisation": CHAIR_PAGE,
    "deliberation.minutes": CHAIR_PAGE,
    "deliberation.ranking_export": CHAIR_PAGE,
    "deliberation.open_deliberation": CHAIR_ONLY,
    "deliberation.adopt_normalisation": CHAIR_ONLY,
    "deliberation.session": CHAIR_ONLY,
    "deliberation.validate": CHAIR_ONLY,
    "deliberation.file": CHAIR_ONLY,
    # The managers' committee set-up.
    "committee_admin.index": MANAGER,
    "committee_admin.campaign": MANAGER,
    "committee_admin.create": MANAGER,
    "committee_admin.edit": MANAGER,
    "committee_admin.show": MANAGER,
    "committee_admin.add_member": MANAGER,
    "committee_admin.chair": MANAGER,
    "committee_admin.deactivate": MANAGER,
    "committee_admin.conflicts": MANAGER,
    "committee_admin.assign": MANAGER,
    "committee_admin.files": MANAGER,
    "committee_admin.remind": MANAGER,
    # The managers' placement pages (the world's campaign is open: the pages say what is not yet possible).
    "placement_admin.index": MANAGER,
    "placement_admin.answer_settings": MANAGER,
    "placement_admin.publish": MANAGER,
    "placement_admin.offer": MANAGER,
    "placement_admin.seats": MANAGER,
    "placement_admin.files": MANAGER,
    "placement_admin.application": MANAGER,
    "placement_admin.extend": MANAGER,
    "placement_admin.rounds": MANAGER,
    # The placement's PV: managers only (before the publication, the page says it is not available).
    "placement_pv.show": MANAGER,
    "placement_pv.seal": MANAGER,
    "placement_pv.download": MANAGER,
    # The managers' what-if simulations of the placement.
    "placement_simulation.index": MANAGER,
    "placement_simulation.show": MANAGER,
    "amci.home": staff("amci"),
    "amci.nominations": staff("manager", "amci"),
    "amci.nominate_all": MANAGER,
    "amci.nomination": staff("manager", "amci"),
    "amci.decide": MANAGER,
    # Transmittal slips: managers prepare and move them; AMCI officers read those sent to the
    # embassy or later (the world's slip is still being prepared: 404 for them).
    "amci_slips.index": staff("manager", "amci"),
    "amci_slips.prepare": MANAGER,
    "amci_slips.show": {**staff("manager", "amci"), "amci": "notfound"},
    "amci_slips.send": MANAGER,
    "amci_slips.receive": MANAGER,
    "amci_slips.answer": MANAGER,
    "amci_slips.download": {**staff("manager", "amci"), "amci": "notfound"},
    "amci_slips.list_xlsx": {**staff("manager", "amci"), "amci": "notfound"},
    "amci_slips.list_pdf": {**staff("manager", "amci"), "amci": "notfound"},
    "amci_slips.campaign_list_pdf": staff("manager", "amci"),
    # The lists the AMCI sends back: AMCI officers upload and read the diff; managers apply.
    "amci_reconcile.index": staff("manager", "amci"),
    "amci_reconcile.template": staff("manager", "amci"),
    "amci_reconcile.show": staff("manager", "amci"),
    "amci_reconcile.apply": MANAGER,
    # The trainees' follow-up: managers and AMCI officers read and write (the world's file is nominated).
    "amci_followup.index": staff("manager", "amci"),
    "amci_followup.show": staff("manager", "amci"),
    "amci_followup.update": staff("manager", "amci"),
    "amci_followup.reenrol": staff("manager", "amci"),
    # Retention (issue 16): the applicant's erasure request, the managers' list and decision.
    "retention.erasure": applicants(),
    "retention.requests": MANAGER,
    "retention.request_detail": MANAGER,
    "retention.decide": MANAGER,
}

# Parameters by variant, over the world's values; the plain row takes DEFAULT_KIND's kind.
VARIANTS = {
    "imports.template[followup]": lambda values: {"kind": "followup"},
    "exports.download[nomination]": lambda values: {"kind": "nomination"},
    "exports.download[suivi]": lambda values: {"kind": "suivi"},
    "exports.download[affectation]": lambda values: {"kind": "affectation"},
    "exports.download[listes-attente]": lambda values: {"kind": "listes-attente"},
    "jobs.show[amci's job]": lambda values: {"job_id": values["amci_job_id"]},
    "screening.cancel_paper": lambda values: {"paper_id": 0},
    "auth.resend_code": lambda values: {"purpose": "register"},
}
DEFAULT_KIND = {"imports": "applicants", "exports": "statistiques"}  # reference: the world's kind
IGNORED = {"static"}


def endpoint_of(key: str) -> str:
    return key.split("[", 1)[0]


# --- the world ----------------------------------------------------------------------------

def _wipe(app):
    from quota_app.extensions import db

    with app.app_context():
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="module", autouse=True)
def _clean_tables(app):
    """Overrides the suite's per-test cleaning: the world is built once for the module."""
    yield
    _wipe(app)


def _open_campaign(db):
    """An open campaign with the offers and required documents the journey helpers fill in."""
    import factories

    return factories.make_open_campaign(programmes=("TS-DD", "TS-IA", "T-MI"), documents=("PHOTO", "DIPLOMA"))


def _signed_in_client(app, user_id):
    from quota_app.auth.models import User
    from quota_app.extensions import db

    client = app.test_client()
    if user_id is not None:
        with app.app_context():
            token = db.session.get(User, user_id).session_token  # logout rotates it: read it again
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
    return client


def _refused_import_run(app, manager_id, campaign_id) -> int:
    """A manager's applicants' import refused at the dry run: its page and report read a stored
    file, and confirming it again changes nothing."""
    from openpyxl import load_workbook

    client = _signed_in_client(app, manager_id)
    template = client.get(f"/gestion/imports/modele/applicants/{campaign_id}")
    assert template.status_code == 200, template.status_code
    workbook = load_workbook(io.BytesIO(template.data))
    workbook.active.append(["Traoré", "Awa", "X", "pas une date"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post("/gestion/imports/", data={
        "kind": "applicants", "campaign_id": str(campaign_id), "file": (io.BytesIO(buffer.getvalue()), "refus.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.status_code
    return int(re.search(r"/gestion/imports/(\d+)", response.headers["Location"]).group(1))


@pytest.fixture(scope="module")
def world(app):
    """Every actor, and one of each object the addresses name."""
    from quota_app.applications.models import Application
    from quota_app.auth import services as auth
    from quota_app.committee.access import new_assignment
    from quota_app.committee.models import Committee, CommitteeMember
    from quota_app.documents import sealing
    from quota_app.extensions import db
    from quota_app.jobs.services import create_job
    from quota_app.notifications.models import OutboxMessage
    from quota_app.placement.models import AllocationRound, Placement
    from quota_app.reference import services as reference
    from quota_app.seed.reference import seed_reference

    _wipe(app)  # whatever an earlier module left
    with app.app_context():
        seed_reference()
        users = {
            "owner": auth.register_applicant("awa@exemple.ml", PASSWORD, "Awa Traoré", True, "v1"),
            "other_applicant": auth.register_applicant("moussa@exemple.ml", PASSWORD, "Moussa Diarra", True, "v1"),
        }
        for actor, role in (("manager", "manager"), ("member", "committee"), ("chair", "committee"),
                            ("amci", "amci"), ("admin", "admin"), ("target", "committee")):
            users[actor] = auth.create_account(f"{actor}@dnfp.ml", PASSWORD, role, actor.capitalize())
        db.session.commit()
        ids = {actor: user.id for actor, user in users.items()}
        campaign = _open_campaign(db)
        committee = Committee(campaign_id=campaign.id, name="Comité de sélection Q2026")
        db.session.add(committee)
        db.session.flush()
        # The member signed the statement: their pages render (the chair's redirect to it).
        member = CommitteeMember(committee_id=committee.id, user_id=ids["member"], role="member",
                                 statement_signed_at=datetime(2026, 6, 1, 9, 0))
        db.session.add_all([member, CommitteeMember(committee_id=committee.id, user_id=ids["chair"], role="chair")])
        db.session.commit()

        # The owner's application, filled and submitted through the pages (a receipt, an e-mail).
        owner_client = _signed_in_client(app, ids["owner"])
        application_id = fill_all(owner_client, db, campaign.id)
        assert owner_client.post(f"/candidat/dossier/{application_id}/soumettre").status_code == 302
        application = db.session.get(Application, application_id)
        assert application.status == "submitted"
        round_ = AllocationRound(campaign_id=campaign.id, number=1)
        db.session.add(round_)
        simulation = AllocationRound(campaign_id=campaign.id, number=2, kind="simulation", cause="Simulation",
                                     parameters={"overrides": {}, "summary": {}})  # a kept what-if simulation
        db.session.add(simulation)
        db.session.flush()
        placement = Placement(application_id=application_id, offer_id=application.choices[0].offer_id,
                              round_id=round_.id, choice_rank=1, status="offered")
        db.session.add(placement)
        assignment = new_assignment(application_id, member.id)  # the member's file to score
        # The AMCI's objects: the owner's file nominated on a slip, a returned list, a follow-up.
        from quota_app.amci.models import FollowUp, Nomination, Reconciliation, Transmittal
        slip = Transmittal(campaign_id=campaign.id, number="BT-2026-001", year=2026, sequence=1,
                           sender="DNFP", recipient="AMCI", status="prepared")
        db.session.add(slip)
        db.session.flush()
        nomination = Nomination(campaign_id=campaign.id, application_id=application_id, placement_id=placement.id,
                                offer_id=placement.offer_id, transmittal_id=slip.id, position=1)
        reconciliation = Reconciliation(campaign_id=campaign.id, transmittal_id=slip.id, filename="retour.xlsx",
                                        sha256="0" * 64, plan={"rows": []}, counts={})
        follow_up = FollowUp(application_id=application_id)
        db.session.add_all([nomination, reconciliation, follow_up])

        from quota_app.retention.models import ErasureRequest
        erasure = ErasureRequest(user_id=ids["other_applicant"])  # pending: the manager's pages show it
        db.session.add(erasure)

        manager_job = create_job(users["manager"], "import.applicants", {})
        amci_job = create_job(users["amci"], "import.followup", {})
        auth.request_password_reset("target@dnfp.ml")
        sealed, _pdf = sealing.seal("receipt", "MLI-2026-000001", "Récépissé de candidature",
                                    {"application": application_id}, lambda seal: PDF_BYTES)
        db.session.commit()
        kind = next(spec for spec in reference.KINDS.values() if spec.has_active)
        item = db.session.execute(db.select(kind.model).order_by(kind.model.id)).scalars().first()
        # A message to a staff account (the reset link's): administrators read those only.
        message = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.user_id == ids["target"])
                                     .order_by(OutboxMessage.id)).scalars().first()
        values = {
            "campaign_id": campaign.id, "offer_id": application.choices[0].offer_id,
            "application_id": application_id, "document_id": application.documents[0].id,
            "placement_id": placement.id, "round_id": simulation.id, "step": "identite",
            "job_id": manager_job.id, "amci_job_id": amci_job.id, "message_id": message.id,
            "user_id": ids["target"], "token": reset_link(db, "target@dnfp.ml").rsplit("/", 1)[1],
            "kind": kind.slug, "item_id": item.id, "code": sealed.token,
            "committee_id": committee.id, "member_id": member.id, "assignment_id": assignment.id,
            "type_code": "PHOTO",
            "slip_id": slip.id, "nomination_id": nomination.id, "reconciliation_id": reconciliation.id,
            "follow_up_id": follow_up.id, "request_id": erasure.id,
        }
    values["run_id"] = _refused_import_run(app, ids["manager"], values["campaign_id"])
    return {"users": ids, "values": values}


# --- walking ------------------------------------------------------------------------------

def outcome(response) -> str:
    code = response.status_code
    if 300 <= code < 400:
        return "login" if urlsplit(response.headers.get("Location", "")).path == LOGIN_PATH else "ok"
    if 200 <= code < 300:
        return "ok"
    return {403: "forbidden", 404: "notfound", 400: "invalid", 409: "invalid", 422: "invalid"}.get(code, f"HTTP {code}")


def rule_for(app, endpoint):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    assert rules, f"{endpoint} is no longer in url_map: remove its row"
    return rules[0]


def address(app, world, key) -> tuple[str, set]:
    from flask import url_for

    endpoint = endpoint_of(key)
    rule = rule_for(app, endpoint)
    values = {**world["values"]}
    blueprint = endpoint.split(".", 1)[0]
    if blueprint in DEFAULT_KIND:
        values["kind"] = DEFAULT_KIND[blueprint]
    values.update(VARIANTS.get(key, lambda _values: {})(values))
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{key}: the world has no value for {sorted(missing)}"
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments}), rule.methods


def audit_count(app) -> int:
    from quota_app.audit.models import AuditEvent
    from quota_app.extensions import db

    with app.app_context():
        return db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar()


CASES = [pytest.param(key, actor, id=f"{key}-{actor}") for key in EXPECTED for actor in ACTORS]


@pytest.mark.parametrize("key, actor", CASES)
def test_access(app, world, key, actor):
    expected = EXPECTED[key][actor]
    url, methods = address(app, world, key)
    client = _signed_in_client(app, world["users"].get(actor))
    denied = expected != "ok"
    before = audit_count(app) if denied else None
    method = "GET" if "GET" in methods else "POST"
    got = outcome(client.open(url, method=method, data={}))
    if method == "POST" and expected == "ok" and got == "invalid":
        got = "ok"  # an empty form refused by its validation: the actor reached the page
    assert got == expected, f"{actor} {method} {url} ({key}): got {got}, expected {expected}"
    if denied and "POST" in methods and method == "GET":
        posted = outcome(client.open(url, method="POST", data={}))
        assert posted == expected, f"{actor} POST {url} ({key}): got {posted}, expected {expected}"
    if denied:
        assert audit_count(app) == before, f"{actor} {url}: refused, yet an audit event was written"


def test_every_endpoint_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    rows = {endpoint_of(key) for key in EXPECTED}
    missing = sorted(endpoints - rows)
    assert not missing, ("endpoints without a row in EXPECTED (who may reach them?): " + ", ".join(missing))
    gone = sorted(rows - endpoints)
    assert not gone, "rows of EXPECTED for endpoints that no longer exist: " + ", ".join(gone)
    assert set(VARIANTS) <= set(EXPECTED)
    keys = [key.value for node in ast.walk(ast.parse(Path(__file__).read_text(encoding="utf-8")))
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXPECTED" for t in node.targets)
            for key in node.value.keys]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    assert not twice, "rows written twice in EXPECTED (the last one silently wins): " + ", ".join(twice)
    assert all(set(row) == set(ACTORS) for row in EXPECTED.values())


# --- the navigation follows the decorators ------------------------------------------------

ACTOR_OF_ROLE = {"applicant": "owner", "manager": "manager", "committee": "member", "amci": "amci", "admin": "admin"}
MENUS = {  # what each role's menu held before it was read from the decorators
    "applicant": ["applications.home"],
    "manager": ["campaigns.home", "screening.index", "screening.queue", "committee_admin.index",
                "placement_admin.index", "amci.nominations", "dashboard.index", "imports.home", "exports.index", "notifications.outbox", "reference.index", "audit.index",
                "retention.requests"],
    "committee": ["committee.home"],
    "amci": ["amci.nominations", "amci.home", "imports.home", "exports.index"],
    "admin": ["auth.admin_users", "notifications.outbox", "audit.index"],
}


@pytest.mark.parametrize("role", sorted(MENUS))
def test_each_menu_leads_only_where_the_role_may_go(app, role):
    from flask_login import login_user

    from quota_app.permissions import ROLES
    from quota_app.web import nav_items

    assert set(MENUS) == set(ROLES)

    class Someone:
        is_authenticated, is_active, is_anonymous, locale = True, True, False, "fr"

        def __init__(self, role):
            self.role = role

        def get_id(self):
            return "menu"

    with app.test_request_context():
        login_user(Someone(role))
        menu = [endpoint for endpoint, _label in nav_items()]
    assert menu == MENUS[role]
    for endpoint in menu:
        assert EXPECTED[endpoint][ACTOR_OF_ROLE[role]] == "ok", endpoint
