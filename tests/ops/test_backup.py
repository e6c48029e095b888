"""Backups and restore (issue 16): a consistent archive taken while applications keep being
submitted, restored into a fresh database and folder, checked against its manifest; the refusals
(a database that is not empty, the other kind of database, an altered archive); the commands.

Both passes: QUOTA_TEST_DB=sqlite and QUOTA_TEST_DB=postgresql (the fresh database is then a
database created for the test, holding the run's schema, dropped afterwards).
"""
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import factories


def pg_url() -> str:
    """The suite's PostgreSQL (tests/conftest.py's, read again: several folders have a conftest)."""
    url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def _wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("délai dépassé")
        time.sleep(0.02)


@pytest.fixture
def fresh_target(database_url, tmp_path):
    """make() -> (url, engine options) of a new, empty database of the run's kind; each made
    database is dropped after the test (PostgreSQL) or lives in tmp_path (SQLite)."""
    url, options = database_url
    made = []

    def make():
        name = f"quota_restore_{os.getpid()}_{secrets.token_hex(3)}"
        if url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'{name}.db'}", {}
        admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        made.append(name)
        return pg_url().rsplit("/", 1)[0] + f"/{name}", {**options}

    yield make
    if made:
        admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_engine(fresh_target):
    engines = []

    def make():
        url, options = fresh_target()
        engine = create_engine(url, **options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def _schema(engine):
    from quota_app.ops.backup import _target_schema
    return _target_schema(engine)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_while_applications_are_submitted_restores_a_consistent_snapshot(app, db, tmp_path, fresh_engine):
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Campaign
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    campaign = factories.make_campaign("open", seats=50)
    factories.make_application("submitted", campaign=campaign)
    campaign_id = campaign.id
    upload_dir = app.config["UPLOAD_DIR"]
    stop, errors, done = threading.Event(), [], []

    def writer():
        with app.app_context():
            try:
                own = database.session.get(Campaign, campaign_id)
                while not stop.is_set():
                    factories.make_application("submitted", campaign=own)
                    done.append(1)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                database.session.remove()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        _wait_until(lambda: len(done) >= 2 or errors)
        result = ops.create_backup(database.engine, upload_dir, tmp_path / "quota.tar.gz")
        at_backup = len(done)
        _wait_until(lambda: len(done) >= at_backup + 2 or errors)  # the writer went on
    finally:
        stop.set()
        thread.join(60)
    assert errors == []
    manifest = result.manifest
    assert manifest["dialect"] == database.engine.dialect.name
    assert manifest["created_at"].endswith("Z") and manifest["database"]["sha256"]
    assert manifest["database"]["sha256"] == hashlib.sha256(
        tarfile.open(result.path).extractfile(manifest["database"]["path"]).read()).hexdigest()
    snapshot = manifest["tables"]["applications"]
    db.session.expire_all()
    live = db.session.query(Application).count()
    assert 3 <= snapshot < live  # submissions went on after the copy

    target = fresh_engine()
    restored_uploads = tmp_path / "restored-uploads"
    report = ops.restore_backup(result.path, target, restored_uploads)
    assert report.problems == []
    schema = _schema(target)
    # The restored database is the snapshot: every table holds the manifest's count...
    with target.connect() as conn:
        counts = ops._table_counts(conn, schema)
    assert {name: counts[name] for name in manifest["tables"]} == manifest["tables"]
    assert counts["applications"] == snapshot
    # ...and its tables agree with each other at that one moment: the campaign's counter of
    # references is the number of its submitted files, every file is whole (its documents).
    with target.connect() as conn:
        submitted = conn.execute(text("SELECT COUNT(*) FROM applications WHERE reference IS NOT NULL")).scalar_one()
        counter = conn.execute(text("SELECT last_value FROM reference_counters WHERE campaign_id = :c"),
                               {"c": campaign_id}).scalar_one()
        documents = conn.execute(text("SELECT stored_name, sha256 FROM application_documents")).all()
        per_file = conn.execute(text("SELECT COUNT(DISTINCT application_id) FROM application_documents")).scalar_one()
    assert submitted == counter == snapshot == per_file
    # The uploaded files: as in the manifest, and each document of the snapshot has its file.
    restored = {p.relative_to(restored_uploads).as_posix(): _sha(p) for p in restored_uploads.rglob("*") if p.is_file()}
    assert restored == {rel: meta["sha256"] for rel, meta in manifest["files"].items()}
    for stored_name, sha256 in documents:
        assert restored[stored_name] == sha256


def test_restore_refuses_a_database_that_is_not_empty(app, db, tmp_path):
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    factories.make_application("draft")
    result = ops.create_backup(database.engine, app.config["UPLOAD_DIR"], tmp_path / "quota.tar.gz")
    with pytest.raises(ops.BackupError, match="La base cible n'est pas vide") as refused:
        ops.restore_backup(result.path, database.engine, tmp_path / "empty-uploads")
    assert "table(s) contiennent des lignes (applicants : 1, " in str(refused.value)
    assert not (tmp_path / "empty-uploads").exists()


def test_restore_refuses_an_upload_folder_that_is_not_empty(app, db, tmp_path, fresh_engine):
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    factories.make_user("manager")
    result = ops.create_backup(database.engine, app.config["UPLOAD_DIR"], tmp_path / "quota.tar")
    assert tarfile.open(result.path).getmember("manifest.json")  # a plain .tar when asked
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "ancien.pdf").write_bytes(b"%PDF")
    target = fresh_engine()
    with pytest.raises(ops.BackupError, match="n'est pas vide : la restauration ne se fait que dans un dossier vide"):
        ops.restore_backup(result.path, target, folder)
    assert not _has_users(target)  # nothing was loaded


