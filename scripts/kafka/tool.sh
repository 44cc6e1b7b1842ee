#!/usr/bin/env bash
# Runs a Kafka command-line tool from the jars that up.sh cached, e.g.
#   scripts/kafka/tool.sh TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   scripts/kafka/tool.sh ConsoleProducer --bootstrap-server 127.0.0.1:9092 --topic t
#   scripts/kafka/tool.sh consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9092 --topic t --from-beginning
# A class name without a package is taken from org.apache.kafka.tools; give a full name
# otherwise (kafka.tools.StorageTool, org.apache.kafka.tools.consumer.ConsoleConsumer).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ $# -ge 1 ]] || die "usage: scripts/kafka/tool.sh CLASS [ARGS...]"
jars_ready || die "no jars for Kafka $KAFKA_VERSION in $KAFKA_JARS: run npm run kafka:up first"
class="$1"
shift
[[ "$class" == consumer.* ]] && class="org.apache.kafka.tools.$class"
kafka_tool "$class" "$@"
