"""Password hashing with Argon2id; parameters come from the configuration, and a change of
parameters rehashes the password at the next successful login."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# Verified against when the email is unknown, so that both answers take the same time.
_DUMMY_PASSWORD = "quota-dummy-password"
_dummy_cache: dict = {}


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def burn_time(password: str) -> None:
    """Spend the time of one verification, for unknown accounts."""
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_cache:
        _dummy_cache[key] = hasher.hash(_DUMMY_PASSWORD)
    verify_password(_dummy_cache[key], password)
