//! The default store: one SQLite file (`hearth.db`) in the data directory, in WAL
//! mode, migrated forward by `user_version`. One connection writes (on the
//! store's writer thread); [`reader::SqliteHistory`] reads beside it, which WAL
//! allows without either waiting for the other.

mod reader;
mod rollup;
pub(crate) mod tokens;
pub(crate) mod users;

use std::collections::HashMap;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hearth_core::rules::{Rule, RuleMemory, Trace};
use hearth_core::{DeviceId, DeviceState, Metric, Reading, Resolution};
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};

use super::{History, Restored, Retention, SavedRule, Store, StoreError, TRACES_KEPT, Write};
use reader::SqliteHistory;
use rollup::{Rollups, Series};

pub(crate) const FILE_NAME: &str = "hearth.db";

/// Held (with an OS file lock) while a hub has the database open, so a second
/// hub on the same data directory is refused instead of interleaving writes.
const LOCK_FILE_NAME: &str = "hearth.lock";

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
    // 2: 1-minute and 1-hour rollups, keyed by a small series number rather than
    // two strings per row, and filled from the readings already kept. `last_us`
    // is the time of `last`, so a late reading does not overwrite a newer one.
    "CREATE TABLE series (
         id     INTEGER PRIMARY KEY,
         device TEXT NOT NULL,
         metric TEXT NOT NULL,
         UNIQUE (device, metric)
     );
     CREATE TABLE minute_rollups (
         series   INTEGER NOT NULL,
         start_us INTEGER NOT NULL,
         minimum  REAL NOT NULL,
         maximum  REAL NOT NULL,
         total    REAL NOT NULL,
         samples  INTEGER NOT NULL,
         last     REAL NOT NULL,
         last_us  INTEGER NOT NULL,
         PRIMARY KEY (series, start_us)
     ) WITHOUT ROWID;
     CREATE TABLE hour_rollups (
         series   INTEGER NOT NULL,
         start_us INTEGER NOT NULL,
         minimum  REAL NOT NULL,
         maximum  REAL NOT NULL,
         total    REAL NOT NULL,
         samples  INTEGER NOT NULL,
         last     REAL NOT NULL,
         last_us  INTEGER NOT NULL,
         PRIMARY KEY (series, start_us)
     ) WITHOUT ROWID;
     INSERT INTO series (device, metric)
         SELECT DISTINCT device, metric FROM readings ORDER BY device, metric;
     INSERT INTO minute_rollups
         SELECT s.id, g.start_us, g.lo, g.hi, g.total, g.n,
                (SELECT r.value FROM readings AS r
                 WHERE r.device = g.device AND r.metric = g.metric AND r.at_us = g.last_us
                 ORDER BY r.rowid DESC LIMIT 1),
                g.last_us
         FROM (SELECT device, metric,
                      at_us - (((at_us % 60000000) + 60000000) % 60000000) AS start_us,
                      min(value) AS lo, max(value) AS hi, sum(value) AS total,
                      count(*) AS n, max(at_us) AS last_us
               FROM readings GROUP BY device, metric, start_us) AS g
         JOIN series AS s ON s.device = g.device AND s.metric = g.metric;
     INSERT INTO hour_rollups
         SELECT s.id, g.start_us, g.lo, g.hi, g.total, g.n,
                (SELECT r.value FROM readings AS r
                 WHERE r.device = g.device AND r.metric = g.metric AND r.at_us = g.last_us
                 ORDER BY r.rowid DESC LIMIT 1),
                g.last_us
         FROM (SELECT device, metric,
                      at_us - (((at_us % 3600000000) + 3600000000) % 3600000000) AS start_us,
                      min(value) AS lo, max(value) AS hi, sum(value) AS total,
                      count(*) AS n, max(at_us) AS last_us
               FROM readings GROUP BY device, metric, start_us) AS g
         JOIN series AS s ON s.device = g.device AND s.metric = g.metric;",
    // 3: automation rules, each document with the engine memory it carries on
    // with after a restart (pending `for` holds, schedules done, runs).
    "CREATE TABLE rules (
         id       TEXT PRIMARY KEY,
         document TEXT NOT NULL, -- Rule as JSON
         memory   TEXT NOT NULL  -- RuleMemory as JSON
     ) WITHOUT ROWID;",
    // 4: tokens for devices and scripts (and issue 9's API tokens): only each
    // token's SHA-256 is kept; a revoked token stays listed with when.
    "CREATE TABLE tokens (
         id         INTEGER PRIMARY KEY,
         name       TEXT NOT NULL,
         hash       BLOB NOT NULL UNIQUE,
         scopes     TEXT NOT NULL, -- scope names separated by spaces
         created_us INTEGER NOT NULL,
         revoked_us INTEGER         -- NULL while the token is valid
     );",
    // 5: each rule's recent traces (firings, rejections, skips, misses, with
    // their steps' outcomes), the newest `TRACES_KEPT` per rule.
    "CREATE TABLE rule_traces (
         id    INTEGER PRIMARY KEY, -- Trace.id, increasing across restarts
         rule  TEXT NOT NULL,
         trace TEXT NOT NULL        -- Trace as JSON
     );
     CREATE INDEX rule_traces_by_rule ON rule_traces (rule, id);",
    // 6: accounts (issue 9): users with an argon2id PHC string (NULL: no
    // password sign-in), their sessions by the SHA-256 of the cookie, and
    // the audit log of commands, rule changes and account changes.
    "CREATE TABLE users (
         id         INTEGER PRIMARY KEY,
         username   TEXT NOT NULL UNIQUE,
         password   TEXT,          -- argon2id PHC string
         role       TEXT NOT NULL, -- admin, member or viewer
         rooms      TEXT,          -- JSON array of room names; NULL for every room
         created_us INTEGER NOT NULL
     );
     CREATE TABLE sessions (
         hash         BLOB PRIMARY KEY,
         user         INTEGER NOT NULL,
         created_us   INTEGER NOT NULL,
         last_used_us INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX sessions_by_user ON sessions (user);
     CREATE TABLE audit (
         id     INTEGER PRIMARY KEY,
         at_us  INTEGER NOT NULL,
         actor  TEXT NOT NULL,
         action TEXT NOT NULL,
         detail TEXT NOT NULL
     );",
    // 7: the devices an ingest token may speak for; NULL (every token made
    // before) for any device.
    "ALTER TABLE tokens ADD COLUMN devices TEXT; -- JSON array of device ids",
];

