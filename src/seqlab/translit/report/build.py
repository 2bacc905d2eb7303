"""`seqlab translit report SWEEP_DIR`: what a hyperparameter sweep found, and how its best configuration
does on the test set once trained to convergence.

The report is one self-contained HTML file (pictures embedded as data URIs, so it can be mailed or
archived alone) plus a Markdown twin that links PNG files saved beside it. The final model is trained in
SWEEP_DIR/final, an ordinary resumable run directory: a finished one (final.json) is reused, an
interrupted one is resumed, so rerunning the report never retrains for nothing and never fakes a result.
"""
from __future__ import annotations

import json
import random
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import optuna

from seqlab.errors import SeqlabError
from seqlab.io import write_json_atomic
from seqlab.options import check_value
from seqlab.translit.config import DecodingConfig, FinalOptions, TrainConfig
from seqlab.translit.data.corpus import load_split
from seqlab.translit.evaluation.metrics import substitutions
from seqlab.translit.evaluation.words import evaluate_pairs, write_results
from seqlab.translit.languages import DEFAULT_LANG
from seqlab.translit.model import checkpoint as ckpt
from seqlab.translit.report import plots
from seqlab.translit.report.plots import script_font
from seqlab.translit.report.render import Section, write_report
from seqlab.translit.sweep.halving import chosen_trial, rung_record
from seqlab.translit.sweep.space import trial_configs
from seqlab.translit.sweep.study import load_sweep
from seqlab.translit.train import resume, train
from seqlab.translit.transliterator import load_transliterator

FINAL_DIR, FINAL_MARKER = "final", "final.json"
SECTIONS = ("Sweep", "Optimization history", "Parallel coordinates", "Parameter importances",
            "Dev accuracy vs parameter count", "All trials", "Best configuration", "Final training",
            "Test results", "Sample test predictions", "Accuracy by word length", "Character confusions",
            "Attention heatmaps")

# sweep --------------------------------------------------------------------------------------------------
def completed_trials(study, sweep_dir: Path) -> list:

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE and t.value is not None]
    if not done:
        states = Counter(t.state.name.lower() for t in study.trials)
        summary = ", ".join(f"{n} {s}" for s, n in states.items()) or "no trials at all"
        raise SeqlabError(f"{sweep_dir} has no completed trials ({summary}); run or continue the sweep first")
    return done


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min {secs:02d} s"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def sweep_seconds(meta: dict, trials: list) -> tuple[float | None, str]:
    """Wall time of the sweep from sweep.json; summed trial durations if the sweep never recorded an end."""
    if meta.get("seconds") is not None:
        return float(meta["seconds"]), "recorded in sweep.json"
    spans = [(t.datetime_complete - t.datetime_start).total_seconds() for t in trials
             if t.datetime_complete and t.datetime_start]
    return (sum(spans), "sum of trial durations (the sweep recorded no finish time)") if spans else (None, "")


# final training -------------------------------------------------------------------------------------------
def final_configs(meta: dict, params: dict, opts: FinalOptions):
    """The best trial's model and optimiser settings on top of the sweep's training config."""

    known = {f.name for f in fields(TrainConfig)}
    saved = TrainConfig(**{k: v for k, v in (meta.get("train") or {}).items() if k in known})
    model_cfg, cfg = trial_configs(params, saved)  # lr, batch size and dev beam as the sweep scored the trial
    cfg = replace(cfg, epochs=opts.epochs, patience=opts.patience, time_budget=opts.time_budget,
                  limit_train=opts.limit_train, dataset=opts.dataset or cfg.dataset, lang=opts.lang or cfg.lang,
                  data_dir=opts.data_dir or cfg.data_dir, show_progress=True)  # the final run is the long one
    cfg.validate()
    return model_cfg, cfg


