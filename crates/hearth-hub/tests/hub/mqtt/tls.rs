//! The MQTT adapter over `mqtts://`: certificates made at test time with the
//! `openssl` command, a Mosquitto with a TLS listener that requires a client
//! certificate beside the plain one the fake device uses, the hub trusting
//! the test's CA, and the `hearth-hub` binary explaining a CA it cannot trust.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use hearth_hub::{MqttConfig, MqttTls};
use tokio::sync::mpsc;

use super::{
    FakeDevice, Mosquitto, SENSOR, SENSOR_CONFIG, SENSOR_ID, devices_until, free_port, hub_with,
    report_until_seen,
};
use crate::support::{data_dir, guard, ids};

/// Runs `openssl` with the words of `args` in `dir`, failing the test with
/// its output.
fn openssl(dir: &Path, args: &str) {
    let output = Process::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("the TLS tests need the openssl command: apt-get install -y openssl");
    assert!(
        output.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA, a broker certificate for 127.0.0.1 and a client certificate signed
/// by it, and a second CA that signed neither.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn make() -> Certificates {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path();
        for ca in ["ca", "other-ca"] {
            openssl(
                at,
                &format!(
                    "req -x509 -newkey rsa:2048 -nodes -days 2 -keyout {ca}.key -out {ca}.pem \
                     -subj /CN=hearth-test-{ca}"
                ),
            );
        }
        // Extensions also make them version 3 certificates, which webpki
        // requires; openssl signs version 1 ones without any.
        std::fs::write(
            at.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        std::fs::write(at.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        for name in ["server", "client"] {
            openssl(
                at,
                &format!(
                    "req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr \
                     -subj /CN=hearth-{name}"
                ),
            );
            openssl(
                at,
                &format!(
                    "x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
                     -out {name}.pem -extfile {name}.ext"
                ),
            );
        }
        // Mosquitto started as root reads them as the `mosquitto` user.
        let readable = |path: &Path, mode| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        readable(at, 0o755);
        for key in ["server.key", "client.key"] {
            readable(&at.join(key), 0o644);
        }
        Certificates { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A Mosquitto listener on `port` that speaks TLS only and requires a
    /// client certificate signed by the CA.
    fn listener(&self, port: u16) -> String {
        format!(
            "listener {port} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\n",
            self.path("ca.pem").display(),
            self.path("server.pem").display(),
            self.path("server.key").display(),
        )
    }

    fn mqtt(&self, port: u16, ca: &str) -> MqttConfig {
        let mut mqtt = MqttConfig::from_url(&format!("mqtts://127.0.0.1:{port}")).unwrap();
        mqtt.tls = Some(MqttTls {
            ca: Some(self.path(ca)),
            client: Some((self.path("client.pem"), self.path("client.key"))),
        });
        mqtt
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_discovers_and_reads_devices_over_mutual_tls() {
    let certificates = Certificates::make();
    let tls_port = free_port();
    let broker = Mosquitto::start_with(&certificates.listener(tls_port)).await;
    let (_dir, path) = data_dir();
    let device = FakeDevice::connect(&broker, &[]).await;
    device.publish(SENSOR_CONFIG, true, SENSOR).await;
    let mqtt = certificates.mqtt(tls_port, "ca.pem");
    mqtt.check().expect("the test's TLS files are usable");

    let hub = hub_with(mqtt, &path).await;
    devices_until(&hub, "the sensor over TLS", |d| ids(d).contains(SENSOR_ID)).await;
    report_until_seen(&hub, &device, 19.5).await;
    hub.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_signed_by_another_ca_is_refused_and_the_log_says_why() {
    let certificates = Certificates::make();
    let tls_port = free_port();
    let _broker = Mosquitto::start_with(&certificates.listener(tls_port)).await;
    let (_dir, path) = data_dir();
    let mut hub = Process::new(env!("CARGO_BIN_EXE_hearth-hub"))
        .args(["--listen", "127.0.0.1:0", "--no-simulator", "--data-dir"])
        .arg(&path)
        .arg("--mqtt")
        .arg(format!("mqtts://127.0.0.1:{tls_port}"))
        .arg("--mqtt-ca")
        .arg(certificates.path("other-ca.pem"))
        .arg("--mqtt-client-cert")
        .arg(certificates.path("client.pem"))
        .arg("--mqtt-client-key")
        .arg(certificates.path("client.key"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hub binary starts");
    let (lines, mut logged) = mpsc::unbounded_channel();
    let stderr = hub.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let warning = guard("the hub to log the untrusted broker", async {
        loop {
            let line = logged.recv().await.expect("the hub keeps running");
            if line.contains("WARN") && line.contains("MQTT") {
                return line;
            }
        }
    })
    .await;
    let _ = hub.kill();
    let _ = hub.wait();
    assert!(
        warning.contains("the broker's TLS certificate is not trusted")
            && warning.contains("--mqtt-ca"),
        "{warning}"
    );
}
