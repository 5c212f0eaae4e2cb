"""A refused XOAUTH2 login ends the way Gmail and Microsoft 365 document it: the server sends its
error as one more challenge, the client answers it with an empty line, and the server's NO (the
reason an admin reads in the mailbox status) follows. Answering the credentials again is a
protocol error there. Dovecot accepts either answer, so the server here is a scripted one that
insists, as those providers do."""

from __future__ import annotations

import base64
import json
import socketserver
from collections.abc import Iterator

import pytest

from frontdesk.mail.imap import LoginRefused, Mailbox, MailboxLogin
from frontdesk.mail.models import MailboxAuth, MailboxSecurity
from tests.realtime import serve_in_thread

USER = "support@example.test"
ERROR = {"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"}


class _Session(socketserver.StreamRequestHandler):
    server: _ScriptedImap

    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def read(self) -> str:
        return self.rfile.readline().decode().rstrip("\r\n")

    def handle(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] scripted server ready")
        while line := self.read():
            tag, _, command = line.partition(" ")
            verb = command.split(" ", 1)[0].upper()
            if verb == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 AUTH=XOAUTH2")
                self.send(f"{tag} OK CAPABILITY completed")
            elif verb == "AUTHENTICATE":
                self.authenticate(tag)
            elif verb == "LOGOUT":
                self.send("* BYE")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD not scripted")

    def authenticate(self, tag: str) -> None:
        self.send("+ ")
        # Every token is refused: the exchange after the refusal is what is scripted.
        self.read()
        challenge = base64.b64encode(json.dumps(ERROR).encode()).decode()
        self.send(f"+ {challenge}")
        after = self.read()
        self.server.after_error.append(after)
        if after:
            self.send(f"{tag} BAD Invalid SASL argument.")
        else:
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")


class _ScriptedImap(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        # What the client sent after each error challenge.
        self.after_error: list[str] = []


@pytest.fixture
def server() -> Iterator[_ScriptedImap]:
    with _ScriptedImap() as scripted:
        thread = serve_in_thread(scripted)
        yield scripted
        scripted.shutdown()
        thread.join()


def login(server: _ScriptedImap, token: str) -> MailboxLogin:
    return MailboxLogin(
        host="127.0.0.1",
        port=server.server_address[1],
        security=MailboxSecurity.plain,
        username=USER,
        auth=MailboxAuth.xoauth2,
        secret=token,
        timeout=5,
    )


def test_a_refused_token_is_answered_with_an_empty_line_and_the_reason_is_kept(
    server: _ScriptedImap,
) -> None:
    with pytest.raises(LoginRefused) as refused:
        Mailbox(login(server, "expired-token")).open()

    assert server.after_error == [""]
    # The provider's own words reach the mailbox status, not a complaint about the protocol.
    assert "Invalid credentials (Failure)" in str(refused.value)
    assert "Invalid SASL argument" not in str(refused.value)
