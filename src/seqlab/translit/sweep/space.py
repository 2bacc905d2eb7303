"""Search spaces for `seqlab translit sweep`: a small YAML file, one key per hyperparameter.

Each key takes one of
    key: VALUE                        fixed value (recorded as a one-choice parameter)
    key: [A, B, C]                    shorthand for {choices: [A, B, C]}
    key: {choices: [A, B, C]}         categorical
    key: {low: L, high: H}            uniform range (integers for integer keys)
    key: {low: L, high: H, log: true} log-uniform range; `step: S` is also accepted
Keys left out are fixed at the `seqlab translit train` defaults. The grid sampler needs choices
(or fixed values) for every key. Every trial records all keys as Optuna params.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from seqlab.errors import SeqlabError

# As in seqlab.translit.model (kept here so that `seqlab --help` need not import torch; a test compares them).
CELLS, ATTENTIONS = ("rnn", "gru", "lstm"), ("none", "bahdanau", "luong")
DEFAULT_SPACE = Path(__file__).parent / "spaces" / "default.yaml"

# name: (kind, default, check, description of allowed values)
PARAMS: dict[str, tuple[str, Any, Any, str]] = {
    "cell": ("str", "gru", lambda v: v in CELLS, f"one of {', '.join(CELLS)}"),
    "emb": ("int", 64, lambda v: 1 <= v <= 4096, "an integer in 1–4096"),
    "hidden": ("int", 256, lambda v: 1 <= v <= 8192, "an integer in 1–8192"),
    "enc_layers": ("int", 1, lambda v: 1 <= v <= 16, "an integer in 1–16"),
    "dec_layers": ("int", 1, lambda v: 1 <= v <= 16, "an integer in 1–16"),
    "bidirectional": ("bool", False, lambda v: True, "true or false"),
    "dropout": ("float", 0.0, lambda v: 0.0 <= v < 1.0, "a number in [0, 1)"),
    "attention": ("str", "none", lambda v: v in ATTENTIONS, f"one of {', '.join(ATTENTIONS)}"),
    "beam_size": ("int", 1, lambda v: 1 <= v <= 100, "an integer in 1–100"),
    "lr": ("float", 2e-3, lambda v: 0 < v < 10, "a number in (0, 10)"),
    "batch_size": ("int", 64, lambda v: 1 <= v <= 65536, "an integer in 1–65536"),
}
RANGE_KEYS = {"low", "high", "log", "step"}


class SpaceError(SeqlabError):
    pass


def _coerce(kind: str, value: Any, where: str) -> Any:
    """YAML 1.1 reads `1e-4` as a string and `1` as an int; accept both where a number is meant."""
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise ValueError
        if kind == "str":
            if isinstance(value, str):
                return value.lower()
            raise ValueError
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if kind == "int":
            if number != int(number):
                raise ValueError
            return int(number)
        return number
    except (TypeError, ValueError):
        raise SpaceError(f"{where}: {value!r} is not a valid {kind}") from None


def _check_value(name: str, value: Any, where: str) -> Any:
    kind, _, check, allowed = PARAMS[name]
    value = _coerce(kind, value, where)
    if not check(value):
        raise SpaceError(f"{where}: {value!r} is out of range; {name} must be {allowed}")
    return value


def _parse_entry(name: str, spec: Any, where: str) -> dict:
    if isinstance(spec, list):
        spec = {"choices": spec}
    if not isinstance(spec, dict):
        return {"choices": [_check_value(name, spec, where)]}
    keys = set(spec)
    if "choices" in keys:
        if keys != {"choices"}:
            raise SpaceError(f"{where}: use either `choices` or `low`/`high`, not both")
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise SpaceError(f"{where}: `choices` must be a non-empty list")
        values = [_check_value(name, c, where) for c in choices]
        if len(set(values)) != len(values):
            raise SpaceError(f"{where}: `choices` holds duplicates")
        return {"choices": values}
    return _parse_range(name, spec, where)


def _parse_range(name: str, spec: dict, where: str) -> dict:
    kind = PARAMS[name][0]
    unknown = set(spec) - RANGE_KEYS
    if unknown or not {"low", "high"} <= set(spec):
        raise SpaceError(f"{where}: expected `choices: [...]` or `low:` and `high:` (optional `log:`, `step:`), "
                         f"got keys {', '.join(sorted(map(str, spec)))}")
    if kind in ("str", "bool"):
        raise SpaceError(f"{where}: {name} takes `choices`, not a low/high range")
    low, high = _check_value(name, spec["low"], where), _check_value(name, spec["high"], where)
    if low > high:
        raise SpaceError(f"{where}: low ({low}) is greater than high ({high})")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise SpaceError(f"{where}: `log` must be true or false")
    if log and low <= 0:
        raise SpaceError(f"{where}: a log range needs low > 0")
    entry = {"low": low, "high": high, "log": log}
    if spec.get("step") is not None:
        step = _coerce(kind, spec["step"], where)
        if step <= 0 or log:
            raise SpaceError(f"{where}: `step` must be positive and cannot be combined with `log`")
        entry["step"] = step
    return entry


def parse_space(data: Any, source: str = "<space>") -> dict[str, dict]:
    """Validate a loaded space; return {name: {choices: [...]} or {low, high, log[, step]}} for every param."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpaceError(f"{source}: a space file must be a mapping of parameter names, got {type(data).__name__}")
    unknown = [str(k) for k in data if k not in PARAMS]
    if unknown:
        raise SpaceError(f"{source}: unknown parameter {unknown[0]!r}; known: {', '.join(PARAMS)}")
    space = {}
    for name, (kind, default, _, _) in PARAMS.items():
        where = f"{source}: {name}"
        space[name] = _parse_entry(name, data[name], where) if name in data else {"choices": [default]}
    return space


def load_space(path: str | Path | None) -> dict[str, dict]:
    path = Path(path) if path is not None else DEFAULT_SPACE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpaceError(f"cannot read space file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise SpaceError(f"{path}:{line} is not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    return parse_space(data, str(path))


def grid_of(space: dict[str, dict], source: str = "space") -> dict[str, list]:
    """The search space as the grid sampler wants it; every key must have choices."""
    ranged = [name for name, entry in space.items() if "choices" not in entry]
    if ranged:
        raise SpaceError(f"{source}: the grid sampler needs `choices` for every parameter; {ranged[0]} has a "
                         f"low/high range")
    return {name: list(entry["choices"]) for name, entry in space.items()}


def grid_size(grid: dict[str, list]) -> int:
    size = 1
    for choices in grid.values():
        size *= len(choices)
    return size


def suggest(trial, space: dict[str, dict]) -> dict[str, Any]:
    """Ask an Optuna trial for every parameter of the space."""
    params = {}
    for name, entry in space.items():
        if "choices" in entry:
            params[name] = trial.suggest_categorical(name, entry["choices"])
        elif PARAMS[name][0] == "int":
            params[name] = trial.suggest_int(name, entry["low"], entry["high"], step=entry.get("step", 1),
                                             log=entry["log"])
        else:
            params[name] = trial.suggest_float(name, entry["low"], entry["high"], step=entry.get("step"),
                                               log=entry["log"])
    return params


def model_config(params: dict[str, Any]):
    from seqlab.translit.model import ModelConfig

    return ModelConfig(source_vocab=5, target_vocab=5, embedding_size=int(params["emb"]),
                       hidden_size=int(params["hidden"]), cell=params["cell"], encoder_layers=int(params["enc_layers"]),
                       decoder_layers=int(params["dec_layers"]), bidirectional=bool(params["bidirectional"]),
                       dropout=float(params["dropout"]), attention=params["attention"])
