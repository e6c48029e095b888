"""`act`, the one way a view makes a change: one service call, one commit; a refusal rolled
back and shown in French; a concurrent change or a uniqueness clash read as a Conflict."""
from datetime import date, datetime

import pytest
from flask import session
from sqlalchemy import event, func, select, update
from wtforms import Form, StringField

from quota_app.campaigns.models import Campaign
from quota_app.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from quota_app.reference.models import Region
from quota_app.viewhelpers import UNIQUE_CLASH, act


@pytest.fixture
def request_ctx(app, db):
    with app.test_request_context("/"):
        yield db


@pytest.fixture
def commits(request_ctx):
    """The commits of the test's session, counted."""
    seen = []
    orm_session = request_ctx.session()

    def listener(_session):
        seen.append(1)

    event.listen(orm_session, "after_commit", listener)
    yield seen
    event.remove(orm_session, "after_commit", listener)


def regions(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Region.code).order_by(Region.code)))


def flashes():
    """The messages flashed since the last call, (category, text) each."""
    return [tuple(item) for item in session.pop("_flashes", [])]


def raising(error):
    def action():
        raise error
    return action


class EmailForm(Form):
    email = StringField()


def test_success_commits_once_flashes_and_returns_the_value(request_ctx, commits):
    db = request_ctx

    def add():
        region = Region(code="01", name="Kayes")
        db.session.add(region)
        db.session.flush()
        return region.id

    done = act(add, success="Région ajoutée.")
    assert done and done.error is None and isinstance(done.value, int)
    assert len(commits) == 1
    assert regions(db) == ["01"]
    assert flashes() == [("success", "Région ajoutée.")]


def test_a_domain_error_rolls_back_and_shows_its_french_message(request_ctx, commits):
    db = request_ctx

    def refused():
        db.session.add(Region(code="02", name="Koulikoro"))
        db.session.flush()
        raise NotAllowed()

    done = act(refused, success="jamais affiché")
    assert not done and isinstance(done.error, NotAllowed)
    assert commits == [] and regions(db) == []
    assert flashes() == [("error", "Vous n'avez pas le droit d'effectuer cette opération.")]


def test_field_messages_go_next_to_their_fields_and_the_rest_at_the_top(request_ctx):
    form = EmailForm()
    error = ValidationFailed(errors={"email": "Adresse e-mail invalide.", "ailleurs": "Autre problème."})
    done = act(raising(error), form)
    assert not done
    assert form.email.errors == ["Adresse e-mail invalide."]
    assert flashes() == [("error", "Autre problème.")]


def test_a_hand_written_form_gets_the_errors_in_its_dict(request_ctx):
    errors = {}

    assert not act(raising(ValidationFailed(errors={"text": "Trop court."})), errors)
    assert errors == {"text": "Trop court."} and flashes() == []
    other = {}
    assert not act(raising(NotAllowed("Non.")), other)
    assert other == {} and flashes() == [("error", "Non.")]


def test_the_reasons_of_a_refused_move_follow_its_message(request_ctx):
    act(raising(InvalidTransition("Votre dossier est incomplet.", reasons=["Étape à compléter : Identité."])))
    assert flashes() == [("error", "Votre dossier est incomplet."), ("error", "Étape à compléter : Identité.")]


def test_a_row_saved_by_someone_else_meanwhile_is_a_conflict(request_ctx, commits):
    db = request_ctx
    campaign = Campaign(code="Q-2026", title="Quota 2026", year=2026, reference_date=date(2026, 9, 1),
                        opens_at=datetime(2026, 6, 1), closes_at=datetime(2026, 7, 1))
    db.session.add(campaign)
    db.session.commit()
    commits.clear()
    assert campaign.version == 1  # the version this manager's form was built from

    def edit():
        # Another manager saves the campaign (its version moves on) while this one edits it.
        db.session.execute(update(Campaign).where(Campaign.id == campaign.id)
                           .values(title="Leur titre", version=Campaign.version + 1)
                           .execution_options(synchronize_session=False))
        campaign.title = "Mon titre"

    done = act(edit, success="jamais affiché")
    assert not done and done.conflict
    assert commits == []
    assert db.session.scalar(select(Campaign.title)) == "Quota 2026"  # both writes rolled back
    assert flashes() == [("error", Conflict.message)]


def test_the_view_may_name_the_conflict_for_its_readers(request_ctx):
    db = request_ctx
    campaign = Campaign(code="Q-2027", title="Quota 2027", year=2027, reference_date=date(2027, 9, 1),
                        opens_at=datetime(2027, 6, 1), closes_at=datetime(2027, 7, 1))
    db.session.add(campaign)
    db.session.commit()
    assert campaign.version == 1  # the version this manager's form was built from

    def edit():
        db.session.execute(update(Campaign).values(version=Campaign.version + 1)
                           .execution_options(synchronize_session=False))
        campaign.title = "Mon titre"

    assert act(edit, stale="Ce dossier a été modifié entre-temps.").conflict
    assert flashes() == [("error", "Ce dossier a été modifié entre-temps.")]


def test_a_uniqueness_clash_is_a_french_conflict(request_ctx, commits):
    db = request_ctx
    db.session.add(Region(code="03", name="Sikasso"))
    db.session.commit()
    commits.clear()

    done = act(lambda: db.session.add(Region(code="03", name="Sikasso bis")))
    assert not done and done.conflict and done.error.message == UNIQUE_CLASH
    assert commits == [] and regions(db) == ["03"]
    assert flashes() == [("error", "Cette modification entre en conflit avec une autre donnée enregistrée entre-temps.")]
    act(lambda: db.session.add(Region(code="03", name="Sikasso ter")), clash="Ce code est déjà pris.")
    assert flashes() == [("error", "Ce code est déjà pris.")]


def test_the_value_is_kept_when_the_commit_fails(request_ctx):
    """An upload wrote a file before the commit: the view needs its name to remove it."""
    db = request_ctx
    db.session.add(Region(code="04", name="Ségou"))
    db.session.commit()

    def store():
        db.session.add(Region(code="04", name="Ségou bis"))
        return "nom-du-fichier"

    done = act(store)
    assert not done and done.value == "nom-du-fichier"


def test_refusals_may_keep_what_the_service_wrote(request_ctx, commits):
    """A failed login keeps its counters and its audit: the service writes them, then refuses."""
    db = request_ctx

    def refused():
        db.session.add(Region(code="05", name="Mopti"))
        raise NotAllowed("Refusé.")

    done = act(refused, commit_refusals=True)
    assert not done and len(commits) == 1 and regions(db) == ["05"]
    assert flashes() == [("error", "Refusé.")]


def test_not_found_rolls_back_and_goes_on_to_the_404_page(request_ctx, commits):
    db = request_ctx

    def missing():
        db.session.add(Region(code="06", name="Tombouctou"))
        raise NotFound("Dossier introuvable.")

    with pytest.raises(NotFound):
        act(missing)
    assert commits == [] and db.session.scalar(select(func.count()).select_from(Region)) == 0
    assert flashes() == []
