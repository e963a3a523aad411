//! The simulated house the in-process benches open: its devices are
//! registered, but its own sensors stay quiet, so only the bench writes.

use std::path::Path;
use std::time::Duration;

use hearth_hub::{Config, Retention, SimulatorConfig};

/// A hub on `data_dir` with the house and `backfill_days` of its history.
pub(crate) fn config(data_dir: &Path, backfill_days: u32) -> Config {
    Config {
        dist: data_dir.join("no-dashboard"),
        data_dir: data_dir.to_owned(),
        simulator: Some(SimulatorConfig {
            // An hour between the simulated sensors' readings: within a run
            // only the benchmark writes.
            interval: Duration::from_secs(3600),
            speed: 1.0,
            seed: Some(1),
            backfill_days,
        }),
        retention: Retention::default(),
    }
}
