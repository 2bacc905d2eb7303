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

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from seqlab.errors import SeqlabError
from seqlab.options import check_fields, check_value, default_of, field_type, short_names
from seqlab.translit.config import ModelConfig, TrainConfig

DEFAULT_SPACE = Path(__file__).parent / "spaces" / "default.yaml"


class SpaceError(SeqlabError):
    pass


@dataclass(frozen=True)
class Param:
    """One searchable option: its config class and field give its type, default and valid range."""

    config: type
    field: str

    @property
    def kind(self) -> str:
        return field_type(self.config, self.field)[0].__name__  # "int" | "float" | "str" | "bool"

    @property
    def default(self) -> Any:
        return default_of(self.config, self.field)

    def check(self, value: Any, where: str) -> Any:
        try:
            return check_value(self.config, self.field, value)
        except SeqlabError as exc:
            raise SpaceError(f"{where}: {value!r} is out of range; {exc}") from None


# The keys of a space file are the `train` command's option names (a trial's dev beam is `beam_size`), in
# the order trials sample them; type, default and range come from the config field each one sets.
_MODEL_FIELDS = short_names(ModelConfig)
PARAMS: dict[str, Param] = {
    **{key: Param(ModelConfig, _MODEL_FIELDS[key]) for key in
       ("cell", "emb", "hidden", "enc_layers", "dec_layers", "bidirectional", "dropout", "attention")},
    **{key: Param(TrainConfig, name) for key, name in
       (("beam_size", "dev_beam_size"), ("lr", "lr"), ("batch_size", "batch_size"))},
}
RANGE_KEYS = {"low", "high", "log", "step"}


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
        if not math.isfinite(number):
            raise ValueError
        if kind == "int":
            if number != int(number):
                raise ValueError
            return int(number)
        return number
    except (TypeError, ValueError, OverflowError):
        why = " (infinite or NaN)" if isinstance(value, float) else ""
        raise SpaceError(f"{where}: {value!r} is not a valid {kind}{why}") from None


def _check_value(name: str, value: Any, where: str) -> Any:
    param = PARAMS[name]
    return param.check(_coerce(param.kind, value, where), where)


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
    kind = PARAMS[name].kind
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
    for name, param in PARAMS.items():
        where = f"{source}: {name}"
        space[name] = _parse_entry(name, data[name], where) if name in data else {"choices": [param.default]}
    return space


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader lets a repeated key silently win; in a search space that hides a typo."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_space(path: str | Path | None) -> dict[str, dict]:
    path = Path(path) if path is not None else DEFAULT_SPACE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpaceError(f"cannot read space file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
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
        elif PARAMS[name].kind == "int":
            params[name] = trial.suggest_int(name, entry["low"], entry["high"], step=entry.get("step", 1),
                                             log=entry["log"])
        else:
            params[name] = trial.suggest_float(name, entry["low"], entry["high"], step=entry.get("step"),
                                               log=entry["log"])
    return params


def trial_configs(params: dict[str, Any], train: TrainConfig) -> tuple[ModelConfig, TrainConfig]:
    """A trial's (or the best trial's) parameters applied: the model they describe, and `train` with the
    training options among them replaced."""
    training = {p.field: params[key] for key, p in PARAMS.items() if p.config is TrainConfig and key in params}
    train = replace(train, **training)
    check_fields(train)
    return ModelConfig.from_cli(params), train
