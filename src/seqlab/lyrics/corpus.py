"""Lyrics corpus: read a folder of .txt files (or a CSV), normalize, split into songs, de-duplicate, split by song.

The Kaggle "Song Lyrics" folder (paultimothymooney/poetry) has one file per artist; some artists appear twice
(kanye-west.txt / Kanye_West.txt, lil-wayne.txt / Lil_Wayne.txt) with almost the same lines, so near-duplicate
files are detected and their shared songs are counted once; otherwise validation text would leak into training.
"""
from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from seqlab.datadir import candidate_roots
from seqlab.errors import DataError, first_line
from seqlab.lyrics.conditioning import artist_key
from seqlab.lyrics.dedup import line_set, search_near_duplicates

MIN_CHARS = 50  # the original recipe keeps files with more than 50 characters
MAX_CONTROL_SHARE = 0.1  # a text with a larger share of control characters is not lyrics
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode category Cc minus \t \n \r
NEAR_DUP_THRESHOLD = 0.8  # share of distinct lines (of the smaller file) that both files hold
SONG_OVERLAP_THRESHOLD = 0.8  # a song of a near-duplicate file is dropped when this share of its lines is in the other
MAX_SONG_LINES = 40  # passages cut from files without blank lines (see split_songs)
TEXT_COLUMNS = ("lyrics", "lyric", "text", "song_text", "content")
DATASET_NAME = "poetry"
KAGGLE_HINT = (
    "the Kaggle dataset paultimothymooney/poetry ('Song Lyrics') cannot be downloaded automatically; "
    "download it from https://www.kaggle.com/datasets/paultimothymooney/poetry and unzip its .txt files "
    "into a folder named poetry/"
)


@dataclass
class LyricsCorpus:
    """Everything `stats`, `train` and `evaluate` need to know about one data source."""

    source: Path
    files: pd.DataFrame  # columns: file, artist, text (the kept files, normalized)
    dropped: list[tuple[str, str]]  # (file, reason)
    songs: pd.DataFrame  # columns: file, artist, song (after de-duplication)
    exact_duplicates: int = 0
    near_duplicate_songs: int = 0
    near_duplicate_pairs: list[tuple[str, str, float]] = field(default_factory=list)


def normalize(text: str) -> str:
    """Strip the BOM, turn CRLF/CR into LF and trim trailing spaces, so copies that differ only there compare equal."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def split_songs(text: str, max_lines: int = MAX_SONG_LINES) -> list[str]:
    """Songs/stanzas are separated by blank lines; a longer run without one is cut into passages of `max_lines`.

    Most files of the Kaggle set have no blank line at all (a whole artist is one run of ~2,000–11,000 lines),
    so without the cut the split "by song" would be a split by file and --pad-to-max would drop almost everything.
    """
    songs = []
    for chunk in re.split(r"\n(?:[ \t]*\n)+", text):
        if not chunk.strip():
            continue
        lines = chunk.strip("\n").split("\n")
        for start in range(0, len(lines), max_lines):
            songs.append("\n".join(lines[start : start + max_lines]))
    return songs


def artist_name(file_name: str) -> str:
    """'Kanye_West.txt' and 'kanye-west.txt' both become 'kanye west'."""
    return artist_key(Path(file_name).stem)


def shown(name: object) -> str:
    """A file or column name as is, or as a Python literal if it holds a line break or another unprintable
    character: names come from the data, and an error message that names them must stay one line."""
    text = str(name)
    return text if text.isprintable() else repr(text)


def read_text_file(path: Path) -> str:
    """Decode strictly as UTF-8: silently replacing bad bytes would put garbage into the training text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {shown(path)}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{shown(path)}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}, "
                        f"line {line})") from exc


def resolve_data_path(data: str | os.PathLike | None, data_dir: str | os.PathLike | None = None) -> Path:
    """DATA if given, else poetry/ under --data-dir, $SEQLAB_DATA_DIR or ./data; a clear error if none exists."""
    if data:
        path = Path(data).expanduser()
        if not path.exists():
            raise DataError(f"data path {path} does not exist")
        return path
    tried = []
    for option, root in candidate_roots(data_dir):
        candidate = root / DATASET_NAME
        if candidate.is_dir():
            return candidate
        tried.append(f"{candidate} ({option})")
    raise DataError(
        "no lyrics data found; looked in " + ", ".join(tried)
        + "; pass a folder of .txt files or a CSV as DATA, or use --data-dir / $SEQLAB_DATA_DIR; " + KAGGLE_HINT
    )


def _read_folder(folder: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".txt")
    if not paths:
        raise DataError(f"{folder} holds no .txt files; {KAGGLE_HINT}")
    kept, dropped = [], []
    for path in paths:
        file_kept, file_dropped = _read_text_file(path)
        kept += file_kept
        dropped += file_dropped
    return kept, dropped


