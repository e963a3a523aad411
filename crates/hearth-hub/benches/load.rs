//! Load: N simulated DIY devices publishing through Mosquitto at a rate, M
//! browser clients on `/api/ws`, the release hub as a separate process.
//! Prints the latency of each reading to every client, and the CPU the hub,
//! the broker and this tool used. Run with
//!
//! ```sh
//! cargo bench -p hearth-hub --bench load -- --devices 1000 --rate 1 --clients 200 --seconds 30
//! ```
//!
//! Two latencies are measured on the one machine clock: from the device's
//! publish (its send time rides in the reading's value, as tenths of a
//! millisecond within a 100 s cycle, which the humidity range can hold) and
//! from the hub's receipt (the reading's `at`, which the MQTT adapter stamps)
//! to the moment a client has the frame, before parsing it.

// Each bench uses part of the shared support.
#[allow(dead_code)]
#[path = "support/processes.rs"]
mod processes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use processes::{HubProcess, Mosquitto, cpu_time, http_get, need, percent, percentiles};
use rumqttc::{AsyncClient, MqttOptions, QoS};
use serde::Deserialize;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

struct Args {
    devices: usize,
    rate: f64,
    clients: usize,
    seconds: u64,
    publishers: usize,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args {
            devices: 1000,
            rate: 1.0,
            clients: 200,
            seconds: 30,
            publishers: 4,
        };
        let mut words = std::env::args().skip(1);
        while let Some(word) = words.next() {
            // cargo bench passes `--bench` to every bench binary.
            if word == "--bench" {
                continue;
            }
            let value = words.next().unwrap_or_default();
            match word.as_str() {
                "--devices" => args.devices = number(&word, &value),
                "--rate" => args.rate = number(&word, &value),
                "--clients" => args.clients = number(&word, &value),
                "--seconds" => args.seconds = number(&word, &value),
                "--publishers" => args.publishers = number(&word, &value),
                _ => need(&format!("unknown option {word}"), USAGE),
            }
        }
        let rate_ok = args.rate.is_finite() && args.rate > 0.0;
        if args.devices == 0 || args.publishers == 0 || !rate_ok || args.seconds == 0 {
            need(
                "devices, publishers, rate and seconds must be above 0",
                USAGE,
            );
        }
        args
    }
}

fn number<T: std::str::FromStr>(word: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| need(&format!("{word} {value:?} is not understood"), USAGE))
}

const USAGE: &str = "usage: load [--devices N] [--rate HZ] [--clients M] [--seconds S] \
                     [--publishers P]";

/// The send time carried in a value: tenths of a millisecond within 100 s.
const CYCLE: u64 = 1_000_000;

fn now_tenth_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_micros() / 100) as u64
}

/// What a client reads of a frame: only readings matter here.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    reading: Option<ReadingFrame>,
}

#[derive(Deserialize)]
struct ReadingFrame {
    value: f64,
    at: DateTime<Utc>,
}

/// Latencies one client saw, in milliseconds.
#[derive(Default)]
struct Seen {
    from_device: Vec<f64>,
    from_hub: Vec<f64>,
    snapshots: u64,
}

fn main() {
    let args = Args::parse();
    let runtime = |threads| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .unwrap_or_else(|e| need(&e.to_string(), "cannot start tokio"))
    };
    // The devices get a thread of their own, so that busy clients cannot
    // delay a publish after its send time is taken.
    let devices = runtime(1);
    runtime(2).block_on(run(args, devices.handle().clone()));
}

async fn run(args: Args, devices: Handle) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| need(&e.to_string(), "check /tmp"));
    let broker = Mosquitto::start(dir.path());
    let hub = HubProcess::start(dir.path(), broker.port);
    let publishers: Vec<AsyncClient> = (0..args.publishers)
        .map(|i| publisher(broker.port, i, &devices))
        .collect();

    // Every device reports once, so that each is known before clients connect.
    let first = publishers.clone();
    let count = args.devices;
    let _ = devices
        .spawn(async move {
            for device in 0..count {
                publish(&first[device % first.len()], device).await;
            }
        })
        .await;
    wait_for_devices(&hub, args.devices).await;

    let measuring = Arc::new(AtomicBool::new(false));
    let (finish, finished) = watch::channel(false);
    let mut clients = Vec::new();
    for _ in 0..args.clients {
        clients.push(tokio::spawn(browser(
            hub.addr,
            hub.token.clone(),
            measuring.clone(),
            finished.clone(),
        )));
    }
    // Let every client get past its snapshot.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let pids = [hub.process.pid(), broker.process.pid(), std::process::id()];
    let cpu_before = pids.map(cpu_time);
    let started = Instant::now();
    measuring.store(true, Ordering::SeqCst);
    let run_for = Duration::from_secs(args.seconds);
    let mut senders = Vec::new();
    for (index, client) in publishers.iter().enumerate() {
        let ids: Vec<usize> = (index..args.devices).step_by(args.publishers).collect();
        senders.push(devices.spawn(paced(client.clone(), ids, args.rate, run_for)));
    }
    let mut sent = 0;
    for sender in senders {
        sent += sender.await.unwrap_or(0);
    }
    // Stragglers still on their way count; then the window closes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(false, Ordering::SeqCst);
    let wall = started.elapsed();
    let cpu_after = pids.map(cpu_time);

    let _ = finish.send(true);
    let mut all = Seen::default();
    for client in clients {
        if let Ok(seen) = client.await {
            all.from_device.extend(seen.from_device);
            all.from_hub.extend(seen.from_hub);
            all.snapshots += seen.snapshots;
        }
    }
    report(&args, sent, wall, &all, &cpu_before, &cpu_after, dir.path());
    drop(hub);
    drop(broker);
}

