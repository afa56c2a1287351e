"""Two hosts behind one balancer: two `inspect-app serve` processes with instance folders of their own,
sharing PostgreSQL, Redis and an S3-compatible bucket, and one worker. A report queued through A
downloads through B; a photo synced through A shows through B; a roster check started on A finishes
after A is killed; the daily reminders run once, however many workers schedule them."""

from __future__ import annotations

import hashlib
import http.cookies
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from inspect_app.extensions import db
from inspect_app.funds import services as funds
from tests.conftest import PG_URL
from tests.fixtures import PASSWORD
from tests.fixtures import World
from tests.rosters.helpers import PUPIL
from tests.rosters.helpers import csv_bytes

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="two hosts share a PostgreSQL database (INSPECT_TEST_DATABASE_URL)"),
    pytest.mark.skipif(not os.environ.get("INSPECT_TWO_HOSTS"),
                       reason="starts three servers and waits a minute for the schedulers: INSPECT_TWO_HOSTS=1"),
]

REDIS = "redis://127.0.0.1:6379/13"
SECRET = "two-hosts-shared-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: t.Any, **kwargs: t.Any) -> None:
        return None


class Browser:
    """One person's cookies, sent to whichever host the balancer picks."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def send(self, url: str, *, data: bytes | None = None, method: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        all_headers = {**(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            response = self.opener.open(request, timeout=60)
            status, head, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            status, head, body = err.code, err.headers, err.read()
        for line in head.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(line)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return status, dict(head), body

    def token(self, url: str) -> str:
        _status, _head, body = self.send(url)
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            rb'name="csrf-token" content="([^"]+)"', body)
        assert found, body[:300]
        return found.group(1).decode()

    def form(self, url: str, fields: dict[str, str], *, token_from: str) -> tuple[int, dict[str, str], bytes]:
        data = urllib.parse.urlencode({"csrf_token": self.token(token_from), **fields}).encode()
        return self.send(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        self.sink = log.open("wb")
        self.handle = subprocess.Popen([sys.executable, "-m", "inspect_app.cli", *args], env=env,
                                       stdout=self.sink, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.handle.poll() is None:
            os.killpg(self.handle.pid, sig)
            self.handle.wait(timeout=60)
        self.sink.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def cluster(app: Flask, world: World, tmp_path: Path, s3_bucket: t.Callable[[str], str],
            s3_endpoint: str) -> Iterator[dict[str, t.Any]]:
    import redis  # the Redis client, only to empty the test's database

    redis.Redis.from_url(REDIS).flushdb()
    funds.install_shipped_standards(actor=None)
    db.session.commit()
    bucket = s3_bucket("two-hosts")
    shared = {key: value for key, value in os.environ.items() if not key.startswith("INSPECT_")}
    shared.update(INSPECT_DATABASE_URL=PG_URL, INSPECT_SECRET_KEY=SECRET, INSPECT_QUEUE_URL=REDIS,
                  INSPECT_STORAGE_URL=bucket, INSPECT_S3_ENDPOINT_URL=s3_endpoint, INSPECT_LOG_FORMAT="json",
                  INSPECT_ENV="production", INSPECT_REMINDER_TIME="00:00")
    processes: dict[str, Process] = {}
    ports = {}
    for name in ("a", "b"):
        ports[name] = _free_port()
        env = {**shared, "INSPECT_INSTANCE_PATH": str(tmp_path / f"host-{name}")}
        processes[name] = Process(name, ["serve", "--port", str(ports[name]), "--workers", "1", "--threads", "2"],
                                  env, tmp_path / f"host-{name}.log")
    processes["worker"] = Process("worker", ["worker", "--threads", "2"],
                                  {**shared, "INSPECT_INSTANCE_PATH": str(tmp_path / "worker")},
                                  tmp_path / "worker.log")
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    deadline = time.monotonic() + 90
    for name, url in urls.items():
        while True:
            try:
                status, _head, _body = Browser().send(f"{url}/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            assert processes[name].handle.poll() is None, processes[name].output()[-3000:]
            assert time.monotonic() < deadline, f"host {name} did not become ready"
            time.sleep(0.5)
    try:
        yield {"urls": urls, "processes": processes, "shared": shared, "tmp": tmp_path}
    finally:
        for process in processes.values():
            process.stop()


def _wait(check: t.Callable[[], t.Any], what: str, seconds: float = 90) -> t.Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def test_two_hosts_share_the_work(cluster: dict[str, t.Any], world: World) -> None:
    a, b = cluster["urls"]["a"], cluster["urls"]["b"]
    processes: dict[str, Process] = cluster["processes"]

    # A supervisor signs in through A; the balancer sends the next requests to B.
    supervisor = Browser()
    status, head, _ = supervisor.form(f"{a}/auth/login", {"username": world.supervisor.username,
                                                          "password": PASSWORD}, token_from=f"{a}/auth/login")
    assert status == 302, head
    assert supervisor.send(f"{b}/")[0] in (200, 302)

    # A report queued through A is built by the worker and downloads through B.
    campaign_page = f"{a}/campaigns/{world.campaign.id}"
    status, head, _ = supervisor.form(f"{a}/reports/campaigns/{world.campaign.id}/investigation", {},
                                      token_from=campaign_page)
    assert status == 302, head
    job = head["Location"].rstrip("/").rsplit("/", 1)[-1]

    def report_ready() -> dict[str, t.Any] | None:
        body = json.loads(supervisor.send(f"{b}/reports/jobs/{job}/status")[2])
        assert body["status"] != "failed", body
        return body if body["status"] == "done" else None

    done = _wait(report_ready, "the report was not built:\n" + processes["worker"].output()[-3000:]
                 + processes["a"].output()[-3000:])
    status, head, _ = supervisor.send(b + done["download"])
    assert status == 302 and "X-Amz-Signature" in head["Location"]
    with urllib.request.urlopen(head["Location"]) as fetched:
        assert fetched.read().startswith(b"PK")

    # A photo synced through A shows through B.
    tablet = Browser()
    csrf = json.loads(tablet.send(f"{a}/api/v1/csrf", headers={"Accept": "application/json"})[2])["csrf_token"]
    status, _head, body = tablet.send(
        f"{a}/api/v1/session", data=json.dumps({"username": world.inspector.username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"})
    assert status == 200, body
    csrf = json.loads(body)["csrf_token"]
    api = {"Accept": "application/json", "X-CSRFToken": csrf, "X-Client-Id": "tablet-two-hosts"}
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(buffer, "JPEG")
    photo = buffer.getvalue()
    media = str(uuid.uuid4())
    status, _head, body = tablet.send(
        f"{a}/api/v1/media/{media}?visit={world.visit.uuid}&item={item}", data=photo, method="PUT",
        headers={**api, "Content-Type": "image/jpeg", "X-Content-SHA256": hashlib.sha256(photo).hexdigest()})
    assert status == 201, body

    def photo_shown() -> bytes | None:
        status, head, body = tablet.send(f"{b}/api/v1/media/{media}", headers=api)
        if status == 302:
            with urllib.request.urlopen(head["Location"]) as fetched:
                return fetched.read()
        return body if status == 200 and head.get("Content-Type", "").startswith("image/") else None

    shown = _wait(photo_shown, "the photo did not show through B")
    assert Image.open(io.BytesIO(shown)).size == (1200, 900)

    # A roster check started on A finishes after A is killed.
    roster = csv_bytes(["姓名", "身份证号", "学校标识码", "学校名称", "资助项目", "发放金额"],
                       [["王一", PUPIL, "2161030001", "华州第一小学", "小学寄宿生生活补助", "500"]])
    token = supervisor.token(f"{a}/rosters/new")
    boundary = uuid.uuid4().hex
    parts = [(name, value) for name, value in (("csrf_token", token), ("semester", "2023春"), ("county_id", "0"),
                                                ("campaign_id", "0"), ("special_group", ""))]
    body_parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                  for name, value in parts]
    body_parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="roster"; filename="roster.csv"\r\n'
                      f"Content-Type: text/csv\r\n\r\n".encode() + roster + b"\r\n")
    body_parts.append(f"--{boundary}--\r\n".encode())
    status, head, _ = supervisor.send(f"{a}/rosters/new", data=b"".join(body_parts),
                                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 302, head
    run = head["Location"].rstrip("/").rsplit("/", 1)[-1]
    processes["a"].stop(signal.SIGKILL)

    def run_done() -> bool:
        body = json.loads(supervisor.send(f"{b}/rosters/runs/{run}/status")[2])
        return body["status"] == "done"

    _wait(run_done, "the roster check did not finish:\n" + processes["worker"].output()[-3000:])

    # A second worker joins; the day's reminders still run once.
    second = Process("worker2", ["worker", "--threads", "1"],
                     {**cluster["shared"], "INSPECT_INSTANCE_PATH": str(cluster["tmp"] / "worker2")},
                     cluster["tmp"] / "worker2.log")
    processes["worker2"] = second

    def reminder_lines() -> list[str]:
        return [line for process in (processes["worker"], second) for line in process.output().splitlines()
                if '"reminders: ' in line]

    _wait(reminder_lines, "the workers did not send the day's reminders", seconds=100)
    time.sleep(62)  # one more minute of both schedulers
    assert len(reminder_lines()) == 1, reminder_lines()
