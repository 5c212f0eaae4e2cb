"""A real IMAP server for the tests: Dovecot from Debian's packages (dovecot-imapd), started on a
free loopback port with its own configuration, maildirs and passwd-file users in a temporary
directory, and stopped afterwards. No system service is used or touched."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import service_missing
from tests.mail.support import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "support@shop.test"
PASSWORD = "imap-password-for-tests"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = frontdesk-test-{port}
log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
# Refused logins answer at once: the tests try wrong passwords on purpose.
auth_failure_delay = 0
auth_mechanisms = plain login{mechanisms}
mail_location = maildir:{root}/mail/%n/Maildir
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {uid}
mail_gid = {gid}
{oauth}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = home={root}/mail/%n
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
  }}
}}
# Nor are the next logins from the address slowed: Dovecot's auth penalty (its anvil process)
# delays the logins of an address after a failure, 2 s doubling up to 15 s; a test that refuses a
# token and then logs in waited 4 s. Turned off as Dovecot's documentation says.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    """One Dovecot instance. `restart()` stops it and starts it again on the same port."""

    def __init__(self, root: Path, *, tls: bool = False, tokeninfo_url: str | None = None) -> None:
        self.root = root
        self.port = free_port()
        # With `tls`: STARTTLS on `port`, IMAPS on `tls_port`, with a certificate for 127.0.0.1
        # and localhost signed by itself (`certificate`: trust it through SSL_CERT_FILE).
        self.tls_port = free_port() if tls else 0
        self.certificate = root / "cert.pem"
        self.host = "127.0.0.1"
        self.user = USER
        self.password = PASSWORD
        self._process: subprocess.Popen[bytes] | None = None
        # Dovecot never reads mail as root: as root, the mail belongs to `nobody`.
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
        root.chmod(0o755)
        for folder in ("run", "state", "mail"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        os.chown(root / "mail", self.uid, self.gid)
        (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        self.config = root / "dovecot.conf"
        ssl = "ssl = no"
        if tls:
            key = root / "key.pem"
            subprocess.run(
                [
                    "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(key), "-out", str(self.certificate), "-days", "1",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                ],
                check=True,
                capture_output=True,
            )  # fmt: skip
            ssl = f"ssl = yes\nssl_cert = <{self.certificate}\nssl_key = <{key}"
        # With `tokeninfo_url`: XOAUTH2, each token checked by GET tokeninfo_url + token (a JSON
        # answer naming the user as `email` accepts it), as Dovecot's oauth2 passdb does.
        oauth = ""
        if tokeninfo_url:
            (root / "oauth2.conf.ext").write_text(
                f"tokeninfo_url = {tokeninfo_url}\nusername_attribute = email\n"
            )
            oauth = (
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2\n"
                f"  args = {root}/oauth2.conf.ext\n}}\n"
            )
        self.config.write_text(
            CONFIG.format(
                mechanisms=" xoauth2" if tokeninfo_url else "",
                oauth=oauth,
                root=root,
                port=self.port,
                tls_port=self.tls_port,
                uid=self.uid,
                gid=self.gid,
                ssl=ssl,
            )
        )

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / USER.split("@")[0] / "Maildir"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"dovecot exited: {error}{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def stop(self) -> None:
        """Kills the master and every process it started (its own session) at once: quicker
        than Dovecot's orderly shutdown (two seconds), and a harsher outage for the tests."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _group_running(process.pid):
            time.sleep(0.02)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def deliver(self, messages: list[bytes]) -> None:
        """Writes messages straight into the maildir's new/ folder, as a local delivery agent
        does: much quicker than APPEND for thousands. Dovecot gives them UIDs when it next looks."""
        new = self.maildir / "new"
        for folder in (
            self.maildir.parent,
            self.maildir,
            new,
            new.parent / "cur",
            new.parent / "tmp",
        ):
            folder.mkdir(exist_ok=True)
            os.chown(folder, self.uid, self.gid)
        stamp = int(time.time())
        for number, raw in enumerate(messages):
            name = f"{stamp}.M{number}R{uuid.uuid4().hex}P{os.getpid()}.frontdesk-test"
            tmp = self.maildir / "tmp" / name
            tmp.write_bytes(raw)
            os.chown(tmp, self.uid, self.gid)
            tmp.rename(new / name)


def _group_running(group: int) -> bool:
    """A process of the group still runs. Killed processes stay zombies until init reaps them,
    which here takes up to two seconds a stop; a zombie holds no port, file or maildir lock, so
    it does not count (without /proc: until the group is gone)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if int(pgrp) == group and state != "Z":
            return True
    return False


def dovecot_available() -> None:
    """Skips (fails under CI) when Dovecot is not installed: `make test` installs it as root."""
    if shutil.which(DOVECOT) is None and not Path(DOVECOT).exists():
        service_missing(
            "Dovecot (dovecot-imapd)",
            "apt-get install -y dovecot-imapd (make test does it as root)",
            FileNotFoundError(DOVECOT),
        )


@contextlib.contextmanager
def running_dovecot(*, tls: bool = False, tokeninfo_url: str | None = None) -> Iterator[Dovecot]:
    """A Dovecot of its own on loopback, in a temporary folder removed afterwards; skips (fails
    under CI) when Dovecot is not installed."""
    dovecot_available()
    root = Path(tempfile.mkdtemp(prefix="frontdesk-dovecot-"))
    server = Dovecot(root, tls=tls, tokeninfo_url=tokeninfo_url)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def message(
    *,
    subject: str,
    body: str,
    sender: str = "cora@example.org",
    to: str = USER,
    message_id: str | None = None,
    in_reply_to: str | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(body)
    return bytes(mail)