def train_final(sweep_dir: Path, meta: dict, best, opts: FinalOptions) -> tuple[Path, dict, Any]:
    """Reuse SWEEP_DIR/final when finished, resume it when interrupted, else train it from scratch."""

    run_dir = sweep_dir / FINAL_DIR
    marker = run_dir / FINAL_MARKER
    model_cfg, cfg = final_configs(meta, best.params, opts)
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        _check_same_trial(run_dir, info.get("trial"), best.number)
        return run_dir, {**info, "reused": True}, _saved_train_config(run_dir)
    started = time.monotonic()
    if (run_dir / ckpt.TRAIN_STATE).is_file():
        saved = ckpt.read_config(run_dir)["model"]
        wanted = {k: v for k, v in asdict(model_cfg).items() if k not in ("source_vocab", "target_vocab")}
        if any(saved.get(k) != v for k, v in wanted.items()):
            _check_same_trial(run_dir, "an earlier best trial", best.number)
        result = resume(run_dir, epochs=cfg.epochs, time_budget=cfg.time_budget)
        saved_cfg = _saved_train_config(run_dir)  # resume keeps the saved data settings
        cfg = replace(saved_cfg, epochs=cfg.epochs, time_budget=cfg.time_budget or saved_cfg.time_budget)
    else:
        result = train(model_cfg, cfg, run_dir)
    stopped = ("early stopping" if result.epochs_run - result.best_epoch >= cfg.patience else
               "epoch limit" if result.epochs_run >= cfg.epochs else "time budget")
    info = {"trial": best.number, "best_dev_accuracy": result.best_dev_accuracy, "best_epoch": result.best_epoch,
            "epochs_run": result.epochs_run, "parameters": result.parameters, "train_seconds": result.train_seconds,
            "wall_seconds": time.monotonic() - started, "stopped_by": stopped, "epochs_limit": cfg.epochs,
            "patience": cfg.patience, "history": result.history}
    write_json_atomic(marker, info)
    return run_dir, {**info, "reused": False}, cfg


def _saved_train_config(run_dir: Path) -> TrainConfig:
    return TrainConfig.from_dict(ckpt.read_config(run_dir).get("train"), f"{run_dir / ckpt.CONFIG}: train")


def _check_same_trial(run_dir: Path, trained_from: Any, best: int) -> None:
    if trained_from != best:
        raise SeqlabError(f"{run_dir} was trained from trial {trained_from}, but the best trial is now {best}; "
                          f"delete {run_dir} to train the new best configuration")


# test-set analyses --------------------------------------------------------------------------------------
def char_label(char: str) -> str:
    """A character with its code point and name, so lone vowel signs stay identifiable."""
    name = unicodedata.name(char, "").replace("DEVANAGARI ", "").lower()
    shown = "\u25cc" + char if unicodedata.category(char) in ("Mn", "Mc") else char  # a lone sign on ◌
    return f"{shown} (U+{ord(char):04X} {name})"


def length_buckets(rows: list[dict]) -> list[tuple[int, int, float]]:
    by_length: dict[int, list[bool]] = {}
    for row in rows:
        by_length.setdefault(len(row["input"]), []).append(bool(row["correct"]))
    return [(n, len(v), sum(v) / len(v)) for n, v in sorted(by_length.items())]


def attention_words(rows: list[dict], count: int = 9) -> list[str]:
    """`count` distinct test inputs spread evenly over the test file (deterministic)."""
    words = list(dict.fromkeys(r["input"] for r in rows))
    if len(words) <= count:
        return words
    return [words[round(i * (len(words) - 1) / (count - 1))] for i in range(count)]


# sections -----------------------------------------------------------------------------------------------
def sweep_sections(sweep_dir: Path, meta: dict, study, trials: list) -> list[Section]:
    """Everything known from the sweep alone: timing, Optuna plots, size vs accuracy, the trials table."""

    seconds, how = sweep_seconds(meta, trials)
    states = ", ".join(f"{n} {s}" for s, n in Counter(t.state.name.lower() for t in study.trials).items())
    overview = Section("Sweep").text(
        f"Study {meta.get('study')!r} in {sweep_dir}: {len(study.trials)} trials ({states}; target "
        f"{meta.get('trials_target', '?')}), sampler {meta.get('sampler', '?')}, pruner {meta.get('pruner', '?')}; "
        f"started {meta.get('started', '?')}, finished {meta.get('finished') or 'not recorded'}.")
    overview.text(f"The sweep took {duration(seconds)} ({how}). Best dev accuracy "
                  f"{max(t.value for t in trials):.4f}.")
    if meta.get("space"):
        overview.text("Search space: " + json.dumps(meta["space"], ensure_ascii=False))
    figures = plots.optuna_figures(study)
    titles = {"history": ("Optimization history", "optimization_history.png"),
              "parallel": ("Parallel coordinates", "parallel_coordinates.png"),
              "importances": ("Parameter importances", "param_importances.png")}
    sections = [overview]
    for key, (title, name) in titles.items():
        png, why = figures[key]
        sections.append(Section(title).image(name, png, f"{title} plot", why))
    if figures["importances"][0] is not None and len(trials) < 20:
        sections[-1].note(f"Importances estimated from only {len(trials)} completed trials are rough.")
    points = [(int(t.user_attrs["parameters"]), float(t.value),
               f"{t.params.get('cell', '?')} / {t.params.get('attention', '?')}")
              for t in trials if t.user_attrs.get("parameters")]
    sections.append(Section("Dev accuracy vs parameter count").image(
        "accuracy_vs_parameters.png", plots.accuracy_vs_parameters(points) if points else None,
        "Dev accuracy vs parameter count plot", "no trial recorded its parameter count"))
    names = sorted({p for t in study.trials for p in t.params})
    best = chosen_trial(study, trials).number
    rows = [[f"{t.number}{' ★' if t.number == best else ''}", t.state.name.lower(), t.value,
             *[t.params.get(n) for n in names], t.user_attrs.get("parameters"),
             duration(t.user_attrs.get("train_seconds")), t.user_attrs.get("best_epoch")] for t in study.trials]
    sections.append(Section("All trials").table(
        ["trial", "state", "dev accuracy", *names, "parameters", "train time", "best epoch"], rows))
    return sections


