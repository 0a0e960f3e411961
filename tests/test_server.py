"""`dealbook serve` for real: the production server (granian) starts on a fresh data folder,
answers /healthz and the API, writes its access log, and stops on SIGTERM (issue 2: `make run`)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEB_THREADS", "WEB_CONCURRENCY")}
    env.update(
        DEALBOOK_DATA_DIR=str(tmp_path / "var"),  # SQLite, the embedded default
        PORT=str(port),
        DEALBOOK_ACCESS_LOG=str(tmp_path / "access.log"),
        PYTHONUNBUFFERED="1",
    )
    dealbook = Path(sys.executable).with_name("dealbook")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(dealbook), "serve", "--no-demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "no answer on /healthz within 90 s"
            time.sleep(0.3)
        yield proc, base, tmp_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_serve_answers_health_and_api_and_stops_on_sigterm(server):
    proc, base, tmp_path = server

    status, body = _get(f"{base}/api/v1/deals")
    assert status == 401 and "detail" in json.loads(body)
    status, body = _get(f"{base}/api/openapi.json")
    assert status == 200 and json.loads(body)["info"]["title"] == "Dealbook API"
    assert "Dealbook is serving" in (tmp_path / "server.log").read_text()

    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=30) is not None
    assert "/api/v1/deals" in (tmp_path / "access.log").read_text()
