//! `--backfill DAYS`: the simulated house's past, written straight into the store
//! before the hub starts, so a new user's charts show a whole year at once. The
//! physics is the live simulator's, run in simulated time with one-minute steps;
//! readings older than raw retention go into the rollups only.

use std::time::Instant;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use hearth_core::Resolution;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use super::house::House;
use super::{SimulatorConfig, seed_from_clock};
use crate::store::{Retention, Store, StoreError, Write};

/// One sensor reading per metric per simulated minute.
const STEP: TimeDelta = TimeDelta::minutes(1);

/// Writes per transaction: large enough that commits cost nothing much, small
/// enough to bound memory (about a day of the whole house).
const BATCH: usize = 20_000;

/// Writes `config.backfill_days` of history ending at `now`, stopping where the
/// store's own history begins, so running it again adds nothing.
pub(crate) fn backfill(
    store: &mut impl Store,
    config: &SimulatorConfig,
    retention: Retention,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if config.backfill_days == 0 {
        return Ok(());
    }
    let days = TimeDelta::days(i64::from(config.backfill_days));
    let start = now
        .checked_sub_signed(days)
        .and_then(|start| start.duration_trunc(STEP).ok())
        .unwrap_or(now);
    let end = store.oldest()?.map_or(now, |oldest| oldest.min(now));
    if end - start < STEP {
        tracing::info!(
            days = config.backfill_days,
            "history already there; nothing to backfill"
        );
        return Ok(());
    }
    let began = Instant::now();
    let raw_from = retention.horizon(Resolution::Raw, now);
    let mut rng = SmallRng::seed_from_u64(config.seed.unwrap_or_else(seed_from_clock));
    let mut house = House::new();
    house.restore(&[], start);
    let sensors = house.sensors();
    let mut batch = Vec::with_capacity(BATCH + 32);
    let mut written = 0;
    let mut at = start;
    while at < end {
        house.advance_to(at, &mut rng);
        for id in &sensors {
            for reading in house.readings(id, &mut rng) {
                batch.push(if at >= raw_from {
                    Write::Reading(reading)
                } else {
                    Write::RollupOnly(reading)
                });
            }
        }
        if batch.len() >= BATCH {
            store.write(&batch)?;
            written += batch.len();
            batch.clear();
        }
        at += STEP;
    }
    store.write(&batch)?;
    written += batch.len();
    tracing::info!(
        from = %start,
        to = %end,
        readings = written,
        seconds = began.elapsed().as_secs_f64(),
        "backfilled simulated history"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Scan;
    use crate::store::sqlite::SqliteStore;
    use chrono::TimeZone;
    use hearth_core::{DeviceId, Metric};
    use std::ops::ControlFlow;

    /// Rows and readings stored for the outdoor temperature over `from..to`.
    fn stored(
        store: &SqliteStore,
        resolution: Resolution,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> (usize, u64) {
        let scan = Scan {
            device: DeviceId::new("outdoor-thermometer"),
            metric: Metric::Temperature,
            resolution,
            from_us: from.timestamp_micros(),
            to_us: to.timestamp_micros(),
        };
        let (mut rows, mut readings) = (0, 0);
        store
            .history()
            .scan(&scan, &mut |row| {
                rows += 1;
                readings += row.count;
                ControlFlow::Continue(())
            })
            .unwrap();
        (rows, readings)
    }

    #[test]
    fn backfill_writes_each_minute_once_and_raw_rows_only_within_raw_retention() {
        let dir = tempfile::tempdir().unwrap();
        let retention = Retention {
            raw: TimeDelta::days(1),
            minute: TimeDelta::days(365),
        };
        let mut store = SqliteStore::open(dir.path(), retention).unwrap();
        let config = SimulatorConfig {
            seed: Some(3),
            backfill_days: 3,
            ..SimulatorConfig::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let from = now - TimeDelta::days(3);
        let table = [
            (Resolution::Raw, (1440, 1440)),
            (Resolution::Minute, (4320, 4320)),
            (Resolution::Hour, (72, 4320)),
        ];
        // The second run, an hour later, finds the span covered and adds nothing.
        for later in [TimeDelta::zero(), TimeDelta::hours(1)] {
            backfill(&mut store, &config, retention, now + later).unwrap();
            for (resolution, want) in table {
                assert_eq!(
                    stored(&store, resolution, from, now),
                    want,
                    "{resolution:?} after {later}"
                );
            }
        }
        let latest = store.load().unwrap().readings;
        assert!(
            latest.iter().all(|r| r.at == now - STEP),
            "the latest readings are the last minute's: {latest:?}"
        );
    }
}
