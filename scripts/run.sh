#!/usr/bin/env bash
# Installs what is missing, builds a release and runs the main job: tapmqd on its embedded defaults
# (config/tapmqd.conf) and one simulated Sensor Demo Tap (`tapmq tap`) connected to it, then says
# what to try, starting with the URL of the generated monitoring web app. Ctrl-C stops both (the Tap first: its retained status goes offline). Extra arguments
# go to tapmqd, e.g. scripts/run.sh -v. TAP_SERIAL (default IoTzPr0041) names the Tap.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target tapmqd tapmq web
mkdir -p data

CONF=config/tapmqd.conf
# The monitoring web app (docs/app.md) for the Sensor Demo project, served by tapmqd (http_dir) on
# a WebSocket listener on WEB_PORT (9001), where the app also finds the broker.
WEB_PORT=${WEB_PORT:-9001}
build/release/tapmq app -o data/app >/dev/null
RUN_CONF=data/tapmqd-run.conf
{ cat "$CONF"; printf '\nlistener %s 127.0.0.1\nprotocol websockets\nhttp_dir %s\n' "$WEB_PORT" "$PWD/data/app"; } >"$RUN_CONF"
APP_URL=http://127.0.0.1:$WEB_PORT/
CONF=$RUN_CONF
SERIAL=${TAP_SERIAL:-IoTzPr0041}
# The first listener of the configuration, and a WebSocket one if there is.
read -r PORT HOST < <(awk '$1 == "listener" { print $2, ($3 == "" ? "0.0.0.0" : $3); exit }' "$CONF")
HOST=${HOST:-127.0.0.1}
[[ $HOST == 0.0.0.0 ]] && HOST=127.0.0.1
WS_PORT=$(awk '$1 == "listener" { port = $2 } $1 == "protocol" && $2 == "websockets" { print port; exit }' "$CONF")

build/release/tapmqd -c "$CONF" "$@" &
BROKER=$!
TAP=
stop() {
    trap - INT TERM EXIT
    [[ -n $TAP ]] && kill -TERM "$TAP" 2>/dev/null && wait "$TAP" 2>/dev/null || true
    kill -TERM "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null || true
}
trap stop INT TERM EXIT

# Wait for the listener (the broker logs it; a connect is the event that counts).
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then break; fi
    kill -0 "$BROKER" 2>/dev/null || { echo "tapmqd did not start" >&2; exit 1; }
    sleep 0.1
done

build/release/tapmq tap --serial "$SERIAL" -h "$HOST" -p "$PORT" --state-dir "data/taps/$SERIAL" &
TAP=$!

P="IOTIZE_DEV/${SERIAL}_DEV"
cat <<EOT

  Open $APP_URL : the Sensor Demo dashboard. Pick $SERIAL among the Taps online, Connect;
  log in as supervisor (password supervisor) to change Period and LEDConfig.

  tapmqd listens on mqtt://$HOST:$PORT${WS_PORT:+ and ws://$HOST:$WS_PORT/mqtt}; the simulated Sensor Demo
  Tap $SERIAL is connected to it (state in data/taps/$SERIAL). In another terminal:

    build/release/tapmq sub -h $HOST -p $PORT -t 'IOTIZE_DEV/#' -v       # everything every Tap says

    # ask the Tap its application name (GET /1024//9), answer on $P/resp/me:
    mosquitto_sub -h $HOST -p $PORT -t '$P/resp/me' -C 1 | xxd &
    printf '\\xA2\\xCA\\x00\\x00\\x07\\x01\\x04\\x00\\xFF\\xFF\\x00\\x09' | \\
        mosquitto_pub -h $HOST -p $PORT -t '$P/cmd/me' -q 1 -s

  docs/tap.md, "A worked session", goes further (login, variables, Period, datalog). Ctrl-C stops both.

EOT
wait "$BROKER"
