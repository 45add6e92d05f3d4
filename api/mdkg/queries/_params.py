"""Named-query parameters: their declaration, their validation, and their RDF terms."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mdkg.errors import ParameterError
from mdkg.queries._frontmatter import LinedMapping, QueryDefinitionError
from mdkg.settings import CANONICAL_BASE_IRI

VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# RFC 3987 forbids these in an IRI; refusing them keeps a value from closing the IRI it lands in.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                        r"(Z|[+-][0-9]{2}:[0-9]{2})?")
_G_YEAR = re.compile(r"-?[0-9]{4,}")
_G_YEAR_MONTH = re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_TRUE = ("true", "1")
_FALSE = ("false", "0")
MAX_VALUE_CHARS = 4096

_DECLARATION_KEYS = ("type", "required", "default", "description", "enum", "prefix", "class",
                     "minimum", "maximum", "lang", "label")


class _BadValue(ValueError):
    """A raw value does not fit its type; the message says what was expected."""


@dataclass(frozen=True)
class ParameterType:
    name: str
    expected: str
    """What a valid value looks like, for error messages: ``'true or false'``, ``'an integer'``..."""
    openapi: dict[str, Any]
    input_type: str
    """The HTML ``<input type>`` that suits the type."""
    datatype: URIRef | None


PARAMETER_TYPES: dict[str, ParameterType] = {
    t.name: t
    for t in (
        ParameterType("iri", "an IRI", {"type": "string", "format": "iri"}, "text", None),
        ParameterType("string", "a string", {"type": "string"}, "text", XSD.string),
        ParameterType("lang-string", "a string, optionally suffixed with @language",
                      {"type": "string"}, "text", None),
        ParameterType("integer", "an integer", {"type": "integer"}, "number", XSD.integer),
        ParameterType("decimal", "a decimal number", {"type": "number"}, "text", XSD.decimal),
        ParameterType("boolean", "true or false", {"type": "boolean"}, "checkbox", XSD.boolean),
        ParameterType("date", "a date YYYY-MM-DD", {"type": "string", "format": "date"}, "date", XSD.date),
        ParameterType("dateTime", "a date-time YYYY-MM-DDThh:mm:ss",
                      {"type": "string", "format": "date-time"}, "text", XSD.dateTime),
        ParameterType("gYear", "a year YYYY", {"type": "string", "pattern": r"^-?[0-9]{4,}$"}, "text",
                      XSD.gYear),
        ParameterType("gYearMonth", "a year and month YYYY-MM",
                      {"type": "string", "pattern": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])$"}, "month",
                      XSD.gYearMonth),
    )
}


def rebase_iri(iri: str, base_iri: str) -> str:
    """Move an IRI under the canonical base to the deployment's base."""
    if base_iri != CANONICAL_BASE_IRI and iri.startswith(CANONICAL_BASE_IRI):
        return base_iri + iri[len(CANONICAL_BASE_IRI):]
    return iri


def _checked_iri(value: str) -> str:
    bad = _IRI_FORBIDDEN.search(value)
    if bad:
        raise _BadValue(f"an IRI without spaces or any of <>\"{{}}|^`\\ (found {bad.group()!r})")
    return value


