"""`seqlab translit sweep`: space files, the sweep directory contract, resuming, W&B offline logging, and
several workers on one study in a real PostgreSQL server (started by the tests themselves)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from translit_helpers import write_dakshina

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.translit.config import ModelConfig, TrainConfig
from seqlab.translit.sweep import space as sweep_space
from seqlab.translit.sweep.study import TRIAL_ATTRS, load_sweep

TINY_SPACE = """\
emb: [8, 16]
hidden: {choices: [16, 24]}
cell: [gru, lstm]
attention: [none, luong]
beam_size: [1, 2]
lr: {low: 3e-3, high: 1e-2, log: true}
batch_size: 32
"""
PARAMS = set(sweep_space.PARAMS)


@pytest.fixture
def sweep_data(tmp_path, real_pairs) -> Path:
    return write_dakshina(tmp_path / "data", {"train": real_pairs[::70][:200], "dev": real_pairs[35::400][:60]})


@pytest.fixture
def space_file(tmp_path) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text(TINY_SPACE)
    return path


def sweep_args(out, data, space, trials, *extra) -> list[str]:
    return ["translit", "sweep", "--space", str(space), "--trials", str(trials), "--limit-train", "200",
            "--epochs", "2", "--data-dir", str(data), "--out", str(out), "--heartbeat", "1", *map(str, extra)]


def finished(study) -> list:
    return [t for t in study.get_trials() if t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL]


def check_trials(study, expected: int) -> None:
    """Exactly `expected` finished trials, distinct numbers and run dirs, every run dir complete."""
    done = finished(study)
    assert len(done) == expected
    numbers = [t.number for t in study.get_trials()]
    assert len(set(numbers)) == len(numbers)
    run_dirs = [t.user_attrs["run_dir"] for t in study.get_trials()]
    assert len(set(run_dirs)) == len(run_dirs)
    for t in done:
        assert set(t.params) == PARAMS
        assert set(TRIAL_ATTRS) == {"run_dir", "parameters", "train_seconds", "best_epoch", "dev_accuracy"}
        assert set(TRIAL_ATTRS) <= set(t.user_attrs)
        run = Path(t.user_attrs["run_dir"])
        assert run.name == f"trial-{t.number:04d}"
        assert (run / "config.json").is_file() and (run / "metrics.jsonl").is_file()
        assert (run / "best.safetensors").is_file()
    assert not [t for t in study.get_trials() if t.state == optuna.trial.TrialState.RUNNING]


# space files ------------------------------------------------------------------------------------
def test_default_space_searches_every_architecture_option():
    space = sweep_space.load_space(None)
    assert space["emb"] == {"choices": [16, 32, 64, 256]} and space["hidden"] == {"choices": [16, 32, 64, 256]}
    assert space["enc_layers"] == space["dec_layers"] == {"choices": [1, 2, 3]}
    assert space["cell"] == {"choices": ["rnn", "gru", "lstm"]} and space["bidirectional"] == {"choices": [False, True]}
    assert space["dropout"] == {"choices": [0.0, 0.2, 0.3]} and space["beam_size"] == {"choices": [1, 3, 5]}
    assert space["attention"] == {"choices": ["none", "bahdanau", "luong"]}
    assert space["lr"] == {"low": 1e-4, "high": 1e-2, "log": True} and "choices" in space["batch_size"]


def test_space_defaults_and_ranges_are_the_train_commands():
    """Keys left out of a space take `seqlab translit train`'s defaults; values it refuses, the space refuses."""
    defaults = sweep_space.parse_space({})
    assert defaults["emb"] == {"choices": [ModelConfig.embedding_size]}
    assert defaults["lr"] == {"choices": [TrainConfig.lr]}
    assert defaults["beam_size"] == {"choices": [TrainConfig.dev_beam_size]}
    assert all(p.config in (ModelConfig, TrainConfig) for p in sweep_space.PARAMS.values())
    for key, bad in [("emb", 4097), ("enc_layers", 17), ("dropout", 1.0), ("beam_size", 101), ("cell", "lstm2")]:
        with pytest.raises(SeqlabError, match="out of range"):
            sweep_space.parse_space({key: bad})


