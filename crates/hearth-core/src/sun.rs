//! Where the sun is, and when on a local day it rises, sets, culminates and
//! crosses the twilight thresholds: the facts behind automations such as
//! "turn the porch light on at dusk".
//!
//! # Algorithm and accuracy
//!
//! NOAA's solar calculator (Meeus' low-precision solar coordinates), with the
//! hour-angle formula iterated until it settles: each pass re-evaluates the
//! declination and the equation of time at the event's own time rather than
//! at noon. Compared with PyEphem (`tools/sun-reference/generate.py`; 10
//! sites from 1° to 70° latitude in both hemispheres, on the solstices, the
//! equinoxes, DST changes and high-latitude edge days: 480 events, and 60
//! checked absent), the
//! largest differences measured, including the rounding to whole seconds:
//!
//! | event              | below 55° | 59°–70° | sun grazing the threshold |
//! |--------------------|-----------|---------|---------------------------|
//! | sunrise, sunset    | 3.6 s     | 10.4 s  | 53 s                      |
//! | solar noon         | 2.8 s     | 2.4 s   | –                         |
//! | twilights          | 4.1 s     | 7.0 s   | 84 s                      |
//!
//! "Grazing" is the sun moving under 0.02° a minute through the threshold,
//! on the first or last nights of a white-night or polar season: there the
//! models' elevations differ by at most 0.006° (about half of that is PyEphem
//! measuring from the observer, 8.8″ lower than NOAA's from Earth's centre),
//! but the sun takes a minute to cover it. Positions agree within 0.005° of
//! elevation and 0.011° of azimuth.
//!
//! # Conventions
//!
//! - Sunrise and sunset are the sun's *centre* at −0.833°: 34′ of standard
//!   refraction plus 16′ of semi-diameter, so no separate refraction is
//!   applied. Twilights are the centre at −6°, −12° and −18°.
//! - A day is a local calendar day in the site's time zone, however long it
//!   is (23 or 25 hours across a DST change). An event belongs to the local
//!   date it falls on: near midsummer at high latitudes the dusk that follows
//!   an evening can fall after midnight and so belongs to the next day, and
//!   that day's own dusk entry may then be a few minutes past midnight.
//! - An event the sun does not make on a day (polar day, polar night, a
//!   summer night when astronomical twilight never ends) is `None`. In the
//!   rare case of two on one local day (an event drifting across local
//!   midnight, far north or south), the day reports the first and [`next`]
//!   finds both.
//! - Instants are rounded to the whole second.
//! - Nothing here knows a time-zone database: day-based functions take any
//!   [`chrono::TimeZone`], so the hub can pass a `chrono_tz::Tz` and the
//!   browser its own.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

mod noaa;

#[cfg(test)]
mod tests;

/// Elevation of the sun's centre at sunrise and sunset, degrees.
pub const SUNRISE_ELEVATION: f64 = -0.833;

/// A place on Earth, with its coordinates checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    latitude: f64,
    longitude: f64,
}

/// A coordinate that cannot be a place on Earth.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum SiteError {
    #[error("latitude {0} is outside -90..=90 degrees")]
    Latitude(f64),
    #[error("longitude {0} is outside -180..=180 degrees")]
    Longitude(f64),
}

impl Site {
    /// A site at `latitude` degrees north and `longitude` degrees east
    /// (south and west negative). Returns every coordinate that is out of
    /// range or not a number, so a form can mark each field.
    pub fn new(latitude: f64, longitude: f64) -> Result<Site, Vec<SiteError>> {
        let mut errors = Vec::new();
        if !(-90.0..=90.0).contains(&latitude) {
            errors.push(SiteError::Latitude(latitude));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            errors.push(SiteError::Longitude(longitude));
        }
        if errors.is_empty() {
            Ok(Site {
                latitude,
                longitude,
            })
        } else {
            Err(errors)
        }
    }

    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    pub fn longitude(&self) -> f64 {
        self.longitude
    }
}

/// Where the sun stands in the sky at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolarPosition {
    /// Geometric elevation of the sun's centre above the horizon, degrees,
    /// *without* refraction: the quantity event thresholds are measured in.
    pub elevation: f64,
    /// Degrees clockwise from true north: 90 east, 180 south, 270 west.
    pub azimuth: f64,
}

impl SolarPosition {
    /// Elevation as seen through a standard atmosphere (NOAA's refraction
    /// model), degrees: what a person sees, up to half a degree higher than
    /// [`elevation`](Self::elevation) near the horizon.
    pub fn apparent_elevation(&self) -> f64 {
        self.elevation + noaa::refraction(self.elevation)
    }
}

/// The sun's position seen from `site` at `at`.
pub fn position(site: &Site, at: DateTime<Utc>) -> SolarPosition {
    let (elevation, azimuth) = noaa::position(site.latitude, site.longitude, unix_seconds(at));
    SolarPosition { elevation, azimuth }
}

/// How deep below the horizon a twilight ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Twilight {
    Civil,
    Nautical,
    Astronomical,
}

