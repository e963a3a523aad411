//! The automation endpoints: the rules (`/api/rules`: list, create, read,
//! replace, delete, enable, disable, run now, preview, replay, traces), the
//! site's sun events on a day (`GET /api/sun`), where the site is and its
//! zone's offsets (`GET /api/site`), and the templates Hearth ships
//! (`GET /api/rules/templates`). They are merged into the hub's router.
//! `docs/automations.md` documents each route with its bodies and statuses.
//! A room-limited caller finds only the rules whose every device is in their
//! rooms; the others answer 404 as if they did not exist.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use hearth_core::SunDay;
use hearth_core::rules::{
    self, Diagnostic, Offsets, Replayed, Rule, RuleSaved, RuleStatus, Severity, SiteZone, Template,
    Trace, Upcoming,
};
use serde::Deserialize;
use serde_json::Value;
use tower_http::trace::TraceLayer;

use super::{Automations, RuleError};
use crate::api::{self, ApiError};
use crate::auth::Caller;

/// How far ahead the rule list looks for each rule's next firing.
const NEXT_FIRING_HORIZON: TimeDelta = TimeDelta::days(7);

/// The span a replay covers when `from` is left out.
const REPLAY_DEFAULT: TimeDelta = TimeDelta::days(1);

/// The longest span a replay may cover: a month of raw readings is already
/// a few million events.
const REPLAY_LONGEST: TimeDelta = TimeDelta::days(31);

/// The days a preview may span.
const PREVIEW_DAYS: std::ops::RangeInclusive<i64> = 1..=31;

/// The routes, with JSON errors like the rest of `/api`.
pub(crate) fn routes(automations: Arc<Automations>) -> Router {
    Router::new()
        .route("/api/sun", get(sun))
        .route("/api/site", get(site))
        .route("/api/rules/templates", get(templates))
        .route("/api/rules", get(list).post(create))
        .route("/api/rules/{id}", get(read).put(replace).delete(remove))
        .route("/api/rules/{id}/enable", post(enable))
        .route("/api/rules/{id}/disable", post(disable))
        .route("/api/rules/{id}/run", post(run))
        .route("/api/rules/{id}/preview", get(preview))
        .route("/api/rules/{id}/replay", get(replay))
        .route("/api/rules/{id}/traces", get(traces))
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(TraceLayer::new_for_http())
        .with_state(automations)
}

#[derive(Debug, Deserialize)]
pub(crate) struct SunParams {
    /// A local date, `2026-06-21`; today at the site when absent.
    date: Option<String>,
}

/// The dates answered: further out, the sums on dates would leave what chrono
/// represents (and the sun's formulas are tuned for centuries, not millennia).
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// `GET /api/sun?date=YYYY-MM-DD`: sunrise, sunset, solar noon and the three
/// twilights at the site on that local date (`null` for an event that does
/// not happen that day).
async fn sun(
    State(automations): State<Arc<Automations>>,
    query: Result<Query<SunParams>, QueryRejection>,
) -> Result<Json<SunDay>, ApiError> {
    let Query(params) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let place = automations.place();
    let date = match params.date {
        None => automations
            .clock()
            .now()
            .with_timezone(&place.zone)
            .date_naive(),
        Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|date| YEARS.contains(&date.year()))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "date {text:?} is not a date like 2026-06-21 (years 1 to 9999)"
                ))
            })?,
    };
    Ok(Json(SunDay::new(&place.site, &place.zone, date)))
}

/// How far back and ahead of now `GET /api/site` lists the zone's offsets:
/// past the longest preview, with days either side for the local dates the
/// engine looks at around an instant.
const SITE_OFFSETS_BEFORE: TimeDelta = TimeDelta::days(3);
const SITE_OFFSETS_AFTER: TimeDelta = TimeDelta::days(35);

/// `GET /api/site`: where the house is and its zone's offsets around now,
/// so the dashboard can preview rules in the hub's zone without bundling a
/// tz database.
async fn site(State(automations): State<Arc<Automations>>) -> Json<SiteZone> {
    let place = automations.place();
    let now = automations.clock().now();
    Json(SiteZone {
        latitude: place.site.latitude(),
        longitude: place.site.longitude(),
        timezone: place.zone.name().to_owned(),
        offsets: Offsets::of(
            &place.zone,
            now - SITE_OFFSETS_BEFORE,
            now + SITE_OFFSETS_AFTER,
        ),
    })
}

/// `GET /api/rules/templates`: the shipped templates, filled in with the
/// simulated house's devices.
async fn templates() -> Json<Vec<Template>> {
    Json(rules::templates())
}

