"""Every stored file goes through here: a local folder, or S3-compatible object storage.

``INSPECT_STORAGE_URL`` chooses: unset, the instance's folders (``UPLOAD_DIR`` for photos,
evidence and roster inputs; ``REPORT_OUTPUT_DIR`` for finished reports); ``s3://bucket/prefix``,
one bucket that every host shares — AWS, MinIO, Ceph, Aliyun OSS, Tencent COS, Huawei OBS —
with ``INSPECT_S3_ENDPOINT_URL`` for a non-AWS endpoint and credentials from boto3's usual
sources (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``~/.aws``, an instance role).

Files live in *areas* (``uploads``, ``reports``); a key is a relative path inside its area
(``photos/2026/12/…jpg``). Writes and deletions made for database rows follow the transaction:
:func:`keep` writes at once and takes the file back if the transaction (or savepoint) is rolled
back; :func:`discard` deletes only once the deletion is committed.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import typing as t
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app
from flask import redirect
from flask import send_file
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response

AREAS = ("uploads", "reports")
CHUNK = 1024 * 1024


class StorageError(Exception):
    """A stored file could not be written, read or found."""


class Storage(t.Protocol):
    """One area of stored files, addressed by relative keys."""

    def save(self, key: str, data: bytes | t.BinaryIO) -> None: ...
    def open(self, key: str) -> t.BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str = "") -> Iterator[str]: ...
    def local_path(self, key: str) -> Path | None: ...
    def download_url(self, key: str, *, filename: str, mimetype: str, attachment: bool) -> str | None: ...


def _clean(key: str) -> str:
    parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise StorageError(f"not a storage key: {key!r}")
    return "/".join(parts)


class LocalStorage:
    """Files in a folder of this host."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _clean(key)

    def save(self, key: str, data: bytes | t.BinaryIO) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        with part.open("wb") as fh:
            if isinstance(data, bytes | bytearray | memoryview):
                fh.write(data)
            else:
                shutil.copyfileobj(data, fh, CHUNK)
        os.replace(part, path)

    def open(self, key: str) -> t.BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as err:
            raise StorageError(f"no stored file {key}") from err

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as err:
            raise StorageError(f"no stored file {key}") from err

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for dirpath, _dirs, files in os.walk(self.root):
            for name in sorted(files):
                if name.endswith(".part"):
                    continue
                key = (Path(dirpath) / name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def download_url(self, key: str, *, filename: str, mimetype: str, attachment: bool) -> str | None:
        return None


class S3Storage:
    """Objects in an S3-compatible bucket, under ``prefix/area/``."""

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None, region: str | None,
                 presign_seconds: int) -> None:
        import boto3  # boto3 takes a second to import; only installs on object storage load it
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.presign_seconds = presign_seconds
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                   config=Config(signature_version="s3v4", retries={"max_attempts": 5}))

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_clean(key)}" if self.prefix else _clean(key)

    def save(self, key: str, data: bytes | t.BinaryIO) -> None:
        body = io.BytesIO(bytes(data)) if isinstance(data, bytes | bytearray | memoryview) else data
        self.client.upload_fileobj(body, self.bucket, self._key(key))

    def open(self, key: str) -> t.BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey as err:
            raise StorageError(f"no stored file {key}") from err
        return t.cast(t.BinaryIO, response["Body"])

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError as err:
            raise StorageError(f"no stored file {key}") from err
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base + prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(base):]

    def local_path(self, key: str) -> Path | None:
        return None

    def download_url(self, key: str, *, filename: str, mimetype: str, attachment: bool) -> str | None:
        disposition = "attachment" if attachment else "inline"
        return str(self.client.generate_presigned_url("get_object", ExpiresIn=self.presign_seconds, Params={
            "Bucket": self.bucket, "Key": self._key(key), "ResponseContentType": mimetype,
            "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
        }))


@dataclass(frozen=True)
class Target:
    """Where an install's files are: a folder per area, or one bucket."""

    url: str

    def area(self, app: Flask, area: str) -> Storage:
        if not self.url:
            key = "UPLOAD_DIR" if area == "uploads" else "REPORT_OUTPUT_DIR"
            return LocalStorage(Path(app.config[key]))
        parts = urlsplit(self.url)
        if parts.scheme == "s3" and parts.netloc:
            prefix = "/".join(p for p in (parts.path.strip("/"), area) if p)
            return S3Storage(parts.netloc, prefix, endpoint_url=app.config["S3_ENDPOINT_URL"],
                             region=app.config["S3_REGION"], presign_seconds=app.config["STORAGE_URL_SECONDS"])
        if parts.scheme in ("", "file"):
            return LocalStorage(Path(parts.path) / area)
        raise StorageError(f"INSPECT_STORAGE_URL must be s3://bucket/prefix or a folder, not {self.url!r}")


