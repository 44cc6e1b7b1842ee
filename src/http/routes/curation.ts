/**
 * Curation through the API (model/curation.ts): name, note, ingest rule and merge of a template
 * (PATCH /templates/{id}), a template added by hand (POST /templates), and the record of every
 * change (GET /templates/changes). With API keys: the `curate` scope and the org; reading the
 * record needs `read`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CurationPatch, CurationService } from '../../curate/service.ts';
import { BadRequestError } from '../../errors.ts';
import { parseJsonBody } from '../../ingest/body.ts';
import {
  INGEST_RULES,
  NAME_MAX_LENGTH,
  NOTE_MAX_LENGTH,
  type Curation,
  type IngestRule,
} from '../../model/curation.ts';
import { orgProblem } from '../../model/org.ts';
import { curationView } from '../../store/merged-history.ts';
import { MAX_CHANGES } from '../../store/curation.ts';
import { actorOf, assertCurate, assertOrg } from '../auth.ts';
import { onlyKnownParams } from '../known-params.ts';
import { documentationOnly, ERRORS } from '../openapi.ts';

/** A curation body is a few fields: a note of NOTE_MAX_LENGTH characters fits well within. */
const CURATION_BODY_LIMIT = 64 * 1024;

function invalid(field: string, code: string, message: string): BadRequestError {
  return new BadRequestError(code, `${field}: ${message}`, [{ index: null, field, code, message }]);
}

function orgOf(request: FastifyRequest): string {
  const raw = (request.query as Record<string, unknown>)['org'];
  if (Array.isArray(raw)) throw invalid('org', 'INVALID_VALUE', 'given more than once');
  if (typeof raw !== 'string' || raw.trim() === '')
    throw invalid('org', 'MISSING_FIELD', 'the org query parameter is required');
  const bad = orgProblem(raw);
  if (bad !== undefined) throw invalid('org', bad.code, bad.message);
  assertOrg(request, raw);
  return raw;
}

function templateIdOf(text: string, field: string): number {
  const id = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1)
    throw invalid(field, 'INVALID_VALUE', 'a template id is a positive integer');
  return id;
}

const PATCH_FIELDS = ['name', 'note', 'rule', 'sample_percent', 'merged_into'] as const;

/** The body's fields, strictly: an unknown field or a wrong type is a 400 naming it, never ignored. */
function patchOf(body: unknown, allowed: readonly string[]): CurationPatch & { template?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('INVALID_BODY', 'the body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw invalid(
      unknown[0] as string,
      'UNKNOWN_FIELD',
      `unknown field; the fields are ${allowed.join(', ')}`,
    );
  }
  const text = (field: string, max: number): string | undefined => {
    const v = fields[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalid(field, 'INVALID_TYPE', 'must be a string');
    if (v.length > max) throw invalid(field, 'INVALID_VALUE', `at most ${max} characters`);
    return v;
  };
  const patch: CurationPatch & { template?: string } = {};
  const name = text('name', NAME_MAX_LENGTH);
  if (name !== undefined) patch.name = name;
  const note = text('note', NOTE_MAX_LENGTH);
  if (note !== undefined) patch.note = note;
  const template = text('template', 64 * 1024);
  if (template !== undefined) patch.template = template;
  const rule = fields['rule'];
  if (rule !== undefined) {
    if (!(INGEST_RULES as readonly unknown[]).includes(rule)) {
      throw invalid('rule', 'INVALID_VALUE', `one of ${INGEST_RULES.join(', ')}`);
    }
    patch.rule = rule as IngestRule;
  }
  const percent = fields['sample_percent'];
  if (percent !== undefined) {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw invalid('sample_percent', 'INVALID_VALUE', 'a number from 0 to 100');
    }
    patch.samplePercent = percent;
  }
  const merged = fields['merged_into'];
  if (merged !== undefined) {
    if (merged !== null && (typeof merged !== 'number' || !Number.isSafeInteger(merged) || merged < 1)) {
      throw invalid('merged_into', 'INVALID_VALUE', 'a template id, or null to undo the merge');
    }
    patch.mergedInto = merged;
  }
  return patch;
}

