//! The engine: one pure step of a rule, `(rule, memory, world, event, now)
//! -> (memory, decisions)`. The hub feeds every event and clock tick through
//! it and carries out the decisions; the memory it hands back is what the
//! hub persists, so a restart picks up pending holds without firing twice.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::action::{self, Step};
use super::condition::{self, ConditionResult};
use super::schedule::occurrences;
use super::world::{Event, World};
use super::{DEFAULT_QUEUE, Mode, Rule, Span, StateMatch, Trigger, sun_label};
use crate::device::{DeviceId, DeviceState};
use crate::sun::{Direction, Site};

/// How late a clock-driven firing may still happen: one whose moment passed
/// less than this long ago (the hub was down, or busy) fires once when the
/// engine next runs; older ones are reported as [`Decision::Missed`].
pub const GRACE: TimeDelta = TimeDelta::minutes(15);

/// What a rule remembers between events, per trigger and per run. The hub
/// stores it after every evaluation; it is plain data so it survives a
/// restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleMemory {
    /// One entry per trigger, in the rule's order.
    #[serde(default)]
    pub triggers: Vec<TriggerMemory>,
    /// Runs that have not finished (they wait out a delay, or queue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<Run>,
    /// The id the next run gets.
    #[serde(default)]
    pub next_run: u64,
    /// When this rule's runs last switched each device on or off (the
    /// [`World`] knows other switches too; `min_cycle` takes the later).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub switched: BTreeMap<DeviceId, DateTime<Utc>>,
}

/// One trigger's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerMemory {
    /// For numeric triggers: whether a crossing would fire (`false` after
    /// firing, until the value is back beyond the hysteresis); unknown before
    /// the first value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed: Option<bool>,
    /// When the value or state that a `for` hold waits on began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// For clock-driven triggers: the instant up to which firings are done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_until: Option<DateTime<Utc>>,
    /// For clock-driven triggers: nothing fires before this instant, so
    /// evaluation skips the sun and calendar sums until then (most events a
    /// rule sees are readings, not its moments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_fired: Option<DateTime<Utc>>,
}

impl RuleMemory {
    /// Forgets when clock-driven triggers are next due, for when the site or
    /// its time zone changes: the next evaluation works them out afresh.
    pub fn reschedule(&mut self) {
        for trigger in &mut self.triggers {
            trigger.quiet_until = None;
        }
    }
}

/// How far ahead a clock-driven trigger's next moment is looked for; with
/// none in that span, it is looked for again at its end.
const LOOKAHEAD: TimeDelta = TimeDelta::days(1);

/// A run in progress or waiting in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub id: u64,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

/// What the engine decided about one trigger firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Fired(Firing),
    /// A condition did not hold.
    Rejected {
        trigger: usize,
        at: DateTime<Utc>,
        reason: String,
        trace: Vec<ConditionResult>,
    },
    /// The conditions held but the mode refused a new run: `single` with a
    /// run going, or `queued` with the queue full.
    Skipped {
        trigger: usize,
        at: DateTime<Utc>,
        reason: String,
    },
    /// A clock-driven firing more than [`GRACE`] ago that never happened
    /// (the hub was down); the first one missed is reported.
    Missed {
        trigger: usize,
        scheduled: DateTime<Utc>,
    },
}

/// A run the runner is to carry out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    /// Index into the rule's `triggers`.
    pub trigger: usize,
    pub at: DateTime<Utc>,
    /// What the trigger saw, in words.
    pub reason: String,
    pub trace: Vec<ConditionResult>,
    pub run: u64,
    /// Later than `at` when the run waits in a queue.
    pub starts: DateTime<Utc>,
    /// Runs to cancel first (`restart` mode): their remaining steps are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cancels: Vec<u64>,
    /// Started by [`run_now`], not by a trigger (`trigger` is then 0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_hand: bool,
    /// What to do and when, in order.
    pub steps: Vec<Step>,
}

/// What evaluation reads besides the rule and its memory.
pub(super) struct Context<'a, Tz: TimeZone> {
    pub(super) world: &'a World,
    pub(super) site: &'a Site,
    pub(super) tz: &'a Tz,
    pub(super) now: DateTime<Utc>,
}

