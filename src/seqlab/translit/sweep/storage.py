"""Storage, locking, samplers and pruners of `seqlab translit sweep` (see `sweep` for the whole story).

Storage URLs: the default SQLite file in SWEEP_DIR, any `sqlite:///PATH`, or `postgresql://USER[:PASSWORD]@HOST:PORT/DB`
(`postgres://` is accepted; the psycopg2 driver is used). Every worker of a study takes the same study-wide lock
(`pg_advisory_lock`, or `flock` on PATH.lock beside the SQLite file) while it creates a trial.
"""
from __future__ import annotations

import contextlib
import fcntl
import inspect
import threading
import warnings
import zlib
from pathlib import Path
from typing import Any, Optional

import optuna
import sqlalchemy
from optuna.storages import RDBStorage
from optuna.storages._heartbeat import get_heartbeat_thread
from sqlalchemy import text
from sqlalchemy.engine import make_url

from seqlab.errors import SeqlabError, first_line
from seqlab.io import output_dir
from seqlab.translit.sweep import space as sweep_space

STUDY_DB = "study.db"
MAX_RETRY = 3


def storage_url(storage: Optional[str], out: Path) -> str:
    """The default SQLite file in SWEEP_DIR, or a checked sqlite:/// or postgresql:// URL."""
    if not storage:
        return f"sqlite:///{(out / STUDY_DB).resolve()}"
    if storage.startswith("postgres://"):
        storage = "postgresql://" + storage[len("postgres://"):]
    if storage.startswith("sqlite:///") and len(storage) > len("sqlite:///") and ":memory:" not in storage:
        return storage
    if storage.startswith(("postgresql://", "postgresql+psycopg2://")):
        return storage
    raise SeqlabError(f"unsupported --storage {storage!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")


def _engine_url(url: str) -> str:
    """SQLAlchemy 2.1 defaults postgresql:// to psycopg 3; seqlab depends on psycopg2."""
    return "postgresql+psycopg2://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def public_url(url: str) -> str:

    return make_url(url).render_as_string(hide_password=True)


def connect_args(url: str, heartbeat: Optional[int]) -> dict:
    """PostgreSQL ends a session left idle inside a transaction (a frozen worker holding row or advisory locks)
    after max(grace period, 10 s), so one stopped process cannot stall the whole study."""
    if not url.startswith("postgresql") or not heartbeat:
        return {}
    return {"options": f"-c idle_in_transaction_session_timeout={max(3 * heartbeat, 10) * 1000}"}


class StudyLock:
    """A lock shared by every worker of one study: a transaction-level pg_advisory_xact_lock on a connection of
    its own (released by COMMIT, or by the server when a frozen holder's transaction times out), or flock on a
    file beside the SQLite database."""

    def __init__(self, url: str, study: str, heartbeat: Optional[int] = None):
        self.url, self.key = url, zlib.crc32(f"seqlab-sweep:{study}".encode()) & 0x7FFFFFFF
        self._threads = threading.Lock()  # flock does not exclude threads of one process (the rung's lease thread)
        if url.startswith("sqlite"):
            path = Path(url[len("sqlite:///"):])
            output_dir(path.parent, "--storage")
            self.lock_path = Path(f"{path}.lock")
            self.created = not self.lock_path.exists()  # so a failed first use can leave nothing behind
            self._file = open(self.lock_path, "a+")
            return

        self._engine = sqlalchemy.create_engine(_engine_url(url), poolclass=sqlalchemy.pool.NullPool,
                                                connect_args=connect_args(url, heartbeat))
        self._connect().close()

    def _connect(self):
        try:
            return self._engine.connect()
        except Exception as exc:  # sqlalchemy/psycopg2 errors: bad host, port, user, database…
            raise SeqlabError(f"cannot connect to {public_url(self.url)}: {first_line(exc)}") from None

    @contextlib.contextmanager
    def held(self):
        if self.url.startswith("sqlite"):
            with self._threads:
                fcntl.flock(self._file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(self._file, fcntl.LOCK_UN)
            return

        conn = self._connect()
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.key})
            yield
        finally:
            with contextlib.suppress(Exception):  # the server may have ended a transaction this process froze in
                conn.commit()
            with contextlib.suppress(Exception):
                conn.close()

    def close(self, failed: bool = False) -> None:
        """Release; when the storage could not even be opened (`failed`), remove the lock file this call created."""
        if self.url.startswith("sqlite"):
            self._file.close()
            if failed and self.created:
                self.lock_path.unlink(missing_ok=True)
        else:
            self._engine.dispose()


def quiet_optuna():

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")
    return optuna


def retry_callback():
    """Optuna ≥ 4.9 calls it RetryHeartbeatStaleTrialCallback; older releases RetryFailedTrialCallback."""
    try:
        from optuna.storages import RetryHeartbeatStaleTrialCallback as Retry
    except ImportError:  # pragma: no cover - optuna < 4.9
        from optuna.storages import RetryFailedTrialCallback as Retry
    return Retry(max_retry=MAX_RETRY)


def open_storage(url: str, heartbeat: Optional[int] = None):
    """An RDBStorage; with `heartbeat`, stale trials (no heartbeat for 3× that) are failed and re-queued."""

    optuna = quiet_optuna()

    kwargs = {}
    if heartbeat:
        name = ("heartbeat_stale_trial_callback" if "heartbeat_stale_trial_callback" in
                inspect.signature(RDBStorage).parameters else "failed_trial_callback")
        kwargs = {"heartbeat_interval": heartbeat, "grace_period": 3 * heartbeat, name: retry_callback()}
    try:
        engine_kwargs = {"pool_pre_ping": True, "connect_args": connect_args(url, heartbeat)}
        return RDBStorage(_engine_url(url), engine_kwargs=engine_kwargs, **kwargs)
    except Exception as exc:
        if isinstance(exc, optuna.exceptions.StorageInternalError) or "sqlalchemy" in type(exc).__module__:
            raise SeqlabError(f"cannot open storage {public_url(url)}: {first_line(exc)}") from None
        raise


# samplers and pruners ---------------------------------------------------------------------------
def make_sampler(kind: str, space: dict, seed: int):

    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)

    class Grid(optuna.samplers.GridSampler):
        def after_trial(self, *args, **kwargs) -> None:  # GridSampler calls study.stop(): ask/tell has none
            pass

    return Grid(sweep_space.grid_of(space), seed=seed)


def make_pruner(kind: str, epochs: int):

    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(epochs, 1), reduction_factor=3)
    return optuna.pruners.NopPruner()


# Optuna internals -------------------------------------------------------------------------------
# Written against optuna 4.9. Workers use ask/tell, so they must start the heartbeat thread that
# `Study.optimize` starts internally, and read a trial's stored state by id; both need private attributes.
# `_internals` is the only place seqlab touches them.
def _internals(study, trial) -> tuple[Any, int]:
    """(the study's storage, the trial's storage id)."""
    return study._storage, trial._trial_id


def heartbeat_thread(study, trial):
    """Context manager: send heartbeats for `trial` while a worker trains it."""
    storage, trial_id = _internals(study, trial)
    return get_heartbeat_thread(trial_id, storage)


def stored_trial(study, trial):
    """The trial as the storage has it now (another worker may have failed it)."""
    storage, trial_id = _internals(study, trial)
    return storage.get_trial(trial_id)
