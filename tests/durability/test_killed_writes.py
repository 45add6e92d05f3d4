"""kill -9 in the middle of a large write leaves the on-disk store wholly before or wholly after it.

A child process makes one validated write of ``TRIPLES`` triples (mdkg.writes.Writer.merge_graph) to a
copy of an on-disk store holding the project's dataset. One run goes to the end and measures how
long the commit takes; the others are killed at random moments of the commit (and one while the
write is still being tried and validated). After each kill the store is opened again (RocksDB
recovers) and must hold exactly the dataset it held before, or that dataset plus every new triple.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore

from ._large_write import LARGE_GRAPH

TRIPLES = 30_000
KILLS_DURING_COMMIT = 3
SCRIPT = Path(__file__).with_name("_large_write.py")
_LINE_TIMEOUT_S = 120.0


@dataclass
class Run:
    process: subprocess.Popen[str]
    lines: queue.Queue[str]

    @classmethod
    def start(cls, store_dir: Path) -> Run:
        process = subprocess.Popen([sys.executable, str(SCRIPT), str(store_dir), str(TRIPLES)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line.strip())

        threading.Thread(target=read, daemon=True).start()
        return cls(process, lines)

    def wait_for(self, prefix: str) -> float:
        """Block until a line starting with ``prefix``; returns the time it arrived."""
        deadline = time.monotonic() + _LINE_TIMEOUT_S
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise AssertionError(f"the writer never printed {prefix!r}") from None
            if line.startswith(prefix):
                return time.monotonic()

    def kill(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=_LINE_TIMEOUT_S)


def _state(store_dir: Path, baseline: Store, same: Callable[[Store, Store], bool]) -> str:
    """``before`` or ``after``; fails if the store is anything else."""
    store = OxigraphStore(store_dir)
    try:
        large = store.quad_count(LARGE_GRAPH) if LARGE_GRAPH in store.graphs() else 0
        if large == 0 and same(store, baseline):
            return "before"
        assert large == TRIPLES, f"{large} of {TRIPLES} triples survived: a partial write"
        store.clear(LARGE_GRAPH)  # what remains must be the dataset as it was
        assert same(store, baseline), "the dataset around the write changed"
        return "after"
    finally:
        store.close()


def test_a_killed_write_leaves_the_store_before_or_after(tmp_path: Path, disk_store_dir: Path,
                                                         same: Callable[[Store, Store], bool]) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    baseline = OxigraphStore()
    with_data = OxigraphStore(disk_store_dir, read_only=True)
    baseline.load(with_data.export(media_type="application/n-quads"), media_type="application/n-quads")
    with_data.close()

    def fresh_copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(disk_store_dir, target)
        return target

    # To the end: the write succeeds, and how long its commit takes tells where to aim.
    folder = fresh_copy("complete")
    run = Run.start(folder)
    committing = run.wait_for("committing")
    done = run.wait_for("done")
    assert run.process.wait(timeout=_LINE_TIMEOUT_S) == 0
    assert _state(folder, baseline, same) == "after"
    commit_s = done - committing

    outcomes: list[tuple[str, float, str]] = []
    # While the write is tried on the copy and validated: nothing reached the store yet.
    folder = fresh_copy("during-validation")
    run = Run.start(folder)
    run.wait_for("ready")
    assert run.kill() == -signal.SIGKILL
    outcomes.append(("validating", 0.0, _state(folder, baseline, same)))
    assert outcomes[-1][2] == "before", f"seed {seed}"

    for index in range(KILLS_DURING_COMMIT):
        folder = fresh_copy(f"kill-{index}")
        run = Run.start(folder)
        run.wait_for("committing")
        delay = rng.uniform(0.0, 0.8) * commit_s
        time.sleep(delay)
        killed = run.kill() == -signal.SIGKILL
        state = _state(folder, baseline, same)  # raises on anything but before/after
        outcomes.append(("commit" if killed else "finished", delay, state))
    landed = [outcome for outcome in outcomes if outcome[0] == "commit"]
    assert landed, f"no kill landed in a commit (seed {seed}, commit {commit_s:.2f} s): {outcomes}"