/// How long to wait for a lock held by someone else before calling it locked.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);

pub(crate) struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    retention: Retention,
    /// Series numbers already looked up. Forgotten when a batch fails, since the
    /// rows a failed batch added are rolled back.
    series: Series,
    /// Released (and the OS lock with it) when the store is dropped.
    _lock: File,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `hearth.db` in `data_dir` and brings its schema
    /// up to date.
    pub(crate) fn open(data_dir: &Path, retention: Retention) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(FILE_NAME);
        let lock = lock(data_dir, &path)?;
        let fail = |source: rusqlite::Error| opening_error(&path, source);
        let mut conn = Connection::open(&path).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        // With WAL, NORMAL loses at most the last commits on power loss, never
        // consistency, and spares an fsync per batch. A killed process loses
        // nothing that was committed.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        // A 32 MiB page cache (the default is 2 MiB) keeps the hot end of each
        // index in memory while large batches and backfills go in.
        conn.pragma_update(None, "cache_size", -32_768)
            .map_err(fail)?;
        migrate(&mut conn, &path)?;
        Ok(SqliteStore {
            conn,
            path,
            retention,
            series: Series::default(),
            _lock: lock,
        })
    }
}

fn lock(data_dir: &Path, database: &Path) -> Result<File, StoreError> {
    let path = data_dir.join(LOCK_FILE_NAME);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::DataDir {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            path: database.to_owned(),
        }),
        Err(TryLockError::Error(source)) => Err(StoreError::DataDir { path, source }),
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

/// Opens (creating if needed) `hearth.db` in `data_dir` on a connection of its
/// own, for the tables that are used beside a running hub without its lock:
/// it waits up to `busy` for the hub's writes, lets `tune` set the
/// connection's pragmas, and brings the schema up to date as the hub would.
fn open_beside_hub(
    data_dir: &Path,
    busy: Duration,
    tune: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<Connection, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
        path: data_dir.to_owned(),
        source,
    })?;
    let path = data_dir.join(FILE_NAME);
    let fail = |source| opening_error(&path, source);
    let mut conn = Connection::open(&path).map_err(fail)?;
    conn.busy_timeout(busy).map_err(fail)?;
    tune(&conn).map_err(fail)?;
    migrate(&mut conn, &path)?;
    Ok(conn)
}

