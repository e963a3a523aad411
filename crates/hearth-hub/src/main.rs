//! The `hearth-hub` binary: parses the command line, opens the hub, binds, and
//! serves until SIGINT or SIGTERM.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use chrono::TimeDelta;
use clap::{ArgGroup, Parser, Subcommand};
use hearth_hub::{
    AccountError, Accounts, AuthSettings, Role, Scope, Tls, UserChange, audit_text, check_binding,
};
use hearth_hub::{
    Config, MAX_SPEED, MqttConfig, MqttTls, Place, Retention, Server, SimulatorConfig,
};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// Who the audit log says made a change from the command line.
const CLI: &str = "cli";

/// The Hearth hub: serves the dashboard and its live API, and runs a simulated
/// house unless told not to.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Without a command, the hub runs.
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The built dashboard (`trunk build --release` writes it).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    dist: PathBuf,
    /// Where the hub keeps its database (`hearth.db`); created if missing.
    #[arg(long, value_name = "DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// Run without the simulated house.
    #[arg(long)]
    no_simulator: bool,
    /// How often each simulated sensor reports, in real milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000, value_parser = parse_interval)]
    sim_interval_ms: u64,
    /// How many times faster than real time simulated time runs.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = parse_speed)]
    sim_speed: f64,
    /// Seed for the simulated weather and household; random if not given.
    #[arg(long, value_name = "SEED")]
    sim_seed: Option<u64>,
    /// Before starting, write this many days of simulated 1-minute history
    /// (skipped where the database already has history).
    #[arg(long, value_name = "DAYS", default_value_t = 0)]
    backfill: u32,
    /// How long raw readings are kept.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = parse_days)]
    raw_retention_days: u32,
    /// How long 1-minute rollups are kept; 1-hour rollups are kept forever.
    #[arg(long, value_name = "DAYS", default_value_t = 365, value_parser = parse_days)]
    minute_retention_days: u32,
    /// The house's latitude in degrees north (south negative), for sun events.
    #[arg(
        long,
        value_name = "DEGREES",
        default_value_t = 51.5,
        allow_negative_numbers = true
    )]
    latitude: f64,
    /// The house's longitude in degrees east (west negative).
    #[arg(long, value_name = "DEGREES", default_value_t = -0.13, allow_negative_numbers = true)]
    longitude: f64,
    /// The house's IANA time zone, in which rules' times of day are read.
    #[arg(long, value_name = "ZONE", default_value = "Europe/London")]
    timezone: String,
    /// Also bring in devices through this MQTT broker (`mqtt://host:port`, or
    /// `mqtts://host:port` for TLS): Home Assistant discovery and
    /// `hearth/<device>/<metric>` (docs/mqtt.md).
    #[arg(long, value_name = "URL", value_parser = MqttConfig::from_url)]
    mqtt: Option<MqttConfig>,
    /// The user name to log in to the MQTT broker with.
    #[arg(long, value_name = "NAME", requires = "mqtt")]
    mqtt_username: Option<String>,
    /// The password to log in to the MQTT broker with.
    #[arg(long, value_name = "PASSWORD", requires = "mqtt")]
    mqtt_password: Option<String>,
    /// PEM file of the CA that signed the broker's certificate (mqtts://);
    /// without it the system's CA certificates are trusted.
    #[arg(long, value_name = "FILE", requires = "mqtt")]
    mqtt_ca: Option<PathBuf>,
    /// PEM client certificate to show a broker that requires one (mqtts://).
    #[arg(long, value_name = "FILE", requires_all = ["mqtt", "mqtt_client_key"])]
    mqtt_client_cert: Option<PathBuf>,
    /// PEM private key of --mqtt-client-cert.
    #[arg(long, value_name = "FILE", requires = "mqtt_client_cert")]
    mqtt_client_key: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate signed by a local authority the hub
    /// keeps in <data dir>/tls (install `hearth-ca.pem` on phones; docs/security.md).
    #[arg(long)]
    tls_self_signed: bool,
    /// The most connections one client address may hold open at once.
    #[arg(long, value_name = "N", default_value_t = hearth_hub::MAX_CONNECTIONS_PER_IP)]
    max_connections_per_ip: usize,
    /// A session unused this many minutes is over (sign in again).
    #[arg(long, value_name = "MINUTES", default_value_t = 12 * 60, value_parser = parse_minutes)]
    session_idle_minutes: u32,
    /// A session this many days old is over, however much it is used.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = parse_days)]
    session_lifetime_days: u32,
}

