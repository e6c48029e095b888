"""`flask import KIND --campaign CODE FILE [--commit]`: dry run by default. The kinds are the
registered ones (imports/registry.py): applicants, offers, followup...

It says which sheet it read, the columns it guessed, questioned or ignored, each error and
conflict (with the stored and the file's values), then what was written. Exit status: 0 when
rows were written (or a dry run without errors), 1 when the file is refused (errors, a file
that cannot be read: nothing written), 2 when a commit wrote nothing (nothing new in the file)."""
import os

import click
from flask.cli import with_appcontext

LABELS = {"new": "nouveaux", "updated": "mis à jour", "corrected": "corrigés", "unchanged": "inchangés",
          "conflicts": "conflits", "errors": "erreurs", "rows": "lignes lues"}
EXIT_REFUSED = 1
EXIT_NOTHING_WRITTEN = 2
MAX_LISTED = 50


class _KindsGroup(click.Group):
    """One subcommand per registered kind of import, built when the command line is read (the
    kinds are registered by create_app, after this module is imported)."""

    def list_commands(self, ctx):
        from .registry import import_kinds

        return sorted(import_kinds)

    def get_command(self, ctx, name):
        from .registry import import_kinds

        kind = import_kinds.get(name)
        return _command(kind.kind, kind.help) if kind is not None else None


@click.group("import", cls=_KindsGroup)
def import_group():
    """Imports Excel dans une campagne (simulation sauf avec --commit)."""


def _run(kind, campaign_code, path, commit, actor_email, apply_conflicts=None):
    from sqlalchemy.exc import IntegrityError

    from ..errors import Conflict, NotFound
    from ..extensions import db
    from ..registry import lookup
    from . import services

    try:
        campaign = services.campaign_by_code(campaign_code)
    except NotFound as error:
        raise click.ClickException(error.message)
    actor = None
    if actor_email:
        actor = lookup("user_by_email")(actor_email)
        if actor is None:
            raise click.ClickException(f"Compte introuvable : {actor_email}.")
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        with click.progressbar(length=1, label="Lignes", show_pos=True, show_percent=True) as bar:
            result = services.run_import(kind, campaign, data, os.path.basename(path), actor,
                                         commit=commit, progress=_BarProgress(bar),
                                         corrections=apply_conflicts or None)
        db.session.commit()
    except (Conflict, IntegrityError):
        db.session.rollback()  # written meanwhile by someone else: nothing of this import is kept
        raise click.ClickException("Les données ont été modifiées pendant l'import ; aucune donnée "
                                   "n'a été enregistrée. Relancez la commande.")
    except Exception:
        db.session.rollback()
        raise
    if result.sheet_name:
        where = f" ({result.sheet_position}e feuille sur {len(result.sheet_names)})" if len(result.sheet_names) > 1 else ""
        click.echo(f"Feuille lue : « {result.sheet_name} »{where}")
    click.echo(", ".join(f"{LABELS[k]} : {v}" for k, v in result.counts.items() if k in LABELS))
    _echo_columns(result)
    for error in result.errors[:MAX_LISTED]:
        where = f"ligne {error['row']}" if error.get("row") else "fichier"
        column = f", colonne « {error['column']} »" if error.get("column") else ""
        click.echo(f"  erreur   {where}{column} : {error['message']}")
    for conflict in result.conflicts[:MAX_LISTED]:
        changes = "; ".join(f"{c['field']} : « {c['old']} » → « {c['new']} »" for c in conflict.get("changes", ()))
        state = "appliqué" if conflict.get("apply") and result.committed else "conflit "
        click.echo(f"  {state} ligne {conflict['row']} ({conflict['key']}) : {changes or conflict['message']}")
        if conflict.get("blocked"):
            click.echo(f"           {conflict['blocked']}")
    hidden = max(len(result.errors) - MAX_LISTED, 0) + max(len(result.conflicts) - MAX_LISTED, 0)
    if hidden:
        click.echo(f"  … et {hidden} autre(s) ligne(s) signalée(s).")
    if result.committed:
        click.echo(services.summary(result))
        if not services.written(result):
            raise SystemExit(EXIT_NOTHING_WRITTEN)
    elif result.errors:
        click.echo(services.summary(result))
        click.echo("Aucune donnée modifiée : corrigez les erreurs et relancez.")
        raise SystemExit(EXIT_REFUSED)
    else:
        click.echo(services.summary(result))
        click.echo("Simulation terminée : rien n'a été enregistré (ajoutez --commit pour importer).")


def _echo_columns(result) -> None:
    header = result.header
    if header is None:
        return
    for g in header.guessed:
        click.echo(f"  colonne  {g['letter']} « {g['header']} » lue comme « {g['column']} » (à vérifier)")
    for q in header.questions:
        near = " ou ".join(f"« {c} »" for c in q["columns"])
        click.echo(f"  question colonne {q['letter']} « {q['header']} » : ressemble à {near} ; non lue "
                   "(renommez l'en-tête pour l'importer)")
    for i in header.ignored:
        click.echo(f"  ignorée  colonne {i['letter']} « {i['header']} »")


def _command(kind, help_text):
    @click.command(kind, help=help_text)
    @click.option("--campaign", "campaign_code", required=True, help="Code de la campagne (ex. Q2026).")
    @click.option("--commit", is_flag=True, help="Enregistrer (sinon : simulation, rien n'est écrit).")
    @click.option("--actor", "actor_email", default=None, help="E-mail du gestionnaire à inscrire au journal.")
    @click.option("--apply-conflicts", "apply_conflicts", default=None, metavar="LIGNES|all",
                  help="Conflits dont les valeurs du fichier sont appliquées (numéros de lignes séparés "
                       "par des virgules, ou « all »), avec --commit.")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @with_appcontext
    def command(campaign_code, commit, actor_email, apply_conflicts, path):
        _run(kind, campaign_code, path, commit, actor_email, apply_conflicts)

    return command




class _BarProgress:
    """The terminal bar as an import's progress reporter: the import gives the total once it
    has read the sheet (common.open_upload), then the rows done."""

    def __init__(self, bar):
        self.bar = bar

    def set_total(self, total: int) -> None:
        self.bar.length = max(total, 1)

    def __call__(self, n: int = 1) -> None:
        self.bar.update(n)
