//! `POST /api/ingest`: a batch of readings from a script or a device that
//! cannot hold a WebSocket, with a bearer token of scope `ingest`. The answer
//! comes only once every accepted reading is committed to the store, so a
//! sender that gets a 200 may forget what it sent. A token bound to devices
//! may only send theirs.

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hearth_core::device_protocol::{IngestBatch, IngestProblem, IngestReport};
use hearth_core::{ErrorCode, Reading};
use serde_json::json;

use super::{INGEST_ADAPTER, auth, check_description, taken_at};
use crate::AppState;
use crate::api::ApiError;
use crate::hub::IngestError;
use crate::store::tokens::Scope;

/// The largest body read: about 10,000 readings.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

pub(crate) async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let token = match auth::caller(&state.hub, &headers, Scope::Ingest).await {
        Ok(token) => token,
        Err(error) => return error.into_response(),
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return too_large();
    }
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large();
    };
    let batch: IngestBatch = match serde_json::from_slice(&bytes) {
        Ok(batch) => batch,
        Err(error) => {
            return ApiError::BadRequest(format!("the body is not an ingest batch: {error}"))
                .into_response();
        }
    };
    // A batch that names a device the token may not speak for is refused
    // whole, so a sender never has to work out which part was stored.
    let strangers = token.strangers(
        batch
            .devices
            .iter()
            .map(|description| &description.id)
            .chain(batch.readings.iter().map(|item| &item.device)),
    );
    if !strangers.is_empty() {
        let message = token.refusal(&strangers);
        tracing::warn!(%message, "ingest refused");
        return ApiError::Forbidden(message).into_response();
    }
    match store(&state, batch).await {
        Ok(report) => {
            tracing::debug!(token = %token.name, accepted = report.accepted, rejected = report.rejected, "ingested");
            Json(report).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// Registers the batch's declared devices, then takes each reading the hub
/// accepts and waits until all of them are committed.
async fn store(state: &AppState, batch: IngestBatch) -> Result<IngestReport, ApiError> {
    let hub = &state.hub;
    let mut problems = Vec::new();
    for description in &batch.devices {
        let id = &description.id;
        if let Err(error) = check_description(description) {
            problems.push(format!("{id}: {error}"));
        } else if description
            .capabilities
            .iter()
            .any(|c| c.metric().is_none())
        {
            problems.push(format!(
                "{id}: devices declared for ingest only report readings; \
                 connect to /api/devices/ws for one that takes commands"
            ));
        } else if let Some(other) = hub.device(id).filter(|d| d.adapter != INGEST_ADAPTER) {
            problems.push(format!("{id}: belongs to the {} adapter", other.adapter));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::BadRequest(problems.join("; ")));
    }
    for description in &batch.devices {
        let device = description.device(INGEST_ADAPTER);
        // Declaring a device again unchanged keeps its latest readings.
        if hub.device(&description.id).as_ref() != Some(&device) {
            hub.register_device(device, Default::default());
        }
    }
    let now = Utc::now();
    let mut committed = Vec::with_capacity(batch.readings.len());
    let mut errors = Vec::new();
    for (index, item) in batch.readings.into_iter().enumerate() {
        let at = match taken_at(item.at, now) {
            Ok(at) => at,
            Err(error) => {
                errors.push(IngestProblem {
                    index,
                    code: error.code,
                    message: error.message,
                });
                continue;
            }
        };
        let reading = Reading::new(item.device, item.metric, item.value, at);
        match hub.ingest_reading(reading).await {
            Ok(ack) => committed.push(ack),
            Err(IngestError::UnknownDevice(device)) => errors.push(IngestProblem {
                index,
                code: ErrorCode::UnknownDevice,
                message: format!("no device {device}; declare it in `devices`"),
            }),
            Err(IngestError::Invalid { source, .. }) => errors.push(IngestProblem {
                index,
                code: ErrorCode::InvalidValue,
                message: source.to_string(),
            }),
            Err(IngestError::Store(error)) => return Err(ApiError::Internal(error.to_string())),
        }
    }
    let accepted = committed.len();
    for ack in committed {
        ack.wait().await.map_err(|error| {
            ApiError::Internal(format!("ingested readings not stored: {error}"))
        })?;
    }
    Ok(IngestReport {
        accepted,
        rejected: errors.len(),
        errors,
    })
}

fn too_large() -> Response {
    let message = format!("the body is larger than {MAX_BODY_BYTES} bytes; send smaller batches");
    tracing::info!(%message, "ingest refused");
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(json!({"code": "payload_too_large", "message": message})),
    )
        .into_response()
}
