"""Using a trained model: words, top-k candidates and whole sentences (the Python API behind `predict`)."""
from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

import torch

from seqlab.cache import LruCache
from seqlab.device import resolve_device, resolve_inference_dtype
from seqlab.errors import SeqlabError
from seqlab.translit.config import DIRECTIONS, DecodingConfig, LoadOptions, TypeaheadConfig
from seqlab.translit.data.vocab import Vocabs, make_batch
from seqlab.translit.decoding.ranking import Candidate, rank, well_formed_only
from seqlab.translit.decoding.script import well_formed
from seqlab.translit.decoding.search import (
    beam_candidates,
    check_word_lengths,
    forced_scores,
    greedy_decode,
    greedy_words,
    in_threads,
)
from seqlab.translit.decoding.word_form import cache_key, model_form, too_long
from seqlab.translit.engine import onnx_network, resolve_backend
from seqlab.translit.languages import DEFAULT_LANG, language, shipped_model
from seqlab.translit.model.checkpoint import load_model, weights_file
from seqlab.translit.model.network import Network
from seqlab.translit.model.rescorers import RESCORERS_DIR, Rescorer, load_rescorers, rescorer_weights
from seqlab.translit.text.sentence import Lattice, lattice
from seqlab.translit.text.tokens import word_matches
from seqlab.translit.text.typeahead import check_previous, context_word, ranked
from seqlab.translit.text.word_check import check_words
from seqlab.translit.words.bigrams import BigramContext
from seqlab.translit.words.lexicon import Lexicon
from seqlab.translit.words.prior import WordPrior
from seqlab.translit.words.user_dictionary import UserDictionary

CACHE_WORDS = 20_000  # distinct words whose scored candidates sentence mode keeps: running text repeats its words
LEADING_WORD = re.compile(r"[^\W\d_]*")  # the letters a text starts with (possibly none)


