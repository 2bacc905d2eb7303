"""The words a batch job has decoded once for the whole cluster: which words a shard needs, and each worker's copy
of their candidates.

Sentence mode looks up, for every word token of a line that is not too long, the scored candidates of its
`model_form` (`Transliterator.cached_scored`: beam ∪ lexicon, with the rescorers' scores). Those lookups, not the
Viterbi over them, are where the model runs, and running text reuses its words, so a corpus costs about one model
decoding per distinct word. `distinct_forms` (text/tokens.py) lists exactly those words for a shard's text (the
client computes them, sharing.py); a worker keeps the candidates the client sends it in a table per job (`remember`,
run on every worker through `Client.run`) and copies a shard's words from it into the model's cache before the shard
is decoded (`prefill`), so the model runs there only for a word the table lacks. The table is only ever a shortcut:
a word missing from it (a worker that joined or was restarted since) is decoded as before, with the same result.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

from seqlab.translit.decoding.word_form import cache_key
from seqlab.translit.transliterator import Transliterator

TABLES_KEPT = 2  # jobs whose tables a worker keeps: one running, one whose client died before it could `forget`

_tables: OrderedDict[str, dict[str, list]] = OrderedDict()  # per worker process: {table id: {form: candidates}}


def remember(table_id: str, adds: dict[str, list], drops: Sequence[str]) -> None:
    """On a worker (through `Client.run`): add a group's words to the job's table, then drop the ones the client
    dropped from its copy, in the same order, so both hold the same words."""
    table = _tables.get(table_id)
    if table is None:
        table = _tables[table_id] = {}
        while len(_tables) > TABLES_KEPT:
            _tables.popitem(last=False)
    table.update(adds)
    for form in drops:
        table.pop(form, None)


def forget(table_id: str) -> None:
    """On a worker, at the end of a job: its table's memory goes."""
    _tables.pop(table_id, None)


def sizes() -> list[int]:
    """On a worker (through `Client.run`): how many words each job's table holds here, to watch the memory bound."""
    return [len(table) for table in _tables.values()]


def prefill(translit: Transliterator, table_id: str, forms: Sequence[str], beam: int) -> None:
    """Put the candidates the table has of `forms` into the model's cache (under the key `cached_scored` uses), at
    most as many as the cache holds, so that decoding the shard finds them there."""
    table = _tables.get(table_id)
    if not table:
        return
    cache = translit.candidate_cache
    for form in forms[: cache.size]:
        found = table.get(form)
        if found is not None:
            cache.put(cache_key(form, beam), found)
