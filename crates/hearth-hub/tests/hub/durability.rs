//! What was committed survives `kill -9`: the real `hearth-hub` binary, its
//! simulator writing every 20 ms, killed without warning and started again.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};

use crate::support::{HANG_GUARD, data_dir, dechunk};

/// A `hearth-hub` process, the address it announced, and a `read` token to
/// ask it with.
struct Process {
    child: Child,
    addr: String,
    token: String,
}

impl Process {
    fn start(data_dir: &Path, extra: &[&str]) -> Process {
        let created = Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(["token", "create", "--name", "durability", "--scope", "read"])
            .output()
            .expect("the token command runs");
        assert!(created.status.success(), "{created:?}");
        let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .arg("--dist")
            .arg(data_dir.join("no-dashboard-here"))
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the hub binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the hub announces its address");
        let addr = line
            .trim()
            .strip_prefix("Hearth hub listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Process { child, addr, token }
    }

    /// A plain GET; returns the status and the body.
    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("the hub accepts");
        stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Authorization: Bearer {}\r\n\r\n",
            self.addr, self.token
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("a whole response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, body)
    }

    /// Every raw fridge temperature the hub will show, as CSV rows.
    fn fridge_rows(&self, from: &str, to: &str) -> Vec<String> {
        let (status, body) = self.get(&format!(
            "/api/export.csv?device=fridge&metric=temperature&resolution=raw&from={from}&to={to}"
        ));
        assert_eq!(status, 200, "{body}");
        body.lines().skip(1).map(str::to_owned).collect()
    }

    fn kill(mut self) {
        // SIGKILL: no shutdown, no flush, no checkpoint.
        self.child.kill().expect("the hub can be killed");
        self.child.wait().expect("the hub is reaped");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn every_reading_the_api_showed_survives_kill_9() {
    let (_dir, path) = data_dir();
    let stamp = |at: chrono::DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let from = stamp(Utc::now() - TimeDelta::minutes(5));
    let to = stamp(Utc::now() + TimeDelta::minutes(5));

    let first = Process::start(&path, &["--sim-interval-ms", "20", "--sim-seed", "7"]);
    std::thread::sleep(Duration::from_millis(1500));
    // The API reads only what is committed; the simulator keeps writing while
    // it reads and until the kill.
    let shown = first.fridge_rows(&from, &to);
    first.kill();
    assert!(
        shown.len() >= 20,
        "only {} readings before the kill",
        shown.len()
    );

    // The house is back (history is served for known devices), but its sensors
    // stay quiet for the length of the test.
    let second = Process::start(&path, &["--sim-interval-ms", "3600000"]);
    let kept = second.fridge_rows(&from, &to);
    let lost: Vec<&String> = shown.iter().filter(|row| !kept.contains(row)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} lost, first {:?}",
        lost.len(),
        shown.len(),
        lost.first()
    );
    // The rollups were committed with the readings, so they count every one.
    let (status, body) = second.get(&format!(
        "/api/history?device=fridge&metric=temperature&from={from}&to={to}&max_points=10000"
    ));
    let history: hearth_core::HistoryResponse = serde_json::from_str(&body).expect(&body);
    let counted: u64 = history.buckets.iter().map(|b| b.count).sum();
    assert_eq!((status, counted), (200, kept.len() as u64));
    second.kill();
}
