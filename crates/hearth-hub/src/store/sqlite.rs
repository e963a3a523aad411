//! The default store: one SQLite file (`hearth.db`) in the data directory, in WAL
//! mode, migrated forward by `user_version`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hearth_core::{DeviceId, DeviceState, Metric, Reading};
use rusqlite::{Connection, ErrorCode, TransactionBehavior, params};

use super::{Restored, Store, StoreError, Write};

pub(crate) const FILE_NAME: &str = "hearth.db";

/// Schema changes, applied in order; `user_version` counts how many are in. Never
/// edit a released entry: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: readings history, the latest reading per series (so start-up does not
    // scan the history), and each device's last commanded state.
    "CREATE TABLE readings (
         device TEXT NOT NULL,
         metric TEXT NOT NULL,
         value  REAL NOT NULL,
         at_us  INTEGER NOT NULL -- microseconds since the Unix epoch
     );
     CREATE INDEX readings_by_series ON readings (device, metric, at_us);
     CREATE TABLE latest_readings (
         device TEXT NOT NULL,
         metric TEXT NOT NULL,
         value  REAL NOT NULL,
         at_us  INTEGER NOT NULL,
         PRIMARY KEY (device, metric)
     ) WITHOUT ROWID;
     CREATE TABLE device_states (
         device TEXT PRIMARY KEY,
         state  TEXT NOT NULL, -- DeviceState as JSON
         at_us  INTEGER NOT NULL
     ) WITHOUT ROWID;",
];

/// How long to wait for a lock held by someone else before calling it locked.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub(crate) struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) `hearth.db` in `data_dir` and brings its schema
    /// up to date.
    pub(crate) fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(FILE_NAME);
        let fail = |source: rusqlite::Error| opening_error(&path, source);
        let mut conn = Connection::open(&path).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // Exclusive locking: the hub is the only process that touches its
        // database, and a second hub pointed at the same directory is refused at
        // start-up instead of interleaving its writes with ours.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        // With WAL, NORMAL loses at most the last commits on power loss, never
        // consistency, and spares an fsync per batch.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        migrate(&mut conn, &path)?;
        Ok(SqliteStore { conn })
    }
}

