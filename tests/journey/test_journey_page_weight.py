"""Every applicant page stays light for a slow, costly connection, and loads nothing from
another host."""
import re

from journey_helpers import fill_all

from quota_app.applications.services import STEPS

LIMIT = 150 * 1024
RESOURCE = re.compile(r'(?:src|href)="([^"]+)"')


def weigh(client, path):
    """Bytes of the page plus the stylesheets, scripts and images it loads (as a browser would)."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data()
    total = len(html)
    for url in set(RESOURCE.findall(html.decode())):
        if url.startswith(("http://", "https://", "//")):
            raise AssertionError(f"{path} charge une ressource d'un autre hôte : {url}")
        if url.startswith("/static/"):
            total += len(client.get(url).get_data())
    return total


def test_applicant_pages_weigh_under_150_kb(app, db, client, campaign, applicant):
    for path in ("/", "/inscription", "/connexion", "/mot-de-passe/oublie", f"/candidat/campagne/{campaign}"):
        assert weigh(client, path) < LIMIT, path
    _, own = applicant()
    app_id = fill_all(own, db, campaign)
    paths = ["/candidat/", "/candidat/mes-donnees", f"/candidat/dossier/{app_id}"]
    paths += [f"/candidat/dossier/{app_id}/etape/{code}" for code, _ in STEPS]
    for path in paths:
        assert weigh(own, path) < LIMIT, path
    own.post(f"/candidat/dossier/{app_id}/soumettre")
    assert weigh(own, f"/candidat/dossier/{app_id}/recepisse") < LIMIT
