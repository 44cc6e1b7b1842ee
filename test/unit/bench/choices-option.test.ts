import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChoices } from '../../../bench/accuracy/choices-option.ts';
import { generatorFactory, UsageError } from '../../../bench/accuracy/generators.ts';
import { parsedLines, replay } from '../../../bench/accuracy/replay.ts';

describe('--choices', () => {
  it('reads thresholds, counts and rules by the type of their default', () => {
    assert.deepEqual(parseChoices('similarity=0.8, sizeCollapse=true,siblingValues=0'), {
      similarity: 0.8,
      sizeCollapse: true,
      siblingValues: 0,
    });
  });

  for (const [text, error] of [
    ['similarity=1.5', /similarity is a share from 0 to 1, got "1.5"/],
    ['similarity=', /similarity is a share from 0 to 1/],
    ['prefixTokens=2.5', /prefixTokens is a whole number/],
    ['repeatRun=-1', /repeatRun is a whole number/],
    ['keyCredit=yes', /keyCredit is true or false, got "yes"/],
    ['depth=3', /"depth=3" is not key=value with a key of similarity, prefixTokens/],
    ['similarity', /"similarity" is not key=value/],
    ['similarity=0.8=0.9', /is not key=value/],
    ['similarity=0.8,similarity=0.9', /similarity given twice/],
    ['toString=1', /"toString=1" is not key=value/],
    [`similarity=0.${'8'.repeat(1_000)}`, /longer than 1000 characters/],
  ] as const) {
    it(`refuses ${text.slice(0, 40)}`, () => {
      assert.throws(
        () => parseChoices(text),
        (e: unknown) => e instanceof UsageError && error.test(e.message),
      );
    });
  }

  it('runs the built-in miner of the plain run with the choices given', async () => {
    // Two users' logins: alike on 3 tokens of 4 (0.75), one event at the default similarity
    // (0.7), two at 0.8.
    const messages = ['session opened for root', 'session opened for bob', 'session opened for root'];
    const templates = async (choices?: { similarity: number }) => {
      const bench = await generatorFactory('builtin')({
        dataset: 'test',
        lines: [],
        ...(choices === undefined ? {} : { choices }),
      });
      const run = await replay(messages, bench.generator, { chunk: 1, org: 'test' });
      return new Set(parsedLines(messages, run).map((line) => line.template));
    };
    assert.deepEqual([...(await templates())], ['session opened for <*>']);
    assert.deepEqual([...(await templates({ similarity: 0.8 }))].sort(), [
      'session opened for bob',
      'session opened for root',
    ]);
  });
});
