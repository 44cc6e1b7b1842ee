import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';

describe('line fields configuration', () => {
  it('is on for every org by default', () => {
    assert.deepEqual(loadConfig({}).lineFields, { on: true, offOrgs: [] });
  });

  it('reads LINE_FIELDS=off and a list of orgs, spaces around the commas ignored', () => {
    assert.deepEqual(loadConfig({ LINE_FIELDS: 'off' }).lineFields, { on: false, offOrgs: [] });
    assert.deepEqual(loadConfig({ LINE_FIELDS_OFF_ORGS: 'legacy, batch-import' }).lineFields, {
      on: true,
      offOrgs: ['legacy', 'batch-import'],
    });
  });

  it('refuses another value and a name that is no org, naming the variable', () => {
    assert.throws(() => loadConfig({ LINE_FIELDS: 'yes' }), { variable: 'LINE_FIELDS', message: /on, off/ });
    assert.throws(() => loadConfig({ LINE_FIELDS_OFF_ORGS: 'acme,,beta' }), {
      variable: 'LINE_FIELDS_OFF_ORGS',
    });
    assert.throws(() => loadConfig({ LINE_FIELDS_OFF_ORGS: 'acme,a/b' }), {
      variable: 'LINE_FIELDS_OFF_ORGS',
      message: /"a\/b"/,
    });
  });
});
