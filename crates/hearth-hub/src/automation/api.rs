//! The automation endpoints that need no stored rules: the site's sun events
//! on a day (`GET /api/sun`) and the templates Hearth ships
//! (`GET /api/rules/templates`). They are merged into the hub's router; the
//! rules themselves get their endpoints once they are persisted.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use hearth_core::SunDay;
use hearth_core::rules::{self, Template};
use serde::Deserialize;
use tower_http::trace::TraceLayer;

use super::Automations;
use crate::api::{self, ApiError};

/// The routes, with JSON errors like the rest of `/api`.
pub(crate) fn routes(automations: Arc<Automations>) -> Router {
    Router::new()
        .route("/api/sun", get(sun))
        .route("/api/rules/templates", get(templates))
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

/// `GET /api/rules/templates`: the shipped templates, filled in with the
/// simulated house's devices.
async fn templates() -> Json<Vec<Template>> {
    Json(rules::templates())
}
