"""The ONNX Runtime engine gives the candidates and scores PyTorch gives, over the whole configuration matrix
(54 tiny models; exporting takes about 0.3 s each)."""
from __future__ import annotations

import sys
import threading
import time

import onnx
import pytest
import torch
from model_helpers import CONFIGS, config_id, random_batch, tiny

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.translit.data.corpus import load_split
from seqlab.translit.data.vocab import EOS_ID, PAD_ID, SOS_ID, UNK_ID, make_batch
from seqlab.translit.decoding.search import beam_search, greedy_decode, in_threads, score_targets, word_batches
from seqlab.translit.engine import beams as beams_module
from seqlab.translit.engine import resolve_backend
from seqlab.translit.engine.cache import graph_folder, load_network
from seqlab.translit.engine.graphs import QUANTIZED_KEY
from seqlab.translit.model.checkpoint import PRETRAINED_DIR, save_weights, weights_file
from seqlab.translit.transliterator import load_transliterator


def both(tmp_path, seed: int = 0, **options):
    """A tiny random model (a trained one never writes <pad>, <unk> or <sos>) and the same one in ONNX Runtime."""
    model = tiny(seed, **options)
    with torch.no_grad():
        model.output.bias[[PAD_ID, UNK_ID, SOS_ID]] = -1e4
    save_weights(model, tmp_path / "model.safetensors")
    return model, load_network(model, tmp_path / "model.safetensors")


def close(a: torch.Tensor, b: torch.Tensor) -> None:
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("options", CONFIGS, ids=config_id)
def test_onnx_runtime_decodes_as_pytorch(tmp_path, monkeypatch, options):
    """Encoder, greedy decoding, beam search (words leaving the batch at different steps; in the search graph,
    and step by step for seven words) and forced scoring: the same tokens, and log-probabilities equal to 1e-4,
    for batches of several sizes."""
    torch_model, onnx_model = both(tmp_path, seed=3, **options)
    searches = count_calls(onnx_model.searcher)
    batch = random_batch(7, seed=11)
    with torch.inference_mode():
        (memory, state), (onnx_memory, onnx_state) = (m.encode(batch.source, batch.source_lengths)
                                                      for m in (torch_model, onnx_model))
    close(onnx_memory.outputs, memory.outputs)
    for a, b in zip(*(s if isinstance(s, tuple) else (s,) for s in (onnx_state, state))):
        close(a, b)
    for rows, loop_max_rows in ((slice(0, 1), 40), (slice(0, 3), 40), (slice(0, 7), 40), (slice(0, 7), 0)):
        monkeypatch.setattr(beams_module, "LOOP_MAX_ROWS", loop_max_rows)
        source, lengths = batch.source[rows], batch.source_lengths[rows]
        (tokens, weights), (onnx_tokens, onnx_weights) = (greedy_decode(m, source, lengths, keep_attention=True)
                                                          for m in (torch_model, onnx_model))
        assert onnx_tokens.tolist() == tokens.tolist()
        assert (weights is None) == (onnx_weights is None) == (options["attention"] == "none")
        if weights is not None:
            close(onnx_weights, weights)
        beams, onnx_beams = (beam_search(m, source, lengths, beam_size=4, length_penalty=0.7)
                             for m in (torch_model, onnx_model))
        assert [[h.tokens for h in hyps] for hyps in onnx_beams] == [[h.tokens for h in hyps] for hyps in beams]
        close(torch.tensor([h.log_prob for hyps in onnx_beams for h in hyps]),
              torch.tensor([h.log_prob for hyps in beams for h in hyps]))
    assert searches == [1, 3, 7]  # each in one call; then the seven words step by step
    scores, onnx_scores = (score_targets(m, batch.source, batch.source_lengths, batch.target)
                           for m in (torch_model, onnx_model))
    close(onnx_scores, scores)


