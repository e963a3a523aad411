#!/usr/bin/env bash
# Prints what a browser downloads for the dashboard: each wasm, js and css file
# in the build folder raw, gzip -9 and brotli -q 11, and the totals. The
# service worker (sw.js) is listed apart, after the total: the browser fetches
# it in the background once the page has loaded, so it does not delay the
# dashboard (docs/pwa.md).
set -euo pipefail
dir="${1:-dist}"
sizes() {
    raw=$(stat -c %s "$1")
    gz=$(gzip -9 -c "$1" | wc -c)
    br=$(brotli -q 11 -c "$1" | wc -c)
}
printf '%-44s %10s %10s %10s\n' file raw gzip brotli
total_raw=0 total_gz=0 total_br=0
for f in "$dir"/*.wasm "$dir"/*.js "$dir"/*.css; do
    [[ -f "$f" && "$(basename "$f")" != sw.js ]] || continue
    sizes "$f"
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
    printf '%-44s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-44s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"
if [[ -f "$dir/sw.js" ]]; then
    sizes "$dir/sw.js"
    printf '%-44s %10d %10d %10d\n' "sw.js (background, not in the total)" "$raw" "$gz" "$br"
fi
