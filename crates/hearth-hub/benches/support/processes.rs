//! The processes a load bench runs against: a Mosquitto of its own on a free
//! loopback port and the release `hearth-hub` binary as a separate process (so
//! its CPU time can be read from `/proc`), both killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every child still running, so that a failing bench can stop them: `exit`
/// runs no destructors (and the bench profile aborts on panic).
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Fails the bench with a message saying what is missing, stopping the
/// broker and the hub first.
pub(crate) fn need(what: &str, fix: &str) -> ! {
    eprintln!("error: {what}; {fix}");
    let children = std::mem::take(&mut *CHILDREN.lock().unwrap_or_else(|e| e.into_inner()));
    for pid in children {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    std::process::exit(2)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| need(&format!("no free loopback port ({e})"), "check the network"))
}

/// A child process, killed when dropped.
pub(crate) struct Process {
    child: Child,
}

impl Process {
    pub(crate) fn new(child: Child) -> Process {
        CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(child.id());
        Process { child }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let pid = self.child.id();
        CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|child| *child != pid);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Mosquitto {
    pub(crate) port: u16,
    pub(crate) process: Process,
}

impl Mosquitto {
    pub(crate) fn start(dir: &Path) -> Mosquitto {
        let port = free_port();
        let config = dir.join("mosquitto.conf");
        // A long queue per subscriber, so that a measurement counts what each
        // subscriber absorbs rather than what the broker dropped for it.
        let text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
             max_queued_messages 1000000\n"
        );
        std::fs::write(&config, text).unwrap_or_else(|e| need(&e.to_string(), "check /tmp"));
        let binary = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
            .into_iter()
            .find(|path| Path::new(path).is_file())
            .unwrap_or_else(|| need("Mosquitto is not installed", "run scripts/setup.sh test"));
        let child = Command::new(binary)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| need(&format!("Mosquitto does not start ({e})"), "see above"));
        let process = Process::new(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                need(
                    "Mosquitto did not listen within 10 s",
                    "run it by hand to see why",
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Mosquitto { port, process }
    }
}

pub(crate) struct HubProcess {
    pub(crate) addr: SocketAddr,
    pub(crate) process: Process,
    /// A `control` token, made with `hearth-hub token create` before the
    /// hub starts, for the bench's REST calls and sockets.
    pub(crate) token: String,
}

impl HubProcess {
    /// Starts the hub without the simulator, its data in `dir`, bringing in
    /// devices through the broker on `mqtt_port`. Warnings go to
    /// `dir/hub.log`, where the bench counts them.
    pub(crate) fn start(dir: &Path, mqtt_port: u16) -> HubProcess {
        let log = std::fs::File::create(dir.join("hub.log"))
            .unwrap_or_else(|e| need(&e.to_string(), "check /tmp"));
        let created = Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(["token", "create", "--name", "bench", "--scope", "control"])
            .output()
            .unwrap_or_else(|e| need(&format!("the hub does not run ({e})"), "build it"));
        let token = String::from_utf8_lossy(&created.stdout).trim().to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
            .args(["--listen", "127.0.0.1:0", "--no-simulator", "--data-dir"])
            .arg(dir.join("data"))
            .arg("--dist")
            .arg(dir.join("no-dashboard"))
            .arg("--mqtt")
            .arg(format!("mqtt://127.0.0.1:{mqtt_port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| need(&format!("the hub does not start ({e})"), "build it"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let process = Process::new(child);
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let addr = line
            .trim()
            .strip_prefix("Hearth hub listening on http://")
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| {
                need(
                    &format!("the hub did not say where it listens ({line:?})"),
                    "see hub.log",
                )
            });
        HubProcess {
            addr,
            process,
            token,
        }
    }
}

/// CPU time (user + system) a process has used so far.
pub(crate) fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it do not. utime and
    // stime are the 14th and 15th fields, the 12th and 13th after the name.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields
        .get(11..13)
        .map(|both| both.iter().filter_map(|f| f.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    Duration::from_secs_f64(ticks as f64 / clock_ticks())
}

/// Clock ticks per second of `/proc/<pid>/stat`'s times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// What fraction of one core `used` is over `wall`, in percent.
pub(crate) fn percent(used: Duration, wall: Duration) -> f64 {
    100.0 * used.as_secs_f64() / wall.as_secs_f64()
}

/// Percentiles of sorted values: p50, p95, p99 and the maximum.
pub(crate) fn percentiles(sorted: &[f64]) -> [f64; 4] {
    if sorted.is_empty() {
        return [f64::NAN; 4];
    }
    let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    [at(0.50), at(0.95), at(0.99), sorted[sorted.len() - 1]]
}

/// A plain HTTP/1.1 GET on the hub with `token`, the body as text.
pub(crate) async fn http_get(addr: SocketAddr, token: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return String::new();
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}
