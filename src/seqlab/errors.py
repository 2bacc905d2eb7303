"""One exception type for every problem a user can fix; the CLI turns it into a one-line message."""


class SeqlabError(Exception):
    """A problem with the user's input, data, options or files (not a bug in seqlab)."""


class DataError(SeqlabError):
    """Malformed, missing or empty data; the message names the file and, where known, the line."""


class CheckpointError(SeqlabError):
    """A run directory or model folder that is missing, incomplete or corrupt."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (of the DB-API error under SQLAlchemy's), else its type name,
    so that wrapped library errors stay one line long."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_all(checks: "list[tuple[bool, str]]") -> None:
    """Raise SeqlabError with the message of the first failed (condition, message) pair."""
    for ok, message in checks:
        if not ok:
            raise SeqlabError(message)
