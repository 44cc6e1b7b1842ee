/**
 * Which roles a process runs, and how each starts. Without KAFKA_BROKERS: the standalone service,
 * the four roles joined by in-process channels (standalone.ts). With it: ROLE=all runs every
 * role over Kafka in this process; a single role runs alone. Either way one assembly
 * (serve.ts) starts, serves and stops them. Kafka roles are imported when chosen, so a matcher
 * never loads what only the writer needs. (A matcher alone is started by serve-matcher.ts
 * instead, without the Fastify app: cli/service.ts chooses.)
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { START_ORDER, type RoleDeps, type RoleName, type RolePart } from './part.ts';
import type { RunningProcess } from './running.ts';
import { serveRoles, type ServedProcess } from './serve.ts';
import { standaloneRoles } from './standalone.ts';

async function startKafkaRole(role: RoleName, { config, logger }: RoleDeps): Promise<RolePart> {
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
    const served = await serveRoles(config, logger, START_ORDER, standaloneRoles());
    const storage = config.clickhouse.url ?? `embedded (${config.clickhouse.dataDir})`;
    return {
      port: portOf(served, config),
      description: `standalone, storage ${storage}`,
      page: true,
      stop: () => served.stop(),
    };
  }
  const roles = config.role === 'all' ? START_ORDER : [config.role];
  const served = await serveRoles(config, logger, roles, startKafkaRole);
  return {
    port: portOf(served, config),
    page: true,
    description: `Kafka mode (${config.kafka.brokers.join(',')}), roles: ${roles.join(', ')}`,
    stop: () => served.stop(),
  };
}

function portOf(served: ServedProcess, config: Config): number {
  const address = served.app.server.address();
  return typeof address === 'object' && address !== null ? address.port : config.http.port;
}