const CURATION_SCHEMA = {
  type: 'object',
  description: "the template's curation now",
  properties: {
    name: { type: 'string' },
    note: { type: 'string' },
    rule: { type: 'string', enum: INGEST_RULES },
    sample_percent: { type: 'number' },
    merged_into: { type: ['integer', 'null'] },
    updated_at: { type: 'string', format: 'date-time' },
    updated_by: {
      type: 'string',
      description: 'the key (first 12 hex digits of its SHA-256) or open@address, and X-Actor if sent',
    },
  },
} as const;

const CURATION_FIELDS = {
  name: {
    type: 'string',
    maxLength: NAME_MAX_LENGTH,
    description: "a person's name for the template; '' removes it",
  },
  note: { type: 'string', maxLength: NOTE_MAX_LENGTH },
  rule: {
    type: 'string',
    enum: INGEST_RULES,
    description:
      'keep: every line stored; sample: sample_percent of the lines stored whole, the rest as count-only stubs; drop: every line a stub. Stubs keep time, level, service and host, so volumes stay exact',
  },
  sample_percent: { type: 'number', minimum: 0, maximum: 100, description: 'with rule sample' },
} as const;

const WRITE_ERRORS = {
  // The body is one small JSON object (at most 64 KB), not compressed.
  413: ERRORS[413](),
  415: ERRORS[415](),
  400: ERRORS[400](
    'MISSING_FIELD, INVALID_VALUE, INVALID_TYPE, UNKNOWN_FIELD, INVALID_BODY, INVALID_TEMPLATE',
  ),
  401: ERRORS[401](),
  403: ERRORS[403]('the key lacks the curate scope, or does not hold the org'),
  503: ERRORS.storage(),
};

const X_ACTOR = {
  type: 'object',
  properties: {
    'x-actor': { type: 'string', description: "optional: the person's name, recorded with the change" },
  },
};

const PATCH_ROUTE = {
  schema: {
    summary: "Change a template's curation",
    description:
      'Name, note, ingest rule, or merge into another template of the org (its history then reads as that one in every list and comparison; `merged_into: null` undoes it). Absent fields stay as they are. Applied by every matcher within moments; recorded with who and when (GET /templates/changes).',
    tags: ['curate'],
    params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } },
    querystring: { type: 'object', required: ['org'], properties: { org: { type: 'string' } } },
    headers: X_ACTOR,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...CURATION_FIELDS,
        merged_into: {
          type: ['integer', 'null'],
          description: 'a template of the org, or null to undo a merge',
        },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: { org: { type: 'string' }, template_id: { type: 'integer' }, curation: CURATION_SCHEMA },
      },
      ...WRITE_ERRORS,
      404: ERRORS[404]('`code`: TEMPLATE_NOT_FOUND (the template, or the merge target)'),
      409: ERRORS[409]('`code`: MERGE_CHAIN or MERGE_INTO_ITSELF'),
    },
  },
  validatorCompiler: documentationOnly,
  bodyLimit: CURATION_BODY_LIMIT,
  config: { curates: true },
};

const SEED_ROUTE = {
  schema: {
    summary: 'Add a template by hand',
    description:
      'A template (source `manual`) the matchers use at once, before any line of it arrives: `<*>` for each variable, constant text to pin lines down. Optionally with its name, note and rule.',
    tags: ['curate'],
    querystring: { type: 'object', required: ['org'], properties: { org: { type: 'string' } } },
    headers: X_ACTOR,
    body: {
      type: 'object',
      required: ['template'],
      additionalProperties: false,
      properties: {
        template: { type: 'string', description: 'e.g. `Connection timeout after <*>s`' },
        ...CURATION_FIELDS,
      },
    },
    response: {
      201: {
        type: 'object',
        properties: {
          org: { type: 'string' },
          id: { type: 'integer' },
          template: { type: 'string' },
          source: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          curation: CURATION_SCHEMA,
        },
      },
      ...WRITE_ERRORS,
      409: ERRORS[409]('`code`: TEMPLATE_EXISTS (with `template_id`), TOO_MANY_TEMPLATES'),
    },
  },
  validatorCompiler: documentationOnly,
  bodyLimit: CURATION_BODY_LIMIT,
  config: { curates: true },
};

