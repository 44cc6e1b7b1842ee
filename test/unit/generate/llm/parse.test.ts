import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LlmError } from '../../../../src/generate/llm/errors.ts';
import { parseTemplates } from '../../../../src/generate/llm/parse.ts';

function malformed(answer: string): void {
  assert.throws(
    () => parseTemplates(answer),
    (error: unknown) => error instanceof LlmError && error.code === 'LLM_MALFORMED_OUTPUT' && error.retryable,
  );
}

describe('parseTemplates', () => {
  it('reads {"template": ...}', () => {
    assert.deepEqual(parseTemplates('{"template": "took <*> ms"}'), ['took <*> ms']);
  });

  it('reads {"templates": [...]} of strings and of objects', () => {
    assert.deepEqual(parseTemplates('{"templates": ["a <*>", {"template": "b <*>"}]}'), ['a <*>', 'b <*>']);
  });

  it('reads a bare JSON string', () => {
    assert.deepEqual(parseTemplates('"took <*> ms"'), ['took <*> ms']);
  });

  it('strips code fences and prose around the JSON', () => {
    const answer = 'Here is the template:\n```json\n{"template": "took <*> ms"}\n```\nHope it helps.';
    assert.deepEqual(parseTemplates(answer), ['took <*> ms']);
    assert.deepEqual(parseTemplates('Sure! {"template": "a } b <*>"} and more {"x": 1}'), ['a } b <*>']);
  });

  it('treats everything else as malformed', () => {
    malformed('');
    malformed('I cannot help with that.');
    malformed('took <*> ms');
    malformed('{"template": 42}');
    malformed('{"template": "   "}');
    malformed('{"answer": "took <*> ms"}');
    malformed('{"templates": []}');
    malformed('{"templates": ["ok <*>", 7]}');
    malformed('{"template": "unterminated');
    malformed('["took <*> ms"]');
  });
});
