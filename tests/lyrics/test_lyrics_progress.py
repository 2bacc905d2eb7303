"""Progress bars only on a terminal: in a log, a step that draws a tqdm bar says once what it does, and
--no-progress silences it entirely."""
from __future__ import annotations

import io
import sys

from tqdm import tqdm

from seqlab.lyrics import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _step() -> None:
    for _ in tqdm(range(50), desc="converting"):
        pass


def test_bars_only_on_a_terminal_and_never_with_no_progress(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    progress.set_progress(True)
    assert not progress.bars_enabled()
    with progress.quiet_step("converting once"):
        _step()
    assert log.getvalue() == "converting once\n"  # one line instead of a bar
    progress.set_progress(False)
    with progress.quiet_step("converting once"):
        _step()
    assert log.getvalue() == "converting once\n"  # --no-progress: nothing more
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress.set_progress(True)
    assert progress.bars_enabled() and not progress.bars_enabled(False)
    with progress.quiet_step("converting once"):
        _step()
    assert "converting: 100%" in terminal.getvalue()
    progress.set_progress(True)
