//! MQTT ingest: how many messages a second the hub absorbs from Mosquitto
//! (counted as readings committed to its SQLite store) against `mosquitto_sub`
//! draining the same stream in the same run, one fast publisher sending DIY
//! readings at QoS 0. Run with
//!
//! ```sh
//! cargo bench -p hearth-hub --bench mqtt_ingest -- --messages 100000 --devices 100
//! ```

// Each bench uses part of the shared support.
#[allow(dead_code)]
#[path = "support/processes.rs"]
mod processes;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use processes::{HubProcess, Mosquitto, cpu_time, http_get, need, percent};
use rumqttc::{AsyncClient, MqttOptions, QoS};

const USAGE: &str = "usage: mqtt_ingest [--messages N] [--devices D]";

/// How long a count may stand still before its stream is taken to be over.
const QUIET: Duration = Duration::from_secs(3);

struct Args {
    messages: u64,
    devices: u64,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args {
            messages: 100_000,
            devices: 100,
        };
        let mut words = std::env::args().skip(1);
        while let Some(word) = words.next() {
            // cargo bench passes `--bench` to every bench binary.
            if word == "--bench" {
                continue;
            }
            let value = words.next().unwrap_or_default();
            let number = value
                .parse()
                .unwrap_or_else(|_| need(&format!("{word} {value:?} is not understood"), USAGE));
            match word.as_str() {
                "--messages" => args.messages = number,
                "--devices" => args.devices = number,
                _ => need(&format!("unknown option {word}"), USAGE),
            }
        }
        if args.messages == 0 || args.devices == 0 {
            need("messages and devices must be above 0", USAGE);
        }
        args
    }
}

/// Where a counted stream stood: how many, and when it last grew.
struct Progress {
    count: AtomicU64,
    last_micros: AtomicU64,
    epoch: Instant,
}

impl Progress {
    fn new(epoch: Instant) -> Arc<Progress> {
        Arc::new(Progress {
            count: AtomicU64::new(0),
            last_micros: AtomicU64::new(0),
            epoch,
        })
    }

    fn set(&self, count: u64) {
        if count > self.count.swap(count, Ordering::SeqCst) {
            let micros = self.epoch.elapsed().as_micros() as u64;
            self.last_micros.store(micros, Ordering::SeqCst);
        }
    }

    fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    fn last(&self) -> Duration {
        Duration::from_micros(self.last_micros.load(Ordering::SeqCst))
    }
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| need(&e.to_string(), "cannot start tokio"));
    runtime.block_on(run(args));
}

async fn run(args: Args) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| need(&e.to_string(), "check /tmp"));
    let broker = Mosquitto::start(dir.path());
    let hub = HubProcess::start(dir.path(), broker.port);
    let epoch = Instant::now();
    let drained = Progress::new(epoch);
    let _sub = mosquitto_sub(broker.port, drained.clone());
    let client = publisher(broker.port);

    // One message per device first, so that every device is registered
    // before the measured burst; again until the subscriber, which may
    // still be connecting, has heard a round too.
    let started = Instant::now();
    loop {
        for device in 0..args.devices {
            publish(&client, device).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let listed = http_get(hub.addr, &hub.token, "/api/devices")
            .await
            .matches("\"diy-ingest-")
            .count() as u64;
        if listed >= args.devices && drained.count() >= args.devices {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            need("the devices did not all arrive within 60 s", "see hub.log");
        }
    }
    let db = rusqlite::Connection::open(dir.path().join("data").join("hearth.db"))
        .unwrap_or_else(|e| need(&format!("cannot open the hub's store ({e})"), "see hub.log"));
    let stored_before = stored(&db);
    let drained_before = drained.count();
    let committed = Progress::new(epoch);
    committed.set(0);

    let cpu_before = cpu_time(hub.process.pid());
    let start = epoch.elapsed();
    for n in 0..args.messages {
        publish(&client, n % args.devices).await;
    }
    let published = epoch.elapsed() - start;

    // Follow the store until it stops growing or has everything.
    loop {
        let count = stored(&db).saturating_sub(stored_before);
        committed.set(count);
        let done = count >= args.messages && drained.count() - drained_before >= args.messages;
        let quiet = epoch
            .elapsed()
            .saturating_sub(committed.last().max(drained.last()))
            > QUIET;
        if done || quiet {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = cpu_time(hub.process.pid()).saturating_sub(cpu_before);

    let hub_count = committed.count();
    let hub_time = committed.last().saturating_sub(start);
    let sub_count = drained.count() - drained_before;
    let sub_time = drained.last().saturating_sub(start);
    let rate = |count: u64, time: Duration| count as f64 / time.as_secs_f64();
    println!(
        "mqtt_ingest: {} QoS 0 messages to {} DIY devices, published in {:.2} s ({:.0}/s)",
        args.messages,
        args.devices,
        published.as_secs_f64(),
        rate(args.messages, published)
    );
    println!(
        "  mosquitto_sub: {sub_count} received in {:.2} s: {:.0} msg/s",
        sub_time.as_secs_f64(),
        rate(sub_count, sub_time)
    );
    println!(
        "  hub:           {hub_count} committed in {:.2} s: {:.0} msg/s, CPU {:.0} % of one core",
        hub_time.as_secs_f64(),
        rate(hub_count, hub_time),
        percent(cpu, hub_time)
    );
    println!(
        "  ratio hub / mosquitto_sub: {:.2}",
        rate(hub_count, hub_time) / rate(sub_count, sub_time)
    );
}

/// Readings committed to the hub's store so far.
fn stored(db: &rusqlite::Connection) -> u64 {
    match db.query_row("SELECT count(*) FROM readings", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(count) => u64::try_from(count).unwrap_or(0),
        Err(error) => need(
            &format!("cannot count the hub's readings ({error})"),
            "see hub.log",
        ),
    }
}

/// `mosquitto_sub` on the same topics as the hub, one line per message,
/// counted as they arrive.
fn mosquitto_sub(port: u16, progress: Arc<Progress>) -> processes::Process {
    let mut child = Command::new("mosquitto_sub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-q",
            "1",
            "-t",
            "hearth/#",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            need(
                &format!("mosquitto_sub does not start ({e})"),
                "apt-get install -y mosquitto-clients",
            )
        });
    let mut stdout = child.stdout.take().expect("stdout is piped");
    std::thread::spawn(move || {
        let mut buffer = vec![0; 64 * 1024];
        let mut lines = 0;
        while let Ok(read) = stdout.read(&mut buffer) {
            if read == 0 {
                return;
            }
            lines += buffer[..read].iter().filter(|b| **b == b'\n').count() as u64;
            progress.set(lines);
        }
    });
    processes::Process::new(child)
}

fn publisher(port: u16) -> AsyncClient {
    let mut options = MqttOptions::new("ingest-publisher", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut eventloop) = AsyncClient::new(options, 10_000);
    tokio::spawn(async move {
        // Ends when the broker goes, at the end of the run.
        while eventloop.poll().await.is_ok() {}
    });
    client
}

async fn publish(client: &AsyncClient, device: u64) {
    let topic = format!("hearth/ingest-{device}/humidity");
    if let Err(error) = client.publish(topic, QoS::AtMostOnce, false, "50.5").await {
        need(&format!("cannot publish ({error})"), "see the broker's log");
    }
}
