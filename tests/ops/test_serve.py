"""`inspect-app serve`: the app under gunicorn, as operators start it."""

from __future__ import annotations

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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(instance: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSPECT_")}
    env.update(INSPECT_INSTANCE_PATH=str(instance), **extra)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "inspect_app.cli", *args]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture
def migrated_instance(tmp_path: Path) -> Path:
    instance = tmp_path / "instance"
    subprocess.run(_cli("db", "upgrade"), env=_env(instance), check=True, capture_output=True, timeout=120)
    return instance


def test_serve_runs_the_app_under_gunicorn_with_several_workers(migrated_instance: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(_cli("serve", "--port", str(port), "--workers", "2"), env=_env(migrated_instance),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not answer within a minute"
                time.sleep(0.3)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert "X-Request-ID" in headers
        # The server's version is not announced.
        assert not any(ch.isdigit() for ch in headers.get("Server", ""))
        status, _headers, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and json.loads(body)["status"] == "ready"
        status, _headers, _body = _get(f"http://127.0.0.1:{port}/auth/login")
        assert status == 200
        workers = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True,
                                 text=True).stdout.split()
        assert len(workers) >= 3, "a master and two workers"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    # Requests were logged by the app, one JSON object a line.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/readyz" and line.get("status") == 200 for line in lines), output


def test_production_mode_refuses_to_serve_without_a_shared_secret(tmp_path: Path) -> None:
    result = subprocess.run(_cli("serve", "--port", str(_free_port())),
                            env=_env(tmp_path / "instance", INSPECT_ENV="production"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "INSPECT_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
