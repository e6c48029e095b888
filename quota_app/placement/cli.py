"""`flask placement-expire`: what the periodic task does, by hand (or from cron, without a worker)."""
from datetime import datetime

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..timeutil import utcnow


@click.command("placement-expire")
@click.option("--at", "at", default=None, help="Moment de référence (AAAA-MM-JJ HH:MM, heure de Bamako) ; défaut : maintenant.")
@with_appcontext
def placement_expire(at):
    """Fait expirer les places proposées sans réponse après leur date limite (le silence vaut refus)."""
    from .services import expire_overdue

    try:
        now = datetime.strptime(at, "%Y-%m-%d %H:%M") if at else utcnow()
    except ValueError:
        raise click.BadParameter("date attendue au format AAAA-MM-JJ HH:MM (par exemple 2026-07-15 18:00).",
                                 param_hint="--at") from None
    count = expire_overdue(now)
    db.session.commit()
    click.echo(f"{count} place(s) expirée(s) ; les places libérées ont été proposées aux listes d'attente."
               if count else "Aucune place proposée n'a dépassé sa date limite.")
