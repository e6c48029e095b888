"""Backups and restore: one archive (.tar.gz or .tar) holding a consistent copy of the database,
the uploaded files and a manifest (JSON) by which a restore proves it got everything back.

    archive
      database/quota.sqlite3 | database/quota.pgdump   the copy of the database
      uploads/<path>                                   every file under UPLOAD_DIR
      manifest.json                                    time, revision, dialect, rows per table,
                                                       SHA-256 of every file and of the copy

Consistency. SQLite: the online backup API copies every page in one step, under a read lock,
while the application keeps running (writers wait for it, up to their busy timeout). PostgreSQL:
one REPEATABLE READ transaction exports its snapshot; the rows are counted in it and pg_dump reads
through it (--snapshot), so the counts and the dump describe the same moment. The uploaded files
are walked after the database is copied: a file is written before the row that names it is
committed, so every document of the copy has its file (a file newer than the copy is kept too).

Explicit arguments only (an engine, an upload folder, paths): nothing here reads the Flask
application or its configuration; ops/cli.py passes them in.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
# Only to run pg_dump and pg_restore, by the absolute path shutil.which finds, without a shell.
import subprocess  # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from sqlalchemy import column, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine, make_url

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database/quota.sqlite3", "postgresql": "database/quota.pgdump"}
DUMP_FORMATS = {"sqlite": "sqlite3 (API de sauvegarde en ligne)", "postgresql": "pg_dump --format=custom"}
DIALECT_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
UPLOADS = "uploads"
ARCHIVE_NAME = re.compile(r"^quota-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar(?:\.gz)?$")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message, in French, says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


@dataclass
class RestoreReport:
    """What a restore loaded and what its verification found (`problems`, in French)."""
    manifest: dict
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- small pieces ---------------------------------------------------------------------------

def _label(dialect: str) -> str:
    return DIALECT_LABELS.get(dialect, dialect)


def _sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_name(now: datetime) -> str:
    """quota-<UTC timestamp>.tar.gz, e.g. quota-20260601T023000Z.tar.gz."""
    return f"quota-{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.tar.gz"


def output_path(output: str | os.PathLike | None, default_dir: str | os.PathLike, now: datetime) -> Path:
    """Where the archive goes: `output` when it names a file (.tar.gz or .tar), else the
    timestamped name inside `output` (an existing folder or a path ending in /) or inside
    `default_dir`. Never an existing file: a second archive in the same second gets -2, -3..."""
    if output is None or str(output).endswith(os.sep) or Path(output).is_dir():
        folder = Path(output) if output is not None else Path(default_dir)
        path = folder / archive_name(now)
        n = 1
        while path.exists():
            n += 1
            path = folder / archive_name(now).replace(".tar.gz", f"-{n}.tar.gz")
        return path
    path = Path(output)
    if not (path.name.endswith(".tar.gz") or path.name.endswith(".tgz") or path.name.endswith(".tar")):
        raise BackupError(f"Le fichier de sortie {path} doit finir par .tar.gz ou .tar (pour un dossier : "
                          "un dossier existant, ou un chemin finissant par /).")
    if path.exists():
        raise BackupError(f"Le fichier {path} existe déjà : une sauvegarde n'en écrase jamais une autre.")
    return path


def prune(folder: str | os.PathLike, keep: int) -> list[Path]:
    """Delete the archives named quota-<timestamp>.tar[.gz] in `folder` beyond the `keep` most
    recent (by the timestamp in their name). Other files are never touched. Returns the deleted."""
    if keep < 1:
        raise BackupError("--keep doit valoir au moins 1 : on garde toujours la dernière sauvegarde.")
    found = []
    for path in Path(folder).iterdir():
        match = ARCHIVE_NAME.match(path.name)
        if match and path.is_file():
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    found.sort(reverse=True)
    removed = [path for _key, path in found[keep:]]
    for path in removed:
        path.unlink()
    return removed


def libpq_url(url: URL | str) -> tuple[str, dict]:
    """The SQLAlchemy address as pg_dump and pg_restore take it (postgresql+psycopg:// becomes
    postgresql://) and, apart, the password (PGPASSWORD), so that it never shows in `ps`."""
    url = make_url(url) if isinstance(url, str) else url
    env = {"PGPASSWORD": url.password} if url.password else {}
    plain = URL.create(url.drivername.split("+", 1)[0], username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Commande « {name} » introuvable : installez le client PostgreSQL (paquet postgresql-client, "
            f"de la même version majeure que le serveur ou plus récent) ou ajoutez {name} au PATH.")
    return path


def _run(command: list[str], env: dict, what: str) -> None:
    # The command is a list (no shell) starting with the absolute path shutil.which found; its
    # other arguments are our options, the database address and file paths of our own.
    done = subprocess.run(  # nosec B603
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip()
        raise BackupError(f"{what} a échoué (code {done.returncode}) : {detail or 'aucun message'}")


def _search_path(conn) -> tuple[str, str]:
    """(schema the connection works in, its search_path). The schema is current_schema(), or the
    first schema named by the search_path when that one does not exist yet (a fresh database)."""
    search_path = conn.execute(text("SHOW search_path")).scalar_one()
    current = conn.execute(text("SELECT current_schema()")).scalar()
    if current:
        return current, search_path
    for part in search_path.split(","):
        name = part.strip()
        if name and name != '"$user"':
            return name.strip('"'), search_path
    return "public", search_path


def _table_counts(conn, schema: str | None = None) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names(schema=schema))
    return {name: conn.execute(select(func.count()).select_from(table(name, schema=schema))).scalar_one()
            for name in names}


def _revision(conn, counts: dict, schema: str | None = None) -> str | None:
    """The database's Alembic revision (None when its schema was not made by the migrations)."""
    if not counts.get("alembic_version"):
        return None
    version = table("alembic_version", column("version_num"), schema=schema)
    rows = conn.execute(select(version.c.version_num)).scalars().all()
    return ",".join(sorted(rows)) or None


def code_heads(migrations_dir) -> list[str]:
    if not migrations_dir:
        return []
    try:
        from alembic.script import ScriptDirectory

        return sorted(ScriptDirectory(str(migrations_dir)).get_heads())
    except Exception:  # the manifest still holds the database's revision
        return []


def _upload_files(upload_dir) -> list[tuple[str, Path]]:
    """(relative posix path, path) of every regular file under the folder; links are skipped."""
    root = Path(upload_dir)
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(root).as_posix(), path))
    return found


