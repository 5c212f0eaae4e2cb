"""The whole multilingual reply corpus (fixtures/multilingual): the extractor must read at least
98 % of it exactly, across the languages, clients and kinds of reply it was built to cover."""

from __future__ import annotations

from collections import Counter

from tests.mail.reply_corpus import TARGET, load, score


def test_multilingual_corpus_meets_the_target() -> None:
    cases = load()
    _, failed = score(cases)
    exact = len(cases) - len(failed)
    print(f"multilingual corpus: {exact}/{len(cases)} exact")
    for case in failed:
        print(f"  FAIL {case.where} {case.category}")
    assert exact / len(cases) >= TARGET, [case.where for case in failed]


def test_corpus_is_broad() -> None:
    cases = load()
    assert len(cases) >= 900
    languages = Counter(case.language for case in cases)
    assert len(languages) >= 25
    assert min(languages.values()) >= 25, languages
    clients = {case.client for case in cases}
    assert {"gmail", "apple", "ios", "outlook", "outlook-web", "outlook-mobile", "thunderbird",
            "yahoo", "mobile", "webmail", "list"} <= clients  # fmt: skip
    kinds = {case.kind for case in cases}
    assert {
        "quote-header", "wrapped-header", "wrapped-72", "wrapped-3", "bare-address",
        "header-block", "header-block-one-line", "separator+header-block", "footer",
        "footer-guard", "footer+unmarked-history", "unmarked-history", "flowed", "flowed-delsp",
        "quote+list-footer", "phone-before-header", "plain", "inline", "html",
    } <= kinds  # fmt: skip


def test_a_wrong_expectation_is_caught() -> None:
    """The scorer compares line by line: a case whose expected text differs fails."""
    case = load()[0]
    wrong = type(case)(**{**case.__dict__, "visible": case.visible + "\nextra line"})
    assert case.passes()
    assert not wrong.passes()
