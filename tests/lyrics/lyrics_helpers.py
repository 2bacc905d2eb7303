"""Helpers shared by the lyrics tests (a separate module so it cannot clash with another folder's conftest)."""
from __future__ import annotations

from pathlib import Path

SONG_A = "Sunrise on the river\nGolden light is calling\nI will walk the long road home\nWhile the stars are falling"
SONG_B = "Midnight in the city\nNeon on the water\nEvery heart is beating fast\nEvery night gets shorter"
SONG_C = "Hold me like a secret\nKeep me like a promise\nSing it softly, sing it slow\nNo one here can harm us"
SONG_D = "Rain upon the window\nEchoes in the hallway\nTell me that you're coming back\nTell me that you'll stay"
SONG_E = "Fire in the valley\nSmoke above the mountain\nDrink the water, make a wish\nPennies in the fountain"
SONG_F = "Trains across the border\nLetters never written\nAll the songs we used to know\nAll the words forgotten"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def make_tiny_gpt2(folder: Path, tokenizer, seed: int = 0) -> Path:
    """A 2-layer, 32-wide GPT-2 with the real tokenizer, saved the way the CLI expects to load it."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_layer=2, n_head=2, n_embd=32, n_positions=128,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Call the real entry point (`seqlab.cli.main`) and return (exit code, stdout, stderr)."""
    from seqlab.cli import main

    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
