"""RDF documents from clients: RDF/XML entities and JSON-LD remote contexts never reach a parser."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from mdkg.errors import BadRequest, RdfSyntaxError, UnsupportedMediaType
from mdkg.guard import inspect_document

RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
BODY = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/s"><e:p>{value}</e:p></rdf:Description></rdf:RDF>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "aaaaaaaaaa">\n'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
          + "]>\n" + BODY.format(value="&i;"))


def test_the_billion_laughs_would_expand_in_pyoxigraph() -> None:
    # Why the check exists: three levels already expand a 10-character entity a thousand times.
    small = LAUGHS.split("<!ENTITY d")[0] + "]>\n" + BODY.format(value="&c;")
    quads = list(ox.parse(small.encode(), format=ox.RdfFormat.RDF_XML))
    assert len(quads[0].object.value) == 1000


@pytest.mark.parametrize("document", [
    LAUGHS,
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + BODY.format(value="&x;"),
    '<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:9/rdf.dtd">' + BODY.format(value="x"),
    "<!-- a comment --><!  doctype r>" + BODY.format(value="x"),
    BODY.format(value="x").replace("<e:p>", "<!ENTITY a 'b'><e:p>"),
])
def test_rdf_xml_declarations_are_refused(document: str) -> None:
    with pytest.raises(BadRequest, match="declaration is refused") as caught:
        inspect_document(document.encode(), RDF_XML)
    assert caught.value.status == 400


@pytest.mark.parametrize(("data", "message"), [
    (('<?xml version="1.0" encoding="UTF-16"?>' + BODY.format(value="x")).encode("utf-16"), "must be UTF-8"),
    (('<?xml version="1.0" encoding="UTF-7"?>' + BODY.format(value="+ADw-!DOCTYPE")).encode(),
     "must be UTF-8, not 'UTF-7'"),
    (BODY.format(value="caf\xe9").encode("latin-1"), "must be UTF-8"),
])
def test_rdf_xml_must_be_utf8_so_nothing_hides_a_declaration(data: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        inspect_document(data, "application/xml")


def test_plain_rdf_xml_passes() -> None:
    inspect_document('<?xml version="1.0" encoding="utf-8"?>' + BODY.format(value="DOCTYPE &amp; ENTITY"),
                     RDF_XML)


@pytest.mark.parametrize(("document", "reference"), [
    ({"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/s"},
     "http://127.0.0.1:9/context.jsonld"),
    ({"@context": ["file:///etc/passwd", {"name": "http://schema.org/name"}]}, "file:///etc/passwd"),
    ({"@context": {"@import": "https://schema.org/", "name": "http://schema.org/name"}}, "https://schema.org/"),
    ({"@context": "context.jsonld"}, "context.jsonld"),
    ({"@context": {"knows": {"@id": "http://xmlns.com/foaf/0.1/knows",
                             "@context": "http://127.0.0.1:9/scoped.jsonld"}}},
     "http://127.0.0.1:9/scoped.jsonld"),
    ({"@graph": [{"@id": "http://example.org/s", "e:p": {"@context": "http://127.0.0.1:9/nested"}}]},
     "http://127.0.0.1:9/nested"),
])
def test_json_ld_remote_contexts_are_refused(document: object, reference: str) -> None:
    with pytest.raises(BadRequest, match="JSON-LD with a remote") as caught:
        inspect_document(json.dumps(document), JSON_LD)
    assert caught.value.detail == {"context": reference}


def test_json_ld_with_an_inline_context_passes() -> None:
    inspect_document(json.dumps({"@context": {"name": "http://schema.org/name", "@base": "http://example.org/"},
                                 "@id": "s", "name": "a @context in a value is only text"}), JSON_LD)


@pytest.mark.parametrize("data", [b"{not json", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe{}"])
def test_broken_json_ld_is_a_bad_request(data: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        inspect_document(data, JSON_LD)
    assert isinstance(caught.value, RdfSyntaxError) or "UTF-8" in caught.value.message


def test_formats_without_outside_references_pass_and_unknown_ones_are_415() -> None:
    inspect_document(b'<http://example.org/s> <http://example.org/p> "<!DOCTYPE" .', "text/turtle")
    with pytest.raises(UnsupportedMediaType):
        inspect_document(b"{}", "application/x-unknown")
