"""Account services: registration, authentication, passwords, roles.

No request, flash or current_user here: every argument is explicit and the caller commits once.
"""
import hashlib
import re
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select, update

from ..audit.services import record, snapshot
from ..errors import Conflict, DomainError, NotAllowed, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from . import ratelimit
from .hooks import applicant_account_opened
from .models import ROLES, STAFF_ROLES, Consent, PasswordResetToken, User
from .passwords import burn_time, hash_password, needs_rehash, verify_password
from .session import new_session_token, rotate_session_token

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
RESET_INVALID = "Ce lien de réinitialisation n'est pas valide, a déjà servi ou a expiré. Demandez-en un nouveau."
REGISTER_REFUSED = (
    "Impossible de créer un compte avec ces informations. Si vous avez déjà un compte, "
    "connectez-vous ou utilisez « Mot de passe oublié »."
)
# Path of the reset page; the link is BASE_URL + this path, never built from the Host header.
RESET_PATH = "/mot-de-passe/reinitialiser/"
MIN_PASSWORD_LENGTH = 12

# Fields of a user that may appear in the audit trail (never the hash nor the session token).
_USER_AUDIT_FIELDS = ["email", "full_name", "role", "is_active_account"]


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _valid_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed("Adresse e-mail invalide.", errors={"email": "Adresse e-mail invalide."})
    return email


def validate_password_strength(password: str | None, email: str | None = None) -> None:
    """Raise ValidationFailed (French message) when the password is too weak."""
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères.")
    classes = sum(
        bool(re.search(pattern, password))
        for pattern in (r"[a-zà-ÿ]", r"[A-ZÀ-Þ]", r"[0-9]", r"[^0-9A-Za-zÀ-ÿ]")
    )
    if password and classes < 2:
        problems.append(
            "Le mot de passe doit mélanger au moins deux types de caractères "
            "(minuscules, majuscules, chiffres, symboles)."
        )
    if password and len(set(password)) < 5:
        problems.append("Le mot de passe contient trop peu de caractères différents.")
    local = normalise_email(email).split("@")[0] if email else ""
    if len(local) >= 3 and local in password.lower():
        problems.append("Le mot de passe ne doit pas contenir votre adresse e-mail.")
    if problems:
        raise ValidationFailed(" ".join(problems), errors={"password": " ".join(problems)})


def find_user_by_email(email: str) -> User | None:
    email = normalise_email(email)
    if not email:
        return None
    return db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()


def _new_user(email: str, password: str, role: str, full_name: str) -> User:
    if role not in ROLES:
        raise ValidationFailed(
            "Rôle inconnu. Rôles possibles : " + ", ".join(ROLES) + ".", errors={"role": "Rôle inconnu."}
        )
    email = _valid_email(email)
    validate_password_strength(password, email)
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=(full_name or "").strip(),
        role=role,
        session_token=new_session_token(),
        is_active_account=True,
    )
    db.session.add(user)
    return user


def create_account(email: str, password: str, role: str, full_name: str = "", actor=None) -> User:
    """Create an account of any role (admin screen, CLI). Raises Conflict if the email is taken."""
    if find_user_by_email(email) is not None:
        raise Conflict("Un compte existe déjà avec cette adresse e-mail.")
    user = _new_user(email, password, role, full_name)
    db.session.flush()
    record(actor, "user.create", user, after=snapshot(user, _USER_AUDIT_FIELDS))
    return user


def register_applicant(email: str, password: str, full_name: str, consent_given: bool,
                       consent_version: str, ip: str | None = None) -> User:
    """Self-registration of an applicant: account, consent row and Applicant row."""
    from ..notifications.services import send_email

    ratelimit.hit(f"register:ip:{ip or 'inconnue'}")
    if not consent_given:
        raise ValidationFailed(
            "Vous devez accepter le traitement de vos données pour créer un compte.",
            errors={"consent": "Consentement requis."},
        )
    email = _valid_email(email)
    validate_password_strength(password, email)
    existing = find_user_by_email(email)
    if existing is not None:
        # The owner is told by e-mail; the person at the screen learns nothing more.
        send_email(
            existing.email,
            "Tentative de création de compte",
            "Bonjour,\n\nQuelqu'un a essayé de créer un compte Quota avec votre adresse e-mail. "
            "Vous avez déjà un compte : si vous avez oublié votre mot de passe, utilisez "
            f"« Mot de passe oublié » sur {current_app.config['BASE_URL']}/connexion.\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n",
            user_id=existing.id,
        )
        raise ValidationFailed(REGISTER_REFUSED)
    user = _new_user(email, password, "applicant", full_name)
    db.session.flush()
    consent = Consent(user_id=user.id, text_version=consent_version, given_at=utcnow(), ip_address=ip)
    db.session.add(consent)
    applicant_account_opened(user)
    db.session.flush()
    record(user, "user.register", user, after=snapshot(user, _USER_AUDIT_FIELDS), ip_address=ip)
    record(user, "consent.give", consent, after={"text_version": consent_version}, ip_address=ip)
    return user


