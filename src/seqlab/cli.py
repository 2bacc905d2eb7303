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


app.add_typer(translit_app, name="translit",
              help="Romanized text → native script (Dakshina's twelve languages) with a character RNN encoder–decoder.")
app.add_typer(lyrics_app, name="lyrics",
              help="Fine-tune GPT-2 (or any causal LM) on lyrics and generate from a prompt.")
app.command(name="serve")(serve)


def main(argv: list[str] | None = None) -> int:
    """Entry point: user-fixable problems become one line on stderr and a non-zero exit, never a traceback."""
    try:
        check_arguments(sys.argv[1:] if argv is None else argv)
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


def check_arguments(argv: list[str]) -> None:
    """Arguments must be UTF-8: Python hands other bytes over as lone surrogates (surrogateescape), which every
    later step (a tokenizer, a file write, the terminal) refuses with a traceback. Refused here, once for all
    commands, naming the option or the command's argument (counted as `seqlab … COMMAND` numbers them)."""
    for index, arg in enumerate(argv):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(arg[exc.start])
            shown = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
            raise SeqlabError(f"{_argument_name(argv, index)} is not valid UTF-8 ({shown})") from None


def _argument_name(argv: list[str], index: int) -> str:
    """`--prompt` for an option's value, else `argument N` (N counted among the command's own arguments)."""
    arg = argv[index]
    if arg.startswith("--") and "=" in arg:
        return arg.partition("=")[0]
    command = typer.main.get_command(app)  # Typer's click objects, read by duck typing (Typer may vendor click)
    position = 0
    while position < index and argv[position] in getattr(command, "commands", {}):
        command, position = command.commands[argv[position]], position + 1
    takes_value = {name for p in command.params if p.param_type_name == "option" and not getattr(p, "is_flag", False)
                   for name in p.opts + p.secondary_opts}
    number, skip = 0, False
    for token in argv[position:index]:
        if skip:
            skip = False
        elif token.startswith("-"):
            skip = token in takes_value
        else:
            number += 1
    return argv[index - 1] if skip else f"argument {number + 1}"


if __name__ == "__main__":
    sys.exit(main())