/// Stored microseconds as a time; values out of chrono's range (which this
/// code never writes) read as the epoch rather than failing a listing.
fn at(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
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

        let mut rules = self
            .conn
            .prepare("SELECT id, document, memory FROM rules ORDER BY id")?;
        let rows = rules.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, document, memory) = row?;
            let rule = match serde_json::from_str::<Rule>(&document) {
                Ok(rule) => rule,
                Err(error) => {
                    tracing::warn!(%id, %error, "skipping an unreadable saved rule");
                    continue;
                }
            };
            // A rule whose memory cannot be read starts afresh, as a new one does.
            let memory = serde_json::from_str::<RuleMemory>(&memory).unwrap_or_else(|error| {
                tracing::warn!(%id, %error, "the rule's saved memory is unreadable; starting afresh");
                RuleMemory::default()
            });
            restored.rules.push(SavedRule {
                rule,
                memory,
                traces: Vec::new(),
            });
        }

        let mut traces = self
            .conn
            .prepare("SELECT id, rule, trace FROM rule_traces ORDER BY rule, id")?;
        let rows = traces.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut rules = restored.rules.iter_mut().peekable();
        for row in rows {
            let (id, rule, json) = row?;
            let trace = match serde_json::from_str::<Trace>(&json) {
                Ok(trace) => trace,
                Err(error) => {
                    tracing::warn!(id, %rule, %error, "skipping an unreadable saved trace");
                    continue;
                }
            };
            // Both are in rule order: walk the rules alongside.
            while rules.next_if(|saved| saved.rule.id < rule).is_some() {}
            if let Some(saved) = rules.peek_mut().filter(|saved| saved.rule.id == rule) {
                saved.traces.push(trace);
            }
        }
        Ok(restored)
    }

    fn write(&mut self, batch: &[Write]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        match write_batch(&tx, &mut self.series, batch) {
            Ok(()) => Ok(tx.commit()?),
            Err(error) => {
                // Dropping the transaction rolls it back, new series rows too.
                self.series = Series::default();
                Err(error)
            }
        }
    }

    fn prune(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let raw_before = self
            .retention
            .horizon(Resolution::Raw, now)
            .timestamp_micros();
        let minute_before = self
            .retention
            .horizon(Resolution::Minute, now)
            .timestamp_micros();
        let tx = self.conn.transaction()?;
        let mut pruned = 0;
        {
            // One range delete per series, each along an index: the tables are
            // never scanned whole.
            let mut series = tx.prepare("SELECT id, device, metric FROM series")?;
            let mut raw = tx
                .prepare("DELETE FROM readings WHERE device = ?1 AND metric = ?2 AND at_us < ?3")?;
            let mut minutes =
                tx.prepare("DELETE FROM minute_rollups WHERE series = ?1 AND start_us < ?2")?;
            let all: Vec<(i64, String, String)> = series
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<Result<_, _>>()?;
            for (id, device, metric) in all {
                pruned += raw.execute(params![device, metric, raw_before])?;
                pruned += minutes.execute(params![id, minute_before])?;
            }
        }
        tx.commit()?;
        Ok(pruned)
    }

    fn oldest(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let start_us: Option<i64> = self
            .conn
            .query_row("SELECT min(start_us) FROM hour_rollups", [], |row| {
                row.get(0)
            })
            .optional()?
            .flatten();
        Ok(start_us.and_then(DateTime::<Utc>::from_timestamp_micros))
    }

    fn history(&self) -> Arc<dyn History> {
        Arc::new(SqliteHistory::new(self.path.clone()))
    }
}

