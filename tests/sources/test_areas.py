"""Thai area names as people write them -> DOPA codes (geothai 3.2.1); long tables -> figures."""

from __future__ import annotations

import polars as pl

from ingest.readers import read_file
from sources.areas import match_areas
from sources.figures import detect_era, read_figures, rollup
from tests.sources.server import FIXTURES

# (area as written, province column, expected code): every prefix, short form and variant
WRITTEN = [
    ("จังหวัดเชียงใหม่", None, "50"),
    ("จ.เชียงใหม่", None, "50"),
    ("จ. เชียงใหม่", None, "50"),
    ("Chiang Mai", None, "50"),
    ("chiang-mai", None, "50"),
    ("กทม.", None, "10"),
    ("กรุงเทพ", None, "10"),
    ("อยุธยา", None, "14"),
    ("อำเภอจอมทอง", "เชียงใหม่", "5002"),
    ("อ.จอมทอง", "จ.เชียงใหม่", "5002"),
    ("เขตจอมทอง", "กทม.", "1035"),
    ("อำเภอเมือง", "เชียงใหม่", "5001"),
    ("อ.เมือง", "นครราชสีมา", "3001"),
    ("Mueang", "Nakhon Ratchasima", "3001"),
    ("อำเภอเมืองเชียงใหม่", None, "5001"),
    ("กิ่งอำเภอเฉลิมพระเกียรติ", "นครราชสีมา", "3032"),
    ("ตำบลสุเทพ", "เชียงใหม่", "500108"),
    ("ต.เกาะเต่า", "สุราษฎร์ธานี", "840503"),
    ("แขวงวังบูรพาภิรมย์", "กทม.", "100102"),
    ("หนองเข็ง", None, "380103"),  # abolished (Nong Khai), its single successor in Bueng Kan
    ("5002", None, "5002"),
    ("50", None, "50"),
    ("5002.0", None, "5002"),  # Excel's float
    ("430304", None, "380103"),  # an abolished code with one successor
]


def test_every_prefix_short_form_and_variant_finds_its_code():
    table = pl.DataFrame(
        {"area": [w[0] for w in WRITTEN], "province": [w[1] for w in WRITTEN]},
        schema={"area": pl.String, "province": pl.String},
    )
    out = match_areas(table, "area", "province")
    got = dict(zip(out["area"], out["area_code"], strict=True))
    assert got == {w[0]: w[2] for w in WRITTEN}
    assert out["rule"].null_count() == len(WRITTEN)
    levels = dict(zip(out["area"], out["level"], strict=True))
    assert levels["อ.เมือง"] == "district" and levels["ต.เกาะเต่า"] == "subdistrict"


def test_ambiguous_misspelt_abolished_and_unknown_names_get_their_reason():
    table = pl.DataFrame(
        {
            "area": ["จอมทอง", "อ.เฉลิมพระเกียรติ", "เชียงไหม่", "104701", "5099", "อ.เมือง"],
            "province": [None] * 6,
        },
        schema={"area": pl.String, "province": pl.String},
    )
    out = match_areas(table, "area", "province").with_row_index()
    rows = {r["area"]: r for r in out.iter_rows(named=True)}
    # the same district name in two provinces: Bangkok's เขตจอมทอง and Chiang Mai's
    assert rows["จอมทอง"]["rule"] == "area_ambiguous"
    assert "(1035, 5002)" in rows["จอมทอง"]["reason"]
    assert "names 5 districts" in rows["อ.เฉลิมพระเกียรติ"]["reason"]
    assert rows["เชียงไหม่"]["rule"] == "area_unknown"
    assert "did you mean เชียงใหม่" in rows["เชียงไหม่"]["reason"]
    assert rows["104701"]["rule"] == "area_abolished"  # abolished, two successors
    assert rows["5099"]["rule"] == "area_unknown"
    assert rows["อ.เมือง"]["rule"] == "area_unknown"  # the capital of which province?
    assert out["area_code"].null_count() == 6


def test_matching_keeps_the_rows_in_order_with_repeated_names():
    areas = ["อ.ครบุรี", "อ.เมือง", "อ.ครบุรี", "เชียงไหม่", "อ.ครบุรี"]
    table = pl.DataFrame({"area": areas, "province": ["นครราชสีมา"] * 5})
    out = match_areas(table, "area", "province")
    assert out["area_code"].to_list() == ["3002", "3001", "3002", None, "3002"]


