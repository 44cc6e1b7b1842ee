/**
 * A worker thread of the request path (pool.ts starts it): its own matcher, kept current by the
 * template changes the main thread forwards, and one body at a time through prepareBody().
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { lineFieldsFor } from '../ingest/line-fields.ts';
import { createLogger } from '../logger.ts';
import { startMatch } from '../match/stage.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import type { TemplateChange } from '../model/template-change.ts';
import { InProcessChannel } from '../transport/in-process.ts';
import { prepareBody } from './prepare.ts';
import type { ToWorker, WorkerSettings } from './protocol.ts';

const port = parentPort;
if (port === null) throw new Error('threads/worker.ts runs as a worker thread (threads/pool.ts)');
const settings = workerData as WorkerSettings;
const logger = createLogger(settings.logLevel).child({ stage: 'match', thread: threadId });
const templates = new InProcessChannel<TemplateChange>('templates');
const lineFields = lineFieldsFor(settings.lineFields);
const match = startMatch({
  // Only classify() is used here: the main thread publishes what the worker prepared.
  channels: {
    matched: new InProcessChannel<StoredLog>('matched'),
    unmatched: new InProcessChannel<LogRecord>('unmatched'),
    templates,
  },
  initial: settings.templates,
  initialCurations: settings.curations,
  orgIdleUnloadSecs: settings.orgIdleUnloadSecs,
  logger,
});

port.on('message', (message: ToWorker) => {
  if (message.kind === 'templates') {
    templates.publish(message.changes);
    return;
  }
  void prepareBody(message, settings, match, lineFields).then((answer) => {
    const record = answer.kind === 'prepared' ? answer.record : undefined;
    port.postMessage(answer, record === undefined ? [] : [record.buffer as ArrayBuffer]);
  });
});
