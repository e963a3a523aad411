//! Home Assistant MQTT discovery, read purely: a config topic and payload in,
//! the entities it describes (or every reason it cannot be used) out. Keys may
//! be abbreviated and topics may start or end with the `~` base topic; the
//! device-based form (`homeassistant/device/<id>/config`) shares its top-level
//! options with each of its components.

use hearth_core::{DeviceId, HvacMode, Metric};
use serde_json::{Map, Value};

use super::template::Template;

/// The topic prefix Home Assistant devices publish their configs under.
pub(crate) const PREFIX: &str = "homeassistant";

/// Where a config was published, as its topic names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigTopic {
    pub(crate) component: String,
    pub(crate) node_id: Option<String>,
    pub(crate) object_id: String,
}

impl ConfigTopic {
    /// `homeassistant/<component>/[<node_id>/]<object_id>/config`, or `None`.
    pub(crate) fn parse(topic: &str) -> Option<ConfigTopic> {
        let parts: Vec<&str> = topic.split('/').collect();
        match parts.as_slice() {
            [PREFIX, component, object_id, "config"] => Some(ConfigTopic {
                component: (*component).to_owned(),
                node_id: None,
                object_id: (*object_id).to_owned(),
            }),
            [PREFIX, component, node_id, object_id, "config"] => Some(ConfigTopic {
                component: (*component).to_owned(),
                node_id: Some((*node_id).to_owned()),
                object_id: (*object_id).to_owned(),
            }),
            _ => None,
        }
    }
}

/// One entity the hub will show as a device.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entity {
    pub(crate) id: DeviceId,
    pub(crate) name: String,
    pub(crate) room: String,
    pub(crate) availability: Vec<Availability>,
    pub(crate) kind: EntityKind,
}

/// A topic that says whether the entity is reachable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Availability {
    pub(crate) topic: String,
    pub(crate) online: String,
    pub(crate) offline: String,
}

/// What the entity is, with the topics and payloads of its schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EntityKind {
    Sensor {
        metric: Metric,
        state_topic: String,
        template: Template,
        fahrenheit: bool,
    },
    Occupancy {
        state_topic: String,
        template: Template,
        on: String,
        off: String,
    },
    /// A switch, or a light in the default schema.
    Switch {
        light: bool,
        on_off: OnOff,
    },
    /// A light in the JSON schema: `{"state": "ON"}` both ways.
    JsonLight {
        command_topic: String,
        state_topic: Option<String>,
    },
    Fan {
        on_off: OnOff,
        percentage: Option<Percentage>,
    },
    Climate(Climate),
}

/// On/off by payloads on a command topic, reported on an optional state topic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OnOff {
    pub(crate) command_topic: String,
    pub(crate) state_topic: Option<String>,
    pub(crate) template: Template,
    pub(crate) payload_on: String,
    pub(crate) payload_off: String,
    pub(crate) state_on: String,
    pub(crate) state_off: String,
}

/// A fan's speed as a number within `min..=max` (a percentage by default).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Percentage {
    pub(crate) command_topic: String,
    pub(crate) state_topic: Option<String>,
    pub(crate) template: Template,
    pub(crate) min: u32,
    pub(crate) max: u32,
    /// How many speed levels the hub offers.
    pub(crate) levels: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Climate {
    pub(crate) mode_command_topic: Option<String>,
    pub(crate) mode_state_topic: Option<String>,
    pub(crate) mode_template: Template,
    /// The modes the hub can set; `off` is offered as on/off instead.
    pub(crate) modes: Vec<HvacMode>,
    pub(crate) can_turn_off: bool,
    pub(crate) temperature_command_topic: Option<String>,
    pub(crate) temperature_state_topic: Option<String>,
    pub(crate) temperature_template: Template,
    pub(crate) current_temperature_topic: Option<String>,
    pub(crate) current_temperature_template: Template,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) step: f64,
}

/// What a config payload says.
#[derive(Debug, PartialEq)]
pub(crate) enum Config {
    /// An empty payload: the entities published on this topic are gone.
    Removed,
    /// The entities found, and a reason for each one skipped.
    Entities {
        entities: Vec<Entity>,
        skipped: Vec<String>,
    },
}