def test_space_shorthands_and_defaults(tmp_path):
    space = sweep_space.parse_space({"lr": {"low": "1e-4", "high": 0.01, "log": True}, "emb": 32, "hidden": [8, 16]})
    assert space["lr"] == {"low": 1e-4, "high": 0.01, "log": True}
    assert space["emb"] == {"choices": [32]} and space["hidden"] == {"choices": [8, 16]}
    assert space["cell"] == {"choices": ["gru"]} and space["beam_size"] == {"choices": [1]}


@pytest.mark.parametrize("text, message", [
    ("embedding: [16]", "unknown parameter 'embedding'"),
    ("emb: {choices: []}", "emb: `choices` must be a non-empty list"),
    ("lr: {low: 0.1, high: 0.01}", "lr: low (0.1) is greater than high (0.01)"),
    ("cell: [gru, transformer]", "cell: 'transformer' is out of range"),
    ("dropout: {low: 0, high: 1.5}", "dropout: 1.5 is out of range"),
    ("emb: {low: 8}", "emb: expected `choices: [...]` or `low:` and `high:`"),
    ("- emb", "must be a mapping"),
    ("emb: [16", "is not valid YAML"),
])
def test_bad_space_files_give_one_line_errors(tmp_path, capsys, text, message):
    space = tmp_path / "bad.yaml"
    space.write_text(text + "\n")
    assert main(["translit", "sweep", "--space", str(space), "--trials", "1", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and str(space) in err and message in err and "\n" not in err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("args, message", [
    (["--sampler", "grid"], "grid sampler needs `choices` for every parameter; lr"),
    (["--storage", "mysql://x/y"], "unsupported --storage"),
    (["--storage", "postgresql://nobody@127.0.0.1:1/none"], "cannot connect to postgresql://nobody@127.0.0.1:1/none"),
    (["--trials", "0"], "--trials must be an integer in 1–100,000, got 0"),
    (["--pruner", "sometimes"], "--pruner must be one of"),
])
def test_bad_options_are_user_errors(tmp_path, capsys, space_file, sweep_data, args, message):
    argv = sweep_args(tmp_path / "s", sweep_data, space_file, 2)
    assert main(argv + args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


# one process, SQLite ----------------------------------------------------------------------------
def test_sweep_directory_contract_resume_and_extension(tmp_path, capsys, space_file, sweep_data):
    out = tmp_path / "sweep"
    assert main(sweep_args(out, sweep_data, space_file, 2, "--seed", 3)) == 0
    stdout = capsys.readouterr().out
    assert stdout.count("dev acc") >= 2 and "study sweep: 2/2 finished" in stdout
    info, study = load_sweep(out)
    assert info["study"] == "sweep" and info["storage"] == f"sqlite:///{(out / 'study.db').resolve()}"
    assert info["trials_target"] == 2 and info["train"]["epochs"] == 2 and info["train"]["limit_train"] == 200
    assert info["space"]["emb"] == {"choices": [8, 16]} and info["seconds"] > 0 and info["finished"]
    check_trials(study, 2)
    best = study.best_trial
    metrics_file = Path(best.user_attrs["run_dir"]) / "metrics.jsonl"
    metrics = [json.loads(line) for line in metrics_file.read_text().splitlines()]
    assert best.value == max(m["dev_accuracy"] for m in metrics) == best.user_attrs["dev_accuracy"]

    assert main(sweep_args(out, sweep_data, space_file, 2, "--seed", 3)) == 0  # nothing left to do
    assert len(finished(load_sweep(out)[1])) == 2
    assert main(sweep_args(out, sweep_data, space_file, 3, "--seed", 3)) == 0  # extend to 3
    info2, study = load_sweep(out)
    check_trials(study, 3)
    assert info2["started"] == info["started"] and info2["seconds"] >= info["seconds"]
    assert len(info2["invocations"]) == 3 and info2["trials_target"] == 3

    capsys.readouterr()
    argv = sweep_args(out, sweep_data, space_file, 3)
    argv[argv.index("--epochs") + 1] = "3"
    assert main(argv) == 2
    assert "holds a sweep with a different train" in capsys.readouterr().err


def test_timeout_stops_starting_trials_and_a_rerun_continues(tmp_path, capsys, space_file, sweep_data):
    out = tmp_path / "timeout"
    assert main(sweep_args(out, sweep_data, space_file, 2, "--timeout", "0.0001")) == 0
    assert "--timeout of 0.0001 min reached" in capsys.readouterr().out
    info, study = load_sweep(out)
    assert len(finished(study)) < 2 and info["finished"] and info["trials_target"] == 2
    assert main(sweep_args(out, sweep_data, space_file, 2)) == 0  # the same sweep, now without a timeout
    check_trials(load_sweep(out)[1], 2)


def test_ctrl_c_fails_the_trial_and_queues_it_again(tmp_path, monkeypatch, capsys, space_file, sweep_data):
    from seqlab.translit.sweep import study as sweep_study

    real_train = sweep_study.train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "interrupted"
    monkeypatch.setattr(sweep_study, "train", interrupted)
    assert main(sweep_args(out, sweep_data, space_file, 2)) == 130
    study = load_sweep(out)[1]
    assert [t.state.name for t in study.trials] == ["FAIL", "WAITING"]
    assert study.trials[1].params == study.trials[0].params
    assert "KeyboardInterrupt" in study.trials[0].user_attrs["error"]
    monkeypatch.setattr(sweep_study, "train", real_train)
    assert main(sweep_args(out, sweep_data, space_file, 2)) == 0
    study = load_sweep(out)[1]
    check_trials(study, 2)
    assert study.trials[1].state.name == "COMPLETE" and study.trials[1].system_attrs["failed_trial"] == 0


def test_grid_sampler_and_pruning(tmp_path, space_file, sweep_data):
    space_file.write_text("cell: [gru, rnn]\nhidden: [16, 24]\nemb: 8\nlr: 0.005\nbatch_size: 32\n")
    out = tmp_path / "grid"
    assert main(sweep_args(out, sweep_data, space_file, 4, "--sampler", "grid", "--pruner", "hyperband")) == 0
    study = load_sweep(out)[1]
    check_trials(study, 4)
    assert sorted((t.params["cell"], t.params["hidden"]) for t in study.trials) == [
        ("gru", 16), ("gru", 24), ("rnn", 16), ("rnn", 24)]
    assert main(sweep_args(tmp_path / "g2", sweep_data, space_file, 5, "--sampler", "grid")) == 2


@pytest.mark.slow
def test_wandb_offline_logs_every_trial(tmp_path, monkeypatch, space_file, sweep_data):
    try:
        import wandb  # noqa: F401
    except ImportError:
        pytest.fail("wandb is not installed: pip install -e '.[dev]' (dev pulls the wandb extra)")
    for name in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WANDB_SILENT", "true")
    for name in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    out = tmp_path / "wb"
    assert main(sweep_args(out, sweep_data, space_file, 1, "--wandb", "--wandb-project", "seqlab-test")) == 0
    runs = list((out / "wandb").glob("offline-run-*"))
    assert len(runs) == 1, list((out / "wandb").iterdir()) if (out / "wandb").exists() else "no wandb folder"
    assert list(runs[0].glob("*.wandb")), list(runs[0].iterdir())
    assert len(finished(load_sweep(out)[1])) == 1


# several workers, PostgreSQL ----------------------------------------------------------------------
def worker(argv: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    handle = open(log, "w")
    return subprocess.Popen([sys.executable, "-m", "seqlab.cli", *argv], stdout=handle, stderr=subprocess.STDOUT,
                            env=env, cwd=log.parent)


def wait(proc: subprocess.Popen, log: Path, timeout: float = 150) -> None:
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "timeout"
    assert rc == 0, f"worker exited {rc}:\n{log.read_text()[-4000:]}"


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_share_one_postgres_study(tmp_path, postgres_url, space_file, sweep_data):
    out = tmp_path / "shared"
    argv = sweep_args(out, sweep_data, space_file, 6, "--storage", postgres_url, "--study", "two-workers")
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    procs = [worker(argv, log) for log in logs]
    for proc, log in zip(procs, logs):
        wait(proc, log)
    info, study = load_sweep(out)
    assert info["storage"] == postgres_url and info["study"] == "two-workers"
    check_trials(study, 6)
    assert len(study.trials) == 6
    workers = {t.user_attrs["worker"] for t in study.trials}
    assert len(workers) == 2, f"one worker did every trial: {workers}"


@pytest.mark.postgres
@pytest.mark.slow
def test_killed_worker_loses_only_its_trial_and_the_rerun_resumes(tmp_path, postgres_url, space_file, sweep_data):
    out = tmp_path / "killed"
    argv = sweep_args(out, sweep_data, space_file, 3, "--storage", postgres_url, "--study", "killed-worker",
                      "--pruner", "none", "--patience", 12)
    argv[argv.index("--epochs") + 1] = "12"  # trial 0 runs long enough to be killed after its first epoch
    log = tmp_path / "first.log"
    proc = worker(argv, log)
    first_epoch = out / "trials" / "trial-0000" / "metrics.jsonl"
    deadline = time.monotonic() + 90
    while not first_epoch.exists():  # trial 0 has finished an epoch and has more to go
        assert proc.poll() is None, f"worker ended early:\n{log.read_text()[-4000:]}"
        assert time.monotonic() < deadline, f"trial 0 never finished an epoch:\n{log.read_text()[-4000:]}"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    study = load_sweep(out)[1]
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.RUNNING], "the kill did not land mid-trial"
    killed = study.trials[0]

    rerun_log = tmp_path / "rerun.log"
    wait(worker(argv, rerun_log), rerun_log)
    _, study = load_sweep(out)
    check_trials(study, 3)
    states = {t.number: t.state for t in study.trials}
    assert states[0] == optuna.trial.TrialState.FAIL and len(study.trials) == 4
    retries = [t for t in study.trials if t.system_attrs.get("failed_trial") == 0]
    assert len(retries) == 1 and retries[0].params == killed.params and retries[0].state.is_finished()


@pytest.mark.postgres
@pytest.mark.slow
def test_a_stalled_worker_gives_way_to_the_retry(tmp_path, postgres_url, space_file, sweep_data):
    """A worker frozen past the grace period finds its trial failed and re-run elsewhere, and carries on."""
    out = tmp_path / "stalled"
    argv = sweep_args(out, sweep_data, space_file, 2, "--storage", postgres_url, "--study", "stalled-worker",
                      "--pruner", "none", "--patience", 8)
    argv[argv.index("--epochs") + 1] = "8"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = worker(argv, first_log)
    first_epoch = out / "trials" / "trial-0000" / "metrics.jsonl"
    deadline = time.monotonic() + 90
    while not first_epoch.exists():
        assert first.poll() is None and time.monotonic() < deadline, first_log.read_text()[-4000:]
        time.sleep(0.05)
    first.send_signal(signal.SIGSTOP)
    try:
        wait(worker(argv, second_log), second_log)
    finally:
        first.send_signal(signal.SIGCONT)
    wait(first, first_log)
    assert "stale" in first_log.read_text()
    _, study = load_sweep(out)
    check_trials(study, 2)
    assert study.trials[0].state == optuna.trial.TrialState.FAIL


# successive halving ------------------------------------------------------------------------------
@pytest.mark.slow
def test_halving_rung_retrains_the_best_trials_on_full_data_and_picks_by_full_data_dev(
        tmp_path, capsys, space_file, real_pairs):
    """Proxy trials on 100 pairs, then the best 2 again on all 1,500 pairs for 8 epochs (so that they learn
    something: dev holds short training words); the winner is the rung's best."""
    from seqlab.translit.sweep.halving import RUNG_ATTR, chosen_trial, pick_winner

    train = real_pairs[::20][:1500]
    data = write_dakshina(tmp_path / "data", {"train": train, "dev": [p for p in train if len(p[0]) <= 4][:60],
                                              "test": real_pairs[17::400][:20]})
    out = tmp_path / "halving"
    argv = sweep_args(out, data, space_file, 3, "--halving-top", 2, "--halving-epochs", 8)
    argv[argv.index("--limit-train") + 1] = "100"
    assert main(argv) == 0
    stdout = capsys.readouterr().out
    info, study = load_sweep(out)
    record = study.user_attrs[RUNG_ATTR]
    complete = [t for t in study.get_trials() if t.state == optuna.trial.TrialState.COMPLETE]
    by_proxy = sorted(complete, key=lambda t: (-t.value, t.number))
    assert info["halving"] == {"top": 2, "epochs": 8, "budget": None}
    assert record["finished"] and record["candidates"] == [t.number for t in by_proxy[:2]]
    assert set(record["results"]) == {str(n) for n in record["candidates"]}
    for number, entry in record["results"].items():  # the rung's runs: full data, the rung's epochs, no pruning
        run = Path(entry["run_dir"])
        assert run == (out / "halving" / f"trial-{int(number):04d}").resolve()
        config = json.loads((run / "config.json").read_text())
        assert config["train"]["limit_train"] is None and config["data"]["train_pairs"] == 1500
        assert config["train"]["epochs"] == 8 and 1 <= entry["epochs_run"] <= 8  # early stopping still applies
        assert entry["proxy_dev_accuracy"] == study.trials[int(number)].value
        metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        assert entry["dev_accuracy"] == max(m["dev_accuracy"] for m in metrics)
    winner = max(record["candidates"], key=lambda n: (record["results"][str(n)]["dev_accuracy"],
                                                       -record["candidates"].index(n)))
    assert record["winner"] == winner == chosen_trial(study, complete).number
    assert "halving rung finished" in stdout and f"winner (full-data dev): trial {winner}" in stdout
    assert max(e["dev_accuracy"] for e in record["results"].values()) > 0  # the full-data stage learned

    # The report trains and describes the rung's winner, with both stages side by side.
    assert main(["translit", "report", str(out), "--final-epochs", "1", "--limit-train", "100"]) == 0
    assert json.loads((out / "final" / "final.json").read_text())["trial"] == winner
    page = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert f"Trial {winner}: dev accuracy" in page and "Chosen by successive halving" in page
    assert "full-data dev accuracy" in page and f"{winner} ★" in page

    # The pick follows the full-data stage even where it disagrees with the proxy stage.
    flipped = {"candidates": [4, 7], "results": {"4": {"dev_accuracy": 0.30}, "7": {"dev_accuracy": 0.41}}}
    assert pick_winner(flipped) == 7
    assert pick_winner({**flipped, "results": {"4": {"dev_accuracy": 0.4}, "7": {"dev_accuracy": 0.4}}}) == 4

    # A live lease of another worker is left alone; a stale one is taken over and the missing run redone.
    missing = str(record["candidates"][1])
    unfinished = {**record, "finished": False, "winner": None, "owner": "elsewhere:1", "lease_ts": time.time(),
                  "results": {k: v for k, v in record["results"].items() if k != missing}}
    study.set_user_attr(RUNG_ATTR, unfinished)
    with pytest.raises(SeqlabError, match="halving rung .* is unfinished"):
        chosen_trial(study, complete)
    assert main(argv) == 0
    assert "worker elsewhere:1 is running the halving rung" in capsys.readouterr().out
    assert not load_sweep(out)[1].user_attrs[RUNG_ATTR]["finished"]
    study.set_user_attr(RUNG_ATTR, {**unfinished, "lease_ts": 0.0})
    assert main(argv) == 0
    again = load_sweep(out)[1].user_attrs[RUNG_ATTR]
    assert again["finished"] and again["results"][missing]["dev_accuracy"] == record["results"][missing]["dev_accuracy"]
    assert again["winner"] == winner

    argv[argv.index("--trials") + 1] = "4"  # extending the study reranks the rung; finished runs are kept
    assert main(argv) == 0
    study = load_sweep(out)[1]
    extended = study.user_attrs[RUNG_ATTR]
    complete = [t for t in study.get_trials() if t.state == optuna.trial.TrialState.COMPLETE]
    top = [t.number for t in sorted(complete, key=lambda t: (-t.value, t.number))[:2]]
    assert extended["finished"] and extended["candidates"] == top and {str(n) for n in top} <= set(extended["results"])
    assert all(extended["results"][k] == again["results"][k] for k in again["results"])
    assert extended["winner"] == chosen_trial(study, complete).number == pick_winner(extended)

    argv[argv.index("--halving-epochs") + 1] = "4"  # the rung's settings are fixed once it has started
    assert main(argv) == 2
    assert "halving rung of study 'halving' ran with top 2, epochs 8" in capsys.readouterr().err


def test_a_sweep_from_before_a_new_training_option_resumes(tmp_path, capsys, space_file, sweep_data):
    """sweep.json written before TrainConfig gained a field (here `precision`) lacks it; that means the default."""
    out = tmp_path / "old"
    argv = sweep_args(out, sweep_data, space_file, 2, "--timeout", "0.0001")
    assert main(argv) == 0
    info = json.loads((out / "sweep.json").read_text())
    del info["train"]["precision"]
    (out / "sweep.json").write_text(json.dumps(info))
    assert main(argv) == 0
    assert main(argv + ["--trial-budget", "1"]) == 2  # a real difference is still refused
    assert "holds a sweep with a different train" in capsys.readouterr().err
