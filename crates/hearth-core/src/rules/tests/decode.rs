//! Reading triggers, conditions and actions: every kind with all its fields
//! reads back as written, fields of other kinds are ignored as unknown ones
//! always were, and the mistakes people make get serde's usual messages, from
//! text (the dashboard's editor) and from a JSON value (the hub's API) alike.

use serde_json::{Value, json};

use super::*;

/// A rule with `item` as its only entry of `slot` (`triggers`, `conditions`
/// or `actions`).
fn document(slot: &str, item: Value) -> Value {
    let mut rule = json!({"id": "r", "name": "R",
        "triggers": [{"type": "time", "at": "07:00:00"}],
        "actions": [{"type": "delay", "wait": {"minutes": 1}}]});
    rule[slot] = json!([item]);
    rule
}

/// The message reading `document` gives, the same from text and from a
/// value; the position serde_json adds to the former is left out.
#[track_caller]
fn refusal(document: &Value) -> String {
    let from_value = serde_json::from_value::<Rule>(document.clone())
        .expect_err("a refused document")
        .to_string();
    let from_text = serde_json::from_str::<Rule>(&document.to_string())
        .expect_err("a refused document")
        .to_string();
    let (message, _) = from_text
        .rsplit_once(" at line ")
        .expect("a position in the message");
    assert_eq!(message, from_value, "{document}");
    from_value
}

#[test]
fn every_kind_reads_back_as_written() {
    let items = [
        (
            "triggers",
            json!({"type": "sun", "event": "dawn", "twilight": "nautical", "offset": {"minutes": -15}}),
        ),
        ("triggers", json!({"type": "sun", "event": "solar_noon"})),
        (
            "triggers",
            json!({"type": "elevation", "elevation": -4.5, "direction": "setting"}),
        ),
        (
            "triggers",
            json!({"type": "time", "at": "07:30:00", "weekdays": ["Sat", "Sun"]}),
        ),
        (
            "triggers",
            json!({"type": "every", "every": {"minutes": 20}, "from": "06:00:00"}),
        ),
        (
            "triggers",
            json!({"type": "numeric", "device": "t", "metric": "humidity", "crossing": "below",
                   "threshold": 30.5, "hysteresis": 2.0, "for": {"minutes": 5}}),
        ),
        (
            "triggers",
            json!({"type": "state", "device": "ac", "from": {"on": false}, "to": {"mode": "cool"},
                   "for": {"seconds": 30}}),
        ),
        (
            "triggers",
            json!({"type": "unavailable", "device": "t", "for": {"hours": 1}}),
        ),
        (
            "conditions",
            json!({"type": "and", "conditions": [
                {"type": "or", "conditions": [{"type": "weekday", "weekdays": ["Mon"]}]},
                {"type": "not", "condition": {"type": "time", "after": "22:00:00", "before": "06:00:00"}},
            ]}),
        ),
        (
            "conditions",
            json!({"type": "sun", "after": {"event": "dusk", "twilight": "civil"},
                   "before": {"event": "sunrise", "offset": {"hours": 1}}}),
        ),
        (
            "conditions",
            json!({"type": "elevation", "above": -6.0, "below": 10.0}),
        ),
        (
            "conditions",
            json!({"type": "numeric", "device": "t", "metric": "temperature", "above": 26.0}),
        ),
        (
            "conditions",
            json!({"type": "state", "device": "ac", "mode": "fan_only"}),
        ),
        (
            "actions",
            json!({"type": "command", "device": "ac", "command": {"action": "set_mode", "mode": "cool"},
                   "min_cycle": {"minutes": 3}}),
        ),
        (
            "actions",
            json!({"type": "track_setpoint", "device": "ac", "source": "out", "metric": "temperature",
                   "offset": -6.0, "min": 22.0, "max": 27.0}),
        ),
        (
            "actions",
            json!({"type": "notify", "message": "Hot", "level": "warning"}),
        ),
    ];
    for (slot, item) in items {
        let want = document(slot, item);
        let rule: Rule = serde_json::from_value(want.clone()).unwrap();
        let text: Rule = serde_json::from_str(&want.to_string()).unwrap();
        assert_eq!(text, rule);
        let mut written = serde_json::to_value(&rule).unwrap();
        // `enabled` and `mode` are written even when the document left them out.
        let written = written.as_object_mut().unwrap();
        written.remove("enabled");
        written.remove("mode");
        assert_eq!(Value::Object(written.clone()), want);
    }
}

