"""mdkg backup and mdkg restore; an export imported into an empty store is isomorphic to the original."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mdkg.backup import backup, checksum_path, restore
from mdkg.cli import main
from mdkg.errors import BadRequest, Conflict, StoreUnavailable
from mdkg.settings import Settings
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore


@pytest.fixture(autouse=True)
def _no_store_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("MDKG_STORE", "MDKG_STORE_PATH"):
        monkeypatch.delenv(variable, raising=False)


def _open(folder: Path) -> OxigraphStore:
    return OxigraphStore(folder, read_only=True)


@pytest.mark.parametrize("empty", [OxigraphStore, RdflibStore], ids=["oxigraph", "rdflib"])
def test_an_export_imported_into_an_empty_store_is_isomorphic(disk_store_dir: Path, empty: type[Store],
                                                             same: Callable[[Store, Store], bool]) -> None:
    original = _open(disk_store_dir)
    copy = empty()
    copy.load(original.export(media_type="application/n-quads"), media_type="application/n-quads")
    assert original.quad_count() > 1000
    assert same(original, copy)
    copy.update("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                "DELETE DATA { GRAPH <https://w3id.org/mdkg/graph/reference> { "
                '<https://w3id.org/mdkg/id/japan> rdfs:label "Japan"@en } }')
    assert not same(original, copy)  # the comparison sees a difference when there is one


def test_nquads_backup_and_restore_through_the_command_line(tmp_path: Path, disk_store_dir: Path,
                                                            same: Callable[[Store, Store], bool],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    dump = tmp_path / "backup.nq"
    assert main(["backup", str(dump), "--store-path", str(disk_store_dir)]) == 0
    digest = checksum_path(dump).read_text().split()
    assert digest[1] == "backup.nq" and len(digest[0]) == 64 and digest[0] in capsys.readouterr().out
    restored = tmp_path / "restored"
    assert main(["restore", str(dump), "--store-path", str(restored)]) == 0
    assert same(_open(disk_store_dir), _open(restored))


def test_store_folder_backup_and_restore(tmp_path: Path, disk_store_dir: Path,
                                         same: Callable[[Store, Store], bool]) -> None:
    folder = tmp_path / "backup-folder"
    result = backup(Settings(store_path=disk_store_dir), folder)
    assert result.kind == "store" and result.quads == _open(disk_store_dir).quad_count()
    assert same(_open(disk_store_dir), _open(folder))  # usable as a store as it is
    restored = tmp_path / "restored"
    restore(Settings(store_path=restored), folder)
    assert same(_open(disk_store_dir), _open(restored))


def test_a_backup_while_a_server_holds_the_store(tmp_path: Path, disk_store_dir: Path,
                                                 same: Callable[[Store, Store], bool]) -> None:
    server = OxigraphStore(disk_store_dir)  # holds the store's lock, as a running server does
    try:
        backup(Settings(store_path=disk_store_dir), tmp_path / "live.nq")
        with pytest.raises(StoreUnavailable, match="in use"):
            restore(Settings(store_path=disk_store_dir), tmp_path / "live.nq", replace=True)
        restored = tmp_path / "restored"
        restore(Settings(store_path=restored), tmp_path / "live.nq")
        assert same(server, _open(restored))
    finally:
        server.close()


def test_a_damaged_backup_is_refused_and_the_store_kept(tmp_path: Path, disk_store_dir: Path,
                                                        same: Callable[[Store, Store], bool]) -> None:
    dump = tmp_path / "backup.nq"
    backup(Settings(store_path=disk_store_dir), dump)
    target = tmp_path / "target"
    restore(Settings(store_path=target), dump)
    data = dump.read_bytes()
    dump.write_bytes(data.replace(b"Japan", b"Japon", 1))
    with pytest.raises(BadRequest, match="checksum"):
        restore(Settings(store_path=target), dump, replace=True)
    assert same(_open(disk_store_dir), _open(target))


def test_restore_never_overwrites_unasked(tmp_path: Path, disk_store_dir: Path,
                                          same: Callable[[Store, Store], bool]) -> None:
    dump = tmp_path / "small.nq"
    small = OxigraphStore(tmp_path / "small")
    small.update("INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }")
    small.close()
    backup(Settings(store_path=tmp_path / "small"), dump)
    with pytest.raises(Conflict):
        restore(Settings(store_path=disk_store_dir), dump)
    assert _open(disk_store_dir).quad_count() > 1000
    assert main(["restore", str(dump), "--store-path", str(disk_store_dir), "--replace"]) == 0
    assert same(_open(disk_store_dir), _open(tmp_path / "small"))
    with pytest.raises(Conflict):
        backup(Settings(store_path=disk_store_dir), dump)  # a backup never overwrites either
    assert main(["backup", str(dump), "--store-path", str(disk_store_dir)]) == 1


def test_a_store_backup_needs_the_on_disk_store(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="--store-path"):
        backup(Settings(), tmp_path / "folder")