fn publisher(port: u16, index: usize, devices: &Handle) -> AsyncClient {
    let mut options = MqttOptions::new(format!("load-publisher-{index}"), "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut eventloop) = AsyncClient::new(options, 10_000);
    devices.spawn(async move {
        // Ends when the broker goes, at the end of the run.
        while eventloop.poll().await.is_ok() {}
    });
    client
}

async fn publish(client: &AsyncClient, device: usize) {
    let sent = now_tenth_ms() % CYCLE;
    let value = format!("{:.4}", sent as f64 / 10_000.0);
    let topic = format!("hearth/load-{device}/humidity");
    if let Err(error) = client.publish(topic, QoS::AtMostOnce, false, value).await {
        need(&format!("cannot publish ({error})"), "see the broker's log");
    }
}

/// Publishes for each of `devices` at `rate` Hz, their messages spread
/// evenly over each period, for `run_for`; answers how many were sent.
async fn paced(client: AsyncClient, devices: Vec<usize>, rate: f64, run_for: Duration) -> u64 {
    let start = tokio::time::Instant::now();
    let step = Duration::from_secs_f64(1.0 / rate / devices.len() as f64);
    let mut sent = 0;
    for due in (0u32..).map(|k| start + step * k) {
        if due - start >= run_for {
            break;
        }
        tokio::time::sleep_until(due).await;
        publish(&client, devices[sent as usize % devices.len()]).await;
        sent += 1;
    }
    sent
}

async fn wait_for_devices(hub: &HubProcess, devices: usize) {
    let started = Instant::now();
    loop {
        let body = http_get(hub.addr, &hub.token, "/api/devices").await;
        if body.matches("\"diy-load-").count() >= devices {
            return;
        }
        if started.elapsed() > Duration::from_secs(60) {
            need(
                "the hub did not list every device within 60 s",
                "see hub.log",
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A browser: reads frames until `finished`, timing each reading while
/// `measuring`.
async fn browser(
    addr: std::net::SocketAddr,
    token: String,
    measuring: Arc<AtomicBool>,
    mut finished: watch::Receiver<bool>,
) -> Seen {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    // A script's socket: a token and no Origin.
    let mut request = format!("ws://{addr}/api/ws")
        .into_client_request()
        .unwrap_or_else(|e| need(&format!("no request ({e})"), "check the address"));
    let bearer = format!("Bearer {token}")
        .parse()
        .unwrap_or_else(|_| need("the token is not a header value", "see hub.log"));
    request.headers_mut().insert("Authorization", bearer);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .unwrap_or_else(|e| need(&format!("a client cannot connect ({e})"), "see hub.log"));
    let mut seen = Seen::default();
    loop {
        let message = tokio::select! {
            _ = finished.changed() => break,
            message = socket.next() => message,
        };
        let Some(Ok(Message::Text(text))) = message else {
            match message {
                Some(Ok(_)) => continue,
                _ => break,
            }
        };
        let received_at = now_tenth_ms();
        let received = Utc::now();
        if !measuring.load(Ordering::Relaxed) {
            continue;
        }
        let Ok(frame) = serde_json::from_str::<Frame>(text.as_str()) else {
            continue;
        };
        match (frame.kind, frame.reading) {
            ("reading", Some(reading)) => {
                let sent = (reading.value * 10_000.0).round() as u64;
                let tenths = (received_at % CYCLE + CYCLE - sent) % CYCLE;
                seen.from_device.push(tenths as f64 / 10.0);
                let from_hub = (received - reading.at).num_microseconds().unwrap_or(0);
                seen.from_hub.push(from_hub as f64 / 1000.0);
            }
            ("snapshot", _) => seen.snapshots += 1,
            _ => {}
        }
    }
    seen
}

fn report(
    args: &Args,
    sent: u64,
    wall: Duration,
    seen: &Seen,
    before: &[Duration; 3],
    after: &[Duration; 3],
    dir: &std::path::Path,
) {
    let expected = sent * args.clients as u64;
    println!(
        "load: {} devices at {} Hz through Mosquitto, {} clients on /api/ws, {} s",
        args.devices, args.rate, args.clients, args.seconds
    );
    println!(
        "  sent {sent} readings ({:.0}/s); clients received {} of {expected} ({:.2} %), {} resync snapshots",
        sent as f64 / args.seconds as f64,
        seen.from_device.len(),
        100.0 * seen.from_device.len() as f64 / expected.max(1) as f64,
        seen.snapshots,
    );
    for (name, values) in [
        ("device → client", &seen.from_device),
        ("hub → client   ", &seen.from_hub),
    ] {
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let [p50, p95, p99, max] = percentiles(&sorted);
        println!("  latency {name} ms: p50 {p50:.2}  p95 {p95:.2}  p99 {p99:.2}  max {max:.2}");
    }
    for (index, name) in ["hub", "mosquitto", "load tool (devices + clients)"]
        .iter()
        .enumerate()
    {
        let used = after[index].saturating_sub(before[index]);
        println!(
            "  CPU {name}: {:.1} % of one core ({:.2} s over {:.1} s)",
            percent(used, wall),
            used.as_secs_f64(),
            wall.as_secs_f64()
        );
    }
    let log = std::fs::read_to_string(dir.join("hub.log")).unwrap_or_default();
    let behind = log.matches("fell behind").count();
    let warnings = log.lines().filter(|line| line.contains("WARN")).count();
    println!("  hub log: {warnings} warnings, {behind} of them a client falling behind");
}
