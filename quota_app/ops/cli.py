"""`flask backup` and `flask restore`: thin, they pass the application's engine, upload folder and
paths to ops/backup.py and print the outcome in French.

Exit codes of `flask restore`: 0 restored and verified; 1 refused, nothing restored (unreadable
archive, other database kind, target not empty, altered copy of the database); 2 restored, but the
verification found differences with the manifest (listed).
"""
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db, migrate
from . import backup as ops


def _size(n: int) -> str:
    for unit in ("o", "Ko", "Mo", "Go"):
        if n < 1024 or unit == "Go":
            return f"{n:.0f} {unit}" if unit == "o" else f"{n:.1f} {unit}".replace(".", ",")
        n /= 1024
    return f"{n} o"  # pragma: no cover


@click.command("backup")
@click.option("--output", "output", default=None, metavar="CHEMIN",
              help="Fichier .tar.gz ou .tar, ou dossier où l'écrire ; défaut : instance/backups/"
                   "quota-<horodatage UTC>.tar.gz.")
@click.option("--keep", type=click.IntRange(min=1), default=None, metavar="N",
              help="Après la sauvegarde, supprime les archives quota-*.tar.gz du dossier au-delà des N plus récentes.")
@with_appcontext
def backup_command(output, keep):
    """Sauvegarde la base (copie cohérente, application en marche) et les pièces déposées dans une archive."""
    now = datetime.now(timezone.utc)
    db.session.remove()  # the copy is read through a connection of its own
    try:
        target = ops.output_path(output, Path(current_app.instance_path) / "backups", now)
        result = ops.create_backup(db.engine, current_app.config["UPLOAD_DIR"], target, now=now,
                                   migrations_dir=migrate.directory)
    except ops.BackupError as error:
        raise click.ClickException(str(error)) from None
    totals = result.manifest["totals"]
    click.echo(f"Sauvegarde écrite : {result.path} ({_size(result.path.stat().st_size)}) — base "
               f"{ops.DIALECT_LABELS[result.manifest['dialect']]}, {totals['tables']} tables, "
               f"{totals['rows']} ligne(s), {totals['files']} pièce(s) ({_size(totals['bytes'])}).")
    if keep:
        removed = ops.prune(result.path.parent, keep)
        if removed:
            click.echo(f"{len(removed)} ancienne(s) sauvegarde(s) supprimée(s) (--keep {keep}) : "
                       + ", ".join(p.name for p in removed) + ".")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive):
    """Restaure une archive de `flask backup` dans une base vide et un dossier de pièces vide, puis la vérifie."""
    db.session.remove()
    try:
        report = ops.restore_backup(archive, db.engine, current_app.config["UPLOAD_DIR"])
    except ops.BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = report.manifest
    if not report.ok:
        click.echo(f"Restauration de {archive.name} faite, mais la vérification a trouvé "
                   f"{len(report.problems)} écart(s) avec le manifeste :", err=True)
        for problem in report.problems:
            click.echo(f"  - {problem}", err=True)
        click.echo("Ne mettez pas cette base en service : reprenez une autre sauvegarde dans une base et un "
                   "dossier vides.", err=True)
        click.get_current_context().exit(2)
    click.echo(f"Restauration vérifiée : {archive.name} du {manifest.get('created_at')}, "
               f"{len(manifest['tables'])} tables ({sum(manifest['tables'].values())} ligne(s)) et "
               f"{len(manifest['files'])} pièce(s), conformes au manifeste.")
    heads = ops.code_heads(migrate.directory)
    revision = manifest.get("alembic_revision")
    if revision and heads and revision not in heads:
        click.echo(f"Révision de la base : {revision} ; le code en attend {', '.join(heads)} : "
                   "lancez `flask db upgrade`.")
