import pytest

from config import DevelopmentConfig, ProductionConfig
from quota_app.urls import safe_next


def test_production_refuses_to_start_without_secret_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        ProductionConfig()


def test_production_reads_the_environment_and_secures_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/quota")
    config = ProductionConfig()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/quota"
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


def test_configuration_is_read_when_the_app_is_made(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://quota.example.ml/")
    assert DevelopmentConfig().BASE_URL == "https://quota.example.ml"


@pytest.mark.parametrize("target, expected", [
    ("/candidat/", "/candidat/"),
    ("/gestion/?page=2", "/gestion/?page=2"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    (None, None),
])
def test_next_redirects_stay_on_our_pages(target, expected):
    assert safe_next(target) == expected
