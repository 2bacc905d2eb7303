"""A throwaway PostgreSQL server for the sweep tests: initdb + pg_ctl in a temporary folder.

Needs the server binaries (Debian/Ubuntu: `apt-get install -y postgresql`; they live in
/usr/lib/postgresql/<version>/bin, or set SEQLAB_PG_BIN). PostgreSQL refuses to run as root, so
under root the server runs as the `postgres` user the Debian package creates (via runuser).
Missing binaries are a test failure, not a skip: the multi-worker guarantees are only shown here.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL_HINT = ("install the PostgreSQL server (Debian/Ubuntu: `apt-get install -y postgresql`) "
                "or point SEQLAB_PG_BIN at the folder holding initdb and pg_ctl")


def _version_key(path: Path) -> tuple:
    return tuple(int(p) for p in path.parent.name.split(".") if p.isdigit())


def find_bin() -> Path:
    candidates = [Path(os.environ["SEQLAB_PG_BIN"])] if os.environ.get("SEQLAB_PG_BIN") else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    pytest.fail(f"PostgreSQL server binaries (initdb, pg_ctl) not found: {INSTALL_HINT}")


def _run_as() -> tuple[list[str], tuple[int, int] | None]:
    """Command prefix and (uid, gid) to own the data folder when we are root."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("the tests run as root, PostgreSQL refuses to, and there is no `postgres` user to run it as: "
                    f"{INSTALL_HINT} (the package creates the user), or run the tests as a normal user")
    runner = shutil.which("runuser")
    prefix = [runner, "-u", "postgres", "--"] if runner else None
    if prefix is None:
        pytest.fail("running as root but `runuser` (util-linux) is missing, so PostgreSQL cannot be started")
    return prefix, (user.pw_uid, user.pw_gid)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check(cmd: list[str], what: str, log: Path | None = None, timeout: float = 120) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"could not {what}: {exc}")
    if result.returncode != 0:
        extra = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
        pytest.fail(f"could not {what} (exit {result.returncode}):\n{result.stdout}{result.stderr}{extra}")


class PostgresServer:
    def __init__(self):
        self.bin = find_bin()
        self.prefix, owner = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="seqlab-pg-"))
        if owner is not None:
            os.chown(self.root, *owner)
        self.data, self.log, self.port = self.root / "data", self.root / "server.log", _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _check(self.prefix + [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                              "-E", "UTF8", "--no-sync"], "initialise a PostgreSQL data folder")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c max_connections=50")
        _check(self.prefix + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                              "-w", "-t", "60", "start"], "start PostgreSQL", self.log)

    def stop(self) -> None:
        subprocess.run(self.prefix + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL server started for this test session (trust auth, localhost only)."""
    server = PostgresServer()
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
