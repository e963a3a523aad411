//! End-to-end tests of the hub as a browser meets it: a real server on
//! 127.0.0.1:0 with the simulated house, a real WebSocket client, and a
//! temporary data directory. One test binary, so it links once.

mod support;

mod api;
mod automation;
mod durability;
mod history;
mod lifecycle;
mod mqtt;
mod websocket;
