"""Multi-process training for real: `torchrun --nproc_per_node 2` on the CPU (gloo) trains one model.

Both ranks must end with the same weights (DDP keeps them in step), rank 0 alone writes the run folder (one
metrics.jsonl with each loss logged once, one saved model), and the saved model is the one both ranks hold.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ddp_train import weights_hash

from seqlab.io import read_jsonl
from seqlab.lyrics.model import load_trained

HERE = Path(__file__).parent


@pytest.mark.slow
def test_torchrun_two_cpu_processes_train_one_model(lyrics_dir, tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    assert torchrun, "torchrun comes with torch"
    work = tmp_path / "work"
    work.mkdir()
    out = work / "run"
    hashes = tmp_path / "hashes"
    hashes.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parents[2] / "src"), str(HERE), os.environ.get("PYTHONPATH", "")])}
    command = [torchrun, "--standalone", "--nproc_per_node", "2", str(HERE / "ddp_train.py"), str(hashes),
               "lyrics", "train", str(lyrics_dir), "--from-scratch", "--size", "tiny", "--output-dir", str(out),
               "--max-steps", "4", "--logging-steps", "1", "--block-size", "32", "--batch-size", "1",
               "--val-fraction", "0.3", "--lr", "1e-3", "--no-progress", "--seed", "3"]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = {path.name: path.read_text().split() for path in sorted(hashes.iterdir())}
    assert sorted(ranks) == ["rank0.sha256", "rank1.sha256"], ranks
    assert ranks["rank0.sha256"][:2] == ["2", "distributed"]  # the Trainer ran as DDP with world size 2
    assert ranks["rank0.sha256"] == ranks["rank1.sha256"]  # each rank saw other songs, yet they hold one model
    saved, _ = load_trained(str(out))
    assert weights_hash(saved) == ranks["rank0.sha256"][2]  # the folder holds the model both ranks trained
    assert sorted(p.name for p in work.iterdir()) == ["run"]  # one output folder, nothing else written
    losses = [m["step"] for m in read_jsonl(out / "metrics.jsonl") if "loss" in m]
    assert losses == [1, 2, 3, 4]  # logged once per step, by rank 0 only
    assert done.stdout.count("trained 4 steps") == 2  # each rank reports; rank 0 alone wrote files
