"""Start and stop a real `rejuv serve` process for the web benchmarks (a throw-away data directory)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server() -> Iterator[int]:
    """Yield the port of a freshly started server; logs go to a file so they never slow the server down."""
    with tempfile.TemporaryDirectory(prefix="rejuv-bench-") as data_dir:
        port = free_port()
        # Plain-HTTP loopback clients (httpx) do not return Secure cookies; browsers treat localhost as secure.
        env = {**os.environ, "REJUV_DATA_DIR": data_dir, "REJUV_COOKIE_SECURE": "false"}
        env.pop("REJUV_DATABASE_URL", None)
        # The product's own command, exactly as `make run` starts it (logs to a file, never to the terminal).
        command = [sys.executable, "-c", "from rejuv.cli.main import run; run()", "serve", "--port", str(port)]
        with open(os.path.join(data_dir, "server.log"), "wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as response:
                            json.load(response)
                            break
                    except OSError:
                        if process.poll() is not None or time.monotonic() > deadline:
                            raise RuntimeError("the server did not start") from None
                        time.sleep(0.2)
                yield port
            finally:
                process.terminate()
                process.wait(timeout=10)
