//! The simulated house's physics, as pure functions from (climate, controls, time,
//! step) to the climate a moment later. Randomness (weather, the fridge door,
//! people coming and going) is drawn from the caller's generator, so one seed
//! replays the same day. Rates are in °C (or %) per hour; steps in seconds.

use std::f64::consts::PI;

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use hearth_core::HvacMode;
use rand::Rng;

/// The longest step integrated in one go; longer spans are cut into steps this
/// size, so a fast simulated clock stays as accurate as a slow one.
const MAX_STEP: TimeDelta = TimeDelta::seconds(60);

/// Peak-to-mean swing of the day/night outdoor curve, °C.
const DAY_NIGHT_AMPLITUDE: f64 = 5.0;
/// The coolest and warmest hours of the day (UTC stands in for local time).
const COOLEST_HOUR: f64 = 5.0;
const WARMEST_HOUR: f64 = 15.0;

/// Weather wanders away from the curve for hours at a time (AR(1) with this time
/// constant and spread).
const WEATHER_HOURS: f64 = 6.0;
const WEATHER_SPREAD: f64 = 2.0;
const DAMP_HOURS: f64 = 3.0;
const DAMP_SPREAD: f64 = 6.0;

/// The house's own central heating (not a device) keeps rooms from falling far
/// below this in winter, as any lived-in home would.
const BACKGROUND_HEATING: f64 = 19.5;
const BACKGROUND_GAIN: f64 = 4.0;
const BACKGROUND_MAX_RATE: f64 = 4.0;

/// An inverter climate unit throttles down within this many °C of its setpoint.
const THROTTLE_BAND: f64 = 0.5;

/// People in a room warm it and add moisture.
const OCCUPANT_HEAT: f64 = 0.3;
const OCCUPANT_DAMP: f64 = 4.0;

/// Relative humidity falls as air warms: sealed air loses about 3 points per °C
/// around room temperature, a lived-in room (people, plants, cooking) about half.
const HUMIDITY_PER_DEGREE: f64 = 1.5;
const HUMIDITY_HOURS: f64 = 1.0;
const HUMIDITY_SPREAD: f64 = 1.5;

/// A fridge leaks heat slowly through closed doors and fast through open ones;
/// its compressor pulls this hard and cycles this far either side of the setpoint.
const FRIDGE_CLOSED_HOURS: f64 = 10.0;
const FRIDGE_OPEN_HOURS: f64 = 0.25;
const FRIDGE_COMPRESSOR_RATE: f64 = 6.0;
const FRIDGE_HYSTERESIS: f64 = 1.0;

/// Battery sensors last a little over a year.
const BATTERY_DRAIN_PER_HOUR: f64 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoomId {
    Living,
    Bedroom,
    Kitchen,
}

impl RoomId {
    const ALL: [RoomId; 3] = [RoomId::Living, RoomId::Bedroom, RoomId::Kitchen];

    fn index(self) -> usize {
        self as usize
    }

    fn params(self) -> RoomParams {
        match self {
            // Big and well insulated, with a TV and people in it.
            RoomId::Living => RoomParams {
                envelope_hours: 18.0,
                gains: 0.3,
                humidity: 47.0,
            },
            RoomId::Bedroom => RoomParams {
                envelope_hours: 14.0,
                gains: 0.1,
                humidity: 50.0,
            },
            // Small, with appliances and cooking.
            RoomId::Kitchen => RoomParams {
                envelope_hours: 12.0,
                gains: 0.5,
                humidity: 55.0,
            },
        }
    }
}

struct RoomParams {
    /// Newton-cooling time constant towards the outdoor temperature: a room
    /// left unheated in winter loses about a degree an hour at first.
    envelope_hours: f64,
    /// Steady internal heat (appliances, lights), °C per hour.
    gains: f64,
    /// Typical relative humidity at 21 °C.
    humidity: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Room {
    pub(crate) temperature: f64,
    pub(crate) humidity: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fridge {
    pub(crate) temperature: f64,
    pub(crate) compressor: bool,
    /// How much longer the door stays open, seconds.
    pub(crate) door_open_s: f64,
}

/// Everything physical about the house at one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Climate {
    /// Today's weather's departure from the seasonal day/night curve, °C.
    pub(crate) weather: f64,
    /// Outdoor humidity's departure from its usual value, %.
    pub(crate) damp: f64,
    rooms: [Room; 3],
    pub(crate) fridge: Fridge,
    /// Whether anyone is in the living room.
    pub(crate) occupied: bool,
}

/// A running heater or air conditioner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ClimateUnit {
    pub(crate) room: RoomId,
    pub(crate) mode: HvacMode,
    pub(crate) setpoint: f64,
    /// How fast it moves its room at full power, °C per hour.
    pub(crate) capacity: f64,
}