impl Twilight {
    /// Elevation of the sun's centre at this dawn and dusk, degrees.
    pub fn elevation(self) -> f64 {
        match self {
            Twilight::Civil => -6.0,
            Twilight::Nautical => -12.0,
            Twilight::Astronomical => -18.0,
        }
    }
}

/// Whether the sun is going up or down as it crosses an elevation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Rising,
    Setting,
}

/// A named moment of the solar day.
///
/// In JSON, the kind is under `"event"` and a twilight's depth under
/// `"twilight"`:
///
/// ```
/// use hearth_core::sun::{SunEvent, Twilight};
///
/// let dusk = SunEvent::Dusk(Twilight::Civil);
/// let json = r#"{"event":"dusk","twilight":"civil"}"#;
/// assert_eq!(serde_json::to_string(&dusk).unwrap(), json);
/// assert_eq!(serde_json::from_str::<SunEvent>(json).unwrap(), dusk);
/// assert_eq!(serde_json::to_string(&SunEvent::Sunrise).unwrap(), r#"{"event":"sunrise"}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "event", content = "twilight", rename_all = "snake_case")]
pub enum SunEvent {
    Sunrise,
    Sunset,
    /// The sun's transit: highest in the sky, due south or north.
    SolarNoon,
    /// The morning crossing of the twilight's elevation.
    Dawn(Twilight),
    /// The evening crossing of the twilight's elevation.
    Dusk(Twilight),
}

impl SunEvent {
    /// Every event, in the order of [`SunDay`]'s fields.
    pub const ALL: [SunEvent; 9] = [
        SunEvent::Sunrise,
        SunEvent::Sunset,
        SunEvent::SolarNoon,
        SunEvent::Dawn(Twilight::Civil),
        SunEvent::Dusk(Twilight::Civil),
        SunEvent::Dawn(Twilight::Nautical),
        SunEvent::Dusk(Twilight::Nautical),
        SunEvent::Dawn(Twilight::Astronomical),
        SunEvent::Dusk(Twilight::Astronomical),
    ];

    /// The elevation of the sun's centre this event is a crossing of, and in
    /// which direction; `None` for solar noon, which is a maximum instead.
    pub fn crossing(self) -> Option<(f64, Direction)> {
        match self {
            SunEvent::Sunrise => Some((SUNRISE_ELEVATION, Direction::Rising)),
            SunEvent::Sunset => Some((SUNRISE_ELEVATION, Direction::Setting)),
            SunEvent::SolarNoon => None,
            SunEvent::Dawn(twilight) => Some((twilight.elevation(), Direction::Rising)),
            SunEvent::Dusk(twilight) => Some((twilight.elevation(), Direction::Setting)),
        }
    }
}

/// Every event of one local day at one site, as the hub serves it (here
/// London on midsummer day, when astronomical twilight never ends):
///
/// ```json
/// {
///   "date": "2026-06-21",
///   "sunrise": "2026-06-21T03:43:05Z",
///   "sunset": "2026-06-21T20:21:35Z",
///   "solar_noon": "2026-06-21T12:02:20Z",
///   "civil_dawn": "2026-06-21T02:55:19Z",
///   "civil_dusk": "2026-06-21T21:09:21Z",
///   "nautical_dawn": "2026-06-21T01:40:38Z",
///   "nautical_dusk": "2026-06-21T22:24:01Z",
///   "astronomical_dawn": null,
///   "astronomical_dusk": null
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SunDay {
    /// The local calendar date in the site's time zone.
    pub date: NaiveDate,
    pub sunrise: Option<DateTime<Utc>>,
    pub sunset: Option<DateTime<Utc>>,
    pub solar_noon: Option<DateTime<Utc>>,
    pub civil_dawn: Option<DateTime<Utc>>,
    pub civil_dusk: Option<DateTime<Utc>>,
    pub nautical_dawn: Option<DateTime<Utc>>,
    pub nautical_dusk: Option<DateTime<Utc>>,
    pub astronomical_dawn: Option<DateTime<Utc>>,
    pub astronomical_dusk: Option<DateTime<Utc>>,
}

impl SunDay {
    /// The events at `site` on the local `date` in `tz`.
    pub fn new<Tz: TimeZone>(site: &Site, tz: &Tz, date: NaiveDate) -> SunDay {
        let at = |event| event_on(site, tz, date, event);
        SunDay {
            date,
            sunrise: at(SunEvent::Sunrise),
            sunset: at(SunEvent::Sunset),
            solar_noon: at(SunEvent::SolarNoon),
            civil_dawn: at(SunEvent::Dawn(Twilight::Civil)),
            civil_dusk: at(SunEvent::Dusk(Twilight::Civil)),
            nautical_dawn: at(SunEvent::Dawn(Twilight::Nautical)),
            nautical_dusk: at(SunEvent::Dusk(Twilight::Nautical)),
            astronomical_dawn: at(SunEvent::Dawn(Twilight::Astronomical)),
            astronomical_dusk: at(SunEvent::Dusk(Twilight::Astronomical)),
        }
    }

