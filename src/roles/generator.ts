/**
 * The generator role: logs.unmatched → templates (compacted) and matched (the held lines, now
 * with their template, or without one after their attempts). Each consumed batch is handed to
 * the generate stage and flushed; what that produced is published in one transaction with the
 * batch's offsets (transport/kafka/transform.ts), so a generator killed mid-way leaves neither
 * the templates nor the lines of the batch, and the batch is read again.
 * It reads the templates topic first, to continue from every template already made (by it or
 * by other generator processes, whose templates keep arriving there).
 */
import type { Config } from '../config.ts';
import { createGenerator, startGenerate } from '../generate/index.ts';
import type { Logger } from '../logger.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { Template } from '../model/template.ts';
import { templateWebhook } from '../signals/webhook.ts';
import { InProcessChannel } from '../transport/in-process.ts';
import { admitLog, giveRowIds } from '../transport/kafka/admit.ts';
import { KafkaOutbox } from '../transport/kafka/outbox.ts';
import { startTransform } from '../transport/kafka/transform.ts';
import { connectKafka, serdes, templatesTopic, transactionalId } from '../transport/kafka/connect.ts';
import { generateConfig, generateReport, type RolePart } from './part.ts';

export async function startGeneratorRole(config: Config, logger: Logger): Promise<RolePart> {
  const { topics, groups } = config.kafka;
  const kafka = await connectKafka(config, 'generator');
  const templatesIn = templatesTopic(kafka, config, logger);
  // Until the end of the topic is reached the templates are collected as the starting set;
  // after that each change goes to the running stage.
  const initial = new Map<string, Template>();
  const known = new InProcessChannel<TemplateChange>('known templates');
  let caughtUp = false;
  templatesIn.subscribe((changes) => {
    if (caughtUp) return known.publish(changes);
    for (const c of changes) {
      if (c.kind === 'upsert') initial.set(`${c.template.org}:${c.template.id}`, c.template);
      else if (c.kind === 'delete') initial.delete(`${c.org}:${c.id}`);
    }
  });
  try {
    await templatesIn.caughtUp;
  } catch (err) {
    await templatesIn.close();
    await kafka.close();
    throw err;
  }
  caughtUp = true;

  const generator = createGenerator(config.llm, logger.child({ stage: 'generate' }));
  generator.seed([...initial.values()]);
  const unmatched = new InProcessChannel<LogRecord>('unmatched');
  const out = {
    matched: new KafkaOutbox<StoredLog>(topics.matched, serdes.storedLog()),
    templates: new KafkaOutbox<TemplateChange>(topics.templates, serdes.template()),
  };
  const webhook = templateWebhook(config.templateWebhookUrl, logger);
  const generate = startGenerate(generateConfig(config), {
    generator,
    channels: { unmatched, ...out, knownTemplates: known },
    ...(webhook === undefined ? {} : { onTemplatesCreated: (created) => webhook.templatesCreated(created) }),
    initial: [...initial.values()],
    logger: logger.child({ stage: 'generate' }),
  });
  logger.info({ templates: initial.size }, 'templates topic read to its end: generating');
  const transform = await startTransform({
    kafka,
    topic: topics.unmatched,
    serde: serdes.logRecord(),
    groupId: groups.generator,
    transactionalId: transactionalId(config, 'generator'),
    instanceId: transactionalId(config, 'generator'),
    deadLetterTopic: topics.deadLetter,
    logger,
    // Matchers write logs.unmatched, but nothing stops a service producing there: its records
    // are checked like an HTTP log's, and one without a row id gets the one its offset names.
    admit: (log) => admitLog(log, config.limits),
    async handle(logs, origin) {
      giveRowIds(logs, origin);
      unmatched.publish(logs);
      await generate.flush();
      return [...out.templates.take(), ...out.matched.take()];
    },
  });
  let failed: string | undefined;
  transform.consumer.done.catch((err: unknown) => {
    failed = err instanceof Error ? err.message : String(err);
    logger.error({ err }, 'the generator stopped consuming');
  });
  return {
    role: 'generator',
    generate: generateReport(config, generator, generate),
    kafka: () => transform.stats(),
    notReady: () => (failed === undefined ? undefined : `stopped: ${failed}`),
    async stop() {
      // Closing the consumer waits for the batch being handled, which flushes the stage.
      await transform.consumer.close();
      webhook?.stop();
      await templatesIn.close();
      await kafka.close();
    },
  };
}