@dataclass(frozen=True)
class QueryParameter:
    """One declared parameter; its name is the SPARQL variable it binds."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    """Raw default, validated like a request value."""
    description: str = ""
    label: str = ""
    enum: tuple[str, ...] = ()
    prefix: str | None = None
    """For ``iri``: a namespace that turns a short id (``japan``) into a full IRI."""
    class_iri: str | None = None
    """For ``iri``: the class the IRI should be an instance of."""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    lang: str | None = None
    """For ``lang-string``: the language of values given without ``@lang``."""
    base_iri: str = CANONICAL_BASE_IRI
    enum_terms: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def param_type(self) -> ParameterType:
        return PARAMETER_TYPES[self.type]

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ")

    def expected(self) -> str:
        """What a valid value looks like (for messages and form placeholders)."""
        if self.enum:
            return "one of " + ", ".join(self.enum)
        return self._expected_of_type()

    def _expected_of_type(self) -> str:
        if self.type == "iri" and self.prefix:
            return f"an IRI or a short id under <{self.prefix}>"
        return self.param_type.expected

    def to_term(self, raw: str) -> URIRef | Literal:
        """Validate one raw value and return its RDF term, or raise :class:`ParameterError`."""
        value = raw.strip() if self.type not in ("string", "lang-string") else raw
        try:
            if len(value) > MAX_VALUE_CHARS:
                raise _BadValue(f"at most {MAX_VALUE_CHARS} characters")
            term = _CONVERTERS[self.type](self, value)
        except _BadValue as problem:
            expected = str(problem) or self._expected_of_type()
            raise ParameterError(
                f"{self.name} must be {expected}, got {_shown(raw)}",
                detail={"parameter": self.name, "type": self.type, "value": raw[:200]},
            ) from None
        if self.enum_terms and term not in self.enum_terms:
            raise ParameterError(
                f"{self.name} must be one of {', '.join(self.enum)}, got {_shown(raw)}",
                detail={"parameter": self.name, "type": self.type, "value": raw[:200],
                        "allowed": list(self.enum)},
            )
        self._check_range(term, raw)
        return term

    def _check_range(self, term: URIRef | Literal, raw: str) -> None:
        if self.minimum is None and self.maximum is None:
            return
        number = Decimal(str(term))
        too_small = self.minimum is not None and number < self.minimum
        too_large = self.maximum is not None and number > self.maximum
        if too_small or too_large:
            bounds = []
            if self.minimum is not None:
                bounds.append(f">= {self.minimum}")
            if self.maximum is not None:
                bounds.append(f"<= {self.maximum}")
            raise ParameterError(f"{self.name} must be {' and '.join(bounds)}, got {_shown(raw)}",
                                 detail={"parameter": self.name, "type": self.type, "value": raw[:200]})

    def openapi_schema(self) -> dict[str, Any]:
        schema = dict(self.param_type.openapi)
        if self.type == "iri" and self.prefix:
            schema.pop("format", None)
        if self.enum:
            schema["enum"] = [_json_value(self, v) for v in self.enum]
        if self.default is not None:
            schema["default"] = _json_value(self, self.default)
        if self.minimum is not None:
            schema["minimum"] = _json_number(self.minimum)
        if self.maximum is not None:
            schema["maximum"] = _json_number(self.maximum)
        return schema

    def openapi_parameter(self) -> dict[str, Any]:
        description = self.description.strip()
        if self.type == "iri":
            extra = [f"short ids are taken under <{self.prefix}>" if self.prefix else "a full IRI"]
            if self.class_iri:
                extra.append(f"an instance of <{self.class_iri}>")
            description = (description + "\n\n" if description else "") + "IRI: " + "; ".join(extra) + "."
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": description,
            "schema": self.openapi_schema(),
        }

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (for the index and the CLI)."""
        described: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description.strip(),
        }
        if self.default is not None:
            described["default"] = _json_value(self, self.default)
        if self.enum:
            described["enum"] = [_json_value(self, v) for v in self.enum]
        if self.prefix:
            described["prefix"] = self.prefix
        if self.class_iri:
            described["class"] = self.class_iri
        return described


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 80 else raw[:77] + "...")


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _json_value(parameter: QueryParameter, raw: str) -> Any:
    if parameter.type == "boolean":
        return raw.lower() in _TRUE
    if parameter.type == "integer":
        return int(raw)
    if parameter.type == "decimal":
        return _json_number(Decimal(raw))
    return raw