/// Reads one config message. `Err` means nothing in it could be used.
pub(crate) fn parse(topic: &ConfigTopic, payload: &[u8]) -> Result<Config, String> {
    if payload.is_empty() {
        return Ok(Config::Removed);
    }
    let json: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the config is not JSON: {e}"))?;
    let Value::Object(config) = expand(json) else {
        return Err("the config is not a JSON object".into());
    };
    let mut entities = Vec::new();
    let mut skipped = Vec::new();
    if topic.component == "device" {
        let mut shared = config.clone();
        shared.remove("components");
        let Some(Value::Object(components)) = config.get("components") else {
            return Err("a device config needs a `components` object".into());
        };
        for (key, component) in components {
            let Value::Object(own) = component else {
                skipped.push(format!("component {key:?} is not an object"));
                continue;
            };
            let mut merged = shared.clone();
            merged.extend(own.clone());
            let platform = merged.get("platform").and_then(Value::as_str).unwrap_or("");
            let platform = platform.to_owned();
            let fallback = format!("{}-{key}", topic.object_id);
            match entity(&platform, merged, &fallback) {
                Ok(found) => entities.push(found),
                Err(why) => skipped.push(format!("component {key:?}: {why}")),
            }
        }
    } else {
        let fallback = match &topic.node_id {
            Some(node) => format!("{node}-{}", topic.object_id),
            None => topic.object_id.clone(),
        };
        match entity(&topic.component, config, &fallback) {
            Ok(found) => entities.push(found),
            Err(why) => skipped.push(why),
        }
    }
    if entities.is_empty() {
        return Err(skipped.join("; "));
    }
    Ok(Config::Entities { entities, skipped })
}

/// Home Assistant's abbreviations that Hearth reads (and a few it passes over,
/// so that logs show full names).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("avty", "availability"),
    ("avty_mode", "availability_mode"),
    ("avty_t", "availability_topic"),
    ("avty_tpl", "availability_template"),
    ("cmd_t", "command_topic"),
    ("cmd_tpl", "command_template"),
    ("cmps", "components"),
    ("curr_temp_t", "current_temperature_topic"),
    ("curr_temp_tpl", "current_temperature_template"),
    ("dev", "device"),
    ("dev_cla", "device_class"),
    ("json_attr_t", "json_attributes_topic"),
    ("json_attr_tpl", "json_attributes_template"),
    ("max_temp", "max_temp"),
    ("min_temp", "min_temp"),
    ("mode_cmd_t", "mode_command_topic"),
    ("mode_cmd_tpl", "mode_command_template"),
    ("mode_stat_t", "mode_state_topic"),
    ("mode_stat_tpl", "mode_state_template"),
    ("o", "origin"),
    ("obj_id", "object_id"),
    ("opt", "optimistic"),
    ("p", "platform"),
    ("pct_cmd_t", "percentage_command_topic"),
    ("pct_cmd_tpl", "percentage_command_template"),
    ("pct_stat_t", "percentage_state_topic"),
    ("pct_val_tpl", "percentage_value_template"),
    ("pl_avail", "payload_available"),
    ("pl_not_avail", "payload_not_available"),
    ("pl_off", "payload_off"),
    ("pl_on", "payload_on"),
    ("ret", "retain"),
    ("spd_rng_max", "speed_range_max"),
    ("spd_rng_min", "speed_range_min"),
    ("stat_cla", "state_class"),
    ("stat_off", "state_off"),
    ("stat_on", "state_on"),
    ("stat_t", "state_topic"),
    ("stat_tpl", "state_template"),
    ("stat_val_tpl", "state_value_template"),
    ("t", "topic"),
    ("temp_cmd_t", "temperature_command_topic"),
    ("temp_cmd_tpl", "temperature_command_template"),
    ("temp_stat_t", "temperature_state_topic"),
    ("temp_stat_tpl", "temperature_state_template"),
    ("temp_unit", "temperature_unit"),
    ("uniq_id", "unique_id"),
    ("unit_of_meas", "unit_of_measurement"),
    ("val_tpl", "value_template"),
];

const DEVICE_ABBREVIATIONS: &[(&str, &str)] = &[
    ("ids", "identifiers"),
    ("mf", "manufacturer"),
    ("mdl", "model"),
    ("sa", "suggested_area"),
    ("sw", "sw_version"),
    ("hw", "hw_version"),
    ("cns", "connections"),
];

