"""The independent count behind `seqlab translit analyze --check`.

Builds the real `Seq2Seq` with the analyzed sizes and, without using any formula:
- counts parameters per component with `numel()` (and the total with `sum(p.numel() for p in model.parameters())`);
- runs one teacher-forced forward pass (batch of one, source of T characters, target of T positions) under
  `torch.utils.flop_counter.FlopCounterMode` and attributes every matrix product to the outermost module
  that ran it; multiply-adds = counted FLOPs / 2;
- the fused `nn.RNN/GRU/LSTM` ops are invisible to the counter (LSTM on CPU, all of them on GPU), so the
  inputs and states each RNN call really received are replayed through an explicit per-step cell with the
  same weights, under the counter; the cell must reproduce the fused module's outputs (`torch.allclose`),
  and where the counter did see a fused op its count must equal the explicit cell's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence
from torch.utils.flop_counter import FlopCounterMode

from seqlab.errors import SeqlabError
from seqlab.parameters import count_parameters
from seqlab.translit.analysis.formulas import COMPONENTS, Analysis, table
from seqlab.translit.model.network import Seq2Seq

OWNER = {"source_embedding": "encoder_embedding", "target_embedding": "decoder_embedding", "encoder": "encoder_rnn",
         "decoder": "decoder_rnn", "attention": "attention", "combine": "attention", "output": "output"}
MAX_CHECK_PARAMETERS = 100_000_000
MAX_CHECK_SEQ_LEN = 1000
RTOL, ATOL = 1e-4, 1e-5


@dataclass
class CellAgreement:
    module: str  # "encoder" | "decoder"
    calls: int
    max_abs_diff: float
    matches: bool
    explicit_multiply_adds: int
    fused_visible_multiply_adds: int  # what the counter saw of the fused op itself (0 when invisible)


@dataclass
class CheckResult:
    parameters: dict[str, int]
    parameters_total: int
    parameters_single_bias: int
    multiply_adds: dict[str, int]
    unattributed_multiply_adds: int
    logits_shape: tuple
    cells: list[CellAgreement]
    expected: dict = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict:
        return {"ok": self.ok, "mismatches": self.mismatches, "parameters": self.parameters_total,
                "parameters_single_bias": self.parameters_single_bias,
                "multiply_adds": sum(self.multiply_adds.values()) + self.unattributed_multiply_adds,
                "components": {c: {"parameters": self.parameters[c], "multiply_adds": self.multiply_adds[c]}
                               for c in self.parameters},
                "unattributed_multiply_adds": self.unattributed_multiply_adds,
                "cells": [vars(c) for c in self.cells]}

    def render(self) -> str:
        n = "{:,}".format

        def mark(expected: int, counted: int) -> str:
            return "ok" if expected == counted else "MISMATCH"

        e = self.expected
        rows = [[label, n(e["components"][c]["parameters"]), n(self.parameters[c]),
                 mark(e["components"][c]["parameters"], self.parameters[c]),
                 n(e["components"][c]["multiply_adds"]), n(self.multiply_adds[c]),
                 mark(e["components"][c]["multiply_adds"], self.multiply_adds[c])] for c, label in COMPONENTS.items()]
        measured_total = sum(self.multiply_adds.values()) + self.unattributed_multiply_adds
        rows.append(["(outside any component)", "0", "0", "ok", "0", n(self.unattributed_multiply_adds),
                     mark(0, self.unattributed_multiply_adds)])
        rows.append(["total", n(e["parameters"]), n(self.parameters_total),
                     mark(e["parameters"], self.parameters_total),
                     n(e["multiply_adds"]), n(measured_total), mark(e["multiply_adds"], measured_total)])
        lines = ["Check against the real model (one forward pass, batch 1, teacher forcing)"]
        headers = ["component", "params formula", "params model", "", "mult-adds formula", "mult-adds counted", ""]
        lines += table(headers,
                       rows, {1, 2, 4, 5})
        lines.append(f"single-bias parameters: formula {n(e['parameters_single_bias'])}, model without the bias_hh "
                     f"vectors {n(self.parameters_single_bias)}: "
                     f"{mark(e['parameters_single_bias'], self.parameters_single_bias)}")
        for c in self.cells:
            seen = (f"counter saw the fused op as {n(c.fused_visible_multiply_adds)}" if c.fused_visible_multiply_adds
                    else "fused op invisible to the counter")
            lines.append(f"{c.module}: explicit per-step cell over {c.calls} call(s) reproduces the fused module "
                         f"(max |diff| {c.max_abs_diff:.1e}): {'ok' if c.matches else 'MISMATCH'}; {seen}")
        lines.append("check: " + ("PASSED — every count agrees exactly" if self.ok
                                  else "FAILED — " + "; ".join(self.mismatches)))
        return "\n".join(lines)


def build_model(analysis: Analysis) -> Seq2Seq:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = Seq2Seq(analysis.sizes.model_config()).eval()
    model.cell_step_rows = 0  # every step through the fused RNN module, whose calls the check hooks and replays
    return model


def _owner(name: str) -> str:
    return OWNER.get(name.split(".")[0], "unattributed")


def parameters_by_component(model: Seq2Seq) -> tuple[dict[str, int], int, int]:
    """Per component, total as PyTorch counts it, and total without the RNNs' second bias vectors."""
    per_component = dict.fromkeys(OWNER.values(), 0)
    for name, p in model.named_parameters():
        per_component[_owner(name)] = per_component.get(_owner(name), 0) + p.numel()
    total = count_parameters(model)
    single = sum(p.numel() for name, p in model.named_parameters()
                 if not (name.split(".")[0] in ("encoder", "decoder") and name.split(".")[-1].startswith("bias_hh_")))
    return per_component, total, single


