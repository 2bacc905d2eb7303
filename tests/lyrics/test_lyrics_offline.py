"""Without a network: an uncached hub id fails at once with one line, a cached one and a local folder load without
a single request. These run the CLI in a fresh process, because huggingface_hub reads HF_HUB_OFFLINE and HF_HOME
once at import and the test process runs with HF_HUB_OFFLINE=1 (conftest), which would hide the retries."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import seqlab

# Runs the CLI with every socket connection and name lookup refused and reported on stderr.
pytestmark = pytest.mark.slow  # each test starts its own Python process


NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    print("NETWORK USED", args[:2], file=sys.stderr)
    raise OSError("network disabled by the test")
socket.socket.connect = socket.getaddrinfo = socket.create_connection = refuse
from seqlab.cli import main
sys.exit(main(sys.argv[1:]))
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_offline(args: list[str], hf_home: Path, block_network: bool = False) -> tuple[int, str, str, float]:
    """(exit code, stdout, stderr, seconds) of `seqlab ARGS` in a new process whose hub is a closed local port."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_HOME=str(hf_home), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(Path(seqlab.__file__).parents[1]), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-c", NO_NETWORK] if block_network else [sys.executable, "-m", "seqlab.cli"]
    start = time.perf_counter()
    done = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - start


def test_unreachable_hub_fails_fast_with_one_line(lyrics_dir, tmp_path):
    """Issue 9 #29: `train --model gpt2` offline took ~28 s and printed 10 retry lines before the error."""
    out = tmp_path / "run"
    code, _, err, _ = run_offline(["lyrics", "train", str(lyrics_dir), "--model", "gpt2", "--output-dir",
                                  str(out), "--max-steps", "1"], tmp_path / "empty-hf-home")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("error: cannot load model 'gpt2'") and "unreachable" in lines[0]
    assert not out.exists()


def test_cached_hub_model_and_local_folder_load_without_any_request(tmp_path, tiny_model_dir):
    """A hub id found in the cache loads offline without retries; a local folder never touches the network."""
    snapshot = tmp_path / "hf" / "hub" / "models--seqlab-test--tiny-gpt2" / "snapshots" / ("0" * 40)
    shutil.copytree(tiny_model_dir, snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0" * 40)
    generate = ["lyrics", "generate", "--prompt", "Sunrise", "--max-length", "8", "--seed", "0", "--device", "cpu"]
    code, out, err, seconds = run_offline([*generate, "--model", "seqlab-test/tiny-gpt2"], tmp_path / "hf")
    assert code == 0 and out.startswith("Sunrise"), err
    assert "Retry" not in err and "thrown while requesting" not in err and seconds < 60, err
    code, out, err, _ = run_offline([*generate, "--model", str(tiny_model_dir)], tmp_path / "hf", block_network=True)
    assert code == 0 and out.startswith("Sunrise"), err
    assert "NETWORK USED" not in err
