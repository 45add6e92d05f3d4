"""The library write path (mdkg.writes.Writer): validated and committed whole, or refused, store untouched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mdkg.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    QuerySyntaxError,
    RdfSyntaxError,
    UnsupportedMediaType,
    ValidationFailed,
)
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore
from mdkg.writes import Writer, WriteValidator

from .conftest import SPARQL_PREFIXES, Snapshot

SOURCE_GRAPH = "https://w3id.org/mdkg/graph/source/"
EXISTING_SOURCE = "000_bede271d1d92b66d"


def test_a_valid_source_is_added_as_its_own_graph(writer: Writer, dataset_store: OxigraphStore,
                                                  new_source: Callable[..., str]) -> None:
    before = dataset_store.quad_count()
    result = writer.add_source(new_source("test-1"))
    assert result.source_id == "test-1" and result.created
    assert result.graph == SOURCE_GRAPH + "test-1"
    assert result.graph in dataset_store.graphs()
    assert dataset_store.quad_count(result.graph) == result.added > 10
    assert dataset_store.quad_count() == before + result.added
    assert result.focus_nodes > 0  # the shapes judged the new fact and document
    assert result.report.conforms


def test_a_violating_source_is_refused_and_nothing_is_written(
        writer: Writer, dataset_store: OxigraphStore, new_source: Callable[..., str],
        snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    with pytest.raises(ValidationFailed) as refused:
        writer.add_source(new_source("test-2", parties="id:japan"))  # an MOU needs two parties
    assert refused.value.status == 422
    violations = [r for r in refused.value.detail["results"] if r["severity"] == "Violation"]
    assert [(v["focus_node"], v["path"]) for v in violations] == [
        ("https://w3id.org/mdkg/id/test-japan-us-mou", "mdo:party")]
    assert "two parties" in violations[0]["message"]
    after = snapshot(dataset_store)
    assert after.same_as(before)
    assert SOURCE_GRAPH + "test-2" not in dataset_store.graphs()


def test_nodes_described_in_other_graphs_count(writer: Writer, new_source: Callable[..., str]) -> None:
    # The parties are mdo:State nodes of the reference graph: validating the new graph alone would
    # report sh:class violations for them. An undescribed party is a violation.
    assert writer.add_source(new_source("test-3")).report.conforms
    with pytest.raises(ValidationFailed) as refused:
        writer.add_source(new_source("test-4", fact="id:test-other-mou",
                                     parties="id:japan, id:nowhere-described"))
    assert any(r["value"] == "https://w3id.org/mdkg/id/nowhere-described"
               for r in refused.value.detail["results"])


def test_an_update_that_breaks_existing_facts_is_refused(
        writer: Writer, dataset_store: OxigraphStore, snapshot: Callable[..., Snapshot]) -> None:
    # Removing the type of the source document breaks every fact that cites it (sh:class): the facts
    # are affected although the update names none of them.
    before = snapshot(dataset_store)
    update = (SPARQL_PREFIXES + f"DELETE DATA {{ GRAPH <{SOURCE_GRAPH}{EXISTING_SOURCE}> {{ "
              f"<https://w3id.org/mdkg/id/source/{EXISTING_SOURCE}> a mdo:SourceDocument }} }}")
    with pytest.raises(ValidationFailed) as refused:
        writer.update(update)
    focus = {r["focus_node"] for r in refused.value.detail["results"] if r["severity"] == "Violation"}
    assert "https://w3id.org/mdkg/id/us-argentina-mou-or-framework" in focus
    assert snapshot(dataset_store).same_as(before)


def test_warnings_do_not_block(writer: Writer, dataset_store: OxigraphStore) -> None:
    # A reported count that names fewer members than it states, list not marked incomplete: a warning.
    update = SPARQL_PREFIXES + f"""PREFIX src: <https://w3id.org/mdkg/id/source/>
    INSERT DATA {{ GRAPH <{SOURCE_GRAPH}{EXISTING_SOURCE}> {{
        id:test-count a mdo:ReportedCount ; rdfs:label "3 test agreements"@en ; mdo:statedCount 3 ;
            mdo:countedClass mdo:MouOrFrameworkAgreement ; mdo:listIncomplete false ;
            mdo:namedMember id:us-argentina-mou-or-framework ;
            prov:wasDerivedFrom src:{EXISTING_SOURCE} ;
            mdo:evidence [ a mdo:Quotation ; prov:wasQuotedFrom src:{EXISTING_SOURCE} ; oa:exact "three" ] .
    }} }}"""
    before = dataset_store.quad_count()
    result = writer.update(update)
    assert result.added > 0 and dataset_store.quad_count() == before + result.added
    assert result.report.conforms
    assert any(w.severity == "Warning" and str(w.focus_node).endswith("test-count") for w in result.warnings)


def test_plain_data_that_no_shape_targets_is_written_without_pyshacl(writer: Writer,
                                                                     dataset_store: OxigraphStore) -> None:
    result = writer.update('INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/doc> a '
                           '<http://xmlns.com/foaf/0.1/Document> ; <http://purl.org/dc/terms/title> "x" } }')
    assert (result.added, result.removed, result.focus_nodes) == (2, 0, 0)
    assert dataset_store.quad_count("http://example.org/g") == 2


def test_update_syntax_error_has_line_and_message(writer: Writer, dataset_store: OxigraphStore,
                                                  snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    with pytest.raises(QuerySyntaxError) as error:
        writer.update("INSERT DATA {\n  <http://example.org/s> <http://example.org/p> \n}",
                      base_iri="http://127.0.0.1/sparql")
    # Line 3 of the client's text (the BASE line put before it does not count).
    assert error.value.status == 400
    assert error.value.detail["line"] == 3 and error.value.detail["message"]
    assert snapshot(dataset_store).same_as(before)


def test_relative_iris_resolve_against_the_base(writer: Writer, dataset_store: OxigraphStore) -> None:
    writer.update("INSERT DATA { GRAPH <http://example.org/g> { <s> <http://example.org/p> <o> } }",
                  base_iri="http://127.0.0.1:8000/sparql")
    rows = dataset_store.select("SELECT ?s WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }").rows
    assert [str(r[0]) for r in rows] == ["http://127.0.0.1:8000/s"]


def test_turtle_syntax_error_has_line_and_message(writer: Writer, dataset_store: OxigraphStore,
                                                  snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    with pytest.raises(RdfSyntaxError) as error:
        writer.replace_graph("http://example.org/g", b"<http://example.org/s> <http://example.org/p>\n"
                                                     b"  <http://example.org/o> ;; oops .", "text/turtle")
    assert error.value.detail["line"] == 2 and error.value.detail["message"]
    assert snapshot(dataset_store).same_as(before)


def test_documents_are_guarded_before_parsing(writer: Writer, dataset_store: OxigraphStore,
                                              snapshot: Callable[..., Snapshot]) -> None:
    before = snapshot(dataset_store)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    with pytest.raises(BadRequest, match="DOCTYPE"):
        writer.merge_graph("http://example.org/g", bomb, "application/rdf+xml")
    remote = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/s"}'
    with pytest.raises(BadRequest, match="remote"):
        writer.add_source(remote, "application/ld+json", source_id="x")
    with pytest.raises(UnsupportedMediaType):
        writer.replace_graph("http://example.org/g", b"", "application/trig")
    assert snapshot(dataset_store).same_as(before)


def test_updates_are_guarded(writer: Writer) -> None:
    with pytest.raises(Forbidden, match="LOAD"):
        writer.update("LOAD <http://127.0.0.1:9/data.ttl>")
    with pytest.raises(Forbidden, match="SERVICE"):
        writer.update("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")


def test_graph_store_operations(writer: Writer, dataset_store: OxigraphStore) -> None:
    graph = "http://example.org/g"
    put = writer.replace_graph(graph, b"<http://example.org/a> <http://example.org/p> 1, 2 .", "text/turtle")
    assert put.created and dataset_store.quad_count(graph) == 2
    merged = writer.merge_graph(graph, b'<http://example.org/a> <http://example.org/p> "3" .',
                                "application/n-triples")
    assert not merged.created and dataset_store.quad_count(graph) == 3
    replaced = writer.replace_graph(graph, b"<http://example.org/b> <http://example.org/p> 4 .",
                                    "text/turtle")
    assert (replaced.added, replaced.removed) == (1, 3) and dataset_store.quad_count(graph) == 1
    writer.delete_graph(graph)
    assert graph not in dataset_store.graphs()
    with pytest.raises(NotFound):
        writer.delete_graph(graph)


def test_a_source_is_added_once_then_replaced_on_request(writer: Writer, dataset_store: OxigraphStore,
                                                        new_source: Callable[..., str]) -> None:
    writer.add_source(new_source("test-5"))
    with pytest.raises(Conflict) as conflict:
        writer.add_source(new_source("test-5"))
    assert conflict.value.status == 409
    replaced = writer.add_source(new_source("test-5", fact="id:test-replacing-mou"), replace=True)
    assert not replaced.created and replaced.removed > 0
    subjects = {str(r[0]) for r in dataset_store.select(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{SOURCE_GRAPH}test-5> {{ ?s a ?t }} }}").rows}
    assert "https://w3id.org/mdkg/id/test-replacing-mou" in subjects
    assert "https://w3id.org/mdkg/id/test-japan-us-mou" not in subjects


@pytest.mark.parametrize(("given", "identifier", "outcome"), [
    (None, True, "test-6"),            # from dcterms:identifier
    (None, False, "test-6"),           # from the document's IRI
    ("test-6", True, "test-6"),        # agreeing
    ("other", True, "mismatch"),       # disagreeing
    ("../etc", False, "invalid"),
])
def test_the_source_id(new_source: Callable[..., str], given: str | None, identifier: bool,
                       outcome: str) -> None:
    from mdkg.formats import rdf_format
    from mdkg.namespaces import DatasetIris
    from mdkg.store._rdf_io import parse_rdf
    from mdkg.writes._sources import source_id_of

    quads = parse_rdf(new_source("test-6", identifier=identifier), rdf_format("text/turtle"))
    if outcome in ("mismatch", "invalid"):
        with pytest.raises(BadRequest):
            source_id_of(quads, DatasetIris(), given)
    else:
        assert source_id_of(quads, DatasetIris(), given) == outcome


def test_a_source_without_a_document_node_needs_an_id(writer: Writer) -> None:
    with pytest.raises(BadRequest, match="name the source"):
        writer.add_source(b"<http://example.org/s> <http://example.org/p> 1 .")
    assert writer.add_source(b"<http://example.org/s> <http://example.org/p> 1 .",
                             source_id="plain").graph == SOURCE_GRAPH + "plain"


def test_sources_move_to_the_deployment_base(dataset_store: OxigraphStore, validator: WriteValidator,
                                            new_source: Callable[..., str]) -> None:
    base = "http://127.0.0.1:8000/"
    store = OxigraphStore()
    store.load(dataset_store.export(media_type="application/n-quads").replace(
        b"https://w3id.org/mdkg/", base.encode()), media_type="application/n-quads")
    writer = Writer(store, Settings(base_iri=base), validator=WriteValidator(Settings(base_iri=base)))
    result = writer.add_source(new_source("test-7"))
    assert result.graph == base + "graph/source/test-7" and result.report.conforms
    assert store.ask(f"ASK {{ GRAPH <{result.graph}> {{ <{base}id/test-japan-us-mou> ?p ?o }} }}")


def test_nondeterministic_updates_commit_what_was_validated(writer: Writer,
                                                            dataset_store: OxigraphStore) -> None:
    result = writer.update('INSERT { GRAPH <http://example.org/g> { <http://example.org/s> '
                           '<http://example.org/at> ?now } } WHERE { BIND(STR(NOW()) AS ?now) }')
    assert result.added == 1 and dataset_store.quad_count("http://example.org/g") == 1
    # An existing blank node cannot be named in SPARQL: such a change is refused, not approximated.
    writer.update("INSERT DATA { GRAPH <http://example.org/h> { <http://example.org/s> "
                  "<http://example.org/p> [ <http://example.org/q> 1 ] } }")
    before = dataset_store.quad_count()
    with pytest.raises(BadRequest, match="blank nodes"):
        writer.update("DELETE { GRAPH ?g { ?b <http://example.org/q> 1 } } "
                      "INSERT { GRAPH ?g { ?b <http://example.org/q> ?r } } "
                      "WHERE { GRAPH ?g { ?b <http://example.org/q> 1 } BIND(RAND() AS ?r) }")
    assert dataset_store.quad_count() == before


def test_protocol_dataset_becomes_using_clauses(writer: Writer, dataset_store: OxigraphStore) -> None:
    from mdkg.store import QueryDataset

    writer.update("INSERT DATA { "
                  "GRAPH <http://example.org/a> { <http://example.org/s> a <http://example.org/C> } "
                  "GRAPH <http://example.org/b> { <http://example.org/t> a <http://example.org/C> } }")
    writer.update("INSERT { GRAPH <http://example.org/out> { ?s a <http://example.org/D> } } "
                  "WHERE { ?s a <http://example.org/C> }",
                  using=QueryDataset(default_graphs=("http://example.org/a",)))
    rows = dataset_store.select("SELECT ?s WHERE { GRAPH <http://example.org/out> { ?s ?p ?o } }").rows
    assert [str(r[0]) for r in rows] == ["http://example.org/s"]
    for update in ("WITH <http://example.org/a> INSERT { ?s a <http://example.org/E> } WHERE { ?s ?p ?o }",
                   "DELETE WHERE { ?s ?p ?o }",
                   "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"):
        with pytest.raises(BadRequest):
            writer.update(update, using=QueryDataset(default_graphs=("http://example.org/a",)))


def test_other_backends_commit_the_validated_change(validator: WriteValidator) -> None:
    store = RdflibStore()
    writer = Writer(store, Settings(), validator=validator)
    writer.update("INSERT DATA { GRAPH <http://example.org/g> { "
                  "<http://example.org/s> <http://example.org/p> 1, 2 ; "
                  "<http://example.org/q> [ <http://example.org/r> 3 ] } }")
    assert store.quad_count("http://example.org/g") == 4
    result = writer.update("DELETE WHERE { GRAPH <http://example.org/g> { <http://example.org/s> "
                           "<http://example.org/p> ?v } }")
    assert (result.added, result.removed) == (0, 2) and store.quad_count("http://example.org/g") == 2
