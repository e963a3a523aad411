#!/usr/bin/env python3
"""Reference sun times for hearth-core's sun module, from an independent almanac.

What it computes: for each site and local calendar date below, the first
sunrise, sunset, solar noon (transit), and civil, nautical and astronomical
dawn and dusk that fall on that local date in the site's time zone, as UTC
instants to 0.1 s, or None when the event does not happen that local day
(polar day, polar night, twilight that never ends). The almanac is PyEphem
(VSOP87 based; independent of the NOAA formulas under test) with:
  - pressure = 0, so PyEphem adds no refraction of its own;
  - use_center = True, so events are the sun's centre crossing the horizon;
  - horizon -0:50 (-0.833 deg) for sunrise and sunset, which stands in for
    standard refraction and the solar semi-diameter, exactly the convention
    hearth-core uses;
  - horizon -6, -12, -18 deg for civil, nautical and astronomical twilight.
It also computes the sun's elevation (pressure = 0: no refraction) and azimuth
at a few UTC instants per site, to check the position formulas.

How to run it (only PyPI is needed), from the repository root:

    python3 -m venv /tmp/sunref
    /tmp/sunref/bin/pip install ephem
    /tmp/sunref/bin/python tools/sun-reference/generate.py \
        > crates/hearth-core/src/sun/tests/reference.rs

It writes a Rust file of tables to stdout, one case a line (rustfmt skips it);
the tests compile it in, so no file is read at test time. Time zones come
from Python's zoneinfo (the system's tz database), and the same zone names
are used with chrono-tz in the tests.
"""

import datetime as dt
import math
import sys
from zoneinfo import ZoneInfo

import ephem

# name, latitude (deg N), longitude (deg E), IANA zone, Rust path of the chrono-tz zone.
SITES = [
    ("london", 51.5074, -0.1278, "Europe/London"),
    ("new_york", 40.7128, -74.0060, "America/New_York"),
    ("sydney", -33.8688, 151.2093, "Australia/Sydney"),
    ("buenos_aires", -34.6037, -58.3816, "America/Argentina/Buenos_Aires"),
    ("singapore", 1.3521, 103.8198, "Asia/Singapore"),
    ("oslo", 59.9139, 10.7522, "Europe/Oslo"),
    ("reykjavik", 64.1466, -21.9426, "Atlantic/Reykjavik"),
    ("tromso", 69.6492, 18.9553, "Europe/Oslo"),
    ("cape_town", -33.9249, 18.4241, "Africa/Johannesburg"),
    ("auckland", -36.8485, 174.7633, "Pacific/Auckland"),
]

# Both solstices and both equinoxes of 2026, for every site.
SEASONS = ["2026-03-20", "2026-06-21", "2026-09-23", "2026-12-21"]

# Extra dates per site: DST transition days (a 23 h or 25 h local day), and at
# high latitudes days when sunrise, sunset or twilight race towards local
# midnight, including the first and last night each season on which the sun
# only grazes a threshold (a crossing the NOAA iteration cannot settle on).
EXTRA = {
    "london": ["2026-03-29", "2026-10-25"],
    "new_york": ["2026-03-08", "2026-11-01"],
    "sydney": ["2026-04-05", "2026-10-04"],
    "auckland": ["2026-04-05", "2026-09-27"],
    "oslo": ["2026-05-12", "2026-05-20", "2026-08-01"],
    "reykjavik": ["2026-04-27", "2026-08-16"],
    "tromso": ["2026-01-20", "2026-04-11", "2026-05-10", "2026-05-18", "2026-07-26",
               "2026-08-01", "2026-11-20"],
}

# Rust variant, horizon, rising (True) or setting (False); None means transit.
EVENTS = [
    ("SunEvent::Sunrise", "-0:50", True),
    ("SunEvent::Sunset", "-0:50", False),
    ("SunEvent::SolarNoon", None, None),
    ("SunEvent::Dawn(Twilight::Civil)", "-6", True),
    ("SunEvent::Dusk(Twilight::Civil)", "-6", False),
    ("SunEvent::Dawn(Twilight::Nautical)", "-12", True),
    ("SunEvent::Dusk(Twilight::Nautical)", "-12", False),
    ("SunEvent::Dawn(Twilight::Astronomical)", "-18", True),
    ("SunEvent::Dusk(Twilight::Astronomical)", "-18", False),
]