class Transliterator:
    """A loaded model plus its vocabularies (and optional word prior); decodes many words at once in
    length-sorted batches."""

    def __init__(self, model: Network, vocabs: Vocabs, config: dict | None = None, batch_size: int = 256,
                 prior: WordPrior | None = None, lexicon: Lexicon | None = None,
                 rescorers: Sequence[Rescorer] = (), rescorer_weights: Sequence[float] = (),
                 user_dictionary: UserDictionary | None = None, context: BigramContext | None = None,
                 decode_threads: int = 1):
        self.model, self.vocabs, self.config, self.batch_size = model.eval(), vocabs, config or {}, batch_size
        self.decode_threads = decode_threads  # batches decoded at once (ONNX Runtime; see scored_candidates)
        self.prior, self.lexicon, self.user_dictionary = prior, lexicon, user_dictionary
        self.rescorers, self.rescorer_weights = list(rescorers), tuple(rescorer_weights)
        self.decoding = DecodingConfig.from_config(self.config)
        # running text without and with the rescorers (config.TypeaheadConfig); both read here, so a bad record fails
        self.typeahead = TypeaheadConfig.from_config(self.config)
        self.typeahead_rescored = TypeaheadConfig.from_config(self.config, rescored=True)
        self.direction = model_direction(self.config)
        self.lang = model_lang(self.config)
        self.context, self.candidate_cache = context, LruCache(CACHE_WORDS)

    def unknown_characters(self, words: Iterable[str]) -> Counter:
        """Input characters the model never saw in training (they are read as <unk>)."""
        return Counter(c for w in words for c in model_form(w) if c not in self.vocabs.source.stoi)

    @property
    def device(self) -> torch.device:
        if self.model.backend != "torch":
            return self.model.device  # ONNX Runtime: the CPU
        return next(self.model.parameters()).device

    @property
    def dtype_name(self) -> str:
        """What the model computes in: float32 or bfloat16."""
        if self.model.backend != "torch":
            return self.model.dtype_name
        return str(next(self.model.parameters()).dtype).removeprefix("torch.")

    @property
    def backend(self) -> str:
        """What runs the networks: torch, onnx or onnx-int8 (engine/)."""
        return self.model.backend

    def scored_candidates(self, words: Sequence[str], beam_size: int) -> list[list[Candidate]]:
        """Each word's distinct beam outputs and the training lexicon's for that romanization, each with its
        log-probability under the model and its lexicon count, before any ranking choice. Words that are not well
        formed in their script (decoding/script.py: `अौर`, a vowel sign with no consonant) are left out, from the beam
        and from the lexicon alike (`ranking.well_formed_only`: unless the beam found nothing else).

        More words than one batch, with `decode_threads` > 1, are decoded that many batches at a time, each batch in
        a thread of its own (`search.in_threads`)."""
        if self.decode_threads > 1 and len(words) > self.batch_size:
            return in_threads(self.vocabs, words, self.batch_size, self.decode_threads,
                              lambda batch: self._scored(batch, beam_size))
        return self._scored(words, beam_size)

    def _scored(self, words: Sequence[str], beam_size: int) -> list[list[Candidate]]:
        """`scored_candidates` in this thread."""
        results = [well_formed_only(found) for found in
                   beam_candidates(self.model, self.vocabs, words, beam_size, self.batch_size, self.device)]
        if self.lexicon is not None:
            self._add_lexicon_candidates(words, results)
        if self.rescorers:
            self._add_rescores(words, results)
        return results

    def _add_rescores(self, words: Sequence[str], results: list[list[Candidate]]) -> None:
        """Each rescorer's log-probability of every candidate, by forced decoding (see model/rescorers.py)."""
        pairs = [(words[row], c.word) for row, candidates in enumerate(results) for c in candidates]
        per_rescorer = [forced_scores(r.model, r.vocabs, pairs, self.batch_size, self.device) for r in self.rescorers]
        scores = iter(zip(*per_rescorer))
        for row, candidates in enumerate(results):
            results[row] = [c._replace(rescores=tuple(next(scores))) for c in candidates]

    def _add_lexicon_candidates(self, words: Sequence[str], results: list[list[Candidate]]) -> None:
        """Give beam candidates their lexicon counts, and score the lexicon's other words by forced decoding."""
        missing: list[tuple[int, str, int]] = []
        for row, word in enumerate(words):
            entries = {native: count for native, count in self.lexicon.lookup(word).items() if well_formed(native)}
            results[row] = [c._replace(lexicon_count=entries.get(c.word, 0)) for c in results[row]]
            in_beam = {c.word for c in results[row]}
            missing += [(row, native, count) for native, count in entries.items() if native not in in_beam]
        pairs = [(words[row], native) for row, native, _ in missing]
        scores = forced_scores(self.model, self.vocabs, pairs, self.batch_size, self.device)
        for (row, native, count), log_prob in zip(missing, scores):
            results[row].append(Candidate(native, log_prob, len(native) + 1, count))

    def settings(self, beam_size: int | None = None, **given: float | None) -> DecodingConfig:
        """The decoding actually used: the given fields of `DecodingConfig` (None: not given), else the model's
        defaults (config.json "decoding"), made `usable`."""
        chosen = {k: v for k, v in {"beam_size": beam_size, **given}.items() if v is not None}
        # the model's own values were checked when loaded; a given NaN or negative weight is refused by replace
        return self.usable(replace(self.decoding, **chosen) if chosen else self.decoding)

    def usable(self, decoding: DecodingConfig) -> DecodingConfig:
        """`decoding` (checked when it was made) without the weights of what this model lacks: no prior (lexicon,
        bigram model), no weight."""
        zero: dict[str, float] = {}
        if self.prior is None:
            zero.update(prior_weight=0.0, context_weight=0.0)
        if self.lexicon is None:
            zero.update(lexicon_weight=0.0, context_lexicon_weight=0.0)
        if self.context is None:
            zero.update(context_weight=0.0)
        zero = {k: v for k, v in zero.items() if getattr(decoding, k) != v}
        return replace(decoding, **zero) if zero else decoding

    def candidates(self, words: Sequence[str], beam_size: int | None = None, length_penalty: float | None = None,
                   prior_weight: float | None = None, lexicon_weight: float | None = None,
                   previous: Sequence[str] | None = None) -> list[list[str]]:
        """`candidate_lists` with the model's decoding but the given values, and a beam of at least 5 unless
        `beam_size` says otherwise. `words` is checked as the server checks words (`check_words`). With `previous`
        (the up to two words before the cursor, [] at the start of a text), each word is ranked as the next word of
        running text instead (`candidates_in_context`; the weight arguments then do not apply)."""
        self.check_words(words)
        beam_size = max(self.decoding.beam_size, 5) if beam_size is None else beam_size
        if previous is not None:
            return self.candidates_in_context(words, previous, beam_size)
        return self.candidate_lists(words, self.settings(beam_size, length_penalty=length_penalty,
                                                         prior_weight=prior_weight, lexicon_weight=lexicon_weight))

    def check_words(self, words: Sequence[str]) -> None:
        """SeqlabError naming the first item of `words` that is not one word of the model's input (word_check.py):
        the API's word methods check, the internal ones (`candidate_lists`, `best`) take tokenizer and corpus
        words as they are."""
        check_words(words, self.vocabs.source.stoi, self.vocabs.target.stoi, self.direction)

    def candidate_lists(self, words: Sequence[str], decoding: DecodingConfig) -> list[list[str]]:
        """Up to `decoding.beam_size` distinct outputs per word, best first: the beam's and the training lexicon's
        for that romanization, reranked together by `ranking.rank`. Lexicon words are always offered: one that
        ranks below the list's end takes one of its last places (never the first)."""
        s = self.usable(decoding)
        lists = []
        for scored in self.scored_candidates(words, s.beam_size):
            ranked = _distinct(w for w, _ in rank(scored, s.length_penalty, s.prior_weight, self.prior,
                                                  s.lexicon_weight, self.rescorer_weights))
            lists.append(_offer_taught(ranked, {c.word for c in scored if c.lexicon_count}, s.beam_size))
        return self.learned_first(words, lists, s.beam_size)

    def typeahead_settings(self, settings: TypeaheadConfig | None = None) -> TypeaheadConfig:
        """The running-text settings actually used (`settings`, default the record of this decoding: tuned with the
        rescorers when they are loaded): without the weights of what this model lacks (as `usable`)."""
        zero: dict[str, float] = {}
        if self.prior is None:
            zero.update(prior_weight=0.0, context_weight=0.0)
        if self.context is None:
            zero.update(context_weight=0.0)
        if self.lexicon is None:
            zero.update(lexicon_weight=0.0)
        if settings is None:
            settings = self.typeahead_rescored if self.rescorers else self.typeahead
        return replace(settings, **zero)

    def candidates_in_context(self, words: Sequence[str], previous: Sequence[str], beam_size: int | None = None,
                              settings: TypeaheadConfig | None = None) -> list[list[str]]:
        """Up to `beam_size` candidates of each word as the word after `previous` in running text (text/typeahead.py,
        `typeahead_settings`; `settings` is for tuning them): its lattice emission plus the bigram model's term.
        Lexicon words and the user's spellings are offered as in `candidate_lists`."""
        previous = check_previous(previous)
        t = self.typeahead_settings(settings)
        s = self.settings(beam_size or max(self.decoding.beam_size, 5), lexicon_weight=t.lexicon_weight)
        before, lists = context_word(previous, self.lang), []
        for scored in self.cached_scored(list(words), s.beam_size):
            lat = lattice([""], [scored], s, self.rescorer_weights, self.prior, [None], t.nasal_penalty)
            order = ranked(lat.candidates[0], lat.emissions[0], before, t, self.context, self.prior)
            lists.append(_offer_taught(order, {c.word for c in scored if c.lexicon_count}, s.beam_size))
        return self.learned_first(words, lists, s.beam_size)

    def cached_scored(self, words: list[str], beam_size: int) -> list[list[Candidate]]:
        """`scored_candidates` through the cache of the words decoded before (running text repeats its words)."""
        keys = [cache_key(w, beam_size) for w in words]
        return self.candidate_cache.get_many(keys, lambda missing: self.scored_candidates([w for w, _ in missing],
                                                                                          beam_size))

    def learned_first(self, words: Sequence[str], lists: list[list[str]], k: int) -> list[list[str]]:
        """The user's own spellings (words/user_dictionary.py) lead each list, newest first; the list keeps its
        length."""
        if self.user_dictionary is None:
            return lists
        for row, learned in enumerate(self.user_dictionary.lookup_many(words)):
            if learned:
                lists[row] = _distinct(learned + lists[row])[: max(k, len(learned))]
        return lists

    def transliterate(self, words: Sequence[str], beam_size: int | None = None, length_penalty: float | None = None,
                      prior_weight: float | None = None, lexicon_weight: float | None = None) -> list[str]:
        """`best` with the model's decoding but the given values; `words` is checked as in `candidates`."""
        self.check_words(words)
        return self.best(words, self.settings(beam_size, length_penalty=length_penalty, prior_weight=prior_weight,
                                              lexicon_weight=lexicon_weight))

    def best(self, words: Sequence[str], decoding: DecodingConfig) -> list[str]:
        """One output word per input word: greedy for beam size 1, else the best reranked candidate (a word
        the model gives no output for is returned as it is)."""
        if self.usable(decoding).beam_size > 1:
            return [c[0] if c else word for word, c in zip(words, self.candidate_lists(words, decoding))]
        results = [output or word for word, output in
                   zip(words, greedy_words(self.model, self.vocabs, words, self.batch_size, self.device))]
        return [best[0] for best in self.learned_first(words, [[r] for r in results], 1)]

    def attention(self, word: str) -> tuple[str, torch.Tensor | None]:
        """Greedy output and its attention matrix (output chars × input chars), None without attention."""
        check_word_lengths([word])
        batch = make_batch([0], [self.vocabs.source.encode(model_form(word))], None).to(self.device)
        tokens, weights = greedy_decode(self.model, batch.source, batch.source_lengths, keep_attention=True)
        output = self.vocabs.target.decode(tokens[0].tolist())
        return output, None if weights is None else weights[0, : len(output) + 1, : len(word)].float()

    def transliterate_sentence(self, text: str, beam_size: int | None = None) -> str:
        """Transliterate the words of `text`; keep spaces, punctuation and digits exactly as they are, and words
        longer than MAX_WORD_LENGTH too."""
        return self.transliterate_text(text, beam_size)[0]

    def transliterate_text(self, text: str, beam_size: int | None = None, context: bool = True,
                           context_weight: float | None = None) -> tuple[str, list[str], int]:
        """`transliterate_sentence` for text of any size (many lines at once: one batched decoding); also
        returns the words decoded and the number of words left as they were for being too long. Each line's
        words are chosen jointly with the bigram model (words/bigrams.py) unless `context` is False or the model has
        none; tokens that are not words (tokens.py) and words longer than MAX_WORD_LENGTH are kept as they are."""
        if not isinstance(text, str):
            raise SeqlabError(f"text must be a string, got {type(text).__name__}")
        matches = list(word_matches(text, self.direction, self.lang))
        short = [m for m in matches if not too_long(m.group(0))]
        decoding = self.settings(beam_size, context_weight=context_weight)
        outputs = iter(self._choose_lines(text, short, decoding, context))
        pieces, end = [], 0
        for m in matches:
            pieces += [text[end : m.start()], m.group(0) if too_long(m.group(0)) else next(outputs)]
            end = m.end()
        return "".join(pieces) + text[end:], [m.group(0) for m in short], len(matches) - len(short)

    def _choose_lines(self, text: str, matches: list[re.Match], decoding: DecodingConfig, context: bool) -> list[str]:
        """The output word of each match: greedy, or each line's lattice chosen word by word or jointly."""
        s = self.usable(decoding)
        words = [m.group(0) for m in matches]
        if s.beam_size == 1 or not words:
            return self.best(words, replace(s, beam_size=1)) if words else []
        lines: dict[int, list[str]] = {}
        line, position = 0, 0
        for m in matches:
            line, position = line + text.count("\n", position, m.start()), m.start()
            lines.setdefault(line, []).append(m.group(0))
        joint = context and s.context_weight > 0  # usable() zeroes κ without a bigram model or prior
        outputs = []
        for lat in self.lattices(list(lines.values()), s, joint):
            outputs += lat.choose(s.prior_weight, self.context if joint else None, s.context_weight, self.prior)
        return outputs

    def lattices(self, lines: list[list[str]], decoding: DecodingConfig, joint: bool = False) -> list[Lattice]:
        """Each line's words with their scored candidates (decoded once per distinct word, cached). `joint`: for
        choosing with the bigram model, so with the context's lexicon weight and, given a nasal penalty, the
        candidates' nasalized spellings too (sentence.nasal_variants)."""
        s = self.usable(decoding)
        s = replace(s, lexicon_weight=s.context_lexicon_weight) if joint else s
        nasal_penalty = s.nasal_penalty if joint else None
        flat = [w for line in lines for w in line]
        scored = iter(self.cached_scored(flat, s.beam_size))
        spellings = iter(self.user_dictionary.lookup_many(flat) if self.user_dictionary else [[] for _ in flat])
        result = []
        for line in lines:
            learned = [(next(spellings) or [None])[0] for _ in line]
            result.append(lattice(line, [next(scored) for _ in line], s, self.rescorer_weights, self.prior, learned,
                                  nasal_penalty))
        return result

    def cache_candidates(self, words: Sequence[str], beam_size: int | None = None) -> int:
        """Decode the words sentence mode will need into its cache (what `lattices` reads), so that a caller (the
        server) can decode a long text in pieces and then choose its words at once, with the same result.
        Returns how many words had to be decoded."""
        s = self.settings(beam_size)
        keys = [cache_key(w, s.beam_size) for w in words]
        decoded = 0

        def decode(missing: list) -> list:
            nonlocal decoded
            decoded = len(missing)
            return self.scored_candidates([w for w, _ in missing], s.beam_size)

        self.candidate_cache.get_many(keys, decode)
        return decoded


