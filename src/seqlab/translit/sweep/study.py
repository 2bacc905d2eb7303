"""`seqlab translit sweep`: Optuna hyperparameter search where each trial is a full training run.

Layout of SWEEP_DIR (read by `seqlab translit report` through `load_sweep`):
    sweep.json               study name, storage URL, parsed space, trial target, common TrainConfig, times
    study.db                 the default SQLite storage
    trials/trial-NNNN/       each trial's run directory (same format as `seqlab translit train`)
    halving/trial-NNNN/      with --halving-top N: the best N trials trained again on the full data (halving.py)
    wandb/                   W&B run files with --wandb

Several workers (processes or machines) may share one study through `--storage postgresql://…`. Each
worker takes a study-wide lock (a PostgreSQL advisory lock; a file lock for SQLite) to fail stale trials,
count trials and create the next one, so the study ends with exactly `--trials` finished (complete or
pruned) trials. Running trials send heartbeats; a trial whose worker died is marked FAIL after the grace
period and its configuration is queued again (at most 3 times), so a kill loses only that trial and
re-running the same command resumes the study.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import optuna
from optuna.storages import fail_stale_trials
from optuna.trial import TrialState
from tqdm import tqdm

from seqlab.errors import SeqlabError, check_all, first_line
from seqlab.io import output_dir, read_jsonl, write_json_atomic
from seqlab.options import check_fields
from seqlab.parameters import count_parameters
from seqlab.translit.config import ModelConfig, SweepOptions, TrainConfig
from seqlab.translit.model import checkpoint as ckpt
from seqlab.translit.model.network import Seq2Seq
from seqlab.translit.sweep import space as sweep_space
from seqlab.translit.sweep.halving import run_rung
from seqlab.translit.sweep.halving import settings as halving_settings
from seqlab.translit.sweep.storage import (
    STUDY_DB,
    StudyLock,
    heartbeat_thread,
    make_pruner,
    make_sampler,
    open_storage,
    public_url,
    quiet_optuna,
    retry_callback,
    stored_trial,
)
from seqlab.translit.train import train

TRIAL_ATTRS = ("run_dir", "parameters", "train_seconds", "best_epoch", "dev_accuracy")

SWEEP_JSON, TRIALS_DIR = "sweep.json", "trials"


# sweep.json -------------------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _union_seconds(invocations: list[dict]) -> float:
    """Wall seconds covered by the invocations (overlapping workers counted once)."""
    total, end_max = 0.0, None
    for start, end in sorted((i["start_ts"], i["end_ts"]) for i in invocations):
        if end_max is None or start > end_max:
            total, end_max = total + end - start, end
        elif end > end_max:
            total, end_max = total + end - end_max, end
    return round(total, 3)


def write_sweep_json(opts: SweepOptions, invocation: dict) -> None:
    """Create or update sweep.json; refuses a SWEEP_DIR that holds a different sweep. Call under the lock."""

    path = opts.out / SWEEP_JSON
    record = {"study": opts.study, "storage": public_url(opts.storage), "space": opts.space,
              "trials_target": opts.trials, "train": asdict(opts.train)}
    old = _read_sweep_json(path) if path.exists() else None
    if old is not None and isinstance(old.get("train"), dict):  # a TrainConfig option added since: its default
        old = {**old, "train": {**asdict(TrainConfig()), **old["train"]}}
    if old is not None:
        for key in ("study", "storage", "space", "train"):
            if old.get(key) != record[key]:
                raise SeqlabError(f"{opts.out} holds a sweep with a different {key}; repeat its options "
                                  f"(see {path}) to resume it, or pick a new --out")
    invocations = [i for i in (old or {}).get("invocations", []) if i.get("id") != invocation["id"]] + [invocation]
    write_json_atomic(path, {**record, "sampler": opts.sampler, "pruner": opts.pruner, "seed": opts.seed,
                             "halving": halving_settings(opts),
                             "started": (old or {}).get("started", invocation["started"]),
                             "finished": invocation.get("finished"), "seconds": _union_seconds(invocations),
                             "invocations": invocations})


def _read_sweep_json(path: Path) -> dict:

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeqlabError(f"cannot read {path}: {exc}") from None


def load_sweep(sweep_dir: str | Path, storage: Optional[str] = None):
    """(sweep.json as a dict, the Optuna study) of a sweep directory.

    `storage` (else $SEQLAB_SWEEP_STORAGE) overrides the saved URL, which never holds a password."""
    sweep_dir = Path(sweep_dir)
    path = sweep_dir / SWEEP_JSON
    if not path.exists():
        raise SeqlabError(f"{sweep_dir} is not a sweep directory (no {SWEEP_JSON})")
    info = _read_sweep_json(path)
    storage = storage or os.environ.get("SEQLAB_SWEEP_STORAGE")
    url = storage or info["storage"]
    if "***" in url:
        raise SeqlabError(f"{path} does not keep the database password; set SEQLAB_SWEEP_STORAGE to the full URL")
    local = sweep_dir / STUDY_DB
    if not storage and url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists() and local.exists():
        url = f"sqlite:///{local.resolve()}"  # the sweep directory was moved or copied
    optuna = quiet_optuna()
    try:
        study = optuna.load_study(study_name=info["study"], storage=open_storage(url))
    except KeyError:
        raise SeqlabError(f"study {info['study']!r} not found in {public_url(url)}") from None
    return info, study


# one trial ----------------------------------------------------------------------------------------
def _run_summary(run_dir: Path) -> dict:
    """What a (possibly pruned) run directory says about itself."""

    records = read_jsonl(run_dir / ckpt.METRICS)
    best = max(records, key=lambda r: r["dev_accuracy"], default=None)
    model = Seq2Seq(ModelConfig(**ckpt.read_config(run_dir)["model"]))
    return {"parameters": count_parameters(model), "train_seconds": records[-1]["elapsed_seconds"] if records else 0.0,
            "best_epoch": best["epoch"] if best else 0, "dev_accuracy": best["dev_accuracy"] if best else 0.0}


def _import_wandb():
    try:
        import wandb
    except ImportError:
        raise SeqlabError("--wandb needs the wandb package: pip install 'seqlab[wandb]'") from None
    return wandb


def _start_wandb(opts: SweepOptions, trial, params: dict):
    mode = os.environ.get("WANDB_MODE", "offline")
    return _import_wandb().init(mode=mode, dir=str(opts.out), project=opts.wandb_project, group=opts.study,
                                name=f"trial-{trial.number}", config=params)


def run_trial(opts: SweepOptions, study, trial) -> tuple[str, dict]:
    """Train one configuration; tell the study COMPLETE (best dev accuracy), PRUNED or FAIL."""

    params = sweep_space.suggest(trial, opts.space)
    run_dir = (opts.out / TRIALS_DIR / f"trial-{trial.number:04d}").resolve()
    trial.set_user_attr("run_dir", str(run_dir))
    trial.set_user_attr("worker", opts.worker)
    model_cfg, cfg = sweep_space.trial_configs(params, replace(opts.train, show_progress=False))
    run = None

    def on_epoch(epoch: int, accuracy: float) -> None:
        trial.report(accuracy, epoch)
        if run is not None:
            run.log({"epoch": epoch, "dev_accuracy": accuracy})
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch}")

    state = optuna.trial.TrialState.COMPLETE
    try:
        run = _start_wandb(opts, trial, params) if opts.wandb else None
        with heartbeat_thread(study, trial):
            try:
                train(model_cfg, cfg, run_dir, on_epoch=on_epoch)
            except optuna.TrialPruned:
                state = optuna.trial.TrialState.PRUNED
        summary = _run_summary(run_dir)
        for key, value in summary.items():
            trial.set_user_attr(key, value)
        study.tell(trial, summary["dev_accuracy"] if state == optuna.trial.TrialState.COMPLETE else None, state=state)
    except BaseException as exc:
        if not _taken_over(study, trial, exc):
            _fail(study, trial, exc, retry=isinstance(exc, KeyboardInterrupt))
            if run is not None:
                run.finish(exit_code=1)
            raise
        summary, state = _run_summary(run_dir), None
    if run is not None:
        run.summary.update({**summary, "state": state.name if state else "STALE"})
        run.finish()
    return state.name.lower() if state else "stale", {**params, **summary}


def _taken_over(study, trial, exc: BaseException) -> bool:
    """True when this worker froze past the grace period and another one failed (and re-queued) its trial."""

    if not isinstance(exc, (optuna.exceptions.UpdateFinishedTrialError, optuna.exceptions.StorageInternalError)):
        return False
    try:
        return stored_trial(study, trial).state.is_finished()
    except Exception:
        return False


def _fail(study, trial, exc: BaseException, retry: bool) -> None:
    """Mark a trial FAIL; an interrupted (Ctrl-C) trial's configuration is queued to run again."""

    with contextlib.suppress(Exception):
        trial.set_user_attr("error", f"{type(exc).__name__}: {first_line(exc)}"[:500])
        study.tell(trial, state=TrialState.FAIL)
        if retry:
            retry_callback()(study, stored_trial(study, trial))


