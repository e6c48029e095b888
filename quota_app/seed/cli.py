import click


@click.command("seed-demo")
@click.option("--applicants", type=int, default=0, help="Nombre de candidats fictifs à ajouter.")
@click.option("--seed", "seed_value", type=int, default=1, help="Graine du générateur aléatoire.")
def seed_demo(applicants, seed_value):
    """Données de référence, campagne de démonstration et comptes de démonstration."""
    click.echo("Rien à faire.")
