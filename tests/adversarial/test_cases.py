"""The adversarial suite: hostile requests read from ``cases/*.yaml``, each with the answer it must get.

Add a case by adding an entry to a YAML file of ``cases/`` (or a new file there)::

    - id: nesting-bomb-parentheses              # unique across all files; the pytest id
      about: why this request is hostile        # optional
      repeat: {OPEN: ["(", 5000]}               # optional: $OPEN in any request string = "(" * 5000
      writes: true                              # optional: updates enabled (as with a write token)
      backends: [oxigraph]                      # optional: default every backend of BACKENDS
      request:
        method: POST                            # default GET
        path: /sparql                           # default /sparql
        params: {query: "ASK {}"}               # URL query; a list of [name, value] pairs repeats names
        form: {update: "..."}                   # an application/x-www-form-urlencoded body
        body: "ASK {}"                          # a raw body, encoded with body_encoding (default utf-8;
        body_encoding: latin-1                  #   latin-1 turns "\\xff" into the byte 0xff)
        headers: {content-type: application/sparql-query}   # values sent as latin-1 bytes
      expect:
        status: 400
        message: "nesting too deep"             # a substring of error.message (error statuses)
        code: bad_request                       # optional: error.code
        body_lacks: ["root:"]                   # optional: substrings no response may contain

Every case also checks that no answer is a 500 and that every error is the JSON envelope
``{"error": {"status", "code", "message"[, "detail"]}}`` with the response's own status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from fastapi import FastAPI
from mdkg.settings import Settings
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore
from starlette.testclient import TestClient

CASES_DIR = Path(__file__).parent / "cases"
BACKENDS = ("oxigraph", "rdflib")
HELD_GRAPH = "http://example.org/g1"
DATA = (f'<http://example.org/s> <http://example.org/p> "in the default graph" .\n'
        f'<http://example.org/s> <http://example.org/p> "in g1" <{HELD_GRAPH}> .\n')
_CASE_KEYS = {"id", "about", "repeat", "writes", "backends", "request", "expect"}
_REQUEST_KEYS = {"method", "path", "params", "form", "body", "body_encoding", "headers"}
_EXPECT_KEYS = {"status", "message", "code", "body_lacks", "body_contains"}
_ENVELOPE_KEYS = {"status", "code", "message", "detail"}


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    request: dict[str, Any]
    status: int
    message: str | None = None
    code: str | None = None
    body_lacks: tuple[str, ...] = ()
    body_contains: tuple[str, ...] = ()
    writes: bool = False
    backends: tuple[str, ...] = BACKENDS
    repeat: dict[str, str] = field(default_factory=dict)


def _expand(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):
        return Template(value).safe_substitute(variables)
    if isinstance(value, list):
        return [_expand(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _expand(item, variables) for key, item in value.items()}
    return value


def _read_case(entry: dict[str, Any], file: str) -> Case:
    where = f"{file}: case {entry.get('id', '?')}"
    unknown = (set(entry) - _CASE_KEYS) | (set(entry.get("request", {})) - _REQUEST_KEYS) | (
        set(entry.get("expect", {})) - _EXPECT_KEYS)
    assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
    assert "id" in entry and "status" in entry.get("expect", {}), f"{where}: id and expect.status"
    repeat = {name: str(text) * int(times) for name, (text, times) in (entry.get("repeat") or {}).items()}
    expect = entry["expect"]
    backends = tuple(entry.get("backends", BACKENDS))
    assert set(backends) <= set(BACKENDS), f"{where}: backends are {BACKENDS}"
    if int(expect["status"]) >= 400:
        assert expect.get("message"), f"{where}: an error case names a message substring"
    return Case(
        id=str(entry["id"]), file=file, request=_expand(entry.get("request") or {}, repeat),
        status=int(expect["status"]), message=expect.get("message"), code=expect.get("code"),
        body_lacks=tuple(expect.get("body_lacks", ())), body_contains=tuple(expect.get("body_contains", ())),
        writes=bool(entry.get("writes", False)), backends=backends, repeat=repeat,
    )


def read_cases(directory: Path = CASES_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        assert isinstance(entries, list), f"{path.name}: a list of cases"
        cases += [_read_case(entry, path.name) for entry in entries]
    ids = [case.id for case in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"case ids used twice: {duplicates}"
    return cases


CASES = read_cases()


def _store(backend: str) -> Store:
    store: Store = OxigraphStore() if backend == "oxigraph" else RdflibStore()
    store.load(DATA, media_type="application/n-quads")
    return store


@pytest.fixture(scope="module", params=BACKENDS)
def backend_client(request: pytest.FixtureRequest) -> Iterator[tuple[str, TestClient]]:
    from mdkg.web.app import create_app

    app: FastAPI = create_app(Settings(load_on_start=False), store=_store(request.param))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield request.param, client


def send(client: TestClient, spec: dict[str, Any]) -> Any:
    headers = {name: str(value).encode("latin-1") for name, value in (spec.get("headers") or {}).items()}
    params = spec.get("params")
    if isinstance(params, list):
        params = [tuple(pair) for pair in params]
    content: bytes | None = None
    if "body" in spec:
        content = str(spec["body"]).encode(spec.get("body_encoding", "utf-8"))
    elif "form" in spec:
        form = spec["form"]
        pairs = form if isinstance(form, list) else list(form.items())
        content = urlencode([tuple(pair) for pair in pairs]).encode("ascii")
        headers.setdefault("content-type", b"application/x-www-form-urlencoded")
    return client.request(spec.get("method", "GET"), spec.get("path", "/sparql"), params=params,
                          content=content, headers=headers, follow_redirects=False)


def check_envelope(response: Any, where: str) -> dict[str, Any]:
    assert response.headers.get("content-type", "").startswith("application/json"), where
    body = json.loads(response.content)
    assert set(body) == {"error"}, f"{where}: {body}"
    error = body["error"]
    assert {"status", "code", "message"} <= set(error) <= _ENVELOPE_KEYS, f"{where}: {error}"
    assert error["status"] == response.status_code, where
    assert isinstance(error["code"], str) and error["code"], where
    assert isinstance(error["message"], str) and error["message"], where
    if "detail" in error:
        assert isinstance(error["detail"], dict | list), where
    return error


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_adversarial_case(case: Case, backend_client: tuple[str, TestClient],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    backend, client = backend_client
    if backend not in case.backends:
        pytest.skip(f"{case.id} runs on {', '.join(case.backends)}")
    if case.writes:
        from mdkg.web import sparql

        monkeypatch.setattr(sparql, "authorize_update", lambda request: None)
    response = send(client, case.request)
    where = f"{case.file}: {case.id} on {backend}"
    assert response.status_code != 500, f"{where}: 500 {response.text[:500]}"
    assert response.status_code == case.status, f"{where}: got {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        error = check_envelope(response, where)
        assert case.message is not None and case.message in error["message"], (
            f"{where}: {case.message!r} not in {error['message']!r}")
        if case.code is not None:
            assert error["code"] == case.code, where
    text = response.content.decode("utf-8", "replace")
    for lacking in case.body_lacks:
        assert lacking not in text, f"{where}: the response contains {lacking!r}"
    for expected in case.body_contains:
        assert expected in text, f"{where}: the response lacks {expected!r}"


def test_the_suite_holds_enough_cases() -> None:
    assert len(CASES) >= 30
    assert all(case.status != 500 for case in CASES)


def test_a_broken_case_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("- id: x\n  expect: {status: 400}\n  requets: {}\n")
    with pytest.raises(AssertionError, match="unknown keys"):
        read_cases(tmp_path)
    (tmp_path / "broken.yaml").write_text("- id: x\n  expect: {status: 400}\n")
    with pytest.raises(AssertionError, match="names a message substring"):
        read_cases(tmp_path)
