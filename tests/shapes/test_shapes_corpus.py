"""The data-driven corpus of the shapes: ``tests/shapes/<ShapeName>/{valid,invalid}/*.ttl``.

Each example is validated with the ontology, the reference data and ``_fixtures/*.ttl`` (two
source documents and an event the examples refer to; see ``conftest.CorpusValidator``). A valid
example produces no result at all. An invalid one declares in its leading comments what it must produce::

    # expect: <a substring of the sh:message>     (one line per expected result)
    # severity: Warning                           (optional; Violation by default)

The expected message must be one of the messages of the shape whose folder holds the example, and
the result must come from that shape, so that an example cannot pass on another shape's complaint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

CORPUS = Path(__file__).parent
SHAPES_NS = "https://w3id.org/mdkg/shapes#"
SH = "http://www.w3.org/ns/shacl#"
SEVERITIES = ("Violation", "Warning", "Info")

VALID = sorted(CORPUS.glob("*/valid/*.ttl"))
INVALID = sorted(CORPUS.glob("*/invalid/*.ttl"))


def _example_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@dataclass(frozen=True)
class Expectation:
    messages: tuple[str, ...]
    severity: str


_DIRECTIVE = re.compile(r"^#\s*(expect|severity):\s*(.*?)\s*$")


def read_expectation(path: Path) -> Expectation:
    """The ``# expect:`` and ``# severity:`` lines of the comment block that opens the file."""
    messages: list[str] = []
    severity = "Violation"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _DIRECTIVE.match(line)
        if match is None:
            continue
        key, value = match.groups()
        if key == "expect":
            messages.append(value)
        else:
            severity = value
    return Expectation(tuple(messages), severity)


def named_shapes(shapes: Graph) -> set[str]:
    shape_types = (URIRef(SH + "NodeShape"), URIRef(SH + "PropertyShape"))
    return {str(s)[len(SHAPES_NS):] for t in shape_types for s in shapes.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(SHAPES_NS)}


def shape_messages(shapes: Graph, name: str) -> set[str]:
    """Every sh:message of a named shape, its property shapes and its SPARQL constraints."""
    messages: set[str] = set()
    seen: set[object] = set()
    pending: list[object] = [URIRef(SHAPES_NS + name)]
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for predicate, value in shapes.predicate_objects(node):  # type: ignore[arg-type]
            if predicate == URIRef(SH + "message") and isinstance(value, Literal):
                messages.add(str(value))
            elif isinstance(value, BNode):
                pending.append(value)
    return messages


_PLACEHOLDER = re.compile(r"\{[?$]\w+\}")


def message_fits(expected: str, message: str) -> bool:
    """``expected`` occurs in ``message``, or (for a SPARQL message template with ``{?var}``
    placeholders) begins some message the template can produce."""
    if expected in message:
        return True
    literals = _PLACEHOLDER.split(message)
    if len(literals) == 1:
        return False
    # Values substituted for placeholders (numbers, IRIs) hold no spaces.
    for covered in range(1, len(literals)):
        head = re.compile(r"\S+".join(re.escape(literal) for literal in literals[:covered]) + r"\S+")
        for split in range(len(expected) + 1):
            if head.fullmatch(expected[:split]) and literals[covered].startswith(expected[split:]):
                return True
    return False


# --------------------------------------------------------------------------- the corpus's layout


def test_corpus_is_not_empty() -> None:
    assert VALID and INVALID


def test_message_templates_are_matched_on_their_fixed_parts() -> None:
    template = "The source states {?stated} but names {?named}, and the list is not marked incomplete"
    assert message_fits("The source states 11 but names 10", template)
    assert message_fits("The source states 11 but names 10, and the list", template)
    assert not message_fits("The source names 10", template)
    assert not message_fits("54 stated", "The source states {?stated} but names {?named}")


def test_every_shape_has_valid_and_invalid_examples(shapes_graph: Graph) -> None:
    missing = [
        f"{name}/{kind}" for name in sorted(named_shapes(shapes_graph)) for kind in ("valid", "invalid")
        if not list((CORPUS / name / kind).glob("*.ttl"))
    ]
    assert not missing, f"shapes without corpus examples: {missing}"


def test_every_corpus_folder_names_a_shape(shapes_graph: Graph) -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders - named_shapes(shapes_graph) == set()


def test_fixtures_alone_give_no_result(shacl_validate) -> None:
    assert shacl_validate([]) == []


@pytest.mark.parametrize("path", INVALID, ids=_example_id)
def test_invalid_example_declares_a_message_of_its_shape(path: Path, shapes_graph: Graph) -> None:
    expectation = read_expectation(path)
    assert expectation.messages, f"{path.name} declares no '# expect: <message>' line"
    assert expectation.severity in SEVERITIES
    shape = path.parent.parent.name
    messages = shape_messages(shapes_graph, shape)
    for expected in expectation.messages:
        assert any(message_fits(expected, m) for m in messages), f"{expected!r}: not a message of mds:{shape}"


@pytest.mark.parametrize("path", VALID, ids=_example_id)
def test_valid_example_gives_no_result(path: Path, shacl_validate) -> None:
    assert read_expectation(path).messages == (), "valid examples expect nothing"
    findings = shacl_validate([path])
    assert findings == [], "\n".join(f"{f.severity}: {f.focus}: {f.message}" for f in findings)


@pytest.mark.parametrize("path", INVALID, ids=_example_id)
def test_invalid_example_is_rejected_with_its_message(path: Path, shacl_validate) -> None:
    expectation = read_expectation(path)
    findings = shacl_validate([path])
    produced = "\n".join(f"{f.severity} (mds:{f.shape}): {f.focus}: {f.message}" for f in findings)
    shape = path.parent.parent.name
    for expected in expectation.messages:
        assert any(expected in f.message and f.severity == expectation.severity and f.shape == shape
                   for f in findings), (
            f"expected a {expectation.severity} of mds:{shape} with {expected!r}; got:\n{produced}")


CROSS_CHECKED_SHAPES = ("CountMismatchShape", "MonetaryAmountShape")


@pytest.mark.parametrize("shape", CROSS_CHECKED_SHAPES)
def test_plain_pyshacl_agrees_with_the_primary_validator(shape: str, shacl_validate,
                                                         plain_pyshacl_validate) -> None:
    """The fallback used without mdkg.validation reaches the same results on the corpus."""
    if not shacl_validate.use_mdkg:
        pytest.skip("mdkg.validation is absent: plain pyshacl is the primary validator")

    def summary(findings: list) -> list[tuple[str, str, str]]:
        return sorted((f.severity, f.shape, f.message) for f in findings)

    for path in sorted((CORPUS / shape).glob("*/*.ttl")):
        assert summary(plain_pyshacl_validate([path])) == summary(shacl_validate([path])), path.name
