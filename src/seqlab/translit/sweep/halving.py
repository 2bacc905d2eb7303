"""Successive halving for `seqlab translit sweep --halving-top N`: one full-data rung after the proxy trials.

The proxy trials (often `--limit-train` pairs and a short `--trial-budget`) favour networks that learn fast;
a network that needs the whole training split and more epochs is cut before it shows what it can do. So once
the study holds its `--trials` finished trials, the best N complete trials are trained again on the full
training data (no `--limit-train`) with the rung's own epoch limit and time budget (`--halving-epochs`,
`--halving-budget`), without pruning, and the winner is the trial with the best full-data dev accuracy.

Why one rung run by one worker: the rung is short (N runs) and comes after every proxy trial, so the simplest
correct design is a lease. Its state is one study user attribute (`RUNG_ATTR`, in the shared Optuna storage,
so SQLite and PostgreSQL workers see it alike), read and written only under the study lock:
    {"top", "epochs", "budget", "candidates": [trial numbers, best proxy first], "results": {number: {...}},
     "owner": worker, "lease_ts": seconds since the epoch, "finished": bool, "winner": number}
The worker that finalizes the study takes the lease and renews it every --heartbeat seconds while it trains;
the others see a live lease and stop. A lease silent for 3 × --heartbeat is taken over by the next worker
(rerunning the sweep command), which resumes an interrupted rung run from its folder when it can see it.
Finished rung runs are recorded one by one, so a kill loses at most the run in progress.
"""
from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

from optuna.trial import TrialState

from seqlab.errors import SeqlabError
from seqlab.translit.config import SweepOptions
from seqlab.translit.model import checkpoint as ckpt
from seqlab.translit.sweep import space as sweep_space
from seqlab.translit.sweep.storage import StudyLock
from seqlab.translit.train import TrainResult, resume, train

RUNG_ATTR, RUNG_DIR = "halving", "halving"


class LeaseLost(Exception):
    """Another worker took the rung over while this one was frozen; this worker stops quietly."""


def rung_record(study) -> Optional[dict]:
    """The rung's state as stored in the study (None before the rung started)."""
    return study.user_attrs.get(RUNG_ATTR)


def pick_winner(record: dict) -> int:
    """The trial number with the best full-data dev accuracy; ties go to the better proxy rank."""
    results = record["results"]
    order = {number: rank for rank, number in enumerate(record["candidates"])}
    return max((n for n in order if str(n) in results), key=lambda n: (results[str(n)]["dev_accuracy"], -order[n]))


def settings(opts: SweepOptions) -> dict:
    return {"top": opts.halving_top, "epochs": opts.halving_epochs or opts.train.epochs,
            "budget": opts.halving_budget}


def _candidates(study, top: int) -> list[int]:
    done = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE and t.value is not None]
    return [t.number for t in sorted(done, key=lambda t: (-t.value, t.number))[:top]]


def _claim(opts: SweepOptions, study) -> tuple[Optional[dict], str]:
    """Under the study lock: create or take over the rung, or say why this worker leaves it alone."""
    record, now = rung_record(study), time.time()
    wanted, candidates = settings(opts), _candidates(study, opts.halving_top)
    if record is None:
        record = {**wanted, "candidates": candidates, "results": {}, "finished": False}
    elif {k: record.get(k) for k in wanted} != wanted:
        raise SeqlabError(f"the halving rung of study {opts.study!r} ran with top {record.get('top')}, epochs "
                          f"{record.get('epochs')}, budget {record.get('budget')}; repeat those options or pick a "
                          "new --out")
    elif record["candidates"] != candidates:  # the study was extended (--trials): rerank, keep finished runs
        record = {**record, "candidates": candidates, "finished": False, "winner": None}
    if record["finished"]:
        return None, "done"
    if record.get("owner") not in (None, opts.worker) and now - record.get("lease_ts", 0) < 3 * opts.heartbeat:
        return None, f"worker {record['owner']} is running the halving rung"
    record = {**record, "owner": opts.worker, "lease_ts": now}
    study.set_user_attr(RUNG_ATTR, record)
    return record, "claimed"


def _update(study, lock: StudyLock, worker: str, change: Callable[[dict], dict]) -> dict:
    """Read-modify-write of the rung record under the lock, only while this worker owns it."""
    with lock.held():
        record = rung_record(study)
        if record is None or record.get("owner") != worker:
            raise LeaseLost
        record = change(record)
        study.set_user_attr(RUNG_ATTR, record)
        return record