fn parse_days(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(days) if days > 100 * 365 => Err("must be at most 36500".into()),
        Ok(days) => Ok(days),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_minutes(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(minutes) if minutes > 365 * 24 * 60 => Err("must be at most a year".into()),
        Ok(minutes) => Ok(minutes),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_interval(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(ms) => Ok(ms),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.parse().map_err(|e| format!("{e}"))?;
    // Written this way round so that NaN is refused too.
    if speed > 0.0 && speed <= MAX_SPEED {
        Ok(speed)
    } else {
        Err(format!("must be above 0 and at most {MAX_SPEED}"))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    match &args.command {
        Some(Command::Token(action)) => return token(&args.data_dir, action),
        Some(Command::User(action)) => return user(&args.data_dir, action),
        None => {}
    }
    let place = Place::new(args.latitude, args.longitude, &args.timezone)
        .context("invalid --latitude, --longitude or --timezone")?;
    let config = Config {
        dist: args.dist,
        data_dir: args.data_dir,
        simulator: (!args.no_simulator).then(|| SimulatorConfig {
            interval: Duration::from_millis(args.sim_interval_ms),
            speed: args.sim_speed,
            seed: args.sim_seed,
            backfill_days: args.backfill,
        }),
        retention: Retention {
            raw: TimeDelta::days(i64::from(args.raw_retention_days)),
            minute: TimeDelta::days(i64::from(args.minute_retention_days)),
        },
    };
    let mut server = Server::open(config).context("cannot start the hub")?;
    if let Some(mut mqtt) = args.mqtt {
        mqtt.username = args.mqtt_username;
        mqtt.password = args.mqtt_password;
        let tls_files = args.mqtt_ca.is_some() || args.mqtt_client_cert.is_some();
        match &mut mqtt.tls {
            Some(tls) => {
                *tls = MqttTls {
                    ca: args.mqtt_ca,
                    client: args.mqtt_client_cert.zip(args.mqtt_client_key),
                };
            }
            None if tls_files => {
                anyhow::bail!("--mqtt-ca and --mqtt-client-cert need an mqtts:// broker URL");
            }
            None => {}
        }
        mqtt.check()
            .map_err(|why| anyhow::anyhow!(why))
            .context("cannot use the MQTT TLS files")?;
        server = server.with_mqtt(mqtt);
    }
    server.automations().set_place(place);
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls::Files { cert, key }),
        _ if args.tls_self_signed => Some(Tls::SelfSigned),
        _ => None,
    };
    if let Some(tls) = &tls {
        let listen_ip = args
            .listen
            .parse::<std::net::SocketAddr>()
            .ok()
            .map(|addr| addr.ip());
        server = server
            .with_tls(tls, listen_ip)
            .context("cannot start the hub")?;
    }
    server = server.limit_connections_per_ip(args.max_connections_per_ip);
    server = server.with_auth(AuthSettings {
        idle: TimeDelta::minutes(i64::from(args.session_idle_minutes)),
        absolute: TimeDelta::days(i64::from(args.session_lifetime_days)),
        ..AuthSettings::default()
    });
    let listener = TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    {
        // Scripts and tests read the first line to learn the port, and may
        // stop reading after it: everything goes out in one write, so that
        // what follows cannot fail on a pipe they have closed.
        let scheme = if server.serves_tls() { "https" } else { "http" };
        let mut announcement = format!("Hearth hub listening on {scheme}://{address}/\n");
        if let Some(first) = server.first_run() {
            // Only on the run that made the first admin, for the person who
            // started the hub (and the e2e harness, which signs in with it).
            announcement.push_str(&format!(
                "First run: sign in at {scheme}://{address}/login?setup={} (one-time link), \
                 or as {} with password {}\n",
                first.setup_code, first.username, first.password
            ));
        }
        if let Some(fingerprint) = server.tls_fingerprint() {
            announcement.push_str(&format!(
                "TLS certificate SHA-256 fingerprint: {fingerprint}\n"
            ));
        }
        if let Some(authority) = server.tls_authority() {
            announcement.push_str(&format!(
                "Phones trust the hub once they install {} (docs/security.md)\n",
                authority.display()
            ));
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(announcement.as_bytes())?;
        stdout.flush()?;
    }
    server.serve(listener, shutdown_signal()).await?;
    Ok(())
}

/// Completes on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create, list and revoke the tokens devices and scripts present
    /// (docs/api.md). Works while a hub runs on the same --data-dir.
    #[command(subcommand)]
    Token(TokenAction),
    /// Add, list and remove the people who sign in, change their role or
    /// rooms, and set passwords. Works while a hub runs on the same
    /// --data-dir.
    #[command(subcommand)]
    User(UserAction),
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Add a user. Without --password-stdin a password is generated and
    /// printed once.
    Add {
        name: String,
        /// admin (everything), member (view and control) or viewer (view only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The only rooms the user sees and touches, comma-separated as
        /// devices name them (`Kitchen,Living room`); every room without it.
        #[arg(long, value_name = "ROOMS", value_delimiter = ',')]
        rooms: Option<Vec<String>>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user and end their sessions; the last admin is kept.
    Remove { name: String },
    /// List users: name, role, rooms, created.
    List,
    /// Change a user's role or rooms; the last admin keeps the role. A
    /// running hub's open sockets of theirs notice within 30 seconds.
    #[command(group(
        ArgGroup::new("change")
            .required(true)
            .multiple(true)
            .args(["role", "rooms", "every_room"])
    ))]
    Set {
        name: String,
        /// admin (everything), member (view and control) or viewer (view only).
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// The only rooms the user sees and touches, comma-separated as
        /// devices name them (`Kitchen,Living room`).
        #[arg(
            long,
            value_name = "ROOMS",
            value_delimiter = ',',
            conflicts_with = "every_room"
        )]
        rooms: Option<Vec<String>>,
        /// Let the user see and touch every room.
        #[arg(long)]
        every_room: bool,
    },
    /// Set a user's password (ending their sessions); generated and printed
    /// without --password-stdin.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::from_name(text).ok_or_else(|| "must be admin, member or viewer".to_owned())
}