def final_sections(best, run_dir: Path, info: dict, cfg, summary: dict, rows: list[dict], csv_name: str,
                   attention_maps: list[tuple[str, str, Any]], rung: dict | None = None) -> list[Section]:
    """Best configuration, how the final run went, and the test-set results and analyses."""

    config = Section("Best configuration").text(
        f"Trial {best.number}: dev accuracy {best.value:.4f} during the sweep.")
    if rung and rung.get("winner") is not None:
        rung_section(config, rung)
    config.table(["parameter", "value"], [[k, v] for k, v in best.params.items()])
    how = "reused from an earlier report run" if info["reused"] else "trained now"
    final = Section("Final training").text(
        f"The best configuration was trained in {run_dir} ({how}) for up to "
        f"{_plural(info['epochs_limit'], 'epoch')} with "
        f"early stopping (patience {info['patience']}) on {cfg.dataset}/{cfg.lang}"
        f"{f', first {cfg.limit_train} training pairs' if cfg.limit_train else ''}: "
        f"{_plural(info['epochs_run'], 'epoch')}, stopped by {info['stopped_by']}, best dev accuracy "
        f"{info['best_dev_accuracy']:.4f} at epoch {info['best_epoch']}, {info['parameters']:,} parameters.")
    final.text(f"The final training took {duration(info['train_seconds'])} of training time "
               f"({duration(info['wall_seconds'])} wall-clock including dev evaluation).")
    final.table(["epoch", "train loss", "dev accuracy"],
                [[h["epoch"], h.get("train_loss"), h.get("dev_accuracy")] for h in info.get("history", [])])
    test = Section("Test results").text(
        f"Evaluated once on the {summary['pairs']} test pairs with beam size {summary['beam_size']}"
        + (f", reranked with the word prior (λ = {summary['prior_weight']}, α = {summary['length_penalty']}; "
           "attached by `seqlab translit prior`)." if summary["prior_weight"] else "."))
    test.table(["metric", "value"], [["top-1 accuracy", f"{summary['accuracy']:.4f}"],
                                     [f"top-{summary['top_k']} accuracy", f"{summary['top_k_accuracy']:.4f}"],
                                     ["character error rate (CER)", f"{summary['cer']:.4f}"],
                                     ["any-reference accuracy", f"{summary['accuracy_any_reference']:.4f}"]])
    test.link(f"Full test predictions ({csv_name})", csv_name)
    sample = [rows[i] for i in sorted(random.Random(0).sample(range(len(rows)), min(24, len(rows))))]
    samples = Section("Sample test predictions").text("A fixed random sample of test words; wrong predictions are red.")
    samples.image("test_samples.png", plots.sample_grid(sample, lang=cfg.lang) if sample else None,
                  "Sample test predictions grid", "no test pairs")
    buckets = length_buckets(rows)
    lengths = Section("Accuracy by word length").image("accuracy_by_length.png", plots.accuracy_by_length(buckets),
                                                       "Accuracy by word length plot")
    lengths.table(["input length", "words", "accuracy"], [[n, c, f"{a:.3f}"] for n, c, a in buckets])
    return [config, final, test, samples, lengths, confusion_section(rows), attention_section(attention_maps, cfg.lang)]


