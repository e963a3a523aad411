//! Keeping the 1-minute and 1-hour rollups up to date as readings arrive: a batch
//! is folded into per-bucket summaries in memory, then each summary is merged
//! into its row with one UPSERT, inside the batch's own transaction.

use std::collections::{BTreeMap, HashMap};

use hearth_core::{Metric, Resolution};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{metric_to_sql, rollup_table};

/// Series numbers by device and metric, as the `series` table assigns them.
#[derive(Debug, Default)]
pub(super) struct Series(HashMap<String, HashMap<Metric, i64>>);

impl Series {
    /// The number of (`device`, `metric`), assigned on first sight.
    pub(super) fn id(
        &mut self,
        tx: &Transaction<'_>,
        device: &str,
        metric: Metric,
    ) -> rusqlite::Result<i64> {
        if let Some(id) = self.0.get(device).and_then(|m| m.get(&metric)) {
            return Ok(*id);
        }
        let name = metric_to_sql(metric);
        let known = tx
            .prepare_cached("SELECT id FROM series WHERE device = ?1 AND metric = ?2")?
            .query_row(params![device, name], |row| row.get(0))
            .optional()?;
        let id = match known {
            Some(id) => id,
            None => {
                tx.prepare_cached("INSERT INTO series (device, metric) VALUES (?1, ?2)")?
                    .execute(params![device, name])?;
                tx.last_insert_rowid()
            }
        };
        self.0
            .entry(device.to_owned())
            .or_default()
            .insert(metric, id);
        Ok(id)
    }
}

/// What one bucket saw of one series in this batch.
#[derive(Debug, Clone, Copy)]
struct Summary {
    min: f64,
    max: f64,
    sum: f64,
    count: i64,
    last: f64,
    last_us: i64,
}

impl Summary {
    fn of(value: f64, at_us: i64) -> Summary {
        Summary {
            min: value,
            max: value,
            sum: value,
            count: 1,
            last: value,
            last_us: at_us,
        }
    }

    fn add(&mut self, value: f64, at_us: i64) {
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sum += value;
        self.count += 1;
        if at_us >= self.last_us {
            self.last = value;
            self.last_us = at_us;
        }
    }
}

/// The batch's readings, summarised per (series, bucket start) at each width.
/// Ordered like the tables' keys, so the UPSERTs walk each B-tree in order.
#[derive(Debug, Default)]
pub(super) struct Rollups {
    minute: BTreeMap<(i64, i64), Summary>,
    hour: BTreeMap<(i64, i64), Summary>,
}

impl Rollups {
    pub(super) fn add(&mut self, series: i64, at_us: i64, value: f64) {
        for (resolution, buckets) in [
            (Resolution::Minute, &mut self.minute),
            (Resolution::Hour, &mut self.hour),
        ] {
            let Some((_, width)) = rollup_table(resolution) else {
                continue;
            };
            let start = at_us - at_us.rem_euclid(width);
            buckets
                .entry((series, start))
                .and_modify(|summary| summary.add(value, at_us))
                .or_insert_with(|| Summary::of(value, at_us));
        }
    }

    /// Merges every summary into its stored row (creating it if new).
    pub(super) fn save(&self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        for (resolution, buckets) in [
            (Resolution::Minute, &self.minute),
            (Resolution::Hour, &self.hour),
        ] {
            let Some((table, _)) = rollup_table(resolution) else {
                continue;
            };
            // The right-hand sides all read the row as it was, so `last` is
            // compared against the old `last_us` before that is updated.
            let mut upsert = tx.prepare_cached(&format!(
                "INSERT INTO {table} (series, start_us, minimum, maximum, total, samples, last, last_us)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (series, start_us) DO UPDATE SET
                     minimum = min(minimum, excluded.minimum),
                     maximum = max(maximum, excluded.maximum),
                     total = total + excluded.total,
                     samples = samples + excluded.samples,
                     last = CASE WHEN excluded.last_us >= last_us THEN excluded.last ELSE last END,
                     last_us = max(last_us, excluded.last_us)"
            ))?;
            for ((series, start), s) in buckets {
                upsert.execute(params![
                    series, start, s.min, s.max, s.sum, s.count, s.last, s.last_us
                ])?;
            }
        }
        Ok(())
    }
}