/// The password to set: standard input's first line, or a generated one
/// (printed on standard output, once).
fn new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let password = Accounts::generate_password()?;
    eprintln!("The password is shown only now, so keep it:");
    println!("{password}");
    Ok(password)
}

fn user(data_dir: &std::path::Path, action: &UserAction) -> anyhow::Result<()> {
    let accounts = Accounts::open(data_dir).context("cannot open the hub's database")?;
    match action {
        UserAction::Add {
            name,
            role,
            rooms,
            password_stdin,
        } => {
            let password = new_password(*password_stdin)?;
            let user = accounts.add_user(name, Some(&password), *role, rooms.as_deref())?;
            accounts.record(CLI, "user.add", audit_text::user_added(&user));
            eprintln!("Added {name} ({role}).");
        }
        UserAction::Remove { name } => match accounts.remove_user(name) {
            Ok(()) => {
                accounts.record(CLI, "user.remove", name.clone());
                eprintln!("Removed {name}.");
            }
            Err(AccountError::NoUser(_)) => {
                anyhow::bail!("there is no user {name}; `hearth-hub user list` shows them")
            }
            Err(error) => return Err(error.into()),
        },
        UserAction::List => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "name\trole\trooms\tcreated")?;
            for user in accounts.users()? {
                let rooms = user
                    .rooms
                    .map_or_else(|| "*".to_owned(), |rooms| rooms.join(","));
                writeln!(
                    stdout,
                    "{}\t{}\t{rooms}\t{}",
                    user.username,
                    user.role,
                    user.created.to_rfc3339()
                )?;
            }
        }
        UserAction::Set {
            name,
            role,
            rooms,
            every_room,
        } => {
            let change = UserChange {
                role: *role,
                rooms: if *every_room {
                    Some(None)
                } else {
                    rooms.clone().map(Some)
                },
                password: None,
            };
            match accounts.update_user(name, &change) {
                Ok((before, after)) => {
                    let change = audit_text::user_changed(&before, &after, false);
                    println!("{change}");
                    accounts.record(CLI, "user.change", change);
                }
                Err(AccountError::NoUser(_)) => {
                    anyhow::bail!("there is no user {name}; `hearth-hub user list` shows them")
                }
                Err(error) => return Err(error.into()),
            }
        }
        UserAction::Passwd {
            name,
            password_stdin,
        } => {
            let password = new_password(*password_stdin)?;
            accounts.set_password(name, &password)?;
            accounts.record(CLI, "user.change", audit_text::password_set(name));
            eprintln!("Set the password of {name}; their sessions have ended.");
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create a token and print it, once, on standard output.
    Create {
        /// Who or what will hold it (`shed-sensor`), for `token list`.
        #[arg(long, value_parser = parse_token_name)]
        name: String,
        /// What it allows; repeat for several.
        #[arg(long, value_name = "SCOPE", default_value = "ingest", value_parser = parse_scope)]
        scope: Vec<Scope>,
        /// Only these devices, comma-separated (`shed-thermometer,shed-door`):
        /// the token may describe and send readings for no others. Needs the
        /// ingest scope; left out, the token speaks for any device.
        #[arg(long, value_name = "IDS", value_delimiter = ',')]
        devices: Option<Vec<String>>,
    },
    /// List every token (never the secrets): id, name, scopes, devices,
    /// created, revoked.
    List,
    /// Revoke a token at once, even on a running hub.
    Revoke {
        /// The id `token list` shows.
        id: i64,
    },
}

