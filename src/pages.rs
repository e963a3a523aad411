//! The dashboard's pages, one per route (`router::Route`).

// `#[component]` derives a props builder whose items are `pub`; they stay
// crate-private through the `pub(crate)` component, which the lint cannot see.
#![allow(unreachable_pub)]

pub(crate) mod audit;
pub(crate) mod automations;
#[cfg(feature = "bench")]
pub(crate) mod bench_chart;
pub(crate) mod device;
pub(crate) mod home;
pub(crate) mod login;
pub(crate) mod tokens;
pub(crate) mod users;