fn full_name<'a>(table: &[(&'a str, &'a str)], key: &'a str) -> &'a str {
    table
        .iter()
        .find(|(short, _)| *short == key)
        .map_or(key, |(_, long)| long)
}

/// Expands abbreviated keys (in the device block, availability entries and
/// device-based components too) and the `~` base topic.
fn expand(value: Value) -> Value {
    let Value::Object(map) = value else {
        return value;
    };
    let base = map.get("~").and_then(Value::as_str).map(str::to_owned);
    Value::Object(expand_map(map, base.as_deref()))
}

fn expand_map(map: Map<String, Value>, base: Option<&str>) -> Map<String, Value> {
    map.into_iter()
        .map(|(key, value)| {
            let key = full_name(ABBREVIATIONS, &key).to_owned();
            let value = match (key.as_str(), value) {
                ("device" | "origin", Value::Object(inner)) => Value::Object(
                    inner
                        .into_iter()
                        .map(|(k, v)| (full_name(DEVICE_ABBREVIATIONS, &k).to_owned(), v))
                        .collect(),
                ),
                ("availability", Value::Array(items)) => Value::Array(
                    items
                        .into_iter()
                        .map(|item| match item {
                            Value::Object(inner) => Value::Object(expand_map(inner, base)),
                            other => other,
                        })
                        .collect(),
                ),
                ("components", Value::Object(inner)) => Value::Object(
                    inner
                        .into_iter()
                        .map(|(k, v)| {
                            let v = match v {
                                // A component's own `~` wins over the device's.
                                Value::Object(c) => {
                                    let own = c.get("~").and_then(Value::as_str).map(str::to_owned);
                                    Value::Object(expand_map(c, own.as_deref().or(base)))
                                }
                                other => other,
                            };
                            (k, v)
                        })
                        .collect(),
                ),
                (k, Value::String(text)) if k == "topic" || k.ends_with("_topic") => {
                    Value::String(with_base(text, base))
                }
                (_, other) => other,
            };
            (key, value)
        })
        .collect()
}

fn with_base(topic: String, base: Option<&str>) -> String {
    match base {
        Some(base) if topic.starts_with('~') => format!("{base}{}", &topic[1..]),
        Some(base) if topic.ends_with('~') => format!("{}{base}", &topic[..topic.len() - 1]),
        _ => topic,
    }
}

/// Reads fields of one expanded entity config.
struct Fields(Map<String, Value>);