# UTC instants at which every site's solar position is checked.
POSITION_INSTANTS = [
    dt.datetime(2026, 3, 20, hour, 0, tzinfo=dt.timezone.utc) for hour in (0, 6, 12, 18)
] + [dt.datetime(2026, 6, 21, hour, 30, tzinfo=dt.timezone.utc) for hour in (3, 9, 15, 21)]


def local_day_utc(date, zone):
    """The local calendar day as a half-open UTC interval [start, end)."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(date, dt.time(), tz)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tz)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def to_ephem(instant):
    return ephem.Date(instant.replace(tzinfo=None))


def occurrences(observer, horizon, rising, start, end):
    """Every occurrence of one event in [start, end), earliest first."""
    sun = ephem.Sun()
    found = []
    at = to_ephem(start)
    while True:
        try:
            if horizon is None:
                when = observer.next_transit(sun, start=at)
            else:
                observer.horizon = horizon
                step = observer.next_rising if rising else observer.next_setting
                when = step(sun, start=at, use_center=True)
        except (ephem.AlwaysUpError, ephem.NeverUpError):
            return found
        instant = when.datetime().replace(tzinfo=dt.timezone.utc)
        if instant >= end:
            return found
        found.append(instant)
        at = ephem.Date(when + ephem.second)


def rust_instant(instant):
    tenths = round(instant.microsecond / 100_000)
    instant = instant.replace(microsecond=0) + dt.timedelta(seconds=tenths / 10)
    return f'Some("{instant.strftime("%Y-%m-%dT%H:%M:%S")}.{instant.microsecond // 100_000}Z")'


def observer_at(lat, lon):
    observer = ephem.Observer()
    observer.lat, observer.lon = str(lat), str(lon)
    observer.elevation = 0
    observer.pressure = 0
    return observer


def main():
    out = sys.stdout
    out.write(
        "//! Reference sun times from PyEphem "
        f"{ephem.__version__}, written by `tools/sun-reference/generate.py`:\n"
        "//! regenerate with that script rather than editing by hand.\n\n"
        "use super::{Case, PositionCase, RefSite};\n"
        "use crate::sun::{SunEvent, Twilight};\n\n"
        "pub(super) const SITES: &[RefSite] = &[\n"
    )
    for name, lat, lon, zone in SITES:
        rust_zone = "chrono_tz::" + zone.replace("/", "::")
        out.write(
            f'    RefSite {{ name: "{name}", latitude: {lat}, longitude: {lon}, tz: {rust_zone} }},\n'
        )
    out.write("];\n\n")
    out.write("/// (site, local date, event, UTC instant or None when it does not happen that day)\n")
    out.write("pub(super) const CASES: &[Case] = &[\n")
    for name, lat, lon, zone in SITES:
        observer = observer_at(lat, lon)
        for day in sorted(SEASONS + EXTRA.get(name, [])):
            start, end = local_day_utc(dt.date.fromisoformat(day), zone)
            for variant, horizon, rising in EVENTS:
                found = occurrences(observer, horizon, rising, start, end)
                if len(found) > 1:
                    print(f"note: {name} {day} {variant} happens {len(found)} times", file=sys.stderr)
                value = rust_instant(found[0]) if found else "None"
                out.write(f'    ("{name}", "{day}", {variant}, {value}),\n')
    out.write("];\n\n")
    out.write("/// (site, UTC instant, elevation without refraction, azimuth from north), degrees\n")
    out.write("pub(super) const POSITIONS: &[PositionCase] = &[\n")
    for name, lat, lon, zone in SITES:
        observer = observer_at(lat, lon)
        for instant in POSITION_INSTANTS:
            observer.date = to_ephem(instant.astimezone(dt.timezone.utc))
            sun = ephem.Sun(observer)
            stamp = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(
                f'    ("{name}", "{stamp}", {math.degrees(sun.alt):.4f}, {math.degrees(sun.az):.4f}),\n'
            )
    out.write("];\n")


if __name__ == "__main__":
    main()
