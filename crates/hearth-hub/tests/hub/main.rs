//! End-to-end tests of the hub as a browser meets it: a real server on
//! 127.0.0.1:0 with the simulated house, a real WebSocket client, and a
//! temporary data directory. One test binary, so it links once.

mod support;

mod api;
mod auth;
mod auth_access;
mod auth_changes;
mod auth_rooms;
mod automation;
mod availability;
mod devices_ws;
mod durability;
mod fuzz_corpus;
mod gateway;
mod headers;
mod history;
mod ingest;
mod lifecycle;
mod limits;
mod mqtt;
mod openapi;
mod tls;
mod token_devices;
mod tokens_cli;
mod websocket;
