"""Where data lives: an explicit path, then $SEQLAB_DATA_DIR, then ./data (then, per dataset, a download)."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SEQLAB_DATA_DIR"


def candidate_roots(explicit: str | os.PathLike | None) -> list[tuple[str, Path]]:
    """The places to look, in priority order, each with the name of the option that chose it."""
    if explicit:
        return [("--data-dir", Path(explicit).expanduser())]
    roots: list[tuple[str, Path]] = []
    if os.environ.get(ENV_VAR):
        roots.append((f"${ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    roots.append(("./data", Path("data")))
    return roots


def cache_dir() -> Path:
    """Downloads go here (override with $SEQLAB_CACHE_DIR)."""
    base = os.environ.get("SEQLAB_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "seqlab")
    return Path(base).expanduser()
