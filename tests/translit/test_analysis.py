"""`seqlab translit analyze`: formulas, numbers, and the independent count against the real model."""
from __future__ import annotations

import json

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from typer.testing import CliRunner

from seqlab.errors import SeqlabError
from seqlab.translit.analysis import analyze
from seqlab.translit.analysis import formulas as analysis
from seqlab.translit.analysis.check import explicit_rnn, run_check
from seqlab.translit.analysis.formulas import COMPONENTS, Analysis, Sizes
from seqlab.translit.cli.app import app as translit_app
from seqlab.translit.model.network import ModelConfig, Seq2Seq

EXAMPLE = ["--emb", "64", "--hidden", "256", "--seq-len", "20", "--vocab", "70"]


def evaluate_formula(formula: str, sizes: Sizes) -> int:
    """Read a printed formula back as Python, so the strings (not only the numbers) are tested."""
    python = formula.replace("·", "*").replace("²", "**2").replace("³", "**3").replace("−", "-")
    return eval(python, {"__builtins__": {}}, sizes.values)  # noqa: S307 - our own formula strings


sizes_strategy = st.builds(
    Sizes,
    emb=st.integers(1, 12), hidden=st.integers(1, 12), seq_len=st.integers(1, 6), vocab=st.integers(5, 16),
    cell=st.sampled_from(["rnn", "gru", "lstm"]), enc_layers=st.integers(1, 3), dec_layers=st.integers(1, 3),
    attention=st.sampled_from(["none", "bahdanau", "luong"]), bidirectional=st.booleans())


# the independent count -----------------------------------------------------------------------------------------
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes_strategy)
def test_formulas_agree_with_the_real_model_exactly(sizes):
    """Parameters (numel) and multiply-adds (FlopCounterMode + explicit cells) agree term by term."""
    result = run_check(Analysis.of(sizes))
    assert result.ok, result.mismatches
    expected = Analysis.of(sizes).to_dict()
    model = Seq2Seq(ModelConfig(sizes.vocab, sizes.vocab, sizes.emb, sizes.hidden, sizes.cell, sizes.enc_layers,
                                sizes.dec_layers, sizes.bidirectional, 0.0, sizes.attention))
    assert expected["parameters"] == sum(p.numel() for p in model.parameters())
    assert result.parameters_total == expected["parameters"]
    assert sum(result.multiply_adds.values()) == expected["multiply_adds"]
    assert all(cell.matches and cell.calls >= 1 for cell in result.cells)
    for cell in result.cells:  # where the counter sees a fused op at all, it agrees with the explicit cell
        assert cell.fused_visible_multiply_adds in (0, cell.explicit_multiply_adds)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes_strategy)
def test_printed_formulas_evaluate_to_the_numbers_and_components_sum_to_totals(sizes):
    summary = Analysis.of(sizes).to_dict()
    for key in ("parameters", "parameters_single_bias", "multiply_adds", "flops"):
        assert evaluate_formula(summary[f"{key}_formula"], sizes) == summary[key]
    parts = summary["components"].values()
    assert sum(p["parameters"] for p in parts) == summary["parameters"]
    assert sum(p["parameters_single_bias"] for p in parts) == summary["parameters_single_bias"]
    assert sum(p["multiply_adds"] for p in parts) == summary["multiply_adds"]
    assert summary["flops"] == 2 * summary["multiply_adds"]
    for part in parts:
        assert evaluate_formula(part["parameters_formula"], sizes) == part["parameters"]
        assert evaluate_formula(part["multiply_adds_formula"], sizes) == part["multiply_adds"]
    for row in summary["other_work"].values():
        assert evaluate_formula(row["formula"], sizes) == row["count"]
    rnn_layers = sizes.enc_layers * (2 if sizes.bidirectional else 1) + sizes.dec_layers
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[sizes.cell]
    assert summary["parameters"] - summary["parameters_single_bias"] == rnn_layers * gates * sizes.hidden


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (3, True)])
def test_explicit_cell_reproduces_the_fused_module_with_a_batch_and_a_given_state(cell, layers, bidirectional):
    torch.manual_seed(0)
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](5, 7, num_layers=layers, batch_first=True,
                                                                 bidirectional=bidirectional)
    x = torch.randn(3, 4, 5)
    h0 = torch.randn(layers * (2 if bidirectional else 1), 3, 7)
    state = (h0, torch.randn_like(h0)) if cell == "lstm" else h0
    with torch.no_grad():
        fused_out, fused_state = rnn(x, state)
        out, explicit_state = explicit_rnn(rnn, x, state)
    assert torch.allclose(out, fused_out, atol=1e-6)
    for mine, theirs in zip(explicit_state if cell == "lstm" else [explicit_state],
                            fused_state if cell == "lstm" else [fused_state]):
        assert torch.allclose(mine, theirs, atol=1e-6)


