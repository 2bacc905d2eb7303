"""Starting the server: one process (models loaded before the port is bound, so a bad --model is a one-line
error) or N worker processes under uvicorn's supervisor (`--workers N`), each building the app from the options
passed in $SEQLAB_SERVE_OPTIONS."""
from __future__ import annotations

import os
import sys

from seqlab.serve.config import OPTIONS_ENV, ServeOptions


def banner(options: ServeOptions) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host
    base = f"http://{host}:{options.port}"
    lines = [f"seqlab serve: {base}/ (editor), {base}/lyrics, API docs at {base}/docs; Ctrl-C stops"]
    if options.host not in ("127.0.0.1", "localhost", "::1"):
        lines.append(f"note: listening on {options.host}: other machines can reach this server")
    return "\n".join(lines)


def serve(options: ServeOptions) -> None:
    """Run until interrupted."""
    import uvicorn

    from seqlab.serve.app import create_app, load_state

    common = dict(host=options.host, port=options.port, access_log=options.access_log, log_level="warning",
                  timeout_graceful_shutdown=5)
    state = load_state(options)  # with --workers N too: a bad model folder fails here, once, in one line
    print(banner(options), file=sys.stderr, flush=True)
    if options.workers == 1:
        uvicorn.run(create_app(options, state), **common)
        return
    del state
    os.environ[OPTIONS_ENV] = options.to_env()
    uvicorn.run("seqlab.serve.app:app_from_env", factory=True, workers=options.workers, **common)
