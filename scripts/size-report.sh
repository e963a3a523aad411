#!/usr/bin/env bash
# Prints what a browser downloads for the dashboard: each wasm, js and css file
# in the build folder raw, gzip -9 and brotli -q 11, and the totals.
set -euo pipefail
dir="${1:-dist}"
printf '%-44s %10s %10s %10s\n' file raw gzip brotli
total_raw=0 total_gz=0 total_br=0
for f in "$dir"/*.wasm "$dir"/*.js "$dir"/*.css; do
    [[ -f "$f" ]] || continue
    raw=$(stat -c %s "$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    br=$(brotli -q 11 -c "$f" | wc -c)
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
    printf '%-44s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-44s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"
