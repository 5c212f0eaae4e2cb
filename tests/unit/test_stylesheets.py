"""The front ends' stylesheets are closed where they mean to be. A rule left open is still valid
CSS (nesting): the build keeps it without a word, and every rule after it applies only inside
it. That left the messenger's files, its attach button and its rating card unstyled. Neither
front end nests a rule in a rule on purpose, so a rule inside a rule is such a mistake."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
# Comments and strings, whose braces are not the stylesheet's.
NOT_CODE = re.compile(r"/\*.*?\*/|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", re.DOTALL)


def _stylesheets() -> Iterator[tuple[str, str, int]]:
    """(where, text, first line) of every stylesheet and every Vue component's style block."""
    for front in ("desk", "messenger"):
        for path in sorted((WEB / front / "src").rglob("*")):
            where = str(path.relative_to(WEB))
            if path.suffix == ".css":
                yield where, path.read_text(), 1
            elif path.suffix == ".vue":
                source = path.read_text()
                for block in STYLE_BLOCK.finditer(source):
                    yield where, block.group(1), source.count("\n", 0, block.start(1)) + 1


def _blanked(text: str) -> str:
    """The text with comments and strings blanked out, lines kept where they were."""
    return NOT_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def misplaced_rules(text: str) -> list[str]:
    """What is wrong with the stylesheet's blocks: a rule inside a rule, a block never closed, a
    brace closing nothing; each with its line."""
    code = _blanked(text)
    problems: list[str] = []
    # Each open block: whether it is an at-rule's (@media…, which hold rules), and its line.
    open_blocks: list[tuple[bool, int]] = []
    prelude_start = 0
    for index, char in enumerate(code):
        if char not in "{};":
            continue
        line = code.count("\n", 0, index) + 1
        if char == "{":
            prelude = code[prelude_start:index].strip()
            at_rule = prelude.startswith("@")
            if not at_rule and open_blocks and not open_blocks[-1][0]:
                problems.append(
                    f"line {line}: {prelude!r} inside the rule of line {open_blocks[-1][1]}"
                )
            open_blocks.append((at_rule, line))
        elif char == "}":
            if not open_blocks:
                problems.append(f"line {line}: a brace that closes nothing")
            else:
                open_blocks.pop()
        prelude_start = index + 1
    problems += [f"line {line}: a block never closed" for _, line in open_blocks]
    return problems


@pytest.mark.parametrize(
    "text", [pytest.param(text, id=f"{where}:{line}") for where, text, line in _stylesheets()]
)
def test_no_rule_is_left_open(text: str) -> None:
    assert misplaced_rules(text) == []


def test_a_rule_left_open_is_found() -> None:
    left_open = ".a { color: red; }\n.b:empty {\n\n.c { width: 40px; }\n"
    assert misplaced_rules(left_open) == [
        "line 4: '.c' inside the rule of line 2",
        "line 2: a block never closed",
    ]
    fine = '@media (max-width: 40em) { .a { content: "{"; } }\n@keyframes x { from { top: 0 } }'
    assert misplaced_rules(fine) == []
    assert misplaced_rules(".a { }\n}") == ["line 2: a brace that closes nothing"]
