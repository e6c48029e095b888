"""Flask commands. Thin: parse, call a service, commit once, print in French."""


def register_cli(app):
    from .auth.cli import create_user
    from .seed.cli import seed_demo

    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)

    from .imports.cli import import_group
    from .jobs.queue import jobs_worker

    app.cli.add_command(import_group)
    app.cli.add_command(jobs_worker)

    from .placement.cli import placement_expire

    app.cli.add_command(placement_expire)

    from .retention.cli import purge_expired

    app.cli.add_command(purge_expired)

    from .ops.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