def _to_iri(parameter: QueryParameter, value: str) -> URIRef:
    if not value:
        raise _BadValue()
    _checked_iri(value)
    # With a prefix declared, "source:x" is a short id; without one, any scheme makes an absolute IRI.
    if _is_absolute_iri(value) or (not parameter.prefix and _ABSOLUTE_IRI.match(value)):
        # A canonical IRI names the same thing on every deployment, so it is moved to this one's base.
        return URIRef(rebase_iri(value, parameter.base_iri))
    if parameter.prefix:
        return URIRef(parameter.prefix + value)
    raise _BadValue("an absolute IRI (such as https://...)")


def _to_string(parameter: QueryParameter, value: str) -> Literal:
    return Literal(value)


def _to_lang_string(parameter: QueryParameter, value: str) -> Literal:
    text, at, tag = value.rpartition("@")
    if at and _LANGUAGE_TAG.fullmatch(tag):
        return Literal(text, lang=tag.lower())
    return Literal(value, lang=parameter.lang or "en")


def _to_integer(parameter: QueryParameter, value: str) -> Literal:
    if not _INTEGER.fullmatch(value):
        raise _BadValue()
    return Literal(str(int(value)), datatype=XSD.integer)


def _to_decimal(parameter: QueryParameter, value: str) -> Literal:
    if not _DECIMAL.fullmatch(value):
        raise _BadValue()
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _BadValue() from None
    return Literal(str(number), datatype=XSD.decimal)


def _to_boolean(parameter: QueryParameter, value: str) -> Literal:
    lowered = value.lower()
    if lowered in _TRUE:
        return Literal("true", datatype=XSD.boolean)
    if lowered in _FALSE:
        return Literal("false", datatype=XSD.boolean)
    raise _BadValue()


def _checked_by(pattern: re.Pattern[str], check: Callable[[str], object] | None, datatype: URIRef
                ) -> Callable[[QueryParameter, str], Literal]:
    def convert(parameter: QueryParameter, value: str) -> Literal:
        if not pattern.fullmatch(value):
            raise _BadValue()
        if check is not None:
            try:
                check(value)
            except ValueError:
                raise _BadValue() from None
        return Literal(value, datatype=datatype)

    return convert


_CONVERTERS: dict[str, Callable[[QueryParameter, str], URIRef | Literal]] = {
    "iri": _to_iri,
    "string": _to_string,
    "lang-string": _to_lang_string,
    "integer": _to_integer,
    "decimal": _to_decimal,
    "boolean": _to_boolean,
    "date": _checked_by(_DATE, dt.date.fromisoformat, XSD.date),
    "dateTime": _checked_by(_DATE_TIME, lambda v: dt.datetime.fromisoformat(v.replace("Z", "+00:00")),
                            XSD.dateTime),
    "gYear": _checked_by(_G_YEAR, None, XSD.gYear),
    "gYearMonth": _checked_by(_G_YEAR_MONTH, None, XSD.gYearMonth),
}


