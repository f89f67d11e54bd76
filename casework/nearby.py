"""Nearby, same problem (重复件; issue 19): open issues of a category logged near a point lately.

Where an issue is, for this look-up, is also a cell of a grid of `CELL_DEGREES` of latitude by
`CELL_DEGREES` of longitude (about 220 m north to south; east to west 220 m at the equator,
170 m at Beijing, 110 m at 60°N), one integer kept on the issue (`geo_cell`). A search reads the
cells the circle's bounding box touches (`cells_around`: for 200 m, at most 3 by 3 in southern
China, 3 rows by 4 at Beijing) from an index on (category, cell, time), then measures each found issue's
distance on the sphere (`distance_m`, haversine) and keeps those within the radius.

Cells are counted from the south-west corner of the map (latitude + 90, longitude + 180), so
every index is at least 0 and truncating to an integer is the floor: SQLite's `CAST(… AS
INTEGER)` (the migration's backfill) and Python's `int()` agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from casework.issues import Issue, Location

CELL_DEGREES = 0.002
_COLUMNS = 1_000_000  # a cell's number: row * _COLUMNS + column (columns run 0 to 180 000)
_AROUND = round(360 / CELL_DEGREES)  # columns around the globe
EARTH_RADIUS_M = 6_371_008.8  # the mean radius
_METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
# Beyond this the search would read too many cells: the organisation file is checked against it.
RADIUS_MAX_M = 2_000
_LATITUDE_MAX = 89.0  # near the poles a degree of longitude shrinks to nothing: no city there


@dataclass(frozen=True)
class Nearby:
    """An open issue near the point asked about, and how far from it, in metres."""

    issue: Issue
    metres: float


def _row(latitude: float) -> int:
    return int((latitude + 90) / CELL_DEGREES)


def _column(longitude: float) -> int:
    return int((longitude + 180) / CELL_DEGREES)


def geo_cell(location: Location | None) -> int | None:
    """The grid cell the location is in, as stored on the issue (None without a pin)."""
    if location is None:
        return None
    return _row(location.latitude) * _COLUMNS + _column(location.longitude) % _AROUND


def cells_around(at: Location, radius_m: float) -> list[int]:
    """The cells that the bounding box of the circle of `radius_m` around `at` touches: every
    point within the radius is in one of them."""
    lat_span = radius_m / _METRES_PER_DEGREE
    cos = math.cos(math.radians(min(abs(at.latitude), _LATITUDE_MAX)))
    lon_span = radius_m / (_METRES_PER_DEGREE * cos)
    rows = range(
        _row(max(-90.0, at.latitude - lat_span)), _row(min(90.0, at.latitude + lat_span)) + 1
    )
    # Columns wrap around at the antimeridian (180° east is 180° west).
    west = math.floor((at.longitude - lon_span + 180) / CELL_DEGREES)
    east = math.floor((at.longitude + lon_span + 180) / CELL_DEGREES)
    columns = sorted({c % _AROUND for c in range(west, east + 1)})
    return [r * _COLUMNS + c for r in rows for c in columns]


def distance_m(a: Location, b: Location) -> float:
    """The great-circle distance between two points, in metres (haversine)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def within(found: list[Issue], at: Location, radius_m: float) -> list[Nearby]:
    """Those of `found` (read from the cells around) within `radius_m` of `at`, nearest first."""
    near = [
        Nearby(i, metres)
        for i in found
        if i.location is not None and (metres := distance_m(at, i.location)) <= radius_m
    ]
    near.sort(key=lambda n: (n.metres, n.issue.id))
    return near