impl Fields {
    fn text(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(text) => Some(text.clone()),
            // Home Assistant reads payloads as strings; Zigbee2MQTT sends
            // JSON booleans, which Python renders as True and False.
            Value::Bool(true) => Some("True".into()),
            Value::Bool(false) => Some("False".into()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn number(&self, key: &str) -> Option<f64> {
        match self.0.get(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(text) => text.parse().ok(),
            _ => None,
        }
    }

    fn require(&self, key: &str) -> Result<String, String> {
        self.text(key).ok_or_else(|| format!("it has no {key}"))
    }

    fn template(&self, key: &str) -> Result<Template, String> {
        match self.text(key) {
            None => Ok(Template::value()),
            Some(text) => Template::parse(&text).map_err(|e| e.to_string()),
        }
    }

    fn on_off(&self, command_required: bool) -> Result<Option<OnOff>, String> {
        let command_topic = match self.text("command_topic") {
            Some(topic) => topic,
            None if command_required => return Err("it has no command_topic".into()),
            None => return Ok(None),
        };
        let payload_on = self.text("payload_on").unwrap_or_else(|| "ON".into());
        let payload_off = self.text("payload_off").unwrap_or_else(|| "OFF".into());
        // A light's default-schema template is `state_value_template`.
        let template = match self.0.contains_key("state_value_template") {
            true => self.template("state_value_template")?,
            false => self.template("value_template")?,
        };
        Ok(Some(OnOff {
            command_topic,
            state_topic: self.text("state_topic"),
            template,
            state_on: self.text("state_on").unwrap_or_else(|| payload_on.clone()),
            state_off: self
                .text("state_off")
                .unwrap_or_else(|| payload_off.clone()),
            payload_on,
            payload_off,
        }))
    }
}

/// Home Assistant's default climate modes.
const DEFAULT_MODES: [&str; 6] = ["auto", "off", "cool", "heat", "dry", "fan_only"];

fn entity(component: &str, config: Map<String, Value>, fallback: &str) -> Result<Entity, String> {
    let fields = Fields(config);
    let kind = match component {
        "sensor" => {
            let class = fields.text("device_class").unwrap_or_default();
            let metric = match class.as_str() {
                "temperature" => Metric::Temperature,
                "humidity" => Metric::Humidity,
                "battery" => Metric::Battery,
                "" => return Err("a sensor without a device_class is not supported".into()),
                other => return Err(format!("sensor device class {other:?} is not supported")),
            };
            let unit = fields.text("unit_of_measurement").unwrap_or_default();
            let fahrenheit = match (metric, unit.as_str()) {
                (Metric::Temperature, "°C" | "C" | "") => false,
                (Metric::Temperature, "°F" | "F") => true,
                (Metric::Humidity | Metric::Battery, "%" | "") => false,
                (_, unit) => return Err(format!("unit {unit:?} is not supported for {class}")),
            };
            EntityKind::Sensor {
                metric,
                state_topic: fields.require("state_topic")?,
                template: fields.template("value_template")?,
                fahrenheit,
            }
        }
        "binary_sensor" => {
            let class = fields.text("device_class").unwrap_or_default();
            if !matches!(class.as_str(), "occupancy" | "motion" | "presence") {
                return Err(format!(
                    "binary sensor device class {class:?} is not supported (occupancy, motion and presence are)"
                ));
            }
            EntityKind::Occupancy {
                state_topic: fields.require("state_topic")?,
                template: fields.template("value_template")?,
                on: fields.text("payload_on").unwrap_or_else(|| "ON".into()),
                off: fields.text("payload_off").unwrap_or_else(|| "OFF".into()),
            }
        }
        "switch" => EntityKind::Switch {
            light: false,
            on_off: fields.on_off(true)?.ok_or("it has no command_topic")?,
        },
        "light" => match fields.text("schema").as_deref() {
            None | Some("default" | "basic") => EntityKind::Switch {
                light: true,
                on_off: fields.on_off(true)?.ok_or("it has no command_topic")?,
            },
            Some("json") => EntityKind::JsonLight {
                command_topic: fields.require("command_topic")?,
                state_topic: fields.text("state_topic"),
            },
            Some(other) => return Err(format!("light schema {other:?} is not supported")),
        },
        "fan" => {
            let percentage = match fields.text("percentage_command_topic") {
                None => None,
                Some(command_topic) => {
                    let given = fields.0.contains_key("speed_range_max");
                    let min = fields.number("speed_range_min").unwrap_or(1.0);
                    let max = fields.number("speed_range_max").unwrap_or(100.0);
                    if !(min >= 1.0 && max >= min && max <= 1000.0) {
                        return Err(format!("speed range {min}..={max} is not supported"));
                    }
                    let span = (max - min + 1.0) as u32;
                    // A percentage fan is offered as three speeds; a fan with
                    // its own range as that many, up to what a byte holds.
                    let levels = if given { span.min(255) } else { 3 };
                    Some(Percentage {
                        command_topic,
                        state_topic: fields.text("percentage_state_topic"),
                        template: fields.template("percentage_value_template")?,
                        min: min as u32,
                        max: max as u32,
                        levels: levels as u8,
                    })
                }
            };
            EntityKind::Fan {
                on_off: fields.on_off(true)?.ok_or("it has no command_topic")?,
                percentage,
            }
        }
        "climate" => {
            let listed: Vec<String> = match fields.0.get("modes") {
                Some(Value::Array(modes)) => modes
                    .iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect(),
                _ => DEFAULT_MODES.iter().map(|m| (*m).to_owned()).collect(),
            };
            let modes: Vec<HvacMode> = listed.iter().filter_map(|m| hvac_mode(m)).collect();
            let climate = Climate {
                mode_command_topic: fields.text("mode_command_topic"),
                mode_state_topic: fields.text("mode_state_topic"),
                mode_template: fields.template("mode_state_template")?,
                can_turn_off: listed.iter().any(|m| m == "off"),
                modes,
                temperature_command_topic: fields.text("temperature_command_topic"),
                temperature_state_topic: fields.text("temperature_state_topic"),
                temperature_template: fields.template("temperature_state_template")?,
                current_temperature_topic: fields.text("current_temperature_topic"),
                current_temperature_template: fields.template("current_temperature_template")?,
                min: fields.number("min_temp").unwrap_or(7.0),
                max: fields.number("max_temp").unwrap_or(35.0),
                step: fields.number("temp_step").unwrap_or(1.0),
            };
            if fields.text("temperature_unit").as_deref() == Some("F") {
                return Err("climate in °F is not supported".into());
            }
            if climate.mode_command_topic.is_none()
                && climate.temperature_command_topic.is_none()
                && climate.current_temperature_topic.is_none()
            {
                return Err(
                    "a climate entity needs a mode, temperature or current temperature topic"
                        .into(),
                );
            }
            EntityKind::Climate(climate)
        }
        other => return Err(format!("component {other:?} is not supported")),
    };
    let device = match fields.0.get("device") {
        Some(Value::Object(device)) => Fields(device.clone()),
        _ => Fields(Map::new()),
    };
    let unique = fields
        .text("unique_id")
        .unwrap_or_else(|| fallback.to_owned());
    let entity_name = fields.text("name");
    let device_name = device.text("name");
    let name = match (device_name, entity_name) {
        (Some(device), Some(entity)) if !entity.starts_with(&device) => {
            format!("{device} {entity}")
        }
        (_, Some(entity)) => entity,
        (Some(device), None) => device,
        (None, None) => unique.clone(),
    };
    Ok(Entity {
        id: DeviceId::new(format!("mqtt-{}", slug(&unique))),
        name,
        room: device
            .text("suggested_area")
            .unwrap_or_else(|| "MQTT".into()),
        availability: availability(&fields),
        kind,
    })
}

fn availability(fields: &Fields) -> Vec<Availability> {
    let online = fields
        .text("payload_available")
        .unwrap_or_else(|| "online".into());
    let offline = fields
        .text("payload_not_available")
        .unwrap_or_else(|| "offline".into());
    let mut found: Vec<Availability> = fields
        .text("availability_topic")
        .map(|topic| Availability {
            topic,
            online: online.clone(),
            offline: offline.clone(),
        })
        .into_iter()
        .collect();
    if let Some(Value::Array(items)) = fields.0.get("availability") {
        for item in items {
            if let Value::Object(item) = item {
                let item = Fields(item.clone());
                if let Some(topic) = item.text("topic") {
                    found.push(Availability {
                        topic,
                        online: item
                            .text("payload_available")
                            .unwrap_or_else(|| online.clone()),
                        offline: item
                            .text("payload_not_available")
                            .unwrap_or_else(|| offline.clone()),
                    });
                }
            }
        }
    }
    found
}

/// The hub's mode for Home Assistant's name of one (`off` is not a mode here).
pub(crate) fn hvac_mode(mode: &str) -> Option<HvacMode> {
    Some(match mode {
        "cool" => HvacMode::Cool,
        "heat" => HvacMode::Heat,
        "auto" | "heat_cool" => HvacMode::Auto,
        "dry" => HvacMode::Dry,
        "fan_only" => HvacMode::FanOnly,
        _ => return None,
    })
}

/// Home Assistant's name for a mode.
pub(crate) fn hvac_mode_name(mode: HvacMode) -> &'static str {
    match mode {
        HvacMode::Cool => "cool",
        HvacMode::Heat => "heat",
        HvacMode::Auto => "auto",
        HvacMode::Dry => "dry",
        HvacMode::FanOnly => "fan_only",
    }
}

/// Lower-case letters, digits and single dashes: safe in URLs and CSS.
pub(crate) fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(text: &str) -> ConfigTopic {
        ConfigTopic::parse(text).unwrap_or_else(|| panic!("{text} is a config topic"))
    }