fn opening_error(path: &Path, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
            path: path.to_owned(),
        },
        _ => StoreError::Open {
            path: path.to_owned(),
            source,
        },
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let fail = |source| opening_error(path, source);
    // An exclusive transaction takes the write lock even when there is nothing
    // to migrate, and exclusive locking mode keeps it until the store closes.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Exclusive)
        .map_err(fail)?;
    let found: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(fail)?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::TooNew {
            path: PathBuf::from(path),
            found,
            known,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

impl Store for SqliteStore {
    fn load(&mut self) -> Result<Restored, StoreError> {
        let mut restored = Restored::default();
        let mut states = self
            .conn
            .prepare("SELECT device, state FROM device_states ORDER BY device")?;
        let rows = states.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (device, json) = row?;
            match serde_json::from_str::<DeviceState>(&json) {
                Ok(state) => restored.states.push((DeviceId::new(device), state)),
                // One unreadable row must not keep the hub from starting.
                Err(error) => tracing::warn!(%device, %error, "skipping unreadable saved state"),
            }
        }

        let mut latest = self.conn.prepare(
            "SELECT device, metric, value, at_us FROM latest_readings ORDER BY device, metric",
        )?;
        let rows = latest.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, f64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (device, metric, value, at_us) = row?;
            let (Some(metric), Some(at)) = (
                metric_from_sql(&metric),
                DateTime::<Utc>::from_timestamp_micros(at_us),
            ) else {
                tracing::warn!(%device, %metric, at_us, "skipping unreadable saved reading");
                continue;
            };
            restored
                .readings
                .push(Reading::new(DeviceId::new(device), metric, value, at));
        }
        Ok(restored)
    }

    fn write(&mut self, batch: &[Write]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut history = tx.prepare_cached(
                "INSERT INTO readings (device, metric, value, at_us) VALUES (?1, ?2, ?3, ?4)",
            )?;
            // Readings may arrive out of order; the latest is the newest, not the
            // last written.
            let mut latest = tx.prepare_cached(
                "INSERT INTO latest_readings (device, metric, value, at_us) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (device, metric) DO UPDATE
                 SET value = excluded.value, at_us = excluded.at_us
                 WHERE excluded.at_us >= latest_readings.at_us",
            )?;
            let mut state = tx.prepare_cached(
                "INSERT INTO device_states (device, state, at_us) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device) DO UPDATE SET state = excluded.state, at_us = excluded.at_us",
            )?;
            for write in batch {
                match write {
                    // Only canonical units pass validation, so the unit is implied
                    // by the metric and not stored.
                    Write::Reading(reading) => {
                        let row = params![
                            reading.device.as_str(),
                            metric_to_sql(reading.metric),
                            reading.value,
                            reading.at.timestamp_micros()
                        ];
                        history.execute(row)?;
                        latest.execute(row)?;
                    }
                    Write::State {
                        device,
                        state: device_state,
                        at,
                    } => {
                        state.execute(params![
                            device.as_str(),
                            serde_json::to_string(device_state)?,
                            at.timestamp_micros()
                        ])?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Metric names as stored. They are a storage format of their own, so they are
/// spelled out here rather than borrowed from the wire protocol.
fn metric_to_sql(metric: Metric) -> &'static str {
    match metric {
        Metric::Temperature => "temperature",
        Metric::Humidity => "humidity",
        Metric::Battery => "battery",
        Metric::Occupancy => "occupancy",
    }
}

fn metric_from_sql(name: &str) -> Option<Metric> {
    Some(match name {
        "temperature" => Metric::Temperature,
        "humidity" => Metric::Humidity,
        "battery" => Metric::Battery,
        "occupancy" => Metric::Occupancy,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use hearth_core::HvacMode;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, minute, 0).unwrap()
    }

    fn reading(device: &str, metric: Metric, value: f64, minute: u32) -> Reading {
        Reading::new(DeviceId::new(device), metric, value, at(minute))
    }

    fn state(on: bool) -> DeviceState {
        DeviceState {
            on: Some(on),
            setpoint: Some(22.5),
            mode: Some(HvacMode::Cool),
            fan_speed: Some(2),
        }
    }

    #[test]
    fn restores_latest_reading_per_series_and_last_state_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let ac = DeviceId::new("living-room-ac");
        store
            .write(&[
                Write::Reading(reading("fridge", Metric::Temperature, 4.5, 2)),
                // Older than the one before it: history only, not the latest.
                Write::Reading(reading("fridge", Metric::Temperature, 3.5, 1)),
                Write::Reading(reading("bedroom", Metric::Humidity, 48.25, 1)),
                Write::State {
                    device: ac.clone(),
                    state: state(true),
                    at: at(1),
                },
            ])
            .unwrap();
        store
            .write(&[Write::State {
                device: ac.clone(),
                state: state(false),
                at: at(3),
            }])
            .unwrap();
        drop(store);

        let restored = SqliteStore::open(dir.path()).unwrap().load().unwrap();
        assert_eq!(
            restored,
            Restored {
                states: vec![(ac, state(false))],
                readings: vec![
                    reading("bedroom", Metric::Humidity, 48.25, 1),
                    reading("fridge", Metric::Temperature, 4.5, 2),
                ],
            }
        );
    }

    #[test]
    fn a_second_opener_is_told_the_database_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let _first = SqliteStore::open(dir.path()).unwrap();
        let second = SqliteStore::open(dir.path());
        assert!(
            matches!(second, Err(StoreError::Locked { .. })),
            "{second:?}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), vec![b'x'; 4096]).unwrap();
        let opened = SqliteStore::open(dir.path());
        assert!(matches!(opened, Err(StoreError::Open { .. })), "{opened:?}");
    }

    #[test]
    fn a_schema_from_a_newer_hub_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Connection::open(dir.path().join(FILE_NAME))
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let opened = SqliteStore::open(dir.path());
        assert!(
            matches!(opened, Err(StoreError::TooNew { found: 99, .. })),
            "{opened:?}"
        );
    }

    #[test]
    fn metric_names_round_trip() {
        for metric in [
            Metric::Temperature,
            Metric::Humidity,
            Metric::Battery,
            Metric::Occupancy,
        ] {
            assert_eq!(metric_from_sql(metric_to_sql(metric)), Some(metric));
        }
        assert_eq!(metric_from_sql("pressure"), None);
    }
}
