"""Property-based bad input: whatever a model folder's files or an option's value hold, seqlab either works or
says what is wrong in one line (SeqlabError, exit 2). The next defect should be found here, not by a user."""
from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from translit_helpers import LEGACY_RUN

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.lyrics import config as lyrics_config
from seqlab.options import check_value
from seqlab.translit import config as translit_config
from seqlab.translit.transliterator import load_transliterator

# SEQLAB_FUZZ_EXAMPLES=600 for a deeper run by hand; `make test` keeps it to seconds.
FUZZ = settings(max_examples=int(os.environ.get("SEQLAB_FUZZ_EXAMPLES", 60)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**400, 10**400), st.text(max_size=8),
                         st.floats(allow_nan=True, allow_infinity=True))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return Path(shutil.copytree(LEGACY_RUN, tmp_path_factory.mktemp("fuzz") / "model",
                                ignore=shutil.ignore_patterns("expected_*", "data")))


def load_with(folder: Path, name: str, text: str | bytes) -> None:
    """Write one file of the folder, load the model, restore the file."""
    path = folder / name
    original = path.read_bytes() if path.exists() else None
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    try:
        translit = load_transliterator(folder)
        translit.transliterate(["ghar"])
    except SeqlabError as exc:
        assert str(exc) and "\n" not in str(exc)
    finally:
        path.write_bytes(original) if original is not None else path.unlink()


CONFIG = json.loads((LEGACY_RUN / "config.json").read_text(encoding="utf-8"))
CONFIG_KEYS = [(section, key) for section in ("model", "train") for key in CONFIG[section]] + [
    ("decoding", key) for key in ("beam_size", "length_penalty", "prior_weight")]


@FUZZ
@given(st.sampled_from(CONFIG_KEYS), json_values)
def test_any_value_in_config_json_loads_or_is_one_line_error(folder, where, value):
    section, key = where
    config = json.loads(json.dumps(CONFIG))
    config.setdefault(section, {})[key] = value
    load_with(folder, "config.json", json.dumps(config))


@FUZZ
@given(st.one_of(json_values, st.binary(max_size=64)))
def test_any_vocab_json_or_section_loads_or_is_one_line_error(folder, value):
    if isinstance(value, bytes):
        load_with(folder, "vocab.json", value)
    else:
        load_with(folder, "config.json", json.dumps({**CONFIG, "model": value}))
        load_with(folder, "vocab.json", json.dumps({"source": value, "target": value}))


@FUZZ
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_prior_tsv_or_weight_file_loads_or_is_one_line_error(folder, content):
    load_with(folder, "prior.tsv", content)
    load_with(folder, "best.safetensors", content if isinstance(content, bytes) else content.encode())


CONFIG_CLASSES = [translit_config.ModelConfig, translit_config.TrainConfig, translit_config.DecodingConfig,
                  lyrics_config.TrainConfig, lyrics_config.GenerationConfig, lyrics_config.EvalConfig]
FIELDS = [(cls, f.name) for cls in CONFIG_CLASSES for f in dataclasses.fields(cls)]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(FIELDS), json_values)
def test_every_config_field_accepts_or_refuses_any_value_in_one_line(field, value):
    cls, name = field
    try:
        accepted = check_value(cls, name, value)
    except SeqlabError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    if isinstance(accepted, float):
        assert math.isfinite(accepted)


NUMERIC_OPTIONS = ["--beam-size", "--top-k", "--length-penalty", "--prior-weight"]
option_values = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats().map(repr),
                          st.text(alphabet="0123456789.-+eEinfa_x ", max_size=10))


@FUZZ
@given(st.dictionaries(st.sampled_from(NUMERIC_OPTIONS), option_values, min_size=1, max_size=4))
def test_evaluate_options_work_or_fail_in_one_line(capsys, folder, options):
    args = [x for pair in options.items() for x in pair]
    code = main(["translit", "evaluate", "--model", str(folder), "--data-dir", str(LEGACY_RUN / "data"),
                 "--out", str(folder / "eval"), *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2 and lines and "error" in lines[-1].lower(), err