class _Lease:
    """Renews the lease every --heartbeat seconds in a thread; training checks `lost` after each epoch."""

    def __init__(self, opts: SweepOptions, study, lock: StudyLock):
        self.opts, self.study, self.lock = opts, study, lock
        self.lost, self._stop = False, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.opts.heartbeat):
            try:
                _update(self.study, self.lock, self.opts.worker, lambda r: {**r, "lease_ts": time.time()})
            except LeaseLost:
                self.lost = True
                return
            except Exception:  # a storage hiccup: try again at the next beat; the grace period covers it
                continue

    def __enter__(self) -> "_Lease":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _train_candidate(opts: SweepOptions, trial, lease: _Lease) -> tuple[Path, TrainResult]:
    """The trial's configuration on the full training split, in SWEEP_DIR/halving/trial-NNNN."""
    rung = settings(opts)
    base = replace(opts.train, limit_train=None, epochs=rung["epochs"], time_budget=rung["budget"],
                   show_progress=False)
    model_cfg, cfg = sweep_space.trial_configs(trial.params, base)
    run_dir = (opts.out / RUNG_DIR / f"trial-{trial.number:04d}").resolve()

    def on_epoch(epoch: int, accuracy: float) -> None:
        if lease.lost:
            raise LeaseLost

    if (run_dir / ckpt.TRAIN_STATE).is_file():  # an earlier owner died mid-run: continue its run
        return run_dir, resume(run_dir, epochs=cfg.epochs, time_budget=cfg.time_budget, on_epoch=on_epoch,
                               show_progress=False)
    return run_dir, train(model_cfg, cfg, run_dir, on_epoch=on_epoch)


def run_rung(opts: SweepOptions, study, lock: StudyLock, echo: Callable[[str], None]) -> Optional[dict]:
    """Train the rung's remaining candidates and record the winner; None when another worker owns the rung."""
    with lock.held():
        record, why = _claim(opts, study)
    if record is None:
        if why != "done":
            echo(f"{why}; this worker stops here")
        return rung_record(study)
    proxy = {t.number: t for t in study.get_trials(deepcopy=False)}
    try:
        with _Lease(opts, study, lock) as lease:
            for number in record["candidates"]:
                if str(number) in record["results"]:
                    continue
                began = time.time()
                run_dir, result = _train_candidate(opts, proxy[number], lease)
                entry = {"run_dir": str(run_dir), "dev_accuracy": result.best_dev_accuracy,
                         "proxy_dev_accuracy": proxy[number].value, "best_epoch": result.best_epoch,
                         "epochs_run": result.epochs_run, "parameters": result.parameters,
                         "train_seconds": result.train_seconds}
                record = _update(study, lock, opts.worker,
                                 lambda r, n=number, e=entry: {**r, "results": {**r["results"], str(n): e}})
                echo(f"halving: trial {number:4d} full-data dev acc {entry['dev_accuracy']:.4f} (proxy "
                     f"{entry['proxy_dev_accuracy']:.4f}; epoch {entry['best_epoch']}) {time.time() - began:6.1f} s")
            record = _update(study, lock, opts.worker,
                             lambda r: {**r, "finished": True, "winner": pick_winner(r) if r["candidates"] else None})
    except LeaseLost:
        echo("another worker took the halving rung over; this worker stops here")
        return rung_record(study)
    except BaseException:  # Ctrl-C or an error: free the lease so that a rerun continues at once
        with contextlib.suppress(Exception):
            _update(study, lock, opts.worker, lambda r: {**r, "owner": None, "lease_ts": 0})
        raise
    return record


def describe_rung(study) -> list[str]:
    """Lines for the sweep's closing summary: each full-data run beside its proxy score, then the winner."""
    record = rung_record(study)
    if record is None:
        return []
    done = sum(str(n) in record["results"] for n in record["candidates"])
    state = "finished" if record["finished"] else f"unfinished ({done}/{len(record['candidates'])})"
    lines = [f"halving rung {state}: top {record['top']} trials on the full training data, "
             f"{record['epochs']} epochs" + (f", {record['budget']:g} min each" if record["budget"] else "")]
    for number in record["candidates"]:
        entry = record["results"].get(str(number))
        if entry:
            lines.append(f"  trial {number:4d}: proxy dev acc {entry['proxy_dev_accuracy']:.4f} -> full-data "
                         f"{entry['dev_accuracy']:.4f} (epoch {entry['best_epoch']})")
    if record.get("winner") is not None:
        entry = record["results"][str(record["winner"])]
        lines.append(f"winner (full-data dev): trial {record['winner']}  run: {entry['run_dir']}")
    return lines


def chosen_trial(study, complete: list):
    """The sweep's pick among its complete trials: the rung's winner when the sweep ran one, else the best
    proxy trial. An unfinished rung is an error, so that a report never silently falls back to the proxy."""
    record = rung_record(study)
    if record is None or (record["finished"] and record.get("winner") is None):
        return max(complete, key=lambda t: t.value)
    if not record["finished"]:
        done = sum(str(n) in record["results"] for n in record["candidates"])
        raise SeqlabError(f"the halving rung of study {study.study_name!r} is unfinished "
                          f"({done}/{len(record['candidates'])} runs); rerun the sweep command to finish it")
    return next(t for t in complete if t.number == record["winner"])
