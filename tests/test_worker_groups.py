"""`make test` runs `--dist loadgroup`, where an `xdist_group` keeps tests on one worker: the
two-process cluster, started once for its module (`tests/integration/test_two_processes.py`),
and the chaos run. pytest-xdist marks a grouped test by appending `@group` to its node id,
which pytest 9.2 no longer lets it do: the groups then split without a word, and the cluster is
started once a worker (~25 s more). This test runs two grouped tests the way `make test` does,
in a pytest of its own, and fails when they are not kept together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GROUPED = """
import pytest

pytestmark = pytest.mark.xdist_group("together")


def test_one() -> None:
    pass


def test_two() -> None:
    pass
"""


def test_grouped_tests_run_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-v",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            "/dev/null",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    passed = [line for line in run.stdout.splitlines() if "PASSED" in line]
    assert len(passed) == 2, run.stdout
    assert all(line.rstrip().endswith("@together") for line in passed), (
        "--dist loadgroup ignores xdist_group with this pytest and pytest-xdist: keep pytest "
        "below 9.2 (pyproject.toml) until pytest-xdist sets the group another way\n" + run.stdout
    )
    workers = {line.split("]", 1)[0] for line in passed}
    assert len(workers) == 1, run.stdout
