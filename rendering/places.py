"""Where an issue is, as people read it: the address in words first, then the shared pin as a
link that opens a map (never raw coordinates).

The map is the one the reader's phone opens best: Amap (高德地图) for Chinese, which takes the
phone's GPS (WGS-84) coordinates as they are with `coordinate=wgs84` (its URI API, "单点标注");
OpenStreetMap for English.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from casework.issues import Location
from rendering.i18n import Html, Texts


def map_url(location: Location, language: str) -> str:
    lat, lon = f"{location.latitude:.6f}", f"{location.longitude:.6f}"
    if language.startswith("zh"):
        query = {"position": f"{lon},{lat}", "coordinate": "wgs84", "callnative": "1"}
        return "https://uri.amap.com/marker?" + urlencode(query, safe=",")
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"


def map_link(location: Location, t: Texts) -> Html:
    """`<a href=…>地图</a>`: the pin as a link to open."""
    url = html.escape(map_url(location, t.language), quote=True)
    label = t._("🗺 map")
    return Html(f'<a href="{url}">{label}</a>')


def place_line(address: str | None, location: Location | None, t: Texts) -> Html | None:
    """`📍 地址：中山路12号（🗺 地图）`, or `📍 位置：🗺 地图` for a pin alone; None for neither."""
    if address:
        where: object = address
        if location is not None:
            where = t._("{address} ({map})", address=address, map=map_link(location, t))
        return t._("📍 Address: {address}", address=where)
    if location is not None:
        return t._("📍 Location: {where}", where=map_link(location, t))
    return None
