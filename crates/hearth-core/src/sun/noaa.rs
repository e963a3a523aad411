//! The NOAA solar calculator's equations (after Meeus, *Astronomical
//! Algorithms*): the sun's declination and the equation of time at an instant,
//! and from them its elevation, azimuth, transit and threshold crossings.
//!
//! Instants are seconds since the Unix epoch as `f64` (UT; the ~70 s between UT
//! and terrestrial time moves the sun by under 0.001°, so it is ignored, as
//! NOAA does). Angles are degrees at this module's boundary.

use super::Direction;

const SECONDS_PER_DAY: f64 = 86_400.0;
const UNIX_EPOCH_JULIAN_DAY: f64 = 2_440_587.5;
const J2000_JULIAN_DAY: f64 = 2_451_545.0;

/// Passes stop once an estimate moves by less than this many seconds; far
/// below the output's one-second resolution, and reached in 2–4 passes.
const CONVERGED_SECONDS: f64 = 0.01;

/// An estimate that has not settled after this many passes is not trusted.
/// Only grazing crossings (the sun barely reaching the threshold, near the
/// first or last day of polar day or night) get here: each pass there moves
/// the estimate by a large multiple of the declination's tiny daily change.
const MAX_PASSES: usize = 12;

/// The two slowly changing quantities every other result is derived from.
#[derive(Debug, Clone, Copy)]
struct Ephemeris {
    /// The sun's declination, radians.
    declination: f64,
    /// Apparent minus mean solar time, minutes.
    equation_of_time: f64,
}

fn ephemeris(at: f64) -> Ephemeris {
    let jc = (at / SECONDS_PER_DAY + UNIX_EPOCH_JULIAN_DAY - J2000_JULIAN_DAY) / 36_525.0;
    let mean_longitude = (280.46646 + jc * (36000.76983 + jc * 0.0003032)).rem_euclid(360.0);
    let mean_anomaly = (357.52911 + jc * (35999.05029 - 0.0001537 * jc)).to_radians();
    let eccentricity = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc);
    let centre = mean_anomaly.sin() * (1.914602 - jc * (0.004817 + 0.000014 * jc))
        + (2.0 * mean_anomaly).sin() * (0.019993 - 0.000101 * jc)
        + (3.0 * mean_anomaly).sin() * 0.000289;
    // Nutation and aberration, through the longitude of the Moon's ascending node.
    let node = (125.04 - 1934.136 * jc).to_radians();
    let apparent_longitude =
        (mean_longitude + centre - 0.00569 - 0.00478 * node.sin()).to_radians();
    let mean_obliquity =
        23.0 + (26.0 + (21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))) / 60.0) / 60.0;
    let obliquity = (mean_obliquity + 0.00256 * node.cos()).to_radians();

    let declination = (obliquity.sin() * apparent_longitude.sin()).asin();
    let y = (obliquity / 2.0).tan().powi(2);
    let l0 = mean_longitude.to_radians();
    let (e, m) = (eccentricity, mean_anomaly);
    let equation_of_time = y * (2.0 * l0).sin() - 2.0 * e * m.sin()
        + 4.0 * e * y * m.sin() * (2.0 * l0).cos()
        - 0.5 * y * y * (4.0 * l0).sin()
        - 1.25 * e * e * (2.0 * m).sin();
    Ephemeris {
        declination,
        equation_of_time: 4.0 * equation_of_time.to_degrees(),
    }
}

/// Geometric elevation and azimuth (degrees; azimuth clockwise from north) of
/// the sun's centre, seen from `latitude`, `longitude` at `at`.
pub(super) fn position(latitude: f64, longitude: f64, at: f64) -> (f64, f64) {
    let Ephemeris {
        declination,
        equation_of_time,
    } = ephemeris(at);
    let minutes_into_utc_day = at.rem_euclid(SECONDS_PER_DAY) / 60.0;
    let true_solar_minutes = minutes_into_utc_day + equation_of_time + 4.0 * longitude;
    let hour_angle = (true_solar_minutes / 4.0 - 180.0).to_radians();
    let latitude = latitude.to_radians();

    let sin_elevation =
        latitude.sin() * declination.sin() + latitude.cos() * declination.cos() * hour_angle.cos();
    // Rounding can push the sine a hair past ±1 with the sun at the zenith.
    let elevation = sin_elevation.clamp(-1.0, 1.0).asin().to_degrees();
    // atan2 rather than NOAA's acos-and-branch form: the same angle, without
    // a division that fails with the sun at the zenith.
    let azimuth = hour_angle
        .sin()
        .atan2(hour_angle.cos() * latitude.sin() - declination.tan() * latitude.cos())
        .to_degrees()
        + 180.0;
    (elevation, azimuth.rem_euclid(360.0))
}

