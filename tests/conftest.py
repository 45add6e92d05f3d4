"""Suite-wide guards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rdflib.term

# Taken when the suite starts, before any test or fixture has run owlrl.
_PRISTINE_LITERAL_CONVERSIONS = dict(rdflib.term._toPythonMapping)


@pytest.fixture(autouse=True)
def _restore_rdflib_literal_conversions() -> Iterator[None]:
    """Undo what owlrl (run by pyshacl's RDFS inference) leaves behind: after its closure it
    re-registers rdflib's lexical-to-Python conversions with its own functions, which changes how
    xsd:gYearMonth and other literals compare for the rest of the process."""
    rdflib.term._toPythonMapping.clear()
    rdflib.term._toPythonMapping.update(_PRISTINE_LITERAL_CONVERSIONS)
    yield
    rdflib.term._toPythonMapping.clear()
    rdflib.term._toPythonMapping.update(_PRISTINE_LITERAL_CONVERSIONS)