fn write_batch(
    tx: &Transaction<'_>,
    series: &mut Series,
    batch: &[Write],
) -> Result<(), StoreError> {
    let mut history = tx.prepare_cached(
        "INSERT INTO readings (device, metric, value, at_us) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut state = tx.prepare_cached(
        "INSERT INTO device_states (device, state, at_us) VALUES (?1, ?2, ?3)
         ON CONFLICT (device) DO UPDATE SET state = excluded.state, at_us = excluded.at_us",
    )?;
    let mut rule = tx.prepare_cached(
        "INSERT INTO rules (id, document, memory) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET document = excluded.document, memory = excluded.memory",
    )?;
    let mut memory = tx.prepare_cached("UPDATE rules SET memory = ?2 WHERE id = ?1")?;
    let mut remove = tx.prepare_cached("DELETE FROM rules WHERE id = ?1")?;
    let mut remove_traces = tx.prepare_cached("DELETE FROM rule_traces WHERE rule = ?1")?;
    let mut trace = tx.prepare_cached(
        "INSERT INTO rule_traces (id, rule, trace) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, trace = excluded.trace",
    )?;
    // Along the index: only the rule's own traces past the newest kept.
    let mut old_traces = tx.prepare_cached(
        "DELETE FROM rule_traces WHERE rule = ?1 AND id <= (
             SELECT id FROM rule_traces WHERE rule = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?;
    // Rollups and the latest reading are folded in memory first, so a batch
    // touches each bucket row once however many readings fell into it.
    let mut rollups = Rollups::default();
    let mut latest: HashMap<(&str, Metric), (f64, i64)> = HashMap::new();
    for write in batch {
        let reading = match write {
            // Only canonical units pass validation, so the unit is implied by the
            // metric and not stored.
            Write::Reading(reading) => {
                history.execute(params![
                    reading.device.as_str(),
                    metric_to_sql(reading.metric),
                    reading.value,
                    reading.at.timestamp_micros()
                ])?;
                reading
            }
            Write::RollupOnly(reading) => reading,
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
                continue;
            }
            Write::Rule {
                rule: document,
                memory: remembered,
            } => {
                rule.execute(params![
                    document.id,
                    serde_json::to_string(&**document)?,
                    serde_json::to_string(&**remembered)?
                ])?;
                continue;
            }
            Write::Memory {
                id,
                memory: remembered,
            } => {
                memory.execute(params![id, serde_json::to_string(&**remembered)?])?;
                continue;
            }
            Write::RemoveRule(id) => {
                remove.execute(params![id])?;
                remove_traces.execute(params![id])?;
                continue;
            }
            Write::Trace {
                rule: id,
                trace: saved,
            } => {
                // SQLite integers are signed; ids past i64 would be refused.
                let trace_id = i64::try_from(saved.id).unwrap_or(i64::MAX);
                trace.execute(params![trace_id, id, serde_json::to_string(&**saved)?])?;
                old_traces.execute(params![id, TRACES_KEPT as i64])?;
                continue;
            }
        };
        let at_us = reading.at.timestamp_micros();
        let id = series.id(tx, reading.device.as_str(), reading.metric)?;
        rollups.add(id, at_us, reading.value);
        // Readings may arrive out of order; the latest is the newest, not the
        // last written.
        let newest = latest
            .entry((reading.device.as_str(), reading.metric))
            .or_insert((reading.value, at_us));
        if at_us >= newest.1 {
            *newest = (reading.value, at_us);
        }
    }
    rollups.save(tx)?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO latest_readings (device, metric, value, at_us) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (device, metric) DO UPDATE
         SET value = excluded.value, at_us = excluded.at_us
         WHERE excluded.at_us >= latest_readings.at_us",
    )?;
    for ((device, metric), (value, at_us)) in latest {
        upsert.execute(params![device, metric_to_sql(metric), value, at_us])?;
    }
    Ok(())
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

