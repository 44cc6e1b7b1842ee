import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField, predictionsCsv } from '../../../bench/accuracy/predictions.ts';
import { parseCsvRecords } from '../../../bench/csv.ts';

describe('predictions CSV', () => {
  it('quotes a field only when it holds a comma, a quote or a line break', () => {
    assert.equal(csvField('Received block <*> of size <*>'), 'Received block <*> of size <*>');
    assert.equal(csvField('signal handlers for [TERM, HUP, INT]'), '"signal handlers for [TERM, HUP, INT]"');
    assert.equal(csvField('tag="View Lock"'), '"tag=""View Lock"""');
    assert.equal(csvField('a\nb'), '"a\nb"');
  });

  it('reads back with an RFC 4180 reader to the same templates', () => {
    const rows = [
      { lineId: 1, template: 'plain <*>' },
      { lineId: 2, template: 'with, comma and "quotes"' },
      { lineId: 3, template: ' leading space' },
    ];
    const text = predictionsCsv(rows);
    assert.ok(text.startsWith('LineId,EventTemplate\n'));
    assert.deepEqual(
      parseCsvRecords(text),
      rows.map((row) => ({ LineId: String(row.lineId), EventTemplate: row.template })),
    );
  });
});
