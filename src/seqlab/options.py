"""Options declared once: a dataclass field carries its default, CLI flag, help text and valid range.

Each job's config dataclasses (`translit/config.py`, `lyrics/config.py`, `serve/config.py`) declare their fields
with `opt(...)` (or `like(...)`, a variant of another class's field). From that one declaration come
- the command's options (`command`: a parameter annotated with a config class becomes that class's flagged
  fields, flag, type, default and help, as `HfArgumentParser` does for transformers' `run_clm.py`),
- the short CLI name ↔ field mapping (`from_cli`, as OpenNMT-py's `from_opt`),
- validation when a config is made (`Options.__post_init__`, also for values read back from disk with
  `from_dict`): type, finiteness and range, with a one-line message naming the flag (or the file and key) and
  the allowed values. Configs are frozen: a changed copy comes from `dataclasses.replace`, validated again.
Torch-free, so `seqlab --help` stays fast.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence

from seqlab.errors import SeqlabError


@dataclass(frozen=True)
class Spec:
    """What a value may be: `low`/`high` bounds (open with `low_open`/`high_open`) or a list of `choices`; and how
    the CLI shows it: `flag` (a default-on switch also gets `off_flag`, else `--no-…`), `aliases` such as "-n",
    `path` (typed and shown as a path; the config keeps a str, as JSON holds it)."""

    flag: Optional[str] = None
    help: str = ""
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    choices: Optional[Sequence[str]] = None
    off_flag: Optional[str] = None
    aliases: Sequence[str] = ()
    path: bool = False

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
        choices: Optional[Sequence[str]] = None, off_flag: Optional[str] = None, aliases: Sequence[str] = (),
        path: bool = False, factory: Optional[Callable[[], Any]] = None) -> Any:
    """A dataclass field with its CLI flag, help and range (see `Spec`); `factory` makes a mutable default."""
    spec = Spec(flag, help, low, high, low_open, high_open, choices, off_flag, tuple(aliases), path)
    if factory is not None:
        return field(default_factory=factory, metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


_SAME: Any = object()


def like(cls: type, name: str, default: Any = _SAME, **changes: Any) -> Any:
    """A field declared as field `name` of `cls` is, but for `changes` to its `Spec` (e.g. `help`) and `default`:
    one declaration of an option that several configs or commands show, each with its own wording."""
    original = next(f for f in fields(cls) if f.name == name)
    spec = dataclasses.replace(spec_of(cls, name), **changes)
    if default is _SAME and original.default_factory is not MISSING:
        return field(default_factory=original.default_factory, metadata={"spec": spec})
    return field(default=original.default if default is _SAME else default, metadata={"spec": spec})


def spec_of(cls: type, name: str) -> Spec:
    return next(f for f in fields(cls) if f.name == name).metadata.get("spec", Spec())


class FieldType(NamedTuple):
    kind: type  # the base type: Optional[int] → int
    optional: bool  # None allowed


def field_types(cls: type) -> dict[str, FieldType]:
    """{field: (base type, whether None is allowed)}, resolved from the annotations once per class (evaluating
    them costs more than validating a whole config)."""
    resolved = cls.__dict__.get("_seqlab_field_types")
    if resolved is None:
        resolved = {}
        for name, hint in typing.get_type_hints(cls).items():
            args = typing.get_args(hint)
            if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
                resolved[name] = FieldType(next(a for a in args if a is not type(None)), True)
            else:
                resolved[name] = FieldType(hint, False)
        cls._seqlab_field_types = resolved  # type: ignore[attr-defined]  # on the class itself, not a base
    return resolved


def field_type(cls: type, name: str) -> FieldType:
    """(base type, whether None is allowed) of a field: `Optional[int]` → (int, True)."""
    return field_types(cls)[name]


def default_of(cls: type, name: str) -> Any:
    f = next(f for f in fields(cls) if f.name == name)
    return f.default_factory() if f.default_factory is not MISSING else f.default


def short_names(cls: type) -> dict[str, str]:
    """{short CLI name: field name} for every field that has a flag."""
    return {s.short_name: f.name for f in fields(cls) if (s := f.metadata.get("spec")) and s.flag}


def from_cli(cls: type, options: Mapping[str, Any], **overrides: Any):
    """Build `cls` from values under their short CLI names (or field names); values left at None keep the field
    default unless the field is Optional. Validated when made."""
    names = {**{f.name: f.name for f in fields(cls)}, **short_names(cls)}
    values: dict[str, Any] = {}
    for key, value in options.items():
        name = names.get(key)
        if name is not None and (value is not None or field_type(cls, name).optional):
            values[name] = value
    return cls(**{**values, **overrides})


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
    values = {k: check_value(cls, k, v, where) for k, v in data.items() if k in known}  # messages name the file
    return cls(**values)


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
    """Base of the config dataclasses (declared `@dataclass(frozen=True)`): every field is checked when a config
    is made, so a config that exists is valid; a changed copy comes from `dataclasses.replace`."""

    def __post_init__(self) -> None:
        check_fields(self)
        self.check()

    def check(self) -> None:
        """Rules between fields (a subclass's); each field's own type and range are checked from its `opt`."""

    def validate(self) -> None:
        """What cannot be checked when the config is made: whether this machine has the device it names
        (imports torch, so it runs only right before the work). The fields were checked at construction."""

    @classmethod
    def from_cli(cls, options: Mapping[str, Any], **overrides: Any):
        return from_cli(cls, options, **overrides)

    @classmethod
    def from_dict(cls, data: Any, where: str):
        return from_dict(cls, data, where)


# Commands from the config classes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Flags:
    """How one command shows a config's fields, where it differs from the declarations: `unset` fields default to
    None on this command line (the value "as saved", "the model's"), shown with the given help ("{default}" in it
    is the field's default); a field left None keeps its default in the built config."""

    unset: Mapping[str, str] = field(default_factory=dict)


def _is_config(annotation: Any) -> bool:
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation) and any(
        "spec" in f.metadata for f in fields(annotation))


def _field_parameter(cls: type, f: dataclasses.Field, flags: Flags) -> inspect.Parameter:
    """The Typer option of one field: its flag(s), type, default and help."""
    import typer

    spec: Spec = f.metadata["spec"]
    kind, optional = field_type(cls, f.name)
    default = ... if f.default is MISSING and f.default_factory is MISSING else default_of(cls, f.name)
    help_text = spec.help
    if f.name in flags.unset:
        help_text, default = flags.unset[f.name].format(default=default), None
    names = [spec.flag]
    if kind is bool and (default is True or spec.off_flag):  # a default-on switch needs an off
        names = [f"{spec.flag}/{spec.off_flag or '--no-' + spec.flag[2:]}"]
    shown = Path if spec.path else kind
    annotation = Optional[shown] if optional or default is None else shown
    return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                             default=typer.Option(default, *names, *spec.aliases, help=help_text))


