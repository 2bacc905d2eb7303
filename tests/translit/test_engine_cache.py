"""The engine's graph files: built once into the cache, rebuilt when missing, truncated, of other weights or of an
older format (never used as they are), refused in one line when they cannot be written, and built once when two
processes load the same model at the same moment."""
from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import onnx
import pytest
from model_helpers import random_batch, tiny

from seqlab.errors import SeqlabError
from seqlab.translit.decoding.search import beam_search
from seqlab.translit.engine.cache import graph_folder, load_network
from seqlab.translit.engine.graphs import FORMAT_KEY, WEIGHTS_KEY
from seqlab.translit.model.checkpoint import save_weights

OPTIONS = dict(cell="lstm", attention="luong", encoder_layers=2, decoder_layers=2, bidirectional=True)
LOGGER = "seqlab.translit.engine.cache"


def same_beams(torch_model, onnx_model) -> bool:
    batch = random_batch(5, seed=4)
    beams, onnx_beams = (beam_search(m, batch.source, batch.source_lengths, beam_size=3) for m in (torch_model,
                                                                                                     onnx_model))
    return all([h.tokens for h in a] == [h.tokens for h in b] and
               all(abs(x.log_prob - y.log_prob) < 1e-4 for x, y in zip(a, b)) for a, b in zip(beams, onnx_beams))


def damage(kind: str, step: Path, weights: Path) -> str:
    """Spoil the built step graph (or the weights it came from) one way; returns what the rebuild must say."""
    if kind == "truncated":
        step.write_bytes(step.read_bytes()[: step.stat().st_size // 2])
        return "is corrupt"
    if kind == "deleted":
        step.unlink()
        return "is missing"
    if kind == "older format":
        graph = onnx.load(str(step))
        next(p for p in graph.metadata_props if p.key == FORMAT_KEY).value = "0"
        onnx.save(graph, str(step))
        return f"is stale: its {FORMAT_KEY} is '0'"
    save_weights(tiny(seed=8, **OPTIONS), weights)  # the run was trained further: same path, new weights
    return f"is stale: its {WEIGHTS_KEY}"


@pytest.mark.parametrize("kind", ["truncated", "deleted", "older format", "other weights"])
def test_a_spoilt_graph_is_rebuilt_never_used(tmp_path, caplog, kind):
    caplog.set_level(logging.INFO, logger=LOGGER)
    weights = tmp_path / "model.safetensors"
    model = tiny(seed=1, **OPTIONS)
    save_weights(model, weights)
    assert same_beams(model, load_network(model, weights))
    step = graph_folder(weights) / "step.onnx"
    built = step.read_bytes()
    caplog.clear()
    reason = damage(kind, step, weights)
    if kind == "other weights":
        model = tiny(seed=8, **OPTIONS)
        assert not same_beams(tiny(seed=1, **OPTIONS), model)  # so the old graph would give other answers
    rebuilt = load_network(model, weights)
    assert [r.message for r in caplog.records if "building" in r.message and reason in r.message], caplog.text
    assert same_beams(model, rebuilt)
    assert (step.read_bytes() == built) == (kind != "other weights")  # export is deterministic
    caplog.clear()
    load_network(model, weights)  # and now used as it is
    assert not caplog.records


def test_graphs_that_cannot_be_written_are_a_one_line_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(blocker))
    model = tiny(**OPTIONS)
    save_weights(model, tmp_path / "model.safetensors")
    with pytest.raises(SeqlabError, match=r"cannot write the ONNX Runtime graphs to .*not-a-folder.*; set "
                       "SEQLAB_CACHE_DIR to a writable folder, or use --backend torch") as error:
        load_network(model, tmp_path / "model.safetensors")
    assert "\n" not in str(error.value)


LOADER = """
import logging, sys, time
from pathlib import Path
from safetensors.torch import load_file
from seqlab.translit.config import ModelConfig
from seqlab.translit.engine.cache import load_network
from seqlab.translit.model.network import Seq2Seq

logging.basicConfig(level=logging.INFO, format="%(message)s")
folder = Path(sys.argv[1])
model = Seq2Seq(ModelConfig(source_vocab=12, target_vocab=15, embedding_size=8, hidden_size=16, **OPTIONS)).eval()
model.load_state_dict(load_file(str(folder / "model.safetensors")))
(folder / f"ready-{sys.argv[2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
load_network(model, folder / "model.safetensors")
print("loaded")
""".replace("**OPTIONS", ", ".join(f"{k}={v!r}" for k, v in OPTIONS.items()))


def test_two_processes_loading_at_once_build_the_graphs_once(tmp_path):
    """`seqlab serve --workers N`: every worker loads the models at the same moment; one builds, the others wait
    for its lock and load what it built."""
    model = tiny(seed=5, **OPTIONS)
    save_weights(model, tmp_path / "model.safetensors")
    workers = [subprocess.Popen([sys.executable, "-c", LOADER, str(tmp_path), str(n)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for n in range(2)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in range(2)) and time.monotonic() < deadline:
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        time.sleep(0.01)
    (tmp_path / "go").touch()  # both start loading together
    results = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0] and all(out == "loaded\n" for out, _ in results), results
    assert sum(err.count("building the ONNX Runtime graphs") for _, err in results) == 1, results
    folder = graph_folder(tmp_path / "model.safetensors")
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "encoder.onnx", "forced.onnx", "search.onnx",
                                                        "step.onnx"]
    assert same_beams(model, load_network(model, tmp_path / "model.safetensors"))