def count_calls(session) -> list[int]:
    """The words of each call of the search graph's session, as they happen."""
    sizes: list[int] = []
    run = session.run

    def counted(outputs, feeds, *args):
        sizes.append(int(feeds["limits"].shape[0] // feeds["beam"][0]))
        return run(outputs, feeds, *args)

    session.run = counted
    return sizes


def test_forced_scores_of_the_beams_own_outputs_are_the_beams_scores(tmp_path):
    """Lexicon candidates and rescorers go through forced decoding: in ONNX Runtime too it gives a beam
    hypothesis the log-probability the beam search gave it (including a hypothesis cut off at the length limit)."""
    _, model = both(tmp_path, seed=2, cell="lstm", attention="luong", encoder_layers=2, decoder_layers=2,
                    bidirectional=True)
    batch = random_batch(6, seed=9)
    beams = beam_search(model, batch.source, batch.source_lengths, beam_size=3)
    rows = [(row, h) for row, hyps in enumerate(beams) for h in hyps]
    sources = [batch.source[row, : int(batch.source_lengths[row])].tolist() for row, _ in rows]
    ended = [h.tokens + [EOS_ID] if h.length == len(h.tokens) + 1 else h.tokens for _, h in rows]
    forced = make_batch(list(range(len(rows))), sources, ended)
    scores = score_targets(model, forced.source, forced.source_lengths, forced.target)
    close(scores, torch.tensor([h.log_prob for _, h in rows]))


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_backend_switch_gives_the_same_candidates_and_names_itself(capsys):
    """`--backend torch` and `--backend onnx` (the default on a CPU) print the same candidates with the shipped
    model's full default decoding (beam 10, prior, lexicon, both rescorers)."""
    words = ["namaste", "kal", "pyaar", "dilli"]
    outputs = {}
    for backend in ("torch", "onnx", "auto"):
        code, out, _ = run_cli(capsys, "translit", "predict", "--top-k", "10", "--backend", backend, *words)
        assert code == 0
        outputs[backend] = out
    assert outputs["onnx"] == outputs["torch"] == outputs["auto"] and len(outputs["onnx"].splitlines()) == 4
    assert load_transliterator(rescorers=False).backend == "onnx"
    assert load_transliterator(rescorers=False, backend="torch").backend == "torch"


def test_backend_errors_are_one_line(capsys, monkeypatch):
    code, _, err = run_cli(capsys, "translit", "predict", "--backend", "tensorrt", "ghar")
    assert code == 2 and err.count("\n") == 1
    assert "--backend must be one of auto, torch, onnx, onnx-int8, got 'tensorrt'" in err
    with pytest.raises(SeqlabError, match="--dtype bfloat16 is PyTorch's; with --backend onnx use --dtype float32"):
        load_transliterator(backend="onnx", dtype="bfloat16")
    with pytest.raises(SeqlabError, match="--backend onnx runs on the CPU; use --device cpu"):
        resolve_backend("onnx", "cuda", "float32")
    assert resolve_backend("auto", "cuda", "float32") == "torch" and resolve_backend("auto", "cpu", "auto") == "onnx"
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the runtime were not installed
    code, _, err = run_cli(capsys, "translit", "predict", "--backend", "onnx", "ghar")
    assert code == 2 and err.count("\n") == 1
    assert "--backend onnx needs ONNX Runtime, which cannot be imported here" in err and "--backend torch" in err
    code, out, _ = run_cli(capsys, "translit", "predict", "--no-rescorers", "ghar")  # auto: PyTorch instead
    assert code == 0 and out == "घर\n"


def test_int8_weights_change_the_arithmetic_not_the_answers(shared_data):
    """`--backend onnx-int8` (ONNX Runtime's dynamic quantization of the matrix products and LSTM layers): the same
    best word for nearly every word, from graphs of their own that say they hold int8 weights."""
    words = [p.source for p in load_split("dakshina", "hi", "dev", str(shared_data))[0][:60]]
    int8, fp32 = (load_transliterator(rescorers=False, backend=b) for b in ("onnx-int8", "onnx"))
    assert (int8.backend, int8.dtype_name, fp32.backend, fp32.dtype_name) == ("onnx-int8", "int8", "onnx", "float32")
    same = sum(a == b for a, b in zip(int8.transliterate(words, 5), fp32.transliterate(words, 5)))
    assert same >= 57, same
    graph = onnx.load(str(graph_folder(weights_file(PRETRAINED_DIR)) / "step.int8.onnx"))
    assert {p.key: p.value for p in graph.metadata_props}[QUANTIZED_KEY] == "true"
    assert "DynamicQuantizeLSTM" in {node.op_type for node in graph.graph.node}


def test_batches_decoded_in_threads_give_what_one_thread_gives(shared_data):
    """More words than one batch, with two decode threads (ONNX Runtime's default with two cores): the batches are
    word_batches' length-sorted ones, decoded in two threads at once, and every word gets the candidates and
    log-probabilities (to 1e-4: forced-scoring batches hold other rows) that one thread gives it."""
    words = [p.source for p in load_split("dakshina", "hi", "dev", str(shared_data))[0][:45]]
    translit = load_transliterator(batch_size=8)
    threads: set[int] = set()
    batches: list[list[str]] = []

    def decode(batch: list[str]) -> list[str]:
        threads.add(threading.get_ident())
        batches.append(batch)
        time.sleep(0.05)  # so that both threads take a batch
        return [w.upper() for w in batch]

    assert in_threads(translit.vocabs, words, 8, 2, decode) == [w.upper() for w in words]
    expected = [[words[i] for i in batch.index.tolist()] for batch in word_batches(translit.vocabs, words, 8,
                                                                                    torch.device("cpu"))]
    assert sorted(batches) == sorted(expected) and len(threads) == 2
    translit.decode_threads = 2
    threaded = translit.scored_candidates(words, 10)
    translit.decode_threads = 1
    serial = translit.scored_candidates(words, 10)
    assert [[c.word for c in found] for found in threaded] == [[c.word for c in found] for found in serial]
    for found_threaded, found_serial in zip(threaded, serial):
        for a, b in zip(found_threaded, found_serial):
            assert abs(a.log_prob - b.log_prob) < 1e-4 and a.lexicon_count == b.lexicon_count
            assert all(abs(x - y) < 1e-4 for x, y in zip(a.rescores, b.rescores)) and len(a.rescores) == 2
