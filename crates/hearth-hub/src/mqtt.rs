//! The MQTT adapter: devices that speak Home Assistant's MQTT discovery
//! (Tasmota, Shelly, Zigbee2MQTT, ESPHome, …) and DIY devices that publish
//! plain numbers on `hearth/<device>/<metric>`, through a broker such as
//! Mosquitto. `discovery` and `template` read configs and payloads purely,
//! `entity` says what they mean to the hub, and `adapter` does the I/O.

mod adapter;
mod discovery;
mod entity;
mod template;

use std::fmt;

pub(crate) use adapter::MqttAdapter;

/// The name devices found over MQTT give as their adapter.
pub(crate) const ADAPTER: &str = "mqtt";

/// The largest payload read; anything bigger is logged and dropped.
const MAX_PAYLOAD: usize = 64 * 1024;

/// Where the broker is and how to log in.
#[derive(Clone, PartialEq, Eq)]
pub struct MqttConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl MqttConfig {
    /// Reads `mqtt://host[:port]` (port 1883 by default). `mqtts://` is refused
    /// until the hub is built with TLS.
    pub fn from_url(url: &str) -> Result<MqttConfig, String> {
        let rest = match url.split_once("://") {
            Some(("mqtt" | "tcp", rest)) => rest,
            Some(("mqtts" | "ssl", _)) => {
                return Err("TLS (mqtts://) is not supported yet; use mqtt://".into());
            }
            Some((scheme, _)) => return Err(format!("unknown scheme {scheme:?}; use mqtt://")),
            None => return Err("expected mqtt://host:port".into()),
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
            None => (rest, 1883),
        };
        if host.is_empty() {
            return Err("the broker's host is missing".into());
        }
        Ok(MqttConfig {
            host: host.to_owned(),
            port,
            username: None,
            password: None,
        })
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
            ("mqtts://broker:8883", Err("TLS")),
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