impl From<RuleError> for ApiError {
    fn from(error: RuleError) -> ApiError {
        match error {
            RuleError::Exists(id) => ApiError::Conflict(id),
            RuleError::NotFound(id) => ApiError::NoRule(id),
            RuleError::Invalid(diagnostics) => ApiError::InvalidRule(diagnostics),
        }
    }
}

/// `GET /api/rules`: every rule the caller may see, by id, with when it last
/// fired and when it fires next (within a week).
async fn list(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
) -> Json<Vec<RuleStatus>> {
    let mut statuses = automations.statuses(NEXT_FIRING_HORIZON);
    if !caller.who.sees_everything() {
        statuses.retain(|status| {
            serde_json::to_value(&status.rule)
                .is_ok_and(|document| caller.who.sees_rule(automations.hub(), &document))
        });
    }
    Json(statuses)
}

/// `POST /api/rules`: adds a rule; the hub makes up an id from the name
/// when the document has none. 201 with the rule and its warnings.
async fn create(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let mut document = json_object(&body)?;
    caller.may_touch_rule(automations.hub(), &Value::Object(document.clone()))?;
    let named = document
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|id| !id.is_empty());
    if !named {
        let name = document.get("name").and_then(Value::as_str).unwrap_or("");
        let id = unused_id(&automations, name);
        document.insert("id".to_owned(), Value::String(id));
    }
    let rule = rule_from(document)?;
    let warnings = automations.add(rule.clone()).await?;
    caller.audit("rule.create", rule.id.clone());
    let location = format!("/api/rules/{}", rule.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(RuleSaved { rule, warnings }),
    ))
}