impl<Tz: TimeZone> Context<'_, Tz> {
    pub(super) fn local(&self) -> DateTime<Tz> {
        self.now.with_timezone(self.tz)
    }
}

/// One step of `rule`: given what it remembers, the world (with `event`
/// already applied, see [`World::apply`]) and the time, which triggers fire
/// and what then happens. Pure: the hub persists the returned memory and
/// carries out the decisions.
///
/// A disabled rule decides nothing and forgets its holds and schedules, so
/// enabling it later does not fire for what happened meanwhile.
pub fn evaluate<Tz: TimeZone>(
    rule: &Rule,
    memory: &RuleMemory,
    world: &World,
    event: &Event,
    now: DateTime<Utc>,
    site: &Site,
    tz: &Tz,
) -> (RuleMemory, Vec<Decision>) {
    let context = Context {
        world,
        site,
        tz,
        now,
    };
    let mut memory = memory.clone();
    // A rule edited since the memory was saved keeps what lines up.
    memory
        .triggers
        .resize_with(rule.triggers.len(), TriggerMemory::default);
    memory.runs.retain(|run| run.ends > now);
    if !rule.enabled {
        for trigger in &mut memory.triggers {
            *trigger = TriggerMemory {
                checked_until: Some(now),
                ..TriggerMemory::default()
            };
        }
        return (memory, Vec::new());
    }
    let mut decisions = Vec::new();
    for (index, trigger) in rule.triggers.iter().enumerate() {
        let hits = step_trigger(trigger, &mut memory.triggers[index], event, &context);
        for hit in hits {
            decisions.push(match hit {
                Hit::Fire(reason) => {
                    memory.triggers[index].last_fired = Some(now);
                    run(rule, &mut memory, index, reason, &context)
                }
                Hit::Missed(scheduled) => Decision::Missed {
                    trigger: index,
                    scheduled,
                },
            });
        }
    }
    (memory, decisions)
}

/// Runs `rule`'s actions now, skipping its triggers and its conditions (as
/// Home Assistant's "run actions" does), whether or not it is enabled. Its
/// mode still applies: a `single` rule with a run going is skipped. The
/// firing is marked `by_hand`; no trigger's `last_fired` changes.
pub fn run_now<Tz: TimeZone>(
    rule: &Rule,
    memory: &RuleMemory,
    world: &World,
    now: DateTime<Utc>,
    site: &Site,
    tz: &Tz,
) -> (RuleMemory, Decision) {
    let context = Context {
        world,
        site,
        tz,
        now,
    };
    let mut memory = memory.clone();
    memory.runs.retain(|run| run.ends > now);
    let unconditional = Rule {
        conditions: Vec::new(),
        ..rule.clone()
    };
    let mut decision = run(
        &unconditional,
        &mut memory,
        0,
        "run by hand".to_owned(),
        &context,
    );
    if let Decision::Fired(firing) = &mut decision {
        firing.by_hand = true;
    }
    (memory, decision)
}

/// The earliest instant a pending `for` hold or a device's silence falls due,
/// so the runner knows when to wake even if no event arrives. Clock-driven
/// triggers are predicted by [`next_firings`](super::next_firings).
pub fn next_deadline(rule: &Rule, memory: &RuleMemory, world: &World) -> Option<DateTime<Utc>> {
    rule.triggers
        .iter()
        .zip(&memory.triggers)
        .filter_map(|(trigger, state)| match trigger {
            Trigger::Numeric { hold, .. } if state.armed == Some(true) => {
                Some(state.since? + span(*hold))
            }
            Trigger::State { hold, .. } => Some(state.since? + span(*hold)),
            Trigger::Unavailable { device, hold } => {
                let seen = world.last_seen(device)?;
                let fired_since = state.last_fired.is_some_and(|fired| fired >= seen);
                (!fired_since).then(|| seen + hold.delta())
            }
            _ => None,
        })
        .min()
}

/// What one trigger did in one step.
enum Hit {
    Fire(String),
    Missed(DateTime<Utc>),
}

