//! Where the hub keeps what must outlive a restart: readings and each device's last
//! state. A small [`Store`] trait is the seam (SQLite today, a server database
//! later); one writer thread drains a queue and commits each batch in one
//! transaction, so callers on the async side never wait for the disk.

pub(crate) mod sqlite;

use std::path::PathBuf;
use std::thread;

use chrono::{DateTime, Utc};
use hearth_core::{DeviceId, DeviceState, Reading};
use tokio::sync::{mpsc, oneshot};

/// How many writes may wait for the writer before producers are slowed down.
const QUEUE_DEPTH: usize = 8192;

/// The most writes committed in one transaction; bounds the time a batch holds
/// the database and the memory it needs.
const MAX_BATCH: usize = 1024;

/// Why the store could not open, load or write.
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
    #[error("the store has been closed")]
    Closed,
}

/// One change to persist.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Write {
    Reading(Reading),
    State {
        device: DeviceId,
        state: DeviceState,
        at: DateTime<Utc>,
    },
}

/// What a store remembers from the last run.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Restored {
    pub(crate) states: Vec<(DeviceId, DeviceState)>,
    /// The latest reading of each (device, metric).
    pub(crate) readings: Vec<Reading>,
}

/// A place readings and states live. Implementations are synchronous and owned
/// by a single writer thread, so they need no locking of their own.
pub(crate) trait Store: Send + 'static {
    fn load(&mut self) -> Result<Restored, StoreError>;

    /// Persists `batch` atomically: all of it or none of it.
    fn write(&mut self, batch: &[Write]) -> Result<(), StoreError>;
}

enum Op {
    Write(Write),
    /// Commit everything queued before this, release the database, then answer.
    Close(oneshot::Sender<Result<(), StoreError>>),
}

/// The async side's handle on the writer thread. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct StoreHandle {
    ops: mpsc::Sender<Op>,
}

impl StoreHandle {
    /// Moves `store` onto its own writer thread.
    pub(crate) fn spawn(store: impl Store) -> Result<StoreHandle, std::io::Error> {
        let (ops, queue) = mpsc::channel(QUEUE_DEPTH);
        thread::Builder::new()
            .name("hearth-store".into())
            .spawn(move || run_writer(store, queue))?;
        Ok(StoreHandle { ops })
    }

    /// Queues a write; it is committed with the next batch.
    pub(crate) async fn write(&self, write: Write) -> Result<(), StoreError> {
        self.ops
            .send(Op::Write(write))
            .await
            .map_err(|_| StoreError::Closed)
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

fn run_writer(mut store: impl Store, mut queue: mpsc::Receiver<Op>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // `blocking_recv` returns `None` once every handle is gone (the hub was
    // dropped without closing the store): commit what is left and stop.
    while let Some(op) = queue.blocking_recv() {
        let mut next = Some(op);
        while let Some(op) = next.take() {
            match op {
                Op::Write(write) => batch.push(write),
                Op::Close(reply) => {
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
            if batch.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        // A failure has been logged by `commit`; the writer carries on.
        let _ = commit(&mut store, &mut batch);
    }
    let _ = commit(&mut store, &mut batch);
}

fn commit(store: &mut impl Store, batch: &mut Vec<Write>) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    let result = store.write(batch);
    if let Err(error) = &result {
        // A failed batch is dropped rather than retried forever: the hub keeps
        // running on what it holds in memory, and the log says what was lost.
        tracing::error!(%error, writes = batch.len(), "could not persist a batch");
    }
    batch.clear();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::Metric;
    use std::sync::{Arc, Mutex};

    /// Records each committed batch so the tests can see how writes were grouped.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<Vec<Write>>>>);

    impl Store for Recorder {
        fn load(&mut self) -> Result<Restored, StoreError> {
            Ok(Restored::default())
        }

        fn write(&mut self, batch: &[Write]) -> Result<(), StoreError> {
            self.0.lock().unwrap().push(batch.to_vec());
            Ok(())
        }
    }

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
        for value in 0..2000 {
            handle.write(reading(f64::from(value))).await.unwrap();
        }
        handle.close().await.unwrap();
        let batches = recorder.0.lock().unwrap().clone();
        let committed: Vec<Write> = batches.iter().flatten().cloned().collect();
        let want: Vec<Write> = (0..2000).map(|v| reading(f64::from(v))).collect();
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
}