def _hash_tree(upload_dir) -> dict[str, str]:
    return {rel: _sha256_of(path)[0] for rel, path in _upload_files(upload_dir)}


# --- backup ---------------------------------------------------------------------------------

def _sqlite_snapshot(engine: Engine, dest: Path) -> dict:
    copy = sqlite3.connect(dest)
    try:
        raw = engine.raw_connection()
        try:
            raw.driver_connection.backup(copy)  # every page in one step: one consistent moment
        finally:
            raw.close()
    finally:
        copy.close()
    reader = create_engine(f"sqlite:///{dest}")
    try:
        with reader.connect() as conn:
            counts = _table_counts(conn)
            return {"tables": counts, "alembic_revision": _revision(conn, counts), "schema": None,
                    "search_path": None}
    finally:
        reader.dispose()


def _pg_snapshot(engine: Engine, dest: Path) -> dict:
    pg_dump = _tool("pg_dump")
    address, env = libpq_url(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            schema, search_path = _search_path(conn)
            counts = _table_counts(conn, schema)
            revision = _revision(conn, counts, schema)
            command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dest}", "--no-password"]
            if schema != "public":
                command.append('--schema="' + schema.replace('"', '""') + '"')
            command.append(f"--dbname={address}")
            _run(command, env, "pg_dump")  # while the transaction that exported the snapshot is open
    return {"tables": counts, "alembic_revision": revision, "schema": schema, "search_path": search_path}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(mtime), 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path, work: str) -> tuple[str, int] | None:
    """Copy the file into a spool while hashing it, then add exactly those bytes: the hash in the
    manifest is the hash of what the archive holds. None if the file vanished meanwhile."""
    digest, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK, dir=work) as spool:
        try:
            with open(path, "rb") as handle:
                mtime = os.fstat(handle.fileno()).st_mtime
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
                    spool.write(chunk)
                    size += len(chunk)
        except FileNotFoundError:
            return None
        spool.seek(0)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(mtime), 0o600
        tar.addfile(info, spool)
    return digest.hexdigest(), size