# the sweep loop ---------------------------------------------------------------------------------
def trial_counts(study) -> dict[str, int]:
    counts = {"complete": 0, "pruned": 0, "fail": 0, "running": 0, "waiting": 0}
    for t in study.get_trials(deepcopy=False):
        counts[t.state.name.lower()] = counts.get(t.state.name.lower(), 0) + 1
    counts["finished"] = counts["complete"] + counts["pruned"]
    return counts


def _next_trial(opts: SweepOptions, study) -> tuple[Any, dict]:
    """Under the study lock: fail stale trials, then create the next trial if a slot is free."""

    fail_stale_trials(study)
    counts = trial_counts(study)
    if counts["finished"] + counts["running"] >= opts.trials:
        return None, counts
    n_trials = sum(counts[k] for k in ("finished", "fail", "running", "waiting"))
    # A fresh seed per trial keeps workers that share --seed from sampling the same points; the grid
    # sampler shuffles its grid with the seed, so it keeps one (it numbers grid points by trial).
    seed = opts.seed if opts.sampler == "grid" else opts.seed * 1_000_003 + n_trials
    study.sampler = make_sampler(opts.sampler, opts.space, seed)
    return study.ask(), counts


def describe_params(params: dict) -> str:
    shown = {k: (f"{v:.2g}" if k == "lr" else v) for k, v in params.items() if k in sweep_space.PARAMS}
    return " ".join(f"{k}={v}" for k, v in shown.items())


