//! Where the hub keeps what must outlive a restart: readings with their 1-minute
//! and 1-hour rollups, each device's last state, and the automation rules with
//! what each remembers (its pending `for` holds and schedules) and their
//! recent traces. A small [`Store`] trait is the seam (SQLite today, a server
//! database later); one writer thread drains a queue and commits each batch in
//! one transaction, so callers on the async side never wait for the disk unless
//! they ask to (see [`Committed`]). Reads go through [`History`], which is
//! shared and runs beside the writer.

pub(crate) mod sqlite;
pub(crate) mod tokens;
pub(crate) mod users;

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::rules::{Rule, RuleMemory, Trace};
use hearth_core::{DeviceId, DeviceState, Metric, Reading, Resolution};
use tokio::sync::{mpsc, oneshot};

use tokens::TokenInfo;

/// How many traces are kept for each rule, the newest; older ones are deleted
/// as new ones are saved.
pub(crate) const TRACES_KEPT: usize = 50;

/// How many writes may wait for the writer before producers are slowed down.
const QUEUE_DEPTH: usize = 8192;

/// The most writes committed in one transaction; bounds the time a batch holds
/// the database and the memory it needs. Batches form on their own: the writer
/// commits whatever has queued up while it was busy with the previous one, so a
/// trickle is committed at once and a flood in large transactions.
const MAX_BATCH: usize = 4096;

/// Why the store could not open, load, read or write.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database {path} is locked; is another hub running with the same --data-dir?")]
    Locked { path: PathBuf },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this hub understands ({known}); \
         upgrade the hub"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot encode device state: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the batch holding this write could not be committed (the hub log has the cause)")]
    NotCommitted,
    #[error("the store has been closed")]
    Closed,
    #[error("cannot draw a random token: {0}")]
    Random(String),
}

/// How long history is kept at each resolution; hourly rollups are kept forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub raw: TimeDelta,
    pub minute: TimeDelta,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            raw: TimeDelta::days(30),
            minute: TimeDelta::days(365),
        }
    }
}

impl Retention {
    /// The oldest instant still held at `resolution`, as of `now`.
    pub(crate) fn horizon(&self, resolution: Resolution, now: DateTime<Utc>) -> DateTime<Utc> {
        let kept = match resolution {
            Resolution::Raw => self.raw,
            Resolution::Minute => self.minute,
            Resolution::Hour => return DateTime::<Utc>::MIN_UTC,
        };
        now.checked_sub_signed(kept)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// One change to persist.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Write {
    /// A reading, kept raw and folded into the rollups.
    Reading(Reading),
    /// A reading older than raw retention (history being backfilled): folded into
    /// the rollups only, since a raw row would be pruned straight away.
    RollupOnly(Reading),
    State {
        device: DeviceId,
        state: DeviceState,
        at: DateTime<Utc>,
    },
    /// A rule created or edited, with the memory it carries on with. (Boxed,
    /// as readings are by far the most common write.)
    Rule {
        rule: Box<Rule>,
        memory: Box<RuleMemory>,
    },
    /// What the rule `id` remembers now (nothing happens if it is gone).
    Memory { id: String, memory: Box<RuleMemory> },
    /// Removes the rule and its traces.
    RemoveRule(String),
    /// A rule's trace, new or with more outcomes; only the rule's newest
    /// [`TRACES_KEPT`] are kept.
    Trace { rule: String, trace: Box<Trace> },
}

/// A rule as saved, with what it remembered and its traces, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SavedRule {
    pub(crate) rule: Rule,
    pub(crate) memory: RuleMemory,
    pub(crate) traces: Vec<Trace>,
}

/// What a store remembers from the last run.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Restored {
    pub(crate) states: Vec<(DeviceId, DeviceState)>,
    /// The latest reading of each (device, metric).
    pub(crate) readings: Vec<Reading>,
    /// Every rule, by id, with what it remembered and its traces.
    pub(crate) rules: Vec<SavedRule>,
}

/// A place readings and states live. Implementations are synchronous and owned
/// by a single writer thread, so they need no locking of their own.
pub(crate) trait Store: Send + 'static {
    fn load(&mut self) -> Result<Restored, StoreError>;

    /// Persists `batch` atomically: all of it or none of it.
    fn write(&mut self, batch: &[Write]) -> Result<(), StoreError>;

    /// Deletes what has outlived its retention as of `now`; returns how many rows.
    fn prune(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError>;

    /// The start of the oldest hourly rollup of any series, if there is one.
    fn oldest(&mut self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// A reader that may be used from any thread while this store writes.
    fn history(&self) -> Arc<dyn History>;
}

/// One stored row of a series: a raw reading (a bucket of one) or a rollup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Row {
    /// The reading's time, or the rollup's start, in microseconds since the epoch.
    pub(crate) at_us: i64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) sum: f64,
    pub(crate) count: u64,
    pub(crate) last: f64,
}

