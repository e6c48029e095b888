import click


@click.command("create-user")
@click.option("--email", required=True, help="Adresse e-mail du compte.")
@click.option("--role", required=True, help="Rôle : applicant, manager, committee, amci ou admin.")
@click.option("--name", default="", help="Nom complet.")
@click.password_option(prompt="Mot de passe", confirmation_prompt="Confirmer le mot de passe")
def create_user(email, role, name, password):
    """Crée un compte (personnel ou candidat)."""
    from ..errors import DomainError
    from ..extensions import db
    from .models import ROLES
    from .services import create_account

    role = (role or "").strip().lower()
    if role not in ROLES:
        raise click.ClickException(f"Rôle inconnu « {role} ». Rôles possibles : {', '.join(ROLES)}.")
    try:
        user = create_account(email=email, password=password, role=role, full_name=name, actor=None)
        if role == "applicant":
            from .hooks import applicant_account_opened

            applicant_account_opened(user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Compte créé : {user.email} ({user.role_label}).")