def _has_users(engine) -> bool:
    from sqlalchemy import inspect
    return "users" in inspect(engine).get_table_names(schema=_schema(engine))


def _rewrite(archive: Path, dest: Path, change) -> None:
    """A copy of the archive where change(name, bytes) -> bytes alters members (the manifest kept)."""
    with tarfile.open(archive) as source, tarfile.open(dest, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            data = change(member.name, data)
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime, info.mode = len(data), member.mtime, member.mode
            out.addfile(info, io.BytesIO(data))


def test_an_altered_file_fails_the_verification_in_french(app, db, tmp_path, fresh_engine):
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    factories.make_application("submitted")
    result = ops.create_backup(database.engine, app.config["UPLOAD_DIR"], tmp_path / "quota.tar.gz")
    victim = sorted(result.manifest["files"])[0]
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(result.path, tampered, lambda name, data: data + b"!" if name == f"uploads/{victim}" else data)

    report = ops.restore_backup(tampered, fresh_engine(), tmp_path / "uploads")
    assert not report.ok
    assert report.problems == [f"Fichier « {victim} » : son empreinte SHA-256 ne correspond pas au manifeste "
                               "(fichier altéré ou abîmé)."]


def test_an_altered_database_copy_or_count_is_refused_or_reported(app, db, tmp_path, fresh_engine):
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    factories.make_user("manager")
    result = ops.create_backup(database.engine, app.config["UPLOAD_DIR"], tmp_path / "quota.tar.gz")
    dump = result.manifest["database"]["path"]

    broken = tmp_path / "broken.tar.gz"
    _rewrite(result.path, broken, lambda name, data: data[:-1] + bytes([data[-1] ^ 1]) if name == dump else data)
    target = fresh_engine()
    with pytest.raises(ops.BackupError, match="ne correspond pas à l'empreinte SHA-256 du manifeste"):
        ops.restore_backup(broken, target, tmp_path / "u1")
    assert not _has_users(target)  # nothing was loaded

    def more_users(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["users"] += 1
        return json.dumps(manifest).encode()

    lying = tmp_path / "lying.tar.gz"
    _rewrite(result.path, lying, more_users)
    report = ops.restore_backup(lying, target, tmp_path / "u2")
    expected = result.manifest["tables"]["users"]
    assert report.problems == [f"Table « users » : {expected} ligne(s) dans la base restaurée, "
                               f"{expected + 1} d'après le manifeste."]


def test_an_archive_of_the_other_database_kind_is_refused(app, db, tmp_path):
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    result = ops.create_backup(database.engine, app.config["UPLOAD_DIR"], tmp_path / "quota.tar.gz")
    other = "postgresql" if result.manifest["dialect"] == "sqlite" else "sqlite"

    def relabel(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["dialect"] = other
        return json.dumps(manifest).encode()

    relabelled = tmp_path / "other.tar.gz"
    _rewrite(result.path, relabelled, relabel)
    here = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    with pytest.raises(ops.BackupError) as refused:
        ops.restore_backup(relabelled, database.engine, tmp_path / "uploads")
    assert str(refused.value).startswith(
        f"Cette archive contient une base {here[other]} : elle ne se restaure que dans une base {here[other]}, "
        f"pas dans une base {here[result.manifest['dialect']]}")


def test_an_archive_with_a_path_outside_the_folder_is_refused(app, db, tmp_path, fresh_engine):
    from quota_app.extensions import db as database
    from quota_app.ops import backup as ops

    result = ops.create_backup(database.engine, app.config["UPLOAD_DIR"], tmp_path / "quota.tar.gz")
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(result.path) as source, tarfile.open(evil, "w:gz") as out:
        for member in source.getmembers():
            out.addfile(member, source.extractfile(member))
        info = tarfile.TarInfo("uploads/../../escaped")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ops.BackupError, match="élément suspect"):
        ops.restore_backup(evil, fresh_engine(), tmp_path / "uploads")
    assert not (tmp_path / "escaped").exists()


def test_pg_dump_address_and_a_missing_tool(monkeypatch):
    from quota_app.ops import backup as ops

    assert ops.libpq_url("postgresql+psycopg://quota:s3cret@db:5432/quota?sslmode=require") == (
        "postgresql://quota@db:5432/quota?sslmode=require", {"PGPASSWORD": "s3cret"})
    assert ops.libpq_url("postgresql://quota@db/quota") == ("postgresql://quota@db/quota", {})
    monkeypatch.setattr(ops.shutil, "which", lambda name: None)
    with pytest.raises(ops.BackupError, match="Commande « pg_dump » introuvable : installez le client PostgreSQL"):
        ops._tool("pg_dump")


def test_output_names_and_keep(tmp_path):
    from datetime import datetime, timezone

    from quota_app.ops import backup as ops

    now = datetime(2026, 6, 1, 2, 30, tzinfo=timezone.utc)
    assert ops.output_path(None, tmp_path / "backups", now) == tmp_path / "backups" / "quota-20260601T023000Z.tar.gz"
    (tmp_path / "quota-20260601T023000Z.tar.gz").write_bytes(b"")
    assert ops.output_path(tmp_path, tmp_path / "x", now).name == "quota-20260601T023000Z-2.tar.gz"
    with pytest.raises(ops.BackupError, match="existe déjà"):
        ops.output_path(tmp_path / "quota-20260601T023000Z.tar.gz", tmp_path, now)
    with pytest.raises(ops.BackupError, match="Les sauvegardes ne vont pas dans le dossier des pièces"):
        ops.create_backup(create_engine("sqlite://"), tmp_path, tmp_path / "sauvegardes" / "quota.tar.gz")
    with pytest.raises(ops.BackupError, match="doit finir par .tar.gz ou .tar"):
        ops.output_path(tmp_path / "quota.zip", tmp_path, now)
    for name in ("quota-20260530T023000Z.tar.gz", "quota-20260531T023000Z.tar.gz", "quota-20260601T023000Z-2.tar.gz",
                 "notes.txt", "quota-manuelle.tar.gz"):
        (tmp_path / name).write_bytes(b"")
    removed = ops.prune(tmp_path, 2)
    assert sorted(p.name for p in removed) == ["quota-20260530T023000Z.tar.gz", "quota-20260531T023000Z.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt", "quota-20260601T023000Z-2.tar.gz", "quota-20260601T023000Z.tar.gz", "quota-manuelle.tar.gz"]


@pytest.fixture
def fresh_app(app, fresh_target, tmp_path):
    """An application of its own on a new, empty database and upload folder (the commands run
    against its configuration)."""
    from config import TestingConfig
    from quota_app import create_app

    url, options = fresh_target()
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {**options}
    config.UPLOAD_DIR = str(tmp_path / "fresh-uploads")
    config.HUEY_URL = f"sqlite:///{tmp_path / 'fresh-huey.db'}"
    other = create_app(config)
    yield other
    from quota_app.extensions import db as database

    with other.app_context():
        database.session.remove()
        database.engine.dispose()


def test_the_commands(app, db, tmp_path, fresh_app):
    from quota_app.extensions import db as database

    factories.make_application("submitted")
    runner = app.test_cli_runner()
    folder = tmp_path / "backups"
    for _ in range(3):
        done = runner.invoke(args=["backup", "--output", f"{folder}/", "--keep", "2"])
        assert done.exit_code == 0, done.output
        assert "Sauvegarde écrite : " in done.output and " pièce(s) " in done.output
        time.sleep(0.01)
    archives = sorted(folder.iterdir())
    assert len(archives) == 2 and all(p.name.startswith("quota-") and p.name.endswith(".tar.gz") for p in archives)
    assert "ancienne(s) sauvegarde(s) supprimée(s) (--keep 2)" in done.output
    assert oct(folder.stat().st_mode & 0o777) == "0o700" and oct(archives[-1].stat().st_mode & 0o777) == "0o600"

    refused = runner.invoke(args=["restore", str(archives[-1])])
    assert refused.exit_code == 1
    assert "La base cible n'est pas vide" in refused.output

    with fresh_app.app_context():  # the command runs in the current application (the test holds one)
        restored = fresh_app.test_cli_runner().invoke(args=["restore", str(archives[-1])])
    assert restored.exit_code == 0, restored.output
    assert "Restauration vérifiée : " in restored.output and "conformes au manifeste" in restored.output
    with fresh_app.app_context():
        assert database.session.execute(text("SELECT COUNT(*) FROM applications")).scalar_one() == 1

    victim = sorted(json.loads(tarfile.open(archives[-1]).extractfile("manifest.json").read())["files"])[0]
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archives[-1], tampered, lambda name, data: b"autre" if name == f"uploads/{victim}" else data)
    with fresh_app.app_context():  # empty it again for a second restore
        with database.engine.begin() as conn:
            for table in reversed(database.metadata.sorted_tables):
                conn.execute(table.delete())
    shutil.rmtree(fresh_app.config["UPLOAD_DIR"])
    with fresh_app.app_context():
        failed = fresh_app.test_cli_runner().invoke(args=["restore", str(tampered)])
    assert failed.exit_code == 2
    assert "la vérification a trouvé 1 écart(s) avec le manifeste" in failed.output
    assert f"Fichier « {victim} » : son empreinte SHA-256 ne correspond pas au manifeste" in failed.output


def _as_migrated(engine, revision: str, extra_table: bool = False) -> None:
    """What `flask db upgrade` leaves in a new database: every table, empty, and its revision."""
    from quota_app.extensions import db as database

    schema = _schema(engine)
    with engine.begin() as conn:
        if schema:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        database.metadata.create_all(conn)
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
        if extra_table:
            conn.execute(text("CREATE TABLE nouvelle_table (id INTEGER PRIMARY KEY)"))


def test_a_database_that_holds_only_its_migration_revision_counts_as_empty(app, tmp_path, fresh_engine):
    from quota_app.extensions import migrate
    from quota_app.ops import backup as ops

    revision = ops.code_heads(migrate.directory)[0]
    source = fresh_engine()
    _as_migrated(source, revision)
    with source.begin() as conn:
        conn.execute(text("INSERT INTO regions (code, name, active) VALUES ('01', 'Kayes', TRUE)"))
    result = ops.create_backup(source, tmp_path / "no-uploads", tmp_path / "quota.tar.gz",
                               migrations_dir=migrate.directory)
    assert result.manifest["alembic_revision"] == revision and result.manifest["alembic_heads"] == [revision]
    assert result.manifest["files"] == {} and result.manifest["tables"]["regions"] == 1

    upgraded = fresh_engine()
    _as_migrated(upgraded, revision)
    report = ops.restore_backup(result.path, upgraded, tmp_path / "uploads")
    assert report.ok, report.problems

    newer = fresh_engine()
    _as_migrated(newer, revision, extra_table=True)
    with pytest.raises(ops.BackupError, match=r"La base cible a des tables que l'archive n'a pas \(nouvelle_table\)"):
        ops.restore_backup(result.path, newer, tmp_path / "uploads-2")