    /// The one entity `payload` on `topic` describes.
    fn one(topic_text: &str, payload: &str) -> Entity {
        match parse(&topic(topic_text), payload.as_bytes()) {
            Ok(Config::Entities { mut entities, .. }) if entities.len() == 1 => entities.remove(0),
            other => panic!("{payload}: {other:?}"),
        }
    }

    #[test]
    fn config_topics_are_recognised() {
        let table = [
            (
                "homeassistant/sensor/kitchen/config",
                Some(("sensor", None, "kitchen")),
            ),
            (
                "homeassistant/switch/tasmota_1/POWER/config",
                Some(("switch", Some("tasmota_1"), "POWER")),
            ),
            (
                "homeassistant/device/plug/config",
                Some(("device", None, "plug")),
            ),
            ("homeassistant/sensor/kitchen/state", None),
            ("homeassistant/sensor/config", None),
            ("other/sensor/kitchen/config", None),
            ("homeassistant/a/b/c/d/config", None),
        ];
        for (text, want) in table {
            let got = ConfigTopic::parse(text);
            let got = got.as_ref().map(|t| {
                (
                    t.component.as_str(),
                    t.node_id.as_deref(),
                    t.object_id.as_str(),
                )
            });
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn abbreviations_and_the_base_topic_are_expanded() {
        let entity = one(
            "homeassistant/sensor/node/temp/config",
            r#"{"~": "tele/kitchen", "name": "Temperature", "stat_t": "~/SENSOR",
                "val_tpl": "{{ value_json.AM2301.Temperature }}", "dev_cla": "temperature",
                "unit_of_meas": "°C", "uniq_id": "Kitchen_AM2301_Temp",
                "avty_t": "~/LWT", "pl_avail": "Online", "pl_not_avail": "Offline",
                "dev": {"ids": ["abc"], "name": "Kitchen", "sa": "Kitchen"}}"#,
        );
        assert_eq!(entity.id.as_str(), "mqtt-kitchen-am2301-temp");
        assert_eq!(entity.name, "Kitchen Temperature");
        assert_eq!(entity.room, "Kitchen");
        assert_eq!(
            entity.availability,
            [Availability {
                topic: "tele/kitchen/LWT".into(),
                online: "Online".into(),
                offline: "Offline".into(),
            }]
        );
        let EntityKind::Sensor {
            metric,
            state_topic,
            template,
            fahrenheit,
        } = entity.kind
        else {
            panic!("{:?}", entity.kind);
        };
        assert_eq!(
            (metric, state_topic.as_str(), fahrenheit),
            (Metric::Temperature, "tele/kitchen/SENSOR", false)
        );
        assert_eq!(
            template
                .render(r#"{"AM2301":{"Temperature":21.5}}"#)
                .unwrap(),
            "21.5"
        );
    }

    #[test]
    fn each_component_maps_to_its_kind() {
        let table = [
            (
                "sensor",
                r#"{"stat_t":"s","dev_cla":"humidity","unit_of_meas":"%"}"#,
                "Sensor",
            ),
            (
                "sensor",
                r#"{"stat_t":"s","dev_cla":"temperature","unit_of_meas":"°F"}"#,
                "Sensor",
            ),
            ("sensor", r#"{"stat_t":"s","dev_cla":"battery"}"#, "Sensor"),
            (
                "binary_sensor",
                r#"{"stat_t":"s","dev_cla":"occupancy"}"#,
                "Occupancy",
            ),
            ("switch", r#"{"cmd_t":"c","stat_t":"s"}"#, "Switch"),
            ("light", r#"{"cmd_t":"c"}"#, "Switch"),
            (
                "light",
                r#"{"schema":"json","cmd_t":"c","stat_t":"s"}"#,
                "JsonLight",
            ),
            ("fan", r#"{"cmd_t":"c","pct_cmd_t":"p"}"#, "Fan"),
            (
                "climate",
                r#"{"mode_cmd_t":"m","temp_cmd_t":"t","curr_temp_t":"c"}"#,
                "Climate",
            ),
        ];
        for (component, payload, want) in table {
            let entity = one(&format!("homeassistant/{component}/x/config"), payload);
            let got = format!("{:?}", entity.kind);
            assert!(got.starts_with(want), "{component} {payload}: {got}");
        }
    }

    #[test]
    fn what_cannot_be_used_is_refused_with_a_reason_never_a_panic() {
        let table = [
            ("sensor", "{not json", "not JSON"),
            ("sensor", "[1, 2]", "not a JSON object"),
            ("sensor", r#"{"stat_t":"s"}"#, "device_class"),
            (
                "sensor",
                r#"{"stat_t":"s","dev_cla":"pressure"}"#,
                "\"pressure\"",
            ),
            (
                "sensor",
                r#"{"stat_t":"s","dev_cla":"temperature","unit_of_meas":"K"}"#,
                "\"K\"",
            ),
            ("sensor", r#"{"dev_cla":"temperature"}"#, "state_topic"),
            (
                "sensor",
                r#"{"stat_t":"s","dev_cla":"humidity","val_tpl":"{{ value | md5 }}"}"#,
                "md5",
            ),
            (
                "binary_sensor",
                r#"{"stat_t":"s","dev_cla":"door"}"#,
                "\"door\"",
            ),
            ("switch", r#"{"stat_t":"s"}"#, "command_topic"),
            (
                "light",
                r#"{"schema":"template","cmd_t":"c"}"#,
                "\"template\"",
            ),
            ("climate", r#"{"modes":["heat"]}"#, "climate entity needs"),
            ("vacuum", r#"{"cmd_t":"c"}"#, "\"vacuum\""),
            ("device", r#"{"dev":{"ids":"x"}}"#, "components"),
        ];
        for (component, payload, part) in table {
            let got = parse(
                &topic(&format!("homeassistant/{component}/x/config")),
                payload.as_bytes(),
            );
            match got {
                Err(why) => assert!(why.contains(part), "{payload}: {why}"),
                other => panic!("{payload}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_empty_payload_removes() {
        assert_eq!(
            parse(&topic("homeassistant/switch/x/config"), b""),
            Ok(Config::Removed)
        );
    }

    #[test]
    fn a_device_config_shares_its_options_with_each_component() {
        let got = parse(
            &topic("homeassistant/device/plug1/config"),
            br#"{"dev": {"ids": "plug1", "name": "Desk plug"}, "o": {"name": "tasmota"},
                 "~": "plug1", "avty_t": "~/LWT",
                 "cmps": {
                   "power": {"p": "switch", "cmd_t": "~/cmnd/POWER", "stat_t": "~/stat/POWER", "uniq_id": "plug1_power"},
                   "temp": {"p": "sensor", "dev_cla": "temperature", "stat_t": "~/SENSOR",
                            "val_tpl": "{{ value_json.T }}", "name": "Temperature"},
                   "door": {"p": "binary_sensor", "dev_cla": "door", "stat_t": "~/door"}
                 }}"#,
        );
        let Ok(Config::Entities { entities, skipped }) = got else {
            panic!("{got:?}");
        };
        let ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["mqtt-plug1-power", "mqtt-plug1-temp"]);
        assert_eq!(entities[1].name, "Desk plug Temperature");
        assert!(
            entities
                .iter()
                .all(|e| e.availability[0].topic == "plug1/LWT")
        );
        let EntityKind::Switch { on_off, .. } = &entities[0].kind else {
            panic!("{:?}", entities[0].kind);
        };
        assert_eq!(on_off.command_topic, "plug1/cmnd/POWER");
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].contains("door"), "{skipped:?}");
    }

    #[test]
    fn payloads_may_be_json_booleans_and_defaults_apply() {
        let entity = one(
            "homeassistant/binary_sensor/hall/config",
            r#"{"stat_t":"z2m/hall","dev_cla":"motion","val_tpl":"{{ value_json.occupancy }}",
                "pl_on":true,"pl_off":false}"#,
        );
        assert_eq!(entity.id.as_str(), "mqtt-hall");
        let EntityKind::Occupancy { on, off, .. } = &entity.kind else {
            panic!("{:?}", entity.kind);
        };
        assert_eq!((on.as_str(), off.as_str()), ("True", "False"));
        let entity = one(
            "homeassistant/switch/n/plug/config",
            r#"{"cmd_t":"c","~":"x"}"#,
        );
        assert_eq!(entity.id.as_str(), "mqtt-n-plug");
        let EntityKind::Switch { on_off, .. } = &entity.kind else {
            panic!("{:?}", entity.kind);
        };
        assert_eq!(
            (on_off.payload_on.as_str(), on_off.state_off.as_str()),
            ("ON", "OFF")
        );
    }

    #[test]
    fn slugs_are_safe_ids() {
        let table = [
            ("Kitchen_AM2301_Temp", "kitchen-am2301-temp"),
            ("  a//b ", "a-b"),
            ("äö", ""),
        ];
        for (text, want) in table {
            assert_eq!(slug(text), want, "{text}");
        }
    }
}
