"""`flask placement-expire`: silence at the deadline is a decline, once."""
from datetime import timedelta

from factories import make_campaign


def test_the_command_expires_overdue_offers_once(app, db):
    from quota_app.applications.models import Application
    from quota_app.placement.cascade import live_placements

    campaign = make_campaign("published", files=("eligible",) * 2, seats=1)
    placed = db.session.scalar(db.select(Application).where(Application.campaign_id == campaign.id,
                                                            Application.status == "placed"))
    (offer,) = live_placements(placed.id)
    later = (offer.deadline + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["placement-expire", "--at", later])
    assert result.exit_code == 0 and "1 place(s) expirée(s)" in result.output
    assert runner.invoke(args=["placement-expire", "--at", later]).output.startswith("Aucune place")
    db.session.expire_all()
    assert placed.status == "declined"


def test_a_malformed_moment_is_refused_in_french(app):
    result = app.test_cli_runner().invoke(args=["placement-expire", "--at", "demain"])
    assert result.exit_code != 0 and "AAAA-MM-JJ HH:MM" in result.output
