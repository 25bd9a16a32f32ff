"""The YAML catalogs are complete and consistent with each other and with the SQL."""

import re
from pathlib import Path

import geothai
import pytest

import sql
from schemas import catalog
from schemas.catalog import FIELD_TYPES, PII_CLASSES
from schemas.rules import rule_messages

ROOT = Path(__file__).resolve().parents[1]


def test_seventeen_indicators_with_unique_codes_and_columns():
    indicators = catalog.indicators()
    assert len(indicators) == 17
    assert len({i.code for i in indicators}) == 17
    assert [i.column for i in indicators] == [f"i_{i.code.replace('.', '_')}" for i in indicators]
    assert {i.bmn_no for i in indicators} == {
        1,
        4,
        5,
        7,
        8,
        9,
        10,
        11,
        15,
        16,
        17,
        19,
        20,
        21,
        22,
        27,
        28,
    }


def test_every_indicator_has_a_known_dimension_words_and_bilingual_names():
    dimensions = {d.code for d in catalog.dimensions()}
    assert len(dimensions) == 5
    for i in catalog.indicators():
        assert i.dimension in dimensions
        assert i.unit in {"person", "household"}
        assert i.name_th and i.name_en and i.scope and i.deprived_when and i.source
        assert re.search(r"[\u0E00-\u0E7F]", i.name_th), f"{i.code} Thai name is not Thai"
        assert i.rollup == "sum"
    # every dimension holds at least one indicator
    assert dimensions == {i.dimension for i in catalog.indicators()}


def test_each_indicator_is_computed_in_the_fact_sql_by_its_unit():
    person_sql = sql.load("core/fact_person")
    household_sql = sql.load("core/fact_household")
    for i in catalog.indicators():
        if i.unit == "household":
            assert f"AS {i.column}" in household_sql, i.code
            assert f"h.{i.column} AS own_{i.column}" in person_sql, i.code
        else:
            assert f"END AS own_{i.column}" in person_sql, i.code
            assert f"AS {i.column}" not in household_sql, i.code


def test_age_bands_cover_every_age_once():
    bands = catalog.age_bands()
    covered = []
    for band in bands:
        top = 120 if band.max_age is None else band.max_age
        covered += range(band.min_age, top + 1)
    assert covered == list(range(0, 121))
    assert bands[-1].max_age is None


def test_regions_hold_every_province_exactly_once():
    for province in geothai.provinces():
        holders = [r.code for r in catalog.regions() if r.holds(province.code)]
        assert len(holders) == 1, (province.code, holders)
    assert catalog.region_of("10").name_en == "Bangkok"
    assert catalog.region_of("30").name_en == "Northeast"
    assert catalog.region_of("57").name_en == "North"
    assert catalog.region_of("96").name_en == "South"
    assert catalog.region_of("77").name_en == "Central"


def test_survey_rules_cover_every_year_from_2561():
    for year in range(2561, 2600):
        assert catalog.income_criterion(year) > 0
        assert catalog.target_poor_rule(year) in {"card_verified", "card_any", "all_mpi_poor"}
    assert catalog.income_criterion(2561) == 38000
    assert re.fullmatch(r"\d\d-\d\d", catalog.age_reference_day())


def test_fields_are_well_formed():
    for source in catalog.sources().values():
        assert len(set(source.names)) == len(source.names)
        assert set(source.key) <= set(source.names)
        for f in source.fields:
            assert f.type in FIELD_TYPES, f.name
            assert f.pii in PII_CLASSES, f.name
            assert f.label_th and f.label_en
            if f.allowed is not None:
                code_type = str if f.type == "str" else int  # text codes: case statuses
                assert all(isinstance(k, code_type) for k in f.allowed), f.name
                assert all(" | " in label for label in f.allowed.values()), f.name
    member = catalog.sources()["bmn_member"]
    assert member.field("citizen_id").pii == "direct"
    assert catalog.sources()["bmn_household"].field("house_code").pii == "direct"


def test_every_rule_has_english_and_thai_messages():
    for name, texts in rule_messages().items():
        assert texts["en"] and re.search(r"[\u0E00-\u0E7F]", texts["th"]), name


def test_each_indicator_declares_how_tpmap_counts_it():
    counted = {i.code: i.counted_by for i in catalog.indicators()}
    assert set(counted.values()) <= set(catalog.COUNTING_UNITS)
    # TPMAP 2561's files count by household, but for BMN indicators 1 and 17 (docs/domain.md §3)
    by_person = {i.bmn_no for i in catalog.indicators() if i.counted_by == "person"}
    assert by_person == {1, 17}


def test_target_poor_is_keyed_by_the_tpmap_year_a_survey_feeds():
    assert catalog.tpmap_year(2565) == 2566  # TPMAP year Y reports on BMN survey Y-1
    assert catalog.target_poor_rule(2565) == "card_verified"  # TPMAP 2566
    tpmap_2567 = catalog.target_poor_entry(2566)
    assert tpmap_2567["rule"] == "card_any"  # "MPI-poor who may have registered"
    assert "2565" in tpmap_2567["card_register"]


def test_indicator_editions_by_survey_year(monkeypatch):
    assert catalog.indicator_edition(2566).edition == "2560-2564"
    assert catalog.indicators(2566) == catalog.indicators()
    with pytest.raises(KeyError, match="2559"):
        catalog.indicator_edition(2559)
    # a second edition: each survey year gets its own indicators, and the year must be given
    load = catalog._load
    first = {**load("indicators")["editions"][0], "last_year": 2565}
    second = {**first, "edition": "2566-2570", "first_year": 2566, "last_year": None,
              "indicators": first["indicators"][:3]}  # fmt: skip

    def editions(*rows: dict) -> None:
        def fake(name: str) -> dict:
            return {"editions": list(rows)} if name == "indicators" else load(name)

        monkeypatch.setattr(catalog, "_load", fake)
        for cached in (catalog.indicator_editions, catalog.indicators):
            cached.cache_clear()

    try:
        editions(first, second)
        assert len(catalog.indicators(2565)) == 17 and len(catalog.indicators(2566)) == 3
        with pytest.raises(ValueError, match="several editions"):
            catalog.indicators()
        editions({**first, "last_year": 2566}, second)
        with pytest.raises(ValueError, match="overlaps"):
            catalog.indicator_editions()
    finally:
        monkeypatch.undo()
        for cached in (catalog.indicator_editions, catalog.indicators):
            cached.cache_clear()


def test_every_assumption_is_noted_and_documented():
    domain = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    ids = [a.id for a in catalog.assumptions()]
    assert {"income-criterion-2565", "age-bands", "age-reference-day",
            "indicator-edition-2566"} <= set(ids)  # fmt: skip
    for a in catalog.assumptions():
        assert a.what and a.source and a.if_confirmed, a.id
        assert f"`{a.id}`" in domain, f"docs/domain.md §10 does not describe {a.id}"


def test_the_product_cites_its_own_domain_document():
    """Users have docs/domain.md, not the brief it was copied from."""
    folders = ["assets", "ingest", "measures", "pipelines", "schemas", "sources", "sql",
               "synthetic", "docs", "notebooks"]  # fmt: skip
    cited = [
        str(path.relative_to(ROOT))
        for folder in folders
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".sql", ".yaml", ".md", ".ipynb"}
        and "DOMAIN.md" in path.read_text(encoding="utf-8")
    ]
    assert cited == []
