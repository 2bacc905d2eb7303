"""Odd user-dictionary files (issue 19 item 6): only regular files are read (a FIFO used to hang `export`,
`predict` and `serve`; /dev/zero read until MemoryError), a symlinked dictionary is followed (the target gets the
pair), the read and write limits agree (`forget` can shrink any file `predict` can read), and the server reloads
the file and writes it in threads of their own, never on the event loop or in the decoding thread."""
from __future__ import annotations

import asyncio
import os
import threading

import pytest

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.translit.words import user_dictionary as userdict
from seqlab.translit.words.user_dictionary import UserDictionary


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("make, kind", [
    (lambda path: os.mkfifo(path), "is a FIFO (named pipe), expected a file"),
    (lambda path: os.symlink("/dev/zero", path), "is a character device, expected a file"),
    (lambda path: path.mkdir(), "is a folder, expected a file"),
])
@pytest.mark.parametrize("command", [("export",), ("predict", "ghar"), ("learn", "ghar", "घर"), ("forget", "ghar"),
                                     ("learn", "--file", "{path}")])
def test_files_that_are_not_regular_are_one_line_errors(tmp_path, monkeypatch, capsys, make, kind, command):
    path = tmp_path / "user.tsv"
    make(path)
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(path))
    if "--file" in command:  # the pairs file of `learn --file` is read by the same rule
        monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(tmp_path / "other.tsv"))
    code, _, err = run_cli(capsys, "translit", *(part.format(path=path) for part in command))
    assert code == 2 and err.count("\n") == 1 and kind in err, err


def test_a_symlinked_dictionary_is_followed_and_stays_a_symlink(tmp_path, monkeypatch, capsys):
    target = tmp_path / "shared" / "user.tsv"
    target.parent.mkdir()
    target.write_text("ghar\tघर\n", encoding="utf-8")
    link = tmp_path / "user.tsv"
    link.symlink_to(target)
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(link))
    assert run_cli(capsys, "translit", "learn", "kal", "काल")[0] == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "ghar\tघर\nkal\tकाल\n"
    assert run_cli(capsys, "translit", "forget", "ghar")[0] == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "kal\tकाल\n"
    assert not list(tmp_path.glob(".user.tsv.*")) and not list(target.parent.glob(".*.tmp"))


def test_forget_shrinks_a_file_over_the_pair_limit_and_learn_does_not_grow_it(tmp_path, monkeypatch):
    monkeypatch.setattr(userdict, "MAX_PAIRS", 3)
    path = tmp_path / "user.tsv"
    path.write_text("".join(f"w{chr(97 + i)}\tश{i}\n" for i in range(5)), encoding="utf-8")  # written by hand
    dictionary = UserDictionary(path)
    assert len(dictionary) == 5 and dictionary.lookup("wa") == ["श0"]  # readable: under MAX_FILE_BYTES
    with pytest.raises(SeqlabError, match="would hold over 3 pairs or 4 MB; forget some first"):
        dictionary.learn("naya", "नया")
    assert dictionary.forget("wa") == 1 and dictionary.forget("wb") == 1 and len(dictionary) == 3
    dictionary.learn("wc", "श2")  # learning a pair again makes it the newest: the count stays
    assert [roman for roman, _ in dictionary.pairs()] == ["wd", "we", "wc"]


def test_a_write_that_would_pass_the_byte_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(userdict, "MAX_FILE_BYTES", 25)
    dictionary = UserDictionary(tmp_path / "user.tsv")
    dictionary.learn("ghar", "घर")
    with pytest.raises(SeqlabError, match="would hold over .* pairs or 25 bytes"):
        dictionary.learn("pani", "पानी")
    assert dictionary.pairs() == [("ghar", "घर")]


class ThreadRecordingDictionary(UserDictionary):
    """The real dictionary, noting which thread reloads and writes it."""

    threads: list[tuple[str, str]] = []

    def refresh(self) -> None:
        self.threads.append(("refresh", threading.current_thread().name))
        super().refresh()

    def learn(self, roman: str, native: str):
        self.threads.append(("learn", threading.current_thread().name))
        return super().learn(roman, native)


def test_the_server_engine_reloads_and_writes_off_the_loop_and_the_decoding_thread(tmp_path):
    from seqlab.serve.config import ServeOptions
    from seqlab.serve.engine import TranslitEngine
    from seqlab.translit.transliterator import load_transliterator

    translit = load_transliterator(rescorers=False)
    translit.user_dictionary = ThreadRecordingDictionary(tmp_path / "user.tsv", reload_on_lookup=False)
    engine = TranslitEngine(translit, ServeOptions())

    async def scenario() -> list[str]:
        await engine.change_dictionary(translit.user_dictionary.learn, "ghar", "घरr")
        (tmp_path / "user.tsv").write_text("ghar\tघरर\n", encoding="utf-8")  # another process learned
        first = await engine.word("ghar", 3)
        await engine.close()
        return first

    assert asyncio.run(scenario())[0] == "घरर"
    names = dict(ThreadRecordingDictionary.threads)
    assert names["learn"].startswith("seqlab-dictionary-write") and names["refresh"].startswith(
        "seqlab-dictionary-read"), ThreadRecordingDictionary.threads
