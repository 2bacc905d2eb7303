"""Starting the server: one process (models loaded before the port is bound, so a bad --model is a one-line
error) or N worker processes under uvicorn's supervisor (`--workers N`), each building the app from the options
passed in $SEQLAB_SERVE_OPTIONS. Every connection runs `GuardedProtocol` (connections.py: header and body
timeouts, the connection bound)."""
from __future__ import annotations

import errno
import functools
import os
import socket
import sys

from seqlab.errors import SeqlabError
from seqlab.serve.config import OPTIONS_ENV, ServeOptions


def banner(options: ServeOptions) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host
    base = f"http://{host}:{options.port}"
    lines = [f"seqlab serve: {base}/ (editor), {base}/lyrics, API docs at {base}/docs; Ctrl-C stops"]
    if options.host not in ("127.0.0.1", "localhost", "::1"):
        lines.append(f"note: listening on {options.host}: other machines can reach this server")
    return "\n".join(lines)


def check_port(host: str, port: int) -> None:
    """Bind the address once, as uvicorn will (SO_REUSEADDR), so a port in use is a one-line error before the
    ready banner rather than a log line after it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SeqlabError(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            reason = "in use by another program" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise SeqlabError(f"--port {port}: cannot listen on {host}:{port} ({reason})") from None


def serve(options: ServeOptions) -> None:
    """Run until interrupted."""
    import uvicorn

    from seqlab.serve.app import create_app, load_state
    from seqlab.serve.connections import ConnectionLimits, GuardedProtocol

    limits = ConnectionLimits(options.header_timeout, options.body_timeout, options.max_connections)
    common = dict(host=options.host, port=options.port, access_log=options.access_log, log_level="warning",
                  timeout_graceful_shutdown=5, http=functools.partial(GuardedProtocol, limits=limits))
    state = load_state(options)  # with --workers N too: a bad model folder fails here, once, in one line
    check_port(options.host, options.port)
    print(banner(options), file=sys.stderr, flush=True)
    if options.workers == 1:
        uvicorn.run(create_app(options, state), **common)
        return
    del state
    os.environ[OPTIONS_ENV] = options.to_env()
    uvicorn.run("seqlab.serve.app:app_from_env", factory=True, workers=options.workers, **common)
