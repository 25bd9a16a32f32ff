"""The same households followed over the survey years: people age, some die, babies are born,
some move, and some households leave the province or are founded.

A person keeps their citizen ID, and within a household their member number; when the head
dies the spouse takes over, or else the next listed member does. Each year a few young adults
move (marriage, work: Thai internal migration is concentrated at 18-34): most into another
household of the province, some into a household of their own, which the survey sees as a new
household (its house code links to nothing of the year before). A few whole households leave
the province. A mover is a new row of the population (``person`` says who they are): the old
row exits in the year of the move, so nobody is a member twice in one year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from synthetic import dates, people
from synthetic.catalog import BE_OFFSET

STILL_LIVING = 9999  # exit year of people who do not die within the panel
MOVE_AGES = (18, 34)
MOVE_RATE = 0.03  # a year, of the 18-34s
OWN_HOUSEHOLD_SHARE = 0.35  # of the movers: found a household rather than join one
LEAVE_RATE = 0.004  # a year, of the households: the whole household leaves the province


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
    n_households: int
    # who the row is, 0.. in order of birth into the panel (the roster first, then newborns by
    # year): a mover has a row per household they lived in, all with the same person
    person: np.ndarray
    moved_in: np.ndarray  # the row is a mover's, in the household moved into
    # per household founded during the panel (indices from n_households - founded.size): a
    # household of the province it is next to (its village; may be one founded before it), and
    # the year it was founded
    founded_beside: np.ndarray
    founded_year: np.ndarray

    def __len__(self) -> int:
        return self.household.size

    def founded_in(self) -> np.ndarray:
        """Per founded household, the first year's household whose village it is in: its
        neighbour's, or, when that was founded too, that one's neighbour's, and so on."""
        first = self.n_households - self.founded_beside.size
        root = self.founded_beside.copy()
        # a neighbour was there before the household: each pass resolves one more step
        while (later := root >= first).any():
            root[later] = self.founded_beside[root[later] - first]
        return root

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


class Moves(NamedTuple):
    leaving: np.ndarray  # per row: leaves its household this year (moves, or leaves the province)
    movers: np.ndarray  # rows of the people who move within the province
    target: np.ndarray  # per mover, the household moved into (>= n_households: founded)
    beside: np.ndarray  # per founded household, an existing one in the village it is founded in


def draw_moves(
    rng: np.random.Generator,
    household: np.ndarray,
    age: np.ndarray,
    alive: np.ndarray,
    n_households: int,
) -> Moves:
    """This year's moves: households that leave the province, and the 18-34s who move."""
    present = np.flatnonzero(np.bincount(household[alive], minlength=n_households) > 0)
    leaves = np.zeros(n_households, dtype=bool)
    leaves[present[rng.random(present.size) < LEAVE_RATE]] = True
    staying = np.flatnonzero(alive & ~leaves[household])
    low, high = MOVE_AGES
    young = staying[(age[staying] >= low) & (age[staying] <= high)]
    movers = young[rng.random(young.size) < MOVE_RATE]
    # Into the household of someone who stays, drawn at random (populous households and
    # villages draw more movers), or a household of one's own in that someone's village.
    near = household[staying[rng.integers(0, max(staying.size, 1), movers.size)]]
    own = rng.random(movers.size) < OWN_HOUSEHOLD_SHARE
    moving = own | (near != household[movers])  # drawn one's own household: stays
    movers, near, own = movers[moving], near[moving], own[moving]
    target = near.copy()
    target[own] = n_households + np.arange(int(own.sum()))
    leaving = alive & leaves[household]
    leaving[movers] = True
    return Moves(leaving=leaving, movers=movers, target=target, beside=near[own])


