"""An administrator sees no applicant's personal data: neither applicants' accounts on the
accounts pages nor the messages sent to applicants in the outbox."""
import factories


def test_admin_sees_staff_accounts_and_staff_messages_only(client, db, login):
    from quota_app.notifications.models import OutboxMessage

    applicant = factories.make_user("applicant", email="awa.traore@exemple.ml")
    staff = factories.make_user("manager", email="chef.dnfp@exemple.ml")
    db.session.flush()
    to_applicant = OutboxMessage(to_email="awa.traore@exemple.ml", subject="Dossier soumis", body="Bonjour Awa",
                                 user_id=applicant.id)
    to_staff = OutboxMessage(to_email="chef.dnfp@exemple.ml", subject="Votre compte", body="Bonjour", user_id=staff.id)
    db.session.add_all([to_applicant, to_staff])
    db.session.commit()
    login(factories.make_user("admin"))
    accounts = client.get("/admin/comptes?q=exemple").get_data(as_text=True)
    assert "chef.dnfp@exemple.ml" in accounts and "awa.traore" not in accounts
    assert client.get(f"/admin/comptes/{applicant.id}").status_code == 404
    outbox = client.get("/messages/").get_data(as_text=True)
    assert "chef.dnfp@exemple.ml" in outbox and "awa.traore" not in outbox
    assert client.get(f"/messages/{to_applicant.id}").status_code == 404
    assert client.get(f"/messages/{to_staff.id}").status_code == 200
    login(factories.make_user("manager"))
    assert "awa.traore@exemple.ml" in client.get("/messages/").get_data(as_text=True)
