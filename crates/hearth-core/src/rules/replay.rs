//! Replay: when a rule would have fired against what actually happened. The
//! hub reads stored readings; this feeds them, with clock ticks at the rule's
//! own moments and at its holds' deadlines, through the same [`evaluate`] the
//! runner uses, from a fresh [`RuleMemory`], and keeps the firings. Nothing
//! is carried out, so the rule's own commands do not change the world it sees.

use std::collections::BTreeSet;
use std::iter::Peekable;
use std::vec;

use chrono::{DateTime, TimeZone, Utc};

use super::engine::{Decision, RuleMemory, evaluate, next_deadline};
use super::schedule::next_firings;
use super::world::{Event, World};
use super::{Action, Condition, Replayed, Rule, Trigger};
use crate::device::DeviceId;
use crate::reading::{Metric, Reading};
use crate::sun::Site;

/// The series whose readings can change what `rule` decides: the metrics its
/// numeric triggers and conditions and its setpoint sources read, and every
/// metric `world` knows a device to have for the devices whose silence it
/// watches.
pub fn watched(rule: &Rule, world: &World) -> BTreeSet<(DeviceId, Metric)> {
    let mut series = BTreeSet::new();
    for trigger in &rule.triggers {
        match trigger {
            Trigger::Numeric { device, metric, .. } => {
                series.insert((device.clone(), *metric));
            }
            Trigger::Unavailable { device, .. } => {
                let metrics = world
                    .devices
                    .get(device)
                    .into_iter()
                    .flat_map(|snapshot| snapshot.device.metrics());
                series.extend(metrics.map(|metric| (device.clone(), metric)));
            }
            _ => {}
        }
    }
    let mut conditions: Vec<&Condition> = rule.conditions.iter().collect();
    while let Some(condition) = conditions.pop() {
        match condition {
            Condition::And { conditions: inner } | Condition::Or { conditions: inner } => {
                conditions.extend(inner);
            }
            Condition::Not { condition } => conditions.push(condition),
            Condition::Numeric { device, metric, .. } => {
                series.insert((device.clone(), *metric));
            }
            _ => {}
        }
    }
    for action in &rule.actions {
        if let Action::TrackSetpoint { source, metric, .. } = action {
            series.insert((source.clone(), *metric));
        }
    }
    series
}

/// Every moment in `[from, to]` that `rule` would have fired, earliest first,
/// had it been enabled and starting afresh at `from` in `world` (whose
/// readings should be cleared: the replay fills them in). `readings` must be
/// in time order; those outside the span are ignored.
pub fn replay<Tz: TimeZone>(
    rule: &Rule,
    mut world: World,
    readings: impl IntoIterator<Item = Reading>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    site: &Site,
    tz: &Tz,
) -> Vec<Replayed> {
    let rule = Rule {
        enabled: true,
        ..rule.clone()
    };
    let mut replay = Replay {
        rule: &rule,
        memory: RuleMemory::default(),
        now: from,
        moments: next_firings(&rule, from, to - from, site, tz)
            .into_iter()
            .map(|upcoming| upcoming.at)
            .collect::<Vec<_>>()
            .into_iter()
            .peekable(),
        found: Vec::new(),
    };
    replay.step(&world, &Event::Tick, from, site, tz);
    for reading in readings {
        if reading.at < from {
            continue;
        }
        if reading.at > to {
            break;
        }
        replay.ticks_until(&world, reading.at, site, tz);
        let at = reading.at;
        let event = Event::Reading { reading };
        world.apply(&event, at);
        replay.step(&world, &event, at, site, tz);
    }
    replay.ticks_until(&world, to, site, tz);
    replay.found
}

struct Replay<'a> {
    rule: &'a Rule,
    memory: RuleMemory,
    /// The latest instant evaluated.
    now: DateTime<Utc>,
    /// The rule's clock-driven moments in the span, earliest first.
    moments: Peekable<vec::IntoIter<DateTime<Utc>>>,
    found: Vec<Replayed>,
}

impl Replay<'_> {
    /// Ticks at every clock moment and hold deadline up to `until`, in order,
    /// as the runner's wake-ups would have.
    fn ticks_until<Tz: TimeZone>(
        &mut self,
        world: &World,
        until: DateTime<Utc>,
        site: &Site,
        tz: &Tz,
    ) {
        loop {
            while self.moments.next_if(|at| *at <= self.now).is_some() {}
            let moment = self.moments.peek().copied();
            let deadline =
                next_deadline(self.rule, &self.memory, world).filter(|at| *at > self.now);
            let Some(next) = [moment, deadline].into_iter().flatten().min() else {
                return;
            };
            if next > until {
                return;
            }
            self.step(world, &Event::Tick, next, site, tz);
        }
    }

    fn step<Tz: TimeZone>(
        &mut self,
        world: &World,
        event: &Event,
        now: DateTime<Utc>,
        site: &Site,
        tz: &Tz,
    ) {
        let (memory, decisions) = evaluate(self.rule, &self.memory, world, event, now, site, tz);
        self.memory = memory;
        self.now = self.now.max(now);
        self.found
            .extend(decisions.into_iter().filter_map(|decision| match decision {
                Decision::Fired(firing) => Some(Replayed {
                    at: firing.at,
                    trigger: firing.trigger,
                    reason: firing.reason,
                    trace: firing.trace,
                }),
                _ => None,
            }));
    }
}
