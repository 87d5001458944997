"""Browser fixtures: Debian's Chromium driven by Playwright against a real `rejuv serve` on loopback.

Never `playwright install`: the browser is /usr/bin/chromium from `make install`. Without it the tests are
skipped with a reason locally and fail loudly in CI (CI=true). Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import CLINICIAN_LOGIN as CLINICIAN

CHROMIUM = os.environ.get("REJUV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not (Path(CHROMIUM).exists() and shutil.which(CHROMIUM)):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make install` (apt package chromium)")
        pytest.skip(f"Chromium is missing at {CHROMIUM}: run `make install`")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server process (`serve_command`) on a free loopback port, with one clinician account."""
    data_dir = tmp_path_factory.mktemp("rejuv-browser")
    env = {**os.environ, "REJUV_DATA_DIR": str(data_dir), "REJUV_NEW_PASSWORD": CLINICIAN[1]}
    env.pop("REJUV_DATABASE_URL", None)
    create = "from rejuv.cli.web import user_app; user_app()"
    subprocess.run([sys.executable, "-c", create, "create", CLINICIAN[0]], env=env, check=True, capture_output=True)
    port = _free_port()
    serve = "import typer; from rejuv.cli.web import serve_command; typer.run(serve_command)"
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", serve, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as response:
                assert json.load(response)["status"] == "ok"
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir / "server.log").read_text()) from None
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()