/// What people have set, as the physics sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Controls {
    /// Units that are switched on.
    pub(crate) units: Vec<ClimateUnit>,
    pub(crate) fridge_setpoint: f64,
}

impl Climate {
    /// A plausible starting point: rooms at comfortable temperatures, the
    /// fridge at its setpoint, nobody home.
    pub(crate) fn new(fridge_setpoint: f64) -> Climate {
        let room = |temperature| Room {
            temperature,
            humidity: 50.0,
        };
        Climate {
            weather: 0.0,
            damp: 0.0,
            rooms: [room(20.5), room(19.5), room(21.0)],
            fridge: Fridge {
                temperature: fridge_setpoint,
                compressor: false,
                door_open_s: 0.0,
            },
            occupied: false,
        }
    }

    pub(crate) fn room(&self, id: RoomId) -> Room {
        self.rooms[id.index()]
    }

    pub(crate) fn room_mut(&mut self, id: RoomId) -> &mut Room {
        &mut self.rooms[id.index()]
    }

    pub(crate) fn outdoor_temperature(&self, at: DateTime<Utc>) -> f64 {
        seasonal_mean(at) + day_night(at) + self.weather
    }

    /// Outdoor air is dampest in the cool of the night.
    pub(crate) fn outdoor_humidity(&self, at: DateTime<Utc>) -> f64 {
        (75.0 - 3.0 * day_night(at) + self.damp).clamp(15.0, 100.0)
    }
}

/// The seasonal mean outdoor temperature of a temperate northern climate: about
/// 2 °C in mid-January, 18 °C in mid-July.
fn seasonal_mean(at: DateTime<Utc>) -> f64 {
    let day = f64::from(at.ordinal0());
    10.0 - 8.0 * (2.0 * PI * (day - 14.0) / 365.25).cos()
}

/// The day/night swing: a half-cosine rising from the coolest hour to the
/// warmest, then a slower one falling back overnight.
fn day_night(at: DateTime<Utc>) -> f64 {
    let hour = f64::from(at.num_seconds_from_midnight()) / 3600.0;
    let since_coolest = (hour - COOLEST_HOUR).rem_euclid(24.0);
    let rising = WARMEST_HOUR - COOLEST_HOUR;
    if since_coolest < rising {
        -DAY_NIGHT_AMPLITUDE * (PI * since_coolest / rising).cos()
    } else {
        DAY_NIGHT_AMPLITUDE * (PI * (since_coolest - rising) / (24.0 - rising)).cos()
    }
}

