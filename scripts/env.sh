# Sourced by the other scripts: the tool paths every step expects.
# The npm build of wasm-opt must come first on PATH so trunk finds it and never
# falls back to a download (which fails without network).
hearth_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$hearth_root/tools/wasm-opt/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_OFFLINE=true
