#!/usr/bin/env bash
# `make fuzz`: builds every libFuzzer target (AddressSanitizer on) and runs each for FUZZ_S
# seconds (first argument, default 60), starting from its committed seed corpus in
# Fuzz/Corpus/<target>. New inputs go to Fuzz/.build/corpus (git-ignored); a crash leaves its
# input in Fuzz/.build/crashes and fails the run. Prints executions and coverage per target.
set -uo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${1:-60}"
# libFuzzer's runtime is linked whole, main included; each target's own main calls the same
# driver, so either main may be kept (lld: gold fails to report the duplicate).
swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xlinker --allow-multiple-definition 2>&1 \
    | grep -v "Cannot export local symbol" || true
BIN="$(swift build --show-bin-path)"
mkdir -p .build/corpus .build/crashes
failed=0
printf '%-24s %12s %10s %8s %8s %8s\n' target executions "exec/s" edges features corpus
for seeds in Corpus/*/; do
    target="$(basename "$seeds")"
    [ -x "$BIN/$target" ] || { echo "$target: not built"; failed=1; continue; }
    mkdir -p ".build/corpus/$target"
    log=".build/$target.log"
    timeout $((SECONDS_EACH + 120)) "$BIN/$target" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
        -rss_limit_mb=2048 -malloc_limit_mb=512 -artifact_prefix=".build/crashes/$target-" \
        ".build/corpus/$target" "$seeds" >"$log" 2>&1
    status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
    line=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED) +cov:' "$log" | tail -1)
    edges=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$line")
    features=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$line")
    corpus=$(sed -n 's/.*corp: \([0-9]*\).*/\1/p' <<<"$line")
    printf '%-24s %12s %10s %8s %8s %8s\n' "$target" "${runs:-?}" "${speed:-?}" "${edges:-?}" "${features:-?}" "${corpus:-?}"
    if [ "$status" -ne 0 ]; then
        echo "$target: failed (exit $status); the input is in Fuzz/.build/crashes, the log in Fuzz/$log:"
        grep -E 'ERROR|property violated|Fatal error|SUMMARY' "$log" | head -5
        failed=1
    fi
done
exit $failed
