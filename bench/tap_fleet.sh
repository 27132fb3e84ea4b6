#!/usr/bin/env bash
# The --fleet load test: N simulated Taps in one `tapmq tap` process (one thread) against tapmqd on
# a free port; waits until all N have published their retained online status, then measures the
# tapmq process's CPU (user + system, as a share of one core) and resident memory over SECONDS.
# Usage: bench/tap_fleet.sh [N=1000] [SECONDS=60] [BUILD_DIR=build/release]   (TAPMQD=... another broker)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
SECS=${2:-60}
B=${3:-build/release}
TAPMQD=${TAPMQD:-$B/tapmqd}

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000\n' "$port" >"$work/tapmqd.conf"
"$TAPMQD" -c "$work/tapmqd.conf" 2>"$work/tapmqd.log" &
BROKER=$!
TAP=
cleanup() {
    [[ -n $TAP ]] && kill -TERM "$TAP" 2>/dev/null && wait "$TAP" 2>/dev/null || true
    kill -TERM "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

"$B/tapmq" sub -p "$port" -t 'IOTIZE_DEV/+/status' -C "$N" -W 600 >"$work/online" &
SUB=$!
sleep 0.5
start=$(date +%s.%N)
"$B/tapmq" tap --serial FLEET00000 --fleet "$N" -p "$port" --state-dir "$work/taps" --log-level warn \
    2>"$work/tap.log" &
TAP=$!
wait "$SUB"
up=$(date +%s.%N)
online=$(grep -c '"state":"online"' "$work/online" || true)
echo "taps online: $online of $N in $(echo "$up - $start" | bc) s"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks "$TAP"); b0=$(ticks "$BROKER"); w0=$(date +%s.%N)
sleep "$SECS"
t1=$(ticks "$TAP"); b1=$(ticks "$BROKER"); w1=$(date +%s.%N)
wall=$(echo "$w1 - $w0" | bc)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$TAP/status")
brss=$(awk '/VmRSS/ { print $2 }' "/proc/$BROKER/status")
echo "tapmq tap --fleet $N: CPU $(echo "scale=1; 100 * ($t1 - $t0) / $hz / $wall" | bc) % of one core, RSS $((rss / 1024)) MiB ($((rss / N)) KiB per Tap)"
echo "tapmqd: CPU $(echo "scale=1; 100 * ($b1 - $b0) / $hz / $wall" | bc) % of one core, RSS $((brss / 1024)) MiB"
echo "datalog records queued on disk: $(find "$work/taps" -name 'datalog.log' | wc -l) queues"
grep -c -i 'error' "$work/tap.log" | sed 's/^/tap log errors: /' || true
