"""The release wheel: built from the checkout with the front ends inside, installed into a fresh
virtual environment (no checkout, no Node on its path), and `frontdesk run` from it serves the
desk's index.html and the messenger out of the installed package."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
DESK_INDEX = ROOT / "web" / "desk" / "dist" / "index.html"
MESSENGER = ROOT / "web" / "messenger" / "dist" / "messenger.js"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (DESK_INDEX.is_file() and MESSENGER.is_file()):
        message = "the front ends are not built: run `make frontends`"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Built from a copy: the checkout is in use by the other test worker meanwhile (bytecode
    # written into src/, screenshots), and a build in place leaves build/ behind in it.
    source = tmp_path_factory.mktemp("source") / "frontdesk"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "__pycache__", "*.pyc", "build", "*.egg-info",
            ".pytest_cache", ".mypy_cache", ".ruff_cache", "docs", "tests", "bench",
        ),
    )  # fmt: skip
    out = tmp_path_factory.mktemp("wheel")
    built_wheel = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "-w", str(out), str(source)],
        capture_output=True, cwd=source,
    )  # fmt: skip
    assert built_wheel.returncode == 0, built_wheel.stderr.decode(errors="replace")
    (built,) = out.glob("frontdesk-*.whl")
    return built


def test_the_wheel_carries_the_built_front_ends_and_the_migrations(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert archive.read("frontdesk/static/desk/index.html") == DESK_INDEX.read_bytes()
        assert archive.read("frontdesk/static/messenger/messenger.js") == MESSENGER.read_bytes()
    assert "frontdesk/db/migrations/env.py" in names
    assert any(name.startswith("frontdesk/db/migrations/versions/2026_") for name in names)
    assert any(name.startswith("frontdesk/static/desk/assets/") for name in names)
    # Build output, not sources: nothing of node_modules or the front ends' TypeScript.
    assert not any("node_modules" in name or name.endswith((".ts", ".vue")) for name in names)


def test_frontdesk_run_from_the_installed_wheel_serves_the_desk(
    wheel: Path, tmp_path: Path, sqlite_template: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The locked dependencies come from this environment's site-packages (a plain path: its
    # .pth files, this checkout's editable install among them, are not read from there).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--no-compile", "--quiet", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    located = subprocess.run(
        [str(python), "-c", "import frontdesk.web as web; print(web.DESK_DIST)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout.strip()  # fmt: skip
    assert Path(located).is_relative_to(venv)

    port = free_port()
    # Already migrated (the session's template), so the start is quick; `run` migrates anyway.
    database = tmp_path / "var" / "frontdesk.db"
    database.parent.mkdir()
    shutil.copyfile(sqlite_template, database)
    environment = {
        "FRONTDESK_DATABASE_URL": f"sqlite:///{database}",
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FRONTDESK_DATA_DIR": str(tmp_path / "var"),
        "FRONTDESK_PORT": str(port),
        "FRONTDESK_SMTP_LISTEN": "",
        "FRONTDESK_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [str(venv / "bin" / "frontdesk"), "run"],
        cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[0].decode()
            assert time.monotonic() < deadline, "frontdesk run did not answer within 60 s"
            time.sleep(0.2)
        page = httpx.get(f"{base}/tickets", timeout=5)
        assert page.status_code == 200
        assert page.content == DESK_INDEX.read_bytes()
        bundle = httpx.get(f"{base}/messenger.js", timeout=5)
        assert bundle.status_code == 200
        assert bundle.content == MESSENGER.read_bytes()
    finally:
        server.terminate()
        server.wait(15)
