//! What the hub's rule runner reports about its rules, in the form the REST
//! API sends it: each firing's trace with how its steps went, the
//! notifications rules asked for, and a rule's status (enabled, last fired,
//! next firing). They live here rather than in the hub because the dashboard
//! reads them too.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConditionResult, Decision, Diagnostic, NotifyLevel, Rule, Upcoming};
use crate::command::CommandError;
use crate::device::DeviceState;

/// What a rule did about one trigger firing (or one rejected by a
/// condition), and how each of its steps went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Unique within the hub's run, increasing.
    pub id: u64,
    /// The engine's decision, with the trigger, its reason and every
    /// condition's result.
    pub decision: Decision,
    /// One per step carried out (or cancelled) so far, in order.
    pub outcomes: Vec<Outcome>,
}

/// How one planned step went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Index into the rule's `actions`.
    pub action: usize,
    /// When it was carried out.
    pub at: DateTime<Utc>,
    pub result: StepResult,
}

/// On the wire: `{"result": "done", "detail": {…state…}}`,
/// `{"result": "failed", "detail": {"code", "message"}}`,
/// `{"result": "notified"}`, `{"result": "skipped", "detail": "reason"}`,
/// `{"result": "cancelled"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum StepResult {
    /// The device carried out the command and reports this state.
    Done(DeviceState),
    /// The hub or the device refused the command, or the device did not answer.
    Failed(CommandError),
    /// The message went to the hub's notifications.
    Notified,
    /// The engine planned no action here, for this reason.
    Skipped(String),
    /// A later firing of a `restart` rule, or disabling the rule, dropped it.
    Cancelled,
}

/// A message a rule asked to show in the dashboard, as the hub pushes it to
/// browsers (`notification`, and the recent ones in each `snapshot`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Increasing, and unique across the hub's restarts (the counter starts
    /// from the wall clock's milliseconds), so a browser can remember which
    /// ones it has dismissed.
    pub id: u64,
    /// The id of the rule that asked for it.
    pub rule: String,
    /// The rule's name when it asked.
    pub title: String,
    pub message: String,
    #[serde(default)]
    pub level: NotifyLevel,
    // Read with core's small parser: browsers decode this type.
    #[serde(with = "crate::rfc3339")]
    pub at: DateTime<Utc>,
}

/// A rule as the hub's rule list shows it: the document, when it last fired
/// and when a clock-driven trigger of it fires next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleStatus {
    pub rule: Rule,
    /// The latest firing of any of its triggers, as the engine remembers it.
    pub last_fired: Option<DateTime<Utc>>,
    /// The next predicted firing within a week; `None` for a disabled rule
    /// and for one with no clock-driven trigger due in that span.
    pub next_firing: Option<Upcoming>,
}

/// The answer to creating or replacing a rule: the rule as stored (with the
/// id the hub gave it) and the warnings validation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSaved {
    pub rule: Rule,
    #[serde(default)]
    pub warnings: Vec<Diagnostic>,
}

/// One moment a rule would have fired against stored history, as
/// `GET /api/rules/{id}/replay` answers it (see [`replay`](super::replay)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replayed {
    pub at: DateTime<Utc>,
    /// Index into the rule's `triggers`.
    pub trigger: usize,
    /// What the trigger saw, in words.
    pub reason: String,
    /// Every condition's result at that moment.
    pub trace: Vec<ConditionResult>,
}
