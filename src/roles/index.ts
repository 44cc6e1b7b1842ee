/**
 * Which roles a process runs. Without KAFKA_BROKERS: the standalone service (ROLE=all only).
 * With it: ROLE=all runs every role over Kafka in this process; a single role runs alone. Roles
 * are imported when chosen, so a matcher never loads what only the writer needs.
 */
import type { FastifyInstance } from 'fastify';
import type { Config, Role } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RolePart } from './serve.ts';

export interface RunningProcess {
  readonly app: FastifyInstance;
  /** What runs here, for the start-up log line. */
  readonly description: string;
  stop(): Promise<void>;
}

type KafkaRole = Exclude<Role, 'all'>;

/** Downstream first: a stage starts once what it feeds is running. */
const START_ORDER: readonly KafkaRole[] = ['writer', 'generator', 'matcher', 'ingest'];

async function startRole(role: KafkaRole, config: Config, logger: Logger): Promise<RolePart> {
  const log = logger.child({ role });
  switch (role) {
    case 'ingest':
      return (await import('./ingest.ts')).startIngestRole(config, log);
    case 'matcher':
      return (await import('./matcher.ts')).startMatcherRole(config, log);
    case 'generator':
      return (await import('./generator.ts')).startGeneratorRole(config, log);
    case 'writer':
      return (await import('./writer.ts')).startWriterRole(config, log);
  }
}

export async function startProcess(config: Config, logger: Logger): Promise<RunningProcess> {
  if (config.kafka.brokers === undefined) {
    const { startStandalone } = await import('./standalone.ts');
    const service = await startStandalone(config, logger);
    const storage = config.clickhouse.url ?? `embedded (${config.clickhouse.dataDir})`;
    return { app: service.app, description: `standalone, storage ${storage}`, stop: () => service.stop() };
  }
  const roles = config.role === 'all' ? START_ORDER : [config.role];
  const started: RolePart[] = [];
  try {
    for (const role of roles) started.push(await startRole(role, config, logger));
  } catch (err) {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    throw err;
  }
  const { serveRoles } = await import('./serve.ts');
  // Stopped upstream first, the reverse of the start.
  const served = await serveRoles(config, logger, [...started].reverse()).catch(async (err: unknown) => {
    for (const part of [...started].reverse()) await part.stop().catch(() => undefined);
    throw err;
  });
  return {
    app: served.app,
    description: `Kafka mode (${config.kafka.brokers.join(',')}), roles: ${roles.join(', ')}`,
    stop: () => served.stop(),
  };
}
