#!/usr/bin/env bash
# The hub from a shell, with curl only: follow a topic over SSE, publish on it, append to a stream
# and read it back, and register a webhook (when WEBHOOK_URL is set).
#
#   HUB=http://127.0.0.1:8080 [TOKEN=…] [WEBHOOK_URL=https://…] examples/shell/demo.sh
set -euo pipefail
HUB=${HUB:-http://127.0.0.1:8080}
auth=()
[ -n "${TOKEN:-}" ] && auth=(-H "Authorization: Bearer $TOKEN")
run=$(date +%s)$$
sse=$(mktemp)
trap 'rm -f "$sse"; kill %1 2>/dev/null || true' EXIT

echo "# follow shell.$run.* over SSE"
curl -sN "${auth[@]}" "$HUB/api/v1/stream?topics=shell.$run.*" > "$sse" &
until grep -q '^retry:' "$sse"; do sleep 0.1; done   # the stream is open

echo "# publish"
curl -sS --fail-with-body "${auth[@]}" -X POST "$HUB/api/v1/topics/shell.$run.hello" \
     -H 'Content-Type: application/json' -H 'ce-type: shell.said' -d '{"from": "shell"}'
echo
until grep -q '^data:' "$sse"; do sleep 0.1; done
echo "# received over SSE"
grep -E '^(event|data):' "$sse"

echo "# append to a stream, then read it"
curl -sS --fail-with-body "${auth[@]}" -X POST "$HUB/api/v1/streams/shell-$run/events" \
     -H 'Content-Type: application/json' -H 'Expected-Version: no_stream' \
     -d '[{"type": "shell.started", "data": {"run": "'"$run"'"}}, {"type": "shell.finished", "data": {}}]'
echo
curl -sS --fail-with-body "${auth[@]}" "$HUB/api/v1/streams/shell-$run"
echo

if [ -n "${WEBHOOK_URL:-}" ]; then
  echo "# register a webhook for shell.* events (the secret is shown this once)"
  curl -sS --fail-with-body "${auth[@]}" -X POST "$HUB/api/v1/webhooks" -H 'Content-Type: application/json' \
       -d '{"url": "'"$WEBHOOK_URL"'", "events": ["shell.*"], "description": "examples/shell/demo.sh"}'
  echo
fi
