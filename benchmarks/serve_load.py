"""Load test of `seqlab serve` on loopback, in two kinds.

`--clients`: GET /tl/hi/{word} over the Dakshina Hindi test words at 1, 8, 32 and 128 concurrent clients, each
sending its next request when the last one is answered, with micro-batching on and off; words/s and p50/p99
latency. The candidate cache is off (--cache-size 0) unless --cache is given, so every request is decoded by the
model; `--cache 50000 --warm` decodes every test word once first, so the levels then measure the HTTP layer alone.

`--typists N,…`: realistic type-ahead (serve_typists.py): N people typing the dev sentences' report half key by key
as the editor does, one key every 125 ms, against a fresh server per level with its default cache, cold;
requests, requests/s, p50/p90/p99 from key press to answer, answers over --late-ms, errors, and how late the
client itself woke (its lag). `--hot` first types each level's keys once, so the cache holds every answer and
the level shows the ceiling of the client and the HTTP layer (the client must stay well above the cold levels).

Each level stops after --requests answers or --time-cap seconds, whichever comes first. Optional: the server's
memory after --rss N requests against after the first 1,000 (the cache on unless --cache 0: then every request
is decoded), and a py-spy profile of the server under 32 clients.

Run by hand, alone on the machine (the client shares its cores with the server, which itself limits the numbers):
    env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 .venv/bin/python benchmarks/serve_load.py
    … benchmarks/serve_load.py --modes batched --clients 32 --profile 15     # where the server's time goes
    … benchmarks/serve_load.py --modes none --rss 100000                      # memory after 100k requests
    … benchmarks/serve_load.py --modes none --rss 100000 --cache 0            # … each one decoded
    … benchmarks/serve_load.py --typists 1,64,128,256,384 --time-cap 30       # type-ahead, cold cache
    … benchmarks/serve_load.py --typists 1,64,128,256,384 --time-cap 30 --hot # the client's ceiling
The server runs its defaults (ONNX Runtime with int8 weights on a CPU); `--server-args "--backend onnx"` serves
float32, `--server-args "--backend torch"` PyTorch, `--server-args "--workers 2"` two worker processes.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import serve_typists
from seqlab.serve.config import ServeOptions
from seqlab.translit.data.corpus import load_split

CLIENT_REQUESTS = 3000  # per --clients level
TYPIST_REQUESTS = 1_000_000  # per --typists level: the time cap ends it first
HOT_CACHE = 1_000_000  # --hot: room for every (word so far, previous word) a level asks for
RSS_CACHE = ServeOptions().cache_size  # --rss: the server's default cache (--cache 0: every request decoded)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(extra: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "seqlab", "serve", "--port", str(port), *extra],
                               stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # a first start may build ONNX graphs
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


async def _raw_client(host: str, port: int, words: list[str], next_index, stop_at: float, latencies: list[float],
                      errors: list[int]) -> None:
    """One keep-alive HTTP/1.1 connection, one request at a time (lighter than httpx: more CPU for the server)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at and (index := next_index()) is not None:
            word = words[index % len(words)]
            start = time.perf_counter()
            writer.write(f"GET /tl/hi/{word} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(1)
    finally:
        writer.close()


async def _httpx_client(url: str, words: list[str], next_index, stop_at: float, latencies: list[float],
                        errors: list[int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.perf_counter() < stop_at and (index := next_index()) is not None:
            start = time.perf_counter()
            response = await client.get(f"/tl/hi/{words[index % len(words)]}")
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors.append(1)


def run_load(url: str, words: list[str], clients: int, requests: int, time_cap: float, offset: int,
             kind: str) -> dict:
    """`clients` concurrent clients, each sending its next request when the last one is answered."""
    counter = iter(range(offset, offset + requests))
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> float:
        stop_at = time.perf_counter() + time_cap
        host, port = url.removeprefix("http://").split(":")

        def next_index():
            return next(counter, None)

        start = time.perf_counter()
        if kind == "raw":
            jobs = [_raw_client(host, int(port), words, next_index, stop_at, latencies, errors) for _ in range(clients)]
        else:
            jobs = [_httpx_client(url, words, next_index, stop_at, latencies, errors) for _ in range(clients)]
        await asyncio.gather(*jobs)
        return time.perf_counter() - start

    seconds = asyncio.run(main())
    ordered = sorted(latencies)
    return {"clients": clients, "requests": len(ordered), "errors": len(errors), "seconds": seconds,
            "words_per_s": len(ordered) / seconds,
            "p50_ms": 1000 * statistics.median(ordered),
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def profile(pid: int, seconds: int, out: Path) -> str:
    """py-spy samples of the server while it is under load: the share of samples in each part of the stack."""
    spy = Path(sys.executable).with_name("py-spy")
    subprocess.run([str(spy) if spy.exists() else "py-spy", "record", "--pid", str(pid), "--duration", str(seconds),
                    "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking", "--threads"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = {"model (torch ops in the decoding thread)": ("torch/", "seqlab/translit/model/network.py"),
             "decoding Python (beam bookkeeping, ranking, lexicon)": ("seqlab/translit",),
             "HTTP parsing and transport (uvicorn, httptools/h11)": ("uvicorn/", "httptools", "h11/"),
             "framework (FastAPI routing, Starlette, pydantic)": ("fastapi/", "starlette/", "pydantic"),
             "seqlab serve code (batcher, cache, limits, metrics)": ("seqlab/serve", "prometheus_client"),
             "event loop (asyncio/uvloop)": ("asyncio/", "uvloop")}
    totals, leaves, samples = collections.Counter(), collections.Counter(), 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        samples += n
        frames = stack.split(";")
        leaves[frames[-1][:110]] += n
        for name, marks in parts.items():  # the deepest part of the stack decides (what it is busy doing)
            if any(mark in frames[-1] for mark in marks):
                totals[name] += n
                break
        else:
            for frame in reversed(frames):
                match = next((name for name, marks in parts.items() if any(m in frame for m in marks)), None)
                if match:
                    totals[match] += n
                    break
            else:
                totals["other"] += n
    lines = [f"py-spy, {samples} samples of the server's busy threads over {seconds} s:"]
    lines += [f"  {100 * n / samples:5.1f}%  {name}" for name, n in totals.most_common()]
    lines += ["  busiest frames:"] + [f"  {100 * n / samples:5.1f}%  {name}" for name, n in leaves.most_common(12)]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="1,8,32,128", help="Comma-separated concurrency levels.")
    parser.add_argument("--modes", default="batched,unbatched", help="batched | unbatched | none (comma-separated).")
    parser.add_argument("--typists", default="", help="Comma-separated numbers of typists (realistic type-ahead, "
                        "serve_typists.py): each level against a fresh server, instead of the --clients levels.")
    parser.add_argument("--hot", action="store_true", help="With --typists: type each level's keys once first (the "
                        "cache then holds every answer), so the levels show the client's and HTTP layer's ceiling.")
    parser.add_argument("--late-ms", type=float, default=100.0, help="With --typists: answers slower than this "
                        "(from the key press) are counted as late.")
    parser.add_argument("--seed", type=int, default=0, help="With --typists: where and when the typists start.")
    parser.add_argument("--requests", type=int, help=f"Requests per level at most (default {CLIENT_REQUESTS:,}; "
                        f"with --typists {TYPIST_REQUESTS:,}).")
    parser.add_argument("--time-cap", type=float, default=15.0, help="Seconds per level at most.")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--cache", type=int, help="Server --cache-size (default 0: every request decoded; with "
                        f"--typists the server's default, with --hot {HOT_CACHE:,}; for --rss {RSS_CACHE:,}).")
    parser.add_argument("--warm", action="store_true", help="Fill the cache with every test word first (with "
                        "--cache: then the levels measure the HTTP layer, not the model).")
    parser.add_argument("--made-up", type=int, default=0, help="Use N distinct made-up words instead of the test "
                        "words: every request decoded (e.g. with --rss 100000 --made-up 100000).")
    parser.add_argument("--vocab", type=int, default=0, help="Use only the first N distinct test words.")
    parser.add_argument("--server-args", default="", help="More `seqlab serve` options, space-separated.")
    parser.add_argument("--profile", type=int, default=0, help="Seconds of py-spy profile at 32 clients.")
    parser.add_argument("--rss", type=int, default=0, help="Requests for the memory check (e.g. 100000).")
    return parser


def made_up_words(count: int, seed: int = 0) -> list[str]:
    """`count` distinct romanized-looking words, so that every request is one the server has never decoded (its
    transliterator keeps the candidates of the last 20,000 words it decoded, whatever --cache-size says)."""
    rng, found = random.Random(seed), dict.fromkeys([])
    while len(found) < count:
        found["".join(rng.choice("aeioukgtdnpbmyrlvsh") for _ in range(rng.randint(3, 9)))] = None
    return list(found)


def main() -> None:
    args = _parser().parse_args()
    folder = Path(tempfile.mkdtemp(prefix="seqlab-serve-load-"))
    common = ["--user-dictionary", str(folder / "userdict.tsv"), "--read-only", *args.server_args.split()]
    if args.typists:
        _typist_levels(args, common, folder)
        return
    pairs, _ = load_split("dakshina", "hi", "test")
    words = made_up_words(args.made_up) if args.made_up else [p.source for p in pairs]
    if args.vocab:
        words = list(dict.fromkeys(words))[: args.vocab]
    cache = args.cache or 0
    kind = "made-up" if args.made_up else "Dakshina test"
    print(f"{len(words)} {kind} words; client: {args.client}; cache-size {cache}; OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}; {os.cpu_count()} CPUs shared by client and server")
    offset = 0
    for mode in [m for m in args.modes.split(",") if m in ("batched", "unbatched")]:
        extra = common + ["--cache-size", str(cache)] + (["--no-micro-batching"] if mode == "unbatched" else [])
        process, url = start_server(extra, folder / f"server-{mode}.log")
        try:
            run_load(url, words, 8, 200, 10, 10_000, args.client)  # warm-up
            if args.warm:
                distinct = list(dict.fromkeys(words))
                for start in range(0, len(distinct), 500):
                    httpx.post(url + "/transliterate", json={"words": distinct[start : start + 500]}, timeout=600)
            for clients in (int(c) for c in args.clients.split(",")):
                result = run_load(url, words, clients, args.requests or CLIENT_REQUESTS, args.time_cap, offset,
                                  args.client)
                offset += result["requests"]
                print(f"{mode:9s} clients {clients:4d}: {result['requests']:6d} requests in {result['seconds']:5.1f} s "
                      f"= {result['words_per_s']:7.1f} words/s, p50 {result['p50_ms']:7.1f} ms, p99 "
                      f"{result['p99_ms']:7.1f} ms, errors {result['errors']}", flush=True)
            if args.profile and mode == "batched":
                _profile_under_load(process.pid, url, words, args, folder)
        finally:
            stop_server(process)
    if args.rss:
        _memory_check(words, args, common, folder)


def _typist_levels(args, common: list[str], folder: Path) -> None:
    """Each level against a fresh server (its cache cold, or with --hot filled by typing the level's keys once)."""
    lines = serve_typists.typist_lines()
    cache = args.cache if args.cache is not None else HOT_CACHE if args.hot else None
    extra = common + (["--cache-size", str(cache)] if cache is not None else [])
    requests = args.requests or TYPIST_REQUESTS
    print(f"{len(lines)} report-half dev sentences; one key every {1000 * serve_typists.INTERVAL:g} ms a typist; "
          f"cache-size {cache if cache is not None else 'server default'}{', hot' if args.hot else ', cold'}; "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; {os.cpu_count()} CPUs shared by client and server")
    for typists in (int(n) for n in args.typists.split(",")):
        process, url = start_server(extra, folder / f"server-typists-{typists}.log")
        try:
            if args.hot:
                warm = serve_typists.run_typists(url, lines, typists, args.time_cap, 10**9, args.late_ms, args.seed,
                                                 interval=0.0)
                print(f"(filled the cache: {warm['requests']} requests in {warm['seconds']:.1f} s, "
                      f"errors {warm['errors']})", flush=True)
            result = serve_typists.run_typists(url, lines, typists, args.time_cap, requests, args.late_ms,
                                               args.seed)
            print(serve_typists.describe(result, args.late_ms), flush=True)
        finally:
            stop_server(process)


def _profile_under_load(pid: int, url: str, words: list[str], args, folder: Path) -> None:
    import threading

    report: list[str] = []
    thread = threading.Thread(target=lambda: report.append(profile(pid, args.profile, folder / "profile.txt")))
    thread.start()
    result = run_load(url, words, 32, 10**9, args.profile + 1, 20_000, args.client)
    thread.join()
    print(f"during the profile: {result['words_per_s']:.1f} words/s at 32 clients")
    print(report[0] if report else "py-spy failed")


def _memory_check(words: list[str], args, common: list[str], folder: Path) -> None:
    cache = args.cache if args.cache is not None else RSS_CACHE
    process, url = start_server(common + ["--cache-size", str(cache)], folder / "server-rss.log")
    try:
        run_load(url, words, 32, 1000, 600, 0, args.client)
        first = rss_mb(process.pid)
        done = 1000
        while done < args.rss:
            result = run_load(url, words, 32, min(20_000, args.rss - done), 600, done, args.client)
            done += result["requests"]
        last = rss_mb(process.pid)
        print(f"RSS after 1,000 requests {first:.1f} MB, after {done:,} requests {last:.1f} MB "
              f"({100 * (last - first) / first:+.1f}%)")
    finally:
        stop_server(process)


if __name__ == "__main__":
    main()