def create_backup(engine: Engine, upload_dir, output, *, now: datetime | None = None,
                  migrations_dir=None) -> BackupResult:
    """Write the archive at `output` (its folder is created, private to its owner) and return
    its path and manifest. The archive appears only once complete (written aside, then renamed)."""
    dialect = engine.dialect.name
    if dialect not in DUMPS:
        raise BackupError(f"Base « {dialect} » non prise en charge : la sauvegarde connaît SQLite et PostgreSQL.")
    now = now or datetime.now(timezone.utc)
    output = Path(output)
    if output.resolve().parent.is_relative_to(Path(upload_dir).resolve()):
        raise BackupError(f"Les sauvegardes ne vont pas dans le dossier des pièces ({upload_dir}) : "
                          "chacune y copierait les précédentes. Choisissez un autre dossier (--output).")
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = "w" if output.name.endswith(".tar") else "w:gz"
    with tempfile.TemporaryDirectory(prefix=".quota-backup-", dir=output.parent) as work:
        dump = Path(work) / "database"
        snapshot = (_sqlite_snapshot if dialect == "sqlite" else _pg_snapshot)(engine, dump)
        dump_sha, dump_size = _sha256_of(dump)
        part = Path(work) / "archive.part"
        files = {}
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(name=output.name, fileobj=handle, mode=mode) as tar:
            info = tar.gettarinfo(str(dump), arcname=DUMPS[dialect])
            info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
            with open(dump, "rb") as source:
                tar.addfile(info, source)
            for rel, path in _upload_files(upload_dir):
                added = _add_file(tar, f"{UPLOADS}/{rel}", path, work)
                if added is not None:
                    files[rel] = {"sha256": added[0], "size": added[1]}
            manifest = {
                "format": FORMAT,
                "application": "quota",
                "created_at": _utc_iso(now),
                "dialect": dialect,
                "alembic_revision": snapshot["alembic_revision"],
                "alembic_heads": code_heads(migrations_dir),
                "schema": snapshot["schema"],
                "search_path": snapshot["search_path"],
                "database": {"path": DUMPS[dialect], "format": DUMP_FORMATS[dialect],
                             "sha256": dump_sha, "size": dump_size},
                "tables": snapshot["tables"],
                "files": files,
                "totals": {"tables": len(snapshot["tables"]), "rows": sum(snapshot["tables"].values()),
                           "files": len(files), "bytes": sum(f["size"] for f in files.values())},
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
            _add_bytes(tar, MANIFEST, data, now.timestamp())
        os.replace(part, output)
    return BackupResult(output, manifest)


# --- restore --------------------------------------------------------------------------------

def _safe_relative(name: str) -> str | None:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(part in ("", "..") for part in path.parts) or "\\" in name:
        return None
    return path.as_posix()


def read_manifest(tar: tarfile.TarFile, archive) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except KeyError:
        raise BackupError(f"{archive} n'est pas une sauvegarde Quota : il n'y a pas de {MANIFEST}.") from None
    except (ValueError, AttributeError, tarfile.TarError, OSError) as exc:
        raise BackupError(f"Le manifeste de {archive} est illisible ({exc}).") from None
    missing = [k for k in ("format", "dialect", "database", "tables", "files") if k not in manifest]
    if not isinstance(manifest, dict) or missing:
        raise BackupError(f"Le manifeste de {archive} est incomplet (manque : {', '.join(missing)}).")
    if manifest["format"] != FORMAT:
        raise BackupError(f"Format de sauvegarde {manifest['format']} inconnu de cette version (attendu : {FORMAT}).")
    if manifest["dialect"] not in DUMPS:
        raise BackupError(f"Base « {manifest['dialect']} » inconnue dans le manifeste de {archive}.")
    return manifest


def _members(tar: tarfile.TarFile, manifest: dict, archive) -> tuple[tarfile.TarInfo, list]:
    """The dump and the uploaded files of the archive, after refusing anything but plain files
    with plain relative names (no absolute path, no .., no link, no device)."""
    dump, uploads, seen = None, [], set()
    for member in tar.getmembers():
        if member.isdir():
            continue
        name = _safe_relative(member.name)
        if name is None or not member.isreg() or name in seen:
            raise BackupError(f"L'archive {archive} contient un élément suspect ({member.name!r}) : "
                              "rien n'a été restauré.")
        seen.add(name)
        if name == manifest["database"]["path"]:
            dump = member
        elif name.startswith(UPLOADS + "/"):
            uploads.append((name[len(UPLOADS) + 1:], member))
    if dump is None:
        raise BackupError(f"L'archive {archive} ne contient pas la copie de la base "
                          f"({manifest['database']['path']}) : rien n'a été restauré.")
    return dump, uploads


def _target_schema(engine: Engine) -> str | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return _search_path(conn)[0]


def _refuse_unless_empty(engine: Engine, schema: str | None, upload_dir, manifest: dict) -> None:
    with engine.connect() as conn:
        counts = _table_counts(conn, schema)
    # A database made by `flask db upgrade` holds its revision and nothing else: it is empty.
    full = {name: n for name, n in counts.items() if n and name != "alembic_version"}
    if full:
        sample = ", ".join(f"{name} : {n}" for name, n in sorted(full.items())[:5])
        raise BackupError(
            f"La base cible n'est pas vide : {len(full)} table(s) contiennent des lignes ({sample}"
            f"{', …' if len(full) > 5 else ''}). La restauration ne se fait que dans une base vide : "
            "créez-en une nouvelle (createdb) et pointez DATABASE_URL dessus.")
    # Empty tables of the archive's (`flask db upgrade` at the same revision) are replaced; an
    # empty table the archive does not have (a newer revision) would stay beside the restored ones.
    extra = sorted(set(counts) - set(manifest["tables"]))
    if extra:
        raise BackupError(
            f"La base cible a des tables que l'archive n'a pas ({', '.join(extra[:5])}"
            f"{', …' if len(extra) > 5 else ''}) : elle a sans doute été créée par une version plus récente. "
            "Restaurez dans une base neuve (createdb, sans `flask db upgrade`), puis lancez `flask db upgrade`.")
    root = Path(upload_dir)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackupError(
            f"Le dossier des pièces {root} n'est pas vide : la restauration ne se fait que dans un dossier "
            "vide (UPLOAD_DIR vers un nouveau dossier, ou déplacez l'ancien).")


def _load_sqlite(engine: Engine, dump: Path) -> None:
    source = sqlite3.connect(dump)
    try:
        raw = engine.raw_connection()
        try:
            source.backup(raw.driver_connection)
        finally:
            raw.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"La copie SQLite de l'archive n'a pas pu être chargée : {exc}.") from None
    finally:
        source.close()
    engine.dispose()  # the pooled connections read the restored file afresh


