//! Tests for rules: the JSON form, validation, evaluation with an injected
//! clock, schedules and the templates.

use serde_json::json;

use super::*;

/// A document must serialise to exactly `want` and parse back to itself.
#[track_caller]
fn check_json<T>(value: T, want: serde_json::Value)
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let got = serde_json::to_value(&value).unwrap();
    assert_eq!(got, want, "JSON form of {value:?}");
    let back: T = serde_json::from_value(want).unwrap();
    assert_eq!(back, value);
}

#[test]
fn json_forms() {
    use crate::sun::{SunEvent, Twilight};
    check_json(
        Trigger::Sun {
            event: SunEvent::Dusk(Twilight::Civil),
            offset: Span::minutes(15),
        },
        json!({"type": "sun", "event": "dusk", "twilight": "civil", "offset": {"minutes": 15}}),
    );
    check_json(
        Trigger::Sun {
            event: SunEvent::Sunset,
            offset: Span::default(),
        },
        json!({"type": "sun", "event": "sunset", "offset": {}}),
    );
    check_json(
        Condition::State {
            device: crate::DeviceId::new("ac"),
            is: StateMatch::On(true),
        },
        json!({"type": "state", "device": "ac", "on": true}),
    );
    check_json(
        Condition::Sun {
            after: Some(SunBound {
                event: SunEvent::Sunset,
                offset: Span::minutes(-30),
            }),
            before: None,
        },
        json!({"type": "sun", "after": {"event": "sunset", "offset": {"minutes": -30}}}),
    );
}

#[test]
fn a_whole_rule_parses_from_its_documented_form() {
    let text = json!({
        "id": "porch-light-at-dusk",
        "name": "Porch light at dusk",
        "triggers": [
            {"type": "time", "at": "23:00", "weekdays": ["mon", "Tue", "friday"]},
        ],
        "actions": [
            {"type": "command", "device": "porch-light", "command": {"action": "turn_on"}},
        ],
    });
    let rule: Rule = serde_json::from_value(text).unwrap();
    assert!(rule.enabled);
    assert_eq!(rule.mode, Mode::Single);
    // Times and weekdays come back in their canonical spelling.
    assert_eq!(
        serde_json::to_value(&rule.triggers[0]).unwrap(),
        json!({"type": "time", "at": "23:00:00", "weekdays": ["Mon", "Tue", "Fri"]})
    );
}