def authenticate(email: str, password: str, ip: str | None = None) -> User:
    """Return the user, or raise the same DomainError whatever went wrong.

    Raises RateLimited when the account or the address used all its attempts of the window.
    """
    email = normalise_email(email)
    keys = [f"login:email:{email}", f"login:ip:{ip or 'inconnue'}"]
    for key in keys:
        ratelimit.check(key)
    user = find_user_by_email(email) if email else None
    if user is None:
        burn_time(password or "")
        ok = False
    else:
        ok = verify_password(user.password_hash, password or "") and user.is_active_account
    if not ok:
        record(None, "auth.login_failed", object_type="users",
               object_id=user.id if user else None, after={"email": email[:254]}, ip_address=ip)
        for key in keys:
            ratelimit.hit(key)
        raise DomainError(LOGIN_FAILED)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        record(user, "auth.password_rehash", user, ip_address=ip)
    user.last_login_at = utcnow()
    record(user, "auth.login", user, ip_address=ip)
    return user


def logout(user: User, ip: str | None = None) -> None:
    rotate_session_token(user)
    record(user, "auth.logout", user, ip_address=ip)


def change_password(user: User, current: str, new: str, ip: str | None = None) -> None:
    """Change the password; every other session of the user ends (the caller logs in again)."""
    if not verify_password(user.password_hash, current or ""):
        raise ValidationFailed("Le mot de passe actuel est incorrect.",
                               errors={"current_password": "Le mot de passe actuel est incorrect."})
    if current == new:
        raise ValidationFailed("Le nouveau mot de passe doit être différent de l'actuel.")
    validate_password_strength(new, user.email)
    user.password_hash = hash_password(new)
    rotate_session_token(user)
    record(user, "auth.password_change", user, ip_address=ip)


def _admin_target(actor, user: User, verb: str) -> None:
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise NotAllowed(f"Vous ne pouvez pas {verb} votre propre compte.")


def deactivate(actor, user: User) -> None:
    """Deactivate (never delete) an account; its sessions end at once."""
    _admin_target(actor, user, "désactiver")
    if not user.is_active_account:
        return
    user.is_active_account = False
    rotate_session_token(user)
    record(actor, "user.deactivate", user, before={"is_active_account": True},
           after={"is_active_account": False})


def reactivate(actor, user: User) -> None:
    if user.is_active_account:
        return
    user.is_active_account = True
    rotate_session_token(user)
    record(actor, "user.reactivate", user, before={"is_active_account": False},
           after={"is_active_account": True})


def change_role(actor, user: User, role: str) -> None:
    """Staff accounts only change between staff roles; an applicant stays an applicant."""
    _admin_target(actor, user, "changer le rôle de")
    if role not in STAFF_ROLES:
        raise ValidationFailed("Rôle inconnu pour un compte du personnel.")
    if user.role not in STAFF_ROLES:
        raise NotAllowed("Le rôle d'un compte candidat ne peut pas être changé.")
    if role == user.role:
        return
    before = user.role
    user.role = role
    rotate_session_token(user)
    record(actor, "user.change_role", user, before={"role": before}, after={"role": role})


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def request_password_reset(email: str, ip: str | None = None, base_url: str | None = None) -> None:
    """Send a reset link if an active account has this address; otherwise do nothing visible."""
    from ..notifications.services import send_email

    email = normalise_email(email)
    ratelimit.hit(f"reset:ip:{ip or 'inconnue'}")
    ratelimit.hit(f"reset:email:{email}")
    user = find_user_by_email(email) if email else None
    if user is None or not user.is_active_account:
        return
    cfg = current_app.config
    token = secrets.token_urlsafe(32)
    ttl = int(cfg["PASSWORD_RESET_TTL_MINUTES"])
    reset = PasswordResetToken(
        user_id=user.id,
        token_hash=_token_hash(token),
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(minutes=ttl),
    )
    db.session.add(reset)
    db.session.flush()
    link = (base_url or cfg["BASE_URL"]).rstrip("/") + RESET_PATH + token
    send_email(
        user.email,
        "Réinitialisation de votre mot de passe",
        f"Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable {ttl} minutes, "
        f"une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : "
        "votre mot de passe reste inchangé.\n",
        user_id=user.id,
    )
    record(None, "auth.password_reset_request", reset, ip_address=ip)


def _valid_reset(token: str) -> PasswordResetToken:
    if not token or len(token) > 200:
        raise ValidationFailed(RESET_INVALID)
    reset = db.session.execute(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise ValidationFailed(RESET_INVALID)
    user = db.session.get(User, reset.user_id)
    if user is None or not user.is_active_account:
        raise ValidationFailed(RESET_INVALID)
    return reset


def check_reset_token(token: str) -> User:
    """The user a reset link belongs to, or ValidationFailed if the link cannot be used."""
    return db.session.get(User, _valid_reset(token).user_id)


def reset_password(token: str, new_password: str, ip: str | None = None) -> User:
    reset = _valid_reset(token)
    user = db.session.get(User, reset.user_id)
    validate_password_strength(new_password, user.email)
    now = utcnow()
    # Marks this token used and kills every other pending link of the user.
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    user.password_hash = hash_password(new_password)
    rotate_session_token(user)
    record(user, "auth.password_reset", user, ip_address=ip)
    return user


def set_locale(user: User, locale: str, ip: str | None = None) -> None:
    """Keep the language the person chose on their account (audited when it changes)."""
    if user.locale == locale:
        return
    record(user, "user.locale", user, before={"locale": user.locale}, after={"locale": locale}, ip_address=ip)
    user.locale = locale
