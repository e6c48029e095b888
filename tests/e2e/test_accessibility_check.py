"""The accessibility check itself: axe-core comes from the pinned package (not the network), and
it does catch a serious violation (so a clean page means something)."""
import pytest

pytestmark = pytest.mark.browser


def test_axe_core_is_the_pinned_local_copy(axe_script):
    from importlib.metadata import version
    from pathlib import Path

    requirements = (Path(__file__).parents[2] / "requirements-dev.txt").read_text()
    assert f"axe-playwright-python=={version('axe-playwright-python')}" in requirements
    assert axe_script.startswith("/*! axe v4.")


def test_axe_catches_serious_violations(phone, axe_script, blocking):
    page = phone
    page.route("**/*", lambda route: route.abort())  # nothing from the network
    page.set_content('<!doctype html><html><head><title>t</title></head><body><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button>'
                     '<input type="text"></main></body></html>')
    page.evaluate(axe_script)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    problems = blocking(results)
    rules = {line.split(" ", 1)[0] for line in problems}
    assert {"image-alt", "button-name", "label"} <= rules, problems
