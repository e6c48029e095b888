"""Flask-Login wiring: the session holds a per-user token that logout and password changes rotate."""
import secrets

from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager
from .models import User


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def rotate_session_token(user: User) -> None:
    """Ends every existing session of this user, wherever its cookie was copied."""
    user.session_token = new_session_token()


def init_login(app):
    # The outbox page hides the token of every reset link (a manager must not be able to use one).
    from ..notifications.services import register_redaction
    from .services import RESET_PATH

    register_redaction(RESET_PATH)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Veuillez vous connecter pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        if not token:
            return None
        user = db.session.execute(db.select(User).filter_by(session_token=token)).scalar_one_or_none()
        if user is None or not user.is_active_account:
            return None
        return user
