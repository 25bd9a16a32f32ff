"""Same seed, same bytes; another seed, other data; a province does not depend on the others."""

from __future__ import annotations

import hashlib
from pathlib import Path

from synthetic import generate
from tests.synthetic.synthetic_checks import YEARS, read_table


def digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files(tiny, tmp_path):
    generate("tiny", years=YEARS, seed=2561, out=tmp_path)
    first, second = digests(tiny.out), digests(tmp_path)
    assert len(first) == 1 + 3 * len(YEARS)  # README, households, members, case records
    assert first == second


def test_other_seed_changes_every_data_file(tiny, tmp_path):
    generate("tiny", years=YEARS, seed=2562, out=tmp_path)
    first, other = digests(tiny.out), digests(tmp_path)
    assert first.keys() == other.keys()
    data_files = [name for name in first if name.startswith("bmn/")]
    assert data_files and all(first[name] != other[name] for name in data_files)


def test_province_output_does_not_depend_on_other_provinces(tmp_path):
    alone = generate(0.003, years=(2565, 2566), seed=5, out=tmp_path / "a", provinces=["58"])
    together = generate(
        0.003, years=(2565, 2566), seed=5, out=tmp_path / "b", provinces=["95", "58"]
    )
    ours = {k: v for k, v in digests(together.out).items() if "_58_" in k}
    assert ours == {k: v for k, v in digests(alone.out).items() if "_58_" in k}
    assert len(ours) == 4


def test_parquet_is_deterministic_and_holds_the_csv_content(tiny, tmp_path):
    first = generate("tiny", years=YEARS, seed=2561, out=tmp_path / "p1", fmt="parquet")
    second = generate("tiny", years=YEARS, seed=2561, out=tmp_path / "p2", fmt="parquet")
    assert digests(first.out) == digests(second.out)
    for table in ("households", "members"):
        from_parquet = read_table(first.out, table)
        from_csv = read_table(tiny.out, table)
        assert from_parquet.schema == from_csv.schema
        assert from_parquet.equals(from_csv)


def test_first_year_does_not_depend_on_later_years(tiny, tmp_path):
    generate("tiny", years=(YEARS[0],), seed=2561, out=tmp_path)
    first_only = {k: v for k, v in digests(tmp_path).items() if k.startswith("bmn/")}
    with_later = digests(tiny.out)
    assert first_only and all(with_later[name] == digest for name, digest in first_only.items())
