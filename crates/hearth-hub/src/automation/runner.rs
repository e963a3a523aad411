//! The rule runner: one task that applies each hub event to its picture of
//! the house (a core [`World`]), evaluates every enabled rule against it, and
//! carries out the steps the engine plans, each at its instant. Between
//! events it sleeps until the next hold, schedule or step falls due.
//!
//! Rules are managed through [`Automations`]; each keeps its engine memory,
//! the steps still to come and a ring of recent traces. Every rule and its
//! memory are saved to the store: an edit before it is acknowledged, and the
//! memory after each evaluation that changed it, committed before any step
//! it planned is carried out, so a restart neither loses a pending `for`
//! hold nor fires twice. Traces are saved too (queued, not waited for), and
//! each change to a rule and each notification is published on the hub's
//! event bus for browsers.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::protocol::DeviceSnapshot;
use hearth_core::rules::{
    self, Decision, Diagnostic, Event, Notification, Outcome, Replayed, Rule, RuleMemory,
    RuleStatus, Severity, Step, StepResult, Trace, Trigger, Upcoming, World,
};
use hearth_core::{Device, DeviceId, Metric, Reading, Resolution};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::{Clock, Place};
use crate::hub::{Hub, HubEvent};
use crate::store::{Committed, SavedRule, Scan, StoreError, TRACES_KEPT, Write};

/// How far ahead the runner predicts a new rule's clock-driven triggers;
/// with nothing due in that span, it looks again at its end.
const PREDICTION: TimeDelta = TimeDelta::days(1);

/// How far ahead a rule pushed to browsers looks for its next firing: the
/// same week as `GET /api/rules`.
const PUBLISHED_HORIZON: TimeDelta = TimeDelta::days(7);

/// Why a change to the rules was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("there is already a rule {0}")]
    Exists(String),
    #[error("there is no rule {0}")]
    NotFound(String),
    /// Every problem validation found; at least one is an error.
    #[error("the rule has {} problem(s), the first at {}", .0.len(), .0.first().map_or("", |d| d.path.as_str()))]
    Invalid(Vec<Diagnostic>),
}

/// The hub's automations: the rules, what each remembers, and the runner
/// task ([`Automations::run`]) that carries them out.
#[derive(Debug)]
pub struct Automations {
    hub: Arc<Hub>,
    clock: Clock,
    state: Mutex<State>,
    /// Held while a change is made and queued for the store, so the store
    /// sees changes in the order they were made in memory.
    edits: tokio::sync::Mutex<()>,
    /// Wakes the runner when rules or the place change, so it evaluates the
    /// new rules and works out when to wake next.
    changed: Notify,
    /// Requests to answer once everything before them has been handled.
    settle: mpsc::UnboundedSender<oneshot::Sender<()>>,
    settled: Mutex<Option<mpsc::UnboundedReceiver<oneshot::Sender<()>>>>,
}

#[derive(Debug)]
struct State {
    place: Place,
    world: World,
    rules: BTreeMap<String, Slot>,
    /// The rules with traces to save, so saving does not visit every rule.
    unsaved: BTreeSet<String>,
    next_trace: u64,
}

/// One rule and everything the runner keeps for it.
#[derive(Debug)]
struct Slot {
    rule: Rule,
    memory: RuleMemory,
    /// Planned steps not yet carried out, in the order planned.
    pending: Vec<Pending>,
    traces: VecDeque<Trace>,
    /// Traces recorded or updated since they were last queued for the store.
    unsaved: Vec<u64>,
}

#[derive(Debug, Clone)]
struct Pending {
    run: u64,
    /// The trace of the firing that planned it.
    trace: u64,
    step: Step,
}

/// One stored series being replayed: its rows as (microseconds, value),
/// oldest first, and the next one to feed.
struct Series {
    device: DeviceId,
    metric: Metric,
    rows: Vec<(i64, f64)>,
    next: usize,
}

/// A step that has fallen due, and whose rule it is.
#[derive(Debug)]
struct Due {
    rule: String,
    pending: Pending,
}

