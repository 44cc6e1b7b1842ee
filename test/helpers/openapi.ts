import type { FastifyInstance } from 'fastify';

/** The parts of an OpenAPI 3.0 document the tests read. */
export interface OpenApiSchema {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  additionalProperties?: boolean | OpenApiSchema;
  items?: OpenApiSchema;
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
}
export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema?: OpenApiSchema }>;
  headers?: Record<string, unknown>;
}
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: OpenApiSchema }>;
  requestBody?: { content: Record<string, { schema?: OpenApiSchema }> };
  responses: Record<string, OpenApiResponse>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: unknown[];
  security?: Array<Record<string, string[]>>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/**
 * Where `value` departs from `schema` (the OpenAPI 3.0 subset the routes use). Strict: an object
 * property the schema does not list is reported too, unless additionalProperties is a schema or
 * the object lists no properties at all (a free-form map), so that documentation which lags
 * behind the responses fails.
 */
export function schemaProblems(schema: OpenApiSchema, value: unknown, at = '$'): string[] {
  if (value === null && schema.nullable === true) return [];
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives !== undefined) {
    const fits = alternatives.some((s) => schemaProblems(s, value, at).length === 0);
    return fits ? [] : [`${at}: matches none of the alternatives`];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value))
    return [`${at}: ${String(value)} not in enum`];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((type) => isType(type, value))) {
    return [`${at}: expected ${types.join('|')}, got ${JSON.stringify(value)?.slice(0, 80)}`];
  }
  const problems: string[] = [];
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => problems.push(...schemaProblems(schema.items!, item, `${at}[${i}]`)));
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!(name in record)) problems.push(`${at}.${name}: required, missing`);
    }
    const listed = schema.properties ?? {};
    const extra = schema.additionalProperties;
    for (const [name, v] of Object.entries(record)) {
      const sub = listed[name];
      if (sub !== undefined) problems.push(...schemaProblems(sub, v, `${at}.${name}`));
      else if (typeof extra === 'object') problems.push(...schemaProblems(extra, v, `${at}.${name}`));
      else if (extra === false || Object.keys(listed).length > 0)
        problems.push(`${at}.${name}: not in the documentation`);
    }
  }
  return problems;
}

function isType(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}

/**
 * Every method and path the app serves, read from printRoutes (the router's own listing), so
 * that a route declared without documentation shows up. HEAD routes Fastify adds for GET are
 * left out.
 */
export function servedRoutes(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.search(/[├└]── /);
    if (at === -1) continue;
    const depth = at / 4;
    const match = /^(\S*)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4).trimEnd());
    if (match === null) throw new Error(`unexpected printRoutes line: ${line}`);
    stack.length = depth;
    stack.push(match[1]!);
    for (const method of (match[2] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push({ method, path: stack.join('') });
    }
  }
  return routes;
}
