"""Account services: registration (by e-mail or by a Malian phone, proven by a code), login by
either, passwords (reset through either), claiming a paper file, roles.

No request, flash or current_user here: every argument is explicit and the caller commits once.
The answers never tell whether an address or a number has an account: a known one gets the
same pages and the same timing (the messages leave from the queue after the commit), and its
owner is told by a message.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select, update

from ..audit.services import record, snapshot
from ..errors import Conflict, DomainError, NotAllowed, ValidationFailed
from ..extensions import db
from ..notifications.models import SECRET_MARK
from ..timeutil import utcnow
from . import codes, identifiers, ratelimit
from .hooks import applicant_account_opened, paper_files
from .identifiers import mask_phone, normalise_email
from .models import CONTACT_PREFERENCES, ROLES, STAFF_ROLES, Consent, PasswordResetToken, User
from .passwords import burn_time, hash_password, needs_rehash, verify_password
from .session import new_session_token, rotate_session_token

LOGIN_FAILED = "Numéro de téléphone, adresse e-mail ou mot de passe incorrect."
RESET_INVALID = "Ce lien de réinitialisation n'est pas valide, a déjà servi ou a expiré. Demandez-en un nouveau."
REGISTER_REFUSED = (
    "Impossible de créer un compte avec ces informations. Si vous avez déjà un compte, "
    "connectez-vous ou utilisez « Mot de passe oublié »."
)
# After the code was proven: the person owns the number, they may be told it has an account.
ALREADY_AN_ACCOUNT = ("Ce numéro ou cette adresse a déjà un compte : connectez-vous, ou utilisez "
                      "« Mot de passe oublié ».")
CLAIM_HAS_ACCOUNT = ("Ce numéro a déjà un compte : connectez-vous avec lui. Pour y rattacher un dossier "
                     "papier, adressez-vous à la DNFP.")
# Path of the reset page; the link is BASE_URL + this path, never built from the Host header.
RESET_PATH = "/mot-de-passe/reinitialiser/"
MIN_PASSWORD_LENGTH = 12

# Fields of a user that may appear in the audit trail (never the hash nor the session token;
# the phone masked).
_USER_AUDIT_FIELDS = ["email", "full_name", "role", "is_active_account"]


def _audit_fields(user: User) -> dict:
    data = snapshot(user, _USER_AUDIT_FIELDS)
    if user.phone:
        data["phone"] = mask_phone(user.phone)
    return data


def _valid_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed("Adresse e-mail invalide.", errors={"email": "Adresse e-mail invalide."})
    return email


def _identifier(raw: str, field: str = "email") -> tuple[str, str]:
    """("email" | "phone", normalised value), or ValidationFailed on `field`."""
    kind, value, error = identifiers.parse(raw)
    if kind is None:
        raise ValidationFailed(error, errors={field: error})
    if kind == "email":
        value = _valid_email(value)
    return kind, value


def validate_password_strength(password: str | None, email: str | None = None, phone: str | None = None) -> None:
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
    if phone and phone[-8:] in re.sub(r"\D", "", password):
        problems.append("Le mot de passe ne doit pas contenir votre numéro de téléphone.")
    if problems:
        raise ValidationFailed(" ".join(problems), errors={"password": " ".join(problems)})


def find_user_by_email(email: str) -> User | None:
    email = normalise_email(email)
    if not email:
        return None
    return db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()


def find_user_by_phone(phone: str) -> User | None:
    """The account whose proven number this is ("+223XXXXXXXX")."""
    if not phone:
        return None
    return db.session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()


def find_user(kind: str, value: str) -> User | None:
    return find_user_by_email(value) if kind == "email" else find_user_by_phone(value)


def _new_user(email: str | None, password: str | None, role: str, full_name: str, *, phone: str | None = None,
              password_hash: str | None = None) -> User:
    if role not in ROLES:
        raise ValidationFailed(
            "Rôle inconnu. Rôles possibles : " + ", ".join(ROLES) + ".", errors={"role": "Rôle inconnu."}
        )
    if email is not None:
        email = _valid_email(email)
    if password_hash is None:
        validate_password_strength(password, email, phone)
        password_hash = hash_password(password)
    user = User(
        email=email,
        phone=phone,
        phone_verified_at=utcnow() if phone else None,
        password_hash=password_hash,
        full_name=(full_name or "").strip(),
        role=role,
        session_token=new_session_token(),
        is_active_account=True,
        contact_preference="both",
    )
    db.session.add(user)
    return user


def create_account(email: str, password: str, role: str, full_name: str = "", actor=None) -> User:
    """Create an account of any role (admin screen, CLI). Raises Conflict if the email is taken."""
    if find_user_by_email(email) is not None:
        raise Conflict("Un compte existe déjà avec cette adresse e-mail.")
    user = _new_user(email, password, role, full_name)
    db.session.flush()
    record(actor, "user.create", user, after=_audit_fields(user))
    return user


def _open_applicant(user: User, consent_version: str, ip: str | None, action: str = "user.register",
                    *, hooks: bool = True) -> User:
    db.session.flush()
    consent = Consent(user_id=user.id, text_version=consent_version, given_at=utcnow(), ip_address=ip)
    db.session.add(consent)
    if hooks:
        applicant_account_opened(user)
    db.session.flush()
    record(user, action, user, after=_audit_fields(user), ip_address=ip)
    record(user, "consent.give", consent, after={"text_version": consent_version}, ip_address=ip)
    return user


def register_applicant(email: str, password: str, full_name: str, consent_given: bool,
                       consent_version: str, ip: str | None = None) -> User:
    """An applicant's account opened at once, with its consent row and Applicant row (seeds,
    tests, commands). The registration pages prove the address or the number first:
    start_registration, then confirm_registration."""
    if not consent_given:
        raise ValidationFailed(
            "Vous devez accepter le traitement de vos données pour créer un compte.",
            errors={"consent": "Consentement requis."},
        )
    email = _valid_email(email)
    validate_password_strength(password, email)
    if find_user_by_email(email) is not None:
        raise ValidationFailed(REGISTER_REFUSED)
    return _open_applicant(_new_user(email, password, "applicant", full_name), consent_version, ip)


# --- registration by e-mail or phone, proven by a code ------------------------------------

def _address_limit(kind: str, ip: str | None) -> None:
    """Requests that send a message: slowed down per client address past the address threshold
    (a cybercafé is many people), as logins are."""
    cfg = current_app.config
    key = f"{kind}:ip:{ip or 'inconnue'}"
    ratelimit.throttle(key, int(cfg["RATE_LIMIT_ADDRESS_ATTEMPTS"]), int(cfg["RATE_LIMIT_MAX_DELAY_SECONDS"]))
    ratelimit.record(key)


def _tell_owner_someone_tried(owner: User, kind: str, what: str) -> None:
    from ..notifications.services import send_email, send_sms

    base = current_app.config["BASE_URL"]
    if kind == "phone":
        send_sms(owner.phone, f"Quota DNFP : quelqu'un a essayé {what} avec votre numéro. Vous avez déjà un "
                              f"compte : connectez-vous sur {base}/connexion. Si ce n'est pas vous, ignorez ce SMS.",
                 "Tentative avec votre numéro", user_id=owner.id)
    else:
        send_email(owner.email, "Tentative de création de compte",
                   f"Bonjour,\n\nQuelqu'un a essayé {what} avec votre adresse e-mail. "
                   "Vous avez déjà un compte : si vous avez oublié votre mot de passe, utilisez "
                   f"« Mot de passe oublié » sur {base}/connexion.\n\n"
                   "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n",
                   user_id=owner.id)


def start_registration(identifier: str, password: str, full_name: str, consent_given: bool,
                       consent_version: str, ip: str | None = None) -> str:
    """Step 1: a code to the address or the number; returns the token the browser keeps.

    Whether the address or number already has an account or not, the same work is done and the
    same answer given: a code row is written (never deliverable for a known one, whose owner is
    told instead), the password is hashed, one message leaves after the commit."""
    _address_limit("register", ip)
    if not consent_given:
        raise ValidationFailed(
            "Vous devez accepter le traitement de vos données pour créer un compte.",
            errors={"consent": "Consentement requis."},
        )
    kind, value = _identifier(identifier)
    validate_password_strength(password, value if kind == "email" else None, value if kind == "phone" else None)
    if not (full_name or "").strip():
        raise ValidationFailed("Indiquez votre nom.", errors={"full_name": "Ce champ est obligatoire."})
    password_hash = hash_password(password)  # known or not: the same time
    existing = find_user(kind, value)
    row, token, code = codes.issue(
        "register", "sms" if kind == "phone" else "email", value, deliverable=existing is None,
        payload={"kind": kind, "full_name": full_name.strip()[:200], "password_hash": password_hash,
                 "consent_version": consent_version},
        ip=ip)
    if existing is not None:
        _tell_owner_someone_tried(existing, kind, "de créer un compte Quota")
    else:
        codes.send_code(row, code, "pour créer votre compte Quota")
    record(None, "auth.register_request", row, after={"channel": row.channel}, ip_address=ip)
    return token


def confirm_registration(token: str, code: str, ip: str | None = None) -> User:
    """Step 2: the code proves the address or number; the account is opened."""
    row = codes.verify(token, code, "register")
    payload = row.payload or {}
    kind = payload.get("kind")
    if find_user(kind, row.destination) is not None:  # taken meanwhile (the code was proven: say so)
        raise ValidationFailed(ALREADY_AN_ACCOUNT)
    user = _new_user(row.destination if kind == "email" else None, None, "applicant", payload.get("full_name", ""),
                     phone=row.destination if kind == "phone" else None, password_hash=payload["password_hash"])
    if kind == "phone":
        user.contact_preference = "both"
    row.payload = {"kind": kind}  # the pending password's hash goes
    return _open_applicant(user, payload.get("consent_version", ""), ip)


def resend_code(token: str, purpose: str, ip: str | None = None) -> str | None:
    """« Renvoyer le code »: a new code for the same request (within the hour's sends); the new
    token, or None when the browser waits on nothing."""
    _address_limit("resend", ip)
    issued = codes.reissue(token, purpose, ip)
    if issued is None:
        return None
    row, new_token, code = issued
    if row.deliverable:
        codes.send_code(row, code, _CODE_PURPOSES.get(purpose, ""))
    return new_token


_CODE_PURPOSES = {"register": "pour créer votre compte Quota", "reset": "pour choisir un nouveau mot de passe",
                  "claim": "pour retrouver votre dossier", "verify": "pour confirmer votre numéro"}


def code_destination(token: str, purpose: str) -> str | None:
    """Where the browser's pending code went, masked (« +223 •• •• 34 56 »), for its page."""
    row = codes.pending(token, purpose)
    if row is None:
        return None
    return mask_phone(row.destination) if row.channel == "sms" else identifiers.mask_email(row.destination)


# --- login ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    """The browser's device cookie, as the view read it: the account it last logged in and its id."""

    user_id: int | None = None
    device_id: str | None = None


def _login_limits(ident: str, ip: str | None, user: User | None, device: Device) -> list[tuple[str, int, int]]:
    """(key, threshold, cap) of the counters a login attempt is slowed by.

    - the account × the address: RATE_LIMIT_ATTEMPTS, then slower up to the window — ten wrong
      passwords from one place slow that place down for that account, nobody else;
    - the account, from everywhere: RATE_LIMIT_ACCOUNT_ATTEMPTS (30) before anything slows —
      ten guesses never touch the owner; a browser the owner logged in from is never slowed;
    - the address, for every account: RATE_LIMIT_ADDRESS_ATTEMPTS (200: a cybercafé, an
      operator's NAT), then slower, not for a browser its account logged in from."""
    cfg = current_app.config
    window = int(cfg["RATE_LIMIT_WINDOW_SECONDS"])
    cap = int(cfg["RATE_LIMIT_MAX_DELAY_SECONDS"])
    where = ip or "inconnue"
    limits = [(f"login:pair:{ident}:{where}", int(cfg["RATE_LIMIT_ATTEMPTS"]), window)]
    trusted = (user is not None and device.user_id == user.id and device.device_id
               and ratelimit.count(f"login:device:{device.device_id}") < int(cfg["RATE_LIMIT_ATTEMPTS"]))
    if not trusted:
        limits += [(f"login:acct:{ident}", int(cfg["RATE_LIMIT_ACCOUNT_ATTEMPTS"]), cap),
                   (f"login:ip:{where}", int(cfg["RATE_LIMIT_ADDRESS_ATTEMPTS"]), cap)]
    if device.device_id:
        limits.append((f"login:device:{device.device_id}", int(cfg["RATE_LIMIT_ATTEMPTS"]), window))
    return limits


def authenticate(identifier: str, password: str, ip: str | None = None, device: Device | None = None) -> User:
    """Return the user of this e-mail address or phone number, or raise the same DomainError
    whatever went wrong (unknown, wrong password, inactive).

    Raises SlowDown (a RateLimited, 429) while too many failures slow the attempt down."""
    device = device or Device()
    kind, value, _error = identifiers.parse(identifier)
    ident = value or normalise_email(identifier)[:254]
    user = find_user(kind, value) if kind else None
    limits = _login_limits(ident, ip, user, device)
    for key, threshold, cap in limits:
        ratelimit.throttle(key, threshold, cap)
    if user is None:
        burn_time(password or "")
        ok = False
    else:
        ok = verify_password(user.password_hash, password or "") and user.is_active_account
    if not ok:
        after = {"email": ident[:254]} if kind != "phone" else {"phone": mask_phone(ident)}
        record(None, "auth.login_failed", object_type="users",
               object_id=user.id if user else None, after=after, ip_address=ip)
        for key, _threshold, _cap in limits:
            ratelimit.record(key)
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
    validate_password_strength(new, user.email, user.phone)
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


def request_password_reset(identifier: str, ip: str | None = None, base_url: str | None = None) -> str | None:
    """An e-mail address: a reset link if an active account has it. A phone number: a code by
    SMS if an active account has it; the token of the code's page is returned either way (the
    page is the same for an unknown number, whose code never matches). Nothing else visible."""
    from ..notifications.services import send_email

    kind, value, _error = identifiers.parse(identifier)
    ratelimit.hit(f"reset:ip:{ip or 'inconnue'}", limit=int(current_app.config["RATE_LIMIT_ADDRESS_ATTEMPTS"]))
    ratelimit.hit(f"reset:id:{value or normalise_email(identifier)}")
    user = find_user(kind, value) if kind else None
    if user is not None and not user.is_active_account:
        user = None
    if kind == "phone":
        row, token, code = codes.issue("reset", "sms", value, deliverable=user is not None,
                                       user_id=user.id if user else None, ip=ip)
        if user is not None:
            codes.send_code(row, code, "pour choisir un nouveau mot de passe")
        record(None, "auth.password_reset_request", row, after={"channel": "sms"}, ip_address=ip)
        return token
    if user is None:
        return None
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
    link = (base_url or cfg["BASE_URL"]).rstrip("/") + RESET_PATH + SECRET_MARK
    send_email(
        user.email,
        "Réinitialisation de votre mot de passe",
        f"Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable {ttl} minutes, "
        f"une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : "
        "votre mot de passe reste inchangé.\n",
        user_id=user.id, secret=token, secret_expires_at=reset.expires_at,
    )
    record(None, "auth.password_reset_request", reset, ip_address=ip)
    return None


def _new_password(user: User, new_password: str, ip: str | None, how: str) -> User:
    validate_password_strength(new_password, user.email, user.phone)
    now = utcnow()
    # Every pending link of the user dies with the change.
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    user.password_hash = hash_password(new_password)
    rotate_session_token(user)
    record(user, "auth.password_reset", user, after={"by": how}, ip_address=ip)
    return user


def reset_password_with_code(token: str, code: str, new_password: str, ip: str | None = None) -> User:
    """The SMS code proves the number: the account's password is changed, its sessions end."""
    row = codes.pending(token, "reset")
    if row is not None and row.user_id is not None:
        user = db.session.get(User, row.user_id)
        validate_password_strength(new_password, user.email, user.phone)  # before spending a try
    row = codes.verify(token, code, "reset")
    user = db.session.get(User, row.user_id) if row.user_id else None
    if user is None or not user.is_active_account:
        raise ValidationFailed(codes.CODE_WRONG, errors={"code": codes.CODE_WRONG})
    return _new_password(user, new_password, ip, "sms")


# --- claiming a file typed from paper -------------------------------------------------------

def start_claim(reference: str, phone: str, ip: str | None = None) -> str:
    """A code by SMS to the number of the paper file `reference`, if that file was imported,
    carries this very number and has no account yet. The token of the code's page is returned
    whatever the file and the number (nothing is sent when they do not match)."""
    _address_limit("claim", ip)
    number, error = identifiers.phone_or_error(phone)
    if number is None:
        raise ValidationFailed(error, errors={"phone": error})
    reference = (reference or "").strip().upper()[:30]
    if not reference:
        raise ValidationFailed("Indiquez la référence de votre dossier.", errors={"reference": "Ce champ est obligatoire."})
    find = paper_files.get("find")
    found = find(reference, number) if find is not None else None
    owner = find_user_by_phone(number)
    deliverable = found is not None and owner is None
    row, token, code = codes.issue("claim", "sms", number, deliverable=deliverable,
                                   payload={"applicant_id": found.applicant_id, "full_name": found.full_name}
                                   if deliverable else None, ip=ip)
    if deliverable:
        codes.send_code(row, code, "pour retrouver votre dossier")
    elif found is not None and owner is not None:
        _tell_owner_someone_tried(owner, "phone", "de retrouver un dossier papier")
    record(None, "auth.claim_request", row, ip_address=ip)
    return token


def confirm_claim(token: str, code: str, password: str, consent_given: bool, consent_version: str,
                  ip: str | None = None) -> User:
    """The code proves the number of the file: an account with this number and the password
    chosen now, linked to the file's applicant (that file only)."""
    if not consent_given:
        raise ValidationFailed("Vous devez accepter le traitement de vos données pour créer un compte.",
                               errors={"consent": "Consentement requis."})
    pending = codes.pending(token, "claim")
    validate_password_strength(password, None, pending.destination if pending else None)
    row = codes.verify(token, code, "claim")
    payload = row.payload or {}
    if find_user_by_phone(row.destination) is not None:
        raise ValidationFailed(CLAIM_HAS_ACCOUNT)
    link = paper_files.get("link")
    if link is None or not payload.get("applicant_id"):
        raise ValidationFailed(codes.CODE_WRONG, errors={"code": codes.CODE_WRONG})
    user = _new_user(None, password, "applicant", payload.get("full_name", ""), phone=row.destination)
    db.session.flush()
    link(int(payload["applicant_id"]), user)  # raises ValidationFailed if claimed meanwhile
    return _open_applicant(user, consent_version, ip, "user.claim_paper_file", hooks=False)


# --- the account's contact details ---------------------------------------------------------

def set_contact_preference(user: User, preference: str, ip: str | None = None) -> None:
    if preference not in CONTACT_PREFERENCES:
        raise ValidationFailed("Choix inconnu.", errors={"preference": "Choix inconnu."})
    if preference == "sms" and not user.phone:
        raise ValidationFailed("Ajoutez d'abord un numéro de téléphone confirmé.",
                               errors={"preference": "Ajoutez d'abord un numéro de téléphone confirmé."})
    if preference == "email" and not user.email:
        raise ValidationFailed("Votre compte n'a pas d'adresse e-mail.",
                               errors={"preference": "Votre compte n'a pas d'adresse e-mail."})
    if preference == user.contact_preference:
        return
    record(user, "user.contact_preference", user, before={"preference": user.contact_preference},
           after={"preference": preference}, ip_address=ip)
    user.contact_preference = preference


def start_phone_verification(user: User, phone: str, ip: str | None = None) -> str:
    """A code by SMS to a number the person adds to their account (a number that is another
    account's gets no code, and the same page)."""
    number, error = identifiers.phone_or_error(phone)
    if number is None:
        raise ValidationFailed(error, errors={"phone": error})
    other = find_user_by_phone(number)
    row, token, code = codes.issue("verify", "sms", number, deliverable=other is None, user_id=user.id, ip=ip)
    if other is None:
        codes.send_code(row, code, "pour confirmer votre numéro")
    return token


def confirm_phone(user: User, token: str, code: str, ip: str | None = None) -> None:
    row = codes.pending(token, "verify")
    if row is not None and row.user_id != user.id:
        raise ValidationFailed(codes.CODE_EXPIRED, errors={"code": codes.CODE_EXPIRED})
    row = codes.verify(token, code, "verify")
    if find_user_by_phone(row.destination) is not None:
        raise ValidationFailed(ALREADY_AN_ACCOUNT)
    before = mask_phone(user.phone) if user.phone else None
    user.phone = row.destination
    user.phone_verified_at = utcnow()
    record(user, "user.phone", user, before={"phone": before}, after={"phone": mask_phone(user.phone)}, ip_address=ip)


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
    return _new_password(user, new_password, ip, "link")


def set_locale(user: User, locale: str, ip: str | None = None) -> None:
    """Keep the language the person chose on their account (audited when it changes)."""
    if user.locale == locale:
        return
    record(user, "user.locale", user, before={"locale": user.locale}, after={"locale": locale}, ip_address=ip)
    user.locale = locale
