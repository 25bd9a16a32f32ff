"""A bad case file (landing/cases/<year>/): each bad row is quarantined with its reason, the
good rows are staged with the survey's house key, and rows read = staged + quarantined."""

import polars as pl

from ingest.staging import CASE, HOUSEHOLD
from schemas.catalog import sources
from tests.handmade import house_code
from tests.validation.harness import YEAR, stage
from tests.validation.test_bad_files import csv_bytes

C_COLUMNS = sources()[CASE].names


def case(house: int, indicator: str, dimension: str, **fields: object) -> dict[str, str]:
    row = {
        "house_code": house_code(house), "dimension": dimension, "indicator_code": indicator,
        "agency": "พมจ.", "date_raised": "01/06/2566", "date_resolved": "",
        "assistance_type": "2", "budget_baht": "1500", "status": "helped",
        "status_date": "15/07/2566", "current": "1",
    }  # fmt: skip
    row.update({k: str(v) for k, v in fields.items()})
    return row


ROWS = [
    case(1, "1.2", "health", date_resolved="15/07/2566"),  # 2: good, current
    case(1, "1.2", "health", status="target", status_date="01/06/2566", current=0),  # 3: history
    case(9, "1.3", "health"),  # 4: no such household in 2566
    case(2, "1.3", "health", status="done"),  # 5: unknown status
    case(2, "2.1", "living", date_resolved="01/05/2566"),  # 6: resolved before raised
    case(2, "2.4", "living"),  # 7 and 8: two current statuses of one household-problem
    case(2, "2.4", "living", status="in_progress", status_date="01/07/2566"),
    case(2, "9.9", "health"),  # 9: unknown indicator
    case(2, "3.1", "education", budget_baht="-5"),  # 10: negative budget
    case(2, "2.2", "health"),  # 11: 2.2 is an indicator of living conditions
    case(2, "4.3", "wealth"),  # 12: unknown dimension
    case(1, "4.3", "income", status="อยู่ระหว่างดำเนินการ", budget_baht=""),  # 13: Thai label
]


def test_bad_case_rows_are_quarantined_with_their_reasons(tmp_path):
    out = stage(tmp_path, landing_files={f"cases/{YEAR}/50_cases.csv": csv_bytes(ROWS, C_COLUMNS)})
    cases = {r for r in out.rules() if r[0] == "c"}
    assert cases == {
        ("c", 4, "house_code", "case_household_unknown"),
        ("c", 5, "status", "allowed"),
        ("c", 6, "date_resolved", "resolved_before_raised"),
        ("c", 7, "current", "case_two_current"),
        ("c", 8, "current", "case_two_current"),
        ("c", 9, "indicator_code", "indicator_unknown"),
        ("c", 10, "budget_baht", "range"),
        ("c", 11, "indicator_code", "indicator_dimension"),
        ("c", 12, "dimension", "dimension_unknown"),
    }
    (ledger,) = out.staged.ledger.filter(pl.col("source") == CASE).iter_rows(named=True)
    assert (ledger["rows_read"], ledger["rows_staged"], ledger["rows_quarantined"]) == (12, 3, 9)
    staged = out.staged.rows(CASE).sort("row_index")
    assert staged["row_index"].to_list() == [2, 3, 13]
    assert staged["status"].to_list() == ["helped", "target", "in_progress"]
    assert staged["current"].to_list() == [1, 0, 1]
    assert (str(staged["raised_on"][0]), str(staged["resolved_on"][0])) == (
        "2023-06-01", "2023-07-15",
    )  # fmt: skip
    assert staged["budget_baht"].to_list() == [1500.0, 1500.0, None]
    # the same keyed hash as the survey's house code: the case joins its household
    households = dict(out.staged.rows(HOUSEHOLD).select("household_key", "row_index").iter_rows())
    assert set(staged["household_key"]) <= set(households)
    assert "house_code" not in staged.columns
    # the raw house code is masked wherever it is shown
    values = out.staged.failures.filter(pl.col("column_name") == "house_code")["value"]
    assert set(values) == {"*" * 11}


def test_case_files_outside_the_layout_are_listed_not_read(tmp_path):
    good = csv_bytes(ROWS[:2], C_COLUMNS)
    out = stage(tmp_path, landing_files={
        f"cases/{YEAR}/old/50_cases.csv": good, "cases/50_cases.csv": good,
        f"cases/{YEAR}/50_cases.txt": good,
    })  # fmt: skip
    assert {r for r in out.rules() if r[0] == "c"} == {
        ("c", None, None, "case_outside_layout"), ("c", None, None, "unsupported_file"),
    }  # fmt: skip
    errors = out.file_errors()
    assert "move it there" in errors[f"cases/{YEAR}/old/50_cases.csv"]
    assert "cases/<year BE>/" in errors["cases/50_cases.csv"]
    assert out.staged.rows(CASE).height == 0
