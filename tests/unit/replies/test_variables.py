"""Filling a saved reply's variables: known ones with a value, everything else as written."""

from __future__ import annotations

from frontdesk.replies.variables import VARIABLES, fill, first_word, placeholders


def test_known_variables_are_filled_spaces_inside_braces_allowed() -> None:
    filled = fill(
        "Hi {{customer.first_name}}, {{ agent.name }} here about #{{ticket.number}}.",
        {"customer.first_name": "Marie", "agent.name": "Ada Lovelace", "ticket.number": "42"},
    )
    assert filled.text == "Hi Marie, Ada Lovelace here about #42."
    assert filled.unfilled == []
    assert filled.unknown == []


def test_unknown_and_empty_variables_stay_as_written_and_are_named_once() -> None:
    filled = fill(
        "Hi {{customer.first_name}} {{customer.first_name}}, see {{order.id}} ({{ inbox.name }})",
        {"customer.first_name": "  ", "inbox.name": None},
    )
    assert filled.text == (
        "Hi {{customer.first_name}} {{customer.first_name}}, see {{order.id}} ({{ inbox.name }})"
    )
    assert filled.unfilled == ["customer.first_name", "inbox.name"]
    assert filled.unknown == ["order.id"]


def test_a_value_that_looks_like_a_variable_is_not_filled_in_turn() -> None:
    filled = fill(
        "Hello {{customer.name}}, I am {{agent.name}}",
        {"customer.name": "{{agent.name}}", "agent.name": "Ada"},
    )
    assert filled.text == "Hello {{agent.name}}, I am Ada"


def test_text_that_is_not_a_variable_is_left_alone() -> None:
    text = "Use {curly} or {{ two words }} or {{}} as you like"
    assert fill(text, {}).text == text
    assert [placeholder.name for _match, placeholder in placeholders(text)] == [None, None]


def test_first_word() -> None:
    assert first_word("  Marie  Curie ") == "Marie"
    assert first_word("") is None
    assert first_word(None) is None
    written = "{{a.b}} {{ a.b }} {{customer.name}}"
    names = [placeholder.name for _match, placeholder in placeholders(written)]
    assert names == ["a.b", "a.b", "customer.name"]
    assert "customer.first_name" in VARIABLES
