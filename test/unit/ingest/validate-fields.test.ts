/**
 * validateLog is written field by field (it runs per log); these check it against the field
 * declaration (model/log-fields.ts), so a field declared but not validated, or validated with
 * another rule, limit or default, fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateLog } from '../../../src/ingest/validate.ts';
import { LOG_FIELDS, type LogField } from '../../../src/model/log-fields.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const FIELDS = Object.entries(LOG_FIELDS) as Array<[string, LogField]>;
const MINIMAL = { org: 'acme', message: 'hello' };

/** The normalised log, or the field and code of its problem. */
function outcome(input: Record<string, unknown>): Record<string, unknown> {
  const result = validateLog(input, null, NOW);
  return result.ok ? { ...result.log } : { field: result.problem.field, code: result.problem.code };
}

describe('validateLog covers every declared field', () => {
  it('returns the fields of a LogRecord, without those the service sets', () => {
    const result = validateLog({ ...MINIMAL, templateId: 5, variables: ['x'], id: '7' }, null, NOW);
    assert.ok(result.ok);
    const expected = FIELDS.filter(([, f]) => f.record === 'LogRecord' && f.input !== 'not accepted');
    assert.deepEqual(Object.keys(result.log).sort(), expected.map(([name]) => name).sort());
  });

  for (const [name, field] of FIELDS.filter(([, f]) => f.input !== 'not accepted')) {
    it(`${name}: ${field.input}, of its type${field.maxLength === undefined ? '' : ', a label'}`, () => {
      const without: Record<string, unknown> = { ...MINIMAL };
      delete without[name];
      if (field.input === 'required') {
        assert.deepEqual(outcome(without), { field: name, code: 'MISSING_FIELD' });
      } else if (field.default !== undefined) {
        const filled = outcome(without)[name];
        // A null-prototype metadata object compares by its entries.
        if (typeof field.default === 'object') assert.deepEqual({ ...(filled as object) }, field.default);
        else assert.equal(filled, field.default);
      }
      assert.deepEqual(outcome({ ...MINIMAL, [name]: [] }), { field: name, code: 'INVALID_TYPE' });
      if (field.maxLength !== undefined) {
        const longest = 'x'.repeat(field.maxLength);
        assert.equal(typeof outcome({ ...MINIMAL, [name]: longest })[name], 'string');
        assert.deepEqual(outcome({ ...MINIMAL, [name]: `${longest}x` }), { field: name, code: 'TOO_LONG' });
      }
    });
  }
});
