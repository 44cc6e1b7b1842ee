/**
 * Elasticsearch's Bulk API, as Filebeat, Vector, Fluent Bit and the Elastic clients send it:
 * POST /_bulk and /{index}/_bulk, NDJSON, gzip allowed; answered as Elasticsearch does, 200
 * with a result per item (`errors` when some were refused), a whole-request error only for a
 * body that cannot be read, 429/503 (es_rejected_execution_exception) for "retry later".
 * Beside it the handshake those shippers make before sending (GET /, cluster health, license,
 * and the templates and policies Filebeat sets up), so that they send with no special
 * settings; every answer carries `X-Elastic-Product: Elasticsearch`, which the clients check.
 */
import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError, type FieldProblem } from '../../errors.ts';
import { hasSurrogateEscapes, tooManyLogs } from '../../ingest/body.ts';
import type { IngestStage } from '../../ingest/stage.ts';
import type { ErrorAnswer } from '../../http/errors.ts';
import { inflateBody } from '../../http/inflate.ts';
import { documentationOnly } from '../../http/openapi.ts';
import { requestOrg } from '../org.ts';
import { ingestDecoded, type Protocol } from '../scope.ts';
import {
  createdItem,
  errorBody,
  errorType,
  failedItem,
  HEALTH,
  INFO,
  LICENSE,
  problemItem,
  SETUP_RESOURCES,
  type ItemResult,
} from './answers.ts';
import { parseBulk, TooManyItems, type BulkItem } from './bulk.ts';
import { documentToLog } from './document.ts';
import {
  BULK_SCHEMA,
  HEALTH_SCHEMA,
  INFO_SCHEMA,
  LICENSE_SCHEMA,
  setupGetSchema,
  setupPutSchema,
} from './schema.ts';

/** The media types of a bulk body: NDJSON, JSON, and the Elastic clients' versioned forms of both. */
const BULK_TYPES: ReadonlySet<string> = new Set([
  'application/x-ndjson',
  'application/json',
  'application/vnd.elasticsearch+x-ndjson',
  'application/vnd.elasticsearch+json',
]);

function isBulkType(request: FastifyRequest): boolean {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return BULK_TYPES.has(type);
}

/** The org ceiling's refusal is about the org, not the document: named as Elasticsearch would. */
function itemOf(item: BulkItem, problem: FieldProblem): ItemResult {
  return problem.code === 'TOO_MANY_ORGS'
    ? failedItem(item, 400, 'illegal_argument_exception', `${problem.code}: ${problem.message}`)
    : problemItem(item, problem);
}

/**
 * Stores the create and index items of a bulk body and answers each item. A request in which
 * every document was refused is still a 200 with every item's error: Filebeat retries a whole
 * request that is not 200 for ever, and drops only the items answered 4xx.
 */