/// `GET /api/rules/{id}`
async fn read(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RuleStatus>, ApiError> {
    may_see(&automations, &caller, &id)?;
    status(&automations, &id).map(Json)
}

/// `PUT /api/rules/{id}`: replaces the rule. The document's id may be left
/// out; if given, it must be the one in the path.
async fn replace(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<RuleSaved>, ApiError> {
    let mut document = json_object(&body)?;
    may_see(&automations, &caller, &id)?;
    caller.may_touch_rule(automations.hub(), &Value::Object(document.clone()))?;
    match document.get("id") {
        None | Some(Value::Null) => {
            document.insert("id".to_owned(), Value::String(id.clone()));
        }
        Some(Value::String(given)) if *given == id => {}
        Some(given) => {
            return Err(ApiError::InvalidRule(vec![error(
                "id",
                format!("the id {given} is not {id:?}, the rule in the path (ids cannot change)"),
            )]));
        }
    }
    let rule = rule_from(document)?;
    let warnings = automations.replace(rule.clone()).await?;
    caller.audit("rule.replace", rule.id.clone());
    Ok(Json(RuleSaved { rule, warnings }))
}

/// `DELETE /api/rules/{id}`: 204.
async fn remove(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    may_see(&automations, &caller, &id)?;
    automations.remove(&id).await?;
    caller.audit("rule.delete", id);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/rules/{id}/enable`
async fn enable(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RuleStatus>, ApiError> {
    may_see(&automations, &caller, &id)?;
    automations.enable(&id, true).await?;
    caller.audit("rule.enable", id.clone());
    status(&automations, &id).map(Json)
}

/// `POST /api/rules/{id}/disable`
async fn disable(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RuleStatus>, ApiError> {
    may_see(&automations, &caller, &id)?;
    automations.enable(&id, false).await?;
    caller.audit("rule.disable", id.clone());
    status(&automations, &id).map(Json)
}

/// `POST /api/rules/{id}/run`: runs the actions now, skipping triggers and
/// conditions; answers the firing's trace once the steps due now are done.
async fn run(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Trace>, ApiError> {
    may_see(&automations, &caller, &id)?;
    let trace = automations.run_now(&id).await?;
    caller.audit("rule.run", id.clone());
    automations.settled().await;
    automations
        .traces(&id)
        .and_then(|traces| traces.into_iter().find(|t| t.id == trace))
        .map(Json)
        .ok_or(ApiError::NoRule(id))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PreviewParams {
    /// How many days ahead, 1 to 31; a week when absent.
    days: Option<i64>,
}

/// `GET /api/rules/{id}/preview?days=7`: when the rule's clock-driven
/// triggers fire from now until `days` ahead (conditions are not applied).
async fn preview(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<PreviewParams>, QueryRejection>,
) -> Result<Json<Vec<Upcoming>>, ApiError> {
    may_see(&automations, &caller, &id)?;
    let Query(params) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let days = params.days.unwrap_or(7);
    if !PREVIEW_DAYS.contains(&days) {
        return Err(ApiError::BadRequest(format!(
            "days must be 1 to 31, not {days}"
        )));
    }
    automations
        .preview(&id, TimeDelta::days(days))
        .map(Json)
        .ok_or(ApiError::NoRule(id))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReplayParams {
    /// RFC 3339 instants; the last day when absent.
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/rules/{id}/replay?from=…&to=…`: when the rule would have fired
/// against the stored readings in that span (at most 31 days), earliest
/// first. Nothing is carried out.
async fn replay(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<ReplayParams>, QueryRejection>,
) -> Result<Json<Vec<Replayed>>, ApiError> {
    may_see(&automations, &caller, &id)?;
    let Query(params) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let mut problems = Vec::new();
    let mut instant = |name: &str, text: Option<String>| {
        let text = text?;
        let parsed = DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .ok();
        if parsed.is_none() {
            problems.push(format!(
                "`{name}` must be an RFC 3339 instant like 2026-06-21T12:00:00Z, not {text:?}"
            ));
        }
        parsed
    };
    let from = instant("from", params.from.clone());
    let to = instant("to", params.to.clone());
    if !problems.is_empty() {
        return Err(ApiError::BadRequest(problems.join("; ")));
    }
    let to = to.unwrap_or_else(|| automations.clock().now());
    let from = from.unwrap_or_else(|| to - REPLAY_DEFAULT);
    if from >= to {
        return Err(ApiError::BadRequest(format!(
            "`from` ({from}) must be before `to` ({to})"
        )));
    }
    if to - from > REPLAY_LONGEST {
        return Err(ApiError::BadRequest(format!(
            "a replay spans at most {} days",
            REPLAY_LONGEST.num_days()
        )));
    }
    let rule = id.clone();
    tokio::task::spawn_blocking(move || automations.replay(&rule, from, to))
        .await
        .map_err(|error| ApiError::Internal(format!("the replay panicked: {error}")))?
        .ok_or(ApiError::NoRule(id))?
        .map(Json)
        .map_err(|error| ApiError::Internal(format!("cannot read history: {error}")))
}

/// `GET /api/rules/{id}/traces`: the rule's recent traces, oldest first.
async fn traces(
    State(automations): State<Arc<Automations>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Trace>>, ApiError> {
    may_see(&automations, &caller, &id)?;
    automations
        .traces(&id)
        .map(Json)
        .ok_or(ApiError::NoRule(id))
}

/// Answers 404, as for a rule that does not exist, unless every device rule
/// `id` names now is in the caller's rooms: a rule outside them is not there
/// for the caller to read or change (an unknown rule is left for the handler
/// to report).
fn may_see(automations: &Automations, caller: &Caller, id: &str) -> Result<(), ApiError> {
    if caller.who.sees_everything() {
        return Ok(());
    }
    let Some(rule) = automations.rule(id) else {
        return Ok(());
    };
    let document = serde_json::to_value(&rule)
        .map_err(|error| ApiError::Internal(format!("cannot encode rule {id}: {error}")))?;
    if caller.who.sees_rule(automations.hub(), &document) {
        Ok(())
    } else {
        tracing::info!(rule = id, caller = %caller.who.actor(), "a rule outside the caller's rooms");
        Err(ApiError::NoRule(id.to_owned()))
    }
}

fn status(automations: &Automations, id: &str) -> Result<RuleStatus, ApiError> {
    automations
        .status(id, NEXT_FIRING_HORIZON)
        .ok_or_else(|| ApiError::NoRule(id.to_owned()))
}

/// The body as a JSON object: 400 if it is not JSON, 422 if it is JSON but
/// not an object.
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(document)) => Ok(document),
        Ok(_) => Err(ApiError::InvalidRule(vec![error(
            "",
            "a rule is a JSON object",
        )])),
        Err(cause) => Err(ApiError::BadRequest(format!(
            "the body is not JSON: {cause}"
        ))),
    }
}

/// The document as a rule: 422 when it does not have a rule's shape (serde
/// stops at the first such problem; validation then finds all the others).
fn rule_from(document: serde_json::Map<String, Value>) -> Result<Rule, ApiError> {
    serde_json::from_value(Value::Object(document))
        .map_err(|cause| ApiError::InvalidRule(vec![error("", cause.to_string())]))
}

fn error(path: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        path: path.to_owned(),
        message: message.into(),
        severity: Severity::Error,
    }
}

/// An id made from `name` (`AC when hot` → `ac-when-hot`), with `-2`, `-3`…
/// added if a rule has it already.
fn unused_id(automations: &Automations, name: &str) -> String {
    let mut base = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    let base = match base.trim_end_matches('-') {
        "" => "rule".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|id| automations.rule(id).is_none())
        .unwrap_or(base)
}
