#!/usr/bin/env bash
# Sets up this machine, builds the dashboard and the hub in release mode, and
# runs Hearth: the hub on 127.0.0.1 with the simulated house and an SQLite file
# under data/. Extra arguments go to the hub (see `hearth-hub --help`).
#
#   HEARTH_LISTEN=127.0.0.1:8080  address to listen on
#   HEARTH_DATA_DIR=data          where the SQLite database lives
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

scripts/setup.sh run
echo "==> building the dashboard (release)" >&2
trunk build --release
echo "==> building the hub (release)" >&2
cargo build --release --quiet -p hearth-hub
echo "==> starting the hub (on the first run with an empty data dir it prints a one-time sign-in link: open it)" >&2
exec target/release/hearth-hub \
    --listen "${HEARTH_LISTEN:-127.0.0.1:8080}" \
    --dist dist \
    --data-dir "${HEARTH_DATA_DIR:-data}" \
    "$@"
