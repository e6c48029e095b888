"""Real-browser journeys: Playwright drives Debian's Chromium against a live local server.

`axe(page, name)` runs axe-core on the page and fails on any serious or critical violation.
axe-core's script comes from the pinned `axe-playwright-python` package (requirements-dev.txt,
which bundles axe.min.js): nothing is fetched from the internet at test time. With CI=true a
missing browser or axe-core is a failure, not a skip."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
# What fails the accessibility check: axe-core's two highest impacts.
BLOCKING_IMPACTS = ("serious", "critical")


def _missing(message: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium introuvable ({CHROMIUM}) : apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page the size of a cheap Android phone (360×740)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's JavaScript, from the installed package (never from the network)."""
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError:
        _missing("axe-core introuvable : pip install -r requirements-dev.txt (axe-playwright-python)")
    return AXE_SCRIPT


def blocking_violations(results: dict) -> list[str]:
    """One line per serious or critical violation: rule, impact, help and the elements."""
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = ", ".join(" ".join(node.get("target", [])) for node in violation.get("nodes", [])[:5])
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines


@pytest.fixture
def axe(axe_script):
    """axe(page, name): run axe-core (WCAG 2.x A and AA rules and best practices) on the page as
    it is, write the results to artifacts/axe-<name>.json, fail on a serious or critical one."""
    import json

    checked = []

    def run(page, name: str) -> dict:
        page.evaluate(axe_script)
        results = page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(results.get("violations", []), indent=2,
                                                               ensure_ascii=False))
        problems = blocking_violations(results)
        assert not problems, f"axe-core, page « {name} » ({page.url}) :\n" + "\n".join(problems)
        checked.append(name)
        return results

    run.checked = checked
    return run


@pytest.fixture
def outbox_secret(app):
    """outbox_secret(address or number): the code last sent there."""
    return lambda to: sent_secret(app, to)


@pytest.fixture
def blocking():
    """blocking(axe results): its serious and critical violations, one line each."""
    return blocking_violations


@pytest.fixture
def register(app):
    """register(page, base_url, email, full_name, password): the registration form, then the
    confirmation code when the application asks for one (read from the outbox, as the
    applicant reads it in their mail)."""
    def run(page, base_url, email, full_name, password):
        page.goto(base_url + "/inscription")
        page.fill("#email", email)
        page.fill("#full_name", full_name)
        page.fill("#password", password)
        page.fill("#confirm", password)
        page.check("#consent")
        page.get_by_role("button", name="Créer mon compte").click()
        page.wait_for_load_state()
        if "/inscription/code" in page.url:
            page.fill("#code", sent_secret(app, email))
            page.get_by_role("button", name="Valider le code").click()
        page.wait_for_url(base_url + "/candidat/")

    return run


def sent_secret(app, to) -> str:
    """The code last sent to this address or number (the outbox keeps it for the message)."""
    from sqlalchemy import or_, select

    from quota_app.extensions import db
    from quota_app.notifications.models import OutboxMessage

    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(
            or_(OutboxMessage.to_email == to, OutboxMessage.to_phone == to)).order_by(OutboxMessage.id.desc())).first()
        assert message is not None and message.secret, f"aucun code envoyé à {to}"
        return message.secret
