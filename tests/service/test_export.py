"""``/export``, ``/export/{graph}`` and ``/.well-known/void`` on the fixture project."""

from __future__ import annotations

import gzip
import http.client
import shutil
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

PROJECT = Path(__file__).parents[1] / "validation" / "fixtures" / "project"
BASE = "https://w3id.org/mdkg/"
SOURCE_GRAPH = BASE + "graph/source/000_x"
VOID = Namespace("http://rdfs.org/ns/void#")
RDFLIB_FORMATS = {
    "trig": "trig", "nquads": "nquads", "jsonld": "json-ld",
    "turtle": "turtle", "ntriples": "nt", "rdfxml": "xml",
}
ADD_FRANCE = (f"INSERT DATA {{ GRAPH <{BASE}graph/reference> {{ <{BASE}id/state/FRA> "
              '<http://www.w3.org/2000/01/rdf-schema#label> "France"@en } }')
MEDIA_TYPES = {
    "trig": "application/trig", "nquads": "application/n-quads", "jsonld": "application/ld+json",
    "turtle": "text/turtle", "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml",
}


@pytest.fixture
def settings() -> Settings:
    return Settings(root=PROJECT, load_on_start=True)


def _source_graphs() -> dict[str, Graph]:
    graphs: dict[str, Graph] = {}
    for folder, name in (("ontology", lambda p: "ontology"), ("graph/sources", lambda p: f"source/{p.stem}"),
                         ("graph/reference", lambda p: "reference")):
        for path in sorted((PROJECT / folder).glob("*.ttl")):
            graphs.setdefault(BASE + "graph/" + name(path), Graph()).parse(path, format="turtle")
    return graphs


def _union(graphs: dict[str, Graph]) -> Graph:
    union = Graph()
    for graph in graphs.values():
        for triple in graph:
            union.add(triple)
    return union


def _named_graphs(body: bytes, fmt: str) -> dict[str, Graph]:
    dataset = Dataset()
    dataset.parse(data=body, format=RDFLIB_FORMATS[fmt])
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}


def _same_graphs(found: dict[str, Graph], expected: dict[str, Graph]) -> bool:
    return set(found) == set(expected) and all(isomorphic(found[k], expected[k]) for k in expected)


def test_default_export_is_trig_with_every_named_graph(client: TestClient) -> None:
    response = client.get("/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/trig")
    assert response.headers["content-disposition"] == 'attachment; filename="mdkg.trig"'
    assert _same_graphs(_named_graphs(response.content, "trig"), _source_graphs())


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_quads_formats_keep_the_graph_names(client: TestClient, fmt: str) -> None:
    response = client.get("/export", params={"format": fmt})
    assert response.headers["content-type"].startswith(MEDIA_TYPES[fmt])
    assert _same_graphs(_named_graphs(response.content, fmt), _source_graphs())


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "rdfxml"])
def test_triples_formats_hold_the_union(client: TestClient, fmt: str) -> None:
    response = client.get("/export", params={"format": fmt})
    assert response.headers["content-type"].startswith(MEDIA_TYPES[fmt])
    parsed = Graph().parse(data=response.content, format=RDFLIB_FORMATS[fmt])
    assert isomorphic(parsed, _union(_source_graphs()))


@pytest.mark.parametrize("fmt", sorted(MEDIA_TYPES))
def test_accept_header_chooses_the_format(client: TestClient, fmt: str) -> None:
    response = client.get("/export", headers={"Accept": f"{MEDIA_TYPES[fmt]}, */*;q=0.1"})
    assert response.headers["content-type"].startswith(MEDIA_TYPES[fmt])
    assert "Accept" in response.headers["vary"]


