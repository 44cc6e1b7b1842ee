import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { toStoredLog } from '../../../src/match/stage.ts';
import { LOG_FIELDS, LOG_TABLE_ONLY_COLUMNS, type LogField } from '../../../src/model/log-fields.ts';
import type { LogRecord } from '../../../src/model/log.ts';
import { SCHEMA_DIR } from '../../../src/transport/kafka/avro/codec.ts';

const FIELDS = Object.entries(LOG_FIELDS) as Array<[string, LogField]>;

/** The fields a record carries, in the declaration's (the wire's) order. */
function carried(record: 'LogRecord' | 'StoredLog'): Array<[string, LogField]> {
  return FIELDS.filter(([, field]) => record === 'StoredLog' || field.record === 'LogRecord');
}

interface AvscField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

/** The newest version of schemas/<name>.v<N>.avsc: what producers write (see transport/avro/codec.ts). */
function newestSchema(name: string): { file: string; fields: AvscField[] } {
  const pattern = new RegExp(`^${name}\\.v(\\d+)\\.avsc$`);
  const [newest] = readdirSync(SCHEMA_DIR)
    .map((file) => ({ file, version: Number(pattern.exec(file)?.[1] ?? Number.NaN) }))
    .filter((entry) => !Number.isNaN(entry.version))
    .sort((a, b) => b.version - a.version);
  assert.ok(newest !== undefined, `a schema ${name}.v<N>.avsc`);
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, newest.file), 'utf8')) as {
    fields: AvscField[];
  };
  return { file: newest.file, fields: schema.fields };
}

describe('the Avro schemas agree with the field declaration (model/log-fields.ts)', () => {
  for (const [schema, record] of [
    ['log-record', 'LogRecord'],
    ['stored-log', 'StoredLog'],
  ] as const) {
    it(`${schema}: the same fields in the same order, with the same types and defaults`, () => {
      const { file, fields } = newestSchema(schema);
      // Types are compared whole, so a union with "null" (a nullable field) is a difference too.
      const inSchema = fields.map((field) => ({
        name: field.name,
        type: field.type,
        default: 'default' in field ? field.default : 'none',
      }));
      const declared = carried(record).map(([name, field]) => ({
        name,
        type: field.avro,
        default: 'default' in field ? field.default : 'none',
      }));
      assert.deepEqual(inSchema, declared, file);
    });
  }
});

describe('the field declaration', () => {
  it('gives every column of the logs table its own position, 1..n', () => {
    const positions = [
      ...FIELDS.map(([, field]) => field.column.position),
      ...LOG_TABLE_ONLY_COLUMNS.map((column) => column.position),
    ].sort((a, b) => a - b);
    assert.deepEqual(
      positions,
      positions.map((_, i) => i + 1),
    );
  });

  it('gives no default to a field the client must send, and a length limit to every label column', () => {
    for (const [name, field] of FIELDS) {
      if (field.input === 'required') assert.ok(!('default' in field), `${name} has no default`);
      if (field.column.type === 'LowCardinality(String)') {
        assert.ok(field.maxLength !== undefined, `${name} is a label: it has a length limit`);
      }
    }
  });
});

describe('toStoredLog (match/stage.ts)', () => {
  it('carries every declared field into the stored log', () => {
    const record: LogRecord = {
      timestamp: 1,
      org: 'o',
      dashboard: 'd',
      service: 's',
      host: 'h',
      level: 'L',
      message: 'm',
      metadata: { k: 'v' },
      id: '7',
    };
    const matched = toStoredLog({ ...record, walSegment: 3 }, { templateId: 9, variables: ['x'] });
    // Every declared field, and the write-ahead-log tags that go along without being stored.
    assert.deepEqual(Object.keys(matched).sort(), [...FIELDS.map(([name]) => name), 'walSegment'].sort());
    assert.equal(matched.walSegment, 3);
    for (const [name] of carried('LogRecord')) {
      assert.deepEqual(matched[name as keyof LogRecord], record[name as keyof LogRecord], name);
    }
    assert.equal(matched.untemplatedReason, '', 'a log with a template has no reason for none');
    const unmatched = toStoredLog({ ...record, id: undefined }, 'template_cap');
    assert.equal(unmatched.untemplatedReason, 'template_cap');
    for (const [name, field] of FIELDS) {
      if (name === 'untemplatedReason') continue;
      if (field.record === 'StoredLog' || field.optional === true) {
        assert.deepEqual(unmatched[name as keyof typeof unmatched], field.default, `${name} defaults`);
      }
    }
  });
});
