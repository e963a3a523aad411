//! Reading history beside the writer: read-only connections, kept for reuse,
//! each query a cursor over one index range.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{BUSY_TIMEOUT, metric_to_sql, rollup_table};
use crate::store::tokens::TokenInfo;
use crate::store::{History, Row, Scan, StoreError};

/// How many idle read connections are kept; more may be open while busy.
const IDLE_READERS: usize = 4;

#[derive(Debug)]
pub(crate) struct SqliteHistory {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl SqliteHistory {
    pub(super) fn new(path: PathBuf) -> SqliteHistory {
        SqliteHistory {
            path,
            idle: Mutex::default(),
        }
    }

    fn connection(&self) -> Result<Connection, StoreError> {
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(conn) = reused {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }
}

impl History for SqliteHistory {
    fn scan(
        &self,
        scan: &Scan,
        each: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let conn = self.connection()?;
        let result = scan_with(&conn, scan, each);
        // A connection that failed may be in any state; it is not reused.
        if result.is_ok() {
            self.give_back(conn);
        }
        result
    }

    fn token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
        let conn = self.connection()?;
        let result = super::tokens::find(&conn, hash);
        if result.is_ok() {
            self.give_back(conn);
        }
        result
    }
}

fn scan_with(
    conn: &Connection,
    scan: &Scan,
    each: &mut dyn FnMut(Row) -> ControlFlow<()>,
) -> Result<(), StoreError> {
    let metric = metric_to_sql(scan.metric);
    let device = scan.device.as_str();
    let Some((table, width)) = rollup_table(scan.resolution) else {
        let mut rows = conn.prepare_cached(
            "SELECT at_us, value FROM readings
             WHERE device = ?1 AND metric = ?2 AND at_us >= ?3 AND at_us < ?4
             ORDER BY at_us",
        )?;
        let mut rows = rows.query(params![device, metric, scan.from_us, scan.to_us])?;
        while let Some(row) = rows.next()? {
            let value: f64 = row.get(1)?;
            let row = Row {
                at_us: row.get(0)?,
                min: value,
                max: value,
                sum: value,
                count: 1,
                last: value,
            };
            if each(row).is_break() {
                break;
            }
        }
        return Ok(());
    };
    let series: Option<i64> = conn
        .prepare_cached("SELECT id FROM series WHERE device = ?1 AND metric = ?2")?
        .query_row(params![device, metric], |row| row.get(0))
        .optional()?;
    let Some(series) = series else {
        return Ok(());
    };
    let mut rows = conn.prepare_cached(&format!(
        "SELECT start_us, minimum, maximum, total, samples, last FROM {table}
         WHERE series = ?1 AND start_us > ?2 AND start_us < ?3
         ORDER BY start_us"
    ))?;
    let mut rows = rows.query(params![
        series,
        scan.from_us.saturating_sub(width),
        scan.to_us
    ])?;
    while let Some(row) = rows.next()? {
        let row = Row {
            at_us: row.get(0)?,
            min: row.get(1)?,
            max: row.get(2)?,
            sum: row.get(3)?,
            count: u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
            last: row.get(5)?,
        };
        if each(row).is_break() {
            break;
        }
    }
    Ok(())
}
