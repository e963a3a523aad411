#!/usr/bin/env bash
# Sets up this machine and runs every test: formatting, lints, native unit and
# integration tests, the dashboard's tests in headless Chromium, a release
# build with its size report, and the end-to-end tests against a real hub.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

# One pass over a clean tree gains nothing from incremental caches, which
# doubled the build's size on disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n==> %s\n' "$*" >&2; }

scripts/setup.sh test

step "format"
cargo fmt --all -- --check

step "lints (native crates)"
cargo clippy --quiet -p hearth-core -p hearth-hub --all-targets -- -D warnings
step "lints (dashboard, wasm32)"
cargo clippy --quiet -p hearth --target wasm32-unknown-unknown --all-targets -- -D warnings
# The chart's bench page is left out of users' builds; lint it too so it
# cannot rot (docs/PERFORMANCE.md, "Chart").
cargo clippy --quiet -p hearth --target wasm32-unknown-unknown --all-targets --features bench -- -D warnings

step "native tests (hearth-core, hearth-hub)"
cargo test -p hearth-core -p hearth-hub

step "dashboard tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/webdriver.json" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p hearth --target wasm32-unknown-unknown

step "release build of the dashboard"
trunk build --release
scripts/size-report.sh dist

step "end-to-end tests (Playwright, headless Chromium, real hub)"
cargo build --quiet -p hearth-hub
HEARTH_HUB_BIN="$PWD/target/debug/hearth-hub" HEARTH_DIST="$PWD/dist" \
    npm --prefix e2e test