/// Moves the climate from `from` to `to`, in steps of at most [`MAX_STEP`].
pub(crate) fn advance(
    climate: &Climate,
    controls: &Controls,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Climate {
    let mut climate = climate.clone();
    let mut at = from;
    while at < to {
        let next = at.checked_add_signed(MAX_STEP).unwrap_or(to).min(to);
        climate = step(&climate, controls, at, (next - at).as_seconds_f64(), rng);
        at = next;
    }
    climate
}

/// One step of `dt_s` seconds starting at `at`.
fn step(
    climate: &Climate,
    controls: &Controls,
    at: DateTime<Utc>,
    dt_s: f64,
    rng: &mut impl Rng,
) -> Climate {
    let hours = dt_s / 3600.0;
    let hour_of_day = f64::from(at.hour());
    let outdoor = climate.outdoor_temperature(at);
    let mut next = climate.clone();

    next.weather = ar1(climate.weather, hours, WEATHER_HOURS, WEATHER_SPREAD, rng);
    next.damp = ar1(climate.damp, hours, DAMP_HOURS, DAMP_SPREAD, rng);

    for id in RoomId::ALL {
        let params = id.params();
        let room = climate.room(id);
        let occupied = id == RoomId::Living && climate.occupied;
        let unit = controls.units.iter().find(|u| u.room == id);

        let mut rate = params.gains + background_heating(room.temperature);
        let mut humidity = params.humidity - HUMIDITY_PER_DEGREE * (room.temperature - 21.0);
        if occupied {
            rate += OCCUPANT_HEAT;
            humidity += OCCUPANT_DAMP;
        }
        if let Some(unit) = unit {
            let (heat, drying) = unit_effect(unit, room.temperature);
            rate += heat;
            humidity -= drying;
        }
        let temperature =
            relax(room.temperature, outdoor, hours, params.envelope_hours) + rate * hours;
        let humidity = humidity.clamp(20.0, 80.0);
        let humidity = humidity
            + ar1(
                room.humidity - humidity,
                hours,
                HUMIDITY_HOURS,
                HUMIDITY_SPREAD,
                rng,
            );
        *next.room_mut(id) = Room {
            temperature,
            humidity: humidity.clamp(0.0, 100.0),
        };
    }

    next.fridge = fridge_step(
        climate.fridge,
        controls.fridge_setpoint,
        climate.room(RoomId::Kitchen).temperature,
        hour_of_day,
        dt_s,
        rng,
    );
    next.occupied = occupancy_step(climate.occupied, hour_of_day, hours, rng);
    next
}

/// A battery's charge after `dt_s` seconds, in percent.
pub(crate) fn drain_battery(level: f64, dt_s: f64) -> f64 {
    (level - BATTERY_DRAIN_PER_HOUR * dt_s / 3600.0).clamp(0.0, 100.0)
}

/// Exact Newton relaxation of `value` towards `target` over `hours`.
fn relax(value: f64, target: f64, hours: f64, time_constant_hours: f64) -> f64 {
    target + (value - target) * (-hours / time_constant_hours).exp()
}

/// One exact step of a mean-reverting AR(1) (Ornstein–Uhlenbeck) process with
/// the given time constant and stationary spread; valid for any step length.
fn ar1(value: f64, hours: f64, time_constant_hours: f64, spread: f64, rng: &mut impl Rng) -> f64 {
    let keep = (-hours / time_constant_hours).exp();
    value * keep + spread * (1.0 - keep * keep).sqrt() * standard_normal(rng)
}

/// Box–Muller; `rand` alone has no normal distribution.
fn standard_normal(rng: &mut impl Rng) -> f64 {
    // `1 - u` lies in (0, 1], so the logarithm is finite.
    let u = 1.0 - rng.random::<f64>();
    let v = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
}

fn background_heating(temperature: f64) -> f64 {
    ((BACKGROUND_HEATING - temperature) * BACKGROUND_GAIN).clamp(0.0, BACKGROUND_MAX_RATE)
}

/// How hard a running unit heats (positive) or cools (negative) its room, °C
/// per hour, and how many humidity points it takes out of the air.
fn unit_effect(unit: &ClimateUnit, temperature: f64) -> (f64, f64) {
    let demand = |gap: f64| (gap / THROTTLE_BAND).clamp(0.0, 1.0);
    let too_warm = demand(temperature - unit.setpoint);
    let too_cold = demand(unit.setpoint - temperature);
    match unit.mode {
        // Moisture condenses on the cold coil in proportion to the cooling.
        HvacMode::Cool => (-unit.capacity * too_warm, 5.0 * too_warm),
        HvacMode::Heat => (unit.capacity * too_cold, 0.0),
        HvacMode::Auto => (unit.capacity * (too_cold - too_warm), 5.0 * too_warm),
        // Dehumidifying runs the compressor gently: a little cooling, much drying.
        HvacMode::Dry => (-0.3 * unit.capacity * too_warm, 15.0),
        // Moving air changes neither its temperature nor its moisture.
        HvacMode::FanOnly => (0.0, 0.0),
    }
}

fn fridge_step(
    fridge: Fridge,
    setpoint: f64,
    kitchen: f64,
    hour_of_day: f64,
    dt_s: f64,
    rng: &mut impl Rng,
) -> Fridge {
    let open_s = fridge.door_open_s.min(dt_s);
    let closed_s = dt_s - open_s;
    let mut temperature = relax(
        fridge.temperature,
        kitchen,
        open_s / 3600.0,
        FRIDGE_OPEN_HOURS,
    );
    temperature = relax(temperature, kitchen, closed_s / 3600.0, FRIDGE_CLOSED_HOURS);
    if fridge.compressor {
        temperature -= FRIDGE_COMPRESSOR_RATE * dt_s / 3600.0;
    }
    let compressor = if temperature > setpoint + FRIDGE_HYSTERESIS {
        true
    } else if temperature < setpoint - FRIDGE_HYSTERESIS {
        false
    } else {
        fridge.compressor
    };
    let mut door_open_s = fridge.door_open_s - open_s;
    // People open the fridge through the day, rarely at night.
    let openings_per_hour = if (7.0..23.0).contains(&hour_of_day) {
        0.6
    } else {
        0.05
    };
    if door_open_s <= 0.0 && happens(openings_per_hour, dt_s / 3600.0, rng) {
        door_open_s = rng.random_range(10.0..60.0);
    }
    Fridge {
        temperature,
        compressor,
        door_open_s,
    }
}

/// People drift into the living room in the morning and evening and leave it
/// at night; a two-state Markov chain with hour-dependent rates.
fn occupancy_step(occupied: bool, hour_of_day: f64, hours: f64, rng: &mut impl Rng) -> bool {
    let (arrivals, departures) = match hour_of_day {
        h if (6.0..9.0).contains(&h) => (1.0, 1.5),
        h if (9.0..17.0).contains(&h) => (0.3, 1.0),
        h if (17.0..23.0).contains(&h) => (2.0, 0.4),
        _ => (0.05, 2.0),
    };
    let rate = if occupied { departures } else { arrivals };
    occupied != happens(rate, hours, rng)
}

/// Whether an event with the given rate per hour happens within `hours`.
fn happens(rate_per_hour: f64, hours: f64, rng: &mut impl Rng) -> bool {
    rng.random::<f64>() < 1.0 - (-rate_per_hour * hours).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use std::ops::RangeInclusive;

    fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
    }

    fn ac(mode: HvacMode, setpoint: f64) -> ClimateUnit {
        ClimateUnit {
            room: RoomId::Living,
            mode,
            setpoint,
            capacity: 4.0,
        }
    }

    fn heater(setpoint: f64) -> ClimateUnit {
        ClimateUnit {
            room: RoomId::Bedroom,
            mode: HvacMode::Heat,
            setpoint,
            capacity: 3.0,
        }
    }

    fn controls(units: Vec<ClimateUnit>) -> Controls {
        Controls {
            units,
            fridge_setpoint: 4.0,
        }
    }

    /// A hot summer house: rooms at 27 °C.
    fn hot_house() -> Climate {
        let mut climate = Climate::new(4.0);
        for id in RoomId::ALL {
            climate.room_mut(id).temperature = 27.0;
        }
        climate
    }

    /// Runs the physics from `start` for `hours`, sampling once a simulated
    /// minute, with a fixed seed so every run is the same.
    fn trajectory(
        climate: Climate,
        controls: &Controls,
        start: DateTime<Utc>,
        hours: i64,
        step_minutes: i64,
    ) -> Vec<(DateTime<Utc>, Climate)> {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut samples = vec![(start, climate)];
        for n in 1..=hours * 60 / step_minutes {
            let (from, climate) = samples.last().unwrap().clone();
            let to = start + TimeDelta::minutes(n * step_minutes);
            samples.push((to, advance(&climate, controls, from, to, &mut rng)));
        }
        samples
    }

    fn last(samples: &[(DateTime<Utc>, Climate)]) -> &Climate {
        &samples.last().unwrap().1
    }

    fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
    }

    fn all_finite(samples: &[(DateTime<Utc>, Climate)]) -> bool {
        samples.iter().all(|(at, c)| {
            let rooms = RoomId::ALL.iter().flat_map(|&id| {
                let room = c.room(id);
                [room.temperature, room.humidity]
            });
            rooms
                .chain([
                    c.outdoor_temperature(*at),
                    c.outdoor_humidity(*at),
                    c.fridge.temperature,
                    c.weather,
                    c.damp,
                ])
                .all(f64::is_finite)
        })
    }

    /// The hours at which the day/night curve (calm weather) is warmest and coolest.
    fn curve_extremes(day: DateTime<Utc>) -> (f64, f64) {
        let calm = Climate::new(4.0);
        let samples: Vec<(f64, f64)> = (0..24 * 6)
            .map(|n| {
                let at = day + TimeDelta::minutes(10 * n);
                (n as f64 / 6.0, calm.outdoor_temperature(at))
            })
            .collect();
        let hour = |s: Option<&(f64, f64)>| s.map_or(f64::NAN, |s| s.0);
        (
            hour(samples.iter().max_by(|a, b| a.1.total_cmp(&b.1))),
            hour(samples.iter().min_by(|a, b| a.1.total_cmp(&b.1))),
        )
    }

    fn check(what: &str, got: f64, want: RangeInclusive<f64>) {
        assert!(want.contains(&got), "{what}: got {got:.3}, want {want:?}");
    }

    #[test]
    fn the_house_behaves_plausibly() {
        let summer = at(7, 15, 14);
        let winter = at(1, 15, 0);
        let hour = |units| trajectory(hot_house(), &controls(units), summer, 1, 1);
        let off = hour(vec![]);
        let cooling = hour(vec![ac(HvacMode::Cool, 22.0)]);
        let winter_hour = |units| trajectory(Climate::new(4.0), &controls(units), winter, 1, 1);
        let (heating, unheated) = (winter_hour(vec![heater(24.0)]), winter_hour(vec![]));
        let fanning = hour(vec![ac(HvacMode::FanOnly, 18.0)]);
        let living = |s: &[(DateTime<Utc>, Climate)]| last(s).room(RoomId::Living);
        let bedroom = |s: &[(DateTime<Utc>, Climate)]| last(s).room(RoomId::Bedroom);

        let night = trajectory(hot_house(), &controls(vec![]), at(7, 15, 22), 8, 10);
        let day = trajectory(Climate::new(4.0), &controls(vec![]), at(4, 1, 0), 24, 10);
        let fridge_day = trajectory(Climate::new(4.0), &controls(vec![]), at(8, 1, 0), 24, 1);
        let (fridge_low, fridge_high) =
            range_of(fridge_day.iter().map(|(_, c)| c.fridge.temperature));
        let cold_week = trajectory(hot_house(), &controls(vec![]), winter, 24 * 7, 60);
        let (humid_low, humid_high) = range_of(
            cold_week
                .iter()
                .flat_map(|(_, c)| RoomId::ALL.map(|id| c.room(id).humidity)),
        );
        let (warmest, coolest) = curve_extremes(at(4, 1, 0));
        let flips = day
            .windows(2)
            .filter(|w| w[0].1.occupied != w[1].1.occupied);

        let table = [
            (
                "AC cooling: living room vs AC off after an hour (°C)",
                living(&cooling).temperature - living(&off).temperature,
                -10.0..=-2.0,
            ),
            (
                "AC cooling: living room ends near its setpoint (°C)",
                living(&cooling).temperature,
                21.5..=23.5,
            ),
            (
                "AC cooling: living room humidity stays comfortable (%)",
                living(&cooling).humidity,
                35.0..=65.0,
            ),
            (
                "fan only: living room vs off (°C)",
                living(&fanning).temperature - living(&off).temperature,
                -0.1..=0.1,
            ),
            (
                "heater: bedroom vs heater off after a winter night's hour (°C)",
                bedroom(&heating).temperature - bedroom(&unheated).temperature,
                1.5..=10.0,
            ),
            (
                "with nothing on, a hot room cools over a summer night (°C lost)",
                27.0 - last(&night).room(RoomId::Living).temperature,
                1.0..=6.0,
            ),
            ("hour of the warmest outdoors", warmest, 13.0..=17.0),
            ("hour of the coolest outdoors", coolest, 3.0..=7.0),
            (
                "winter: central heating holds the living room (°C)",
                last(&cold_week).room(RoomId::Living).temperature,
                17.0..=22.0,
            ),
            ("fridge coldest over a day (°C)", fridge_low, 2.0..=7.0),
            ("fridge warmest over a day (°C)", fridge_high, 2.0..=7.0),
            (
                "room humidity lowest over a week (%)",
                humid_low,
                25.0..=70.0,
            ),
            (
                "room humidity highest over a week (%)",
                humid_high,
                30.0..=75.0,
            ),
            (
                "occupancy changes over a day",
                flips.count() as f64,
                2.0..=40.0,
            ),
            (
                "every number stays finite over a week (1 = yes)",
                f64::from(u8::from(all_finite(&cold_week) && all_finite(&day))),
                1.0..=1.0,
            ),
            (
                "battery after a simulated month (%)",
                drain_battery(80.0, 30.0 * 24.0 * 3600.0),
                72.0..=79.0,
            ),
            (
                "a battery never drains below empty (%)",
                drain_battery(0.5, 1e9),
                0.0..=0.0,
            ),
        ];
        for (what, got, want) in table {
            check(what, got, want);
        }
    }

    #[test]
    fn one_long_jump_matches_many_short_steps_in_outcome() {
        // A fast simulated clock hands the physics long spans; cutting them into
        // minute steps must keep the result physical.
        let start = at(7, 15, 14);
        let cooling = controls(vec![ac(HvacMode::Cool, 22.0)]);
        let mut rng = SmallRng::seed_from_u64(3);
        let jumped = advance(
            &hot_house(),
            &cooling,
            start,
            start + TimeDelta::hours(3),
            &mut rng,
        );
        check(
            "living room after a 3 h jump with the AC on (°C)",
            jumped.room(RoomId::Living).temperature,
            21.5..=23.5,
        );
    }
}