impl Automations {
    /// Automations for `hub`, with no rules yet, timed by `clock`. Start the
    /// runner with [`Automations::run`].
    pub fn new(hub: Arc<Hub>, clock: Clock, place: Place) -> Arc<Automations> {
        let (settle, settled) = mpsc::unbounded_channel();
        let world = World::new(hub.snapshot());
        Arc::new(Automations {
            hub,
            clock,
            state: Mutex::new(State {
                place,
                world,
                rules: BTreeMap::new(),
                unsaved: BTreeSet::new(),
                next_trace: 0,
            }),
            edits: tokio::sync::Mutex::new(()),
            changed: Notify::new(),
            settle,
            settled: Mutex::new(Some(settled)),
        })
    }

    /// Takes back the rules saved by an earlier run, with what each
    /// remembered, and their saved traces (oldest first). They are not
    /// validated again (their devices may not have registered yet). Runs
    /// that were waiting out a delay when the hub stopped are abandoned:
    /// their remaining steps are not carried out.
    pub(crate) fn restore(&self, saved: Vec<SavedRule>) {
        let mut state = self.state();
        for SavedRule {
            rule,
            mut memory,
            traces,
        } in saved
        {
            memory.runs.clear();
            // New traces continue the numbering, so none overwrites a saved one.
            let newest = traces.iter().map(|trace| trace.id).max().unwrap_or(0);
            state.next_trace = state.next_trace.max(newest);
            let mut slot = Slot::new(rule, memory);
            slot.traces = traces.into();
            while slot.traces.len() > TRACES_KEPT {
                slot.traces.pop_front();
            }
            state.rules.insert(slot.rule.id.clone(), slot);
        }
        drop(state);
        self.changed.notify_one();
    }

    /// The hub the rules act on (for the rooms of the devices a rule names).
    pub(crate) fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn place(&self) -> Place {
        self.state().place
    }

    /// Moves the house: sun events and local times are worked out afresh.
    pub fn set_place(&self, place: Place) {
        let mut state = self.state();
        state.place = place;
        for slot in state.rules.values_mut() {
            slot.memory.reschedule();
        }
        drop(state);
        self.changed.notify_one();
    }

    /// Adds `rule`, refused if its id is taken or validation finds an error;
    /// returns the warnings. A new rule starts from now: it does not fire for
    /// moments or crossings before it was added.
    pub async fn add(&self, rule: Rule) -> Result<Vec<Diagnostic>, RuleError> {
        let warnings = self.check(&rule)?;
        let id = rule.id.clone();
        self.edit(|state, _| {
            if state.rules.contains_key(&rule.id) {
                return Err(RuleError::Exists(rule.id));
            }
            let slot = Slot::new(rule, RuleMemory::default());
            let write = slot.saved();
            state.rules.insert(slot.rule.id.clone(), slot);
            Ok(write)
        })
        .await?;
        self.publish(&id);
        Ok(warnings)
    }

    /// Replaces the rule with `rule`'s id. Edited triggers start from fresh
    /// memory (keeping the runs in progress and when the rule last switched
    /// each device, so an edit cannot defeat `min_cycle`); otherwise the
    /// rule carries on where it was. Enabling or disabling works as
    /// [`Automations::enable`] does.
    pub async fn replace(&self, rule: Rule) -> Result<Vec<Diagnostic>, RuleError> {
        let warnings = self.check(&rule)?;
        let id = rule.id.clone();
        self.edit(|state, now| {
            let State {
                place,
                world,
                rules,
                ..
            } = state;
            let slot = rules
                .get_mut(&rule.id)
                .ok_or_else(|| RuleError::NotFound(rule.id.clone()))?;
            if slot.rule.triggers != rule.triggers {
                slot.memory = RuleMemory {
                    runs: std::mem::take(&mut slot.memory.runs),
                    next_run: slot.memory.next_run,
                    switched: std::mem::take(&mut slot.memory.switched),
                    ..RuleMemory::default()
                };
            }
            let enabling = rule.enabled != slot.rule.enabled;
            slot.rule = rule;
            if enabling {
                slot.restart(world, now, place);
            }
            Ok(slot.saved())
        })
        .await?;
        self.publish(&id);
        Ok(warnings)
    }