def test_a_portal_table_becomes_figures_and_its_bad_rows_are_quarantined():
    _, table = read_file(FIXTURES / "korat_districts_2566.csv", ["ปี", "ค่า"])
    result = read_figures(table.frame)
    assert result.year_stated == "BE" and result.rows_read == 7
    got = {(r["area_code"], r["measure"]): r["value"] for r in result.figures.iter_rows(named=True)}
    assert got == {
        ("3001", "households"): 98512,
        ("3002", "households"): 24310,
        ("3001", "target_poor_persons"): 1204,
        ("3032", "target_poor_persons"): 388,
        ("3009", "target_poor_persons"): 412,
    }
    held = {r["row_index"]: r for r in result.quarantine.iter_rows(named=True)}
    # rows as a person sees them in a spreadsheet: the header is row 1 (ingest/readers.py)
    assert held.keys() == {7, 8}
    assert held[7]["rule"] == "area_unknown" and held[7]["column_name"] == "อำเภอ"
    assert held[8]["rule"] == "indicator_unknown" and held[8]["value"] == "รายได้เฉลี่ย"
    assert result.figures.height + len(held) == result.rows_read


def test_the_era_is_detected_per_table_and_a_stray_year_is_held():
    table = pl.DataFrame(
        {
            "year": ["2023", "2023", "2566", "twenty"],
            "area": ["จ.น่าน", "จ.แพร่", "จ.น่าน", "จ.น่าน"],
            "indicator": ["1.1", "persons", "persons", "persons"],
            "value": ["12", "1,000", "5", "1"],
        }
    ).with_row_index("row_index", offset=1)
    result = read_figures(table)
    assert result.year_stated == "CE"
    assert result.figures["year_be"].to_list() == [2566, 2566]  # CE + 543
    assert result.figures.row(0, named=True)["indicator_code"] == "1.1"  # label -> indicator
    assert result.figures.row(0, named=True)["measure"] == "persons_deprived"
    rules = dict(zip(result.quarantine["row_index"], result.quarantine["rule"], strict=True))
    assert rules == {3: "year_era", 4: "year_invalid"}
    assert detect_era(pl.Series([2566, 2567, 2024])) == "BE"


def test_additive_figures_roll_up_and_rates_do_not():
    figures = pl.DataFrame(
        {
            "year_be": [2566] * 4,
            "level": ["district"] * 4,
            "area_code": ["3001", "3002", "5001", "3001"],
            "measure": ["persons", "persons", "persons", "poverty_rate"],
            "indicator_code": [None] * 4,
            "value": [10.0, 5.0, 7.0, 3.5],
            "unit": ["persons"] * 3 + ["percent"],
            "year_stated": ["BE"] * 4,
        },
        schema_overrides={"indicator_code": pl.String},
    )
    out = rollup(figures)
    rolled = {(r["level"], r["area_code"]): r["value"]
              for r in out.filter("rolled_up").iter_rows(named=True)}  # fmt: skip
    assert rolled == {
        ("province", "30"): 15.0,
        ("province", "50"): 7.0,
        ("region", "4"): 15.0,
        ("region", "3"): 7.0,
        ("country", "TH"): 22.0,
    }
    assert out.filter(pl.col("measure") == "poverty_rate").height == 1


def test_a_figure_given_twice_counts_once_and_the_ledger_adds_up(tmp_path):
    from sources import run as sources_run
    from sources.config import Source
    from sources.landing import source_dir

    folder = source_dir(tmp_path, "hand")
    folder.mkdir(parents=True)
    table = "year,area,indicator,value\n2566,จ.น่าน,persons,10\n2566,จ.แพร่,persons,5\n"
    (folder / "a.csv").write_text(table + "2566,น่าน,persons,10\n", encoding="utf-8")
    (folder / "b.csv").write_text(table, encoding="utf-8")  # the same table again
    loaded = sources_run.load(Source("hand", "table", {"licence": "CC-BY"}), tmp_path)
    assert loaded.figures.select("area_code", "value", "file").rows() == [
        ("55", 10.0, "a.csv"), ("54", 5.0, "a.csv")]  # fmt: skip
    ledger = {r["file"]: (r["rows_read"], r["rows_loaded"], r["rows_quarantined"])
              for r in loaded.ledger.iter_rows(named=True)}  # fmt: skip
    assert ledger == {"a.csv": (3, 2, 1), "b.csv": (2, 0, 2)}
    assert set(loaded.quarantine["rule"]) == {"duplicate_figure"}
    assert "as an earlier row of a.csv" in loaded.quarantine["message_en"][0]
    provenance = {r["file"]: r for r in loaded.files.iter_rows(named=True)}
    assert provenance["a.csv"]["licence"] == "CC-BY" and len(provenance["b.csv"]["sha256"]) == 64
