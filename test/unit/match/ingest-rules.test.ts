import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestRules } from '../../../src/match/ingest-rules.ts';
import { DROPPED_MESSAGE, keepsLine, uncurated, type Curation } from '../../../src/model/curation.ts';
import type { StoredLog } from '../../../src/model/log.ts';
import { newRowIds } from '../../../src/model/row-id.ts';
import { templateSerde } from '../../../src/transport/kafka/channel.ts';
import { AvroCodec } from '../../../src/transport/kafka/avro/codec.ts';
import { parseTemplateKey } from '../../../src/transport/kafka/template-key.ts';
import type { Template } from '../../../src/model/template.ts';

const row = (id: string, templateId = 7, org = 'acme'): StoredLog => ({
  timestamp: 0,
  org,
  dashboard: '',
  service: 'api',
  host: 'h1',
  level: 'INFO',
  message: 'Disk 3 full',
  metadata: { k: 'v' },
  id,
  templateId,
  variables: ['3'],
  untemplatedReason: '',
});
const curation = (over: Partial<Curation>): Curation => ({ ...uncurated('acme', 7), updatedAt: 1, ...over });

describe('ingest rules (sample, drop)', () => {
  it('samples by the row id: the same line always gets the same answer, and about the share asked', () => {
    const ids = newRowIds(20_000);
    const kept = ids.filter((id) => keepsLine('sample', 25, id)).length;
    assert.ok(kept > 20_000 * 0.23 && kept < 20_000 * 0.27, `kept ${kept}`);
    for (const id of ids.slice(0, 100))
      assert.equal(keepsLine('sample', 25, id), keepsLine('sample', 25, id));
    assert.equal(ids.filter((id) => keepsLine('sample', 0, id)).length, 0);
    assert.equal(ids.filter((id) => keepsLine('sample', 100, id)).length, ids.length);
  });

  it('a dropped line keeps its template, time and labels and loses its text, values and metadata', () => {
    const rules = new IngestRules();
    rules.apply(curation({ rule: 'drop' }));
    const other = row('2', 8);
    const mine = row('1');
    assert.equal(rules.stubIfDropped(other), false);
    assert.equal(rules.stubIfDropped(row('3', 7, 'beta')), false, 'another org');
    assert.equal(rules.stubIfDropped(mine), true);
    assert.deepEqual(mine, { ...row('1'), message: DROPPED_MESSAGE, variables: [], metadata: {} });
  });

  it('the newest curation wins: one arriving late changes nothing, and keep lifts the rule', () => {
    const rules = new IngestRules();
    rules.apply(curation({ rule: 'drop', updatedAt: 10 }));
    rules.apply(curation({ rule: 'keep', updatedAt: 5 }));
    assert.equal(rules.size, 1);
    rules.apply(curation({ rule: 'keep', updatedAt: 11 }));
    assert.equal(rules.size, 0);
    assert.equal(rules.stubIfDropped(row('1')), false);
  });
});

describe('curation records on the templates topic', () => {
  const serde = templateSerde(AvroCodec.load<Template>('template'));
  it('travel under <org>:<id>:curation, apart from the template, and read back whole', () => {
    const c = curation({
      name: 'Disk full',
      note: 'page ops',
      rule: 'sample',
      samplePercent: 12.5,
      mergedInto: 9,
      updatedBy: 'key:abc',
    });
    const { key, value, contentType } = serde.encode({ kind: 'curate', curation: c });
    assert.equal(key, 'acme:7:curation');
    assert.match(contentType ?? '', /template-curation/);
    assert.deepEqual(parseTemplateKey(Buffer.from(key)), { org: 'acme', id: 7, record: 'curation' });
    const decoded = serde.decode(Buffer.from(key), value);
    assert.equal(decoded.kind, 'curate');
    // (avsc reads a record into an instance of its own class: compared by its fields.)
    assert.deepEqual(decoded.kind === 'curate' ? { ...decoded.curation } : undefined, c);
  });
  it("refuse a curation under another template's key", () => {
    const { value } = serde.encode({ kind: 'curate', curation: curation({ name: 'x' }) });
    assert.throws(() => serde.decode(Buffer.from('acme:8:curation'), value), /under key acme:8/);
    assert.throws(() => parseTemplateKey(Buffer.from('acme:curation')), /is not <org>:<id>/);
  });
});
