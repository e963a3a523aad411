//! The history chart's logic in plain types, so every rule is tested without a
//! browser: the visible time window and its pan and zoom (`view`), scales and
//! the plot's frame (`scale`), axis ticks and their labels (`ticks`, `time_text`),
//! pixel-column decimation (`decimate`), hit-testing (`hit`) and the summary
//! read to screen readers (`summary`), and the moments marked on it with the
//! address that carries them (`marks`). `draw` paints on a canvas, `api`
//! fetches from the hub and `clock` asks the browser the time and time zone; the components that use them stay thin.

pub(crate) mod api;
pub(crate) mod clock;
pub(crate) mod decimate;
pub(crate) mod draw;
pub(crate) mod hit;
pub(crate) mod marks;
pub(crate) mod scale;
pub(crate) mod series;
pub(crate) mod summary;
pub(crate) mod ticks;
pub(crate) mod time_text;
pub(crate) mod view;
