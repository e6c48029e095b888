"""`flask seed-demo`: thin wrapper around seed/demo.py, seed/year.py and seed/applicants.py;
commits once (the demo itself, then the fake applicants when asked for)."""
import click
from flask.cli import with_appcontext


@click.command("seed-demo")
@click.option("--applicants", type=click.IntRange(min=0), default=0,
              help="Nombre de candidats fictifs voulus dans la campagne de démonstration "
                   "(les N premiers de la graine : ceux déjà présents sont conservés).")
@click.option("--seed", "seed_value", type=int, default=1, help="Graine du générateur aléatoire.")
@click.option("--annee/--sans-annee", "whole_year", default=True,
              help="Avec l'année entière (par défaut) : la campagne de l'an passé menée jusqu'au bout et "
                   "celles de cette année à chaque étape, pour que chaque compte ait du travail. "
                   "--sans-annee : la seule campagne ouverte.")
@with_appcontext
def seed_demo(applicants, seed_value, whole_year):
    """Données de référence, comptes de démonstration et l'année de démonstration.

    L'année : la campagne de l'an passé menée jusqu'au bout, et celles de cette année à chaque
    étape (candidatures ouvertes, appel complémentaire publié, renforcement de capacités en
    évaluation et en délibération), par les mêmes services que les utilisateurs ; chaque compte
    y trouve du travail (la liste est affichée à la fin).

    Sans effet la deuxième fois : ce qui existe déjà est conservé (chaque campagne par son code). Avec --applicants N
    --seed S, les N premiers candidats fictifs de la graine S sont ajoutés à la campagne de
    démonstration ; relancer la même commande n'en crée pas de nouveaux.
    """
    from ..extensions import db
    from .applicants import seed_applicants
    from ..timeutil import utcnow
    from .demo import seed_demo as run_seed_demo
    from .year import seed_year

    today = utcnow().date()
    try:
        report = run_seed_demo(today)
        if whole_year:
            seed_year(report, today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for label in report.created:
        click.echo(f"  créé     {label}")
    for label in report.kept:
        click.echo(f"  conservé {label}")
    campaign = report.campaign
    click.echo(f"Campagne de démonstration : {campaign.code} — {campaign.title} ({campaign.phase_label}).")

    if applicants:
        try:
            with click.progressbar(length=applicants, label="Candidats fictifs",
                                   show_pos=True, show_percent=True) as bar:
                result = seed_applicants(campaign, applicants, seed_value, progress=bar.update)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        speed = result.created / result.seconds if result.seconds else 0
        click.echo(
            f"Candidats fictifs (graine {seed_value}) : {result.created} créés, "
            f"{result.kept} déjà présents, en {result.seconds:.1f} s"
            + (f" ({speed:,.0f} dossiers/s)".replace(",", " ") if result.created else "") + "."
        )
        if result.statuses:
            click.echo("  par statut : " + ", ".join(
                f"{status} {n}" for status, n in sorted(result.statuses.items())))
        if result.first_reference:
            click.echo(f"  références {result.first_reference} à {result.last_reference}")

    _print_accounts(report.accounts)
    if whole_year:
        from .findings import what_each_finds

        click.echo("")
        click.echo("Ce que chaque compte trouve en se connectant :")
        for email, lines in what_each_finds(today):
            click.echo(f"  {email}")
            for line in lines or ["rien à faire pour le moment"]:
                click.echo(f"    - {line}")


def _print_accounts(accounts):
    headers = ("Adresse e-mail", "Rôle", "Mot de passe")
    rows = [(a["email"], a["role"], a["password"]) for a in accounts]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    click.echo("")
    click.echo("Comptes de démonstration :")
    click.echo(line)
    click.echo("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    click.echo(line)
    for row in rows:
        click.echo("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    click.echo(line)
    if any(a["actual_role"] != a["role_code"] for a in accounts):
        click.echo("Attention : un compte existant a un autre rôle que celui de la démonstration.")
    click.echo("Ces mots de passe sont publics : ne pas utiliser ces comptes en production.")
