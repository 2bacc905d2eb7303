"""Folders written by earlier seqlab versions keep working: config.json field names never change."""
from __future__ import annotations

import json
import shutil

from translit_helpers import LEGACY_RUN

from seqlab.cli import main


def test_a_run_directory_from_before_the_restructure_evaluates_identically(tmp_path, capsys):
    run = shutil.copytree(LEGACY_RUN, tmp_path / "run", ignore=shutil.ignore_patterns("expected_*", "data"))
    out = tmp_path / "out"
    code = main(["translit", "evaluate", "--model", str(run), "--data-dir", str(LEGACY_RUN / "data"), "--split",
                 "test", "--beam-size", "3", "--top-k", "3", "--json", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = json.loads((LEGACY_RUN / "expected_test_beam3_summary.json").read_text(encoding="utf-8"))
    assert {k: summary[k] for k in expected} == expected  # later releases may report more, never differently
    predictions = (out / "dakshina_hi_test_beam3_predictions.csv").read_text(encoding="utf-8")
    assert predictions == (LEGACY_RUN / "expected_test_beam3_predictions.csv").read_text(encoding="utf-8")
