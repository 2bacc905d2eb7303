"""`seqlab serve` refuses bad options and model folders in one line, before it binds a port."""
from __future__ import annotations

import pytest

from seqlab.cli import main
from seqlab.translit.model.checkpoint import PRETRAINED_DIR


@pytest.mark.parametrize("args,fragment", [
    (["--port", "70000"], "--port must be an integer in 1–65535"),
    (["--default-k", "20"], "--default-k 20 is larger than --max-k 10"),
    (["--max-wait-ms", "-1"], "--max-wait-ms must be"),
    (["--model", "/nonexistent/seqlab-model"], "does not exist"),
    (["--reverse-model", str(PRETRAINED_DIR)], "not a native-to-roman model"),
    (["--dtype", "float16"], "--dtype must be one of auto, float32, bfloat16"),
])
def test_bad_options_are_one_line_errors(args, fragment, capsys):
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and fragment in err and "\n" not in err, err


def test_defaults_are_loopback_and_no_cors():
    from seqlab.serve.config import ServeOptions

    options = ServeOptions()
    assert options.host == "127.0.0.1" and options.cors_origin is None and not options.read_only


@pytest.mark.parametrize("options,backend", [
    ({}, "onnx-int8"),                          # the server's auto on a CPU: int8 weights
    ({"backend": "onnx"}, "onnx"),              # float32 stays one flag away
    ({"backend": "torch"}, "torch"),
    ({"dtype": "bfloat16"}, "torch"),           # bfloat16 is PyTorch's, as with the CLI's auto
])
def test_the_servers_auto_backend_is_int8_onnx_on_a_cpu(options, backend):
    from seqlab.serve.config import ServeOptions
    from seqlab.serve.languages import served_backend

    assert served_backend(ServeOptions(**options)) == backend


def test_by_default_every_shipped_language_is_served_and_a_lang_narrows_it():
    from seqlab.serve.config import ServeOptions
    from seqlab.serve.languages import model_sources
    from seqlab.translit.languages import DEFAULT_LANG, shipped_languages

    shipped = shipped_languages()
    assert len(shipped) > 1 and shipped[0] != DEFAULT_LANG  # (registry order: bn before hi)
    served = model_sources(ServeOptions())  # Hindi first: the editor's and the language-less routes' default
    assert served == [(code, None) for code in [DEFAULT_LANG] + [c for c in shipped if c != DEFAULT_LANG]]
    assert model_sources(ServeOptions(lang=["ta", "hi"])) == [("ta", None), ("hi", None)]


def test_all_twelve_languages_ship_a_model():
    from seqlab.translit.languages import LANGUAGES, shipped_languages

    assert shipped_languages() == list(LANGUAGES)


def test_warm_up_decodes_every_length_without_filling_the_cache():
    """The start-up warm-up runs the real decoder on made-up words, but answers no one: nothing is cached or
    counted, so /healthz and /metrics start from zero."""
    from seqlab.serve.config import ServeOptions
    from seqlab.serve.engine import WARM_UP_LENGTH, TranslitEngine
    from seqlab.translit.transliterator import load_transliterator

    batches: list[int] = []
    engine = TranslitEngine(load_transliterator(rescorers=False), ServeOptions(), on_batch=batches.append)
    decoded: list[str] = []
    real = engine.model_only.candidates
    engine.model_only.candidates = lambda words, **kw: decoded.extend(words) or real(words, **kw)
    engine.warm_up()
    assert sorted(map(len, decoded)) == list(range(1, WARM_UP_LENGTH + 1))
    assert len(engine.cache) == 0 and batches == []


def test_words_after_different_previous_words_share_one_decoder_call():
    """Type-ahead requests of many typists differ in their previous word, which only changes the ranking: a
    micro-batch decodes all its words in one call, then ranks each group, and every answer is what that word gets
    alone after its own previous word; a word the model refuses fails its own group only."""
    import asyncio

    from seqlab.serve.config import ServeOptions
    from seqlab.serve.engine import TranslitEngine
    from seqlab.translit.transliterator import load_transliterator

    engine = TranslitEngine(load_transliterator(rescorers=False), ServeOptions(max_wait_ms=200))
    calls: list[list[str]] = []
    real = engine.model_only._scored
    engine.model_only._scored = lambda words, beam: calls.append(list(words)) or real(words, beam)
    asked = [("kal", ["मैं"]), ("ghar", ["मेरा"]), ("aur", ["तुम"]), ("pani", []), ("kal", ["आज"])]

    async def ask_together():
        return await asyncio.gather(*(engine.word(word, 5, previous) for word, previous in asked))

    answers = asyncio.run(ask_together())
    assert len(calls) == 1 and sorted(calls[0]) == ["aur", "ghar", "kal", "pani"], calls
    alone = TranslitEngine(load_transliterator(rescorers=False), ServeOptions())
    expected = [asyncio.run(alone.word(word, 5, previous)) for word, previous in asked]
    assert answers == expected and answers[0][0] == "कल"

    async def with_a_refused_word():
        return await asyncio.gather(engine.word("naya", 5, ["एक"]), engine.word("x" * 100, 5, ["दो"]),
                                    return_exceptions=True)

    fine, refused = asyncio.run(with_a_refused_word())
    assert isinstance(fine, list) and fine and isinstance(refused, Exception) and "100 characters" in str(refused)


def test_a_loaded_server_keeps_its_models_out_of_the_cycle_collector():
    import gc

    from seqlab.serve.app import quiet_collector

    try:
        quiet_collector()
        assert gc.get_freeze_count() > 0 and gc.isenabled()  # frozen, not switched off: request cycles are freed
    finally:
        gc.unfreeze()


def test_a_port_in_use_is_a_one_line_error_before_the_ready_banner(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: --port {port}: cannot listen on 127.0.0.1:{port} (in use by another program)", err
