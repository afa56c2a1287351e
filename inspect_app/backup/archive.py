"""The backup archive: a .tar.gz of the database snapshot, the instance's files and ``manifest.json``.

Layout::

    manifest.json               what is inside: each member's SHA-256 and size, the schema revision,
                                the database kind, the app version and when the backup was made
    database/inspect.sqlite3    SQLite: a snapshot made with the online backup API
    database/inspect.dump       PostgreSQL: ``pg_dump --format=custom``
    files/<folder>/...          the instance folders (uploads, reports), as they were

Nothing here needs the application: an archive can be checked on any machine with Python.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
import typing as t
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from pathlib import PurePosixPath

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/inspect.sqlite3", "postgresql": "database/inspect.dump"}
REQUIRED = ("format", "created_at", "app_version", "database", "revision", "folders", "files")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive is unreadable, incomplete or does not match its manifest."""


class _HashingReader:
    """Read a file for the archive while taking its SHA-256, so the manifest states what was stored."""

    def __init__(self, fh: t.BinaryIO) -> None:
        self.fh, self.digest, self.size = fh, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


@dataclass
class Writer:
    """Add files to a new archive, then close it with the manifest."""

    path: Path
    entries: list[dict[str, t.Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tar = tarfile.open(self.path, "w:gz")

    def add_file(self, source: Path, name: str) -> None:
        with source.open("rb") as fh:
            self.add_stream(fh, name, source.stat().st_size)

    def add_stream(self, fh: t.BinaryIO, name: str, size: int) -> None:
        """Add ``size`` bytes read from ``fh`` as the member ``name``."""
        info = tarfile.TarInfo(safe_name(name).as_posix())
        info.size, info.mtime, info.mode = size, int(time.time()), 0o644
        reader = _HashingReader(fh)
        try:
            self._tar.addfile(info, t.cast(t.IO[bytes], reader))
        except OSError as err:  # tarfile's "unexpected end of data"
            raise BackupError(f"{name} changed while it was being backed up") from err
        self.entries.append({"path": info.name, "sha256": reader.digest.hexdigest(), "size": size})

    def close(self, manifest: dict[str, t.Any]) -> dict[str, t.Any]:
        manifest = {**manifest, "format": FORMAT, "files": self.entries}
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        return manifest

    def abort(self) -> None:
        self._tar.close()
        self.path.unlink(missing_ok=True)


def safe_name(name: str) -> PurePosixPath:
    """A member name as a relative path that stays inside the folder it is extracted to."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise BackupError(f"{name}: not a safe path inside the archive")
    return path


def _read_manifest(tar: tarfile.TarFile) -> dict[str, t.Any]:
    try:
        member = tar.getmember(MANIFEST)
        fh = tar.extractfile(member)
        manifest = json.loads(fh.read()) if fh is not None else None
    except (KeyError, ValueError) as err:
        raise BackupError(f"{MANIFEST}: missing or not valid JSON") from err
    if not isinstance(manifest, dict):
        raise BackupError(f"{MANIFEST}: not a JSON object")
    missing = [key for key in REQUIRED if key not in manifest]
    if missing:
        raise BackupError(f"{MANIFEST}: no {', '.join(missing)}")
    if manifest["format"] != FORMAT:
        raise BackupError(f"{MANIFEST}: format {manifest['format']} is not {FORMAT}")
    if manifest["database"] not in DATABASE_MEMBERS:
        raise BackupError(f"{MANIFEST}: unknown database kind {manifest['database']!r}")
    return manifest


def verify(path: Path) -> dict[str, t.Any]:
    """Check every member against the manifest; return the manifest or raise naming the first bad member."""
    try:
        tar = tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as err:
        raise BackupError(f"{path}: not a readable archive ({err})") from err
    with tar:
        try:
            manifest = _read_manifest(tar)
            listed = {entry["path"]: entry for entry in manifest["files"]}
            if DATABASE_MEMBERS[manifest["database"]] not in listed:
                raise BackupError(f"{DATABASE_MEMBERS[manifest['database']]}: missing from the manifest")
            seen = set()
            for member in tar:
                if member.name == MANIFEST:
                    continue
                safe_name(member.name)
                entry = listed.get(member.name)
                if entry is None or not member.isfile():
                    raise BackupError(f"{member.name}: not listed in the manifest")
                _check_member(tar, member, entry)
                seen.add(member.name)
        except (tarfile.TarError, EOFError, OSError, TypeError, KeyError) as err:
            raise BackupError(f"{path}: damaged archive ({err})") from err
        for name in listed:
            if name not in seen:
                raise BackupError(f"{name}: listed in the manifest but missing from the archive")
    return manifest


def _check_member(tar: tarfile.TarFile, member: tarfile.TarInfo, entry: dict[str, t.Any]) -> None:
    fh = tar.extractfile(member)
    if fh is None:
        raise BackupError(f"{member.name}: unreadable")
    digest, size = hashlib.sha256(), 0
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    if size != entry["size"]:
        raise BackupError(f"{member.name}: {size} bytes, the manifest says {entry['size']}")
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"{member.name}: checksum does not match the manifest")


def extract(path: Path, prefix: str, save: t.Callable[[str, t.BinaryIO], None]) -> int:
    """Hand each member under ``prefix`` to ``save(key, file)``, its key relative to the prefix."""
    count, parts = 0, PurePosixPath(prefix).parts
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            name = safe_name(member.name)
            if not member.isfile() or name.parts[: len(parts)] != parts or len(name.parts) == len(parts):
                continue
            fh = tar.extractfile(member)
            if fh is None:
                raise BackupError(f"{member.name}: unreadable")
            save(PurePosixPath(*name.parts[len(parts):]).as_posix(), t.cast(t.BinaryIO, fh))
            count += 1
    return count
