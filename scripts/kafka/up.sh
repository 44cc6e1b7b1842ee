#!/usr/bin/env bash
# npm run kafka:up: start a single-node Apache Kafka broker (KRaft, broker and controller in
# one JVM) on 127.0.0.1 for development and tests, wait until it answers, and print
#   KAFKA_BROKERS=127.0.0.1:<port>
# as the last line on stdout (progress goes to stderr). Idempotent: a broker these scripts
# started that still answers is left as it is.
#
# Environment:
#   KAFKA_PORT             client port (default 9092)
#   KAFKA_CONTROLLER_PORT  controller port (default KAFKA_PORT+1, or a free one if that is taken)
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version from Maven Central (default 4.4.0)
#   KAFKA_HEAP             maximum broker heap (default 512m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 120)
#   KAFKA_LOCAL_DIR        state directory (default <repo>/.kafka)
#   KAFKA_JARS_DIR         where the jars are cached (default $KAFKA_LOCAL_DIR/jars); a second
#                          broker with its own state directory can share the first one's jars
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT="${KAFKA_PORT:-9092}"
HEAP="${KAFKA_HEAP:-512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65535)) || die "KAFKA_PORT must be a port number, got '$PORT'"
[[ "$START_TIMEOUT" =~ ^[0-9]+$ ]] || die "KAFKA_START_TIMEOUT must be a number of seconds, got '$START_TIMEOUT'"
[[ "$HEAP" =~ ^[0-9]+[kmgKMG]?$ ]] || die "KAFKA_HEAP must be a JVM size like 512m, got '$HEAP'"
command -v java >/dev/null || die "java not found (Kafka $KAFKA_VERSION needs Java 17 or later)"

BOOTSTRAP="127.0.0.1:$PORT"

# The admin client's answer is the readiness check: it speaks the protocol (ApiVersions,
# Metadata, ListTopics), and a KRaft broker serves clients only once it is registered with
# its controller and unfenced.
answers() {
  port_open "$PORT" || return 1
  timeout 60 bash "$KAFKA_SCRIPTS/tool.sh" TopicCommand --bootstrap-server "$BOOTSTRAP" --list \
    --command-config "$KAFKA_SCRIPTS/check-client.properties" >/dev/null 2>&1
}

# kill -0 also succeeds on a zombie, which a broker that just died may be for a moment.
alive() {
  kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    alive "$pid" || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
}

fail_with_log() {
  echo "kafka: error: $*" >&2
  if [[ -s "$KAFKA_LOG" ]]; then
    echo "kafka: last lines of $KAFKA_LOG:" >&2
    tail -n 40 "$KAFKA_LOG" | sed 's/^/  | /' >&2
  else
    echo "kafka: $KAFKA_LOG is empty" >&2
  fi
  exit 1
}

fetch_jars() {
  jars_ready && return 0
  command -v mvn >/dev/null || die "mvn not found: it fetches the Kafka jars from Maven Central"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central with mvn (once; cached in $KAFKA_JARS)"
  local tmp="$KAFKA_JARS.tmp.$$"
  rm -rf "$tmp" "$KAFKA_JARS"
  mkdir -p "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_SCRIPTS/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$tmp" >"$KAFKA_LOCAL_DIR/mvn.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 30 "$KAFKA_LOCAL_DIR/mvn.log" >&2
    die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full output in $KAFKA_LOCAL_DIR/mvn.log)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing"
  pom_digest >"$tmp/.complete"
  mv "$tmp" "$KAFKA_JARS"
}

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Kafka prints cluster ids as 22 characters of unpadded base64url (16 random bytes) and
# never starts one with '-' (it would read as an option).
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && break
  done
  echo "$id"
}

kafka_lock

