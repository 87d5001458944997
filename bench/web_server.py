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
from typing import NamedTuple


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server(NamedTuple):
    port: int
    pid: int  # so a benchmark can read the server's own CPU time


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (Linux: /proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_server() -> Iterator[Server]:
    """Start a fresh server; logs go to a file so they never slow the server down."""
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
                yield Server(port, process.pid)
            finally:
                process.terminate()
                process.wait(timeout=10)
