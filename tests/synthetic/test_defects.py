"""Injected defects meet exactly the rules they are meant to, and repairable ones are staged."""

from collections import Counter

import polars as pl

from assets.storage import LandingZone
from ingest.staging import CASE, HOUSEHOLD, MEMBER, stage_year
from synthetic import generate
from synthetic.defects import DEFECTS
from tests.validation.harness import areas

EXPECTED_RULE = {
    kind: rule for defects in DEFECTS.values() for kind, (_, _, rule) in defects.items()
}


def test_defects_are_quarantined_by_their_rule_or_repaired(tmp_path):
    summary = generate("tiny", [2566], seed=3, out=tmp_path, defects=0.02)
    assert sum(summary.defects.values()) > 100
    files = LandingZone(root=str(tmp_path)).bmn_files(2566)
    staged = stage_year(
        files, root=tmp_path, year_be=2566, areas=areas(), key=b"k" * 32, work=tmp_path / "staged"
    )
    rows_by_rule = Counter(
        dict(
            staged.failures.group_by("rule")
            .agg(pl.struct("file", "row_index").n_unique())
            .iter_rows()
        )
    )
    for kind, rule in EXPECTED_RULE.items():
        if rule is not None:
            assert rows_by_rule[rule] == summary.defects[kind], kind
    cascades = {"household_rejected", "household_without_members", "member_without_household"}
    cascades.add("case_household_unknown")  # the case records of a household a defect held
    assert set(rows_by_rule) <= {r for r in EXPECTED_RULE.values() if r} | cascades
    # repaired defects (Thai digits, zero-width spaces) leave their rows staged
    read = staged.ledger["rows_read"].sum()
    held = staged.ledger["rows_quarantined"].sum()
    staged_rows = sum(staged.rows(s).height for s in (HOUSEHOLD, MEMBER, CASE))
    assert staged_rows == read - held
    assert held < sum(summary.defects.values()) * 10  # cascades stay within their households
