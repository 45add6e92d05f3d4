"""SHACL validation for the shapes tests, through mdkg's own validator when it is there.

``mdkg.validation`` is what ``mdkg validate`` runs: the files plus the reference data as data graph,
the ontology as pyshacl's ``ont_graph``, no RDFS inference (pyshacl follows ``rdfs:subClassOf`` for
``sh:class`` and ``sh:targetClass`` on its own; inferring types from ``rdfs:range`` would let an
untyped or wrongly typed party pass ``sh:class mdo:Party``). Without that module the same
validation is run with pyshacl directly, so these tests do not depend on it. The whole dataset is
also validated with RDFS inference, in which it must give the same verdict.

Fixtures:

* ``shacl_validate``   ``(files) -> list[Finding]``: validate files with the ontology, the reference
  data and the corpus fixtures (parsed once: the corpus has over a hundred examples)
* ``plain_pyshacl_validate`` the same with pyshacl alone (the fallback)
* ``dataset_findings`` the results for the whole dataset, once per validator configuration
* ``shapes_graph``     every ``shapes/*.ttl`` in one rdflib graph
* ``project``          the project's :class:`Settings`
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from mdkg.settings import Settings
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef

try:
    from mdkg import validation as _mdkg_validation
except ImportError:  # the validator module is optional for these tests
    _mdkg_validation = None

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/mdkg/shapes#"
CORPUS_FIXTURES = sorted((Path(__file__).parent / "_fixtures").glob("*.ttl"))
# The parts of mdkg.validation these tests use; without any of them, pyshacl is called directly.
_MDKG_VALIDATION_API = ("validate_files", "validate_graph", "load_ontology", "load_shapes")
MDKG_VALIDATOR_AVAILABLE = _mdkg_validation is not None and all(
    hasattr(_mdkg_validation, name) for name in _MDKG_VALIDATION_API)


@dataclass(frozen=True)
class Finding:
    severity: str
    """``Violation``, ``Warning`` or ``Info``."""
    focus: str
    message: str
    shape: str
    """Local name of the named shape (``mds:<shape>``) whose constraint produced it, or ``""``."""


_SHAPE_NAME = re.compile(r"(?:shapes#|mds:)(\w+)")


def _named_owner(shapes: Graph, shape: object) -> str:
    """The named shape a (possibly blank, nested) shape belongs to."""
    node = shape
    for _hop in range(5):
        if isinstance(node, URIRef):
            return str(node)[len(SHAPES_NS):] if str(node).startswith(SHAPES_NS) else ""
        if not isinstance(node, BNode):
            return ""
        owners = sorted(shapes.subjects(None, node), key=str)
        if not owners:
            return ""
        node = owners[0]
    return ""


def parse_all(paths: Sequence[Path], into: Graph | None = None) -> Graph:
    graph = Graph() if into is None else into
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def ontology_files(settings: Settings) -> list[Path]:
    return sorted(settings.ontology_dir.glob("*.ttl"))


def reference_files(settings: Settings) -> list[Path]:
    return sorted((settings.graph_dir / "reference").glob("*.ttl"))


def source_files(settings: Settings) -> list[Path]:
    return sorted((settings.graph_dir / "sources").glob("*.ttl"))


def shapes_files(settings: Settings) -> list[Path]:
    return sorted(settings.shapes_dir.glob("*.ttl"))


def run_pyshacl(data: Graph, shapes: Graph, ontology: Graph, inference: str) -> list[Finding]:
    """pyshacl as the brief of the graph asks: ontology as ``ont_graph``, SHACL-AF on, all severities."""
    _conforms, report, _text = pyshacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference=inference,
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
    )
    findings = []
    for result in report.objects(None, SH.result):
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal))
        findings.append(Finding(
            severity=str(severity).rsplit("#", 1)[-1] if isinstance(severity, URIRef) else "Violation",
            focus=str(report.value(result, SH.focusNode)),
            message="; ".join(messages),
            shape=_named_owner(shapes, report.value(result, SH.sourceShape)),
        ))
    return findings


def _from_mdkg_report(report: object) -> list[Finding]:
    findings = []
    for result in report.results:  # type: ignore[attr-defined]
        named = _SHAPE_NAME.search(result.source_shape or "")
        findings.append(Finding(severity=result.severity, focus=str(result.focus_node),
                                message=result.message, shape=named.group(1) if named else ""))
    return findings


class CorpusValidator:
    """Validates example files with the ontology, reference data and corpus fixtures (parsed once)."""

    def __init__(self, settings: Settings, use_mdkg: bool = MDKG_VALIDATOR_AVAILABLE) -> None:
        self.use_mdkg = use_mdkg
        if self.use_mdkg:
            self.ontology = _mdkg_validation.load_ontology(settings)
            self.shapes = _mdkg_validation.load_shapes(settings)
        else:
            self.ontology = parse_all(ontology_files(settings))
            self.shapes = parse_all(shapes_files(settings))
        # The ontology is data too: pyshacl's ont_graph mixes in class and property axioms only, and
        # the concepts of the controlled vocabularies (with their skos:inScheme) are individuals.
        self.base = parse_all([*ontology_files(settings), *reference_files(settings), *CORPUS_FIXTURES])

    def __call__(self, files: Sequence[Path]) -> list[Finding]:
        data = parse_all(files, into=_copy(self.base))
        if self.use_mdkg:
            report = _mdkg_validation.validate_graph(data, self.shapes, ontology=self.ontology, inplace=True)
            return _from_mdkg_report(report)
        return run_pyshacl(data, self.shapes, _copy(self.ontology), inference="none")


@pytest.fixture(scope="session")
def project() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def shacl_validate(project: Settings) -> CorpusValidator:
    return CorpusValidator(project)


@pytest.fixture(scope="session")
def plain_pyshacl_validate(project: Settings) -> CorpusValidator:
    """The validator used when mdkg.validation is absent, to check it against the primary one."""
    return CorpusValidator(project, use_mdkg=False)


DATASET_VALIDATORS = ("mdkg.validation", "pyshacl inference=rdfs", "pyshacl inference=none")


@pytest.fixture(scope="session", params=DATASET_VALIDATORS)
def dataset_findings(request: pytest.FixtureRequest, project: Settings) -> list[Finding]:
    """The results of validating the whole dataset (ontology + reference + sources), per configuration."""
    name = request.param
    if name == "mdkg.validation":
        if not MDKG_VALIDATOR_AVAILABLE:
            pytest.skip("mdkg.validation is not available; the pyshacl configurations still run")
        return _from_mdkg_report(_mdkg_validation.validate_files(project))
    ontology = parse_all(ontology_files(project))
    data = parse_all([*ontology_files(project), *reference_files(project), *source_files(project)])
    return run_pyshacl(data, parse_all(shapes_files(project)), ontology, inference=name.rsplit("=", 1)[-1])


@pytest.fixture(scope="session")
def shapes_graph(project: Settings) -> Graph:
    return parse_all(shapes_files(project))
