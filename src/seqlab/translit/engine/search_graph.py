"""The whole beam search of a few words as one ONNX graph: an ONNX `Loop` whose body is the step graph
(export.py) followed by the search's bookkeeping, so a short search makes one session call instead of one per step.

One word's search with the CLI's decoding spent as much time in Python between its 8 step calls (top-k, gathers,
the state's reorder: some 40 numpy calls a step) as in the steps themselves. In the loop the rule is `Beams`'
(decoding/search.py), step for step: a finished beam may only repeat <eos> at no cost, the k best one-character
extensions per word are kept (ONNX TopK: sorted, ties to the lower index, as `beams.top_k`), a beam finishes at
its <eos> or its word's length limit, and the loop stops when every beam has finished. Two differences, neither
of which changes a result: every row runs the network at every step (the dead beams of the first step and the
finished ones too: their log-probabilities are masked), and a word whose beams have all finished stays in the
batch until the last one finishes. That waste grows with the batch, so the runtime runs this graph for batches of
a few words only (`beams.LOOP_MAX_ROWS`).

What does not change from step to step runs once, before the loop: every node of the step graph whose inputs are
all loop-invariant (the gathers of each row's encoder memory, the attention mask and key transposes, constants)
is moved out of the body, and nodes whose outputs nothing reads (the attention weights) are dropped.

Inputs: the step graph's memory inputs (rows, outputs, mask, keys, as it has them), the initial `previous0`, `h0`
[, `c0`], `scores0` and `finished0` (N = W·k,), each row's `limits`, `beam` (1,) and `max_steps` (). Outputs: the
final `scores` (N,) and per step each word's `top_index` (steps, W, k): the k extensions kept, as flat indices
beam · V + character into the word's k·V, from which the caller reads each beam's characters and length back.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper
from onnx import helper as make

from seqlab.translit.data.vocab import EOS_ID

STATES = ("h", "c")  # the step graph's recurrent state inputs (c: an LSTM's), carried by the loop with `previous`


def search_graph(step: onnx.ModelProto, vocab: int) -> onnx.ModelProto:
    """The Loop graph around `step` (a step graph of export.py, float32 or int8) of a model with `vocab` output
    characters."""
    inputs = {i.name for i in step.graph.input}
    states = [name for name in STATES if name in inputs]
    memory = [i for i in step.graph.input if i.name not in ("previous", *STATES)]  # rows, outputs, mask, keys
    carried = ["previous", *states, "scores", "finished"]
    needed = ["log_probs", *(f"{name}_out" for name in states)]
    search_nodes = _invariants(vocab) + _bookkeeping(states)
    clashes = {o for n in step.graph.node for o in n.output} & {o for n in search_nodes for o in n.output}
    if clashes:  # the exporter names its values after modules ("/decoder/LSTM_output_0"): never expected
        raise ValueError(f"the step graph already has values named {sorted(clashes)}")
    outside = {*(i.name for i in memory), *(t.name for t in step.graph.initializer), "scores0", "beam"}
    hoisted, body_nodes = _hoist([*_live(step.graph.node, needed), *search_nodes], outside)
    body = make.make_graph(
        body_nodes, "search_step",
        [_value("i", TensorProto.INT64, []), _value("running", TensorProto.BOOL, []), *map(_carried, carried)],
        [_value("running_next", TensorProto.BOOL, []), *(_carried(name, "_next") for name in carried),
         _value("top_index", TensorProto.INT64)])
    loop = make.make_node("Loop", ["max_steps", "always", *(f"{name}0" for name in carried)],
                          [*(f"{name}_final" if name != "scores" else "scores" for name in carried), "top_indices"],
                          body=body)
    graph = make.make_graph(
        [_constant("always", np.array(True)), *hoisted, loop], "search",
        [*memory, *(_carried(name, "0") for name in carried), _value("limits", TensorProto.INT64),
         _value("beam", TensorProto.INT64, [1]), _value("max_steps", TensorProto.INT64, [])],
        [_value("scores", TensorProto.FLOAT), _value("top_indices", TensorProto.INT64)],
        initializer=list(step.graph.initializer))
    return make.make_model(graph, opset_imports=list(step.opset_import), ir_version=step.ir_version)


def _invariants(vocab: int) -> list[onnx.NodeProto]:
    """Constants and shapes of the bookkeeping, computed once before the loop (`_hoist` moves them out)."""
    eos_only = np.full((1, vocab), -np.inf, dtype=np.float32)
    eos_only[0, EOS_ID] = 0.0  # a finished beam may only repeat <eos>, at no cost
    node = make.make_node
    return [
        _constant("eos_only", eos_only), _constant("axis_1", np.array([1], np.int64)),
        _constant("flat", np.array([-1], np.int64)), _constant("vocab", np.array(vocab, np.int64)),
        _constant("vocab_1", np.array([vocab], np.int64)), _constant("eos", np.array(EOS_ID, np.int64)),
        _constant("zero", np.array(0, np.int64)), _constant("one", np.array(1, np.int64)),
        node("Mul", ["beam", "vocab_1"], ["beam_vocab"]),
        node("Concat", ["flat", "beam_vocab"], ["per_word"], axis=0),  # (N, V) → (W, k·V)
        node("Shape", ["scores0"], ["rows_1"]), node("Squeeze", ["rows_1"], ["rows_count"]),
        node("Squeeze", ["beam"], ["beam_count"]),
        node("Range", ["zero", "rows_count", "beam_count"], ["first_rows"]),  # (W,): each word's first row
        node("Unsqueeze", ["first_rows", "axis_1"], ["first_rows_column"]),   # (W,) → (W, 1)
    ]


def _bookkeeping(states: list[str]) -> list[onnx.NodeProto]:
    """After the step's nodes (log_probs (N, V), h_out [, c_out]): `ArrayBeams.extend` and the state's reorder."""
    node = make.make_node
    return [
        # totals (N, V) = score + log-prob of each extension; → (W, k·V): each word's k·V extensions in a row
        node("Unsqueeze", ["finished", "axis_1"], ["finished_column"]),
        node("Where", ["finished_column", "eos_only", "log_probs"], ["allowed"]),
        node("Unsqueeze", ["scores", "axis_1"], ["scores_column"]),
        node("Add", ["scores_column", "allowed"], ["totals"]),
        node("Reshape", ["totals", "per_word"], ["word_totals"]),
        node("TopK", ["word_totals", "beam"], ["top_scores", "top_index"], axis=1, largest=1, sorted=1),  # (W, k)
        # origin (N,): the row each new beam extends; previous_next (N,): the character it adds
        node("Div", ["top_index", "vocab"], ["beam_in_word"]),
        node("Add", ["first_rows_column", "beam_in_word"], ["word_origins"]),
        node("Reshape", ["word_origins", "flat"], ["origin"]),               # (W, k) → (N,)
        node("Mod", ["top_index", "vocab"], ["word_tokens"]),
        node("Reshape", ["word_tokens", "flat"], ["previous_next"]),         # (W, k) → (N,)
        node("Reshape", ["top_scores", "flat"], ["scores_next"]),            # (W, k) → (N,)
        # a beam finishes at the step that emits its <eos>, or at its word's length limit
        node("Gather", ["finished", "origin"], ["was_finished"], axis=0),
        node("Add", ["i", "one"], ["steps_taken"]),
        node("LessOrEqual", ["limits", "steps_taken"], ["at_limit"]),
        node("Equal", ["previous_next", "eos"], ["ended"]),
        node("Or", ["was_finished", "ended"], ["finished_or_ended"]),
        node("Or", ["finished_or_ended", "at_limit"], ["finished_next"]),
        # go on while a beam has not finished
        node("Cast", ["finished_next"], ["finished_count"], to=TensorProto.INT32),
        node("ReduceMin", ["finished_count"], ["all_finished_count"], keepdims=0),
        node("Cast", ["all_finished_count"], ["all_finished"], to=TensorProto.BOOL),
        node("Not", ["all_finished"], ["running_next"]),
        # the state follows its beam: (layers, N, hidden) gathered by origin
        *(node("Gather", [f"{name}_out", "origin"], [f"{name}_next"], axis=1) for name in states),
    ]


def _live(nodes, needed: list[str]) -> list[onnx.NodeProto]:
    """The nodes that `needed` values depend on, in their order (the step graph's other outputs are not read)."""
    wanted, kept = set(needed), []
    for node in reversed(list(nodes)):
        if wanted & set(node.output):
            kept.append(node)
            wanted.update(node.input)
    return kept[::-1]


def _hoist(nodes: list[onnx.NodeProto], outside: set[str]) -> tuple[list[onnx.NodeProto], list[onnx.NodeProto]]:
    """(the nodes that read only values known before the loop, the others): the first run once, outside it."""
    known, hoisted, body = set(outside), [], []
    for node in nodes:
        if all(name in known for name in node.input if name):
            hoisted.append(node)
            known.update(node.output)
        else:
            body.append(node)
    return hoisted, body


def _carried(name: str, suffix: str = "") -> onnx.ValueInfoProto:
    kind = {"previous": TensorProto.INT64, "finished": TensorProto.BOOL}
    return _value(name + suffix, kind.get(name, TensorProto.FLOAT))


def _value(name: str, kind: int, shape: list[int] | None = None) -> onnx.ValueInfoProto:
    """A graph input or output of element type `kind`; its shape, unless a scalar or (1,), left to ONNX Runtime."""
    return make.make_tensor_value_info(name, kind, shape)


def _constant(name: str, value: np.ndarray) -> onnx.NodeProto:
    return make.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))