    /// Removes the rule `id` and its traces; its steps still to come are
    /// dropped.
    pub async fn remove(&self, id: &str) -> Result<Rule, RuleError> {
        let mut removed = None;
        self.edit(|state, _| {
            let slot = state
                .rules
                .remove(id)
                .ok_or_else(|| RuleError::NotFound(id.to_owned()))?;
            removed = Some(slot.rule);
            Ok(Write::RemoveRule(id.to_owned()))
        })
        .await?;
        self.hub.rule_removed(id);
        removed.ok_or_else(|| RuleError::NotFound(id.to_owned()))
    }

    /// Enables or disables the rule `id`. Either way its triggers start
    /// afresh from now: a disabled rule drops the steps it had still to
    /// carry out, and a re-enabled one does not fire for what happened while
    /// it was off.
    pub async fn enable(&self, id: &str, enabled: bool) -> Result<(), RuleError> {
        self.edit(|state, now| {
            let State {
                place,
                world,
                rules,
                ..
            } = state;
            let slot = rules
                .get_mut(id)
                .ok_or_else(|| RuleError::NotFound(id.to_owned()))?;
            if slot.rule.enabled != enabled {
                slot.rule.enabled = enabled;
                slot.restart(world, now, place);
            }
            Ok(slot.saved())
        })
        .await?;
        self.publish(id);
        Ok(())
    }

    /// Tells browsers what the rule `id` is now.
    fn publish(&self, id: &str) {
        if let Some(status) = self.status(id, PUBLISHED_HORIZON) {
            self.hub.rule_changed(status);
        }
    }

    /// Runs the rule `id`'s actions now, skipping its triggers and conditions
    /// (see [`rules::run_now`]); its steps are carried out by the runner as
    /// they fall due. Returns the id of the firing's trace.
    pub async fn run_now(&self, id: &str) -> Result<u64, RuleError> {
        let mut trace = None;
        self.edit(|state, now| {
            let State {
                place,
                world,
                rules,
                next_trace,
                ..
            } = state;
            let slot = rules
                .get_mut(id)
                .ok_or_else(|| RuleError::NotFound(id.to_owned()))?;
            let (memory, decision) = rules::run_now(
                &slot.rule,
                &slot.memory,
                world,
                now,
                &place.site,
                &place.zone,
            );
            slot.memory = memory;
            *next_trace += 1;
            slot.decide(decision, *next_trace);
            trace = Some(*next_trace);
            Ok(slot.saved())
        })
        .await?;
        trace.ok_or_else(|| RuleError::NotFound(id.to_owned()))
    }

    /// Makes `change` to the rules (given the time now) and saves what it
    /// returns, waiting until that is committed; the runner is woken to
    /// evaluate the rules afresh.
    async fn edit(
        &self,
        change: impl FnOnce(&mut State, DateTime<Utc>) -> Result<Write, RuleError>,
    ) -> Result<(), RuleError> {
        let edits = self.edits.lock().await;
        let write = {
            let mut state = self.state();
            let write = change(&mut state, self.clock.now())?;
            // A saved rule may have new traces (a run by hand, steps
            // cancelled by disabling it).
            if let Write::Rule { rule, .. } = &write {
                state.unsaved.insert(rule.id.clone());
            }
            write
        };
        self.changed.notify_one();
        let saved = self.save(write).await;
        drop(edits);
        durable(saved).await;
        self.save_traces().await;
        Ok(())
    }

    /// Every rule, by id.
    pub fn rules(&self) -> Vec<Rule> {
        self.state()
            .rules
            .values()
            .map(|slot| slot.rule.clone())
            .collect()
    }

    /// The rule `id`, if there is one.
    pub fn rule(&self, id: &str) -> Option<Rule> {
        Some(self.state().rules.get(id)?.rule.clone())
    }

    /// Every rule with when it last fired and when it fires next (looked for
    /// up to `horizon` ahead), by id.
    pub fn statuses(&self, horizon: TimeDelta) -> Vec<RuleStatus> {
        let now = self.clock.now();
        let state = self.state();
        state
            .rules
            .values()
            .map(|slot| slot.status(now, horizon, &state.place))
            .collect()
    }