class _Attributor:
    """Forward hooks that charge the counter's FLOPs to the outermost hooked module that is running."""

    def __init__(self, model: Seq2Seq, counter: FlopCounterMode):
        self.counter, self.depth, self.start = counter, 0, 0
        self.flops: dict[str, int] = {}
        self.rnn_calls: dict[str, list] = {"encoder": [], "decoder": []}
        self.handles = []
        for name, module in model.named_modules():
            if name:
                self.handles.append(module.register_forward_pre_hook(self._enter))
                self.handles.append(module.register_forward_hook(self._leave_hook(name)))

    def _enter(self, module, args) -> None:
        if self.depth == 0:
            self.start = self.counter.get_total_flops()
        self.depth += 1

    def _leave_hook(self, name: str):
        def leave(module, args, output) -> None:
            self.depth -= 1
            if self.depth == 0:
                self.flops[name] = self.flops.get(name, 0) + self.counter.get_total_flops() - self.start
            if name in self.rnn_calls:
                self.rnn_calls[name].append((args, output))
        return leave

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _check_limits(analysis: Analysis) -> None:
    summary = analysis.to_dict()
    if summary["parameters"] > MAX_CHECK_PARAMETERS:
        raise SeqlabError(f"--check builds the model in memory; {summary['parameters']:,} parameters is over the "
                          f"{MAX_CHECK_PARAMETERS:,} it allows (the formulas need no check to be printed)")
    if analysis.sizes.seq_len > MAX_CHECK_SEQ_LEN:
        raise SeqlabError(f"--check runs the explicit cell step by step; --seq-len is limited to "
                          f"{MAX_CHECK_SEQ_LEN} there")
    analysis.sizes.model_config()  # the model's own limits (sizes, layers) apply to the check


def run_check(analysis: Analysis) -> CheckResult:
    """Count the real model's parameters and one forward pass's multiply-adds; compare with `analysis`."""
    _check_limits(analysis)
    s = analysis.sizes
    model = build_model(analysis)
    parameters, total, single = parameters_by_component(model)
    generator = torch.Generator().manual_seed(1)
    source = torch.randint(4, s.vocab, (1, s.seq_len), generator=generator)
    target = torch.randint(4, s.vocab, (1, s.seq_len), generator=generator)
    with torch.no_grad(), torch.random.fork_rng(devices=[]):  # the bahdanau path draws teacher-forcing coins
        with FlopCounterMode(display=False) as counter:
            attributor = _Attributor(model, counter)
            try:
                logits = model(source, torch.tensor([s.seq_len]), target, teacher_forcing=1.0)
            finally:
                attributor.remove()
        global_flops = counter.get_total_flops()
        cells = [_replay(name, getattr(model, name), attributor.rnn_calls[name], attributor.flops.get(name, 0))
                 for name in ("encoder", "decoder")]
    flops = dict.fromkeys(OWNER.values(), 0)
    for name, value in attributor.flops.items():
        if name not in ("encoder", "decoder"):
            flops[_owner(name)] = flops.get(_owner(name), 0) + value
    unattributed = global_flops - sum(attributor.flops.values()) + flops.pop("unattributed", 0)
    macs = {c: _half(v) for c, v in flops.items()}
    macs["encoder_rnn"], macs["decoder_rnn"] = (c.explicit_multiply_adds for c in cells)
    result = CheckResult(parameters, total, single, macs, _half(unattributed), tuple(logits.shape), cells,
                         expected=analysis.to_dict())
    result.mismatches = _compare(result, (1, s.seq_len, s.vocab))
    return result


def _half(flops: int) -> int:
    if flops % 2:
        raise AssertionError(f"odd FLOP count {flops}: not made of multiply-adds")
    return flops // 2


