"""`seqlab translit learn | forget | export`: the user dictionary (userdict.py) from the command line."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqlab.errors import SeqlabError
from seqlab.io import read_regular_file, write_text_atomic
from seqlab.translit.config import USER_DICTIONARY_ENV
from seqlab.translit.languages import DEFAULT_LANG, LANGUAGE_CODES

USER_DICTIONARY = typer.Option(None, "--user-dictionary", help="The user dictionary file (default: "
                               f"${USER_DICTIONARY_ENV}, else user-dictionary-LANG.tsv in the per-user data folder).")
LANG = typer.Option(DEFAULT_LANG, "--lang", help="Whose user dictionary: " + " | ".join(LANGUAGE_CODES) + ".")
MAX_PAIRS_FILE_BYTES = 4 * 2**20  # user_dictionary.MAX_FILE_BYTES: no more can be learned


def open_user_dictionary(path: Optional[Path], lang: str = DEFAULT_LANG):
    """The user dictionary at `path`, else the language's default one (imported here: filelock costs `seqlab
    --help` time)."""
    from seqlab.translit.words.user_dictionary import UserDictionary, default_user_dictionary_path

    return UserDictionary(path if path is not None else default_user_dictionary_path(lang))


def _read_pairs_file(path: Path) -> list[tuple[str, str]]:
    """ROMAN<TAB>NATIVE lines (blank lines skipped); a bad line is an error naming it. Regular files only (a FIFO
    would block for ever), at most the user dictionary's own size limit."""
    data = read_regular_file(path, MAX_PAIRS_FILE_BYTES, f"--file {path}", ", too large for a pairs file")
    if data is None:
        raise SeqlabError(f"--file {path}: no such file")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise SeqlabError(f"--file {path}: not UTF-8 text; convert it with iconv first") from None
    pairs = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise SeqlabError(f"--file {path}:{lineno}: expected ROMAN<TAB>NATIVE, got {line[:60]!r}")
        pairs.append((fields[0], fields[1]))
    return pairs


def learn(
    roman: Optional[str] = typer.Argument(None, help="The romanized word, as you type it."),
    native: Optional[str] = typer.Argument(None, help="How you want it written."),
    pairs_file: Optional[Path] = typer.Option(None, "--file", help="Learn every ROMAN<TAB>NATIVE line of a file."),
    user_dictionary: Optional[Path] = USER_DICTIONARY,
    lang: str = LANG,
) -> None:
    """Remember your own spelling: from now on ROMAN is offered as NATIVE first (words, sentences, server)."""
    from seqlab.translit.words.user_dictionary import check_pair

    dictionary = open_user_dictionary(user_dictionary, lang)
    if pairs_file is not None:
        if roman is not None:
            raise SeqlabError("give either ROMAN NATIVE or --file, not both")
        pairs = _read_pairs_file(pairs_file)
        for lineno, pair in enumerate(pairs, start=1):
            try:
                check_pair(*pair)
            except SeqlabError as exc:
                raise SeqlabError(f"--file {pairs_file}, pair {lineno}: {exc}") from None
        count = dictionary.learn_many(pairs)
        typer.echo(f"learned {count} pair(s) into {dictionary.path}")
        return
    if roman is None or native is None:
        raise SeqlabError("give ROMAN and NATIVE (e.g. `seqlab translit learn mera मेरा`), or --file PAIRS.tsv")
    stored_roman, stored_native = dictionary.learn(roman, native)
    typer.echo(f"learned {stored_roman} → {stored_native} ({dictionary.path})")


def forget(
    roman: str = typer.Argument(..., help="The romanized word to forget."),
    native: Optional[str] = typer.Argument(None, help="Only this spelling of it (default: all of them)."),
    user_dictionary: Optional[Path] = USER_DICTIONARY,
    lang: str = LANG,
) -> None:
    """Forget learned spellings of ROMAN."""
    from seqlab.translit.words.user_dictionary import roman_key

    dictionary = open_user_dictionary(user_dictionary, lang)
    removed = dictionary.forget(roman, native)
    if not removed:
        raise SeqlabError(f"{roman!r}{f' → {native!r}' if native else ''} is not in {dictionary.path}")
    typer.echo(f"forgot {removed} pair(s) of {roman_key(roman.strip())} ({dictionary.path})")


def export(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file (default: stdout)."),
    user_dictionary: Optional[Path] = USER_DICTIONARY,
    lang: str = LANG,
) -> None:
    """Print the learned pairs as ROMAN<TAB>NATIVE lines, oldest first (`learn --file` reads them back)."""
    text = "".join(f"{r}\t{n}\n" for r, n in open_user_dictionary(user_dictionary, lang).pairs())
    if output is None:
        typer.echo(text, nl=False)
    elif output.is_dir():
        raise SeqlabError(f"--output {output} is a folder")
    else:
        write_text_atomic(output, text)
