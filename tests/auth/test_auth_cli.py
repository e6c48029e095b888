"""flask create-user."""
from auth_helpers import PASSWORD


def run(app, *args):
    return app.test_cli_runner().invoke(args=["create-user", *args])


def test_create_user_cli(app, db):
    from quota_app.audit.models import AuditEvent
    from quota_app.auth.models import User
    from quota_app.auth.passwords import verify_password

    result = run(app, "--email", "Admin@DNFP.ml", "--role", "admin", "--name", "Aminata Diallo", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Compte créé : admin@dnfp.ml (Administrateur)." in result.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.role == "admin" and user.full_name == "Aminata Diallo"
    assert verify_password(user.password_hash, PASSWORD)
    event = db.session.execute(db.select(AuditEvent).filter_by(action="user.create")).scalar_one()
    assert event.actor_id is None


def test_create_user_cli_prompts_for_password(app, db):
    from quota_app.auth.models import User

    result = app.test_cli_runner().invoke(args=["create-user", "--email", "m@dnfp.ml", "--role", "manager"],
                                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert db.session.execute(db.select(User).filter_by(email="m@dnfp.ml")).scalar_one().role == "manager"


def test_create_user_cli_errors_in_french(app, db, make_user):
    from quota_app.auth.models import User

    make_user("manager", email="pris@dnfp.ml")
    result = run(app, "--email", "x@dnfp.ml", "--role", "chef", "--password", PASSWORD)
    assert result.exit_code != 0 and "Rôle inconnu" in result.output
    result = run(app, "--email", "pris@dnfp.ml", "--role", "manager", "--password", PASSWORD)
    assert result.exit_code != 0 and "Un compte existe déjà" in result.output
    result = run(app, "--email", "y@dnfp.ml", "--role", "amci", "--password", "court")
    assert result.exit_code != 0 and "au moins 12 caractères" in result.output
    result = run(app, "--email", "pas-une-adresse", "--role", "amci", "--password", PASSWORD)
    assert result.exit_code != 0 and "Adresse e-mail invalide." in result.output
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1


def test_create_applicant_cli_creates_applicant_row(app, db):
    from quota_app.applications.models import Applicant

    result = run(app, "--email", "cand@exemple.ml", "--role", "applicant", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert db.session.execute(db.select(Applicant)).scalar_one().source == "web"
