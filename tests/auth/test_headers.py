"""Security headers on every answer; no server software or version."""

from __future__ import annotations

import threading
import urllib.request

from werkzeug.serving import make_server

from inspect_app.core.serving import QuietRequestHandler


def test_permissions_policy_allows_location_and_camera_to_the_site_only(client) -> None:
    headers = client.get("/auth/login").headers
    assert headers["Permissions-Policy"] == "geolocation=(self), camera=(self), microphone=()"
    assert "Server" not in headers


def test_the_development_server_names_no_software_or_version(app) -> None:
    server = make_server("127.0.0.1", 0, app, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/auth/login") as response:
            assert response.status == 200
            assert response.headers.get("Server") is None
            assert response.headers["Permissions-Policy"]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
