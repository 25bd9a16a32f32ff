"""Docs that are true: the README's input contract is the one the catalogs generate."""

from pathlib import Path

from schemas.docs import BEGIN, END, input_contract_markdown

README = Path(__file__).parents[1] / "README.md"


def test_readme_input_contract_matches_the_catalogs():
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == input_contract_markdown(), (
        "README input contract is stale: paste the output of `python -m schemas.docs`"
    )


def test_readme_names_the_two_commands_and_the_marts():
    text = README.read_text(encoding="utf-8")
    for needle in ("make demo", "make test", "marts.area_summary", "marts.area_indicator"):
        assert needle in text
