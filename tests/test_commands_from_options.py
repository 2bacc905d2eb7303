"""Commands built from the config dataclasses (`seqlab.options.command`): every flagged field is an option with
the declared flag, default and help; the command receives a validated, frozen config."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import pytest
import typer
from typer.testing import CliRunner

from seqlab.cli import app as seqlab_app
from seqlab.errors import SeqlabError
from seqlab.lyrics import config as lyrics_config
from seqlab.options import Flags, Options, command, default_of, like, opt, spec_of
from seqlab.serve.config import ServeOptions
from seqlab.translit import config as translit_config


def _commands(group, prefix: str = ""):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):  # a group (Typer's own click)
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


COMMANDS = dict(_commands(typer.main.get_command(seqlab_app)))
BUILT = {name: cmd for name, cmd in COMMANDS.items() if getattr(cmd.callback, "configs", None)}


def test_every_command_with_options_is_built_from_its_configs():
    assert set(BUILT) == set(COMMANDS) - {"translit learn", "translit forget", "translit export"}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_every_flagged_field_is_an_option_with_its_flag_default_and_help(name):
    command_ = BUILT[name]
    params = {p.name: p for p in command_.params}
    for cls in command_.callback.configs.values():
        for f in dataclasses.fields(cls):
            spec = f.metadata.get("spec")
            if spec is None or not spec.flag:
                continue
            param = params[f.name]
            assert spec.flag in param.opts and all(a in param.opts for a in spec.aliases), (name, f.name)
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            unset = param.default is None and not required and default_of(cls, f.name) is not None
            if unset:  # a Flags(unset=...) field: None means "as saved" and its help says so
                assert param.help != spec.help, (name, f.name)
                continue
            assert param.required == required and param.help == spec.help, (name, f.name)
            if not required:
                shown = str(param.default) if spec.path and param.default is not None else param.default
                assert shown == default_of(cls, f.name), (name, f.name)


def test_serve_help_lists_all_its_options_with_their_defaults():
    result = CliRunner().invoke(seqlab_app, ["serve", "--help"], terminal_width=400, env={"COLUMNS": "400"})
    assert result.exit_code == 0
    flagged = [f for f in dataclasses.fields(ServeOptions) if f.metadata["spec"].flag]
    assert len(flagged) == len(dataclasses.fields(ServeOptions))  # every serve option is on the command line
    for f in flagged:
        spec = f.metadata["spec"]
        assert spec.flag in result.output and spec.help[:40] in result.output, f.name
        if f.default not in (None, False) and f.type != "bool":
            assert f"[default: {f.default}]" in result.output, f.name


CONFIGS = [cls for module in (translit_config, lyrics_config) for cls in vars(module).values()
           if isinstance(cls, type) and issubclass(cls, Options) and cls.__module__ == module.__name__]


@pytest.mark.parametrize("cls", CONFIGS + [ServeOptions], ids=lambda cls: cls.__name__)
def test_a_config_is_frozen(cls):
    required = {"out": "sweep", "trials": 1}  # SweepOptions' two required fields
    config = cls(**{k: v for k, v in required.items() if k in {f.name for f in dataclasses.fields(cls)}})
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(config, name, getattr(config, name))
    assert dataclasses.replace(config) == config


@pytest.mark.parametrize("make, message", [
    (lambda: translit_config.DecodingConfig(beam_size=0), "--beam-size must be an integer in 1–100, got 0"),
    (lambda: dataclasses.replace(translit_config.DecodingConfig(), prior_weight=float("nan")),
     "--prior-weight must be a finite number, got nan"),
    (lambda: translit_config.PredictOptions(top_k=101), "--top-k must be an integer in 1–100, got 101"),
    (lambda: translit_config.EvaluateOptions(direction="sideways"), "--direction must be one of roman-to-native"),
    (lambda: translit_config.EvaluateOptions(split="validation"), "--split must be one of train, dev, test"),
    (lambda: ServeOptions(default_k=20), "--default-k 20 is larger than --max-k 10"),
    (lambda: lyrics_config.TrainConfig(resume=True, overwrite=True), "--resume and --overwrite exclude each other"),
])
def test_a_value_out_of_range_is_refused_when_the_config_is_made(make, message):
    with pytest.raises(SeqlabError, match=message):
        make()


def test_like_copies_the_declaration_but_for_what_it_changes():
    top_k = spec_of(translit_config.PredictOptions, "top_k")
    assert (top_k.flag, top_k.low, top_k.high) == ("--top-k", 1, translit_config.MAX_BEAM)
    assert top_k.help != spec_of(translit_config.EvaluateOptions, "top_k").help
    assert default_of(translit_config.PredictOptions, "top_k") == 1
    assert default_of(translit_config.EvaluateOptions, "top_k") == 5
    assert spec_of(translit_config.TrainConfig, "dataset") == spec_of(translit_config.DataOptions, "dataset")


@dataclass(frozen=True)
class Sample(Options):
    size: int = opt(flag="--size", help="A required size.", low=1, high=10)
    ratio: float = opt(0.5, "--ratio", "A ratio.", low=0.0, high=1.0)
    loud: bool = opt(True, "--loud", "Shout.")
    note: Optional[str] = opt(None, help="No flag: not an option.")


def _sample_app(received: list) -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.command()
    @command
    def run(sample: Sample, name: str = typer.Argument(...),
            other: Sample = Flags(unset={"ratio": "A ratio (default: {default}; unset: None)."})) -> None:
        received.append((name, sample))

    return app


def test_a_command_receives_the_built_config():
    received: list = []
    with pytest.raises(TypeError, match="two options share the name size"):
        _sample_app(received)

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.command()
    @command
    def run(name: str = typer.Argument(...), sample: Sample = Flags(unset={"ratio": "Ratio (default: {default})."})):
        received.append((name, sample))

    runner = CliRunner()
    assert runner.invoke(app, ["x", "--size", "3", "--no-loud"]).exit_code == 0
    assert runner.invoke(app, ["y", "--size", "4", "--ratio", "0.25"]).exit_code == 0
    assert received == [("x", Sample(3, 0.5, False)), ("y", Sample(4, 0.25, True))]
    help_text = runner.invoke(app, ["--help"], terminal_width=200, env={"COLUMNS": "200"}).output
    assert "Ratio (default: 0.5)." in help_text and "--no-loud" in help_text and "--note" not in help_text
    missing = runner.invoke(app, ["z"])
    assert missing.exit_code == 2 and "--size" in missing.output
    bad = runner.invoke(app, ["z", "--size", "11"])
    assert isinstance(bad.exception, SeqlabError) and str(bad.exception) == "--size must be an integer in 1–10, got 11"


def test_like_keeps_a_factory_default():
    @dataclass(frozen=True)
    class Holder(Options):
        items: dict = opt(help="Items.", factory=dict)

    @dataclass(frozen=True)
    class Copy(Options):
        items: dict = like(Holder, "items")

    assert Copy().items == {} and Copy().items is not Copy().items
