"""Progress bars only where a person watches them: on a terminal, unless --no-progress.

Written to a log file (stderr not a terminal), each redraw of a tqdm bar is a new line: the GGUF conversion alone
printed 272 lines and the weight loading hundreds more. So bars show only when stderr is a terminal and the
command was not given --no-progress; otherwise a slow step says once, in one line, what it is doing.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager, redirect_stderr
from typing import Iterator

_wanted = True  # what the command asked for (--progress / --no-progress)


def bars_enabled(requested: bool | None = None) -> bool:
    """Whether to draw bars: asked for (this call's `requested`, else the command's flag) and stderr is a terminal."""
    wanted = _wanted if requested is None else requested
    return wanted and sys.stderr.isatty()


def set_progress(requested: bool) -> None:
    """The command's --progress/--no-progress, applied to transformers' and huggingface_hub's own bars too.

    transformers logs only errors, so an error found after loading stays one line; its "Loading weights" bar is off.
    """
    global _wanted
    import huggingface_hub.utils
    import transformers

    _wanted = requested
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    if bars_enabled():
        huggingface_hub.utils.enable_progress_bars()
    else:
        huggingface_hub.utils.disable_progress_bars()


@contextmanager
def quiet_step(message: str) -> Iterator[None]:
    """Run a step that draws its own tqdm bar (no way to pass disable=): without bars, say `message` once on stderr
    and send the bar to /dev/null; a bar is created with sys.stderr as it is at that moment."""
    if bars_enabled():
        yield
        return
    if _wanted:
        print(message, file=sys.stderr, flush=True)
    with open(os.devnull, "w", encoding="utf-8") as sink, redirect_stderr(sink):
        yield