def test_unacceptable_and_unknown_formats(client: TestClient) -> None:
    refused = client.get("/export", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.json()["error"]["code"] == "not_acceptable"
    unknown = client.get("/export", params={"format": "yaml"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "invalid_parameter"


@pytest.mark.parametrize("path", ["source/000_x", "reference", "ontology"])
def test_one_named_graph(client: TestClient, path: str) -> None:
    response = client.get(f"/export/{path}")
    assert response.status_code == 200
    found = _named_graphs(response.content, "trig")
    iri = BASE + "graph/" + path
    assert list(found) == [iri]
    assert isomorphic(found[iri], _source_graphs()[iri])
    turtle = client.get(f"/export/{path}", params={"format": "turtle"})
    assert isomorphic(Graph().parse(data=turtle.content, format="turtle"), _source_graphs()[iri])
    expected_name = "mdkg-" + path.replace("/", "-") + ".ttl"
    assert turtle.headers["content-disposition"] == f'attachment; filename="{expected_name}"'


def test_an_unknown_graph_is_404(client: TestClient) -> None:
    response = client.get("/export/source/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("raw_path", [
    "/export/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/export/..%2F..%2Fpyproject.toml",
    "/export/%2Fetc%2Fpasswd",
    "/export/source%00",
    "/export/source/%2e%2e/%2e%2e/pyproject.toml",
    "/export/../../pyproject.toml",
    "/export/source/..%5c..%5cpyproject.toml",
    "/dist/..%2F..%2Fpyproject.toml",
    "/dist/%2e%2e/pyproject.toml",
])
def test_graph_names_never_reach_the_file_system(live_server: str, raw_path: str) -> None:
    # http.client sends the path byte for byte: no client-side normalisation of dot segments.
    host = urlsplit(live_server)
    connection = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=10)
    try:
        connection.request("GET", raw_path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status in (400, 404)
    assert b"[project]" not in body and b"root:" not in body


def test_etag_and_if_none_match(client: TestClient) -> None:
    first = client.get("/export")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get("/export")
    assert again.headers["etag"] == etag and again.content == first.content
    revalidated = client.get("/export", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == etag
    other = client.get("/export", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_formats_have_their_own_etags(client: TestClient) -> None:
    tags = {client.get("/export", params={"format": fmt}).headers["etag"] for fmt in MEDIA_TYPES}
    assert len(tags) == len(MEDIA_TYPES)


def test_if_modified_since(client: TestClient) -> None:
    first = client.get("/export")
    modified = first.headers["last-modified"]
    assert client.get("/export", headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert client.get("/export", headers={"If-Modified-Since": earlier}).status_code == 200


def test_a_change_gives_new_validators(client: TestClient, store: OxigraphStore) -> None:
    first = client.get("/export/reference")
    store.update(ADD_FRANCE)
    second = client.get("/export/reference", headers={"If-None-Match": first.headers["etag"],
                                                      "If-Modified-Since": first.headers["last-modified"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    assert b"France" in second.content
    assert parsedate_to_datetime(second.headers["last-modified"]) > parsedate_to_datetime(
        first.headers["last-modified"])
    # Only If-Modified-Since, at the old date: the new content is newer, so it is sent.
    again = client.get("/export/reference", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert again.status_code == 200
    # The untouched graph keeps its validators.
    source = client.get("/export/source/000_x")
    assert client.get("/export/source/000_x",
                      headers={"If-None-Match": source.headers["etag"]}).status_code == 304


def test_gzip_when_asked(client: TestClient) -> None:
    plain = client.get("/export", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = client.get("/export", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert zipped.content == plain.content  # httpx has decoded it
    assert zipped.headers["etag"] != plain.headers["etag"]
    refused = client.get("/export", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_gzip_bytes_on_the_wire(live_server: str) -> None:
    host = urlsplit(live_server)
    connection = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=10)
    try:
        connection.request("GET", "/export?format=nquads", headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.getheader("Content-Encoding") == "gzip"
    assert len(body) == int(response.getheader("Content-Length") or -1)
    text = gzip.decompress(body).decode()
    assert f"<{SOURCE_GRAPH}> ." in text


def test_head_has_the_headers_and_no_body(client: TestClient) -> None:
    response = client.head("/export")
    assert response.status_code == 200
    assert response.headers["etag"] == client.get("/export").headers["etag"]
    assert response.content == b""


# --------------------------------------------------------------------------- VoID


def _void(client: TestClient, **headers: str) -> Graph:
    response = client.get("/.well-known/void", headers=headers)
    assert response.status_code == 200
    fmt = "nt" if "n-triples" in response.headers["content-type"] else "turtle"
    return Graph().parse(data=response.content, format=fmt)


def test_void_is_turtle_by_default_and_counts_the_store(client: TestClient) -> None:
    response = client.get("/.well-known/void")
    assert response.headers["content-type"].startswith("text/turtle")
    void = Graph().parse(data=response.content, format="turtle")
    dataset = URIRef(BASE + ".well-known/void#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert void.value(dataset, VOID.triples) == Literal(len(_union(_source_graphs())))
    subsets = {str(s): int(void.value(s, VOID.triples)) for s in void.objects(dataset, VOID.subset)}
    assert subsets == {iri: len(g) for iri, g in _source_graphs().items()}
    dumps = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    assert dumps == {f"{BASE}export?format={fmt}" for fmt in MEDIA_TYPES}


def test_void_by_accept(client: TestClient) -> None:
    void = _void(client, Accept="application/n-triples")
    endpoint = void.value(URIRef(BASE + ".well-known/void#dataset"), VOID.sparqlEndpoint)
    assert endpoint == URIRef(BASE + "sparql")


def test_void_graph_dumps_resolve(client: TestClient) -> None:
    void = _void(client)
    dataset = URIRef(BASE + ".well-known/void#dataset")
    downloads = {str(s): str(void.value(s, VOID.dataDump)) for s in void.objects(dataset, VOID.subset)}
    assert set(downloads) == set(_source_graphs())
    for graph, url in downloads.items():
        response = client.get(url.removeprefix(BASE.rstrip("/")))
        assert response.status_code == 200
        assert list(_named_graphs(response.content, "trig")) == [graph]


def test_void_follows_the_store(client: TestClient, store: OxigraphStore) -> None:
    before = client.get("/.well-known/void")
    store.update(ADD_FRANCE)
    after = client.get("/.well-known/void", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    void = Graph().parse(data=after.content, format="turtle")
    expected = len(_union(_source_graphs())) + 1
    assert void.value(URIRef(BASE + ".well-known/void#dataset"), VOID.triples) == Literal(expected)


@pytest.fixture
def other_base_app(store: OxigraphStore) -> Iterator[TestClient]:
    from mdkg.web.app import create_app

    app: FastAPI = create_app(Settings(root=PROJECT, base_iri="http://127.0.0.1:9/kg/"), store=store)
    with TestClient(app) as client:
        yield client


def test_export_paths_follow_the_base(other_base_app: TestClient) -> None:
    response = other_base_app.get("/export/source/000_x", params={"format": "nquads"})
    assert response.status_code == 200
    assert "<http://127.0.0.1:9/kg/graph/source/000_x> ." in response.text
    assert BASE not in response.text


# --------------------------------------------------------------------------- /dist


@pytest.fixture
def built_project(tmp_path: Path) -> Settings:
    from mdkg.build import build_dist

    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    settings = Settings(root=root, load_on_start=False)
    build_dist(settings, settings.dist_dir)
    return settings


def test_dist_serves_the_built_files_that_void_links_to(built_project: Settings) -> None:
    from mdkg.web.app import create_app

    with TestClient(create_app(built_project, store=OxigraphStore())) as client:
        void = Graph().parse(built_project.dist_dir / "void.ttl", format="turtle")
        links = [str(d) for d in void.objects(URIRef(BASE + ".well-known/void#dataset"), VOID.dataDump)]
        assert len(links) == 6
        for link in links:
            response = client.get(link.removeprefix(BASE.rstrip("/")))
            assert response.status_code == 200
            name = link.rsplit("/", 1)[1]
            assert response.content == (built_project.dist_dir / name).read_bytes()
            assert response.headers["content-type"].startswith(MEDIA_TYPES[_FORMAT_OF_FILE[name]])
        sums = client.get("/dist/SHA256SUMS")
        assert sums.text == (built_project.dist_dir / "SHA256SUMS").read_text()
        etag = sums.headers["etag"]
        assert client.get("/dist/SHA256SUMS", headers={"If-None-Match": etag}).status_code == 304
        assert client.get("/dist/pyproject.toml").status_code == 404


def test_dist_before_a_build_is_404(tmp_path: Path) -> None:
    from mdkg.web.app import create_app

    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    with TestClient(create_app(Settings(root=root), store=OxigraphStore())) as client:
        response = client.get("/dist/mdkg.trig")
    assert response.status_code == 404
    assert "mdkg build" in response.json()["error"]["message"]


_FORMAT_OF_FILE = {"mdkg.trig": "trig", "mdkg.nq": "nquads", "mdkg.ttl": "turtle", "mdkg.nt": "ntriples",
                   "mdkg.jsonld": "jsonld", "mdkg.rdf": "rdfxml"}