/// NOAA's atmospheric refraction (degrees) for a geometric `elevation`, for
/// standard pressure and temperature.
pub(super) fn refraction(elevation: f64) -> f64 {
    let tan = elevation.to_radians().tan();
    let arc_seconds = if elevation > 85.0 {
        0.0
    } else if elevation > 5.0 {
        58.1 / tan - 0.07 / tan.powi(3) + 0.000086 / tan.powi(5)
    } else if elevation > -0.575 {
        1735.0
            + elevation * (-518.2 + elevation * (103.4 + elevation * (-12.79 + elevation * 0.711)))
    } else {
        -20.772 / tan
    };
    arc_seconds / 3600.0
}

/// The instant, `utc_midnight` plus so many minutes, at which the sun's hour
/// angle is `hour_angle` degrees; NOAA's solar-noon formula shifted by it.
fn at_hour_angle(longitude: f64, utc_midnight: f64, hour_angle: f64, ephemeris: Ephemeris) -> f64 {
    utc_midnight + 60.0 * (720.0 - 4.0 * longitude - ephemeris.equation_of_time + 4.0 * hour_angle)
}

/// The sun's upper transit (solar noon) numbered by the UTC day that starts at
/// `utc_midnight`: consecutive days give consecutive transits, each within
/// that day's 24 hours give or take the equation of time.
pub(super) fn transit(longitude: f64, utc_midnight: f64) -> f64 {
    let mut estimate = utc_midnight + 60.0 * (720.0 - 4.0 * longitude);
    for _ in 0..MAX_PASSES {
        let next = at_hour_angle(longitude, utc_midnight, 0.0, ephemeris(estimate));
        let settled = (next - estimate).abs() < CONVERGED_SECONDS;
        estimate = next;
        if settled {
            break;
        }
    }
    estimate
}

/// The instant within 12 hours before (rising) or after (setting) the transit
/// of [`transit`]'s numbering at which the sun's centre crosses `elevation`
/// degrees, or `None` if it stays above or below it.
///
/// This is NOAA's hour-angle formula iterated: each pass re-evaluates the
/// declination and the equation of time at the previous estimate, so the
/// result is where the elevation of [`position`] equals `elevation` exactly
/// (a single pass from solar noon's declination is off by up to ~75 s).
/// When the sun only grazes the threshold near midnight, on the first or last
/// day of a polar or white-night season, the iteration cannot settle (noon's
/// declination may even say there is no crossing); the crossing is then
/// found by bisection on the elevation itself, which needs only a bracket.
pub(super) fn crossing(
    latitude: f64,
    longitude: f64,
    utc_midnight: f64,
    elevation: f64,
    direction: Direction,
) -> Option<f64> {
    let side = match direction {
        Direction::Rising => -1.0,
        Direction::Setting => 1.0,
    };
    let noon = transit(longitude, utc_midnight);
    iterate_hour_angle(latitude, longitude, utc_midnight, noon, elevation, side)
        .or_else(|| bisect(latitude, longitude, utc_midnight, noon, elevation, side))
}

fn iterate_hour_angle(
    latitude: f64,
    longitude: f64,
    utc_midnight: f64,
    noon: f64,
    elevation: f64,
    side: f64,
) -> Option<f64> {
    let (sin_elevation, latitude) = (elevation.to_radians().sin(), latitude.to_radians());
    let mut estimate = noon;
    for _ in 0..MAX_PASSES {
        let ephemeris = ephemeris(estimate);
        let cos_hour_angle = (sin_elevation - latitude.sin() * ephemeris.declination.sin())
            / (latitude.cos() * ephemeris.declination.cos());
        // Outside ±1 the sun does not reach the threshold at this estimate's
        // declination; NaN means a NaN threshold.
        if !(-1.0..=1.0).contains(&cos_hour_angle) {
            return None;
        }
        let hour_angle = side * cos_hour_angle.acos().to_degrees();
        let next = at_hour_angle(longitude, utc_midnight, hour_angle, ephemeris);
        if (next - estimate).abs() < CONVERGED_SECONDS {
            return Some(next);
        }
        estimate = next;
    }
    None
}

/// The crossing between solar noon and the midnight on `side` of it, if the
/// sun is above `elevation` at the one and below it at the other.
fn bisect(
    latitude: f64,
    longitude: f64,
    utc_midnight: f64,
    noon: f64,
    elevation: f64,
    side: f64,
) -> Option<f64> {
    let above = |at: f64| position(latitude, longitude, at).0 > elevation;
    let midnight = at_hour_angle(longitude, utc_midnight, side * 180.0, ephemeris(noon));
    if !above(noon) || above(midnight) {
        return None;
    }
    let (mut high, mut low) = (noon, midnight);
    while (low - high).abs() >= CONVERGED_SECONDS {
        let middle = (high + low) / 2.0;
        if above(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    Some((high + low) / 2.0)
}
