//! Entry points that exist for fuzzing: the MQTT adapter's pure parsers
//! (discovery configs, state payloads and their `value_template`s) on
//! arbitrary input, for the targets in `fuzz/` and the test that replays their
//! corpus. The adapter itself calls the parsers directly; nothing else should
//! call these.

use hearth_core::DeviceState;

use super::discovery::{self, Config, ConfigTopic};
use super::entity::Update;

/// Reads `payload` as the discovery config published on `topic`, as the
/// adapter does, and builds the devices it describes; returns how many (none
/// for a removal, a refusal or a topic that is not a config's).
pub fn discovery_config(topic: &str, payload: &[u8]) -> usize {
    let Some(config) = ConfigTopic::parse(topic) else {
        return 0;
    };
    match discovery::parse(&config, payload) {
        Ok(Config::Entities { entities, .. }) => {
            for entity in &entities {
                let _ = entity.device();
                let _ = entity.topics();
            }
            entities.len()
        }
        Ok(Config::Removed) | Err(_) => 0,
    }
}

/// Reads `config` as published on `topic`, then hands `payload` to every topic
/// of every entity it describes, as a state message would be, carrying the
/// state from one to the next; returns how many of them understood it.
pub fn state_payload(topic: &str, config: &[u8], payload: &[u8]) -> usize {
    let Some(topic) = ConfigTopic::parse(topic) else {
        return 0;
    };
    let Ok(Config::Entities { entities, .. }) = discovery::parse(&topic, config) else {
        return 0;
    };
    // The adapter drops payloads that are not UTF-8 before interpreting them.
    let Ok(text) = std::str::from_utf8(payload) else {
        return 0;
    };
    let mut understood = 0;
    for entity in &entities {
        let mut state = DeviceState::default();
        for (_, slot) in entity.topics() {
            if let Ok(update) = entity.interpret(slot, text, &state) {
                understood += 1;
                if let Update::State { state: next, .. } = update {
                    state = next;
                }
            }
        }
    }
    understood
}
