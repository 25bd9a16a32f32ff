"""ingest/progress.py: throughput lines at most every interval, in a format that parses back."""

import pytest

from ingest.progress import Reading, Throughput, parse


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_at_most_every_interval_with_rate_and_time_left():
    clock, lines = Clock(), []
    meter = Throughput("2566 members", 1000, lines.append, interval=5, clock=clock)
    clock.now += 1
    meter.advance(100)  # 1 s in: too early for a line
    assert lines == []
    clock.now += 4
    meter.advance(150)  # 5 s in, 250 done: 50 rows/s, 750 left = 15 s
    assert lines == ["progress 2566 members: 250/1000 rows, 50 rows/s, 15 s left"]
    clock.now += 1
    meter.advance(50)
    assert len(lines) == 1  # 1 s after the last line
    clock.now += 4
    meter.advance(700)  # the total reached: always a line, nothing left
    assert lines[-1] == "progress 2566 members: 1000/1000 rows, 100 rows/s, 0 s left"
    meter.finish()  # already said
    assert len(lines) == 2


def test_without_a_total_the_time_left_is_unknown_and_finish_reports_the_count():
    clock, lines = Clock(), []
    meter = Throughput("2565 files", None, lines.append, interval=5, unit="files", clock=clock)
    clock.now += 2
    meter.advance(3)
    meter.finish()
    assert lines == ["progress 2565 files: 3/? files, 2 files/s, ? left"]


def test_lines_parse_back_and_other_lines_do_not():
    line = "progress 2566 members: 250/1000 rows, 50 rows/s, 15 s left"
    assert parse(line) == Reading("2566 members", 250, 1000, "rows", 50, 15)
    assert parse(parse(line).line()) == parse(line)
    unknown = parse("progress a: b: 3/? files, 0 files/s, ? left")
    assert unknown == Reading("a: b", 3, None, "files", 0, None)
    assert parse("2566: 494,336 rows read, 493,796 staged") is None
    assert parse("progress x: 1/2 rows, 3 files/s, 1 s left") is None  # units disagree


def test_a_unit_of_two_words_is_refused():
    with pytest.raises(ValueError, match="one word"):
        Throughput("x", 1, print, unit="data rows")
