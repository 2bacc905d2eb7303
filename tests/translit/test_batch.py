"""`seqlab translit batch` on a real Dask cluster (a LocalCluster of 2 worker processes, one thread each, shared by
the module): output byte-identical to `predict` on stdin, with 1 and 2 workers, after a worker is killed, and after
the client itself is killed with -9 and run again (only the missing shards are decoded).

Slow: the cluster, its workers' PyTorch and model, and the local cluster of the command-line test take about a minute
on a busy 2-core machine, however few lines are decoded."""
from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client

import seqlab
from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.translit import transliterate_files
from seqlab.translit.batch import run, sharing, word_table
from seqlab.translit.batch.cluster import local_cluster
from seqlab.translit.batch.inputs import STATE_DIR
from seqlab.translit.batch.progress import Progress
from seqlab.translit.config import MAX_WORD_LENGTH
from seqlab.translit.data.paths import sentence_files
from seqlab.translit.text.tokens import words

pytestmark = pytest.mark.slow

OPTIONS = {"rescorers": False}  # the shipped model without its rescorers: the same code path, a third of the time
SPECIAL = ["ghar, pani!", "", "123 (7) 10km 2nd", "😀 dilli दिल्ली λόγος a@b.com https://x.org/p?q=1 @ravi\r",
           "a" * (MAX_WORD_LENGTH + 6) + " kal ...", "   mera   naam  "]


def dev_lines(shared_data: Path, start: int, count: int) -> list[str]:
    """Short romanized Dakshina dev sentences (never test ones)."""
    roman, _ = sentence_files("hi", "dev", str(shared_data))
    lines = roman.read_text(encoding="utf-8").splitlines()[start:]
    return [line for line in lines if len(line.split()) <= 10][:count]


@contextlib.contextmanager
def stdin_from(path: Path):
    saved = sys.stdin
    with open(path, "rb") as handle:
        sys.stdin = handle
        try:
            yield
        finally:
            sys.stdin = saved


def predict_on_stdin(path: Path, *args: str) -> str:
    """What `seqlab translit predict ARGS < PATH` writes."""
    out = io.StringIO()
    with stdin_from(path), contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["translit", "predict", *args]) == 0
    return out.getvalue()