/// Which rows to read: one series at one resolution, `from_us` to `to_us`.
/// Rollups are included when their span overlaps the range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scan {
    pub(crate) device: DeviceId,
    pub(crate) metric: Metric,
    pub(crate) resolution: Resolution,
    pub(crate) from_us: i64,
    pub(crate) to_us: i64,
}

/// Reads history, and the tokens that may write it. Blocking: call it from a
/// blocking thread.
pub(crate) trait History: Send + Sync + 'static {
    /// Calls `each` with every row of `scan`, oldest first, from a cursor (so a
    /// long range is never held in memory), until `each` breaks.
    fn scan(
        &self,
        scan: &Scan,
        each: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// The token whose secret hashes to `hash` (see [`tokens::hash`]), revoked
    /// or not. Read on every request rather than cached, so that
    /// `hearth-hub token revoke` takes effect at once on a running hub.
    fn token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError>;
}

/// Resolves once the write it was handed out for is committed (or failed).
/// Dropping it is fine: the write goes ahead all the same.
#[derive(Debug)]
pub struct Committed(oneshot::Receiver<bool>);

impl Committed {
    pub async fn wait(self) -> Result<(), StoreError> {
        match self.0.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(StoreError::NotCommitted),
            // The writer stopped without answering: it was closed.
            Err(_) => Err(StoreError::Closed),
        }
    }
}

enum Op {
    Write(Write, oneshot::Sender<bool>),
    Prune(DateTime<Utc>),
    /// Commit everything queued before this, release the database, then answer.
    Close(oneshot::Sender<Result<(), StoreError>>),
}

/// The async side's handle on the writer thread. Cheap to clone.
#[derive(Clone)]
pub(crate) struct StoreHandle {
    ops: mpsc::Sender<Op>,
    history: Arc<dyn History>,
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHandle").finish_non_exhaustive()
    }
}

impl StoreHandle {
    /// Moves `store` onto its own writer thread.
    pub(crate) fn spawn(store: impl Store) -> Result<StoreHandle, std::io::Error> {
        let history = store.history();
        let (ops, queue) = mpsc::channel(QUEUE_DEPTH);
        thread::Builder::new()
            .name("hearth-store".into())
            .spawn(move || run_writer(store, queue))?;
        Ok(StoreHandle { ops, history })
    }

    /// Queues a write; it is committed with the next batch, and the answer
    /// says when.
    pub(crate) async fn write(&self, write: Write) -> Result<Committed, StoreError> {
        let (done, committed) = oneshot::channel();
        self.ops
            .send(Op::Write(write, done))
            .await
            .map_err(|_| StoreError::Closed)?;
        Ok(Committed(committed))
    }

    /// Queues a retention sweep as of `now`.
    pub(crate) async fn prune(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.ops
            .send(Op::Prune(now))
            .await
            .map_err(|_| StoreError::Closed)
    }

    pub(crate) fn history(&self) -> Arc<dyn History> {
        self.history.clone()
    }