def rung_section(section: Section, rung: dict) -> Section:
    """Both stages of successive halving: each candidate's proxy and full-data dev accuracy."""
    budget = f", at most {rung['budget']:g} min" if rung["budget"] else ""
    section.text(f"Chosen by successive halving: the best {len(rung['candidates'])} proxy trials were trained again "
                 f"on the full training data ({_plural(rung['epochs'], 'epoch')}{budget} each), and the best "
                 f"full-data dev accuracy won: trial {rung['winner']}.")
    results = rung["results"]
    return section.table(
        ["trial", "proxy dev accuracy", "full-data dev accuracy", "best epoch", "train time"],
        [[f"{n}{' ★' if n == rung['winner'] else ''}", results[str(n)]["proxy_dev_accuracy"],
          results[str(n)]["dev_accuracy"], results[str(n)]["best_epoch"], duration(results[str(n)]["train_seconds"])]
         for n in rung["candidates"] if str(n) in results])


def confusion_section(rows: list[dict], top: int = 20) -> Section:
    counts = Counter(pair for r in rows if not r["correct"] for pair in substitutions(r["reference"], r["prediction"]))
    section = Section("Character confusions").text(
        f"The {top} most frequent substitutions (reference character → predicted character) on a minimum-edit "
        f"alignment of each wrong prediction with its reference.")
    if not counts:
        return section.note("No substitutions: every wrong prediction differs only by insertions or deletions.")
    return section.table(["reference", "predicted", "count"],
                         [[char_label(a), char_label(b), n] for (a, b), n in counts.most_common(top)])


def attention_section(maps: list[tuple[str, str, Any]], lang: str = DEFAULT_LANG) -> Section:

    section = Section("Attention heatmaps")
    if not maps:
        return section.note("The best model has no attention mechanism, so there are no attention weights to show.")
    section.text(f"Attention weights of the greedy decoder for {len(maps)} test words (rows: output characters, "
                 f"columns: input characters).")
    for i, (source, output, weights) in enumerate(maps, start=1):
        section.image(f"attention_{i}.png", plots.attention_heatmap(source, output, weights, lang),
                      f"Attention heatmap {i}")
    return section


# command --------------------------------------------------------------------------------------------------
def make_report(sweep_dir: Path, out: Path | None, opts: FinalOptions, beam_size: int | None, top_k: int) -> dict:
    """Load the sweep, train (or reuse) the final model, evaluate it on test and write the report."""

    if not Path(sweep_dir).is_dir():
        raise SeqlabError(f"{sweep_dir}: no such directory")
    meta, study = load_sweep(sweep_dir)
    trials = completed_trials(study, sweep_dir)
    best = chosen_trial(study, trials)  # the full-data rung's winner when the sweep ran one (halving.py)
    beam = int(beam_size or best.params.get("beam_size", 1))
    check_value(DecodingConfig, "beam_size", beam)
    check_value(DecodingConfig, "beam_size", top_k, label="--top-k")
    out = Path(out) if out else Path(sweep_dir) / "report"
    _, planned = final_configs(meta, best.params, opts)
    script_font(planned.lang)  # fail before hours of training, not after
    pairs, _ = load_split(planned.dataset, planned.lang, "test", planned.data_dir, planned.skip_bad_lines)  # early
    sections = sweep_sections(Path(sweep_dir), meta, study, trials)
    run_dir, info, cfg = train_final(Path(sweep_dir), meta, best, opts)
    translit = load_transliterator(run_dir)
    summary, rows = evaluate_pairs(translit, pairs, translit.settings(beam), top_k)
    csv_path, _ = write_results(out, "test", summary, rows)
    maps = []
    if translit.config.get("model", {}).get("attention", "none") != "none":
        for word in attention_words(rows):
            output, weights = translit.attention(word)
            maps.append((word, output, weights.detach().cpu().numpy()))
    sections += final_sections(best, run_dir, info, cfg, summary, rows, csv_path.name, maps, rung_record(study))
    path = write_report(out, f"Transliteration sweep report: {Path(sweep_dir).resolve().name}", sections)
    return {"report": str(path), "markdown": str(out / "report.md"), "predictions": str(csv_path), **summary}
