//! Starting and stopping a whole hub: open the store, bring in the adapters,
//! serve HTTP, and on shutdown close every WebSocket and flush the store.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::middleware;
use axum::serve::ListenerExt;
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{AccountError, Accounts, AuthSettings, FirstRun};
use crate::automation::{Automations, Clock, Place};
use crate::headers::{self, OverTls};
use crate::hub::Hub;
use crate::limits;
use crate::listener::{HubListener, MAX_CONNECTIONS_PER_IP};
use crate::mqtt::{MqttAdapter, MqttConfig};
use crate::simulator::{Simulator, SimulatorConfig};
use crate::store::sqlite::SqliteStore;
use crate::store::{Retention, Store, StoreError, StoreHandle};
use crate::tls::{Loaded, Tls, TlsError};

/// How long a device's adapter has to answer a command before the browser is
/// told the device is unavailable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// How long shutdown waits for WebSocket sessions to finish closing.
const SESSION_DRAIN: Duration = Duration::from_secs(5);

/// How often history past its retention is swept away. Each sweep deletes a
/// time range per series along an index, so it costs what it deletes.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Everything a hub needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The built dashboard (trunk's output).
    pub dist: PathBuf,
    /// Where `hearth.db` lives; created if missing.
    pub data_dir: PathBuf,
    /// The simulated house, or `None` to run without it.
    pub simulator: Option<SimulatorConfig>,
    /// How long history is kept at each resolution.
    pub retention: Retention,
}