    /// The rule `id` with when it last fired and when it fires next (looked
    /// for up to `horizon` ahead).
    pub fn status(&self, id: &str, horizon: TimeDelta) -> Option<RuleStatus> {
        let now = self.clock.now();
        let state = self.state();
        Some(state.rules.get(id)?.status(now, horizon, &state.place))
    }

    /// The clock-driven firings of the rule `id` from now until `horizon`
    /// ahead, earliest first (conditions are not applied).
    pub fn preview(&self, id: &str, horizon: TimeDelta) -> Option<Vec<Upcoming>> {
        let now = self.clock.now();
        let state = self.state();
        let slot = state.rules.get(id)?;
        Some(rules::next_firings(
            &slot.rule,
            now,
            horizon,
            &state.place.site,
            &state.place.zone,
        ))
    }

    /// When the rule `id` would have fired in `[from, to]` against the
    /// stored readings (see [`rules::replay`]), `None` if there is no such
    /// rule. Raw readings are replayed where raw retention still holds
    /// them; before that, each minute rollup stands for one reading of its
    /// `last` value at the minute's start. Blocking: call it from a blocking
    /// thread.
    pub(crate) fn replay(
        &self,
        id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Option<Result<Vec<Replayed>, StoreError>> {
        let (rule, mut world, place) = {
            let state = self.state();
            let slot = state.rules.get(id)?;
            (slot.rule.clone(), state.world.clone(), state.place)
        };
        // The replay starts knowing nothing but the devices and their states
        // now (states are not kept as history).
        for snapshot in world.devices.values_mut() {
            snapshot.readings.clear();
            snapshot.last_seen = None;
        }
        world.switched.clear();
        let raw_from = self
            .hub
            .retention()
            .horizon(Resolution::Raw, Utc::now())
            .max(from);
        let history = self.hub.history();
        let mut series = Vec::new();
        for (device, metric) in rules::watched(&rule, &world) {
            let mut rows = Vec::new();
            let mut scan = |resolution, from: DateTime<Utc>, to: DateTime<Utc>| {
                let scan = Scan {
                    device: device.clone(),
                    metric,
                    resolution,
                    from_us: from.timestamp_micros(),
                    to_us: to.timestamp_micros(),
                };
                history.scan(&scan, &mut |row| {
                    // Rollups overlapping `raw_from` are left to the raw rows.
                    if resolution == Resolution::Raw || row.at_us < raw_from.timestamp_micros() {
                        rows.push((row.at_us, row.last));
                    }
                    ControlFlow::Continue(())
                })
            };
            if from < raw_from
                && let Err(error) = scan(Resolution::Minute, from, raw_from.min(to))
            {
                return Some(Err(error));
            }
            if let Err(error) = scan(Resolution::Raw, raw_from, to) {
                return Some(Err(error));
            }
            series.push(Series {
                device,
                metric,
                rows,
                next: 0,
            });
        }
        let readings = std::iter::from_fn(move || {
            let earliest = series
                .iter_mut()
                .filter(|series| series.next < series.rows.len())
                .min_by_key(|series| series.rows[series.next].0)?;
            let (at_us, value) = earliest.rows[earliest.next];
            earliest.next += 1;
            Some(Reading::new(
                earliest.device.clone(),
                earliest.metric,
                value,
                DateTime::from_timestamp_micros(at_us).unwrap_or(DateTime::<Utc>::MIN_UTC),
            ))
        });
        Some(Ok(rules::replay(
            &rule,
            world,
            readings,
            from,
            to,
            &place.site,
            &place.zone,
        )))
    }

    /// The rule `id`'s recent traces, oldest first.
    pub fn traces(&self, id: &str) -> Option<Vec<Trace>> {
        let state = self.state();
        Some(state.rules.get(id)?.traces.iter().cloned().collect())
    }

    /// The recent notifications, oldest first.
    pub fn notifications(&self) -> Vec<Notification> {
        self.hub.notifications()
    }

    /// Completes once the runner has handled every event published, every
    /// rule change made and every step due before the call (or at once if
    /// the runner is not running).
    pub async fn settled(&self) {
        let (reply, done) = oneshot::channel();
        if self.settle.send(reply).is_ok() {
            let _ = done.await;
        }
    }

    /// The runner: handles the hub's events and the clock until `shutdown`
    /// turns true. Only one runner runs per [`Automations`]; a second call
    /// returns at once.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let taken = self
            .settled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(mut settle) = taken else {
            tracing::warn!("the rule runner is already running");
            return;
        };
        // Subscribe before the snapshot so nothing falls between the two.
        let mut events = self.hub.subscribe();
        self.state().resync(self.hub.snapshot());
        // When the rules were last evaluated: a wake-up due by then has been
        // seen to, and is not asked about again and again.
        let mut ticked = Some(self.handle(None).await);
        tracing::info!(rules = self.state().rules.len(), "rule runner running");
        loop {
            let wake = self
                .state()
                .next_wake(self.clock.now())
                .map(|wake| match ticked {
                    Some(ticked) if wake <= ticked => ticked + TimeDelta::seconds(1),
                    _ => wake,
                });
            // In this order: everything already waiting is handled before a
            // request to settle is answered.
            tokio::select! {
                biased;
                () = crate::stopping(&mut shutdown) => break,
                event = events.recv() => match event {
                    // The runner's own news for browsers, and availability,
                    // which no rule reads (`unavailable` triggers go by
                    // silence).
                    Ok(
                        HubEvent::RuleChanged(_)
                        | HubEvent::RuleRemoved(_)
                        | HubEvent::Notification(_)
                        | HubEvent::Availability { .. },
                    ) => {}
                    Ok(event) => ticked = Some(self.handle(Some(event)).await),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "the rule runner fell behind; resynchronising");
                        self.state().resync(self.hub.snapshot());
                        ticked = Some(self.handle(None).await);
                    }
                    Err(RecvError::Closed) => break,
                },
                () = self.changed.notified() => ticked = Some(self.handle(None).await),
                () = self.clock.sleep_until(wake) => {
                    ticked = Some(self.handle(None).await);
                }
                Some(reply) = settle.recv() => {
                    let _ = reply.send(());
                }
            }
        }
        tracing::info!("rule runner stopped");
    }

    /// Applies `event` (a tick when `None`), evaluates every enabled rule and
    /// carries out the steps that have fallen due. Returns the instant used.
    async fn handle(&self, event: Option<HubEvent>) -> DateTime<Utc> {
        let edits = self.edits.lock().await;
        let now = self.clock.now();
        let (due, changed, fired) = {
            let mut state = self.state();
            let event = match event {
                Some(event) => state.event(event, &self.hub),
                None => Event::Tick,
            };
            state.world.apply(&event, now);
            let (changed, fired) = state.evaluate(&event, now);
            (state.take_due(now), changed, fired)
        };
        // The engine's memory is committed before anything it decided is
        // carried out, so a crash cannot fire twice. Writes are committed in
        // order, so the last one's answer stands for them all.
        let mut last = None;
        for (id, memory) in changed {
            last = Some(
                self.save(Write::Memory {
                    id,
                    memory: Box::new(memory),
                })
                .await,
            );
        }
        drop(edits);
        if !due.is_empty()
            && let Some(saved) = last
        {
            durable(saved).await;
        }
        for due in due {
            self.carry_out(due).await;
        }
        // Traces and browsers after the steps, so neither delays a command
        // (nor makes the commit the steps wait for any larger).
        self.save_traces().await;
        for id in fired {
            self.publish(&id);
        }
        now
    }

    /// Queues the traces recorded or updated since they were last saved.
    /// Nothing waits for them: a trace lost to a crash costs no firing.
    async fn save_traces(&self) {
        // Held while taking and queueing, so two callers cannot queue one
        // trace's versions out of order.
        let _edits = self.edits.lock().await;
        let traces = self.state().unsaved_traces();
        for trace in traces {
            self.save(trace).await;
        }
    }

    async fn carry_out(&self, due: Due) {
        let Due { rule, pending } = due;
        let result = match &pending.step {
            Step::Command {
                device, command, ..
            } => match self.hub.execute(device, command.clone()).await {
                Ok(state) => StepResult::Done(state),
                Err(error) => {
                    tracing::warn!(rule, %device, ?command, %error, "a rule's command failed");
                    StepResult::Failed(error)
                }
            },
            Step::Notify { message, level, .. } => {
                tracing::info!(rule, message, "notification");
                let title = self
                    .state()
                    .rules
                    .get(&rule)
                    .map_or_else(|| rule.clone(), |slot| slot.rule.name.clone());
                self.hub.notify(Notification {
                    // The hub numbers it.
                    id: 0,
                    rule: rule.clone(),
                    title,
                    message: message.clone(),
                    level: *level,
                    at: self.clock.now(),
                });
                StepResult::Notified
            }
            Step::Skipped { reason, .. } => StepResult::Skipped(reason.clone()),
        };
        let outcome = Outcome {
            action: action_of(&pending.step),
            at: self.clock.now(),
            result,
        };
        let mut state = self.state();
        if let Some(slot) = state.rules.get_mut(&rule) {
            slot.record(pending.trace, outcome);
            state.unsaved.insert(rule);
        }
    }

    /// Queues `write` for the store. A store that fails is logged, and the
    /// rules carry on in memory, as device states do.
    async fn save(&self, write: Write) -> Option<Committed> {
        match self.hub.save(write).await {
            Ok(committed) => Some(committed),
            Err(error) => {
                tracing::warn!(%error, "a rule change was not saved");
                None
            }
        }
    }

    /// Validates `rule` against the devices the hub has now.
    fn check(&self, rule: &Rule) -> Result<Vec<Diagnostic>, RuleError> {
        let devices: Vec<Device> = self
            .hub
            .snapshot()
            .into_iter()
            .map(|snapshot| snapshot.device)
            .collect();
        let diagnostics = rules::validate(rule, devices.as_slice());
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            Err(RuleError::Invalid(diagnostics))
        } else {
            Ok(diagnostics)
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; if something did, each rule's
        // slot would still be whole, as every update replaces whole values.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The engine's form of a hub event, with the state a device changed from.
    /// Events not about devices (the run loop does not pass them on) are a
    /// tick.
    fn event(&mut self, event: HubEvent, hub: &Hub) -> Event {
        let device = match &event {
            HubEvent::Reading(reading) => &reading.device,
            HubEvent::StateChanged { device, .. } => device,
            HubEvent::RuleChanged(_)
            | HubEvent::RuleRemoved(_)
            | HubEvent::Notification(_)
            | HubEvent::Availability { .. } => {
                return Event::Tick;
            }
        };
        // A device registered since the runner started.
        if !self.world.devices.contains_key(device) {
            self.resync(hub.snapshot());
        }
        match event {
            // Rules act on what a device reads now; a reading measured
            // before one already known is history only.
            HubEvent::Reading(reading) if self.world.has_newer(&reading) => Event::Tick,
            HubEvent::Reading(reading) => Event::Reading { reading },
            HubEvent::StateChanged { device, state, .. } => Event::StateChanged {
                from: self.world.state(&device).cloned().unwrap_or_default(),
                device,
                to: state,
            },
            HubEvent::RuleChanged(_)
            | HubEvent::RuleRemoved(_)
            | HubEvent::Notification(_)
            | HubEvent::Availability { .. } => Event::Tick,
        }
    }

    /// Takes the devices afresh from the hub, keeping when each last switched.
    fn resync(&mut self, devices: Vec<DeviceSnapshot>) {
        let switched = std::mem::take(&mut self.world.switched);
        self.world = World::new(devices);
        self.world.switched = switched;
    }

    /// Runs every enabled rule on `event`; returns the memories that changed
    /// and the rules that fired.
    fn evaluate(
        &mut self,
        event: &Event,
        now: DateTime<Utc>,
    ) -> (Vec<(String, RuleMemory)>, Vec<String>) {
        let State {
            place,
            world,
            rules,
            unsaved,
            next_trace,
        } = self;
        let mut changed = Vec::new();
        let mut fired = Vec::new();
        for slot in rules.values_mut().filter(|slot| slot.rule.enabled) {
            let (memory, decisions) = rules::evaluate(
                &slot.rule,
                &slot.memory,
                world,
                event,
                now,
                &place.site,
                &place.zone,
            );
            if memory != slot.memory {
                if last_fired(&memory) != last_fired(&slot.memory) {
                    fired.push(slot.rule.id.clone());
                }
                changed.push((slot.rule.id.clone(), memory.clone()));
            }
            slot.memory = memory;
            for decision in decisions {
                *next_trace += 1;
                slot.decide(decision, *next_trace);
            }
            if !slot.unsaved.is_empty() {
                unsaved.insert(slot.rule.id.clone());
            }
        }
        (changed, fired)
    }

    /// Removes and returns the steps due by `now`, earliest first.
    fn take_due(&mut self, now: DateTime<Utc>) -> Vec<Due> {
        let mut due = Vec::new();
        for (id, slot) in &mut self.rules {
            let (ready, later) = std::mem::take(&mut slot.pending)
                .into_iter()
                .partition(|pending| pending.step.at() <= now);
            slot.pending = later;
            due.extend(ready.into_iter().map(|pending: Pending| Due {
                rule: id.clone(),
                pending,
            }));
        }
        // Stable, so each run's steps keep their planned order.
        due.sort_by_key(|due| due.pending.step.at());
        due
    }

    /// The earliest instant a step, a hold, a silence or a clock-driven
    /// trigger falls due.
    fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // A disabled rule has steps only from a run started by hand.
        self.rules
            .values()
            .flat_map(|slot| {
                let step = slot.pending.iter().map(|pending| pending.step.at()).min();
                let (hold, moment) = if slot.rule.enabled {
                    (
                        rules::next_deadline(&slot.rule, &slot.memory, &self.world),
                        slot.next_moment(now, &self.place),
                    )
                } else {
                    (None, None)
                };
                [step, hold, moment]
            })
            .flatten()
            .min()
    }

    /// Every rule's traces recorded or updated since the last call, as writes.
    fn unsaved_traces(&mut self) -> Vec<Write> {
        let mut writes = Vec::new();
        for id in std::mem::take(&mut self.unsaved) {
            // A rule removed since has no traces left to save.
            if let Some(slot) = self.rules.get_mut(&id) {
                writes.extend(slot.take_unsaved());
            }
        }
        writes
    }
}

