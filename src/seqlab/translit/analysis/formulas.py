"""`seqlab translit analyze`: exact parameter and multiply-add counts of the transliteration network.

Every count is a polynomial in m (embedding size), k (hidden size), T (source and target length) and
V (vocabulary size as the model builds it, the 4 specials included); the cell type, layer counts,
directions and attention only change the integer coefficients. `--check` (see `analysis.check`)
builds the real `Seq2Seq` and counts its parameters and one teacher-forced forward pass independently.

Conventions (also printed by the command and derived in docs/analysis.md):
- one multiply-add = one scalar multiplication plus one addition of a matrix product; FLOPs = 2 × that;
- embedding lookups, bias additions, nonlinearities, gate (Hadamard) products and softmax are not
  multiply-adds; they are listed separately;
- the output layer runs on the T decoder steps only; attention costs scale with T_source × T_target;
- PyTorch keeps two bias vectors per RNN layer (b_ih, b_hh), textbooks one: both totals are given.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from seqlab.errors import check_all
from seqlab.options import spec_of
from seqlab.translit.config import ATTENTIONS, CELLS, AnalyzeOptions, ModelConfig

CELL_GATES = dict(zip(CELLS, (1, 3, 4)))  # weight blocks per cell: tanh | r, z, n | i, f, g, o
MAX_LAYERS = int(spec_of(ModelConfig, "encoder_layers").high)
COMPONENTS = {
    "encoder_embedding": "encoder embedding",
    "decoder_embedding": "decoder embedding",
    "encoder_rnn": "encoder RNN",
    "decoder_rnn": "decoder RNN",
    "attention": "attention",
    "output": "output layer",
}
VARIABLES = ("T", "k", "m", "V")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
CONVENTIONS = (
    "V is the model's vocabulary size as built (source and target alike), the 4 specials pad/unk/sos/eos included.",
    "One forward pass of one sequence: a source of T characters, a target of T positions, teacher forcing.",
    "Multiply-adds count the scalar multiply-adds of matrix products; FLOPs = 2 × multiply-adds.",
    "Embedding lookups cost no multiplications; bias additions are not multiply-adds.",
    "The output layer runs on the T decoder steps only; attention costs grow with T_source × T_target.",
    "PyTorch keeps two bias vectors per RNN layer and direction (b_ih, b_hh), textbooks one: both totals shown.",
    "Softmax, nonlinearities and elementwise gate products are listed separately, outside the total.",
)


class Poly:
    """An integer polynomial in T, k, m, V: {exponents (T, k, m, V): coefficient}."""

    def __init__(self, terms: Optional[Mapping[tuple, int]] = None):
        self.terms = {e: c for e, c in (terms or {}).items() if c}

    @classmethod
    def var(cls, name: str) -> "Poly":
        return cls({tuple(int(v == name) for v in VARIABLES): 1})

    @classmethod
    def const(cls, value: int) -> "Poly":
        return cls({(0,) * len(VARIABLES): value})

    def __add__(self, other) -> "Poly":
        other = other if isinstance(other, Poly) else Poly.const(other)
        terms = dict(self.terms)
        for e, c in other.terms.items():
            terms[e] = terms.get(e, 0) + c
        return Poly(terms)

    __radd__ = __add__

    def __mul__(self, other) -> "Poly":
        other = other if isinstance(other, Poly) else Poly.const(other)
        out = Poly()
        for e1, c1 in self.terms.items():
            for e2, c2 in other.terms.items():
                out = out + Poly({tuple(a + b for a, b in zip(e1, e2)): c1 * c2})
        return out

    __rmul__ = __mul__

    def evaluate(self, values: Mapping[str, int]) -> int:
        total = 0
        for e, c in self.terms.items():
            term = c
            for name, power in zip(VARIABLES, e):
                term *= values[name] ** power
            total += term
        return total

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        order = sorted(self.terms, key=lambda e: (-sum(e), [-p for p in e]))
        parts = []
        for e in order:
            factors = [n + (str(p).translate(_SUPERSCRIPT) if p > 1 else "") for n, p in zip(VARIABLES, e) if p]
            coefficient = abs(self.terms[e])
            if coefficient != 1 or not factors:
                factors.insert(0, str(coefficient))
            parts.append(("− " if self.terms[e] < 0 else "+ ") + "·".join(factors))
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else "−" + text[2:]


T, K, M, V = (Poly.var(n) for n in VARIABLES)


@dataclass(frozen=True)
class Sizes(AnalyzeOptions):
    """The analyzed network under its CLI names (fields and defaults: `AnalyzeOptions`; the model needs none of its
    limits on m and k for formulas; `model_config` maps it to the real model's configuration) and the sequence
    length T."""

    def validate(self) -> None:
        checks = [
            (self.emb >= 1, f"--emb must be at least 1, got {self.emb}"),
            (self.hidden >= 1, f"--hidden must be at least 1, got {self.hidden}"),
            (self.seq_len >= 1, f"--seq-len must be at least 1, got {self.seq_len}"),
            (self.vocab >= 5,
             f"--vocab is the model's vocabulary size with the 4 specials, so at least 5, got {self.vocab}"),
            (self.cell in CELL_GATES, f"--cell must be one of {', '.join(CELL_GATES)}, got {self.cell!r}"),
            (1 <= self.enc_layers <= MAX_LAYERS, f"--enc-layers must be 1–{MAX_LAYERS}, got {self.enc_layers}"),
            (1 <= self.dec_layers <= MAX_LAYERS, f"--dec-layers must be 1–{MAX_LAYERS}, got {self.dec_layers}"),
            (self.attention in ATTENTIONS,
             f"--attention must be one of {', '.join(ATTENTIONS)}, got {self.attention!r}"),
        ]
        check_all(checks)

    def model_config(self) -> ModelConfig:
        """The real model with these sizes: one vocabulary size V for source and target, no dropout."""
        return ModelConfig.from_cli(vars(self), source_vocab=self.vocab, target_vocab=self.vocab, dropout=0.0)

    @property
    def values(self) -> dict[str, int]:
        return {"T": self.seq_len, "k": self.hidden, "m": self.emb, "V": self.vocab}

    @property
    def gates(self) -> int:
        return CELL_GATES[self.cell]

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def rnn_layer_inputs(self) -> tuple[list[Poly], list[Poly]]:
        """Input size of every encoder layer and every decoder layer, as polynomials."""
        d = self.directions * K
        encoder = [M] + [d] * (self.enc_layers - 1)
        decoder = [M + (d if self.attention == "bahdanau" else 0)] + [K] * (self.dec_layers - 1)
        return encoder, decoder


def parameter_polys(s: Sizes, biases: int) -> dict[str, Poly]:
    """Parameters per component; `biases` = 2 (PyTorch's b_ih and b_hh) or 1 (textbook)."""
    encoder_inputs, decoder_inputs = s.rnn_layer_inputs()

    def rnn(directions: int, inputs: list[Poly]) -> Poly:  # per layer: gates·k·(input + k + biases)
        return sum((directions * s.gates * K * (x + K + biases) for x in inputs), Poly())

    d = s.directions * K
    attention = {
        "none": Poly(),
        "bahdanau": (d * K + K) + K * K + K,  # key Linear(d→k)+bias, query Linear(k→k), energy Linear(k→1)
        "luong": d * K + ((d + K) * K + K),  # key Linear(d→k), combine Linear(d+k→k)+bias
    }[s.attention]
    return {
        "encoder_embedding": V * M,
        "decoder_embedding": V * M,
        "encoder_rnn": rnn(s.directions, encoder_inputs),
        "decoder_rnn": rnn(1, decoder_inputs),
        "attention": attention,
        "output": K * V + V,
    }


def multiply_add_polys(s: Sizes) -> dict[str, Poly]:
    """Multiply-adds per component for one teacher-forced forward pass (T source, T target positions)."""
    encoder_inputs, decoder_inputs = s.rnn_layer_inputs()

    def rnn(directions: int, inputs: list[Poly]) -> Poly:  # per layer and step: gates·k·(input + k)
        return sum((T * directions * s.gates * K * (x + K) for x in inputs), Poly())

    d = s.directions * K
    keys = T * d * K  # keys projected once per source sequence
    attention = {
        "none": Poly(),
        # per decoder step: query W_q s (k·k), energy vᵀ tanh(…) over T sources (T·k), context (T·d)
        "bahdanau": keys + T * (K * K + T * K + T * d),
        # per decoder step: scores s·keys (T·k), context (T·d), combine W_c [c; s] ((d+k)·k)
        "luong": keys + T * (T * K + T * d + (d + K) * K),
    }[s.attention]
    return {
        "encoder_embedding": Poly(),
        "decoder_embedding": Poly(),
        "encoder_rnn": rnn(s.directions, encoder_inputs),
        "decoder_rnn": rnn(1, decoder_inputs),
        "attention": attention,
        "output": T * K * V,
    }


def other_work_polys(s: Sizes) -> dict[str, Poly]:
    """Work outside the multiply-add total, as counts of scalar operations."""
    layer_steps = T * (s.directions * s.enc_layers + s.dec_layers)  # (layer, direction, step) triples
    nonlinear = {"rnn": 1, "gru": 3, "lstm": 5}[s.cell]  # tanh | σ r, σ z, tanh n | σ i, f, o, tanh g, tanh c
    hadamard = {"rnn": 0, "gru": 3, "lstm": 3}[s.cell]  # – | r⊙(…), (1−z)⊙n, z⊙h | f⊙c, i⊙g, o⊙tanh c
    rows = {
        "RNN nonlinearities (σ, tanh)": layer_steps * nonlinear * K,
        "RNN gate products (⊙)": layer_steps * hadamard * K,
        "RNN bias additions (PyTorch, 2 per gate)": layer_steps * 2 * s.gates * K,
    }
    if s.attention == "bahdanau":
        rows["attention tanh (T × T × k)"] = T * T * K
        rows["attention bias additions (key)"] = T * K
    if s.attention == "luong":
        rows["attention tanh (combine)"] = T * K
        rows["attention bias additions (combine)"] = T * K
    if s.attention != "none":
        rows["attention softmax exponentials (T × T)"] = T * T
    rows["output bias additions"] = T * V
    rows["output softmax exponentials (in the loss, not the forward)"] = T * V
    return rows


@dataclass
class Analysis:
    sizes: Sizes
    parameters: dict[str, Poly]
    parameters_single_bias: dict[str, Poly]
    multiply_adds: dict[str, Poly]
    other_work: dict[str, Poly]

    @classmethod
    def of(cls, sizes: Sizes) -> "Analysis":
        sizes.validate()
        return cls(sizes, parameter_polys(sizes, 2), parameter_polys(sizes, 1), multiply_add_polys(sizes),
                   other_work_polys(sizes))

    def count(self, poly: Poly) -> int:
        return poly.evaluate(self.sizes.values)

    def total(self, table: dict[str, Poly]) -> Poly:
        return sum(table.values(), Poly())

    def to_dict(self) -> dict:
        s, total = self.sizes, self.total
        components = {
            name: {"parameters": self.count(self.parameters[name]), "parameters_formula": str(self.parameters[name]),
                   "parameters_single_bias": self.count(self.parameters_single_bias[name]),
                   "multiply_adds": self.count(self.multiply_adds[name]),
                   "multiply_adds_formula": str(self.multiply_adds[name])}
            for name in COMPONENTS
        }
        return {
            "config": {"m": s.emb, "k": s.hidden, "T": s.seq_len, "V": s.vocab, "cell": s.cell,
                       "enc_layers": s.enc_layers, "dec_layers": s.dec_layers, "attention": s.attention,
                       "bidirectional": s.bidirectional},
            "parameters": self.count(total(self.parameters)),
            "parameters_formula": str(total(self.parameters)),
            "parameters_single_bias": self.count(total(self.parameters_single_bias)),
            "parameters_single_bias_formula": str(total(self.parameters_single_bias)),
            "multiply_adds": self.count(total(self.multiply_adds)),
            "multiply_adds_formula": str(total(self.multiply_adds)),
            "flops": 2 * self.count(total(self.multiply_adds)),
            "flops_formula": str(2 * total(self.multiply_adds)),
            "components": components,
            "other_work": {name: {"count": self.count(p), "formula": str(p)} for name, p in self.other_work.items()},
            "conventions": list(CONVENTIONS),
        }


def table(headers: list[str], rows: list[list[str]], right: set[int], total_row: bool = True) -> list[str]:
    """Plain-text table; columns in `right` are right-aligned; the last row is set off as a total."""
    widths = [max(len(r[i]) for r in [headers] + rows) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))

    rule = "  ".join("-" * w for w in widths)
    body = [fmt(r) for r in rows]
    return [fmt(headers), rule] + (body[:-1] + [rule, body[-1]] if total_row else body)


def render(analysis: Analysis) -> str:
    """The human-readable report: parameter table, multiply-add table, other work, conventions."""
    a, s = analysis, analysis.sizes
    n = "{:,}".format
    bidir = "bidirectional" if s.bidirectional else "unidirectional"
    lines = [f"Transliteration network: cell={s.cell}, encoder layers={s.enc_layers} ({bidir}), "
             f"decoder layers={s.dec_layers}, attention={s.attention}",
             f"Sizes: m={s.emb} (embedding), k={s.hidden} (hidden), T={s.seq_len} (source and target length), "
             f"V={s.vocab} (vocabulary incl. 4 specials)", "", "Parameters"]
    rows = [[label, str(a.parameters[c]), n(a.count(a.parameters[c])), n(a.count(a.parameters_single_bias[c]))]
            for c, label in COMPONENTS.items()]
    tp, tb = a.total(a.parameters), a.total(a.parameters_single_bias)
    rows.append(["total", str(tp), n(a.count(tp)), n(a.count(tb))])
    lines += table(["component", "formula (PyTorch, 2 RNN biases)", "PyTorch", "single bias"], rows, {2, 3})
    lines += [f"single-bias total formula: {tb}", "", "Computations (multiply-adds, one forward pass)"]
    rows = [[label, str(a.multiply_adds[c]), n(a.count(a.multiply_adds[c]))] for c, label in COMPONENTS.items()]
    tm = a.total(a.multiply_adds)
    rows.append(["total", str(tm), n(a.count(tm))])
    lines += table(["component", "formula", "multiply-adds"], rows, {2})
    lines += [f"FLOPs = 2 × multiply-adds = {n(2 * a.count(tm))}  ({2 * tm})", "",
              "Other work per forward pass (not in the multiply-add total)"]
    rows = [[name, str(p), n(a.count(p))] for name, p in a.other_work.items()]
    lines += table(["operation", "formula", "count"], rows, {2}, total_row=False)
    lines += ["", "Conventions"] + [f"- {c}" for c in CONVENTIONS]
    return "\n".join(lines)
