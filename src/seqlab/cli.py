"""The `seqlab` command: one group per job (`seqlab translit …`, `seqlab lyrics …`)."""
from __future__ import annotations

import sys

import typer

from seqlab.errors import SeqlabError, first_line
from seqlab.lyrics.cli import app as lyrics_app
from seqlab.serve.cli import serve
from seqlab.translit.cli.app import app as translit_app

app = typer.Typer(
    help="seqlab: Hindi transliteration (character seq2seq) and lyrics generation (GPT-2 fine-tuning).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


app.add_typer(translit_app, name="translit", help="Romanized Hindi → Devanagari with a character RNN encoder–decoder.")
app.add_typer(lyrics_app, name="lyrics",
              help="Fine-tune GPT-2 (or any causal LM) on lyrics and generate from a prompt.")
app.command(name="serve")(serve)


def main(argv: list[str] | None = None) -> int:
    """Entry point: user-fixable problems become one line on stderr and a non-zero exit, never a traceback."""
    try:
        result = app(args=argv, standalone_mode=False)
    except SeqlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder that cannot be read or written (permissions, a full disk, …)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or first_line(exc)}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, typer.Abort):
        print("interrupted", file=sys.stderr)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors: unknown command, bad option value
        if hasattr(exc, "show"):
            exc.show()
        else:
            print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
