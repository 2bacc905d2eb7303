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
from seqlab.translit.data.corpus import read_dakshina_tsv
from seqlab.translit.data.download import download_dakshina
from seqlab.translit.data.paths import find_split

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


def write_tar(path, members: list[tuple[str, bytes | str]]):
    """A tarball of (name, content) members; content bytes make a regular file, "symlink:T" or "hardlink:T" a
    link to T. Names are stored exactly as given, `..` and absolute ones included."""
    with tarfile.open(path, mode="w") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if isinstance(content, bytes):
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
                continue
            kind, info.linkname = content.split(":", 1)
            info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            tar.addfile(info)
    return path.as_uri()


def lexicons(lang: str = "xx") -> list[tuple[str, bytes]]:
    return [(f"dakshina_dataset_v1.0/{lang}/lexicons/{lang}.translit.sampled.{split}.tsv", LEXICON.encode())
            for split in ("train", "dev", "test")]


def files_under(root) -> set:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def test_escaping_member_of_the_original_report_writes_nothing_outside_the_cache(tmp_path, monkeypatch, shared_data):
    """Issue 9, item 1: `…/lexicons/../../../../ESCAPED.txt` from a file:// override was written outside the cache."""
    real = shared_data / "dakshina" / "hi" / "lexicons"
    members = [(f"dakshina_dataset_v1.0/hi/lexicons/{p.name}", p.read_bytes()) for p in sorted(real.glob("*.tsv"))]
    url = write_tar(tmp_path / "mirror.tar", [
        ("dakshina_dataset_v1.0/hi/lexicons/../../../../ESCAPED.txt", b"escaped\n"), *members])
    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path / "cache" / "seqlab"))
    monkeypatch.setenv("SEQLAB_DAKSHINA_URL", url)
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    path = find_split("dakshina", "hi", "train")  # the real Hindi files, verified against their sha256
    assert len(read_dakshina_tsv(path)[0]) == 44204
    new = files_under(tmp_path) - before
    assert {p.relative_to(tmp_path / "cache" / "seqlab").as_posix() for p in new} == {
        f"dakshina_dataset_v1.0/hi/lexicons/hi.translit.sampled.{s}.tsv" for s in ("train", "dev", "test")}


@pytest.mark.parametrize("hostile", [
    [("dakshina_dataset_v1.0/xx/lexicons/../../../../ESCAPED.txt", b"escaped\n")],
    [("dakshina_dataset_v1.0/xx/lexicons/../lexicons/xx.translit.sampled.train.tsv", b"escaped\n")],
    [("{outside}/ESCAPED.txt", b"escaped\n")],
    [("dakshina_dataset_v1.0/xx/lexicons/xx.translit.sampled.train.tsv", "symlink:{outside}/secret.txt")],
    [("dakshina_dataset_v1.0/xx/lexicons/xx.translit.sampled.dev.tsv", "hardlink:{outside}/secret.txt")],
], ids=["dot-dot", "dot-dot-to-an-expected-name", "absolute", "symlink", "hardlink"])
def test_hostile_members_are_ignored_and_the_real_lexicons_still_arrive(tmp_path, hostile):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    hostile = [(name.format(outside=outside), content if isinstance(content, bytes) else content.format(
        outside=outside)) for name, content in hostile]
    url = write_tar(tmp_path / "mirror.tar", hostile + lexicons())  # the hostile member comes first
    checksums = {rel.split("/", 1)[1]: hashlib.sha256(data).hexdigest() for rel, data in lexicons()}
    before = files_under(tmp_path)
    root = download_dakshina("xx", tmp_path / "cache", url, checksums)
    new = files_under(tmp_path) - before
    assert all(p.is_relative_to(tmp_path / "cache") and not p.is_symlink() for p in new) and len(new) == 3
    assert all(p.read_text() == LEXICON for p in new) and (outside / "secret.txt").read_text() == "secret\n"
    assert read_dakshina_tsv(root / "xx/lexicons/xx.translit.sampled.train.tsv")[0][0].source == "ghar"


def test_only_links_under_the_expected_names_is_a_clear_error(tmp_path):
    (tmp_path / "secret.txt").write_text("secret\n")
    kinds = ["symlink", "hardlink", "symlink"]
    links = [(name, f"{kind}:{tmp_path}/secret.txt") for (name, _), kind in zip(lexicons(), kinds)]
    url = write_tar(tmp_path / "mirror.tar", links)
    with pytest.raises(DataError, match=r"has no regular file .*xx.translit.sampled.train.tsv.*3 link"):
        download_dakshina("xx", tmp_path / "cache", url, {})
    assert not (tmp_path / "cache").exists()


def test_unverified_language_warns_once_on_stderr(tmp_path, capsys):
    url = write_tar(tmp_path / "mirror.tar", lexicons())
    download_dakshina("xx", tmp_path / "cache", url, checksums={})
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == ["warning: the Dakshina 'xx' lexicons are not verified (no published checksums; "
                        "only Hindi's are known)"]


@pytest.mark.parametrize("lang, url, message", [
    ("../x", "file:///nowhere.tar", "language code '../x' is not 2-3 lowercase letters"),
    ("xx", "ftp://example.org/d.tar", "expected an http://, https:// or file:// URL"),
    ("xx", None, "is not a readable tar archive"),
])
def test_bad_language_url_or_archive_is_a_data_error(tmp_path, lang, url, message):
    if url is None:
        (tmp_path / "page.html").write_text("<html>not found</html>\n")
        url = (tmp_path / "page.html").as_uri()
    with pytest.raises(DataError, match=message):
        download_dakshina(lang, tmp_path / "cache", url)
