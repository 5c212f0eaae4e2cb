"""`make test` runs `--dist loadgroup`, where an `xdist_group` keeps tests on one worker: the
two-process cluster, started once for its module (`tests/integration/test_two_processes.py`),
and the chaos run. pytest-xdist marks a grouped test by appending `@group` to its node id,
which pytest 9.2 no longer lets it do: the groups then split without a word, and the cluster is
started once a worker (~25 s more). This test fails the run when that happens."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("grouping_check")
def test_a_grouped_test_is_kept_on_one_worker(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by `--dist loadgroup` workers (make test runs it so)")
    assert request.node.nodeid.endswith("@grouping_check"), (
        "--dist loadgroup ignores xdist_group with this pytest and pytest-xdist: keep pytest "
        "below 9.2 (pyproject.toml) until pytest-xdist sets the group another way"
    )
