"""Flask-Login wiring: the session holds a per-user token that logout and password changes
rotate; staff sessions end after STAFF_IDLE_TIMEOUT_SECONDS without a request, every session
SESSION_LIFETIME_SECONDS after its login; the device cookie remembers the account a browser
last logged in (its logins are not slowed down by other people's failures)."""
import secrets
import time

from flask import flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db, login_manager
from .models import STAFF_ROLES, User

STARTED, SEEN = "_started", "_seen"
DEVICE_COOKIE = "quota_appareil"
DEVICE_MAX_AGE = 180 * 24 * 3600
SESSION_EXPIRED = _l("Votre session a expiré. Reconnectez-vous.")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def rotate_session_token(user: User) -> None:
    """Ends every existing session of this user, wherever its cookie was copied."""
    user.session_token = new_session_token()


def mark_session_start(now: float | None = None) -> None:
    now = int(time.time() if now is None else now)
    session[STARTED] = now
    session[SEEN] = now


def session_expired(role: str, started: int | None, seen: int | None, now: float, *, lifetime: float,
                    staff_idle: float) -> bool:
    """Pure: is this session over (every one after `lifetime`, a staff one after `staff_idle`
    without a request)?"""
    if started is not None and now - started > lifetime:
        return True
    return role in STAFF_ROLES and seen is not None and staff_idle > 0 and now - seen > staff_idle


def _serializer(app) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="quota-device")


def device_cookie_value(app, user: User) -> str:
    return _serializer(app).dumps({"u": user.id, "d": secrets.token_urlsafe(12)})


def read_device_cookie(app, raw: str | None) -> tuple[int | None, str | None]:
    if not raw or len(raw) > 300:
        return None, None
    try:
        data = _serializer(app).loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return data.get("u"), data.get("d")


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

    @app.before_request
    def _session_age():
        if request.endpoint == "static" or "_user_id" not in session or not current_user.is_authenticated:
            return None
        now = time.time()
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None:  # a session from before these keys: it starts now
            mark_session_start(now)
            return None
        if session_expired(current_user.role, started, seen, now,
                           lifetime=app.permanent_session_lifetime.total_seconds(),
                           staff_idle=float(app.config.get("STAFF_IDLE_TIMEOUT_SECONDS", 0) or 0)):
            logout_user()
            session.clear()
            flash(SESSION_EXPIRED, "info")
            target = request.full_path.rstrip("?") if request.method == "GET" else ""
            return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))
        if seen is None or now - seen >= 15:
            session[SEEN] = int(now)
        return None