#[test]
fn fields_a_kind_does_not_have_are_ignored() {
    let items = [
        (
            "triggers",
            json!({"type": "sun", "event": "sunset", "threshold": 20, "colour": "red"}),
            json!({"type": "sun", "event": "sunset"}),
        ),
        (
            "conditions",
            json!({"type": "elevation", "above": 3, "device": "t", "note": [1, 2]}),
            json!({"type": "elevation", "above": 3}),
        ),
        (
            "actions",
            json!({"type": "delay", "wait": {"minutes": 1}, "device": "ac", "note": {"a": 1}}),
            json!({"type": "delay", "wait": {"minutes": 1}}),
        ),
    ];
    for (slot, with_extra, plain) in items {
        let read = |item: Value| serde_json::from_value::<Rule>(document(slot, item)).unwrap();
        assert_eq!(read(with_extra), read(plain));
    }
}

#[test]
fn mistakes_get_serdes_messages() {
    let items = [
        (
            "triggers",
            json!({"type": "moon"}),
            "unknown variant `moon`, expected one of `sun`, `elevation`, `time`, `every`, \
             `numeric`, `state`, `unavailable`",
        ),
        ("triggers", json!({"at": "07:00"}), "missing field `type`"),
        (
            "triggers",
            json!({"type": "elevation", "direction": "rising"}),
            "missing field `elevation`",
        ),
        (
            "triggers",
            json!({"type": "elevation", "elevation": "high", "direction": "rising"}),
            "invalid type: string \"high\", expected f64",
        ),
        ("triggers", json!({"type": "sun"}), "missing field `event`"),
        (
            "triggers",
            json!({"type": "sun", "event": "dusk"}),
            "missing field `twilight`",
        ),
        (
            "triggers",
            json!({"type": "sun", "event": "sunrise", "twilight": "civil"}),
            "`twilight` is only for `dawn` and `dusk`",
        ),
        (
            "triggers",
            json!({"type": "sun", "event": "noon"}),
            "unknown variant `noon`, expected one of `sunrise`, `sunset`, `solar_noon`, `dawn`, `dusk`",
        ),
        (
            "triggers",
            json!({"type": "time", "at": "25:00"}),
            "input is out of range",
        ),
        (
            "triggers",
            json!({"type": "every", "every": {"minutes": 5}, "from": {"on": true}}),
            "invalid type: map, expected a formatted time string",
        ),
        (
            "triggers",
            json!({"type": "state", "device": "x", "from": "07:00"}),
            "unknown variant `07:00`, expected `on` or `mode`",
        ),
        (
            "triggers",
            json!({"type": "state", "device": "x", "to": {"on": true, "mode": "cool"}}),
            "invalid value: map, expected map with a single key",
        ),
        (
            "triggers",
            json!({"type": "state", "device": "x", "to": {}}),
            "invalid value: map, expected map with a single key",
        ),
        (
            "triggers",
            json!({"type": "unavailable", "device": "x"}),
            "missing field `for`",
        ),
        (
            "conditions",
            json!({"type": "state", "device": "x"}),
            "missing field `on` or `mode`",
        ),
        (
            "conditions",
            json!({"type": "state", "device": "x", "mode": "boost"}),
            "unknown variant `boost`, expected one of `cool`, `heat`, `auto`, `dry`, `fan_only`",
        ),
        (
            "conditions",
            json!({"type": "sun", "after": {"event": "sunset"}, "before": {"event": "dawn"}}),
            "missing field `twilight`",
        ),
        (
            "conditions",
            json!({"type": "sun", "after": "07:00"}),
            "invalid type: string \"07:00\", expected struct SunBound",
        ),
        (
            "conditions",
            json!({"type": "time", "after": {"event": "sunset"}}),
            "invalid type: map, expected a formatted time string",
        ),
        (
            "conditions",
            json!({"type": "not"}),
            "missing field `condition`",
        ),
        (
            "conditions",
            json!({"type": "and", "conditions": [{"type": "bogus"}]}),
            "unknown variant `bogus`, expected one of `and`, `or`, `not`, `time`, `weekday`, \
             `sun`, `elevation`, `numeric`, `state`",
        ),
        (
            "conditions",
            json!({"type": "weekday", "weekdays": ["Funday"]}),
            "short or long weekday names expected",
        ),
        (
            "actions",
            json!({"type": "command", "device": "x"}),
            "missing field `command`",
        ),
        (
            "actions",
            json!({"type": "command", "device": "x", "command": {"action": "explode"}}),
            "unknown variant `explode`, expected one of `turn_on`, `turn_off`, `toggle`, \
             `set_setpoint`, `set_mode`, `set_fan_speed`",
        ),
        (
            "actions",
            json!({"type": "track_setpoint", "device": "x", "source": "y", "offset": 1, "min": 1}),
            "missing field `max`",
        ),
        ("actions", json!({"type": "delay"}), "missing field `wait`"),
        (
            "actions",
            json!({"type": "notify", "message": "hi", "level": "loud"}),
            "unknown variant `loud`, expected `info` or `warning`",
        ),
        (
            "actions",
            json!("delay"),
            "invalid type: string \"delay\", expected struct ActionFrame",
        ),
    ];
    for (slot, item, want) in items {
        assert_eq!(refusal(&document(slot, item.clone())), want, "{item}");
    }
}