fn span(hold: Option<Span>) -> TimeDelta {
    hold.map_or(TimeDelta::zero(), Span::delta)
}

fn step_trigger<Tz: TimeZone>(
    trigger: &Trigger,
    state: &mut TriggerMemory,
    event: &Event,
    context: &Context<'_, Tz>,
) -> Vec<Hit> {
    let now = context.now;
    match trigger {
        Trigger::Sun { .. }
        | Trigger::Elevation { .. }
        | Trigger::Time { .. }
        | Trigger::Every { .. } => clock(trigger, state, context),
        Trigger::Numeric {
            device,
            metric,
            crossing,
            threshold,
            hysteresis,
            hold,
        } => {
            if let Event::Reading { reading } = event
                && &reading.device == device
                && reading.metric == *metric
            {
                let past = crossing.past(reading.value, *threshold);
                // A value already past the threshold when first seen is not a
                // crossing: the rule waits for the value to come back first.
                let armed = state.armed.get_or_insert(!past);
                if past {
                    if *armed && state.since.is_none() {
                        state.since = Some(now);
                    }
                } else {
                    state.since = None;
                    if crossing.reset(reading.value, *threshold, *hysteresis) {
                        *armed = true;
                    }
                }
            }
            let Some(since) = state.since else {
                return Vec::new();
            };
            let value = context.world.value(device, *metric);
            let still = value.is_some_and(|v| crossing.past(v, *threshold));
            if state.armed != Some(true) || now - since < span(*hold) || !still {
                return Vec::new();
            }
            state.armed = Some(false);
            state.since = None;
            let held = hold.map(|hold| format!(" for {hold}")).unwrap_or_default();
            vec![Hit::Fire(format!(
                "{device} {} {} {} {threshold}{held}",
                metric.label().to_lowercase(),
                value.unwrap_or_default(),
                crossing.label(),
            ))]
        }
        Trigger::State {
            device,
            from,
            to,
            hold,
        } => {
            if let Event::StateChanged {
                device: changed,
                from: before,
                to: after,
            } = event
                && changed == device
            {
                if state_edge(*from, *to, before, after) {
                    state.since.get_or_insert(now);
                } else if !still_held(*from, *to, after) {
                    state.since = None;
                }
            }
            let Some(since) = state.since else {
                return Vec::new();
            };
            let current = context.world.state(device);
            let still = current.is_some_and(|current| still_held(*from, *to, current));
            if !still {
                state.since = None;
                return Vec::new();
            }
            if now - since < span(*hold) {
                return Vec::new();
            }
            state.since = None;
            let held = hold.map(|hold| format!(" for {hold}")).unwrap_or_default();
            vec![Hit::Fire(format!("{device} changed state{held}"))]
        }
        Trigger::Unavailable { device, hold } => {
            let Some(seen) = context.world.last_seen(device) else {
                return Vec::new();
            };
            let fired_since = state.last_fired.is_some_and(|fired| fired >= seen);
            if fired_since || now - seen < hold.delta() {
                return Vec::new();
            }
            vec![Hit::Fire(format!(
                "nothing heard from {device} since {seen}"
            ))]
        }
    }
}

/// Whether a change from `before` to `after` is the one a state trigger names.
fn state_edge(
    from: Option<StateMatch>,
    to: Option<StateMatch>,
    before: &DeviceState,
    after: &DeviceState,
) -> bool {
    match (from, to) {
        (from, Some(to)) => {
            to.changed(before, after)
                && to.matches(after)
                && from.is_none_or(|from| from.matches(before))
        }
        (Some(from), None) => from.changed(before, after) && from.matches(before),
        (None, None) => before.on != after.on || before.mode != after.mode,
    }
}

/// Whether `state` still is what the trigger changed to (for its `for` hold).
fn still_held(from: Option<StateMatch>, to: Option<StateMatch>, state: &DeviceState) -> bool {
    to.is_none_or(|to| to.matches(state)) && from.is_none_or(|from| !from.matches(state))
}

