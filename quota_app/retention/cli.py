"""`flask purge-expired [--dry-run] [--at ...]`: the retention's purge, by hand or from cron."""
from datetime import datetime

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..timeutil import utcnow


def _fr(moment) -> str:
    return moment.strftime("%d/%m/%Y")


@click.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="Compter seulement, par campagne : rien n'est modifié.")
@click.option("--at", "at", default=None, help="Moment de référence (AAAA-MM-JJ HH:MM) ; défaut : maintenant.")
@with_appcontext
def purge_expired(dry_run, at):
    """Anonymise les candidats non retenus des campagnes clôturées depuis plus de RETENTION_YEARS_AFTER_CLOSE
    ans et supprime les fichiers d'import de plus de IMPORT_FILE_RETENTION_DAYS jours (loi n°2013-015)."""
    from ..imports import services as imports
    from . import services

    try:
        now = datetime.strptime(at, "%Y-%m-%d %H:%M") if at else utcnow()
    except ValueError:
        raise click.BadParameter("date attendue au format AAAA-MM-JJ HH:MM (par exemple 2028-07-15 18:00).",
                                 param_hint="--at") from None
    report = services.purge_expired(now, dry_run=dry_run)
    uploads = imports.purge_old_uploads(now, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo("Simulation : rien n'est modifié.")
    else:
        db.session.commit()
        services.delete_files(report.files)
        imports.delete_uploads(uploads)
    done = "à anonymiser" if dry_run else "anonymisé(s)"
    gone = "à supprimer" if dry_run else "supprimée(s)"
    if not report.campaigns:
        click.echo(f"Aucune campagne clôturée depuis plus de {report.years} an(s).")
    for line in report.campaigns:
        click.echo(f"Campagne {line.code} « {line.title} » — clôturée le {_fr(line.closed_at)}, conservation "
                   f"jusqu'au {_fr(line.purge_after)} : {line.applications} dossier(s) {done}, "
                   f"{line.documents} pièce(s) {gone} ; {line.kept} dossier(s) retenu(s) conservé(s).")
    click.echo(f"Total : {report.applications} dossier(s) {done}, {report.documents} pièce(s) {gone}.")
    click.echo(f"Fichiers d'import déposés depuis plus de {current_days()} jours : {uploads.files} "
               f"{'à supprimer' if dry_run else 'supprimé(s)'} ({uploads.runs} import(s) les citaient).")


def current_days() -> int:
    from flask import current_app

    return int(current_app.config.get("IMPORT_FILE_RETENTION_DAYS", 30))
