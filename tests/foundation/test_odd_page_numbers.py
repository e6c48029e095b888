"""A page number nobody could reach (or not a number) never gives a 500: every page that takes
?page= answers with its first or last page."""
import pytest
from factories import make_campaign, make_user

ODD = ("999999999999999999999", "-3", "abc", "1e9", "")


@pytest.mark.parametrize("page", ODD)
def test_list_pages_survive_odd_page_numbers(app, db, login, client, page):
    campaign = make_campaign("published", files=("eligible",), seats=1)
    manager = make_user("manager")
    login(manager)
    paths = [
        f"/gestion/dossiers/?campaign={campaign.id}", f"/gestion/dossiers/recevabilite?campaign={campaign.id}",
        "/gestion/journal/", "/messages/", f"/gestion/affectation/{campaign.id}/dossiers",
        f"/gestion/affectation/simulations/{campaign.id}",
    ]
    for path in paths:
        joined = "&" if "?" in path else "?"
        response = client.get(f"{path}{joined}page={page}")
        assert response.status_code == 200, (path, response.status_code)


def test_the_page_number_rule():
    from quota_app.viewhelpers import MAX_PAGE, page_number

    assert [page_number(v) for v in (None, "", "abc", "0", "-2", "3", " 4 ", "99999999999999999999")] == [
        1, 1, 1, 1, 1, 3, 4, MAX_PAGE]
