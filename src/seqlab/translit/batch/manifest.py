"""The run's record in OUTPUT/.seqlab-batch/: which shards are finished, and what the run is.

manifest.json holds the run's fingerprint (model hash, output options, user dictionary hash, every input's path,
size and modification time) and, per input file, its shard count, the finished shards and their counts (lines,
words, unknown characters, …). A finished shard's text is written atomically to shards/FILE/SHARD.txt before
the manifest (also atomic) names it, so after a crash or kill -9 a shard is either recorded with its text on disk
or done again. Once every shard of a file is in, the file is assembled atomically at its output path (gzip for a
.gz input, with a fixed header so the same text gives the same bytes) and its shard texts are deleted.
A resume whose fingerprint differs is refused in one line: mixing two models or option sets in one output folder
would give a corpus that no single command could have written.
"""
from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from seqlab.errors import SeqlabError
from seqlab.io import atomic_path, read_json_record, remove_stale_temporaries, write_text_atomic
from seqlab.translit.batch.inputs import STATE_DIR, InputFile
from seqlab.translit.batch.options import flag

MANIFEST, SHARDS_DIR = "manifest.json", "shards"
FORMAT = 1
COUNTS = ("lines", "words", "too_long", "skipped")  # summed per file over its finished shards


class Manifest:
    """The manifest of one OUTPUT folder; use it only while holding the folder's RunLock."""

    def __init__(self, out: Path, sources: list[InputFile], data: dict):
        self.out, self.sources, self.data = out, sources, data
        self.state = out / STATE_DIR

    @classmethod
    def open(cls, out: Path, sources: list[InputFile], fingerprint: dict, shard_counts: list[int]) -> "Manifest":
        """The folder's manifest, checked against this run's fingerprint, or a new one for a fresh folder."""
        path = out / STATE_DIR / MANIFEST
        if path.exists():
            data = _read(path)
            check_fingerprint(data.get("fingerprint", {}), fingerprint, out)
            for source, entry, count in zip(sources, data["files"], shard_counts):
                if entry["shards"] != count:  # same size and time, other lines: rare, but never to be mixed
                    raise SeqlabError(f"input {source.path} changed since the run in {out} began ({entry['shards']} "
                                      f"shards then, {count} now); give a new --output folder")
        else:
            _refuse_foreign_outputs(out, sources)
            data = {"format": FORMAT, "fingerprint": fingerprint,
                    "files": [_new_entry(source, count) for source, count in zip(sources, shard_counts)]}
        manifest = cls(out, sources, data)
        manifest._tidy()
        manifest.save()
        return manifest

    @property
    def files(self) -> list[dict]:
        return self.data["files"]

    def missing(self, file_no: int) -> set[int]:
        entry = self.files[file_no]
        return set() if entry["complete"] else set(range(entry["shards"])) - set(entry["done"])

    def shard_path(self, file_no: int, shard: int) -> Path:
        return self.state / SHARDS_DIR / str(file_no) / f"{shard}.txt"

    def record(self, file_no: int, shard: int, text: str, counts: dict[str, int], unknown: dict[str, int]) -> None:
        """A finished shard: its text on disk first, then its entry; the file is assembled once complete."""
        with atomic_path(self.shard_path(file_no, shard)) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
        entry = self.files[file_no]
        entry["done"].append(shard)
        for key in COUNTS:
            entry[key] += counts[key]
        entry["unknown"] = dict(Counter(entry["unknown"]) + Counter(unknown))
        if not self.missing(file_no):
            self.assemble(file_no)
        self.save()

    def assemble(self, file_no: int) -> None:
        """Write the file's output from its shards (atomically), then mark it complete and drop the shards."""
        source, entry = self.sources[file_no], self.files[file_no]
        with atomic_path(self.out / source.name) as tmp, open(tmp, "wb") as raw:
            sink = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if source.compressed else raw
            for shard in range(entry["shards"]):
                with open(self.shard_path(file_no, shard), "rb") as part:
                    shutil.copyfileobj(part, sink)
            if sink is not raw:
                sink.close()
        entry["complete"], entry["done"] = True, []
        self.save()
        shutil.rmtree(self.state / SHARDS_DIR / str(file_no), ignore_errors=True)
        if all(entry["complete"] for entry in self.files):
            shutil.rmtree(self.state / SHARDS_DIR, ignore_errors=True)

    def save(self) -> None:
        write_text_atomic(self.state / MANIFEST, json.dumps(self.data, ensure_ascii=False) + "\n")

    def totals(self) -> dict[str, Any]:
        """COUNTS and unknown characters over every finished shard of every file."""
        total: dict[str, Any] = {key: sum(entry[key] for entry in self.files) for key in COUNTS}
        total["unknown"] = sum((Counter(entry["unknown"]) for entry in self.files), Counter())
        return total

    def _tidy(self) -> None:
        """After a crash: drop half-written temporaries; redo a file whose output or shard texts have gone."""
        remove_stale_temporaries(self.state)
        for file_no, (source, entry) in enumerate(zip(self.sources, self.files)):
            target = self.out / source.name
            if target.parent.is_dir():
                for stale in target.parent.glob(f".{target.name}.*.tmp"):
                    stale.unlink(missing_ok=True)
            shards = self.state / SHARDS_DIR / str(file_no)
            if shards.is_dir():
                remove_stale_temporaries(shards)
            if entry["complete"]:
                if target.is_file():
                    shutil.rmtree(shards, ignore_errors=True)
                    continue
                self.files[file_no] = _new_entry(source, entry["shards"])
            elif any(not self.shard_path(file_no, shard).is_file() for shard in entry["done"]):
                self.files[file_no] = _new_entry(source, entry["shards"])
        for file_no, entry in enumerate(self.files):  # a file without lines, or whose assembly a crash cut short
            if not entry["complete"] and not self.missing(file_no):
                self.assemble(file_no)


