#!/usr/bin/env bash
# Installs what Hearth needs on a fresh Debian machine, and nothing that is
# already there at the right version, so re-running it is fast.
#
#   scripts/setup.sh run    tools to build and run Hearth (wasm target, trunk,
#                           wasm-bindgen, wasm-opt)
#   scripts/setup.sh test   the above plus Chromium, chromedriver, brotli and
#                           the e2e node packages
#
# Only package registries are reachable (crates.io, npm, Debian), so every tool
# comes from one of them; see docs/DEVELOPING.md for why each pin is what it is.
set -euo pipefail

mode="${1:-run}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.21.14" # 0.22 needs a newer rustc than this toolchain.

say() { printf '==> %s\n' "$*" >&2; }

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        say "installing Debian packages: ${missing[*]}"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly,
# or trunk and the test runner refuse to work with it.
locked_version() {
    awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_build_tools() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi

    local wb
    wb="$(locked_version wasm-bindgen)"
    if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb" ]]; then
        say "installing wasm-bindgen-cli $wb (about 3 minutes)"
        # Not --locked: the CLI's own lock file pins a crate version the
        # registry here lacks.
        cargo install wasm-bindgen-cli --version "$wb" --force
    fi

    if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
        say "installing trunk $TRUNK_VERSION (about 6 minutes)"
        cargo install "trunk@$TRUNK_VERSION" --locked --force
    fi

    # Debian's binaryen (108) emits wasm that crashes at start-up; the npm
    # build of binaryen 132 is correct and installs in seconds.
    npm_ci tools/wasm-opt

    # trunk builds with --offline, so every crate must already be local.
    cargo fetch --quiet
}

# Runs `npm ci` in a folder unless its node_modules already matches its lock.
npm_ci() {
    local dir="$1"
    local stamp="$dir/node_modules/.hearth-lock"
    if [[ ! -f "$stamp" ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
        say "installing node packages in $dir"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$dir/package-lock.json" "$stamp"
    fi
}

setup_test_tools() {
    # brotli measures the dashboard's download size; the hub's MQTT tests
    # start their own Mosquitto broker.
    apt_install chromium chromium-driver brotli mosquitto
    apt_install mosquitto-clients openssl # the MQTT ingest bench and the TLS tests' certificates
    npm_ci e2e
}

case "$mode" in
run) setup_build_tools ;;
test)
    setup_build_tools
    setup_test_tools
    ;;
*)
    echo "usage: $0 [run|test]" >&2
    exit 2
    ;;
esac
say "set-up complete ($mode)"
