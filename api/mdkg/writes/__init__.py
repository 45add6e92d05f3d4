"""Writes that cannot corrupt the graph: validated against the shapes, committed whole or not at all.

Every write goes through a :class:`Writer` (one per store)::

    writer = Writer(store, settings)
    writer.update("INSERT DATA { ... }", base_iri="http://127.0.0.1:8000/sparql")
    writer.replace_graph(iri, turtle_bytes, "text/turtle")    # Graph Store Protocol PUT
    writer.merge_graph(iri, turtle_bytes, "text/turtle")      # POST
    writer.delete_graph(iri)                                  # DELETE
    writer.add_source(turtle_bytes)                           # a new <base>graph/source/<id>

Each one, in order:

1. **guard**: an update goes through :func:`mdkg.guard.inspect_request` (no ``SERVICE``, no
   ``LOAD``, no graphs from outside), a document through :func:`mdkg.guard.inspect_document` (no
   RDF/XML entities, no remote JSON-LD contexts);
2. **parse**: a syntax error is a 400 with line, column and the parser's message;
3. **try** the change, written as one SPARQL update: the quads it adds and removes. A client's
   update runs on an in-memory copy of the whole dataset; a change mdkg words itself (graphs
   dropped, quads inserted) is known from its quads, and the dataset after it is read through an
   overlay of the store (:class:`~mdkg.writes._staging.DataStaging`), nothing copied;
4. **validate** the nodes whose verdict those quads may change, found from what the shapes read
   (:mod:`mdkg.shape_reach`), on the part of the post-write dataset their shapes read
   (:func:`mdkg.validation.validate_focus`): the verdict a full validation would give them. A
   change of ``rdfs:subClassOf`` (or shapes that read without bound) is validated on the whole
   dataset. Any ``sh:Violation`` refuses the write (422, the report in ``detail``), warnings do not;
5. **commit**: the same update on the store, one transaction (pyoxigraph applies an update whole,
   on disk too, so a process killed mid-write leaves the store as it was before or after).

A refused write never touched the store. Writes are serialized by the writer's lock; queries run
meanwhile and see the store before or after a write, never half of one.
"""

from mdkg.writes._sources import SOURCE_ID
from mdkg.writes._validate import Verdict, WriteValidator
from mdkg.writes._writer import Writer, WriteResult

__all__ = ["SOURCE_ID", "Verdict", "WriteResult", "WriteValidator", "Writer"]