def run_sweep(opts: SweepOptions) -> dict[str, int]:
    """Run trials until the study holds `opts.trials` finished ones (or --timeout); returns the counts."""

    optuna = quiet_optuna()
    output_dir(opts.out, "--out")
    lock, start = StudyLock(opts.storage, opts.study, opts.heartbeat), time.time()
    invocation = {"id": f"{opts.worker}:{start}", "worker": opts.worker, "started": _now(), "start_ts": start}
    opened = False
    try:
        with lock.held():
            study = optuna.create_study(study_name=opts.study, storage=open_storage(opts.storage, opts.heartbeat),
                                        direction="maximize", load_if_exists=True,
                                        pruner=make_pruner(opts.pruner, opts.train.epochs))
            opened = True
            if study.direction != optuna.study.StudyDirection.MAXIMIZE:
                raise SeqlabError(f"study {opts.study!r} exists and does not maximize; pick another --study")
            write_sweep_json(opts, {**invocation, "end_ts": time.time()})
            counts = trial_counts(study)
        bar = tqdm(total=opts.trials, initial=min(counts["finished"], opts.trials), desc="trials", unit="trial",
                   disable=not opts.progress, dynamic_ncols=True)
        try:
            counts = _loop(opts, study, lock, bar, invocation)
            bar.close()
            if opts.halving_top and counts["finished"] >= opts.trials:  # the full-data rung (halving.py)
                run_rung(opts, study, lock, lambda message: _echo(opts, message))
        finally:
            bar.close()
            with lock.held():
                write_sweep_json(opts, {**invocation, "end_ts": time.time(), "finished": _now()})
    finally:
        lock.close(failed=not opened)
    return counts


def _loop(opts: SweepOptions, study, lock: StudyLock, bar, invocation: dict) -> dict[str, int]:
    deadline = None if opts.timeout is None else invocation["start_ts"] + opts.timeout * 60
    while True:
        if deadline is not None and time.time() >= deadline:
            _echo(opts, f"--timeout of {opts.timeout:g} min reached; run the same command again to continue")
            return trial_counts(study)
        with lock.held():
            trial, counts = _next_trial(opts, study)
        bar.n = min(counts["finished"], opts.trials)
        bar.refresh()
        if trial is None:
            if counts["finished"] >= opts.trials:
                return counts
            time.sleep(min(2.0, opts.heartbeat))  # other workers hold the last trials; wait (they may die)
            continue
        began = time.time()
        state, info = run_trial(opts, study, trial)
        bar.update(1)
        _echo(opts, f"trial {trial.number:4d} {state:8s} dev acc {info['dev_accuracy']:.4f} (epoch "
                    f"{info['best_epoch']}) {time.time() - began:6.1f} s  {info['parameters']:,} params  "
                    f"{describe_params(info)}")
        with lock.held():
            write_sweep_json(opts, {**invocation, "end_ts": time.time()})


def _echo(opts: SweepOptions, message: str) -> None:

    if opts.progress:
        tqdm.write(message)
    else:
        print(message, flush=True)


# CLI --------------------------------------------------------------------------------------------
def check_options(opts: SweepOptions) -> None:
    """Every option checked before the first trial starts."""
    check_fields(opts)
    check_all([(bool(opts.study.strip()), "--study must not be empty")])
    output_dir(opts.out, "--out")
    if opts.storage.startswith("sqlite:///"):
        database = Path(opts.storage[len("sqlite:///"):])
        if database.is_dir():
            raise SeqlabError(f"--storage {opts.storage}: {database} is a folder, not a database file")
        output_dir(database.parent, "--storage")
    opts.train.validate()
    if opts.wandb:
        _import_wandb()
    if opts.sampler == "grid":
        size = sweep_space.grid_size(sweep_space.grid_of(opts.space, opts.space_file))
        if opts.trials > size:
            raise SeqlabError(f"--trials {opts.trials} exceeds the {size} points of the grid")
