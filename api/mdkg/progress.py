"""Progress bars for long work (building, validating, loading), shown on a terminal only.

Library code marks its steps with :func:`stage` and :func:`track`; they cost nothing unless the
caller asked for progress with :func:`reporting` (the command line does, for every command). So a
test, a CI log, a notebook or the service's log never gets a bar: :func:`reporting` shows them only
when its stream is a terminal, unless told otherwise (``enabled=`` or ``MDKG_PROGRESS=0``/``1``).

The reporter lives in a context variable rather than in every function's signature: the steps are
deep inside library functions (validation inside a build, loading inside a server's start-up) that
should not all grow a parameter, and a context variable follows the work into asyncio tasks.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO, TypeVar

__all__ = ["Stage", "enabled_for", "reporting", "stage", "track"]

T = TypeVar("T")

_REFRESH_S = 0.2
"""How often a step without a count redraws its elapsed time."""


class Stage:
    """One step in progress; :meth:`advance` moves its bar when it has a total."""

    def __init__(self, bar: object | None = None) -> None:
        self._bar = bar

    def advance(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)  # type: ignore[attr-defined]


class _Reporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    @contextmanager
    def stage(self, label: str, total: int | None) -> Iterator[Stage]:
        from tqdm import tqdm

        if total is None:
            form = "{desc} … {elapsed}"
        else:
            form = "{desc} {bar:24} {n_fmt}/{total_fmt} [{elapsed}<{remaining}]"
        columns, lines = _size(self.stream)
        bar = tqdm(total=total, desc=label, file=self.stream, bar_format=form, leave=True,
                   ncols=columns, nrows=lines, mininterval=_REFRESH_S)
        stop = threading.Event()
        ticker = None
        if total is None:  # nothing advances it: redraw the clock meanwhile
            ticker = threading.Thread(target=_tick, args=(bar, stop), daemon=True, name="mdkg-progress")
            ticker.start()
        try:
            yield Stage(bar)
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
            bar.refresh()
            bar.close()


def _size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and lines; a pseudo-terminal may report zero of both, and tqdm would then
    hide its bars (as if below the bottom of the screen)."""
    try:
        size = os.get_terminal_size(stream.fileno())
        columns, lines = size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        columns, lines = 0, 0
    return (columns if columns >= 40 else 80), (lines if lines >= 5 else 24)


def _tick(bar: object, stop: threading.Event) -> None:
    while not stop.wait(_REFRESH_S):
        bar.refresh()  # type: ignore[attr-defined]


_reporter: ContextVar[_Reporter | None] = ContextVar("mdkg_progress_reporter", default=None)


def enabled_for(stream: TextIO) -> bool:
    """Whether bars should be drawn on ``stream``: ``MDKG_PROGRESS`` if set, else if it is a terminal."""
    forced = os.environ.get("MDKG_PROGRESS", "").strip().lower()
    if forced in ("0", "false", "no", "off"):
        return False
    if forced in ("1", "true", "yes", "on"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def reporting(enabled: bool | None = None, stream: TextIO | None = None) -> Iterator[bool]:
    """Draw the steps of the work done inside the block on ``stream`` (standard error by default).

    ``enabled=None`` decides by :func:`enabled_for`. Yields whether bars are drawn.
    """
    out = stream if stream is not None else sys.stderr
    show = enabled_for(out) if enabled is None else enabled
    token = _reporter.set(_Reporter(out) if show else None)
    try:
        yield show
    finally:
        _reporter.reset(token)


@contextmanager
def stage(label: str, total: int | None = None) -> Iterator[Stage]:
    """Mark a step of long work: with ``total``, a bar that :meth:`Stage.advance` moves; without, the
    label and the time spent. Does nothing unless a caller asked for progress."""
    reporter = _reporter.get()
    if reporter is None:
        yield Stage()
        return
    with reporter.stage(label, total) as step:
        yield step


def track(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items``, advancing a bar labelled ``label`` (its total from ``len`` if it has one)."""
    if _reporter.get() is None:
        yield from items
        return
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with stage(label, total) as step:
        for item in items:
            yield item
            step.advance()
