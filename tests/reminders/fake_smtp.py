"""A local SMTP server for the tests: enough of RFC 5321 for smtplib, keeping every message it accepts."""

from __future__ import annotations

import email
import socketserver
import threading
import typing as t
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from email.policy import default


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class FakeSMTP:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    # Answer RCPT TO with 550 for these addresses (a mailbox that does not exist).
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        state = self.server.state
        self._send("220 fake.test ESMTP")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self._send("250-fake.test")
                self._send("250 8BITMIME")
            elif verb == "HELO":
                self._send("250 fake.test")
            elif verb == "MAIL":
                sender, recipients = line.partition(":")[2].strip().strip("<>").split(">")[0], []
                self._send("250 OK")
            elif verb == "RCPT":
                address = line.partition(":")[2].strip().strip("<>")
                if address in state.refuse:
                    self._send("550 No such user")
                else:
                    recipients.append(address)
                    self._send("250 OK")
            elif verb == "DATA":
                self._send("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = t.cast(EmailMessage, email.message_from_bytes(b"".join(lines), policy=default))
                with state.lock:
                    state.messages.append(Received(sender, recipients, message))
                self._send("250 OK")
            elif verb in ("RSET", "NOOP"):
                self._send("250 OK")
            elif verb == "QUIT":
                self._send("221 Bye")
                return
            else:
                self._send("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: FakeSMTP


def start() -> tuple[FakeSMTP, t.Callable[[], None]]:
    """Start a server on a free local port; return its state and a function that stops it."""
    server = _Server(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    server.state = FakeSMTP(str(host), int(port))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return server.state, stop