def _compare(r: CheckResult, logits_shape: tuple) -> list[str]:
    e, problems = r.expected, []
    for c, values in e["components"].items():
        if values["parameters"] != r.parameters[c]:
            problems.append(f"{c} parameters: formula {values['parameters']}, model {r.parameters[c]}")
        if values["multiply_adds"] != r.multiply_adds[c]:
            problems.append(f"{c} multiply-adds: formula {values['multiply_adds']}, counted {r.multiply_adds[c]}")
    if set(r.parameters) != set(e["components"]):
        problems.append(f"parameters outside the components: {sorted(set(r.parameters) - set(e['components']))}")
    if r.parameters_total != e["parameters"]:
        problems.append(f"total parameters: formula {e['parameters']}, model {r.parameters_total}")
    if r.parameters_single_bias != e["parameters_single_bias"]:
        problems.append(f"single-bias parameters: formula {e['parameters_single_bias']}, "
                        f"model {r.parameters_single_bias}")
    if r.unattributed_multiply_adds:
        problems.append(f"{r.unattributed_multiply_adds} multiply-adds outside any component")
    if sum(r.multiply_adds.values()) + r.unattributed_multiply_adds != e["multiply_adds"]:
        problems.append(f"total multiply-adds: formula {e['multiply_adds']}, counted {sum(r.multiply_adds.values())}")
    if r.logits_shape != logits_shape:
        problems.append(f"logits shape {r.logits_shape}, expected {logits_shape}")
    for c in r.cells:
        if not c.matches:
            problems.append(f"explicit {c.module} cell differs from the fused module (max |diff| {c.max_abs_diff:.2e})")
        if c.fused_visible_multiply_adds and c.fused_visible_multiply_adds != c.explicit_multiply_adds:
            problems.append(f"{c.module}: counter saw {c.fused_visible_multiply_adds} multiply-adds in the fused op, "
                            f"the explicit cell {c.explicit_multiply_adds}")
    return problems


# explicit cells ------------------------------------------------------------------------------------------------
def _replay(name: str, rnn: nn.RNNBase, calls: list, fused_flops: int) -> CellAgreement:
    """Run every recorded call of `rnn` again through the explicit cell under a fresh counter."""
    worst, close, explicit_flops = 0.0, bool(calls), 0
    for args, (fused_out, fused_state) in calls:
        x, hx = args[0], (args[1] if len(args) > 1 else None)
        if isinstance(x, PackedSequence):
            x, lengths = pad_packed_sequence(x, batch_first=True)
            fused_out, _ = pad_packed_sequence(fused_out, batch_first=True)
            if len(set(lengths.tolist())) != 1:
                raise AssertionError("the check feeds sequences of one length only")
        with FlopCounterMode(display=False) as counter:
            out, state = explicit_rnn(rnn, x, hx)
        explicit_flops += counter.get_total_flops()
        for mine, theirs in [(out, fused_out)] + list(zip(_as_tuple(state), _as_tuple(fused_state))):
            if mine.shape != theirs.shape:
                close, worst = False, float("inf")
                continue
            worst = max(worst, (mine - theirs).abs().max().item())
            close = close and torch.allclose(mine, theirs, rtol=RTOL, atol=ATOL)
    return CellAgreement(name, len(calls), worst, close, _half(explicit_flops), _half(fused_flops))


def _as_tuple(state) -> tuple:
    return tuple(state) if isinstance(state, tuple) else (state,)


def explicit_rnn(rnn: nn.RNNBase, x: torch.Tensor, hx: Optional[object]):
    """The fused multi-layer (bi)directional RNN/GRU/LSTM as explicit per-step cells: x (B, T, in) batch-first."""
    lstm, directions, k = rnn.mode == "LSTM", 2 if rnn.bidirectional else 1, rnn.hidden_size
    zeros = x.new_zeros(rnn.num_layers * directions, x.size(0), k)
    h0, c0 = (hx if hx is not None else (zeros, zeros)) if lstm else (hx if hx is not None else zeros, None)
    layer_input, final_h, final_c = x, [], []
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            weights = [getattr(rnn, f"{w}{suffix}", None) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            index = layer * directions + direction
            h, c = h0[index], (c0[index] if lstm else None)
            steps = range(x.size(1) - 1, -1, -1) if direction else range(x.size(1))
            out: list = [None] * x.size(1)
            for t in steps:
                h, c = cell_step(rnn.mode, layer_input[:, t], h, c, *weights)
                out[t] = h
            outputs.append(torch.stack(out, dim=1))
            final_h.append(h)
            final_c.append(c)
        layer_input = torch.cat(outputs, dim=-1)
    h_n = torch.stack(final_h)
    return layer_input, ((h_n, torch.stack(final_c)) if lstm else h_n)


def cell_step(mode: str, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One time step with PyTorch's equations; the two matrix products are the only multiply-adds."""
    gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = (gi + gh).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    if mode == "GRU":
        (ir, iz, in_), (hr, hz, hn) = gi.chunk(3, dim=1), gh.chunk(3, dim=1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, None
    pre = gi + gh
    return (torch.tanh(pre) if mode == "RNN_TANH" else torch.relu(pre)), None
