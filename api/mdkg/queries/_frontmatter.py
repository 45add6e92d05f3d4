"""Split a ``.rq`` file into its ``#+`` YAML front matter and its SPARQL text, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from mdkg.errors import MdkgError

FRONT_MATTER_MARK = "#+"


class QueryDefinitionError(MdkgError):
    """A named-query file is malformed; the message names the file and the line.

    It is the server's configuration that is wrong, not the client's request, hence 500.
    """

    status = 500
    code = "query_definition"

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {problem}", detail={"file": file, "line": line, "problem": problem})
        self.file = file
        self.line = line
        self.problem = problem


class LinedMapping(dict[str, Any]):
    """A YAML mapping that remembers the file line of itself and of each of its keys."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True)
class SplitQuery:
    front_matter: LinedMapping
    sparql: str
    """The text after the front matter, exactly as in the file."""
    sparql_first_line: int
    """File line (1-based) on which ``sparql`` begins."""


def _loader_class(file: str, first_line: int) -> type[yaml.SafeLoader]:
    """A safe loader whose mappings are :class:`LinedMapping` with file line numbers."""

    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LinedMapping:
        mapping = LinedMapping()
        mapping.line = node.start_mark.line + first_line
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + first_line
            if not isinstance(key, str):
                raise QueryDefinitionError(file, line, f"keys must be names, got {key!r}")
            if key in mapping:
                raise QueryDefinitionError(file, line, f"{key!r} is given twice")
            mapping[key] = loader.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


def split_query_file(text: str, file: str) -> SplitQuery:
    """Read the leading ``#+`` lines as YAML; the rest of the text is the query."""
    lines = text.splitlines(keepends=True)
    yaml_lines: list[str] = []
    for line in lines:
        if not line.startswith(FRONT_MATTER_MARK):
            break
        content = line[len(FRONT_MATTER_MARK):]
        if content.strip() and not content.startswith((" ", "\t")):
            raise QueryDefinitionError(file, len(yaml_lines) + 1,
                                       f"front matter lines start with '{FRONT_MATTER_MARK} ' (a space after "
                                       f"the mark), got {line.rstrip()!r}")
        # One separating space is part of the mark; further indentation belongs to the YAML.
        yaml_lines.append(content[1:] if content.startswith(" ") else content.lstrip("\t"))
    sparql = "".join(lines[len(yaml_lines):])
    front_matter = _parse_yaml("".join(yaml_lines), file) if yaml_lines else _empty_mapping()
    return SplitQuery(front_matter, sparql, len(yaml_lines) + 1)


def _empty_mapping() -> LinedMapping:
    mapping = LinedMapping()
    mapping.line = 1
    mapping.key_lines = {}
    return mapping


def _parse_yaml(source: str, file: str) -> LinedMapping:
    try:
        data = yaml.load(source, Loader=_loader_class(file, 1))  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or str(error)
        raise QueryDefinitionError(file, line, f"front matter is not valid YAML: {problem}") from error
    except yaml.YAMLError as error:
        raise QueryDefinitionError(file, None, f"front matter is not valid YAML: {error}") from error
    if data is None:
        return _empty_mapping()
    if not isinstance(data, LinedMapping):
        raise QueryDefinitionError(file, 1, "front matter must be a mapping of keys (summary, params...)")
    return data