def test_the_check_catches_a_wrong_formula(monkeypatch):
    """A formula that forgets the Luong scores (T·T·k per sequence) must fail the check, and the command with it."""
    real = analysis.multiply_add_polys

    def forgetful(sizes):
        polys = real(sizes)
        polys["attention"] = polys["attention"] + (-1) * analysis.T * analysis.T * analysis.K
        return polys

    monkeypatch.setattr(analysis, "multiply_add_polys", forgetful)
    result = run_check(Analysis.of(Sizes(4, 6, 3, 9, "gru", attention="luong")))
    assert not result.ok and any("attention multiply-adds" in m for m in result.mismatches)
    runner_result = _invoke(["--emb", "4", "--hidden", "6", "--seq-len", "3", "--vocab", "9", "--cell", "gru",
                             "--attention", "luong", "--check", "--json"])
    assert runner_result.exit_code == 1
    assert json.loads(runner_result.stdout.strip().splitlines()[-1])["checked"] is False


# the original assignment's question and the worked example ----------------------------------------------------
def test_baseline_question_vanilla_rnn_closed_form():
    """One layer each, vanilla RNN: P = 2Vm + 2k(m + k + 2) + V(k + 1), MACs = 2Tk(m + k) + TkV."""
    for m, k, t, v in [(64, 256, 20, 70), (1, 1, 1, 5), (300, 17, 9, 123)]:
        summary = Analysis.of(Sizes(m, k, t, v)).to_dict()
        assert summary["parameters"] == 2 * v * m + 2 * k * (m + k + 2) + v * (k + 1)
        assert summary["parameters_single_bias"] == 2 * v * m + 2 * k * (m + k + 1) + v * (k + 1)
        assert summary["multiply_adds"] == 2 * t * k * (m + k) + t * k * v


def test_worked_example_numbers_match_docs():
    summary = Analysis.of(Sizes(64, 256, 20, 70)).to_dict()
    assert (summary["parameters"], summary["parameters_single_bias"]) == (191_814, 191_302)
    assert (summary["multiply_adds"], summary["flops"]) == (3_635_200, 7_270_400)
    lstm = Analysis.of(Sizes(64, 256, 20, 70, "lstm", attention="luong")).to_dict()
    assert (lstm["parameters"], lstm["multiply_adds"]) == (883_270, 17_602_560)


# the command -------------------------------------------------------------------------------------------------
def _invoke(args: list[str]):
    return CliRunner().invoke(translit_app, ["analyze", *args])


def test_cli_prints_tables_and_json_last_line():
    result = _invoke([*EXAMPLE, "--cell", "gru", "--attention", "bahdanau", "--bidirectional", "--enc-layers", "2",
                      "--check", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["checked"] is True and summary["check"]["ok"] is True
    for key, kind in [("parameters", int), ("parameters_single_bias", int), ("parameters_formula", str),
                      ("multiply_adds", int), ("multiply_adds_formula", str), ("checked", bool)]:
        assert isinstance(summary[key], kind)
    for label in [*COMPONENTS.values(), "FLOPs = 2 × multiply-adds", "Conventions", "PASSED"]:
        assert label in result.stdout


def test_analyze_without_check_prints_formulas_unchecked():
    result = _invoke([*EXAMPLE, "--json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["checked"] is False and summary["parameters"] == 191_814
    assert summary["parameters_formula"] == "2·k² + 2·k·m + k·V + 2·m·V + 4·k + V"
    assert summary["multiply_adds_formula"] == "2·T·k² + 2·T·k·m + T·k·V"


@pytest.mark.parametrize("bad", [
    ["--emb", "-1"], ["--hidden", "0"], ["--seq-len", "0"], ["--vocab", "4"], ["--cell", "transformer"],
    ["--enc-layers", "0"], ["--dec-layers", "-2"], ["--attention", "dot"],
])
def test_bad_options_raise_seqlab_error(bad):
    args = dict(zip(EXAMPLE[::2], EXAMPLE[1::2]))
    args.update(dict(zip(bad[::2], bad[1::2])))
    result = _invoke([x for pair in args.items() for x in pair])
    assert isinstance(result.exception, SeqlabError)
    with pytest.raises(SeqlabError):
        analyze(Sizes(**{"emb": 64, "hidden": 256, "seq_len": 20, "vocab": 70,
                         **{k.strip("-").replace("-", "_"): (int(v) if v.lstrip("-").isdigit() else v)
                            for k, v in zip(bad[::2], bad[1::2])}}))


def test_check_refuses_sizes_the_model_refuses():
    with pytest.raises(SeqlabError):
        analyze(Sizes(5000, 8, 3, 9), check=True)  # the model allows embedding sizes up to 4096
    assert analyze(Sizes(5000, 8, 3, 9))[1]["parameters"] > 0  # the formulas need no model


def test_analyze_through_the_seqlab_entry_point_checks_and_reports_bad_vocab(capsys):
    from seqlab.cli import main
    assert main(["translit", "analyze", *EXAMPLE, "--cell", "lstm", "--check", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["checked"] is True
    assert main(["translit", "analyze", *EXAMPLE[:-1], "3"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: --vocab is the model's vocabulary size with the 4 specials, so at least 5, got 3"]