/// The table holding `resolution`'s rollups, and the width of one row in µs.
fn rollup_table(resolution: Resolution) -> Option<(&'static str, i64)> {
    match resolution {
        Resolution::Raw => None,
        Resolution::Minute => Some(("minute_rollups", 60_000_000)),
        Resolution::Hour => Some(("hour_rollups", 3_600_000_000)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Scan;
    use chrono::TimeZone;
    use hearth_core::HvacMode;
    use std::ops::ControlFlow;

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
        let mut store = SqliteStore::open(dir.path(), Retention::default()).unwrap();
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

        let restored = SqliteStore::open(dir.path(), Retention::default())
            .unwrap()
            .load()
            .unwrap();
        assert_eq!(
            restored,
            Restored {
                states: vec![(ac, state(false))],
                readings: vec![
                    reading("bedroom", Metric::Humidity, 48.25, 1),
                    reading("fridge", Metric::Temperature, 4.5, 2),
                ],
                rules: Vec::new(),
            }
        );
    }

    #[test]
    fn a_second_opener_is_told_the_database_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let _first = SqliteStore::open(dir.path(), Retention::default()).unwrap();
        let second = SqliteStore::open(dir.path(), Retention::default());
        assert!(
            matches!(second, Err(StoreError::Locked { .. })),
            "{second:?}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), vec![b'x'; 4096]).unwrap();
        let opened = SqliteStore::open(dir.path(), Retention::default());
        assert!(matches!(opened, Err(StoreError::Open { .. })), "{opened:?}");
    }

    #[test]
    fn a_schema_from_a_newer_hub_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Connection::open(dir.path().join(FILE_NAME))
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let opened = SqliteStore::open(dir.path(), Retention::default());
        assert!(
            matches!(opened, Err(StoreError::TooNew { found: 99, .. })),
            "{opened:?}"
        );
    }

    /// Rows of `table` as (device, metric, start_us, min, max, sum, count, last).
    type Rollup = (String, String, i64, f64, f64, f64, i64, f64);

    fn rollups(conn: &Connection, table: &str) -> Vec<Rollup> {
        let sql = format!(
            "SELECT s.device, s.metric, r.start_us, r.minimum, r.maximum, r.total, r.samples, r.last
             FROM {table} AS r JOIN series AS s ON s.id = r.series
             ORDER BY s.device, s.metric, r.start_us"
        );
        let mut statement = conn.prepare(&sql).unwrap();
        statement
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    // Sums are compared to a few decimals: they were added up in
                    // a different order.
                    (row.get::<_, f64>(5)? * 1e6).round() / 1e6,
                    row.get(6)?,
                    row.get(7)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The rollups recomputed from the raw readings, from scratch.
    fn recomputed(conn: &Connection, width_us: i64) -> Vec<Rollup> {
        let sql = format!(
            "SELECT device, metric, at_us - (((at_us % {width_us}) + {width_us}) % {width_us}) AS start,
                    min(value), max(value), sum(value), count(*), max(at_us)
             FROM readings GROUP BY device, metric, start ORDER BY device, metric, start"
        );
        let mut statement = conn.prepare(&sql).unwrap();
        let groups: Vec<(Rollup, i64)> = statement
            .query_map([], |row| {
                let rollup = (
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    (row.get::<_, f64>(5)? * 1e6).round() / 1e6,
                    row.get(6)?,
                    f64::NAN,
                );
                Ok((rollup, row.get(7)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        groups
            .into_iter()
            .map(|(mut rollup, last_us)| {
                rollup.7 = conn
                    .query_row(
                        "SELECT value FROM readings WHERE device = ?1 AND metric = ?2 AND at_us = ?3",
                        params![rollup.0, rollup.1, last_us],
                        |row| row.get(0),
                    )
                    .unwrap();
                rollup
            })
            .collect()
    }

    /// Readings over three hours, shuffled, so batches arrive out of order.
    fn scattered_readings(n: u64) -> Vec<Write> {
        let start = at(0).timestamp_micros();
        let mut readings: Vec<Write> = (0..n)
            .map(|i| {
                // A cheap deterministic scramble of time and value.
                let spread = (i * 7_919) % (3 * 3_600) * 1_000_000 + (i % 997);
                let device = ["fridge", "bedroom", "outdoor"][(i % 3) as usize];
                let metric = [Metric::Temperature, Metric::Humidity][(i % 2) as usize];
                let value = ((i * 31) % 400) as f64 / 10.0;
                let at = DateTime::<Utc>::from_timestamp_micros(start + spread as i64).unwrap();
                Write::Reading(Reading::new(DeviceId::new(device), metric, value, at))
            })
            .collect();
        readings.reverse();
        readings
    }

    #[test]
    fn rollups_equal_a_recomputation_from_the_raw_readings() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path(), Retention::default()).unwrap();
        for batch in scattered_readings(5_000).chunks(333) {
            store.write(batch).unwrap();
        }
        let table = [
            ("minute_rollups", 60_000_000),
            ("hour_rollups", 3_600_000_000),
        ];
        for (name, width) in table {
            let stored = rollups(&store.conn, name);
            assert!(!stored.is_empty(), "{name}");
            assert_eq!(stored, recomputed(&store.conn, width), "{name}");
        }
    }

    #[test]
    fn a_version_1_database_gets_rollups_of_the_readings_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let mut insert = conn
                .prepare(
                    "INSERT INTO readings (device, metric, value, at_us) VALUES (?1, ?2, ?3, ?4)",
                )
                .unwrap();
            for write in scattered_readings(600) {
                let Write::Reading(r) = write else { continue };
                insert
                    .execute(params![
                        r.device.as_str(),
                        metric_to_sql(r.metric),
                        r.value,
                        r.at.timestamp_micros()
                    ])
                    .unwrap();
            }
        }
        let mut store = SqliteStore::open(dir.path(), Retention::default()).unwrap();
        // New readings after the upgrade land in the same rollups.
        store.write(&scattered_readings(90)).unwrap();
        let table = [
            ("minute_rollups", 60_000_000),
            ("hour_rollups", 3_600_000_000),
        ];
        for (name, width) in table {
            assert_eq!(
                rollups(&store.conn, name),
                recomputed(&store.conn, width),
                "{name}"
            );
        }
    }

    #[test]
    fn a_version_2_database_gains_rules_that_are_saved_edited_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
        }
        let rule = |id: &str| -> Rule {
            serde_json::from_value(serde_json::json!({
                "id": id,
                "name": id,
                "triggers": [{"type": "time", "at": "07:00:00"}],
                "actions": [{"type": "notify", "message": "morning"}],
            }))
            .unwrap()
        };
        let memory = RuleMemory {
            next_run: 3,
            ..RuleMemory::default()
        };
        {
            let mut store = SqliteStore::open(dir.path(), Retention::default()).unwrap();
            store
                .write(&[
                    Write::Rule {
                        rule: Box::new(rule("a")),
                        memory: Box::default(),
                    },
                    Write::Rule {
                        rule: Box::new(rule("b")),
                        memory: Box::default(),
                    },
                    Write::Memory {
                        id: "a".into(),
                        memory: Box::new(memory.clone()),
                    },
                    Write::RemoveRule("b".into()),
                    // Memory of a rule that is gone is dropped quietly.
                    Write::Memory {
                        id: "ghost".into(),
                        memory: Box::new(memory.clone()),
                    },
                ])
                .unwrap();
        }
        let restored = SqliteStore::open(dir.path(), Retention::default())
            .unwrap()
            .load()
            .unwrap();
        assert_eq!(
            restored.rules,
            vec![SavedRule {
                rule: rule("a"),
                memory,
                traces: Vec::new(),
            }]
        );
    }

    #[test]
    fn each_rule_keeps_its_newest_traces_which_go_with_the_rule() {
        let dir = tempfile::tempdir().unwrap();
        let rule = |id: &str| -> Rule {
            serde_json::from_value(serde_json::json!({
                "id": id, "name": id,
                "triggers": [{"type": "time", "at": "07:00:00"}],
                "actions": [{"type": "notify", "message": "morning"}],
            }))
            .unwrap()
        };
        let trace = |rule: &str, id: u64, outcomes: usize| Write::Trace {
            rule: rule.into(),
            trace: Box::new(Trace {
                id,
                decision: hearth_core::rules::Decision::Skipped {
                    trigger: 0,
                    at: at(0),
                    reason: "busy".into(),
                },
                outcomes: (0..outcomes)
                    .map(|action| hearth_core::rules::Outcome {
                        action,
                        at: at(1),
                        result: hearth_core::rules::StepResult::Notified,
                    })
                    .collect(),
            }),
        };
        let mut store = SqliteStore::open(dir.path(), Retention::default()).unwrap();
        let mut writes = vec![];
        for id in ["a", "b", "c"] {
            writes.push(Write::Rule {
                rule: Box::new(rule(id)),
                memory: Box::default(),
            });
        }
        // Interleaved, as rules fire at once: 60 for a, 3 for b, 2 for c.
        for n in 1..=60 {
            writes.push(trace("a", n * 2, 0));
            if n <= 3 {
                writes.push(trace("b", n * 2 + 1, 0));
            }
        }
        writes.extend([trace("c", 200, 0), trace("c", 201, 0)]);
        // A trace saved again with its outcomes replaces the first version.
        writes.push(trace("b", 7, 2));
        writes.push(Write::RemoveRule("c".into()));
        store.write(&writes).unwrap();
        let count: i64 = store
            .conn
            .query_row("SELECT count(*) FROM rule_traces", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, (TRACES_KEPT + 3) as i64);
        drop(store);

        let restored = SqliteStore::open(dir.path(), Retention::default())
            .unwrap()
            .load()
            .unwrap();
        let kept: Vec<(&str, Vec<u64>)> = restored
            .rules
            .iter()
            .map(|saved| {
                let ids = saved.traces.iter().map(|t| t.id).collect();
                (saved.rule.id.as_str(), ids)
            })
            .collect();
        let newest_of_a: Vec<u64> = (11..=60).map(|n| n * 2).collect();
        assert_eq!(kept, [("a", newest_of_a), ("b", vec![3, 5, 7])]);
        assert_eq!(restored.rules[1].traces[2].outcomes.len(), 2);
    }

    #[test]
    fn pruning_drops_raw_and_minutes_past_retention_and_keeps_hours() {
        let dir = tempfile::tempdir().unwrap();
        let retention = Retention {
            raw: chrono::TimeDelta::minutes(90),
            minute: chrono::TimeDelta::minutes(150),
        };
        let mut store = SqliteStore::open(dir.path(), retention).unwrap();
        store.write(&scattered_readings(3_000)).unwrap();
        let now = at(0) + chrono::TimeDelta::hours(3);
        let count = |store: &SqliteStore, sql: &str| -> i64 {
            store.conn.query_row(sql, [], |row| row.get(0)).unwrap()
        };
        let hours = count(&store, "SELECT count(*) FROM hour_rollups");
        assert!(store.prune(now).unwrap() > 0);
        let table = [
            (
                "SELECT min(at_us) FROM readings",
                (now - retention.raw).timestamp_micros(),
            ),
            (
                "SELECT min(start_us) FROM minute_rollups",
                (now - retention.minute).timestamp_micros(),
            ),
        ];
        for (sql, horizon) in table {
            let oldest = count(&store, sql);
            assert!(oldest >= horizon, "{sql}: {oldest} < {horizon}");
            assert!(oldest < horizon + 60_000_000, "{sql}: too much pruned");
        }
        assert_eq!(count(&store, "SELECT count(*) FROM hour_rollups"), hours);
        assert_eq!(store.prune(now).unwrap(), 0, "a second sweep finds nothing");
    }

    #[test]
    fn scans_read_one_series_in_range_oldest_first_at_each_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path(), Retention::default()).unwrap();
        store.write(&scattered_readings(3_000)).unwrap();
        store
            .write(&[Write::RollupOnly(reading(
                "fridge",
                Metric::Temperature,
                9.0,
                0,
            ))])
            .unwrap();
        let history = store.history();
        let from = at(30);
        let to = at(0) + chrono::TimeDelta::minutes(150);
        let table = [
            (Resolution::Raw, 1),
            (Resolution::Minute, 60),
            (Resolution::Hour, 3600),
        ];
        for (resolution, width_s) in table {
            let scan = Scan {
                device: DeviceId::new("fridge"),
                metric: Metric::Temperature,
                resolution,
                from_us: from.timestamp_micros(),
                to_us: to.timestamp_micros(),
            };
            let mut rows = Vec::new();
            history
                .scan(&scan, &mut |row| {
                    rows.push(row);
                    ControlFlow::Continue(())
                })
                .unwrap();
            let ordered = rows.windows(2).all(|w| w[0].at_us < w[1].at_us);
            let in_range = rows
                .iter()
                .all(|r| r.at_us > scan.from_us - width_s * 1_000_000 && r.at_us < scan.to_us);
            let counted: u64 = rows.iter().map(|r| r.count).sum();
            assert!(
                !rows.is_empty() && ordered && in_range && counted >= rows.len() as u64,
                "{resolution:?}: {} rows, ordered {ordered}, in range {in_range}",
                rows.len()
            );
            let mut first = None;
            history
                .scan(&scan, &mut |row| {
                    first = Some(row);
                    ControlFlow::Break(())
                })
                .unwrap();
            assert_eq!(
                first,
                rows.first().copied(),
                "{resolution:?} stops when told"
            );
        }
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