    pub fn get(&self, event: SunEvent) -> Option<DateTime<Utc>> {
        match event {
            SunEvent::Sunrise => self.sunrise,
            SunEvent::Sunset => self.sunset,
            SunEvent::SolarNoon => self.solar_noon,
            SunEvent::Dawn(Twilight::Civil) => self.civil_dawn,
            SunEvent::Dusk(Twilight::Civil) => self.civil_dusk,
            SunEvent::Dawn(Twilight::Nautical) => self.nautical_dawn,
            SunEvent::Dusk(Twilight::Nautical) => self.nautical_dusk,
            SunEvent::Dawn(Twilight::Astronomical) => self.astronomical_dawn,
            SunEvent::Dusk(Twilight::Astronomical) => self.astronomical_dusk,
        }
    }
}

/// When `event` happens at `site` on the local `date` in `tz`, or `None` if
/// it does not happen that day.
pub fn event_on<Tz: TimeZone>(
    site: &Site,
    tz: &Tz,
    date: NaiveDate,
    event: SunEvent,
) -> Option<DateTime<Utc>> {
    occurrences(site, tz, date, event.into()).next()
}

/// When the sun's centre crosses `elevation` degrees (geometric, as
/// [`SolarPosition::elevation`]) going in `direction` at `site` on the local
/// `date` in `tz`, or `None` if it does not that day (also for an elevation
/// outside ±90° or NaN, which the sun never crosses).
pub fn crossing_on<Tz: TimeZone>(
    site: &Site,
    tz: &Tz,
    date: NaiveDate,
    elevation: f64,
    direction: Direction,
) -> Option<DateTime<Utc>> {
    occurrences(site, tz, date, Target::Crossing(elevation, direction)).next()
}

/// The first `event` strictly after `after`, searching the local day (in `tz`)
/// that contains `after` and up to `horizon_days` local days beyond it, and
/// skipping days without the event; `None` if there is none in that span.
pub fn next<Tz: TimeZone>(
    site: &Site,
    tz: &Tz,
    event: SunEvent,
    after: DateTime<Utc>,
    horizon_days: u32,
) -> Option<DateTime<Utc>> {
    next_of(site, tz, event.into(), after, horizon_days)
}

/// Like [`next`], for a crossing of `elevation` degrees in `direction`.
pub fn next_crossing<Tz: TimeZone>(
    site: &Site,
    tz: &Tz,
    elevation: f64,
    direction: Direction,
    after: DateTime<Utc>,
    horizon_days: u32,
) -> Option<DateTime<Utc>> {
    next_of(
        site,
        tz,
        Target::Crossing(elevation, direction),
        after,
        horizon_days,
    )
}

/// What to solve for: the transit, or a crossing of an elevation.
#[derive(Debug, Clone, Copy)]
enum Target {
    Noon,
    Crossing(f64, Direction),
}

impl From<SunEvent> for Target {
    fn from(event: SunEvent) -> Target {
        match event.crossing() {
            Some((elevation, direction)) => Target::Crossing(elevation, direction),
            None => Target::Noon,
        }
    }
}

fn next_of<Tz: TimeZone>(
    site: &Site,
    tz: &Tz,
    target: Target,
    after: DateTime<Utc>,
    horizon_days: u32,
) -> Option<DateTime<Utc>> {
    let first_day = after.with_timezone(tz).date_naive();
    (0..=horizon_days)
        .map_while(|offset| first_day.checked_add_days(Days::new(offset.into())))
        .find_map(|date| occurrences(site, tz, date, target).find(|&at| at > after))
}

/// Every instant of `target` on the local `date`, earliest first.
///
/// Candidates come from the solar days numbered by the UTC dates two either
/// side of `date`: a local day lies within 24 hours of its UTC namesake for
/// any offset chrono can represent, and an event within 12 hours of its
/// transit, so these five solar days hold every event of the local day. The
/// local date of each candidate then decides, which handles 23- and 25-hour
/// days and events past midnight without computing the day's boundaries.
fn occurrences<Tz: TimeZone>(
    site: &Site,
    tz: &Tz,
    date: NaiveDate,
    target: Target,
) -> impl Iterator<Item = DateTime<Utc>> {
    let first = date.checked_sub_days(Days::new(2));
    (0..5)
        .filter_map(move |offset| first?.checked_add_days(Days::new(offset)))
        .filter_map(move |utc_date| solve(site, utc_date, target))
        .filter(move |at| at.with_timezone(tz).date_naive() == date)
}

/// `target` in the solar day numbered by `utc_date`, to the nearest second.
fn solve(site: &Site, utc_date: NaiveDate, target: Target) -> Option<DateTime<Utc>> {
    let midnight = utc_date.and_time(NaiveTime::MIN).and_utc().timestamp() as f64;
    let at = match target {
        Target::Noon => noaa::transit(site.longitude, midnight),
        Target::Crossing(elevation, direction) => noaa::crossing(
            site.latitude,
            site.longitude,
            midnight,
            elevation,
            direction,
        )?,
    };
    DateTime::from_timestamp(at.round() as i64, 0)
}

fn unix_seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp() as f64 + f64::from(at.timestamp_subsec_nanos()) * 1e-9
}
