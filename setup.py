"""The wheel carries the built front ends: `build_py` copies web/desk/dist and
web/messenger/dist into frontdesk/static/ of the build, so `pip install frontdesk-*.whl` serves
the desk without Node. Nothing is copied into the source tree, and nothing built is committed.
Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FRONTENDS = {"desk": "index.html", "messenger": "messenger.js"}


class BuildWithFrontends(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install serves web/*/dist from the checkout itself
        for name, marker in FRONTENDS.items():
            dist = ROOT / "web" / name / "dist"
            if not (dist / marker).is_file():
                raise SystemExit(
                    f"web/{name}/dist/{marker} is missing: run `make frontends` before building"
                )
            target = Path(self.build_lib) / "frontdesk" / "static" / name
            # A previous build's hashed assets must not ride along.
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(dist, target, ignore=shutil.ignore_patterns(".built"))


setup(cmdclass={"build_py": BuildWithFrontends})