/// Why the hub could not start or did not stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the store's writer thread: {0}")]
    Writer(std::io::Error),
    #[error("invalid simulator settings: {0}")]
    Simulator(String),
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
    #[error("cannot set up the first admin: {0}")]
    Accounts(#[from] AccountError),
    #[error("cannot serve HTTPS: {0}")]
    Tls(#[from] TlsError),
}

/// A hub with its store open and its adapters attached, ready to serve.
#[derive(Debug)]
pub struct Server {
    hub: Arc<Hub>,
    automations: Arc<Automations>,
    simulator: Option<Simulator>,
    mqtt: Option<MqttAdapter>,
    dist: PathBuf,
    accounts: Arc<Accounts>,
    /// What to print so the owner can sign in, on the run that made the
    /// first admin.
    first_run: Option<FirstRun>,
    data_dir: PathBuf,
    tls: Option<Loaded>,
    connections_per_ip: usize,
}

impl Server {
    /// Opens the store, restores what it remembers, and registers the simulated
    /// house. Nothing listens yet, so a bad setting or a locked database is
    /// reported before the hub claims its address.
    pub fn open(config: Config) -> Result<Server, Error> {
        Server::open_with_clock(config, None)
    }

    /// As [`Server::open`], with the rule runner timed by `clock` instead of
    /// the wall clock (or the simulator's): tests turn a manual clock.
    pub fn open_with_clock(config: Config, clock: Option<Clock>) -> Result<Server, Error> {
        if let Some(problem) = config.simulator.as_ref().and_then(SimulatorConfig::problem) {
            return Err(Error::Simulator(problem));
        }
        let index = config.dist.join("index.html");
        if !index.is_file() {
            tracing::warn!(
                "no dashboard at {}: run `trunk build --release`; until then only the API is served",
                index.display()
            );
        }
        let mut store = SqliteStore::open(&config.data_dir, config.retention)?;
        if let Some(simulator) = &config.simulator {
            crate::simulator::backfill(&mut store, simulator, config.retention, Utc::now())?;
        }
        let mut restored = store.load()?;
        let rules = std::mem::take(&mut restored.rules);
        tracing::info!(
            data_dir = %config.data_dir.display(),
            states = restored.states.len(),
            readings = restored.readings.len(),
            rules = rules.len(),
            "store opened"
        );
        let accounts = Arc::new(Accounts::open(&config.data_dir)?);
        let first_run = accounts.first_run()?;
        let store = StoreHandle::spawn(store).map_err(Error::Writer)?;
        let hub = Arc::new(Hub::new(store, config.retention, restored, COMMAND_TIMEOUT));
        let simulator = config
            .simulator
            .as_ref()
            .map(|simulator| Simulator::new(&hub, simulator));
        // Rules run on the simulator's clock when there is one, so that its
        // sped-up days have dusks and ten-minute holds of their own.
        let clock =
            clock.unwrap_or_else(|| simulator.as_ref().map_or(Clock::Real, Simulator::clock));
        let automations = Automations::new(hub.clone(), clock, Place::default());
        automations.restore(rules);
        Ok(Server {
            hub,
            automations,
            simulator,
            mqtt: None,
            dist: config.dist,
            accounts,
            first_run,
            data_dir: config.data_dir,
            tls: None,
            connections_per_ip: MAX_CONNECTIONS_PER_IP,
        })
    }

    /// Brings in devices through the MQTT broker at `config` as well (Home
    /// Assistant discovery and `hearth/<device>/<metric>`); the adapter
    /// connects, and keeps reconnecting, once the hub serves.
    pub fn with_mqtt(mut self, config: MqttConfig) -> Server {
        self.mqtt = Some(MqttAdapter::new(&self.hub, config));
        self
    }

    /// Serves HTTPS instead of HTTP, with the certificate `tls` names (made
    /// now in the self-signed mode, covering `listen` if it is a specific
    /// address). A file that cannot be used stops start-up, named.
    pub fn with_tls(mut self, tls: &Tls, listen: Option<IpAddr>) -> Result<Server, Error> {
        self.tls = Some(tls.load(&self.data_dir, listen)?);
        Ok(self)
    }

    /// Whether [`Server::serve`] will speak HTTPS (so cookies get `Secure`).
    pub fn serves_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The SHA-256 fingerprint of the certificate a user should check and
    /// trust (the local authority's in the self-signed mode), when serving HTTPS.
    pub fn tls_fingerprint(&self) -> Option<&str> {
        self.tls.as_ref().map(|tls| tls.fingerprint.as_str())
    }

    /// The local authority's certificate, to install on phones (self-signed mode).
    pub fn tls_authority(&self) -> Option<&Path> {
        self.tls.as_ref().and_then(|tls| tls.authority.as_deref())
    }

    /// Caps the connections one client address may hold open at once
    /// (default [`MAX_CONNECTIONS_PER_IP`]); those beyond get a 429 and are closed.
    pub fn limit_connections_per_ip(mut self, limit: usize) -> Server {
        self.connections_per_ip = limit.max(1);
        self
    }

    /// Sets how sessions expire (and, for tests, the clock they expire by).
    pub fn with_auth(self, settings: AuthSettings) -> Server {
        self.accounts.set_settings(settings);
        self
    }

    /// The users, sessions, tokens and audit log.
    pub fn accounts(&self) -> Arc<Accounts> {
        self.accounts.clone()
    }

    /// The first admin's password and one-time setup code, on the run that
    /// created them (a fresh data directory).
    pub fn first_run(&self) -> Option<&FirstRun> {
        self.first_run.as_ref()
    }

    pub fn hub(&self) -> Arc<Hub> {
        self.hub.clone()
    }

    /// The rules and their runner, which starts when the hub serves.
    pub fn automations(&self) -> Arc<Automations> {
        self.automations.clone()
    }

    /// Serves on `listener` until `shutdown` completes, then stops accepting,
    /// closes every WebSocket with 1001 "hub shutting down", stops the adapters
    /// and the rule runner, and flushes the store before returning.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), Error> {
        let acceptor = self
            .tls
            .as_ref()
            .map(|tls| tokio_rustls::TlsAcceptor::from(tls.config.clone()));
        let over_tls = OverTls(acceptor.is_some());
        // A tap that does nothing: axum gives handlers `ConnectInfo` for any
        // tapped listener whose address is a `SocketAddr`.
        let listener = HubListener::new(listener, acceptor, self.connections_per_ip)
            .map_err(Error::Serve)?
            .tap_io(|_| {});
        let (stop, stopped) = watch::channel(false);
        if let Some(simulator) = self.simulator {
            tokio::spawn(simulator.run(self.hub.clone(), stopped.clone()));
        }
        if let Some(mqtt) = self.mqtt {
            tokio::spawn(mqtt.run(self.hub.clone(), stopped.clone()));
        }
        tokio::spawn(prune_periodically(self.hub.clone(), stopped.clone()));
        tokio::spawn(self.automations.clone().run(stopped.clone()));
        let router = crate::app(self.hub.clone(), self.dist, stopped.clone())
            .merge(limits::cap_bodies(
                crate::automation::routes(self.automations.clone()),
                limits::MAX_RULE_BYTES,
            ))
            .merge(crate::auth::routes(self.accounts.clone()))
            // The browser socket hides rules outside a caller's rooms.
            .layer(axum::Extension(self.automations.clone()));
        // Inside the security headers, so refusals carry them too.
        let router = crate::guarded(router, self.accounts.clone());
        if self.tls.is_some() {
            let mut settings = self.accounts.settings();
            settings.secure_cookies = true;
            self.accounts.set_settings(settings);
        }
        let router = limits::cap_bodies(router, limits::MAX_BODY_BYTES)
            .layer(middleware::from_fn_with_state(over_tls, headers::add));
        let mut signal = stopped;
        let served = {
            let server = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { crate::stopping(&mut signal).await })
            .into_future();
            tokio::pin!(server);
            tokio::select! {
                served = &mut server => served,
                () = shutdown => {
                    tracing::info!("shutting down");
                    // This wakes every WebSocket session and the simulator as well
                    // as the server: graceful shutdown alone would leave upgraded
                    // connections open.
                    let _ = stop.send(true);
                    server.await
                }
            }
        };
        // In case the server ended on its own.
        let _ = stop.send(true);
        // Each session and the simulator holds a receiver until it has finished,
        // so this waits until every browser has had its Close frame.
        if tokio::time::timeout(SESSION_DRAIN, stop.closed())
            .await
            .is_err()
        {
            tracing::warn!("some connections were still closing when the hub stopped");
        }
        let flushed = self.hub.close_store().await;
        served.map_err(Error::Serve)?;
        flushed?;
        tracing::info!("hub stopped");
        Ok(())
    }
}

/// Sweeps history past its retention now and every [`PRUNE_EVERY`] until the
/// hub stops.
async fn prune_periodically(hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = crate::stopping(&mut shutdown) => break,
            _ = every.tick() => {
                // Fails only once the store is closed, which means stopping.
                if hub.prune_store(Utc::now()).await.is_err() {
                    break;
                }
            }
        }
    }
}