/// A clock-driven trigger: fires once for its latest moment in the last
/// [`GRACE`] not yet handled, and reports an older one as missed.
fn clock<Tz: TimeZone>(
    trigger: &Trigger,
    state: &mut TriggerMemory,
    context: &Context<'_, Tz>,
) -> Vec<Hit> {
    let now = context.now;
    // A trigger seen for the first time starts from now: a new rule does not
    // fire for moments before it existed.
    let checked = *state.checked_until.get_or_insert(now);
    if now <= checked {
        return Vec::new();
    }
    // Nothing happens between `checked` and the next moment, so while that
    // is still ahead the memory is left as it is: the hub persists every
    // memory that changes, and most events a rule sees are readings.
    if state.quiet_until.is_some_and(|quiet| now < quiet) {
        return Vec::new();
    }
    state.checked_until = Some(now);
    let (site, tz) = (context.site, context.tz);
    let recent = checked.max(now - GRACE);
    let mut hits = Vec::new();
    if checked < recent
        && let Some(missed) = occurrences(trigger, checked, recent, site, tz).next()
    {
        hits.push(Hit::Missed(missed));
    }
    if let Some(at) = occurrences(trigger, recent, now, site, tz).last() {
        hits.push(Hit::Fire(describe_clock(trigger, at, tz)));
    }
    let horizon = now + LOOKAHEAD;
    state.quiet_until = Some(
        occurrences(trigger, now, horizon, site, tz)
            .next()
            .unwrap_or(horizon),
    );
    hits
}

fn describe_clock<Tz: TimeZone>(trigger: &Trigger, at: DateTime<Utc>, tz: &Tz) -> String {
    let local = at.with_timezone(tz).naive_local().format("%H:%M");
    match trigger {
        Trigger::Sun { event, offset } if offset.delta().is_zero() => {
            format!("{} at {local}", sun_label(*event))
        }
        Trigger::Sun { event, offset } => format!("{} {offset:+} at {local}", sun_label(*event)),
        Trigger::Elevation {
            elevation,
            direction,
        } => {
            let way = match direction {
                Direction::Rising => "rising",
                Direction::Setting => "setting",
            };
            format!("the sun crossed {elevation}° {way} at {local}")
        }
        _ => format!("the time is {local}"),
    }
}

/// Checks the conditions and, if they hold and the mode allows, plans a run.
fn run<Tz: TimeZone>(
    rule: &Rule,
    memory: &mut RuleMemory,
    trigger: usize,
    reason: String,
    context: &Context<'_, Tz>,
) -> Decision {
    let now = context.now;
    let mut trace = Vec::new();
    let held = rule
        .conditions
        .iter()
        .enumerate()
        .filter(|(i, c)| condition::check(c, format!("conditions[{i}]"), context, &mut trace))
        .count();
    if held < rule.conditions.len() {
        return Decision::Rejected {
            trigger,
            at: now,
            reason,
            trace,
        };
    }
    let skipped = |why: String| Decision::Skipped {
        trigger,
        at: now,
        reason: why,
    };
    let (starts, cancels) = match rule.mode {
        Mode::Single if !memory.runs.is_empty() => {
            return skipped(format!("{reason}, but the rule is still running"));
        }
        Mode::Single => (now, Vec::new()),
        Mode::Restart => (now, memory.runs.drain(..).map(|run| run.id).collect()),
        Mode::Queued => {
            let max = rule.max.unwrap_or(DEFAULT_QUEUE).max(1) as usize;
            if memory.runs.len() >= max {
                return skipped(format!("{reason}, but {max} runs are already queued"));
            }
            let starts = memory.runs.last().map_or(now, |run| run.ends.max(now));
            (starts, Vec::new())
        }
    };
    let (steps, ends) = action::plan(&rule.actions, starts, context, &mut memory.switched);
    let id = memory.next_run;
    memory.next_run += 1;
    if ends > now {
        memory.runs.push(Run { id, starts, ends });
    }
    Decision::Fired(Firing {
        trigger,
        at: now,
        reason,
        trace,
        run: id,
        starts,
        cancels,
        by_hand: false,
        steps,
    })
}
