//! The MQTT adapter: devices that speak Home Assistant's MQTT discovery
//! (Tasmota, Shelly, Zigbee2MQTT, ESPHome, …) and DIY devices that publish
//! plain numbers on `hearth/<device>/<metric>`, through a broker such as
//! Mosquitto. `discovery` and `template` read configs and payloads purely,
//! `entity` says what they mean to the hub, `adapter` does the I/O and `tls`
//! sets up `mqtts://`.

mod adapter;
mod discovery;
mod entity;
pub mod fuzzing;
mod template;
mod tls;

use std::fmt;

pub(crate) use adapter::MqttAdapter;
pub use tls::MqttTls;

/// The name devices found over MQTT give as their adapter.
pub(crate) const ADAPTER: &str = "mqtt";

/// The largest payload read; anything bigger is logged and dropped.
const MAX_PAYLOAD: usize = 64 * 1024;

/// Where the broker is, how to log in, and whether to talk TLS.
#[derive(Clone, PartialEq, Eq)]
pub struct MqttConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Set for `mqtts://`.
    pub tls: Option<MqttTls>,
}

impl MqttConfig {
    /// Reads `mqtt://host[:port]` (port 1883 by default) or
    /// `mqtts://host[:port]` (TLS, port 8883 by default, trusting the system's
    /// roots until `tls` says otherwise).
    pub fn from_url(url: &str) -> Result<MqttConfig, String> {
        let (rest, tls, default_port) = match url.split_once("://") {
            Some(("mqtt" | "tcp", rest)) => (rest, None, 1883),
            Some(("mqtts" | "ssl", rest)) => (rest, Some(MqttTls::default()), 8883),
            Some((scheme, _)) => {
                return Err(format!(
                    "unknown scheme {scheme:?}; use mqtt:// or mqtts://"
                ));
            }
            None => return Err("expected mqtt://host:port or mqtts://host:port".into()),
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') || rest.contains('@') {
            return Err(
                "expected mqtt://host:port (give credentials with --mqtt-username and --mqtt-password)"
                    .into(),
            );
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| format!("invalid port {port:?}"))?,
            ),
            None => (rest, default_port),
        };
        if host.is_empty() {
            return Err("the broker's host is missing".into());
        }
        Ok(MqttConfig {
            host: host.to_owned(),
            port,
            username: None,
            password: None,
            tls,
        })
    }

    /// Reads the TLS files, so that a wrong one stops the hub as it starts
    /// rather than turning up later as a connection that never succeeds.
    pub fn check(&self) -> Result<(), String> {
        match &self.tls {
            Some(tls) => tls.client_config().map(|_| ()),
            None => Ok(()),
        }
    }
}

// Keeps the password out of logs.
impl fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("tls", &self.tls)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls_are_read_or_refused_with_a_reason() {
        let table = [
            ("mqtt://localhost:1884", Ok(("localhost", 1884))),
            ("mqtt://10.0.0.2", Ok(("10.0.0.2", 1883))),
            ("tcp://broker:1883/", Ok(("broker", 1883))),
            ("mqtts://broker:8884", Ok(("broker", 8884))),
            ("ssl://broker", Ok(("broker", 8883))),
            ("http://broker", Err("scheme")),
            ("broker:1883", Err("expected")),
            ("mqtt://broker:http", Err("port")),
            ("mqtt://user:pw@broker", Err("credentials")),
            ("mqtt://:1883", Err("host")),
        ];
        for (url, want) in table {
            let got = MqttConfig::from_url(url);
            match (got, want) {
                (Ok(config), Ok((host, port))) => {
                    assert_eq!((config.host.as_str(), config.port), (host, port), "{url}");
                }
                (Err(why), Err(part)) => assert!(why.contains(part), "{url}: {why}"),
                (got, _) => panic!("{url}: {got:?}"),
            }
        }
    }
}
