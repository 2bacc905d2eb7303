"""Scale-out: `--workers 2` serves from two processes that answer alike; `--read-only` refuses learning but still
offers the picks already in the user dictionary file (which every worker reads); --cors-origin allows that origin."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from serve_helpers import Server

from seqlab.translit.model.checkpoint import PRETRAINED_DIR

pytestmark = pytest.mark.slow


def test_two_workers_read_only(tmp_path: Path):
    dictionary = tmp_path / "userdict.tsv"
    dictionary.write_text("kal\tकाल\n", encoding="utf-8")
    server = Server("--workers", "2", "--read-only", "--user-dictionary", str(dictionary), "--cors-origin",
                    "http://app.test", "--model", str(PRETRAINED_DIR), "--dtype", "auto", log_dir=tmp_path)
    try:
        pids, answers = set(), set()
        for _ in range(300):  # a new connection each time: the kernel hands them to either worker
            with httpx.Client(base_url=server.url, timeout=30) as client:
                pids.add(client.get("/healthz").json()["pid"])
                answers.add(tuple(client.get("/tl/hi/kal").json()["result"]))
            if len(pids) == 2:
                break
        assert len(pids) == 2 and server.process.pid not in pids, pids
        assert len(answers) == 1 and next(iter(answers))[0] == "काल"  # the learned pick, first, in every worker
        refused = httpx.post(f"{server.url}/learn", json={"roman": "ghar", "native": "घर"})
        assert refused.status_code == 403 and "read-only" in refused.json()["error"]
        health = httpx.get(f"{server.url}/healthz").json()
        # --dtype auto: bfloat16 where the CPU has it natively, for PyTorch; the server's default backend on a CPU
        # is ONNX Runtime with int8 weights
        assert health["read_only"] is True and health["backend"] == "onnx-int8" and health["dtype"] == "int8"
        assert dictionary.read_text(encoding="utf-8") == "kal\tकाल\n"
        no_lyrics = httpx.post(f"{server.url}/lyrics/generate", json={})
        assert no_lyrics.status_code == 503 and "no lyrics model is loaded" in no_lyrics.json()["error"]
        no_reverse = httpx.get(f"{server.url}/rtl/hi/घर")  # --model without --reverse-model: no reverse model
        assert no_reverse.status_code == 503 and "no reverse" in no_reverse.json()["error"]
        cors = httpx.get(f"{server.url}/tl/hi/ghar", headers={"Origin": "http://app.test"})
        assert cors.headers["access-control-allow-origin"] == "http://app.test"
    finally:
        server.stop()
    assert "Traceback" not in server.log
