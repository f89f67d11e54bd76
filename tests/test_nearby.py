"""Nearby, same problem: the distance on the sphere, the grid's cells, and the index read."""

from __future__ import annotations

import math
from pathlib import Path

import aiosqlite
import pytest

from casework.issues import Location
from casework.nearby import cells_around, distance_m, geo_cell
from storage.repositories import issues as sql_issues
from storage.sqlite.dialect import SQLITE
from storage.sqlite.schema import discover, migrate
from tests.harness import START

BEIJING = Location(39.9042, 116.4074)
SHENZHEN = Location(22.5431, 114.0579)


def test_the_distance_between_two_cities_is_the_great_circle_one() -> None:
    # Beijing to Shanghai, about 1 067 km as the crow flies.
    assert distance_m(BEIJING, Location(31.2304, 121.4737)) == pytest.approx(1_067_000, rel=0.005)
    assert distance_m(BEIJING, BEIJING) == 0


def test_a_thousandth_of_a_degree_north_is_about_111_metres_and_east_less_away_from_the_equator() -> (
    None
):
    north = distance_m(BEIJING, Location(BEIJING.latitude + 0.001, BEIJING.longitude))
    east = distance_m(BEIJING, Location(BEIJING.latitude, BEIJING.longitude + 0.001))
    assert north == pytest.approx(111.2, abs=0.1)
    assert east == pytest.approx(111.2 * math.cos(math.radians(BEIJING.latitude)), abs=0.1)


@pytest.mark.parametrize("at", [BEIJING, SHENZHEN, Location(-33.8688, 151.2093)])
def test_every_point_within_the_radius_is_in_one_of_the_cells_around(at: Location) -> None:
    cells = set(cells_around(at, 200))
    for bearing in range(0, 360, 5):
        for metres in (0, 50, 120, 199):
            north = metres * math.cos(math.radians(bearing)) / 111_195
            east = (
                metres
                * math.sin(math.radians(bearing))
                / (111_195 * math.cos(math.radians(at.latitude)))
            )
            point = Location(at.latitude + north, at.longitude + east)
            assert distance_m(at, point) <= 200
            assert geo_cell(point) in cells, (bearing, metres)


def test_few_cells_are_read_for_the_default_radius() -> None:
    # Wherever the pin is within its cell: 400 m across cells 220 m tall, and 205 m wide in
    # Shenzhen, 170 m in Beijing.
    for step in range(10):
        offset = step * 0.0002
        shenzhen = Location(SHENZHEN.latitude + offset, SHENZHEN.longitude + offset)
        beijing = Location(BEIJING.latitude + offset, BEIJING.longitude + offset)
        assert len(cells_around(shenzhen, 200)) <= 9
        assert len(cells_around(beijing, 200)) <= 12


def test_the_cells_wrap_around_the_antimeridian() -> None:
    east_edge = Location(0.0, 179.9995)
    cells = set(cells_around(east_edge, 200))
    assert geo_cell(Location(0.0, -179.9995)) in cells
    assert geo_cell(east_edge) in cells


async def test_the_nearby_search_reads_its_index_one_range_per_cell(tmp_path: Path) -> None:
    """EXPLAIN QUERY PLAN on a database with no statistics (the bot never runs ANALYZE)."""
    async with aiosqlite.connect(tmp_path / "plan.sqlite3", isolation_level=None) as db:
        await migrate(db)
        near, _ = sql_issues.near_query("streetlight", Location(39.9, 116.4), 100, START, SQLITE)
        query = f"EXPLAIN QUERY PLAN {near}"
        plan = " | ".join(
            row[3] for row in await db.execute_fetchall(query, ("streetlight", "[1, 2]", 0))
        )

    assert "USING INDEX issues_nearby (category=? AND geo_cell=? AND created_at>?)" in plan, plan


async def test_the_migration_puts_issues_logged_before_it_in_their_cell(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "cells.sqlite3", isolation_level=None) as db:
        await migrate(db, [m for m in discover() if m.version < 25])
        for n, at in enumerate([BEIJING, SHENZHEN, Location(-33.8688, -70.6693)], 1):
            await db.execute(
                "INSERT INTO issues (id, number, status, description, category, department,"
                " reporter_id, urgent, source, latitude, longitude, created_at, updated_at,"
                " handed_at) VALUES (?, ?, 'pending', 'x', 'streetlight', 'roads', 1, 0,"
                " 'hotline', ?, ?, 0, 0, 0)",
                (n, f"2611-{n:04d}", at.latitude, at.longitude),
            )
        await migrate(db)
        rows = await db.execute_fetchall("SELECT geo_cell FROM issues ORDER BY id")

    assert [r[0] for r in rows] == [
        geo_cell(BEIJING), geo_cell(SHENZHEN), geo_cell(Location(-33.8688, -70.6693))
    ]  # fmt: skip