const CHANGES_ROUTE = {
  schema: {
    summary: 'Every curation change of an org',
    description: 'Newest first: who, when, what (the changed fields before and after; a seed has no before).',
    tags: ['curate'],
    querystring: {
      type: 'object',
      required: ['org'],
      properties: {
        org: { type: 'string' },
        template_id: { type: 'integer', description: 'only the changes of this template' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_CHANGES, default: 100 },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          org: { type: 'string' },
          changes: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: true,
              properties: {
                template_id: { type: 'integer' },
                at: { type: 'string', format: 'date-time' },
                actor: { type: 'string' },
                action: {
                  type: 'string',
                  description: 'seed, rename, note, rule, merge, unmerge, remerge; several joined by +',
                },
                before: { type: ['object', 'null'], additionalProperties: true },
                after: { type: ['object', 'null'], additionalProperties: true },
              },
            },
          },
        },
      },
      400: ERRORS[400](
        'MISSING_FIELD, INVALID_PARAMETER (a parameter this endpoint does not take), INVALID_VALUE',
      ),
      401: ERRORS[401](),
      403: ERRORS[403]('the key lacks the read scope, or does not hold the org'),
      503: ERRORS.storage(),
    },
  },
  validatorCompiler: documentationOnly,
};

/**
 * In a scope of their own: the app's JSON parser turns a body into logs (routes/ingest.ts); a
 * curation body is one small object, parsed as it is.
 */
export function registerCurationRoutes(root: FastifyInstance, curation: CurationService): void {
  void root.register((app, _options, done) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: CURATION_BODY_LIMIT },
      (_request: FastifyRequest, body: string, parsed: (err: Error | null, body?: unknown) => void) => {
        try {
          parsed(null, parseJsonBody(body));
        } catch (err) {
          parsed(err as Error);
        }
      },
    );
    routes(app, curation);
    done();
  });
}

function routes(app: FastifyInstance, curation: CurationService): void {
  const view = (c: Curation) => curationView(c);

  app.patch<{ Params: { id: string } }>('/templates/:id', PATCH_ROUTE, async (request) => {
    assertCurate(request);
    const org = orgOf(request);
    const id = templateIdOf(request.params.id, 'id');
    const curated = await curation.update(org, id, patchOf(request.body, PATCH_FIELDS), actorOf(request));
    return { org, template_id: id, curation: view(curated) };
  });

  app.post('/templates', SEED_ROUTE, async (request, reply) => {
    assertCurate(request);
    const org = orgOf(request);
    const { template: text, ...patch } = patchOf(request.body, [
      'template',
      'name',
      'note',
      'rule',
      'sample_percent',
    ]);
    if (text === undefined) throw invalid('template', 'MISSING_FIELD', 'the template text is required');
    const { template, curation: curated } = await curation.seed(org, text, patch, actorOf(request));
    return reply.code(201).send({
      org,
      id: template.id,
      template: template.text,
      source: template.source,
      created_at: new Date(template.createdAt).toISOString(),
      curation: view(curated),
    });
  });

  // A read route: a parameter it does not take is refused, as on the others (known-params.ts).
  const changesRoute = { ...CHANGES_ROUTE, preValidation: onlyKnownParams(CHANGES_ROUTE.schema) };
  app.get('/templates/changes', changesRoute, async (request) => {
    const org = orgOf(request);
    const query = request.query as Record<string, unknown>;
    const one = (field: string): string | undefined => {
      const v = query[field];
      if (Array.isArray(v)) throw invalid(field, 'INVALID_VALUE', 'given more than once');
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const idText = one('template_id');
    const limitText = one('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CHANGES) {
      throw invalid('limit', 'INVALID_VALUE', `an integer from 1 to ${MAX_CHANGES}`);
    }
    const templateId = idText === undefined ? undefined : templateIdOf(idText, 'template_id');
    return { org, changes: await curation.changes(org, templateId, limit) };
  });
}
