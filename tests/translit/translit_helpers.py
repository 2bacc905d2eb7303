"""Helpers for the transliteration tests (imported by test modules; fixtures live in conftest.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

from seqlab.cli import main

LEGACY_RUN = Path(__file__).resolve().parents[1] / "fixtures" / "run-before-restructure"  # a real trained model
TEST_DATA = LEGACY_RUN / "data"  # the Dakshina test split it was evaluated on


def write_dakshina(root: Path, splits: dict[str, list[tuple[str, str]]], lang: str = "hi") -> Path:
    """A Dakshina-layout folder (root/hi/lexicons/…) holding the given (roman, native) pairs."""
    folder = root / lang / "lexicons"
    folder.mkdir(parents=True, exist_ok=True)
    for split, pairs in splits.items():
        lines = [f"{native}\t{roman}\t1" for roman, native in pairs]
        (folder / f"{lang}.translit.sampled.{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """`seqlab ARGS…` in this process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    """Exit 2 and a single `error: …` line on stderr holding every fragment."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def edit_config(folder: Path, edit: Callable[[dict], None]) -> None:
    """Change a model folder's config.json in place."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    edit(config)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def evaluate(capsys, model: Path, *extra: str) -> tuple[int, str, str]:
    """`seqlab translit evaluate` of `model` on the test split of TEST_DATA."""
    return run_cli(capsys, "translit", "evaluate", "--model", str(model), "--data-dir", str(TEST_DATA),
                   "--out", str(model / "eval"), *extra)


def modules_loaded_by_help(commands: list[list[str]], modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has imported after `seqlab <command> --help`-style calls (each may
    exit): the CLI defers heavy imports to the command that needs them, so help stays fast."""
    code = ("import json, sys; from seqlab.cli import main\n"
            f"for args in {commands!r}:\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            f"print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])
