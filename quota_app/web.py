"""Error pages, template helpers and the navigation each role sees."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .errors import DomainError, NotFound

# The navigation, in menu order: (endpoint, label). Each role sees the links that its
# @role_required admits (permissions.py), so no menu leads to a refusal. Lazy labels are
# translated when rendered.
NAVIGATION = (
    ("applications.home", _l("Mon dossier")),
    ("campaigns.home", _l("Campagnes")),
    ("screening.index", _l("Dossiers")),
    ("screening.queue", _l("Recevabilité")),
    ("committee_admin.index", _l("Comités")),
    ("placement_admin.index", _l("Affectation")),
    ("amci.nominations", _l("Liste nominative AMCI")),
    ("dashboard.index", _l("Tableau de bord")),
    ("committee.home", _l("Mes dossiers à noter")),
    ("amci.home", _l("Espace AMCI")),
    ("auth.admin_users", _l("Comptes")),
    ("imports.home", _l("Imports Excel")),
    ("exports.index", _l("Exports Excel")),
    ("notifications.outbox", _l("Messages envoyés")),
    ("reference.index", _l("Référentiel")),
    ("audit.index", _l("Journal d'audit")),
    ("retention.requests", _l("Effacements")),
)


def nav_items():
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [(endpoint, str(label)) for endpoint, label in NAVIGATION
            if current_user.role in getattr(views.get(endpoint), "allowed_roles", ())]


def mask(value: str | None, keep: int = 3) -> str:
    """Show only the last characters of an identity number in lists."""
    if not value:
        return ""
    return "•" * max(len(value) - keep, 0) + value[-keep:]


def init_web(app):
    from flask_babel import get_locale

    app.jinja_env.globals.update(nav_items=nav_items, current_locale=lambda: str(get_locale() or 'fr'))
    app.jinja_env.filters.update(
        mask=mask,
        date_fr=lambda d: format_date(d, "dd/MM/yyyy") if d else "",
        datetime_fr=lambda d: format_datetime(d, "dd/MM/yyyy HH:mm") if d else "",
    )

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_template("errors/405.html"), 405

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/413.html"), 413

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/500.html"), 500

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(NotFound)
    def domain_not_found(error):
        # A service's "no such object (for you)": the same French 404 page as an unknown address.
        return render_template("errors/404.html"), 404

    @app.errorhandler(DomainError)
    def domain_error(error):
        # A domain refusal that a view did not handle itself: show it and go back.
        flash(error.message, "error")
        target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("main.index")
        return redirect(target)
