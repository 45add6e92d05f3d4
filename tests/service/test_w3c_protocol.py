"""The W3C SPARQL 1.1 Protocol test suite, run against ``/sparql``.

The manifest (``shared/w3c/sparql11-protocol/manifest.ttl``) is data only; this module reads it with
rdflib and turns every ``mf:ProtocolTest`` into a pytest case named after it. Each case preloads the
graphs of its ``ut:graphData`` (under their ``rdfs:label``) and ``qt:data`` (into the default graph)
into a fresh store, sends its requests in order (``/sparql/`` becomes the endpoint's own path) and
checks the status class, then the result format and, for ASK, the boolean.

Update-side tests run on an instance with writes enabled (a write token, sent with every request):
each update goes through the validated write path, and the suite's own data (FOAF and Dublin Core
terms, which no shape targets) must pass it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from mdkg.web.sparql import ENDPOINT_PATH
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result
from rdflib.term import Node
from starlette.testclient import TestClient

SUITE_DIR = Settings().root.parent / "shared" / "w3c" / "sparql11-protocol"
MANIFEST = SUITE_DIR / "manifest.ttl"
WRITE_TOKEN = "w3c-suite-token"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

# What the manifest's mf:expectedFormat values admit, after the test descriptions
# ("expect one of: XML, JSON, CSV, TSV", "XML, JSON", "RDF/XML, Turtle, N-Triples, RDFa").
_BOOLEAN_TYPES = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml"}
_TABULAR_TYPES = {**_BOOLEAN_TYPES, "text/csv": "csv", "text/tab-separated-values": "tsv"}
_RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt",
              "application/xhtml+xml": "rdfa", "text/html": "rdfa"}


@dataclass(frozen=True)
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    status_classes: frozenset[int]
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    graphs: dict[str, Path] = field(default_factory=dict)
    default_graph_files: tuple[Path, ...] = ()
    requests: tuple[ProtocolRequest, ...] = ()

    @property
    def is_update(self) -> bool:
        """Update-side: named so by the suite, or any request carries an update."""
        return "update" in self.name or any(_carries_update(r) for r in self.requests)


def _carries_update(request: ProtocolRequest) -> bool:
    if "sparql-update" in request.headers.get("content-type", ""):
        return True
    params = parse_qsl(urlsplit(request.path).query)
    if request.body is not None and "urlencoded" in request.headers.get("content-type", ""):
        params += parse_qsl(request.body.decode("utf-8", "replace"))
    return any(name in ("update", "using-graph-uri", "using-named-graph-uri") for name, _ in params)


def _status_class(status: Node) -> int:
    # hts:StatusCode2xx -> 2
    return int(str(status).rsplit("StatusCode", 1)[1][0])


def _read_request(manifest: Graph, node: Node) -> ProtocolRequest:
    headers: dict[str, str] = {}
    headers_list = manifest.value(node, HT.headers)
    if headers_list is not None:
        for header in Collection(manifest, headers_list):
            name = str(manifest.value(header, HT.fieldName)).lower()
            headers[name] = str(manifest.value(header, HT.fieldValue))
    body_node = manifest.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(manifest.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(manifest.value(body_node, CNT.chars)).encode(encoding)
    response = manifest.value(node, HT.resp)
    boolean = manifest.value(response, MF.expectedBoolean)
    expected_format = manifest.value(response, MF.expectedFormat)
    path = str(manifest.value(node, HT.absolutePath))
    assert path.startswith("/sparql/"), path
    return ProtocolRequest(
        method=str(manifest.value(node, HT.methodName)),
        path=ENDPOINT_PATH + path[len("/sparql/"):],
        headers=headers,
        body=body,
        status_classes=frozenset(_status_class(s) for s in manifest.objects(response, MF.expectedStatus)),
        expected_format=None if expected_format is None else str(expected_format),
        expected_boolean=None if boolean is None else bool(boolean.toPython()),
    )


def read_manifest(path: Path) -> list[ProtocolTest]:
    manifest = Graph().parse(path, format="turtle", publicID=path.as_uri())
    root = manifest.value(predicate=RDF.type, object=MF.Manifest, any=False)
    tests: list[ProtocolTest] = []
    for entry in Collection(manifest, manifest.value(root, MF.entries)):
        assert isinstance(entry, URIRef)
        graphs = {
            str(manifest.value(data, RDFS.label)): Path(urlsplit(str(manifest.value(data, UT.graph))).path)
            for data in manifest.objects(entry, UT.graphData)
        }
        default_files = tuple(Path(urlsplit(str(f)).path) for f in manifest.objects(entry, QT.data))
        action = manifest.value(entry, MF.action)
        requests = tuple(_read_request(manifest, r)
                         for r in Collection(manifest, manifest.value(action, HT.requests)))
        tests.append(ProtocolTest(name=entry.fragment, title=str(manifest.value(entry, MF.name)),
                                  graphs=graphs, default_graph_files=default_files, requests=requests))
    return tests


def _cases() -> list[object]:
    if not MANIFEST.is_file():
        return [pytest.param(None, id="suite-missing",
                             marks=pytest.mark.skip(reason=f"W3C protocol suite not found at {SUITE_DIR}"))]
    return [
        pytest.param(test, id=test.name) for test in read_manifest(MANIFEST)
    ]


def _check_result(test: ProtocolTest, request: ProtocolRequest, content_type: str, body: bytes) -> None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if request.expected_format == "boolean":
        assert media_type in _BOOLEAN_TYPES, f"{test.name}: {media_type} is not a boolean result format"
        result = Result.parse(io.BytesIO(body), format=_BOOLEAN_TYPES[media_type])
        assert result.type == "ASK"
        if request.expected_boolean is not None:
            assert result.askAnswer is request.expected_boolean, test.title
    elif request.expected_format == "tabular":
        assert media_type in _TABULAR_TYPES, f"{test.name}: {media_type} is not a tabular result format"
        result = Result.parse(io.BytesIO(body), format=_TABULAR_TYPES[media_type])
        assert result.type == "SELECT"
        assert result.vars is not None and len(result.vars) > 0
    elif request.expected_format == "RDF":
        assert media_type in _RDF_TYPES, f"{test.name}: {media_type} is not an RDF format the test admits"
        Graph().parse(data=body, format=_RDF_TYPES[media_type])


@pytest.mark.parametrize("test", _cases())
def test_w3c_protocol(test: ProtocolTest) -> None:
    store = OxigraphStore()
    for label, file in test.graphs.items():
        store.load((SUITE_DIR / file.name).read_bytes(), media_type="application/n-triples", graph=label)
    for file in test.default_graph_files:
        store.load((SUITE_DIR / file.name).read_bytes(), media_type="application/n-triples")
    app = create_app(Settings(load_on_start=False, write_token=WRITE_TOKEN), store=store)
    with TestClient(app) as client:
        for request in test.requests:
            headers = {**request.headers, "authorization": f"Bearer {WRITE_TOKEN}"}
            response = client.request(request.method, request.path, headers=headers,
                                      content=request.body, follow_redirects=False)
            assert response.status_code // 100 in request.status_classes, (
                f"{test.name} ({test.title}): got {response.status_code} {response.text[:300]}")
            if response.status_code >= 400:
                error = json.loads(response.content)["error"]
                assert error["status"] == response.status_code and error["message"]
            else:
                _check_result(test, request, response.headers.get("content-type", ""), response.content)


@pytest.mark.skipif(not MANIFEST.is_file(), reason=f"W3C protocol suite not found at {SUITE_DIR}")
def test_every_manifest_entry_becomes_a_case() -> None:
    tests = read_manifest(MANIFEST)
    names = [t.name for t in tests]
    assert len(names) == len(set(names)) == 34  # the suite's README counts 34 protocol tests
    query_side = [t for t in tests if not t.is_update]
    assert {t.name for t in query_side} >= {"query_post_form", "query_dataset_default_graphs_get",
                                            "bad_query_method", "bad_multiple_queries",
                                            "bad_query_wrong_media_type", "bad_query_syntax"}
    assert all(t.requests for t in tests)
