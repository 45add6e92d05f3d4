"""Backups of the store, and restoring one: ``mdkg backup DEST`` and ``mdkg restore SRC``.

Two kinds of backup:

* **store** (a folder): pyoxigraph's own backup of an on-disk Oxigraph store, a consistent
  snapshot usable as a store folder as it is (on the same file system it hard-links the immutable
  files, so it is cheap). Taken while a server has the store open, too (through a read-only view).
* **nquads** (a file, ``DEST.nq``): every quad of any backend as N-Quads, with ``DEST.nq.sha256``
  (``sha256sum`` format) beside it. Portable to any RDF store.

Restoring builds the new store in a folder beside the target and swaps it in only once complete
and checked (the checksum of an N-Quads file is verified when its ``.sha256`` file is there), so an
interrupted restore never leaves a half-loaded store under the target's name. A target that holds
data is replaced only when asked to.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from mdkg.errors import BadRequest, Conflict, MdkgError, NotFound, StoreUnavailable
from mdkg.settings import Settings
from mdkg.store import open_store
from mdkg.store.oxigraph import OxigraphStore

__all__ = ["BackupResult", "backup", "checksum_path", "restore"]

BackupKind = Literal["store", "nquads"]
_NQUADS_SUFFIXES = (".nq", ".nquads")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: BackupKind
    quads: int
    sha256: str | None = None

    def summary(self) -> str:
        digest = f", sha256 {self.sha256}" if self.sha256 else ""
        return f"{self.kind} backup of {self.quads} quads at {self.path}{digest}"


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _kind_of(path: Path, kind: BackupKind | None) -> BackupKind:
    if kind is not None:
        return kind
    return "nquads" if path.suffix.lower() in _NQUADS_SUFFIXES else "store"


def _on_disk_path(settings: Settings, what: str) -> Path:
    if settings.store != "oxigraph" or settings.store_path is None:
        raise BadRequest(f"{what} needs the on-disk Oxigraph store: give --store-path DIR "
                         "(or MDKG_STORE_PATH)")
    return settings.store_path


def _open_for_reading(path: Path) -> OxigraphStore:
    if not path.is_dir():
        raise NotFound(f"no Oxigraph store at {path}")
    try:
        return OxigraphStore(path)
    except StoreUnavailable:
        # A running server holds the store's lock; a read-only view sees what it has written.
        return OxigraphStore(path, read_only=True)


def backup(settings: Settings, destination: Path, *, kind: BackupKind | None = None) -> BackupResult:
    """Back the configured store up to ``destination``, which must not exist yet."""
    kind = _kind_of(destination, kind)
    if destination.exists():
        raise Conflict(f"{destination} exists already; a backup never overwrites")
    if kind == "store":
        store = _open_for_reading(_on_disk_path(settings, "a store backup"))
        try:
            store.raw.backup(str(destination))
            quads = len(store.raw)
        except OSError as error:
            raise StoreUnavailable(f"the backup to {destination} failed: {error}") from error
        finally:
            store.close()
        return BackupResult(destination, "store", quads)

    store = (_open_for_reading(settings.store_path)
             if settings.store == "oxigraph" and settings.store_path is not None else open_store(settings))
    try:
        data = store.export(media_type="application/n-quads")
    finally:
        store.close()
    digest = hashlib.sha256(data).hexdigest()
    _write_atomically(destination, data)
    _write_atomically(checksum_path(destination), f"{digest}  {destination.name}\n".encode())
    return BackupResult(destination, "nquads", data.count(b"\n"), digest)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    with open(partial, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _verified_nquads(source: Path) -> tuple[bytes, str | None]:
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    recorded = checksum_path(source)
    if recorded.is_file():
        expected = recorded.read_text(encoding="utf-8").split()[:1]
        if expected != [digest]:
            raise BadRequest(f"{source} does not match its checksum in {recorded.name}: the backup is "
                             "damaged or was changed", detail={"expected": expected, "actual": digest})
        return data, digest
    return data, None


def restore(settings: Settings, source: Path, *, replace: bool = False) -> BackupResult:
    """Restore a backup made by :func:`backup` into the configured store."""
    if not source.exists():
        raise NotFound(f"no backup at {source}")
    if source.is_dir():
        return _restore_store_folder(settings, source, replace=replace)
    data, digest = _verified_nquads(source)
    if settings.store == "oxigraph" and settings.store_path is not None:
        def fill(store: ox.Store) -> None:
            store.load(data, format=ox.RdfFormat.N_QUADS)

        return _swap_in(settings.store_path, replace, fill, source, "nquads", digest)
    target = open_store(settings)
    try:
        if target.quad_count() and not replace:
            raise Conflict("the store holds data; restore with --replace to overwrite it")
        if replace:
            target.clear()
        target.load(data, media_type="application/n-quads")
        return BackupResult(source, "nquads", target.quad_count(), digest)
    finally:
        target.close()


def _restore_store_folder(settings: Settings, source: Path, *, replace: bool) -> BackupResult:
    target = _on_disk_path(settings, "restoring a store backup")
    try:
        backup_store = ox.Store.read_only(str(source))
    except OSError as error:
        raise BadRequest(f"{source} is not an Oxigraph store backup: {error}") from error

    def fill(store: ox.Store) -> None:
        store.extend(backup_store.quads_for_pattern(None, None, None, None))

    return _swap_in(target, replace, fill, source, "store", None)


def _swap_in(target: Path, replace: bool, fill: Callable[[ox.Store], None], source: Path, kind: BackupKind,
             digest: str | None) -> BackupResult:
    if _holds_data(target) and not replace:
        raise Conflict(f"the store at {target} holds data; restore with --replace to overwrite it")
    _refuse_if_open(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        store = ox.Store(str(staging))
        fill(store)
        store.flush()
        quads = len(store)
        del store  # releases the folder's lock before it moves
    except (OSError, SyntaxError, ValueError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise MdkgError(f"the restore from {source} failed, the store is unchanged: {error}") from error
    retired = target.with_name(f".{target.name}.replaced-{os.getpid()}")
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
    return BackupResult(source, kind, quads, digest)


def _refuse_if_open(path: Path) -> None:
    if not path.is_dir() or not any(path.iterdir()):
        return
    try:
        probe = ox.Store(str(path))
    except OSError as error:
        raise StoreUnavailable(f"the store at {path} is in use (is a server running on it?); stop it "
                               f"before restoring: {error}") from error
    del probe


def _holds_data(path: Path) -> bool:
    if not path.is_dir() or not any(path.iterdir()):
        return False
    try:
        store = ox.Store.read_only(str(path))
    except OSError:
        return True  # something is there that is not an empty store: never overwrite it silently
    return next(iter(store.quads_for_pattern(None, None, None, None)), None) is not None
