"""Run the OWL 2 RL closure on an N-Triples file and print what makes it inconsistent, as JSON.

Run as a separate process: importing owlrl changes how rdflib compares some typed literals
(xsd:gYearMonth among them) for the rest of the process, which would leak into other tests.
"""

from __future__ import annotations

import json
import sys

import owlrl
from rdflib import Graph, Namespace
from rdflib.namespace import OWL, RDF, RDFS

OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


def main(path: str) -> None:
    graph = Graph().parse(path, format="nt")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    problems = sorted(str(graph.value(node, OWLRL_ERRORS.error))
                      for node in graph.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage))
    problems += sorted(f"{s} is an individual of owl:Nothing" for s in graph.subjects(RDF.type, OWL.Nothing))
    empty = {*graph.subjects(RDFS.subClassOf, OWL.Nothing), *graph.subjects(OWL.equivalentClass, OWL.Nothing)}
    problems += sorted(f"{c} is equivalent to owl:Nothing" for c in empty - {OWL.Nothing})
    json.dump({"problems": problems, "size": len(graph)}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