def lines_of(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n", text)


def terminated(text: str) -> str:
    """`predict` ends an unterminated last line."""
    return text + "\n" if text and not text.endswith("\n") else text


def shard_count(texts, shard_lines: int) -> int:
    return sum(-(-len(lines_of(terminated(text))) // shard_lines) for text in texts)


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(2) as local, Client(local, set_as_default=False) as client:
        yield local.scheduler_address, client


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_data):
    """A folder (plain, nested .gz without a final newline, empty file), a file given alone, a file for the resume
    test, and what `predict` writes for each (one predict run over all of them: lines are decoded independently)."""
    root = tmp_path_factory.mktemp("batch")
    dictionary = root / "dictionary.tsv"
    dictionary.write_text("kal\tकळ\n", encoding="utf-8")  # a learned spelling the workers must use too
    lines = dev_lines(shared_data, 100, 70)
    texts = {"corpus/a.txt": "\n".join(SPECIAL[:3] + lines[:14]) + "\n",
             "corpus/sub/b.txt.gz": "\n".join(lines[14:30] + SPECIAL[3:]),
             "corpus/empty.txt": "", "alone.txt": "\n".join(lines[30:40]) + "\n",
             "resume.txt": "\n".join(lines[40:70]) + "\n"}
    for name, text in texts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
    everything = root / "all.txt"
    everything.write_text("".join(terminated(text) for text in texts.values()), encoding="utf-8")
    out = iter(lines_of(predict_on_stdin(everything, "--no-rescorers", "--user-dictionary", str(dictionary))))
    expected = {name: "".join(next(out) for _ in lines_of(terminated(text))) for name, text in texts.items()}
    assert "कळ" in expected["corpus/a.txt"] + expected["corpus/sub/b.txt.gz"]
    return root, {**OPTIONS, "user_dictionary": dictionary}, expected


def outputs(out: Path) -> dict[str, str]:
    """Every output file under OUT (decompressed), by its path relative to the input's parent."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and STATE_DIR not in path.parts:
            data = path.read_bytes()
            found[path.relative_to(out).as_posix()] = (gzip.decompress(data) if path.suffix == ".gz" else data).decode()
    return found


def inputs_text(root: Path, names) -> str:
    return "".join(terminated((gzip.decompress((root / name).read_bytes()) if name.endswith(".gz")
                               else (root / name).read_bytes()).decode("utf-8")) for name in names)


def distinct_words(text: str) -> int:
    """The distinct words of `text` that sentence mode decodes (lower-cased, not too long)."""
    return len({word.lower() for word in words(text) if len(word.lower()) <= MAX_WORD_LENGTH})


def expected_outputs(expected: dict[str, str], names=("corpus/a.txt", "corpus/sub/b.txt.gz", "corpus/empty.txt",
                                                      "alone.txt")) -> dict[str, str]:
    return {name: expected[name] for name in names}


@pytest.fixture(scope="module")
def two_workers(cluster, corpus, tmp_path_factory):
    """One run on the 2-worker cluster, shared by the tests that read its output folder."""
    address, _ = cluster
    root, options, _ = corpus
    out = tmp_path_factory.mktemp("two") / "out"
    summary = transliterate_files([root / "corpus", root / "alone.txt"], out, scheduler=address, shard_lines=4,
                                  **options)
    return out, summary


def test_two_workers_write_what_predict_writes(two_workers, corpus):
    out, summary = two_workers
    root, _, expected = corpus
    assert outputs(out) == expected_outputs(expected)
    assert gzip.decompress((out / "corpus/sub/b.txt.gz").read_bytes())  # a .gz input gives a .gz output
    assert summary.lines == sum(len(lines_of(text)) for text in expected_outputs(expected).values())
    assert summary.shards == summary.shards_decoded == shard_count(expected_outputs(expected).values(), 4)
    assert summary.shards_reused == 0
    assert {"λ", "γ"} <= set(summary.unknown_characters) and summary.too_long == 1 and summary.skipped_lines == 0
    assert summary.words > summary.lines and summary.words_decoded == summary.words
    # each distinct word decoded by the model once for both workers (a cache per worker decoded most twice)
    assert summary.model_words == distinct_words(inputs_text(root, ["corpus/a.txt", "corpus/sub/b.txt.gz",
                                                                    "alone.txt"]))


def test_a_finished_run_run_again_decodes_nothing(two_workers, corpus, cluster):
    out, first = two_workers
    root, options, expected = corpus
    again = transliterate_files([root / "corpus", root / "alone.txt"], out, scheduler=cluster[0], shard_lines=4,
                                **options)
    assert again.shards_decoded == 0 and again.shards_reused == first.shards and again.words == first.words
    assert outputs(out) == expected_outputs(expected)


def test_changed_options_model_or_inputs_are_refused(two_workers, corpus, tmp_path):
    out, _ = two_workers
    root, options, _ = corpus
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    inputs = [root / "corpus", root / "alone.txt"]
    for changed, message in [({"beam_size": 3}, r"other options \(--beam-size was unset, now 3\)"),
                             ({"shard_lines": 5}, r"--shard-lines was 4, now 5"),
                             ({"context": False}, r"--context was true, now false"),
                             ({"no_user_dictionary": True}, "another user dictionary"),
                             ({"rescorers": True}, "another model")]:
        with pytest.raises(SeqlabError, match=message):
            transliterate_files(inputs, copy, scheduler="tcp://127.0.0.1:9", **{**options, "shard_lines": 4,
                                                                                   **changed})
    with pytest.raises(SeqlabError, match="other inputs"):
        transliterate_files(inputs[:1], copy, scheduler="tcp://127.0.0.1:9", shard_lines=4, **options)


def test_one_local_worker_from_the_command_line_writes_the_same(corpus, two_workers, tmp_path, capsys):
    root, options, expected = corpus
    out = tmp_path / "out"
    code = main(["translit", "batch", str(root / "corpus"), str(root / "alone.txt"), "--output", str(out),
                 "--workers", "1", "--no-rescorers", "--user-dictionary", str(options["user_dictionary"]),
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert outputs(out) == expected_outputs(expected)
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["shards"] == summary["shards_decoded"] == 3 and summary["words_per_s"] > 0
    assert summary["model_words"] == two_workers[1].model_words  # one worker decodes as many words as two
    assert "lines to transliterate" in captured.err  # stderr is no terminal here: log lines, not a bar


class KillAWorker(Progress):
    """Kills one worker process (SIGKILL) as soon as the first shard is in."""

    def __init__(self, client: Client):
        self.client, self.killed, self.after = client, None, 0

    def update(self, lines: int, words: int) -> None:
        if self.killed is None:
            self.killed = next(iter(self.client.run(os.getpid).values()))
            os.kill(self.killed, signal.SIGKILL)
        else:
            self.after += 1


def test_a_worker_killed_mid_job_changes_nothing(cluster, corpus, tmp_path):
    address, client = cluster
    root, options, expected = corpus
    killer = KillAWorker(client)
    summary = transliterate_files([root / "corpus", root / "alone.txt"], tmp_path / "out", scheduler=address,
                                  shard_lines=2, progress=killer, **options)
    assert killer.after > 0
    assert summary.shards_decoded == summary.shards == shard_count(expected_outputs(expected).values(), 2)
    assert outputs(tmp_path / "out") == expected_outputs(expected)
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it
    assert killer.killed not in client.run(os.getpid).values()


class TableSizes(Progress):
    """Records the size of every worker's shared-word tables after each shard."""

    def __init__(self, client: Client):
        self.client, self.sizes = client, []

    def update(self, lines: int, words: int) -> None:
        self.sizes += [size for sizes in self.client.run(word_table.sizes).values() for size in sizes]


def test_a_full_shared_table_drops_words_and_changes_nothing(cluster, corpus, tmp_path, monkeypatch):
    address, client = cluster
    root, options, expected = corpus
    monkeypatch.setattr(sharing, "TABLE_WORDS", 40)
    monkeypatch.setattr(run, "GROUP_WORDS", 20)
    watch = TableSizes(client)
    summary = transliterate_files([root / "corpus", root / "alone.txt"], tmp_path / "out", scheduler=address,
                                  shard_lines=4, progress=watch, **options)
    assert outputs(tmp_path / "out") == expected_outputs(expected)
    assert watch.sizes and max(watch.sizes) <= 40  # every worker holds at most TABLE_WORDS words of the job
    # a word dropped from the table and needed again is decoded again
    assert summary.model_words > distinct_words(inputs_text(root, ["corpus/a.txt", "corpus/sub/b.txt.gz",
                                                                   "alone.txt"]))
    assert not [size for sizes in client.run(word_table.sizes).values() for size in sizes]  # freed at the end


def finished_shards(out: Path) -> int:
    manifest = out / STATE_DIR / "manifest.json"
    if not manifest.exists():
        return 0
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    return sum(entry["shards"] if entry["complete"] else len(entry["done"]) for entry in files)


def unfinished_shards(out: Path) -> set[int]:
    """Of an unfinished single-file run: the shards not yet done."""
    entry = json.loads((out / STATE_DIR / "manifest.json").read_text(encoding="utf-8"))["files"][0]
    return set(range(entry["shards"])) - set(entry["done"])


def test_a_run_killed_with_sigkill_resumes_with_only_the_missing_shards(cluster, corpus, tmp_path):
    address, _ = cluster
    root, options, expected = corpus
    out = tmp_path / "out"
    command = [sys.executable, "-m", "seqlab.cli", "translit", "batch", str(root / "resume.txt"), "--output",
               str(out), "--scheduler", address, "--shard-lines", "1", "--no-rescorers", "--user-dictionary",
               str(options["user_dictionary"])]
    env = {**os.environ, "PYTHONPATH": str(Path(seqlab.__file__).parents[1])}  # this checkout's seqlab
    client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        while finished_shards(out) == 0 and client.poll() is None:
            time.sleep(0.01)
        client.kill()
    finally:
        client.wait()
    assert client.returncode == -signal.SIGKILL, client.stderr.read().decode()
    done, missing = finished_shards(out), unfinished_shards(out)
    assert 0 < done < 30
    summary = transliterate_files([root / "resume.txt"], out, scheduler=address, shard_lines=1, **options)
    assert summary.shards_reused == done and summary.shards_decoded == 30 - done
    lines = lines_of(inputs_text(root, ["resume.txt"]))  # a shard per line: the model decodes the missing ones' words
    assert summary.model_words == distinct_words("".join(lines[shard] for shard in sorted(missing)))
    assert outputs(out) == {"resume.txt": expected["resume.txt"]} and summary.lines == 30


def test_bad_lines_skipped_become_empty_lines(cluster, corpus, tmp_path):
    root, options, _ = corpus
    source = tmp_path / "bad.txt"
    source.write_bytes(b"ghar\npa\xffni\nkal\n\xe0\xa4")  # a bad line inside, and a cut-off character at the end
    summary = transliterate_files([source], tmp_path / "out", scheduler=cluster[0], skip_bad_lines=True, **options)
    clean = tmp_path / "clean.txt"
    clean.write_text("ghar\n\nkal\n\n", encoding="utf-8")
    assert (tmp_path / "out" / "bad.txt").read_text(encoding="utf-8") == predict_on_stdin(
        clean, "--no-rescorers", "--user-dictionary", str(options["user_dictionary"]))
    assert summary.skipped_lines == 2 and summary.lines == 4