def area(name: str, app: Flask | None = None) -> Storage:
    """The configured store of area ``name`` (``uploads`` or ``reports``), made once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stores: dict[str, Storage] = app.extensions.setdefault("inspect_storage", {})
    if name not in stores:
        if name not in AREAS:
            raise StorageError(f"no storage area {name!r}")
        stores[name] = Target(app.config["STORAGE_URL"]).area(app, name)
    return stores[name]


def read(name: str, key: str) -> bytes:
    with area(name).open(key) as fh:
        return fh.read()


def serve(name: str, key: str, *, filename: str, mimetype: str, attachment: bool = True,
          max_age: int | None = None) -> Response:
    """Answer a download: a short-lived link to the object store, or the file streamed from here."""
    store = area(name)
    url = store.download_url(key, filename=filename, mimetype=mimetype, attachment=attachment)
    if url is not None:
        return redirect(url, 302)
    path = store.local_path(key)
    if path is not None and path.is_file():
        return send_file(path, mimetype=mimetype, as_attachment=attachment, download_name=filename, max_age=max_age)
    return send_file(store.open(key), mimetype=mimetype, as_attachment=attachment, download_name=filename,
                     max_age=max_age)


def sha256(store: Storage, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- files that follow the database transaction ------------------------------------------------------------
# A file written for a row that is rolled back is deleted; a file whose row is deleted goes only once
# that deletion is committed. A savepoint rolled back (one refused operation of a sync batch) undoes
# only the files of that savepoint.

WRITTEN, DOOMED = "storage_written", "storage_doomed"


def _current_transaction(session: t.Any) -> t.Any:
    real = session() if callable(session) else session  # the scoped session's own Session
    return real.get_nested_transaction() or real.get_transaction()


def _within(transaction: t.Any, ancestor: t.Any) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def keep(name: str, key: str, data: bytes | t.BinaryIO) -> None:
    """Store a file that lives and dies with the current database transaction (and savepoint)."""
    store = area(name)
    store.save(key, data)
    db.session.info.setdefault(WRITTEN, []).append((_current_transaction(db.session), store, key))


def discard(name: str, key: str) -> None:
    """Delete a stored file once the current transaction commits."""
    db.session.info.setdefault(DOOMED, []).append((_current_transaction(db.session), area(name), key))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its files follow the transaction itself
    session.info.pop(WRITTEN, None)
    for _transaction, store, key in session.info.pop(DOOMED, []):
        store.delete(key)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: t.Any) -> None:
    if previous.parent is None and not previous.nested:
        session.info.pop(DOOMED, None)
        written = session.info.pop(WRITTEN, [])
    else:
        written = [w for w in session.info.get(WRITTEN, []) if _within(w[0], previous)]
        session.info[WRITTEN] = [w for w in session.info.get(WRITTEN, []) if not _within(w[0], previous)]
        session.info[DOOMED] = [d for d in session.info.get(DOOMED, []) if not _within(d[0], previous)]
    for _transaction, store, key in written:
        store.delete(key)


def check() -> str | None:
    """None when the uploads area takes a file (for ``/readyz``)."""
    store = area("uploads")
    key = f".ready/{uuid.uuid4().hex}"
    try:
        store.save(key, b"ok")
        store.delete(key)
    except Exception as err:  # noqa: BLE001 - any failure of the store means "not ready", with its name
        return f"storage not writable: {type(err).__name__}: {err}"[:300]
    return None


@dataclass
class Copied:
    files: int = 0
    bytes: int = 0


def migrate(app: Flask, to_url: str, *, progress: t.Callable[[str, str], None] | None = None) -> Copied:
    """Copy every file of this install's store to ``to_url``, checking each copy's SHA-256."""
    copied = Copied()
    target = Target(to_url)
    for name in AREAS:
        source, dest = area(name, app), target.area(app, name)
        for key in source.keys():
            if key.startswith(".ready/"):
                continue
            with source.open(key) as fh:
                dest.save(key, fh)
            if sha256(dest, key) != sha256(source, key):
                raise StorageError(f"{name}/{key}: the copy differs from the original")
            copied.files += 1
            copied.bytes += source.size(key)
            if progress:
                progress(name, key)
    return copied
