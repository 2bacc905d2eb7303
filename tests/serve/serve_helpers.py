"""Helpers of the serving tests: the real `seqlab serve` in a subprocess on a free loopback port, and a tiny
from-scratch GPT-2 for the lyrics endpoint (a separate module so it cannot clash with another folder's conftest)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python -m seqlab serve …` until stopped; `url` is its base address, `log` what it printed."""

    def __init__(self, *args: str, log_dir: Path, timeout: float = 120.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"server-{self.port}.log"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "seqlab", "serve", "--port", str(self.port), *args],
                                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self._wait(timeout)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"seqlab serve exited with {self.process.returncode}:\n{self.log}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"seqlab serve did not answer within {timeout} s:\n{self.log}")

    def alive(self) -> bool:
        return self.process.poll() is None and httpx.get(self.url + "/healthz", timeout=10).status_code == 200

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the whole group: --workers N has child processes
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def make_tiny_gpt2(folder: Path, cache: Path) -> Path:
    """A 2-layer, 32-wide GPT-2 with the real (offline) GPT-2 tokenizer, saved as training would save it."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from seqlab.lyrics.tokenizer import load_gpt2_tokenizer

    tokenizer = load_gpt2_tokenizer(cache)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_layer=2, n_head=2, n_embd=32, n_positions=256,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def sse_events(text: str) -> list[tuple[str, str]]:
    """(event name, data) of each Server-Sent Event in `text`."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        events.append((name, "\n".join(data)))
    return events


def batch_counts(server) -> tuple[float, float]:
    """(decoder calls, words decoded) from /metrics."""
    values = {}
    for line in httpx.get(f"{server.url}/metrics").text.splitlines():
        if line.startswith(("seqlab_decode_batch_words_count", "seqlab_decode_batch_words_sum")):
            name, value = line.split()
            values[name] = float(value)
    return values["seqlab_decode_batch_words_count"], values["seqlab_decode_batch_words_sum"]


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout fails the test)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