def simulate(
    rng: np.random.Generator,
    roster: people.Roster,
    n_households: int,
    years_be: list[int],
    moves: np.random.Generator | None = None,
) -> Population:
    """The population over ``years_be``; ``moves`` (a stream of its own, so that deaths and
    births draw what they drew before) moves people and households, or nobody when None."""
    first, last = min(years_be), max(years_be)
    n = len(roster)
    household = [roster.household]
    member_no = [roster.member_no]
    sex = [roster.sex]
    birth = [roster.birth]
    relation = [roster.relation]
    enter = [np.full(n, first, dtype=np.int32)]
    person = [np.arange(n, dtype=np.int64)]
    moved_in = [np.zeros(n, dtype=bool)]
    exit_year = np.full(n, STILL_LIVING, dtype=np.int32)
    next_member = np.bincount(roster.household, minlength=n_households).astype(np.int16) + 1
    beside, founded_year = [], []
    persons_made = n

    def add(rows: dict[str, np.ndarray], year: int) -> None:
        nonlocal exit_year
        for part, values in ((household, rows["household"]), (member_no, rows["member_no"]),
                             (sex, rows["sex"]), (birth, rows["birth"]),
                             (relation, rows["relation"]), (person, rows["person"]),
                             (moved_in, rows["moved_in"])):  # fmt: skip
            part.append(values)
        size = rows["household"].size
        enter.append(np.full(size, year, dtype=np.int32))
        exit_year = np.concatenate([exit_year, np.full(size, STILL_LIVING, np.int32)])

    def numbered(target: np.ndarray) -> np.ndarray:
        """Member numbers for new members of ``target``: consecutive within a household."""
        order = np.argsort(target, kind="stable")
        run_start = np.r_[True, target[order][1:] != target[order][:-1]]
        first_of_run = np.maximum.accumulate(np.where(run_start, np.arange(target.size), 0))
        numbers = np.empty(target.size, dtype=np.int16)
        numbers[order] = next_member[target[order]] + (np.arange(target.size) - first_of_run)
        np.add.at(next_member, target, 1)
        return numbers

    for year in range(first + 1, last + 1):
        year_ce = year - BE_OFFSET
        hh = np.concatenate(household)
        enter_all = np.concatenate(enter)
        births, sexes = np.concatenate(birth), np.concatenate(sex)
        numbers, relations = np.concatenate(member_no), np.concatenate(relation)
        alive_before = (enter_all <= year - 1) & (year - 1 < exit_year)
        age = dates.age_on_reference_day(births, year_ce).astype(np.float64)
        dies = alive_before & (rng.random(hh.size) < annual_death_probability(age))
        exit_year[dies] = year
        alive = alive_before & ~dies
        if moves is not None:
            move = draw_moves(moves, hh, age, alive, n_households)
            exit_year[move.leaving] = year
            alive &= ~move.leaving
            n_households += move.beside.size
            beside.append(move.beside)
            founded_year.append(np.full(move.beside.size, year, dtype=np.int32))
            next_member = np.concatenate([next_member, np.ones(move.beside.size, np.int16)])
            add(dict(
                household=move.target,
                member_no=numbered(move.target),
                sex=sexes[move.movers],
                birth=births[move.movers],
                relation=np.where(move.target >= n_households - move.beside.size,
                                  people.HEAD, people.RELATIVE).astype(np.int8),
                person=np.concatenate(person)[move.movers],
                moved_in=np.ones(move.movers.size, dtype=bool),
            ), year)  # fmt: skip

        mothers = np.flatnonzero(
            alive & (sexes == 2) & (rng.random(hh.size) < annual_birth_probability(age))
        )
        if mothers.size == 0:
            continue
        mother_relation = relations_in_year(hh, numbers, relations, alive, n_households)[mothers]
        baby_hh = hh[mothers]
        is_own_child = np.isin(mother_relation, (people.HEAD, people.SPOUSE))
        babies = dict(
            household=baby_hh,
            member_no=numbered(baby_hh),
            sex=np.where(rng.random(baby_hh.size) < 0.512, 1, 2).astype(np.int8),
            birth=dates.birth_dates_for_age(rng, np.zeros(baby_hh.size, np.int64), year_ce),
            relation=np.where(is_own_child, people.CHILD, people.RELATIVE).astype(np.int8),
        )
        # a newborn is a person of their own, numbered after everybody born before
        babies["moved_in"] = np.zeros(baby_hh.size, dtype=bool)
        babies["person"] = np.arange(baby_hh.size, dtype=np.int64) + persons_made
        persons_made += baby_hh.size
        add(babies, year)

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
        n_households=n_households,
        person=np.concatenate(person)[order],
        moved_in=np.concatenate(moved_in)[order],
        founded_beside=np.concatenate([np.zeros(0, np.int64), *beside]),
        founded_year=np.concatenate([np.zeros(0, np.int32), *founded_year]),
    )
