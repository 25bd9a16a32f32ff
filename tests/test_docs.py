"""Docs that are true: the input contract is the one the catalogs generate, every mart is in the
marts contract, and the README is a short front door whose links all lead somewhere."""

import re
from pathlib import Path

from schemas.docs import BEGIN, END, input_contract_markdown

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
GUIDES = ["managers.md", "analysts.md", "operators.md"]
REFERENCE = ["commands.md", "input.md", "marts.md", "quality.md", "suppression.md", "sources.md",
             "performance.md"]  # fmt: skip


def test_input_contract_matches_the_catalogs():
    text = (DOCS / "input.md").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == input_contract_markdown(), (
        "docs/input.md input contract is stale: paste the output of `python -m schemas.docs`"
    )


def test_readme_names_the_two_commands_and_the_marts():
    text = README.read_text(encoding="utf-8")
    for needle in ("make demo", "make test", "marts.area_summary", "marts.area_indicator"):
        assert needle in text


def test_readme_is_a_front_door_to_every_guide_and_reference_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    for page in GUIDES + REFERENCE:
        assert f"](docs/{page}" in text, page


def test_every_relative_link_of_the_readme_and_the_docs_leads_to_a_file():
    pages = [README, *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_the_managers_guide_is_thai_first_then_english():
    text = (DOCS / "managers.md").read_text(encoding="utf-8")
    thai, english = text.index("## ภาษาไทย"), text.index("## English")
    assert thai < english
    for needle in ("exports/", "packs/", "<5", "chipao report"):
        assert needle in text[thai:english] and needle in text[english:], needle


def test_the_marts_contract_names_every_mart_and_says_how_to_read_the_progress_and_panel_marts():
    text = (DOCS / "marts.md").read_text(encoding="utf-8")
    schema = (ROOT / "sql" / "schema.sql").read_text(encoding="utf-8")
    marts = re.findall(r"CREATE (?:TABLE IF NOT EXISTS|OR REPLACE VIEW) marts\.(\w+)", schema)
    assert len(marts) > 10
    assert [m for m in marts if f"marts.{m}" not in text] == []
    for heading, tables in {
        "### How to read the progress marts": ["area_progress", "area_change_factor",
                                               "area_targeting", "area_target"],
        "### How to read the panel marts": ["core.household_link", "area_panel",
                                            "area_transition", "area_persistent_deprivation"],
    }.items():  # fmt: skip
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for table in tables:
            assert f"**`{table}`" in section, (heading, table)