def _offer_taught(ranked: list[str], taught: set[str], k: int) -> list[str]:
    """The first `k` of `ranked`, except that lexicon words ranked lower replace its worst other words (never the
    first): a word the model was taught is always offered."""
    top = ranked[:k]
    missing = [w for w in ranked[k:] if w in taught][: k - 1]
    replaceable = [w for w in reversed(top[1:]) if w not in taught][: len(missing)]
    top = [w for w in top if w not in replaceable] + missing[: len(replaceable)]
    return sorted(top, key=ranked.index)


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def model_direction(config: dict, where: str = "config.json") -> str:
    """Which way a model transliterates (config.json train.direction; models before it are roman-to-native)."""
    direction = (config.get("train") or {}).get("direction", DIRECTIONS[0])
    if direction not in DIRECTIONS:
        raise SeqlabError(f"{where}: train.direction is {direction!r}; expected one of {', '.join(DIRECTIONS)}")
    return direction


def model_lang(config: dict, where: str = "config.json") -> str:
    """The language a model writes (config.json train.lang; models saved without one are Hindi)."""
    code = (config.get("train") or {}).get("lang") or DEFAULT_LANG
    return language(code, f"{where}: train.lang").code


def load_transliterator(model_dir: str | Path | None = None, batch_size: int = 256, device: str = "cpu",
                        user_dictionary: UserDictionary | str | Path | None = None, direction: str | None = None,
                        rescorers: bool = True, dtype: str = "float32", backend: str = "auto",
                        lang: str | None = None) -> Transliterator:
    """Load a run directory or model folder; without one, the model shipped with seqlab for `lang` (default
    Hindi) and `direction` (default romanized → native script); a language without one is a one-line error
    listing those shipped. A model of another direction or language than a given one is refused.
    Decoding defaults to the CPU: single words are faster there than a GPU round trip. A user dictionary is
    used only when given (a UserDictionary, or the path of its file; evaluation never sees one).
    `rescorers=False` leaves the folder's rescorer models out (about 3x faster decoding, for servers). `dtype`
    (device.INFERENCE_DTYPES) is what the PyTorch models compute in; scores, prior and ranking stay float32.
    `backend` (config.BACKENDS) is what runs the models: ONNX Runtime (the default on a CPU, see engine/) or
    PyTorch; both give the same candidates and scores. Values are checked as the CLI checks them
    (config.LoadOptions)."""
    LoadOptions(batch_size=batch_size, device=device, dtype=dtype, rescorers=rescorers, backend=backend)  # checks
    if isinstance(user_dictionary, (str, os.PathLike)):
        user_dictionary = UserDictionary(user_dictionary)
    elif user_dictionary is not None and not isinstance(user_dictionary, UserDictionary):
        raise SeqlabError(f"user_dictionary must be a UserDictionary or the path of its file, got "
                          f"{type(user_dictionary).__name__}")
    target = resolve_device(device)  # a wrong --device fails before the model is read
    model_dtype = resolve_inference_dtype(dtype, target)
    runner = resolve_backend(backend, target.type, dtype)
    if direction is not None and direction not in DIRECTIONS:
        raise SeqlabError(f"unknown direction {direction!r}; choose one of: {', '.join(DIRECTIONS)}")
    if lang is not None:
        language(lang)
    path = Path(model_dir) if model_dir else shipped_model(lang or DEFAULT_LANG, direction or DIRECTIONS[0])
    model, vocabs, config = load_model(path)
    if direction is not None and model_direction(config) != direction:
        raise SeqlabError(f"{path} transliterates {model_direction(config)}, not {direction}; drop --direction or "
                          "give a model of that direction")
    written = model_lang(config, str(path / "config.json"))
    if lang is not None and written != lang:
        raise SeqlabError(f"{path} is a '{written}' model, not '{lang}'; drop --lang or give a model of that "
                          "language")
    members = load_rescorers(path, target) if rescorers else []
    weights = rescorer_weights(config, [r.name for r in members], str(path / "config.json")) if rescorers else ()
    if runner != "torch":
        int8 = runner == "onnx-int8"
        model = onnx_network(model, weights_file(path), int8)
        members = [replace(m, model=onnx_network(m.model, weights_file(path / RESCORERS_DIR / m.name), int8))
                   for m in members]
    else:
        model.to(target, model_dtype)
        for member in members:
            member.model.to(model_dtype)
    threads = torch.get_num_threads() if runner != "torch" else 1  # PyTorch splits each call over its threads
    return Transliterator(model, vocabs, config, batch_size, WordPrior.load(path, written), Lexicon.load(path),
                          members, weights, user_dictionary, BigramContext.load(path, written), threads)
