/**
 * `npm run templates:clean -- [--dry-run]`: deletes (with a tombstone) the records of the
 * templates topic whose key is not `<org>:<id>` with a valid org, which readers skip and warn
 * about at every start (src/transport/kafka/template-clean.ts). Safe to run while the roles run.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { createKafka } from '../transport/kafka/client/index.ts';
import { deleteMalformedTemplateKeys } from '../transport/kafka/template-clean.ts';

const USAGE = `usage: npm run templates:clean -- [--dry-run]
  Writes a tombstone for every record of KAFKA_TOPIC_TEMPLATES whose key is not <org>:<id>
  (org: letters, digits and ! - _ . * ' ( ); id: a positive integer). --dry-run only lists them.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const brokers = config.kafka.brokers;
  if (brokers === undefined)
    throw new ConfigError('KAFKA_BROKERS', 'is required: the templates topic is on the broker');
  const topic = config.kafka.topics.templates;
  const kafka = createKafka({ brokers, clientId: `${config.kafka.clientId}-templates-clean` });
  try {
    const keys = await deleteMalformedTemplateKeys(kafka, topic, { dryRun: values['dry-run'] });
    for (const k of keys)
      process.stdout.write(`${JSON.stringify(k.key)} (partition ${k.partition}, offset ${k.offset})\n`);
    const verb = values['dry-run'] ? 'would delete' : 'deleted';
    process.stdout.write(
      `${topic}: ${verb} ${keys.length} record${keys.length === 1 ? '' : 's'} with a malformed key\n`,
    );
  } finally {
    await kafka.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`templates:clean: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`templates:clean failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