def _new_entry(source: InputFile, shards: int) -> dict:
    return {"output": source.name, "shards": shards, "done": [], "complete": False, **dict.fromkeys(COUNTS, 0),
            "unknown": {}}


def _read(path: Path) -> dict:
    return read_json_record(path, FORMAT, SeqlabError,
                            "{path} is unreadable ({exc}); give a new --output folder to start afresh",
                            "{path} was not written by this version of seqlab batch; give a new --output folder")


def _refuse_foreign_outputs(out: Path, sources: list[InputFile]) -> None:
    """A folder without a manifest must not already hold files this run would overwrite."""
    for source in sources:
        if (out / source.name).exists():
            raise SeqlabError(f"--output {out} already holds {source.name}, which no batch run there wrote; give a "
                              "new or empty --output folder")


def check_fingerprint(old: dict, new: dict, out: Path) -> None:
    """Refuse, in one line naming the first difference, to resume a run made with other settings."""
    again = f"give a new --output folder to transliterate with these settings (or the old ones to resume {out})"
    if old.get("model") != new["model"]:
        raise SeqlabError(f"--output {out} holds a run made with another model (sha256 "
                          f"{str(old.get('model'))[:12]}…, now {new['model'][:12]}…); {again}")
    old_options = old.get("options", {})
    for name, value in new["options"].items():
        if old_options.get(name) != value:
            raise SeqlabError(f"--output {out} holds a run made with other options ({flag(name)} was "
                              f"{_shown(old_options.get(name))}, now {_shown(value)}); {again}")
    if old.get("user_dictionary") != new["user_dictionary"]:
        raise SeqlabError(f"--output {out} holds a run made with another user dictionary (its pairs changed); {again}")
    _check_inputs(old.get("inputs", []), new["inputs"], out, again)


def _check_inputs(old: list[dict], new: list[dict], out: Path, again: str) -> None:
    old_names, new_names = [i.get("output") for i in old], [i["output"] for i in new]
    if old_names != new_names:
        extra = sorted(set(new_names) - set(old_names)) or sorted(set(old_names) - set(new_names)) or ["(order)"]
        raise SeqlabError(f"--output {out} holds a run of other inputs ({extra[0]} differs); {again}")
    for before, now in zip(old, new):
        if before != now:
            raise SeqlabError(f"input {now['input']} changed since the run in {out} began (path, size or time); "
                              f"{again}")


def _shown(value: Any) -> str:
    return "unset" if value is None else json.dumps(value, ensure_ascii=False)