def _load_postgresql(engine: Engine, dump: Path) -> None:
    pg_restore = _tool("pg_restore")
    address, env = libpq_url(engine.url)
    # --clean --if-exists: the empty tables a `flask db upgrade` may have made are replaced
    # (the target was checked to hold no row); one transaction: all or nothing.
    _run([pg_restore, "--no-owner", "--no-privileges", "--clean", "--if-exists", "--single-transaction",
          "--exit-on-error", "--no-password", f"--dbname={address}", str(dump)], env, "pg_restore")
    engine.dispose()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        source = tar.extractfile(member)
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify(engine: Engine, upload_dir, manifest: dict, schema: str | None = None) -> list[str]:
    """What differs between the database and folder and the manifest, in French (empty: nothing)."""
    problems = []
    with engine.connect() as conn:
        counts = _table_counts(conn, schema)
    for name, expected in sorted(manifest["tables"].items()):
        found = counts.get(name)
        if found is None:
            problems.append(f"Table « {name} » absente de la base restaurée ({expected} ligne(s) attendue(s)).")
        elif found != expected:
            problems.append(f"Table « {name} » : {found} ligne(s) dans la base restaurée, "
                            f"{expected} d'après le manifeste.")
    hashes = _hash_tree(upload_dir)
    for rel, meta in sorted(manifest["files"].items()):
        found = hashes.get(rel)
        if found is None:
            problems.append(f"Fichier « {rel} » manquant dans le dossier des pièces restauré.")
        elif found != meta.get("sha256"):
            problems.append(f"Fichier « {rel} » : son empreinte SHA-256 ne correspond pas au manifeste "
                            "(fichier altéré ou abîmé).")
    for rel in sorted(set(hashes) - set(manifest["files"])):
        problems.append(f"Fichier « {rel} » présent dans l'archive mais absent du manifeste.")
    return problems


