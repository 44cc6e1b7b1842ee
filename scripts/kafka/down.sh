#!/usr/bin/env bash
# npm run kafka:down [-- --clean]: stop the broker that up.sh started (SIGTERM, then SIGKILL
# after KAFKA_STOP_TIMEOUT seconds, default 30). --clean also deletes its data (topics and
# the cluster id); the cached jars stay.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

clean=0
for arg in "$@"; do
  case "$arg" in
    --clean) clean=1 ;;
    *) die "unknown argument '$arg' (usage: npm run kafka:down [-- --clean])" ;;
  esac
done
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
[[ "$STOP_TIMEOUT" =~ ^[0-9]+$ ]] || die "KAFKA_STOP_TIMEOUT must be a number of seconds, got '$STOP_TIMEOUT'"

kafka_lock

if pid="$(kafka_running_pid)"; then
  say "stopping the broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "still running after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      break
    fi
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && die "the broker (pid $pid) is still running"
  say "stopped"
else
  say "no broker started by these scripts is running"
fi
rm -f "$KAFKA_PID_FILE" "$KAFKA_ENV_FILE"

if ((clean)); then
  rm -rf "$KAFKA_DATA" "$KAFKA_PROPS" "$KAFKA_LOG" "$KAFKA_LOG.1" "$KAFKA_LOCAL_DIR/format.log"
  say "removed the broker's data ($KAFKA_DATA) and logs"
fi