async function bulk(
  ingest: IngestStage,
  bodyLimit: number,
  request: FastifyRequest<{ Params: { index?: string } }>,
  reply: FastifyReply,
) {
  const started = performance.now();
  if (!isBulkType(request)) {
    throw new UnsupportedMediaTypeError('send application/x-ndjson or application/json');
  }
  const org = requestOrg(request);
  const raw = await inflateBody(request.headers['content-encoding'], request.body as Buffer, bodyLimit);
  if (!isUtf8(raw)) throw new BadRequestError('INVALID_UTF8', 'the body is not valid UTF-8');
  const text = raw.toString('utf8');
  let items: BulkItem[];
  try {
    items = parseBulk(text, request.params.index, ingest.maxLogs);
  } catch (err) {
    if (err instanceof TooManyItems) throw tooManyLogs(ingest.maxLogs, undefined);
    throw err;
  }
  if (items.length === 0) {
    throw new BadRequestError('EMPTY_BULK', 'Validation Failed: 1: no requests added;');
  }

  const results: Array<ItemResult | undefined> = new Array<ItemResult | undefined>(items.length);
  const logs: object[] = [];
  const indexes: number[] = [];
  items.forEach((item, i) => {
    if (item.action === 'delete' || item.action === 'update') {
      results[i] = failedItem(
        item,
        400,
        'illegal_argument_exception',
        `UNSUPPORTED_ACTION: log-ingest stores logs and does not ${item.action} them; send create or index`,
      );
    } else if (typeof item.document === 'string') {
      results[i] = failedItem(item, 400, 'document_parsing_exception', `MALFORMED_JSON: ${item.document}`);
    } else if (item.document !== undefined) {
      logs.push(documentToLog(org, item.document));
      indexes.push(i);
    }
  });

  let problems: readonly FieldProblem[] = [];
  if (logs.length > 0) {
    try {
      const result = await ingestDecoded(ingest, logs, hasSurrogateEscapes(text), { indexes });
      problems = result.errors ?? [];
    } catch (err) {
      // Every document refused: each item says why, as above.
      if (!(err instanceof BadRequestError) || err.problems.length !== logs.length) throw err;
      problems = err.problems;
    }
  }
  for (const problem of problems) {
    const i = problem.index;
    if (i !== null && items[i] !== undefined) results[i] = itemOf(items[i], problem);
  }
  let errors = false;
  const answered = items.map((item, i) => {
    const result = results[i];
    if (result === undefined) return createdItem(item);
    errors = true;
    return result;
  });
  return reply
    .code(200)
    .type('application/json')
    .send({ took: Math.round(performance.now() - started), errors, items: answered });
}

/** GET and HEAD answers a key of either scope may ask for: the same for every key and org. */
const HANDSHAKE = { eitherScope: true };

export const elasticsearchProtocol: Protocol = {
  name: 'elasticsearch',
  renderError(answer: ErrorAnswer, _request, reply) {
    const type = errorType(answer.status, answer.code);
    return reply
      .code(answer.status)
      .type('application/json')
      .send(errorBody(answer.status, type, `${answer.code}: ${answer.message}`));
  },
  routes(scope, context) {
    const { ingest, bodyLimit } = context;
    // The Elastic clients (v8 and later) refuse a 2xx without it: the "product check".
    scope.addHook('onSend', (_request, reply, payload, done) => {
      void reply.header('x-elastic-product', 'Elasticsearch');
      done(null, payload);
    });
    const bulkOptions = { bodyLimit, schema: BULK_SCHEMA, validatorCompiler: documentationOnly };
    scope.post<{ Params: { index?: string } }>('/_bulk', bulkOptions, (request, reply) =>
      bulk(ingest, bodyLimit, request, reply),
    );
    scope.post<{ Params: { index?: string } }>('/:index/_bulk', bulkOptions, (request, reply) =>
      bulk(ingest, bodyLimit, request, reply),
    );

    const get = { validatorCompiler: documentationOnly, config: HANDSHAKE };
    scope.get('/', { ...get, schema: INFO_SCHEMA }, (_request, reply) => reply.send(INFO));
    scope.get('/_cluster/health', { ...get, schema: HEALTH_SCHEMA }, (_request, reply) => reply.send(HEALTH));
    scope.get('/_license', { ...get, schema: LICENSE_SCHEMA }, (_request, reply) => reply.send(LICENSE));

    for (const [path, what, exists] of [
      ['/_index_template/:name', 'index template', SETUP_RESOURCES.index_template],
      ['/_ilm/policy/:name', 'ILM policy', SETUP_RESOURCES.ilm_policy],
      ['/_ingest/pipeline/:name', 'ingest pipeline', SETUP_RESOURCES.ingest_pipeline],
    ] as const) {
      scope.get<{ Params: { name: string } }>(
        path,
        { ...get, schema: setupGetSchema(what) },
        (request, reply) => reply.send(exists(request.params.name)),
      );
      scope.put(
        path,
        { bodyLimit, validatorCompiler: documentationOnly, schema: setupPutSchema(what) },
        (_request, reply) => reply.send({ acknowledged: true }),
      );
    }
  },
};
