"""Reading a captured text, checking its digest, and placing quotes in it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from mdkg.sources import (
    MISMATCH,
    MISSING,
    UNCHECKED,
    VERIFIED,
    SourceTextCache,
    quote_anchor,
    read_source_text,
)

from ._project import DIGEST, DOC_ID, TEXT


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / f"{DOC_ID}.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def test_statuses(folder: Path) -> None:
    assert read_source_text(folder, DOC_ID, DIGEST).status == VERIFIED
    assert read_source_text(folder, DOC_ID, DIGEST.upper()).status == VERIFIED
    assert read_source_text(folder, DOC_ID, None).status == UNCHECKED
    assert read_source_text(folder, DOC_ID, "0" * 64).status == MISMATCH
    assert read_source_text(folder, "no_such_document", DIGEST).status == MISSING
    assert read_source_text(folder, None, DIGEST).status == MISSING


@pytest.mark.parametrize("identifier", ["../secret", "a/b", ".hidden", "x y", ""])
def test_identifiers_that_name_no_file_here_are_not_read(tmp_path: Path, identifier: str) -> None:
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    inner = tmp_path / "sources"
    inner.mkdir()
    assert read_source_text(inner, identifier, None).status == MISSING
    assert SourceTextCache(inner).get(identifier, None).status == MISSING


def test_a_mismatched_text_places_no_quote(folder: Path) -> None:
    text = read_source_text(folder, DOC_ID, "0" * 64)
    assert not text.usable
    shown = text.in_context("Alpha signed a pact with Beta")
    assert (shown.before, shown.after, shown.offset) == ("", "", None)
    assert shown.exact == "Alpha signed a pact with Beta"
    assert text.segments(["Alpha"]) == []
    assert text.coverage(["Alpha"]) is None


def test_quote_in_its_sentence(folder: Path) -> None:
    text = read_source_text(folder, DOC_ID, DIGEST)
    shown = text.in_context("a pact with Beta")
    assert shown.before == "Alpha signed "
    assert shown.after == " on March 3."  # the sentence ends there, not the line
    assert shown.offset == TEXT.index("a pact with Beta")
    second = text.in_context("said nothing")
    assert second.before == "Gamma, by contrast, "  # the previous sentence is left out
    assert second.after == "."
    whole = text.in_context("The pact covers lithium.")
    assert (whole.before, whole.after) == ("", "")
    quoted = text.in_context("said Delta")
    assert quoted.before == "\"We welcome it,\" "  # a closing quote does not end the sentence early


def test_long_context_is_trimmed_at_a_word(tmp_path: Path) -> None:
    words = " ".join(f"word{i}" for i in range(200))
    body = f"{words} KEY {words}"
    (tmp_path / "long.txt").write_text(body, encoding="utf-8")
    shown = read_source_text(tmp_path, "long", None).in_context("KEY")
    assert shown.before.startswith("…") and shown.after.endswith("…")
    assert len(shown.before) < 240 and len(shown.after) < 240
    assert shown.before.endswith(" ") and shown.before[1:].split(" ")[0].startswith("word")


def test_unknown_quote_is_shown_alone(folder: Path) -> None:
    shown = read_source_text(folder, DOC_ID, DIGEST).in_context("never said")
    assert not shown.located and shown.exact == "never said" and shown.before == shown.after == ""


def test_anchor_is_stable_and_distinct() -> None:
    assert quote_anchor("abc") == quote_anchor("abc")
    assert quote_anchor("abc") != quote_anchor("abd")
    assert quote_anchor("abc") == "q-" + hashlib.sha256(b"abc").hexdigest()[:12]


def test_segments_mark_overlapping_quotes(folder: Path) -> None:
    text = read_source_text(folder, DOC_ID, DIGEST)
    lines = text.segments(["Alpha signed a pact", "a pact with Beta"])
    assert ["".join(s.text for s in line) for line in lines] == TEXT.split("\n")
    line = lines[1]
    marked = [(s.text, s.quotes) for s in line if s.quotes]
    assert marked == [("Alpha signed ", 1), ("a pact", 2), (" with Beta", 1)]
    overlap = next(s for s in line if s.quotes == 2)
    assert overlap.anchor == quote_anchor("a pact with Beta")  # the shorter covering quote


def test_coverage_counts_visible_characters_once(folder: Path) -> None:
    text = read_source_text(folder, DOC_ID, DIGEST)
    visible = sum(1 for char in TEXT if not char.isspace())
    quote = "The pact covers lithium."
    expected = sum(1 for char in quote if not char.isspace()) / visible
    assert text.coverage([quote, quote, "The pact"]) == pytest.approx(expected)


def test_cache_rereads_a_changed_file(folder: Path) -> None:
    cache = SourceTextCache(folder)
    assert cache.get(DOC_ID, DIGEST).status == VERIFIED
    assert cache.get(DOC_ID, DIGEST) is cache.get(DOC_ID, DIGEST)
    (folder / f"{DOC_ID}.txt").write_text(TEXT + "edited\n", encoding="utf-8")
    assert cache.get(DOC_ID, DIGEST).status == MISMATCH