fn parse_token_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err("must have 1 to 64 characters".into());
    }
    Ok(name.to_owned())
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    Scope::from_name(text).ok_or_else(|| {
        let known: Vec<&str> = Scope::ALL.iter().map(|scope| scope.name()).collect();
        format!("unknown scope; known: {}", known.join(", "))
    })
}

fn token(data_dir: &std::path::Path, action: &TokenAction) -> anyhow::Result<()> {
    let accounts = Accounts::open(data_dir).context("cannot open the hub's database")?;
    let mut stdout = std::io::stdout().lock();
    match action {
        TokenAction::Create {
            name,
            scope,
            devices,
        } => {
            let mut scopes = scope.clone();
            scopes.dedup();
            let devices = devices
                .as_ref()
                .map(|devices| check_binding(&scopes, devices))
                .transpose()
                .map_err(|error| anyhow::anyhow!("--devices: {error}"))?;
            let created = accounts.create_bound_token(name, &scopes, devices.as_deref())?;
            accounts.record(
                CLI,
                "token.create",
                audit_text::token_created(&created.info),
            );
            eprintln!(
                "Created token {} ({name}); it is shown only now, so keep it:",
                created.info.id
            );
            writeln!(stdout, "{}", created.secret)?;
        }
        TokenAction::List => {
            writeln!(stdout, "id\tname\tscopes\tcreated\trevoked\tdevices")?;
            for info in accounts.tokens()? {
                let scopes: Vec<&str> = info.scopes.iter().map(|scope| scope.name()).collect();
                let revoked = info.revoked.map(|at| at.to_rfc3339()).unwrap_or_default();
                let devices = match &info.devices {
                    None => "any".to_owned(),
                    Some(devices) => {
                        let ids: Vec<&str> = devices.iter().map(|id| id.as_str()).collect();
                        ids.join(",")
                    }
                };
                writeln!(
                    stdout,
                    "{}\t{}\t{}\t{}\t{revoked}\t{devices}",
                    info.id,
                    info.name,
                    scopes.join(" "),
                    info.created.to_rfc3339()
                )?;
            }
        }
        TokenAction::Revoke { id } => match accounts.revoke_token(*id)? {
            Some(info) => {
                accounts.record(CLI, "token.revoke", audit_text::token_revoked(&info));
                eprintln!("Token {id} ({}) is revoked.", info.name);
            }
            None => anyhow::bail!("there is no token {id}; `hearth-hub token list` shows them"),
        },
    }
    Ok(())
}
