# Shared by up.sh, down.sh and tool.sh (sourced, not run).
# Layout of the state directory (KAFKA_LOCAL_DIR, default <repo>/.kafka, git-ignored):
#   jars/<version>/        the broker and tools jars, fetched once by mvn (.complete marks a full copy)
#   data/                  log.dirs (topics and the KRaft metadata log)
#   server.properties      written from server.properties.template at each start
#   broker.pid broker.env  the running broker's pid, and its ports and version
#   broker.log             the broker's log (the previous start's in broker.log.1)
#   mvn.log                output of the last jar fetch

KAFKA_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_ROOT="$(cd "$KAFKA_SCRIPTS/../.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_LOCAL_DIR="${KAFKA_LOCAL_DIR:-$KAFKA_ROOT/.kafka}"
KAFKA_JARS="${KAFKA_JARS_DIR:-$KAFKA_LOCAL_DIR/jars}/$KAFKA_VERSION"
KAFKA_DATA="$KAFKA_LOCAL_DIR/data"
KAFKA_PID_FILE="$KAFKA_LOCAL_DIR/broker.pid"
KAFKA_ENV_FILE="$KAFKA_LOCAL_DIR/broker.env"
KAFKA_LOG="$KAFKA_LOCAL_DIR/broker.log"
KAFKA_PROPS="$KAFKA_LOCAL_DIR/server.properties"

say() { echo "kafka: $*" >&2; }
die() {
  echo "kafka: error: $*" >&2
  exit 1
}

# One up or down at a time (two test runners may call kafka:up together).
kafka_lock() {
  mkdir -p "$KAFKA_LOCAL_DIR"
  exec 9>"$KAFKA_LOCAL_DIR/lock"
  flock -w 600 9 || die "another kafka:up/kafka:down holds $KAFKA_LOCAL_DIR/lock"
}

# The pid in broker.pid if that process is alive and is the broker these scripts started
# from this state directory (a stale pid may have been reused by something else).
kafka_running_pid() {
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$KAFKA_PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"kafka.Kafka $KAFKA_PROPS"* ]] || return 1
  echo "$pid"
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

jars_ready() {
  [[ -f "$KAFKA_JARS/.complete" ]] && [[ "$(cat "$KAFKA_JARS/.complete")" == "$(pom_digest)" ]]
}

pom_digest() {
  sha256sum "$KAFKA_SCRIPTS/pom.xml" | cut -c1-16
}

# Runs a Kafka command-line tool from the cached jars (a short JVM: small heap, C1 only).
kafka_tool() {
  local class="$1"
  shift
  [[ "$class" == *.* ]] || class="org.apache.kafka.tools.$class"
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/tools-log4j2.properties" \
    -cp "$KAFKA_JARS/*" "$class" "$@"
}
