"""Quota: the Mali–Morocco vocational training quota, from the application to the AMCI lists."""
import os

from flask import Flask

from config import CONFIGS


def create_app(config_class=None) -> Flask:
    if config_class is None:
        config_class = CONFIGS[os.environ.get("QUOTA_ENV", "development")]
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.config.from_object(config_class() if isinstance(config_class, type) else config_class)

    from . import models  # noqa: F401  (every table known to db and Alembic)
    from .extensions import babel, csrf, db, login_manager, migrate
    from .i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from .auth.session import init_login

    init_login(app)

    from .blueprints import register_blueprints
    from .cli import register_cli
    from .jobs.queue import init_queue
    from .notifications.services import init_outbox
    from .requestlog import init_request_log
    from .security import init_security
    from .web import init_web

    from .features import register_features

    register_features(app)
    register_blueprints(app)
    init_security(app)
    init_request_log(app)
    proxies = int(app.config.get("TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        # The client's address (rate limits, the audit trail) from the X-Forwarded-* headers
        # that this many trusted proxies in front of the application add, and from nothing else.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    init_web(app)
    register_cli(app)
    init_outbox(app)
    init_queue(app)  # last: the blueprints and commands above have declared every task
    return app
