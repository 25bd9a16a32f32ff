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


def test_readme_names_every_mart_and_says_how_to_read_the_progress_and_panel_marts():
    import re

    text = README.read_text(encoding="utf-8")
    schema = (README.parent / "sql" / "schema.sql").read_text(encoding="utf-8")
    marts = re.findall(r"CREATE (?:TABLE IF NOT EXISTS|OR REPLACE VIEW) marts\.(\w+)", schema)
    assert len(marts) > 10
    # the README's guides live in docs/ (docs/marts.md names the wide area_indicator)
    guides = "".join(p.read_text(encoding="utf-8") for p in sorted(README.parent.glob("docs/*.md")))
    assert [m for m in marts if f"marts.{m}" not in text + guides] == []
    for heading, tables in {
        "#### How to read the progress marts": ["area_progress", "area_change_factor",
                                                "area_targeting", "area_target"],
        "#### How to read the panel marts": ["core.household_link", "area_panel",
                                             "area_transition", "area_persistent_deprivation"],
    }.items():  # fmt: skip
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        for table in tables:
            assert f"**`{table}`" in section, (heading, table)
