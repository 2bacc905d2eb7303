"""The official-download path, against a real HTTP server on localhost serving a Dakshina-shaped tarball."""
from __future__ import annotations

import functools
import hashlib
import http.server
import io
import tarfile
import threading

import pytest

from seqlab.errors import DataError
from seqlab.translit.corpus import download_dakshina, find_split, read_dakshina_tsv

LEXICON = "घर\tghar\t3\nपानी\tpani\t2\n"


def make_tarball(folder) -> dict[str, str]:
    members = {f"dakshina_dataset_v1.0/{lang}/lexicons/{lang}.translit.sampled.{split}.tsv": LEXICON
               for lang in ("xx", "yy") for split in ("train", "dev", "test")}
    members["dakshina_dataset_v1.0/xx/romanized/big.txt"] = "not wanted\n" * 100
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (folder / "dakshina.tar").write_bytes(buffer.getvalue())
    return {name.split("/", 1)[1]: hashlib.sha256(text.encode()).hexdigest() for name, text in members.items()}


@pytest.fixture
def server(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    checksums = make_tarball(site)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/dakshina.tar", checksums
    httpd.shutdown()


def test_streams_only_the_chosen_language_and_verifies_checksums(server, tmp_path):
    url, checksums = server
    root = download_dakshina("xx", tmp_path / "cache", url, checksums)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [f"xx/lexicons/xx.translit.sampled.{s}.tsv" for s in ("dev", "test", "train")]
    pairs, _ = read_dakshina_tsv(root / files[2])
    assert [p.source for p in pairs] == ["ghar", "pani"]


def test_checksum_mismatch_is_an_error_and_keeps_no_file(server, tmp_path):
    url, checksums = server
    bad = {name: "0" * 64 for name in checksums}
    with pytest.raises(DataError, match="checksum mismatch"):
        download_dakshina("yy", tmp_path / "cache", url, bad)
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_find_split_downloads_when_nothing_is_local(server, tmp_path, monkeypatch):
    url, _ = server
    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEQLAB_DAKSHINA_URL", url)
    monkeypatch.chdir(tmp_path)
    path = find_split("dakshina", "xx", "dev")
    assert path.name == "xx.translit.sampled.dev.tsv" and path.is_file()


def test_offline_error_names_all_the_options(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEQLAB_DAKSHINA_URL", "http://127.0.0.1:9/dakshina.tar")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as err:
        find_split("dakshina", "hi", "train")
    message = str(err.value)
    for option in ("--data-dir", "$SEQLAB_DATA_DIR", "./data", "storage.googleapis.com", "download failed"):
        assert option in message