def _yaml_scalar_to_raw(value: object) -> str:
    """YAML reads ``false``, ``3`` and ``2024-01-31`` as Python values; parameters start from text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(type(value).__name__)


def parse_declaration(name: str, declaration: object, *, file: str, line: int, base_iri: str,
                      prefixes: Mapping[str, str]) -> QueryParameter:
    """Build a :class:`QueryParameter` from its front-matter mapping, or raise with file and line."""

    def fail(problem: str, key: str | None = None) -> QueryDefinitionError:
        at = declaration.line_of(key) if key and isinstance(declaration, LinedMapping) else line
        return QueryDefinitionError(file, at, f"parameter {name}: {problem}")

    if not VARIABLE_NAME.fullmatch(name):
        raise QueryDefinitionError(file, line, f"parameter name {name!r} is not a SPARQL variable name "
                                   "(letters, digits and _)")
    if declaration is None:
        declaration = {}
    if not isinstance(declaration, dict):
        raise fail("the declaration must be a mapping (type, default, description...)")
    unknown = [key for key in declaration if key not in _DECLARATION_KEYS]
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}; known keys: {', '.join(_DECLARATION_KEYS)}", unknown[0])

    type_name = declaration.get("type", "string")
    if type_name not in PARAMETER_TYPES:
        raise fail(f"unknown type {type_name!r}; known types: {', '.join(PARAMETER_TYPES)}", "type")

    def text(key: str) -> str | None:
        value = declaration.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise fail(f"{key} must be text, got {value!r}", key)
        return value

    required = declaration.get("required", False)
    if not isinstance(required, bool):
        raise fail(f"required must be true or false, got {required!r}", "required")

    prefix = text("prefix")
    class_iri = text("class")
    if type_name != "iri":
        for key in ("prefix", "class"):
            if key in declaration:
                raise fail(f"{key} applies to iri parameters only", key)
    if prefix is not None:
        prefix = rebase_iri(_expand_curie(prefix, prefixes, allow_bare_prefix=True,
                                          fail=lambda problem: fail(problem, "prefix")), base_iri)
    if class_iri is not None:
        class_iri = rebase_iri(_expand_curie(class_iri, prefixes, allow_bare_prefix=False,
                                             fail=lambda problem: fail(problem, "class")), base_iri)
    lang = text("lang")
    if lang is not None and (type_name != "lang-string" or not _LANGUAGE_TAG.fullmatch(lang)):
        raise fail("lang applies to lang-string parameters and must be a language tag", "lang")

    bounds: dict[str, Decimal | None] = {}
    for key in ("minimum", "maximum"):
        value = declaration.get(key)
        if value is None:
            bounds[key] = None
            continue
        if type_name not in ("integer", "decimal"):
            raise fail(f"{key} applies to integer and decimal parameters only", key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"{key} must be a number, got {value!r}", key)
        bounds[key] = Decimal(str(value))

    try:
        enum_raw = tuple(_yaml_scalar_to_raw(v) for v in declaration.get("enum") or ())
        default_value = declaration.get("default")
        default_raw = None if default_value is None else _yaml_scalar_to_raw(default_value)
    except TypeError as error:
        raise fail(f"enum values and default must be plain values, not {error}",
                   "default" if "default" in declaration else "enum") from None
    if "enum" in declaration and not isinstance(declaration.get("enum"), list):
        raise fail("enum must be a list of values", "enum")
    if required and default_raw is not None:
        raise fail("a required parameter has no default (drop one of them)", "default")

    parameter = QueryParameter(
        name=name, type=type_name, required=required, default=default_raw,
        description=text("description") or "", label=text("label") or "", enum=enum_raw, prefix=prefix,
        class_iri=class_iri, minimum=bounds["minimum"], maximum=bounds["maximum"], lang=lang,
        base_iri=base_iri,
    )
    try:
        enum_terms = tuple(parameter.to_term(v) for v in enum_raw)
    except ParameterError as error:
        raise fail(f"enum value: {error.message}", "enum") from None
    parameter = replace(parameter, enum_terms=enum_terms)
    if default_raw is not None:
        try:
            parameter.to_term(default_raw)
        except ParameterError as error:
            raise fail(f"default: {error.message}", "default") from None
    return parameter


def _is_absolute_iri(value: str) -> bool:
    return "://" in value or value.startswith("urn:")


def _expand_curie(value: str, prefixes: Mapping[str, str], *, allow_bare_prefix: bool,
                  fail: Callable[[str], QueryDefinitionError]) -> str:
    """``mdo:State`` or a full IRI; with ``allow_bare_prefix``, ``id:`` stands for its namespace."""
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    head, colon, local = value.partition(":")
    if colon and head in prefixes and not _is_absolute_iri(value):
        value = prefixes[head] + local
    elif not _is_absolute_iri(value):
        hint = " or a known prefix followed by ':'" if allow_bare_prefix else ""
        raise fail(f"{value!r} is neither an absolute IRI nor a prefixed name with a known prefix{hint}")
    try:
        return _checked_iri(value)
    except _BadValue as problem:
        raise fail(f"{value!r} is not {problem}") from None