impl Slot {
    fn new(rule: Rule, memory: RuleMemory) -> Slot {
        Slot {
            rule,
            memory,
            pending: Vec::new(),
            traces: VecDeque::new(),
            unsaved: Vec::new(),
        }
    }

    fn status(&self, now: DateTime<Utc>, horizon: TimeDelta, place: &Place) -> RuleStatus {
        RuleStatus {
            rule: self.rule.clone(),
            last_fired: last_fired(&self.memory),
            next_firing: self
                .rule
                .enabled
                .then(|| {
                    rules::next_firings(&self.rule, now, horizon, &place.site, &place.zone)
                        .first()
                        .copied()
                })
                .flatten(),
        }
    }

    /// The rule and its memory as the store keeps them.
    fn saved(&self) -> Write {
        Write::Rule {
            rule: Box::new(self.rule.clone()),
            memory: Box::new(self.memory.clone()),
        }
    }

    /// When the rule's next clock-driven trigger is due. Evaluation notes it
    /// in the memory; until a trigger has been through one, it is predicted.
    fn next_moment(&self, now: DateTime<Utc>, place: &Place) -> Option<DateTime<Utc>> {
        let unknown = self.rule.triggers.iter().enumerate().any(|(i, trigger)| {
            clock_driven(trigger)
                && self
                    .memory
                    .triggers
                    .get(i)
                    .is_none_or(|memory| memory.quiet_until.is_none())
        });
        let noted = self
            .memory
            .triggers
            .iter()
            .filter_map(|trigger| trigger.quiet_until)
            .min();
        let predicted = unknown.then(|| {
            rules::next_firings(&self.rule, now, PREDICTION, &place.site, &place.zone)
                .first()
                .map_or(now + PREDICTION, |upcoming| upcoming.at)
        });
        noted.into_iter().chain(predicted).min()
    }

