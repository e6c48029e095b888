"""Configuration classes. Values are read from the environment when create_app() runs."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def database_url(url: str) -> str:
    """The address as hosting platforms hand it out (postgres://..., postgresql://...) names
    the driver the project installs (psycopg 3); an explicit driver is kept."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


class Config:
    TESTING = False
    DEBUG = False

    def __init__(self):
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY", "dev-only-not-secret")
        self.SQLALCHEMY_DATABASE_URI = database_url(env.get(
            "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'quota.db'}"
        ))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # Links in e-mails are built from this, never from the Host header.
        self.BASE_URL = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        # How many reverse proxies in front of the application add X-Forwarded-For (0: none,
        # the address seen is the client's). Behind nginx alone: 1.
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", 0))
        self.UPLOAD_DIR = env.get("UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))
        self.MAX_UPLOAD_BYTES = int(env.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 60 * 1024 * 1024))
        self.MAIL_SERVER = env.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(env.get("MAIL_PORT", 587))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "1") == "1"
        self.MAIL_SENDER = env.get("MAIL_SENDER", "Quota DNFP <no-reply@quota.ml>")
        self.MAIL_TO_CONSOLE = env.get("MAIL_TO_CONSOLE", "1") == "1"
        # Delivery after the commit, by the worker: a failed attempt is retried after
        # MAIL_RETRY_DELAY_SECONDS, then twice as long each time, until MAIL_MAX_ATTEMPTS.
        self.MAIL_MAX_ATTEMPTS = int(env.get("MAIL_MAX_ATTEMPTS", 5))
        self.MAIL_RETRY_DELAY_SECONDS = float(env.get("MAIL_RETRY_DELAY_SECONDS", 60))
        self.HUEY_URL = env.get("HUEY_URL", f"sqlite:///{BASE_DIR / 'instance' / 'huey.db'}")
        self.HUEY_IMMEDIATE = False  # True: tasks run at once, in memory (TestingConfig)
        self.IMPORT_MAX_ROWS = int(env.get("IMPORT_MAX_ROWS", 200_000))
        # Retention (law 2013-015): an uploaded import file (kept for its confirmation and its error
        # report) is deleted this many days after its upload, its run kept; the personal data of
        # the candidates a campaign did not select is anonymised this many years after it closed.
        self.IMPORT_FILE_RETENTION_DAYS = int(env.get("IMPORT_FILE_RETENTION_DAYS", 30))
        self.RETENTION_YEARS_AFTER_CLOSE = int(env.get("RETENTION_YEARS_AFTER_CLOSE", 2))
        # Argon2id parameters (OWASP: m=19 MiB, t=2, p=1 at least); a change rehashes at login.
        self.ARGON2_TIME_COST = int(env.get("ARGON2_TIME_COST", 3))
        self.ARGON2_MEMORY_KIB = int(env.get("ARGON2_MEMORY_KIB", 65536))
        self.ARGON2_PARALLELISM = int(env.get("ARGON2_PARALLELISM", 1))
        self.PASSWORD_RESET_TTL_MINUTES = int(env.get("PASSWORD_RESET_TTL_MINUTES", 30))
        # Attempts allowed per window, per account and per address.
        self.RATE_LIMIT_ATTEMPTS = int(env.get("RATE_LIMIT_ATTEMPTS", 10))
        self.RATE_LIMIT_WINDOW_SECONDS = int(env.get("RATE_LIMIT_WINDOW_SECONDS", 900))
        # Designed for Mali (a cybercafé or an operator's NAT puts many people behind one
        # address): past these many failures in the window, an account (from any address) or an
        # address (for any account) is slowed down, one attempt per delay doubling up to the cap;
        # never locked. A browser where the account last logged in (device cookie) is not slowed.
        self.RATE_LIMIT_ACCOUNT_ATTEMPTS = int(env.get("RATE_LIMIT_ACCOUNT_ATTEMPTS", 30))
        self.RATE_LIMIT_ADDRESS_ATTEMPTS = int(env.get("RATE_LIMIT_ADDRESS_ATTEMPTS", 200))
        self.RATE_LIMIT_MAX_DELAY_SECONDS = int(env.get("RATE_LIMIT_MAX_DELAY_SECONDS", 60))
        # One-time codes by SMS (registration, password reset, claiming a paper file).
        self.PHONE_CODE_TTL_MINUTES = int(env.get("PHONE_CODE_TTL_MINUTES", 10))
        self.PHONE_CODE_MAX_ATTEMPTS = int(env.get("PHONE_CODE_MAX_ATTEMPTS", 5))
        self.PHONE_CODE_SENDS_PER_NUMBER = int(env.get("PHONE_CODE_SENDS_PER_NUMBER", 3))  # per hour
        self.PHONE_CODE_SENDS_PER_ADDRESS = int(env.get("PHONE_CODE_SENDS_PER_ADDRESS", 30))  # per hour
        # Staff sessions end after this long without a request; every session after
        # SESSION_LIFETIME_SECONDS (PERMANENT_SESSION_LIFETIME) from its login.
        self.STAFF_IDLE_TIMEOUT_SECONDS = int(env.get("STAFF_IDLE_TIMEOUT_SECONDS", 30 * 60))
        # SMS: without SMS_GATEWAY_URL, messages stay in the outbox (development). Production: an
        # HTTP gateway (JSON POST), its credentials (basic or bearer), the sender name it shows,
        # whether it takes Unicode (else the text is cut down to GSM-7), and the secret that
        # authenticates its delivery reports (POST /messages/sms/statut).
        self.SMS_GATEWAY_URL = env.get("SMS_GATEWAY_URL", "")
        self.SMS_GATEWAY_USERNAME = env.get("SMS_GATEWAY_USERNAME", "")
        self.SMS_GATEWAY_PASSWORD = env.get("SMS_GATEWAY_PASSWORD", "")
        self.SMS_GATEWAY_TOKEN = env.get("SMS_GATEWAY_TOKEN", "")
        self.SMS_GATEWAY_TIMEOUT_SECONDS = float(env.get("SMS_GATEWAY_TIMEOUT_SECONDS", 15))
        self.SMS_SENDER = env.get("SMS_SENDER", "DNFP-Quota")
        self.SMS_UNICODE = env.get("SMS_UNICODE", "0") == "1"
        self.SMS_CALLBACK_SECRET = env.get("SMS_CALLBACK_SECRET", "")
        self.SMS_MAX_ATTEMPTS = int(env.get("SMS_MAX_ATTEMPTS", 5))
        self.SMS_RETRY_DELAY_SECONDS = float(env.get("SMS_RETRY_DELAY_SECONDS", 60))
        self.CONSENT_VERSION = env.get("CONSENT_VERSION", "2026-01")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = False
        self.PERMANENT_SESSION_LIFETIME = int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600))
        self.REMEMBER_COOKIE_DURATION = 0
        self.WTF_CSRF_TIME_LIMIT = 8 * 3600
        self.BABEL_DEFAULT_LOCALE = "fr"
        self.BABEL_DEFAULT_TIMEZONE = "UTC"  # Bamako time is UTC all year.
        self.LANGUAGES = ["fr", "en"]
        self.PAGE_SIZE = 50


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True

    def __init__(self):
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL_ACTIVE", "sqlite://")
        self.WTF_CSRF_ENABLED = False
        self.SERVER_NAME = None
        # Cheap hashing keeps the suite fast; production parameters are tested separately.
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_KIB = 1024
        self.MAIL_SERVER = ""
        self.MAIL_TO_CONSOLE = False
        self.HUEY_IMMEDIATE = True


class ProductionConfig(Config):
    def __init__(self):
        missing = [k for k in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(k)]
        if missing:
            raise RuntimeError(
                "Configuration incomplète : définir " + ", ".join(missing) + " dans l'environnement."
            )
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.MAIL_TO_CONSOLE = os.environ.get("MAIL_TO_CONSOLE", "0") == "1"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
