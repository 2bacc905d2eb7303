"""Which model a batch job decodes with, how it is recognised, and how a worker loads it.

The client resolves the model folder (--model, else the shipped model of --direction/--lang), hashes the files
decoding reads (weights, config, vocabularies, prior, lexicon, bigram model, rescorers) and reads the user
dictionary once. `ModelSpec` carries that to the workers: a worker loads its own copy of the folder (the shipped
model from its own installation) and refuses to decode if its hash differs, so a cluster whose machines hold
different models or seqlab versions fails with one line instead of writing mixed output. The hash also goes into
the manifest: a resumed run with a changed model is refused.
"""
from __future__ import annotations

import atexit
import hashlib
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from seqlab.errors import CheckpointError, SeqlabError
from seqlab.translit.batch.options import BatchOptions
from seqlab.translit.config import DIRECTIONS
from seqlab.translit.languages import DEFAULT_LANG, shipped_dir, shipped_model
from seqlab.translit.model.checkpoint import CONFIG, VOCAB, read_config, weights_file
from seqlab.translit.model.rescorers import RESCORERS_DIR
from seqlab.translit.transliterator import Transliterator, load_transliterator, model_direction, model_lang
from seqlab.translit.words.bigrams import CONTEXT_FILE
from seqlab.translit.words.counts import count_file
from seqlab.translit.words.lexicon import LEXICON_FILE
from seqlab.translit.words.prior import PRIOR_FILE
from seqlab.translit.words.user_dictionary import UserDictionary, default_user_dictionary_path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """Everything a worker needs to load the job's model exactly as the client saw it."""

    folder: Optional[str]  # None: the shipped model of `direction`, from the worker's own installation
    direction: str
    lang: str
    rescorers: bool
    device: str
    sha256: str  # of the files decoding reads (model_hash)
    user_pairs: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # oldest first
    user_sha256: str = ""

    @property
    def key(self) -> str:
        """Names the worker plugin: one per model, decoding settings and user dictionary."""
        text = f"{self.folder}|{self.direction}|{self.rescorers}|{self.device}|{self.sha256}|{self.user_sha256}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def path(self) -> Path:
        return Path(self.folder) if self.folder is not None else shipped_dir(self.lang, self.direction)

    def load(self) -> Transliterator:
        """On a worker: the model, after checking that this machine's copy is the client's."""
        path = self.path()
        if not path.is_dir():
            raise SeqlabError(f"worker on {socket.gethostname()}: model folder {path} does not exist there; every "
                              "worker must see --model at the same path")
        found = model_hash(path, self.rescorers)
        if found != self.sha256:
            raise SeqlabError(f"worker on {socket.gethostname()}: model folder {path} differs from the client's "
                              f"(sha256 {found[:12]}… ≠ {self.sha256[:12]}…); give every machine the same model and "
                              "seqlab version")
        return load_transliterator(path, device=self.device, user_dictionary=self._user_dictionary(),
                                   direction=self.direction, rescorers=self.rescorers)

    def _user_dictionary(self) -> UserDictionary | None:
        if not self.user_pairs:
            return None
        folder = Path(tempfile.mkdtemp(prefix="seqlab-batch-"))  # UserDictionary reads a file; ours, for this process
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "user-dictionary.tsv"
        path.write_text("".join(f"{roman}\t{native}\n" for roman, native in self.user_pairs), encoding="utf-8")
        return UserDictionary(path)


def resolve_model(options: BatchOptions) -> ModelSpec:
    """The job's ModelSpec, with one-line errors for a missing model, a wrong direction or language."""
    if options.model is None:  # the shipped model of --lang (one-line error for a language without one)
        folder, direction = None, options.direction or DIRECTIONS[0]
        path = shipped_model(options.lang or DEFAULT_LANG, direction)
    else:
        folder, path = str(Path(options.model).expanduser().resolve()), Path(options.model).expanduser()
        if not path.is_dir():
            raise CheckpointError(f"--model {path}: no such folder")
        direction = model_direction(read_config(path), str(path / CONFIG))
        if options.direction is not None and options.direction != direction:
            raise SeqlabError(f"--model {path} transliterates {direction}, not {options.direction}; drop --direction "
                              "or give a model of that direction")
    lang = model_lang(read_config(path), str(path / CONFIG))
    if options.lang is not None and options.lang != lang:
        where = f"--model {path}" if folder else "the shipped model"
        raise SeqlabError(f"--lang {options.lang}: {where} is a model of {lang!r}"
                          + ("" if folder else "; give --model for other languages"))
    pairs = _user_pairs(options, lang)
    user_sha = hashlib.sha256("".join(f"{r}\t{n}\n" for r, n in pairs).encode()).hexdigest() if pairs else ""
    return ModelSpec(folder, direction, lang, options.rescorers, options.device, model_hash(path, options.rescorers),
                     pairs, user_sha)


def _user_pairs(options: BatchOptions, lang: str) -> tuple[tuple[str, str], ...]:
    if options.no_user_dictionary:
        return ()
    path = options.user_dictionary if options.user_dictionary is not None else default_user_dictionary_path(lang)
    return tuple(UserDictionary(Path(path).expanduser()).pairs())


def decoding_files(folder: Path, rescorers: bool) -> list[Path]:
    """The files `load_transliterator` reads from a model folder (those that exist)."""
    files = [folder / CONFIG, folder / VOCAB, weights_file(folder)]
    files += [path for name in (PRIOR_FILE, LEXICON_FILE) if (path := count_file(folder, name)) is not None]
    files += [folder / CONTEXT_FILE] if (folder / CONTEXT_FILE).is_file() else []
    if rescorers and (folder / RESCORERS_DIR).is_dir():
        files += sorted(p for p in (folder / RESCORERS_DIR).rglob("*") if p.is_file() and not p.name.startswith("."))
    return files


def model_hash(folder: Path, rescorers: bool) -> str:
    """SHA-256 over the names and bytes of `decoding_files`: equal hashes, equal decoding."""
    digest = hashlib.sha256()
    for path in decoding_files(folder, rescorers):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise CheckpointError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return digest.hexdigest()
