"""Results made readable: IRIs with their labels, for the HTML page and the plain-text table."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from mdkg.namespaces import PREFIXES
from mdkg.settings import CANONICAL_BASE_IRI
from mdkg.store import AskResult, GraphResult, QueryResult, SelectResult, Store, Term

_SAFE_IRI = re.compile(r'[^\x00-\x20<>"{}|^`\\]+')
_LABEL_BATCH = 200
_NUMERIC = {str(XSD.integer), str(XSD.decimal), str(XSD.double), str(XSD.float), str(XSD.int),
            str(XSD.long), str(XSD.nonNegativeInteger), str(XSD.positiveInteger)}
_LABEL_QUERY = """
SELECT ?s ?label WHERE {{
  VALUES ?s {{ {iris} }}
  {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }}
  UNION {{ GRAPH ?g {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }}
}}"""


def _language_rank(label: Literal) -> int:
    language = (label.language or "").lower()
    if language == "en" or language.startswith("en-"):
        return 0
    return 1 if not language else 2


def _preference(label: Literal) -> tuple[int, str]:
    return _language_rank(label), str(label)


def fetch_labels(store: Store, iris: Iterable[URIRef]) -> dict[URIRef, str]:
    """``rdfs:label`` of each IRI in any graph, English or untagged preferred."""
    # The IRIs come from the store's own results; the check only keeps a malformed one out of the text.
    wanted = sorted({iri for iri in iris if isinstance(iri, URIRef) and _SAFE_IRI.fullmatch(str(iri))})
    best: dict[URIRef, Literal] = {}
    for start in range(0, len(wanted), _LABEL_BATCH):
        batch = " ".join(f"<{iri}>" for iri in wanted[start:start + _LABEL_BATCH])
        result = store.select(_LABEL_QUERY.format(iris=batch))
        for subject, label in result.rows:
            if not isinstance(subject, URIRef) or not isinstance(label, Literal):
                continue
            current = best.get(subject)
            if current is None or _preference(label) < _preference(current):
                best[subject] = label
    return {iri: str(label) for iri, label in best.items()}


def label_columns(variables: Iterable[str]) -> dict[str, str]:
    """Which column holds the label of which: ``countryLabel`` or ``country_label`` label ``country``;
    a lone ``label`` column labels the first column."""
    names = list(variables)
    pairs: dict[str, str] = {}
    for name in names:
        for candidate in (f"{name}Label", f"{name}_label"):
            if candidate in names and candidate != name:
                pairs[name] = candidate
                break
    if "label" in names and names[0] != "label" and names[0] not in pairs and "label" not in pairs.values():
        pairs[names[0]] = "label"
    return pairs


def compact_iri(iri: str, base_iri: str = CANONICAL_BASE_IRI) -> str:
    """``mdo:Agreement`` for a known namespace (moved to ``base_iri``), else the IRI itself."""
    best = ""
    best_prefix = ""
    for prefix, namespace in PREFIXES.items():
        if namespace.startswith(CANONICAL_BASE_IRI):
            namespace = base_iri + namespace[len(CANONICAL_BASE_IRI):]
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, best_prefix = namespace, prefix
    local = iri[len(best):]
    if best and re.fullmatch(r"[\w.\-/]*", local) and not local.endswith("."):
        return f"{best_prefix}:{local}"
    return iri


@dataclass(frozen=True)
class Cell:
    text: str
    """What a reader sees: a label, a compact IRI or a literal's value."""
    iri: str | None = None
    """The IRI the cell stands for (a link target)."""
    numeric: bool = False
    language: str | None = None
    datatype: str | None = None

    @property
    def href(self) -> str | None:
        """A link target for web pages: only http(s) IRIs, so that data cannot inject ``javascript:``."""
        if self.iri and self.iri.startswith(("http://", "https://")):
            return self.iri
        return None


@dataclass(frozen=True)
class Presentation:
    """A result as a table of readable cells (ASK and CONSTRUCT results too)."""

    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    total_rows: int
    """Rows in the result; ``rows`` may hold fewer when the presentation was cut."""
    boolean: bool | None = None

    @property
    def truncated(self) -> bool:
        return len(self.rows) < self.total_rows


def _cell(term: Term | None, labels: Mapping[URIRef, str], given_label: Term | None, base_iri: str) -> Cell:
    if term is None:
        return Cell("")
    if isinstance(term, URIRef):
        label = str(given_label) if isinstance(given_label, Literal) else labels.get(term)
        return Cell(label or compact_iri(str(term), base_iri), iri=str(term))
    if isinstance(term, BNode):
        return Cell(f"_:{term}")
    datatype = str(term.datatype) if term.datatype is not None else None
    return Cell(str(term), numeric=datatype in _NUMERIC, language=term.language,
                datatype=None if datatype == str(XSD.string) else datatype)


def present(result: QueryResult, store: Store | None, *, base_iri: str = CANONICAL_BASE_IRI,
            max_rows: int | None = None) -> Presentation:
    """Turn a result into readable cells; labels are looked up in ``store`` unless a column gives them."""
    if isinstance(result, AskResult):
        return Presentation(("result",), [(Cell("true" if result.value else "false"),)], 1, result.value)
    if isinstance(result, GraphResult):
        variables: tuple[str, ...] = ("subject", "predicate", "object")
        rows: list[tuple[Term | None, ...]] = [tuple(t) for t in result.triples]
    else:
        assert isinstance(result, SelectResult)
        variables, rows = result.variables, result.rows
    shown_rows = rows if max_rows is None else rows[:max_rows]
    pairs = label_columns(variables)
    label_index = {column: variables.index(label) for column, label in pairs.items()}
    hidden = set(pairs.values())
    visible = [i for i, name in enumerate(variables) if name not in hidden]
    needing = {row[i] for row in shown_rows for i in visible
               if isinstance(row[i], URIRef) and not (variables[i] in label_index
                                                    and isinstance(row[label_index[variables[i]]], Literal))}
    labels = fetch_labels(store, needing) if store is not None and needing else {}
    cells = [
        tuple(_cell(row[i], labels, row[label_index[variables[i]]] if variables[i] in label_index else None,
                    base_iri) for i in visible)
        for row in shown_rows
    ]
    return Presentation(tuple(variables[i] for i in visible), cells, len(rows))


def render_text_table(presentation: Presentation) -> str:
    """An aligned plain-text table, one line per row, with a closing row count."""
    if presentation.boolean is not None:
        return ("true" if presentation.boolean else "false") + "\n"
    header = list(presentation.columns)
    body = [[_one_line(cell.text) for cell in row] for row in presentation.rows]
    widths = [max([len(header[i])] + [len(row[i]) for row in body]) for i in range(len(header))]
    numeric = [bool(presentation.rows) and all(row[i].numeric or not row[i].text for row in presentation.rows)
               for i in range(len(header))]

    def line(values: list[str]) -> str:
        padded = [value.rjust(width) if right else value.ljust(width)
                  for value, width, right in zip(values, widths, numeric, strict=True)]
        return "  ".join(padded).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in body]
    count = presentation.total_rows
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split()) if ("\n" in text or "\t" in text or "\r" in text) else text