    /// Records `decision` as trace `id`, queueing a firing's steps and
    /// dropping those of the runs it cancels.
    fn decide(&mut self, decision: Decision, id: u64) {
        match &decision {
            Decision::Fired(firing) => {
                tracing::info!(rule = self.rule.id, reason = firing.reason, "fired");
                self.cancel(|run| firing.cancels.contains(&run), firing.at);
                self.pending.extend(firing.steps.iter().map(|step| Pending {
                    run: firing.run,
                    trace: id,
                    step: step.clone(),
                }));
            }
            Decision::Missed { scheduled, .. } => {
                tracing::info!(rule = self.rule.id, %scheduled, "missed while the hub was down");
            }
            Decision::Rejected { .. } | Decision::Skipped { .. } => {}
        }
        self.traces.push_back(Trace {
            id,
            decision,
            outcomes: Vec::new(),
        });
        self.unsaved.push(id);
        if self.traces.len() > TRACES_KEPT {
            self.traces.pop_front();
        }
    }

    /// Drops the pending steps of the runs `which` picks, noting each as
    /// cancelled in its trace.
    fn cancel(&mut self, which: impl Fn(u64) -> bool, at: DateTime<Utc>) {
        let (cancelled, kept) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|pending: &Pending| which(pending.run));
        self.pending = kept;
        for pending in cancelled {
            let outcome = Outcome {
                action: action_of(&pending.step),
                at,
                result: StepResult::Cancelled,
            };
            self.record(pending.trace, outcome);
        }
    }

    fn record(&mut self, trace: u64, outcome: Outcome) {
        // The trace may have been pushed out of the ring by newer ones.
        if let Some(found) = self.traces.iter_mut().find(|t| t.id == trace) {
            found.outcomes.push(outcome);
            self.unsaved.push(trace);
        }
    }

    /// The traces recorded or updated since the last call, as writes.
    fn take_unsaved(&mut self) -> Vec<Write> {
        let mut ids = std::mem::take(&mut self.unsaved);
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| self.traces.iter().find(|trace| trace.id == id))
            .map(|trace| Write::Trace {
                rule: self.rule.id.clone(),
                trace: Box::new(trace.clone()),
            })
            .collect()
    }

    /// Starts the rule's triggers afresh from `now`, as after enabling or
    /// disabling it; a disabled rule drops its steps still to come.
    fn restart(&mut self, world: &World, now: DateTime<Utc>, place: &Place) {
        let off = Rule {
            enabled: false,
            ..self.rule.clone()
        };
        // Evaluating a disabled rule forgets its holds and marks its
        // schedules handled up to now.
        let (memory, _) = rules::evaluate(
            &off,
            &self.memory,
            world,
            &Event::Tick,
            now,
            &place.site,
            &place.zone,
        );
        self.memory = memory;
        if !self.rule.enabled {
            self.cancel(|_| true, now);
            self.memory.runs.clear();
        }
    }
}

/// Waits until `saved` is committed; a failure has been logged by the store.
async fn durable(saved: Option<Committed>) {
    if let Some(saved) = saved
        && let Err(error) = saved.wait().await
    {
        tracing::warn!(%error, "a rule change may not have been saved");
    }
}

/// The latest firing of any of a rule's triggers.
fn last_fired(memory: &RuleMemory) -> Option<DateTime<Utc>> {
    memory
        .triggers
        .iter()
        .filter_map(|trigger| trigger.last_fired)
        .max()
}

fn clock_driven(trigger: &Trigger) -> bool {
    matches!(
        trigger,
        Trigger::Sun { .. }
            | Trigger::Elevation { .. }
            | Trigger::Time { .. }
            | Trigger::Every { .. }
    )
}

fn action_of(step: &Step) -> usize {
    match step {
        Step::Command { action, .. }
        | Step::Notify { action, .. }
        | Step::Skipped { action, .. } => *action,
    }
}
