"""Options declared once: a dataclass field carries its default, CLI flag, help text and valid range.

Each job's config dataclasses (`translit/config.py`, `lyrics/config.py`) declare their fields with `opt(...)`.
From that one declaration come
- the CLI option (`cli_option(Config, "field")`: flag, default and help for Typer),
- the short CLI name ↔ field mapping (`from_cli`, as OpenNMT-py's `from_opt`),
- validation of values typed on the command line *and* read back from disk (`check_fields`): type, finiteness
  and range, with a one-line message naming the flag (or the file and key) and the allowed values.
Torch-free, so `seqlab --help` stays fast.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Mapping, Optional, Sequence

from seqlab.errors import SeqlabError


@dataclass(frozen=True)
class Spec:
    """What a value may be: `low`/`high` bounds (open with `low_open`/`high_open`) or a list of `choices`."""

    flag: Optional[str] = None
    help: str = ""
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    choices: Optional[Sequence[str]] = None

    @property
    def short_name(self) -> Optional[str]:
        """`--enc-layers` → `enc_layers`: the name a command's parameter and a sweep-space key use."""
        return self.flag[2:].replace("-", "_") if self.flag else None

    def allowed(self, kind: type) -> str:
        """The valid values in words: "one of a, b", "an integer in 1–100", "in (0, 1]", "at least 1", "positive"."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        low, high = self.low, self.high
        if low is not None and high is not None:
            if kind is int:
                return f"an integer in {_number(low)}–{_number(high)}"
            return f"in {'(' if self.low_open else '['}{_number(low)}, {_number(high)}{')' if self.high_open else ']'}"
        if low is not None:
            if self.low_open:
                return "positive" if low == 0 else f"greater than {_number(low)}"
            return f"at least {_number(low)}"
        if high is not None:
            return f"less than {_number(high)}" if self.high_open else f"at most {_number(high)}"
        return {int: "an integer", float: "a number", bool: "true or false", str: "text"}[kind]

    def contains(self, value: Any) -> bool:
        if self.choices is not None:
            return value in self.choices
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))


def _shown(value: Any) -> str:
    """A value as the user wrote it, cut short: a 400-digit number must not make a 400-character error."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _number(value: float) -> str:
    return f"{value:,}" if abs(value) >= 100_000 else f"{value:g}"


def opt(default: Any = MISSING, flag: Optional[str] = None, help: str = "", *, low: Optional[float] = None,
        high: Optional[float] = None, low_open: bool = False, high_open: bool = False,
        choices: Optional[Sequence[str]] = None) -> Any:
    """A dataclass field with its CLI flag, help and range (see `Spec`)."""
    spec = Spec(flag, help, low, high, low_open, high_open, choices)
    return field(default=default, metadata={"spec": spec})


def spec_of(cls: type, name: str) -> Spec:
    return next(f for f in fields(cls) if f.name == name).metadata.get("spec", Spec())


@functools.lru_cache(maxsize=None)  # decoding validates its settings on every call: resolve hints once
def field_type(cls: type, name: str) -> tuple[type, bool]:
    """(base type, whether None is allowed) of a field: `Optional[int]` → (int, True)."""
    hint = typing.get_type_hints(cls)[name]
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return hint, False


def default_of(cls: type, name: str) -> Any:
    f = next(f for f in fields(cls) if f.name == name)
    return f.default_factory() if f.default_factory is not MISSING else f.default


def cli_option(cls: type, name: str, *, default: Any = MISSING, help: Optional[str] = None, flag: Optional[str] = None,
               aliases: Sequence[str] = ()):
    """The Typer option of a config field; `default` overrides (e.g. None = "as saved" on --resume), `flag` replaces
    the declared flag (e.g. "--packing/--pad-to-max"), `aliases` adds short forms such as "-n"."""
    import typer

    spec = spec_of(cls, name)
    value = default_of(cls, name) if default is MISSING else default
    flags = [flag or spec.flag or "--" + name.replace("_", "-")]
    if flag is None and field_type(cls, name)[0] is bool and value is True:  # a default-on switch needs an off
        flags = [f"{flags[0]}/--no-{flags[0][2:]}"]
    return typer.Option(value, *flags, *aliases, help=spec.help if help is None else help)


def short_names(cls: type) -> dict[str, str]:
    """{short CLI name: field name} for every field that has a flag."""
    return {s.short_name: f.name for f in fields(cls) if (s := f.metadata.get("spec")) and s.flag}


def from_cli(cls: type, options: Mapping[str, Any], **overrides: Any):
    """Build `cls` from a command's parameters (short CLI names); options left at None keep the field default
    unless the field is Optional. Values are validated."""
    names = {**{f.name: f.name for f in fields(cls)}, **short_names(cls)}
    values: dict[str, Any] = {}
    for key, value in options.items():
        name = names.get(key)
        if name is not None and (value is not None or field_type(cls, name)[1]):
            values[name] = value
    values.update(overrides)
    obj = cls(**values)
    check_fields(obj)
    return obj


def from_dict(cls: type, data: Any, where: str, ignore: Sequence[str] = ()):
    """Build `cls` from a mapping read from disk (config.json section); unknown keys, wrong types and values out
    of range are errors naming `where` and the key."""
    if not isinstance(data, Mapping):
        raise SeqlabError(f"{where} must be a JSON object, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = [k for k in data if k not in known and k not in ignore]
    if unknown:
        raise SeqlabError(f"{where} has unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise SeqlabError(f"{where} lacks {missing[0]!r}")
    obj = cls(**{k: v for k, v in data.items() if k in known})
    check_fields(obj, where)
    return obj


def check_fields(obj: Any, where: Optional[str] = None) -> None:
    """Type, finiteness and range of every field of a config dataclass instance."""
    for f in dataclasses.fields(obj):
        check_value(type(obj), f.name, getattr(obj, f.name), where)


def check_value(cls: type, name: str, value: Any, where: Optional[str] = None, label: Optional[str] = None) -> Any:
    """Raise SeqlabError unless `value` suits field `name` of `cls`; returns it (ints accepted as floats). The
    message names `label`, else `where: name` (a file and key), else the field's flag."""
    spec = spec_of(cls, name)
    kind, optional = field_type(cls, name)
    label = label or (f"{where}: {name}" if where else (spec.flag or name))
    if value is None:
        if optional:
            return value
        raise SeqlabError(f"{label} must be set, got null")
    if kind not in (int, float, bool, str):
        return value
    ok_type = (isinstance(value, bool) if kind is bool else
               isinstance(value, int) and not isinstance(value, bool) if kind is int else
               isinstance(value, (int, float)) and not isinstance(value, bool) if kind is float else
               isinstance(value, str))
    if not ok_type:
        noun = {int: "an integer", float: "a number", bool: "true or false", str: "text"}[kind]
        raise SeqlabError(f"{label} must be {noun}, got {_shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):  # (an int is finite, however large)
        raise SeqlabError(f"{label} must be a finite number, got {_shown(value)}")
    if kind is not bool and not spec.contains(value):
        raise SeqlabError(f"{label} must be {spec.allowed(kind)}, got {_shown(value)}")
    return value


class Options:
    """Base of the config dataclasses: building from a command's parameters or from a file, and validation."""

    @classmethod
    def from_cli(cls, options: Mapping[str, Any], **overrides: Any):
        return from_cli(cls, options, **overrides)

    @classmethod
    def from_dict(cls, data: Any, where: str):
        return from_dict(cls, data, where)

    def validate(self) -> None:
        check_fields(self)
