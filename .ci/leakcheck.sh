#!/usr/bin/env bash
# `make leakcheck`: every sample under valgrind memcheck, each pair talking on loopback.
# Passes when every process ends with its expected exit code and no "definitely lost" bytes.
# (Swift's metadata caches and weak-reference side tables show as "possibly lost"; those are
# reported but not counted.)  Usage: leakcheck.sh <folder-with-built-samples>
set -uo pipefail
BIN="$1"
LOGS="$(mktemp -d)"
export TMPDIR="$LOGS"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$LOGS"' EXIT
failures=0
# Only definite leaks count as errors; Swift's runtime metadata initialisation trips memcheck's
# uninitialised-value check, which is not about QKit, so that check is off.
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --undef-value-errors=no --error-exitcode=99 --quiet
    --suppressions="$(cd "$(dirname "$0")" && pwd)/valgrind.supp")

run() {  # run <label> <expected-exit> <sample> [args…]: in the background, under valgrind
    local label="$1" expected="$2"; shift 2
    ( "${VG[@]}" --log-file="$LOGS/$label.vg" "$BIN/$@" >"$LOGS/$label.out" 2>&1; echo $? >"$LOGS/$label.rc" ) &
    echo "$expected" >"$LOGS/$label.expected"
}

wait_line() {  # wait_line <label> <prefix>: up to 60 s (valgrind starts slowly)
    for _ in $(seq 1 600); do grep -q "^$2" "$LOGS/$1.out" 2>/dev/null && return 0; sleep 0.1; done
    echo "no '$2' line from $1"; return 1
}

finish() {  # finish <label>: wait for it, then check its exit code and leaks
    local label="$1"
    for _ in $(seq 1 900); do [ -f "$LOGS/$label.rc" ] && break; sleep 0.1; done
    local rc expected lost
    rc="$(cat "$LOGS/$label.rc" 2>/dev/null || echo none)"
    expected="$(cat "$LOGS/$label.expected")"
    lost="$(grep -c "are definitely lost" "$LOGS/$label.vg" 2>/dev/null)"
    if [ "$rc" = "$expected" ] && [ "$lost" = 0 ]; then
        echo "PASS  $label (exit $rc, 0 definitely lost)"
    else
        echo "FAIL  $label: exit $rc (expected $expected), $lost definite leak record(s)"
        sed 's/^/      /' "$LOGS/$label.vg" | head -40
        failures=$((failures + 1))
    fi
}

run tour 0 tour
finish tour

run fortune-server 0 local-fortune-server --name lc-fortune --fortune Hello --count 1
wait_line fortune-server listening
run fortune-client 0 local-fortune-client --name lc-fortune --timeout-ms 60000
finish fortune-client; finish fortune-server

run echo-server 130 local-echo --name lc-echo
wait_line echo-server listening
run echo-client 0 local-echo --client --name lc-echo --send hello --count 5 --timeout-ms 60000
finish echo-client
kill -TERM "$(pgrep -f 'local-echo --name lc-echo' | head -1)"; finish echo-server

run udp-server 130 udp-echo --port 0
wait_line udp-server listening
port="$(awk '/^listening/ {print $3}' "$LOGS/udp-server.out")"
run udp-client 0 udp-echo --client --port "$port" --count 20 --size 100 --timeout-ms 60000
finish udp-client
kill -INT "$(pgrep -f 'udp-echo --port 0' | head -1)"; finish udp-server

port=$(( 40000 + RANDOM % 20000 ))
run broadcast-receiver 0 broadcast-receiver --port "$port" --count 2 --timeout-ms 60000
sleep 3
run broadcast-sender 0 broadcast-sender --port "$port" --address 127.0.0.1 --interval-ms 200 --count 30
finish broadcast-receiver; finish broadcast-sender

port=$(( 40000 + RANDOM % 20000 ))
run multicast-receiver 0 multicast-receiver --port "$port" --interface lo --count 2 --timeout-ms 60000
wait_line multicast-receiver joined
run multicast-sender 0 multicast-sender --port "$port" --interface lo --interval-ms 100 --count 3
finish multicast-receiver; finish multicast-sender

# async-echo: the same pairs written with async/await (tasks on the main actor).
run async-udp-server 130 async-echo --port 0
wait_line async-udp-server listening
port="$(awk '/^listening/ {print $3}' "$LOGS/async-udp-server.out")"
run async-udp-client 0 async-echo --client --port "$port" --count 20 --size 100 --timeout-ms 60000
finish async-udp-client
kill -INT "$(pgrep -f 'async-echo --port 0' | head -1)"; finish async-udp-server

run async-local-server 130 async-echo --local --name lc-async
wait_line async-local-server listening
run async-local-client 0 async-echo --local --client --name lc-async --send hello --count 5 --timeout-ms 60000
finish async-local-client
kill -TERM "$(pgrep -f 'async-echo --local --name lc-async' | head -1)"; finish async-local-server

if [ "$failures" -ne 0 ]; then echo "leakcheck: $failures failure(s)"; exit 1; fi
echo "leakcheck: every sample ended with 0 bytes definitely lost"
