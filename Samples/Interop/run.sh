#!/usr/bin/env bash
# `make interop`: real Qt 6 (PySide6) against the QKit samples, both directions, on loopback.
# Usage: run.sh <python-with-PySide6> <folder-with-built-samples>
set -uo pipefail
PY="$1"
BIN="$2"
PEERS="$(dirname "$0")/peers.py"
# Both sides must agree on where a plain name lives: Qt uses $TMPDIR, else /tmp.
TMPDIR="$(mktemp -d)"
export TMPDIR
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMPDIR"' EXIT
failures=0

check() {  # check <description> <expected-line> <file>
    if grep -qxF -- "$2" "$3"; then
        echo "PASS  $1"
    else
        echo "FAIL  $1: expected the line '$2', got:"; sed 's/^/      /' "$3"
        failures=$((failures + 1))
    fi
}

wait_for() {  # wait_for <prefix> <file>: up to 10 s for a line starting with prefix
    for _ in $(seq 1 200); do grep -q "^$1" "$2" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

out="$TMPDIR/out"; mkdir -p "$out"
text="Grüße from QKit — ☃"

# 1. PySide6 fortune client reads from the QKit fortune server, by name.
"$BIN/local-fortune-server" --name qkit-fortune --fortune "$text" --count 1 --timeout-ms 15000 >"$out/1s" &
wait_for listening "$out/1s"
"$PY" "$PEERS" fortune-client --name qkit-fortune >"$out/1c"
check "PySide6 QLocalSocket client ← QKit local-fortune-server" "fortune $text" "$out/1c"
wait
check "QKit local-fortune-server served the PySide6 client" "served 1 $text" "$out/1s"

# 2. The QKit fortune client reads from a PySide6 (Qt 6) QLocalServer.
"$PY" "$PEERS" fortune-server --name qt-fortune --fortune "$text" >"$out/2s" &
wait_for listening "$out/2s"
"$BIN/local-fortune-client" --name qt-fortune >"$out/2c"
check "QKit local-fortune-client ← PySide6 QLocalServer" "fortune $text" "$out/2c"
wait

# 3. PySide6 QUdpSocket sends to the QKit receiver.
port=$(( 40000 + RANDOM % 20000 ))
"$BIN/broadcast-receiver" --port "$port" --count 3 --timeout-ms 15000 >"$out/3r" &
sleep 0.5
"$PY" "$PEERS" udp-sender --port "$port" --count 3 >"$out/3s"
wait
check "QKit broadcast-receiver ← PySide6 QUdpSocket" "Broadcast message 3" <(sed 's/^received [^ ]* [^ ]* //' "$out/3r")

# 4. The QKit sender sends to a PySide6 QUdpSocket.
port=$(( 40000 + RANDOM % 20000 ))
"$PY" "$PEERS" udp-receiver --port "$port" --count 3 >"$out/4r" &
wait_for bound "$out/4r"
"$BIN/broadcast-sender" --port "$port" --address 127.0.0.1 --interval-ms 50 --count 3 >"$out/4s"
wait
check "PySide6 QUdpSocket ← QKit broadcast-sender" "Broadcast message 3" <(sed 's/^received [^ ]* [^ ]* //' "$out/4r")

# 5. The same error from both: errorString is Qt's text to the letter (QKit adds its
# errorDetail in brackets, which is dropped for the comparison).
"$PY" "$PEERS" fortune-client --name nobody-listens >"$out/5q"
"$BIN/local-fortune-client" --name nobody-listens >"$out/5k"
check "the same missing server: QKit's error line is Qt's" "$(tail -1 "$out/5q")" <(tail -1 "$out/5k" | sed 's/ (.*)$//')

# 6. A name in use: a QKit server refused where a Qt server listens, and the other way round.
"$PY" "$PEERS" fortune-server --name held-by-qt --fortune x >"$out/6s" &
wait_for listening "$out/6s"
"$BIN/local-fortune-server" --name held-by-qt >"$out/6k"
"$BIN/local-fortune-server" --name held-by-qkit --timeout-ms 15000 >"$out/6ks" &
wait_for listening "$out/6ks"
"$PY" "$PEERS" fortune-server --name held-by-qkit --fortune x >"$out/6q"
check "a name in use: QKit's error line is Qt's" "$(tail -1 "$out/6q")" <(tail -1 "$out/6k" | sed 's/ (.*)$//')
kill $(jobs -p) 2>/dev/null; wait

# 7. The async/await sample serves real Qt clients: UDP and local echo.
"$BIN/async-echo" --port 0 --timeout-ms 15000 >"$out/7s" &
wait_for listening "$out/7s"
port=$(awk '/^listening/ {print $3}' "$out/7s")
"$PY" "$PEERS" udp-echo-client --port "$port" --count 3 >"$out/7c"
check "PySide6 QUdpSocket ← QKit async-echo (UDP)" "done 3/3" "$out/7c"
"$BIN/async-echo" --local --name qkit-async-echo --timeout-ms 15000 >"$out/8s" &
wait_for listening "$out/8s"
"$PY" "$PEERS" local-echo-client --name qkit-async-echo --count 3 --fortune "hi from Qt" >"$out/8c"
check "PySide6 QLocalSocket ← QKit async-echo (local)" "done 3/3" "$out/8c"
check "… and every line came back" "echoed hi from Qt" "$out/8c"
kill $(jobs -p) 2>/dev/null; wait

if [ "$failures" -ne 0 ]; then
    echo "interop: $failures check(s) failed"
    exit 1
fi
echo "interop: QKit and Qt 6 (PySide6) agree in both directions"
