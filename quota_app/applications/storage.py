"""Uploaded files on disk: random names under UPLOAD_DIR, never in the static folder."""
import os
import secrets
from pathlib import Path


def _root(upload_dir: str) -> Path:
    root = Path(upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    return root


def save(upload_dir: str, content: bytes) -> str:
    """Write the bytes under a fresh random name and return that name."""
    root = _root(upload_dir)
    while True:
        name = secrets.token_hex(24)
        path = root / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # pragma: no cover - 192 random bits
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        return name


def path_of(upload_dir: str, stored_name: str) -> Path:
    """The path of a stored file; refuses any name that is not one of ours."""
    if not stored_name or not all(c in "0123456789abcdef" for c in stored_name):
        raise ValueError("nom de fichier invalide")
    return Path(upload_dir) / stored_name


def existing(upload_dir: str, stored_name: str) -> Path | None:
    """The path of a stored file that is on disk, else None (a name not ours, a lost file)."""
    try:
        path = path_of(upload_dir, stored_name)
    except ValueError:
        return None
    return path if path.is_file() else None


def delete(upload_dir: str, stored_name: str) -> None:
    try:
        path_of(upload_dir, stored_name).unlink()
    except (FileNotFoundError, ValueError):
        pass
