//! What the Hearth hub and the dashboard must agree on: the device model, the
//! wire protocol spoken over the WebSocket and the REST API, the sun's position
//! and events for a site (which automation rules will trigger on), and the
//! downsampling of history for charts (LTTB and a min/max envelope).
//!
//! Invariants:
//! - Pure data and functions. Core knows nothing about Leptos, axum, SQLite or
//!   the DOM, and performs no I/O.
//! - No time-zone database: day-based sun functions are generic over
//!   `chrono::TimeZone`, so the browser's wasm does not carry one.
//! - Time is always passed in; nothing here reads a clock, so every result is
//!   deterministic and testable.
//! - Compiles for `wasm32-unknown-unknown` and native alike.

pub mod bthome;
pub mod command;
pub mod device;
pub mod device_protocol;
pub mod downsample;
pub mod gatt;
pub mod history;
pub mod protocol;
pub mod reading;
pub mod rfc3339;
pub mod rules;
pub mod sun;
pub mod units;
pub mod wire;

pub use command::{Command, CommandError, ErrorCode};
pub use device::{Capability, Device, DeviceId, DeviceKind, DeviceState, HvacMode};
pub use downsample::{Bucket, Point};
pub use history::{HistoryResponse, Resolution};
pub use protocol::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
pub use reading::{Metric, Reading, ReadingError};
pub use sun::{Site, SiteError, SolarPosition, SunDay, SunEvent, Twilight};
pub use units::{TemperatureUnit, Unit};