def _keep_or_drop(name: str, artist: str, text: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """The original recipe's filter (more than MIN_CHARS characters), plus: not mostly control characters.

    A file of NUL bytes, a binary blob saved as .txt or a terminal log full of escape codes decodes as UTF-8 and is
    long enough, but training on it teaches the model nothing about lyrics; real lyrics have hardly any.
    """
    if len(text) <= MIN_CHARS:
        return [], [(name, f"{len(text)} characters (need more than {MIN_CHARS})")]
    controls = CONTROL_CHARS.subn("", text)[1]
    if controls > MAX_CONTROL_SHARE * len(text):
        return [], [(name, f"{controls} of {len(text)} characters are control characters "
                           f"(at most {MAX_CONTROL_SHARE:.0%} may be)")]
    return [{"file": name, "artist": artist, "text": text}], []


def _read_text_file(path: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    return _keep_or_drop(path.name, artist_name(path.name), normalize(read_text_file(path)))


def _read_csv(path: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    """One row per song; the text column is found by name (lyrics, text, …), the artist column if present."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 ({exc.reason} at offset {exc.start})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot parse as CSV ({first_line(exc)})") from exc
    columns = {c.strip().lower(): c for c in frame.columns}
    text_col = next((columns[name] for name in TEXT_COLUMNS if name in columns), None)
    if text_col is None:
        raise DataError(
            f"{path}: no lyrics column; expected one of {', '.join(TEXT_COLUMNS)}, "
            f"found {', '.join(map(shown, frame.columns[:10]))}"
            + (f" … ({len(frame.columns)} columns)" if len(frame.columns) > 10 else "")
        )
    artist_col = columns.get("artist")
    kept, dropped = [], []
    for row, record in enumerate(frame.to_dict("records"), start=2):
        name = f"{path.name}:{row}"
        artist = artist_key(record[artist_col]) if artist_col and record[artist_col].strip() else artist_name(path.name)
        row_kept, row_dropped = _keep_or_drop(name, artist, normalize(record[text_col]))
        kept += row_kept
        dropped += row_dropped
    return kept, dropped


def find_near_duplicates(files: pd.DataFrame, threshold: float = NEAR_DUP_THRESHOLD) -> list[tuple[str, str, float]]:
    """Pairs of files whose distinct lines overlap by at least `threshold` (of the smaller file's lines)."""
    return search_near_duplicates(files.file.tolist(), files.text.tolist(), threshold).pairs


def merge_duplicate_artists(files: pd.DataFrame, pairs: list[tuple[str, str, float]]) -> pd.DataFrame:
    """The later file of a near-duplicate pair takes the earlier file's artist: two copies of one artist's lyrics
    are one artist, whatever the file names say. Only for folders of files: two CSV rows that share their lines
    (a cover) may well be two artists."""
    artist = dict(zip(files.file, files.artist))
    for first, second, _ in pairs:
        artist[second] = artist[first]
    return files.assign(artist=files.file.map(artist))


def _build_songs(files: pd.DataFrame, pairs: list[tuple[str, str, float]]) -> tuple[pd.DataFrame, int, int]:
    """Songs of all kept files, minus exact duplicates and minus songs a near-duplicate partner already holds."""
    shadow: dict[str, set[str]] = {}  # file -> lines of the earlier file it duplicates
    texts = dict(zip(files.file, files.text))
    for first, second, _ in pairs:
        shadow.setdefault(second, set()).update(line_set(texts[first]))
    seen: set[str] = set()
    rows, exact, near = [], 0, 0
    for record in files.itertuples():
        partner_lines = shadow.get(record.file)
        for song in split_songs(record.text):
            if song in seen:
                exact += 1
                continue
            lines = line_set(song)
            if partner_lines and lines and len(lines & partner_lines) >= SONG_OVERLAP_THRESHOLD * len(lines):
                near += 1
                continue
            seen.add(song)
            rows.append({"file": record.file, "artist": record.artist, "song": song})
    return pd.DataFrame(rows, columns=["file", "artist", "song"]), exact, near


def load_corpus(data: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None) -> LyricsCorpus:
    """Read, normalize, filter (> 50 characters, few control characters), split into songs and de-duplicate."""
    path = resolve_data_path(data, data_dir)
    if path.is_dir():
        kept, dropped = _read_folder(path)
    elif path.suffix.lower() == ".csv":
        kept, dropped = _read_csv(path)
    elif path.suffix.lower() == ".txt":
        kept, dropped = _read_text_file(path)
    else:
        raise DataError(f"{path}: expected a folder of .txt files, a .txt file or a .csv file")
    if not kept:
        reasons = "; ".join(f"{shown(name)}: {why}" for name, why in dropped[:5])
        raise DataError(f"no viable lyrics file in {path} (each needs more than {MIN_CHARS} characters, at most "
                        f"{MAX_CONTROL_SHARE:.0%} of them control characters): {reasons}")
    files = pd.DataFrame(kept, columns=["file", "artist", "text"])
    pairs = find_near_duplicates(files)
    if path.is_dir():
        files = merge_duplicate_artists(files, pairs)
    songs, exact, near = _build_songs(files, pairs)
    return LyricsCorpus(path, files, dropped, songs, exact, near, pairs)


def split_indices(count: int, val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Seeded train/validation split of song positions: (train in corpus order, validation in drawn order)."""
    if not 0.0 < val_fraction < 1.0:
        raise DataError(f"--val-fraction must be in (0, 1), got {val_fraction}")
    if count < 2:
        raise DataError(f"need at least 2 songs to make a train/validation split, got {count}")
    order = list(range(count))
    random.Random(seed).shuffle(order)
    n_val = min(count - 1, max(1, round(count * val_fraction)))
    val_ids = set(order[:n_val])
    return [i for i in range(count) if i not in val_ids], order[:n_val]


def split_by_song(songs: list[str], val_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Seeded train/validation split of whole songs (never lines), so no validation line is seen in training."""
    train, val = split_indices(len(songs), val_fraction, seed)
    return [songs[i] for i in train], [songs[i] for i in val]


def split_frame(songs: pd.DataFrame, val_fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same split of a songs DataFrame (file and artist kept with each song)."""
    train, val = split_indices(len(songs), val_fraction, seed)
    return songs.iloc[train].reset_index(drop=True), songs.iloc[val].reset_index(drop=True)
