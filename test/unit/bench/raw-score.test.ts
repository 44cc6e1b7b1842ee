import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messagePart } from '../../../bench/accuracy/raw-score.ts';

describe('--raw scoring: the message part of a template made from whole lines', () => {
  it('drops the header part, at a space or inside a token glued by punctuation', () => {
    assert.equal(
      messagePart(
        '<*> <*> <*> INFO dfs.DataNode: Received block <*> of size <*>',
        '081109 203518 143 INFO dfs.DataNode: Received block blk_1 of size 91178',
        'Received block blk_1 of size 91178',
      ),
      'Received block <*> of size <*>',
    );
    assert.equal(
      messagePart(
        '<*>|Step_LSC|<*>|onStandStepChanged <*>',
        '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
        'onStandStepChanged 3579',
      ),
      'onStandStepChanged <*>',
    );
  });

  it('leaves a template whole when a <*> spans header and message: it cannot be right', () => {
    assert.equal(
      messagePart(
        '<*> of size <*>',
        '081109 203518 Received block blk_1 of size 9',
        'Received block blk_1 of size 9',
      ),
      '<*> of size <*>',
    );
  });
});