def _build(cls: type, values: Mapping[str, Any]) -> Any:
    """The config from its fields' command-line values: None keeps a non-Optional field's default (an `unset`
    flag left out), paths become text; validated when made."""
    kept = {}
    for name, value in values.items():
        if value is None and not field_type(cls, name).optional:
            continue
        kept[name] = str(value) if isinstance(value, Path) and spec_of(cls, name).path else value
    return cls(**kept)


def command(func: Callable) -> Callable:
    """The Typer parameters of a command from the config classes it takes (the idea of `HfArgumentParser`).

    A parameter of `func` annotated with a dataclass whose fields are declared with `opt` becomes one option per
    field that has a flag, in declaration order (a `Flags` default adjusts how this command shows some); the
    command receives the built, validated config. Other parameters (arguments, --json, output paths,
    `typer.Context`) pass through as declared. Use under `@app.command()`."""
    hints = typing.get_type_hints(func)
    parameters: list[inspect.Parameter] = []
    groups: dict[str, tuple[type, list[str]]] = {}
    for name, param in inspect.signature(func).parameters.items():
        annotation = hints.get(name, param.annotation)
        if not _is_config(annotation):
            parameters.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
            continue
        flags = param.default if isinstance(param.default, Flags) else Flags()
        shown = [f for f in fields(annotation) if "spec" in f.metadata and f.metadata["spec"].flag]
        parameters += [_field_parameter(annotation, f, flags) for f in shown]
        groups[name] = (annotation, [f.name for f in shown])
    taken = [p.name for p in parameters]
    if len(set(taken)) != len(taken):
        raise TypeError(f"{func.__name__}: two options share the name {next(n for n in taken if taken.count(n) > 1)}")

    @functools.wraps(func)
    def run(**values: Any) -> Any:
        built = {name: _build(cls, {f: values.pop(f) for f in names}) for name, (cls, names) in groups.items()}
        return func(**values, **built)

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # what Typer reads
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    run.configs = {name: cls for name, (cls, _) in groups.items()}  # type: ignore[attr-defined]  # for tests, docs
    return run