# Already running?
if pid="$(kafka_running_pid)"; then
  running_port="$(sed -n 's/^KAFKA_PORT=//p' "$KAFKA_ENV_FILE" 2>/dev/null || true)"
  if [[ -n "$running_port" && "$running_port" != "$PORT" ]]; then
    die "a broker started by these scripts is already running (pid $pid) on 127.0.0.1:$running_port, not $PORT; run npm run kafka:down first"
  fi
  if answers; then
    say "already running (pid $pid) and answering on $BOOTSTRAP"
    echo "KAFKA_BROKERS=$BOOTSTRAP"
    exit 0
  fi
  say "a broker (pid $pid) is running but does not answer on $BOOTSTRAP; waiting for it"
  started_here=0
else
  rm -f "$KAFKA_PID_FILE" "$KAFKA_ENV_FILE"
  port_open "$PORT" && die "127.0.0.1:$PORT is already in use by another process (not a broker these scripts started); set KAFKA_PORT to a free port"

  if [[ -n "${KAFKA_CONTROLLER_PORT:-}" ]]; then
    CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT"
    [[ "$CONTROLLER_PORT" =~ ^[0-9]+$ ]] || die "KAFKA_CONTROLLER_PORT must be a port number, got '$CONTROLLER_PORT'"
    port_open "$CONTROLLER_PORT" && die "controller port 127.0.0.1:$CONTROLLER_PORT is already in use"
  else
    CONTROLLER_PORT=$((PORT + 1))
    if port_open "$CONTROLLER_PORT"; then CONTROLLER_PORT="$(free_port)"; fi
  fi
  [[ "$CONTROLLER_PORT" != "$PORT" ]] || die "KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT"

  fetch_jars

  mkdir -p "$KAFKA_DATA"
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$KAFKA_DATA|g" \
    "$KAFKA_SCRIPTS/server.properties.template" >"$KAFKA_PROPS"

  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    say "formatting $KAFKA_DATA (new cluster)"
    if ! kafka_tool kafka.tools.StorageTool format --config "$KAFKA_PROPS" \
      --cluster-id "$(random_cluster_id)" >"$KAFKA_LOCAL_DIR/format.log" 2>&1; then
      cat "$KAFKA_LOCAL_DIR/format.log" >&2
      die "formatting $KAFKA_DATA failed"
    fi
  fi

  [[ -f "$KAFKA_LOG" ]] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
  say "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller 127.0.0.1:$CONTROLLER_PORT, heap $HEAP, log $KAFKA_LOG)"
  # setsid: the broker leaves the caller's process group, so a Ctrl-C in the shell that ran
  # npm run kafka:up does not reach it; all its output goes to the log, none to our pipes;
  # and it must not inherit fd 9, or it would hold kafka_lock for as long as it runs.
  setsid java -Xms128m -Xmx"$HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/log4j2.properties" \
    -cp "$KAFKA_JARS/*" kafka.Kafka "$KAFKA_PROPS" >"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$KAFKA_PID_FILE"
  printf 'KAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\nKAFKA_VERSION=%s\n' \
    "$PORT" "$CONTROLLER_PORT" "$KAFKA_VERSION" >"$KAFKA_ENV_FILE"
  started_here=1
fi

deadline=$((SECONDS + START_TIMEOUT))
until answers; do
  if ! alive "$pid"; then
    rm -f "$KAFKA_PID_FILE" "$KAFKA_ENV_FILE"
    fail_with_log "the broker (pid $pid) exited before answering on $BOOTSTRAP"
  fi
  if ((SECONDS >= deadline)); then
    if ((started_here)); then
      stop_pid "$pid"
      rm -f "$KAFKA_PID_FILE" "$KAFKA_ENV_FILE"
      fail_with_log "the broker did not answer on $BOOTSTRAP within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT); stopped it"
    fi
    fail_with_log "the broker (pid $pid) did not answer on $BOOTSTRAP within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT)"
  fi
  sleep 0.5
done

say "ready (pid $pid) after ${SECONDS}s"
echo "KAFKA_BROKERS=$BOOTSTRAP"