    /// Commits what is queued and releases the database (and its lock), so
    /// another hub may open it. Later writes fail with [`StoreError::Closed`].
    pub(crate) async fn close(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.ops
            .send(Op::Close(reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// Writes queued for the next commit, with whoever waits for each.
#[derive(Default)]
struct Batch {
    writes: Vec<Write>,
    waiting: Vec<oneshot::Sender<bool>>,
}

fn run_writer(mut store: impl Store, mut queue: mpsc::Receiver<Op>) {
    let mut batch = Batch::default();
    // `blocking_recv` returns `None` once every handle is gone (the hub was
    // dropped without closing the store): commit what is left and stop.
    while let Some(op) = queue.blocking_recv() {
        let mut next = Some(op);
        while let Some(op) = next.take() {
            match op {
                Op::Write(write, done) => {
                    batch.writes.push(write);
                    batch.waiting.push(done);
                }
                Op::Prune(now) => {
                    // Commit first, so the sweep sees everything queued before it.
                    let _ = commit(&mut store, &mut batch);
                    match store.prune(now) {
                        Ok(0) => {}
                        Ok(rows) => tracing::info!(rows, "pruned history past its retention"),
                        Err(error) => tracing::error!(%error, "could not prune history"),
                    }
                }
                Op::Close(reply) => {
                    // Refuse later writes before answering: otherwise one sent
                    // between the answer and this thread's end would be taken
                    // and never committed.
                    queue.close();
                    let result = commit(&mut store, &mut batch);
                    // Release the database before answering, so whoever waits
                    // can open it again at once.
                    drop(store);
                    // The caller may have given up waiting; nothing more to do.
                    let _ = reply.send(result);
                    return;
                }
            }
            // Take whatever else is already queued into the same transaction.
            if batch.writes.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        // A failure has been logged by `commit`; the writer carries on.
        let _ = commit(&mut store, &mut batch);
    }
    let _ = commit(&mut store, &mut batch);
}

fn commit(store: &mut impl Store, batch: &mut Batch) -> Result<(), StoreError> {
    if batch.writes.is_empty() {
        return Ok(());
    }
    let result = store.write(&batch.writes);
    if let Err(error) = &result {
        // A failed batch is dropped rather than retried forever: the hub keeps
        // running on what it holds in memory, the log says what was lost, and
        // whoever waits for an acknowledgement is told.
        tracing::error!(%error, writes = batch.writes.len(), "could not persist a batch");
    }
    for done in batch.waiting.drain(..) {
        // Nobody waiting is the common case.
        let _ = done.send(result.is_ok());
    }
    batch.writes.clear();
    result
}

/// A store with nothing to read back, for tests of the hub around the store.
#[cfg(test)]
pub(crate) struct NoHistory;

#[cfg(test)]
impl History for NoHistory {
    fn scan(&self, _: &Scan, _: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError> {
        Ok(())
    }

    fn token(&self, _: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
        Ok(None)
    }
}

/// Records each committed batch so tests can see how writes were grouped,
/// and keeps nothing on disk; refuses every batch when `failing`.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    pub(crate) batches: Arc<std::sync::Mutex<Vec<Vec<Write>>>>,
    pub(crate) failing: bool,
}

#[cfg(test)]
impl Store for Recorder {
    fn load(&mut self) -> Result<Restored, StoreError> {
        Ok(Restored::default())
    }

    fn write(&mut self, batch: &[Write]) -> Result<(), StoreError> {
        if self.failing {
            return Err(StoreError::Sql(rusqlite::Error::InvalidQuery));
        }
        self.batches.lock().unwrap().push(batch.to_vec());
        Ok(())
    }

    fn prune(&mut self, _: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(0)
    }

    fn oldest(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(None)
    }

    fn history(&self) -> Arc<dyn History> {
        Arc::new(NoHistory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(value: f64) -> Write {
        Write::Reading(Reading::new(
            DeviceId::new("fridge"),
            Metric::Temperature,
            value,
            DateTime::UNIX_EPOCH,
        ))
    }

    #[tokio::test]
    async fn queued_writes_are_batched_committed_on_close_and_refused_after() {
        let recorder = Recorder::default();
        let handle = StoreHandle::spawn(recorder.clone()).unwrap();
        for value in 0..10_000 {
            handle.write(reading(f64::from(value))).await.unwrap();
        }
        handle.close().await.unwrap();
        let batches = recorder.batches.lock().unwrap().clone();
        let committed: Vec<Write> = batches.iter().flatten().cloned().collect();
        let want: Vec<Write> = (0..10_000).map(|v| reading(f64::from(v))).collect();
        assert_eq!(committed, want, "every write, in order");
        assert!(
            batches
                .iter()
                .all(|b| !b.is_empty() && b.len() <= MAX_BATCH),
            "batch sizes {:?}",
            batches.iter().map(Vec::len).collect::<Vec<_>>()
        );
        assert!(matches!(
            handle.write(reading(0.0)).await,
            Err(StoreError::Closed)
        ));
    }

    #[tokio::test]
    async fn an_acknowledgement_comes_only_after_the_commit() {
        let table = [(false, true), (true, false)];
        for (failing, want_committed) in table {
            let recorder = Recorder {
                failing,
                ..Recorder::default()
            };
            let handle = StoreHandle::spawn(recorder.clone()).unwrap();
            let mut acks = Vec::new();
            for value in 0..100 {
                acks.push(handle.write(reading(f64::from(value))).await.unwrap());
            }
            for ack in acks {
                let result = ack.wait().await;
                let written = recorder.batches.lock().unwrap().iter().flatten().count();
                let ok = match result {
                    Ok(()) => want_committed && written > 0,
                    Err(StoreError::NotCommitted) => !want_committed,
                    Err(_) => false,
                };
                assert!(ok, "failing {failing}: {result:?}, {written} written");
            }
            let _ = handle.close().await;
        }
    }
}
