//! Replays every input committed under `fuzz/corpus/<target>/` through the
//! fuzz target of that name, on stable: CI does not fuzz, but it keeps every
//! seed, every input the fuzzer found interesting and every crash once fixed
//! passing. The targets' bodies are `fuzz/src/lib.rs`, included as they are.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[allow(unreachable_pub)]
#[path = "../../../../fuzz/src/lib.rs"]
mod targets;

/// A fuzz target's body: it returns for every input, or the input is a bug.
type Target = fn(&[u8]);

#[test]
fn every_committed_fuzz_input_still_passes_its_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let table: [(&str, Target); 7] = [
        ("browser_frame", targets::browser_frame),
        ("device_frame", targets::device_frame),
        ("rule_document", targets::rule_document),
        ("gatt", targets::gatt),
        ("bthome", targets::bthome),
        ("mqtt_discovery", targets::mqtt_discovery),
        ("mqtt_payload", targets::mqtt_payload),
    ];
    let mut failed = Vec::new();
    for (name, target) in table {
        let dir = corpus.join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{} cannot be read: {e}", dir.display()));
        let mut replayed = 0;
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                failed.push(path.display().to_string());
            }
            replayed += 1;
        }
        assert!(replayed > 0, "{name} has an empty corpus");
    }
    assert!(failed.is_empty(), "inputs that fail again: {failed:#?}");
}

/// Found by `rule_document`: serde_json's default float parser read back a
/// threshold the hub had written one bit off, so a rule changed as it was
/// stored and read again.
#[test]
fn a_rule_reads_back_exactly_as_it_was_written() {
    let document = r#"{"id": "lights-off", "name": "Lights off", "triggers": [
        {"type": "numeric", "device": "living-room-occupancy", "metric": "occupancy",
         "crossing": "below", "threshold": 88888888888888888888888888888888888888888880.5}],
        "actions": [{"type": "command", "device": "living-room-light",
                     "command": {"action": "turn_off"}}]}"#;
    let rule: hearth_core::rules::Rule = serde_json::from_str(document).unwrap();
    let written = serde_json::to_string(&rule).unwrap();
    let again: hearth_core::rules::Rule = serde_json::from_str(&written).unwrap();
    assert_eq!(again, rule, "{written}");
}