def restore_backup(archive, engine: Engine, upload_dir) -> RestoreReport:
    """Load the archive into an empty database and an empty upload folder, then check them
    against the manifest. Raises BackupError (nothing restored) when the archive is unreadable,
    of the other database kind, when its copy of the database does not match its manifest, or when
    the target is not empty; otherwise returns the report of the verification."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Archive introuvable : {archive}.")
    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} n'est pas une archive lisible (.tar.gz ou .tar) : {exc}.") from None
    with tar:
        manifest = read_manifest(tar, archive)
        dialect = engine.dialect.name
        if manifest["dialect"] != dialect:
            raise BackupError(
                f"Cette archive contient une base {_label(manifest['dialect'])} : elle ne se restaure que "
                f"dans une base {_label(manifest['dialect'])}, pas dans une base {_label(dialect)} "
                "(DATABASE_URL). Rien n'a été restauré.")
        dump_member, uploads = _members(tar, manifest, archive)
        schema = _target_schema(engine)
        if dialect == "postgresql" and manifest.get("schema") and manifest["schema"] != schema:
            raise BackupError(
                f"L'archive contient le schéma PostgreSQL « {manifest['schema']} », la base cible travaille "
                f"dans « {schema} » (search_path) : les tables restaurées ne seraient pas celles que "
                "l'application lit. Rien n'a été restauré.")
        _refuse_unless_empty(engine, schema, upload_dir, manifest)
        with tempfile.TemporaryDirectory(prefix="quota-restore-") as work:
            dump = Path(work) / "database"
            sha, _size = _extract(tar, dump_member, dump)
            if sha != manifest["database"].get("sha256"):
                raise BackupError("La copie de la base contenue dans l'archive ne correspond pas à l'empreinte "
                                  "SHA-256 du manifeste (archive altérée ou abîmée) : rien n'a été restauré.")
            (_load_sqlite if dialect == "sqlite" else _load_postgresql)(engine, dump)
        root = Path(upload_dir)
        root.mkdir(parents=True, exist_ok=True)
        for rel, member in uploads:
            _extract(tar, member, root / rel)
    return RestoreReport(manifest, verify(engine, upload_dir, manifest, schema))
