import click


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True)
@click.option("--name", default="")
@click.password_option()
def create_user(email, role, name, password):
    """Crée un compte (personnel ou candidat)."""
    from ..extensions import db
    from .services import create_account

    user = create_account(email=email, password=password, role=role, full_name=name, actor=None)
    db.session.commit()
    click.echo(f"Compte créé : {user.email} ({user.role_label}).")
