//! A device for `/api/devices/ws`: a workshop thermometer and a switch on one
//! connection (a small gateway). It sends `hello` with its token, describes
//! both devices, reports a temperature every 2 s and obeys on/off commands,
//! reconnecting if the hub goes away. docs/protocol.md ("Device endpoint")
//! documents the frames.
//!
//! ```sh
//! TOKEN=$(cargo run -q -p hearth-hub -- token create --name workshop)
//! cargo run -p hearth-hub --example device_client -- ws://127.0.0.1:8080/api/devices/ws "$TOKEN"
//! ```

use std::time::Duration;

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use hearth_core::device_protocol::{DeviceDescription, DeviceMessage, HubMessage};
use hearth_core::protocol::CommandOutcome;
use hearth_core::{
    Capability, Command, CommandError, DeviceId, DeviceKind, DeviceState, ErrorCode, Metric,
};
use tokio_tungstenite::tungstenite::Message;

const THERMOMETER: &str = "workshop-thermometer";
const SWITCH: &str = "workshop-switch";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(token)) = (args.next(), args.next()) else {
        bail!("usage: device_client ws://HOST:PORT/api/devices/ws TOKEN");
    };
    // The switch remembers its state across reconnections, as a real one would.
    let mut switch = DeviceState {
        on: Some(false),
        ..DeviceState::default()
    };
    loop {
        match run(&url, &token, &mut switch).await {
            Ok(()) => return Ok(()),
            Err(error) => {
                eprintln!("{error:#}; reconnecting in 3 s");
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        }
    }
}

/// One connection, until the hub closes it (an error, so the caller retries)
/// or refuses the token (the end).
async fn run(url: &str, token: &str, switch: &mut DeviceState) -> anyhow::Result<()> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .with_context(|| format!("cannot connect to {url}"))?;
    let hello = DeviceMessage::Hello {
        token: token.to_owned(),
    };
    ws.send(Message::text(hello.encode())).await?;
    let describe = DeviceMessage::Describe {
        devices: vec![
            DeviceDescription {
                id: DeviceId::new(THERMOMETER),
                name: "Workshop thermometer".into(),
                room: "Workshop".into(),
                kind: DeviceKind::Thermometer,
                capabilities: vec![Capability::Temperature],
                state: None,
            },
            DeviceDescription {
                id: DeviceId::new(SWITCH),
                name: "Workshop switch".into(),
                room: "Workshop".into(),
                kind: DeviceKind::Switch,
                capabilities: vec![Capability::OnOff],
                state: Some(switch.clone()),
            },
        ],
    };
    let mut every = tokio::time::interval(Duration::from_secs(2));
    let mut tick = 0u32;
    loop {
        tokio::select! {
            _ = every.tick() => {
                // A slow wave around 18 °C, so the dashboard has something to draw.
                tick += 1;
                let value = 18.0 + 2.0 * (f64::from(tick) / 30.0).sin();
                let reading = DeviceMessage::Reading {
                    device: DeviceId::new(THERMOMETER),
                    metric: Metric::Temperature,
                    value: (value * 100.0).round() / 100.0,
                    at: None,
                };
                ws.send(Message::text(reading.encode())).await?;
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => {
                        let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                        if reason.contains("token") {
                            bail!("the hub refused the token: {reason}");
                        }
                        return Err(anyhow::anyhow!("the hub closed the connection: {reason}"));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => return Err(error.into()),
                    None => return Err(anyhow::anyhow!("the connection dropped")),
                };
                let message = match HubMessage::decode(text.as_str()) {
                    Ok(message) => message,
                    Err(error) => {
                        eprintln!("the hub sent something unreadable: {error}");
                        continue;
                    }
                };
                match message {
                    HubMessage::Welcome { hub, .. } => {
                        println!("connected to {} {}", hub.name, hub.version);
                        ws.send(Message::text(describe.encode())).await?;
                    }
                    HubMessage::Described { devices } => println!("described {devices:?}"),
                    HubMessage::Error { code, message, device } => {
                        eprintln!("hub error {code:?} about {device:?}: {message}");
                    }
                    HubMessage::Command { request_id, device, command } => {
                        let outcome = obey(&device, &command, switch);
                        println!("{device}: {command:?} -> {outcome:?}");
                        let answer = DeviceMessage::CommandResult { request_id, outcome };
                        ws.send(Message::text(answer.encode())).await?;
                    }
                }
            }
        }
    }
}

/// What the switch does with a command; the hub has already checked that the
/// device can take it.
fn obey(device: &DeviceId, command: &Command, switch: &mut DeviceState) -> CommandOutcome {
    if device.as_str() != SWITCH {
        return CommandOutcome::Rejected {
            error: CommandError::new(
                ErrorCode::Unsupported,
                format!("{device} takes no commands"),
            ),
        };
    }
    let on = match command {
        Command::TurnOn => true,
        Command::TurnOff => false,
        Command::Toggle => !switch.on.unwrap_or(false),
        other => {
            return CommandOutcome::Rejected {
                error: CommandError::new(ErrorCode::Unsupported, format!("cannot {other:?}")),
            };
        }
    };
    switch.on = Some(on);
    CommandOutcome::Ok {
        state: switch.clone(),
    }
}
