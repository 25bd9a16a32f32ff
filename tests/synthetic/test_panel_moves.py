"""The generator's panel with many moves (synthetic/panel.py): a person is a member of one
household a year, keeps who they are, and households founded beside founded households still
lie in a first-year household's village."""

from __future__ import annotations

import numpy as np
import pytest

from synthetic import panel, people

YEARS = list(range(2565, 2571))


@pytest.fixture(scope="module")
def moved():
    with pytest.MonkeyPatch.context() as patch:
        # far more moves than in life, nearly all founding a household: chains of founded
        # households appear within a few years
        patch.setattr(panel, "MOVE_RATE", 0.5)
        patch.setattr(panel, "OWN_HOUSEHOLD_SHARE", 0.9)
        rng = np.random.default_rng(3)
        n = 300
        roster = people.build_roster(
            rng, np.zeros(n, dtype=np.int64), np.array([3.0]), np.array([0.15]), 2022
        )
        return n, panel.simulate(rng, roster, n, YEARS, moves=np.random.default_rng(4))


def test_a_person_is_in_one_household_a_year(moved):
    _, pop = moved
    for year in YEARS:
        alive = pop.person[pop.alive(year)]
        assert np.unique(alive).size == alive.size, year
    assert pop.moved_in.any()


def test_a_mover_keeps_birth_and_sex(moved):
    _, pop = moved
    for values in (pop.birth, pop.sex):
        per_person = np.zeros(pop.person.max() + 1, dtype=np.int64)
        per_person[pop.person] = values
        assert (per_person[pop.person] == values).all()


def test_households_founded_beside_founded_ones_lie_in_a_first_year_village(moved):
    first, pop = moved
    founded = pop.founded_beside.size
    assert founded > 0 and pop.n_households == first + founded
    chained = pop.founded_beside >= first
    assert chained.any()  # a household founded beside one founded before it
    root = pop.founded_in()
    assert (root < first).all()
    # a chained household shares its neighbour's first-year household
    assert (root[chained] == root[pop.founded_beside[chained] - first]).all()
