# Sourced by benchmarks that drive a hub from outside its process: starts `java -jar` on PostgreSQL
# with the default verticles (projector and webhook follower included, as in production) in its own
# schema, waits until it is ready, and stops it on request. Needs: PG_URI, work (a scratch directory).
#   start_bench_hub SCHEMA   -> HUB_PID, HUB_URL  (SCHEMA "": the embedded H2 default, under $work/hub/data)
#   stop_bench_hub
# BENCH_HUB_JAR picks the jar (default target/switchboard.jar); BENCH_JFR=FILE records the hub with JFR;
# BENCH_HUB_VERTICLES=DIR gives the hub that folder of descriptors instead of the jar's (e.g. one
# with the projector disabled, or more instances of a verticle).
start_bench_hub() {
  local schema=$1 port jar jfr=()
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/hub"
  [ -z "${BENCH_HUB_VERTICLES:-}" ] || cp -r "$BENCH_HUB_VERTICLES" "$work/hub/verticles"
  jq -n --arg uri "$PG_URI" --arg schema "$schema" --argjson port "$port" \
    '{http: {port: $port}} + (if $schema == "" then {} else {postgres: {uri: $uri, schema: $schema}} end)' > "$work/hub/bench.json"
  [ -z "${BENCH_JFR:-}" ] || jfr=("-XX:StartFlightRecording=filename=$(realpath -m "$BENCH_JFR"),settings=profile,dumponexit=true")
  jar=$(realpath "${BENCH_HUB_JAR:-target/switchboard.jar}")
  (cd "$work/hub" && exec java "${jfr[@]}" -jar "$jar" --conf bench.json > hub.log 2>&1) & HUB_PID=$!
  HUB_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do curl -sf "$HUB_URL/ready" >/dev/null && return 0; sleep 0.5; done
  echo "the hub did not get ready:" >&2; tail -20 "$work/hub/hub.log" >&2; return 1
}
stop_bench_hub() {
  [ -z "${HUB_PID:-}" ] || { kill "$HUB_PID" 2>/dev/null; wait "$HUB_PID" 2>/dev/null || true; }
  HUB_PID=
}
