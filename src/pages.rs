//! The dashboard's pages, one per route. Home is the only one so far.

// `#[component]` derives a props builder whose items are `pub`; they stay
// crate-private through the `pub(crate)` component, which the lint cannot see.
#![allow(unreachable_pub)]

pub(crate) mod home;
