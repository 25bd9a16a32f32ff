"""The same households followed over the survey years: people age, some die, babies are born.

A household keeps its house code and its members keep their member numbers and citizen IDs;
when the head dies the spouse takes over, or else the next listed member does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import dates, people
from synthetic.catalog import BE_OFFSET

STILL_LIVING = 9999  # exit year of people who do not die within the panel


def annual_death_probability(age: np.ndarray) -> np.ndarray:
    # Gompertz from 40: 1.1 % at 60, 2.7 % at 70, 6.7 % at 80, 16 % at 90 (Thai life tables
    # give about 3-4 % of the 60+ dying each year).
    return np.minimum(np.where(age < 40, 0.0008, 0.011 * np.exp(0.09 * (age - 60.0))), 0.5)


def annual_birth_probability(age: np.ndarray) -> np.ndarray:
    # Peaks at 27; about 1.1 children per woman over ages 18-42, near Thailand's recent TFR.
    return np.where((age >= 18) & (age <= 42), 0.075 * np.exp(-(((age - 27.0) / 6.5) ** 2)), 0.0)


@dataclass
class Population:
    """Everyone who is a member in at least one survey year, ordered by household, member_no."""

    household: np.ndarray
    member_no: np.ndarray
    sex: np.ndarray
    birth: np.ndarray  # yyyymmdd (CE)
    base_relation: np.ndarray  # relation when the person first appears
    enter_year: np.ndarray  # BE; first survey year as a member
    exit_year: np.ndarray  # BE; first survey year no longer a member (death)
    creation: np.ndarray  # index in creation order: the roster first, then newborns by year
    n_households: int

    def __len__(self) -> int:
        return self.household.size

    def alive(self, year_be: int) -> np.ndarray:
        return (self.enter_year <= year_be) & (year_be < self.exit_year)

    def relations(self, year_be: int) -> np.ndarray:
        return relations_in_year(
            self.household,
            self.member_no,
            self.base_relation,
            self.alive(year_be),
            self.n_households,
        )


def relations_in_year(
    household: np.ndarray,
    member_no: np.ndarray,
    base_relation: np.ndarray,
    alive: np.ndarray,
    n_households: int,
) -> np.ndarray:
    """Relation codes for one year; the head is the first living member in member order."""
    absent = np.iinfo(np.int32).max
    key = np.where(alive, member_no.astype(np.int32), absent)
    head_no = np.full(n_households, absent, dtype=np.int32)
    np.minimum.at(head_no, household, key)
    is_head = alive & (key == head_no[household])
    head_was = np.zeros(n_households, dtype=np.int8)
    head_was[household[is_head]] = base_relation[is_head]
    relation = base_relation.copy()
    relation[is_head] = people.HEAD
    # A spouse taking over keeps the others' relations (children stay children); any other
    # successor makes the rest relatives (siblings, nephews), the closest code we have.
    reshuffled = (head_was != people.HEAD) & (head_was != people.SPOUSE)
    relation[~is_head & reshuffled[household]] = people.RELATIVE
    return relation


def simulate(
    rng: np.random.Generator, roster: people.Roster, n_households: int, years_be: list[int]
) -> Population:
    first, last = min(years_be), max(years_be)
    n = len(roster)
    household = [roster.household]
    member_no = [roster.member_no]
    sex = [roster.sex]
    birth = [roster.birth]
    relation = [roster.relation]
    enter = [np.full(n, first, dtype=np.int32)]
    exit_year = np.full(n, STILL_LIVING, dtype=np.int32)
    next_member = np.bincount(roster.household, minlength=n_households).astype(np.int16) + 1

    for year in range(first + 1, last + 1):
        year_ce = year - BE_OFFSET
        hh = np.concatenate(household)
        enter_all = np.concatenate(enter)
        births = np.concatenate(birth)
        alive_before = (enter_all <= year - 1) & (year - 1 < exit_year)
        age = dates.age_on_reference_day(births, year_ce).astype(np.float64)
        dies = alive_before & (rng.random(hh.size) < annual_death_probability(age))
        exit_year[dies] = year
        alive = alive_before & ~dies

        sexes = np.concatenate(sex)
        mothers = np.flatnonzero(
            alive & (sexes == 2) & (rng.random(hh.size) < annual_birth_probability(age))
        )
        if mothers.size == 0:
            continue
        mother_relation = relations_in_year(
            hh, np.concatenate(member_no), np.concatenate(relation), alive, n_households
        )[mothers]
        baby_hh = hh[mothers]
        # Several babies in one household in one year get consecutive member numbers.
        order = np.argsort(baby_hh, kind="stable")
        baby_hh, mother_relation = baby_hh[order], mother_relation[order]
        run_start = np.r_[True, baby_hh[1:] != baby_hh[:-1]]
        first_of_run = np.maximum.accumulate(np.where(run_start, np.arange(baby_hh.size), 0))
        rank = np.arange(baby_hh.size) - first_of_run
        numbers = next_member[baby_hh] + rank
        np.add.at(next_member, baby_hh, 1)

        household.append(baby_hh)
        member_no.append(numbers.astype(np.int16))
        sex.append(np.where(rng.random(baby_hh.size) < 0.512, 1, 2).astype(np.int8))
        birth.append(dates.birth_dates_for_age(rng, np.zeros(baby_hh.size, np.int64), year_ce))
        is_own_child = np.isin(mother_relation, (people.HEAD, people.SPOUSE))
        relation.append(np.where(is_own_child, people.CHILD, people.RELATIVE).astype(np.int8))
        enter.append(np.full(baby_hh.size, year, dtype=np.int32))
        exit_year = np.concatenate([exit_year, np.full(baby_hh.size, STILL_LIVING, np.int32)])

    hh = np.concatenate(household)
    numbers = np.concatenate(member_no)
    order = np.lexsort((numbers, hh))
    return Population(
        household=hh[order],
        member_no=numbers[order],
        sex=np.concatenate(sex)[order],
        birth=np.concatenate(birth)[order],
        base_relation=np.concatenate(relation)[order],
        enter_year=np.concatenate(enter)[order],
        exit_year=exit_year[order],
        creation=order.astype(np.int64),
        n_households=n_households,
    )
