"""Progress bars: drawn on a terminal (or when asked), never otherwise, and the library's long steps
report through them."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from mdkg.dataset import load_dataset
from mdkg.progress import enabled_for, reporting, stage, track
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import validate_files


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_reporting_nothing_is_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    items = list(track((i for i in range(4)), "numbers"))
    with stage("a step") as step:
        step.advance()
    assert items == [0, 1, 2, 3]
    assert capsys.readouterr() == ("", "")


def test_bars_when_enabled() -> None:
    out = io.StringIO()
    with reporting(enabled=True, stream=out) as shown:
        assert shown
        assert list(track(["a", "b", "c"], "letters")) == ["a", "b", "c"]
        with stage("thinking"):
            pass
    text = out.getvalue()
    assert "letters" in text and "3/3" in text
    assert "thinking …" in text


def test_a_stream_that_is_no_terminal_gets_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MDKG_PROGRESS", raising=False)
    out = io.StringIO()
    with reporting(stream=out) as shown:
        list(track(range(3), "numbers"))
    assert not shown and out.getvalue() == ""
    terminal = _Terminal()
    with reporting(stream=terminal) as shown:
        list(track(range(3), "numbers"))
    assert shown and "numbers" in terminal.getvalue()


@pytest.mark.parametrize(("value", "on_terminal", "on_pipe"), [("0", False, False), ("1", True, True),
                                                                ("", True, False)])
def test_environment_decides(monkeypatch: pytest.MonkeyPatch, value: str, on_terminal: bool,
                             on_pipe: bool) -> None:
    monkeypatch.setenv("MDKG_PROGRESS", value)
    assert enabled_for(_Terminal()) is on_terminal
    assert enabled_for(io.StringIO()) is on_pipe


def test_reporting_reaches_asyncio_tasks() -> None:
    """The server loads its store in the lifespan task of its event loop."""
    out = io.StringIO()

    async def work() -> list[int]:
        return await asyncio.create_task(asyncio.to_thread(lambda: list(track(range(2), "in a task"))))

    with reporting(enabled=True, stream=out):
        assert asyncio.run(work()) == [0, 1]
    assert "in a task" in out.getvalue()


def test_validation_and_loading_report_their_steps() -> None:
    out = io.StringIO()
    store = OxigraphStore()
    with reporting(enabled=True, stream=out):
        validate_files(Settings())
        load_dataset(store, Settings())
    store.close()
    text = out.getvalue()
    for label in ("parse the data files", "SHACL validation", "parse the dataset files",
                  "load into the store"):
        assert label in text


def _run(args: list[str], *, terminal: bool) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MDKG_PROGRESS"}
    command = [sys.executable, "-m", "mdkg.cli", *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
        return done.returncode, done.stdout, done.stderr
    controller, child = pty.openpty()
    process = subprocess.Popen(command, stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace"), ""


def test_the_command_line_draws_on_a_terminal_only(tmp_path: Path) -> None:
    code, stdout, stderr = _run(["validate"], terminal=False)
    assert code == 0 and "conforms" in stdout
    assert "SHACL validation" not in stderr and "\r" not in stderr
    code, seen, _ = _run(["validate"], terminal=True)
    assert code == 0 and "conforms" in seen
    assert "SHACL validation …" in seen and "parse the data files" in seen
