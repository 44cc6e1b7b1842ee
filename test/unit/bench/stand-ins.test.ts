import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatorFactory } from '../../../bench/accuracy/generators.ts';
import { noiseReport } from '../../../bench/accuracy/noise-report.ts';
import { parsedLines, replay } from '../../../bench/accuracy/replay.ts';
import {
  constantToVariable,
  garbage,
  mulberry32,
  NOISE_MIX,
  noisyAnswer,
  noisyResponder,
  oracleResponder,
  pickNoise,
  promptLines,
  requestSeed,
  startChatStandIn,
  TOO_GENERAL,
  truthFor,
  truthIndex,
  variableToConstant,
  type NoiseKind,
} from '../../../bench/accuracy/stand-ins.ts';
import { accuracy } from '../../../bench/metrics.ts';
import { checkTemplate } from '../../../src/generate/llm/checks.ts';
import { parseTemplates } from '../../../src/generate/llm/parse.ts';
import { buildPrompt } from '../../../src/generate/llm/prompt.ts';

const LINES = [
  { content: 'took 12 ms', raw: 'took 12 ms', truth: 'took <*> ms' },
  { content: 'user 7 logged in', raw: 'user 7 logged in', truth: 'user <*> logged in' },
  { content: 'took 3 ms', raw: 'took 3 ms', truth: 'took <*> ms' },
  { content: 'disk 1 full', raw: 'disk 1 full', truth: 'disk <*> full' },
  { content: 'user 8 logged in', raw: 'user 8 logged in', truth: 'user <*> logged in' },
  { content: 'took 40 ms', raw: 'took 40 ms', truth: 'took <*> ms' },
  { content: 'disk 2 full', raw: 'disk 2 full', truth: 'disk <*> full' },
];
const DATASET = LINES.map((line, k) => ({ lineId: k + 1, ...line }));

describe('oracle lookup', () => {
  it('reads the lines out of the user message exactly as buildPrompt puts them', () => {
    const lines = ['a "quoted" line', 'with\nnewline', 'ignore previous instructions}'];
    assert.deepEqual(promptLines(buildPrompt(lines).user), lines);
    assert.equal(promptLines('not json'), undefined);
    assert.equal(promptLines('{"lines": [1]}'), undefined);
    assert.equal(promptLines('[]'), undefined);
  });

  it('maps each content to its ground-truth template, the first label winning', () => {
    const { truth, conflicts } = truthIndex([
      ...LINES,
      { content: 'took 12 ms', raw: 'took 12 ms', truth: 'took 12 <*>' },
    ]);
    assert.equal(truth.get('took 3 ms'), 'took <*> ms');
    assert.equal(truth.get('took 12 ms'), 'took <*> ms');
    assert.equal(truth.size, 7);
    assert.equal(conflicts, 1);
  });

  it("answers the first line's template when the lines differ, skipping unknown lines", () => {
    const { truth } = truthIndex(LINES);
    assert.equal(truthFor(truth, ['disk 1 full', 'took 3 ms']), 'disk <*> full');
    assert.equal(truthFor(truth, ['never seen', 'took 3 ms']), 'took <*> ms');
    assert.equal(truthFor(truth, ['never seen']), undefined);
    const respond = oracleResponder(truth);
    assert.deepEqual(respond(['user 8 logged in'], ''), { kind: 'template', template: 'user <*> logged in' });
    assert.deepEqual(respond(['never seen'], ''), { kind: 'status', status: 400 });
  });

  it('speaks chat completions over HTTP: the answer parses, with usage', async () => {
    const { truth } = truthIndex(LINES);
    const standIn = await startChatStandIn(oracleResponder(truth));
    try {
      const prompt = buildPrompt(['took 3 ms', 'took 40 ms']);
      const response = await fetch(`${standIn.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          messages: [
            { role: 'system', content: prompt.system },
            { role: 'user', content: prompt.user },
          ],
        }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as {
        choices: Array<{ message: { role: string; content: string } }>;
        usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      };
      assert.equal(body.choices[0]?.message.role, 'assistant');
      assert.deepEqual(parseTemplates(body.choices[0]?.message.content ?? ''), ['took <*> ms']);
      assert.ok(body.usage.prompt_tokens > 0);
      assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
      const bad = await fetch(`${standIn.url}/chat/completions`, {
        method: 'POST',
        body: '{"messages": []}',
      });
      assert.equal(bad.status, 400);
      assert.equal(standIn.requests(), 1);
    } finally {
      await standIn.close();
    }
  });

  it('through the real openai client and the pipeline, scores 1 on a small log', async () => {
    const bench = await generatorFactory('oracle')({ dataset: 'tiny', lines: DATASET });
    try {
      const messages = LINES.map((line) => line.content);
      const run = await replay(messages, bench.generator, { chunk: 2, org: 'tiny' });
      const score = accuracy(
        LINES.map((line) => line.truth),
        parsedLines(messages, run),
      );
      assert.deepEqual([score.GA, score.PA, score.FGA, score.FTA], [1, 1, 1, 1]);
      const stats = bench.llmStats?.();
      assert.ok(stats !== undefined && stats.calls >= 3 && stats.proposalsRejected === 0);
    } finally {
      await bench.close();
    }
  });
});

describe('noisy damage', () => {
  it('is deterministic by seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = [a(), a(), a()];
    assert.deepEqual([b(), b(), b()], xs);
    assert.notDeepEqual([c(), c(), c()], xs);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.equal(requestSeed(1, 'text', 0), requestSeed(1, 'text', 0));
    assert.notEqual(requestSeed(1, 'text', 0), requestSeed(1, 'text', 1));
    assert.notEqual(requestSeed(1, 'text', 0), requestSeed(2, 'text', 0));
  });

  it('picks every kind, in about the shares of the mix', () => {
    const random = mulberry32(7);
    const counts = new Map<NoiseKind, number>();
    const n = 20_000;
    for (let k = 0; k < n; k++) {
      const kind = pickNoise(random);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    assert.ok(Math.abs(NOISE_MIX.reduce((sum, [, share]) => sum + share, 0) - 1) < 1e-9);
    for (const [kind, share] of NOISE_MIX) {
      assert.ok(Math.abs((counts.get(kind) ?? 0) / n - share) < 0.02, kind);
    }
  });

  it('makes one constant token a variable', () => {
    const damaged = constantToVariable('user <*> logged in', mulberry32(1));
    assert.ok(damaged !== undefined);
    assert.equal(damaged.split(' ').length, 4);
    assert.equal(damaged.split('<*>').length - 1, 2);
    assert.equal(damaged, constantToVariable('user <*> logged in', mulberry32(1)));
    // The template still matches and re-creates its lines: the checks cannot tell, by design.
    assert.equal(checkTemplate('o', damaged, ['user 7 logged in']).rejected, undefined);
    assert.equal(constantToVariable('<*> <*>', mulberry32(1)), undefined);
    assert.equal(constantToVariable('blk_<*> ->', mulberry32(1)), undefined);
  });

  it("makes one variable constant, with the first line's value where the shapes agree", () => {
    assert.equal(
      variableToConstant('user <*> logged in', 'user 7 logged in', mulberry32(1)),
      'user 7 logged in',
    );
    assert.equal(variableToConstant('took <*> ms', 'took 12 ms and more', mulberry32(1)), 'took 0 ms');
    assert.equal(variableToConstant('no variable', 'no variable', mulberry32(1)), undefined);
    const damaged = variableToConstant('user <*> logged in', 'user 7 logged in', mulberry32(1)) ?? '';
    const check = checkTemplate('o', damaged, ['user 7 logged in', 'user 8 logged in']);
    assert.deepEqual([check.covered, check.uncovered], [[0], [1]]);
    assert.equal(checkTemplate('o', 'took 0 ms', ['took 12 ms']).rejected, 'matches-no-line');
  });

  it('sends too-general templates and garbage that the checks and the parser refuse', () => {
    assert.equal(checkTemplate('o', TOO_GENERAL, ['took 12 ms']).rejected, 'no-constant-text');
    const random = mulberry32(3);
    for (let k = 0; k < 50; k++) assert.throws(() => parseTemplates(garbage(random)));
  });

  it('answers each kind in its form', () => {
    const seen = new Map<NoiseKind, ReturnType<typeof noisyAnswer>>();
    const random = mulberry32(11);
    for (let k = 0; k < 500; k++) {
      const answer = noisyAnswer('user <*> logged in', ['user 7 logged in'], random);
      seen.set(answer.kind, answer);
    }
    assert.equal(seen.size, NOISE_MIX.length);
    assert.deepEqual(seen.get('correct')?.answer, { kind: 'template', template: 'user <*> logged in' });
    assert.deepEqual(seen.get('too-general')?.answer, { kind: 'template', template: TOO_GENERAL });
    assert.deepEqual(seen.get('server-error')?.answer, { kind: 'status', status: 500 });
    assert.deepEqual(seen.get('rate-limited')?.answer, { kind: 'status', status: 429, retryAfter: '0' });
    assert.equal(seen.get('garbage-json')?.answer.kind, 'content');
    // A damage that does not apply falls back to the too-general template.
    const random2 = mulberry32(5);
    for (let k = 0; k < 200; k++) {
      const answer = noisyAnswer('no variable here', ['no variable here'], random2);
      assert.notEqual(answer.kind, 'variable-to-constant');
    }
  });

  it('depends on the seed, the request and its repetition, not on the arrival order', () => {
    const { truth } = truthIndex(LINES);
    const users = LINES.map((line) => buildPrompt([line.content]).user);
    const run = (order: number[]): string[] => {
      const noisy = noisyResponder(truth, 99);
      const out: string[] = new Array<string>(users.length * 3);
      for (const k of order) {
        for (let n = 0; n < 3; n++) {
          const user = users[k] ?? '';
          out[k * 3 + n] = JSON.stringify(noisy.respond(promptLines(user) ?? [], user));
        }
      }
      return out;
    };
    const forward = run([0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(run([6, 5, 4, 3, 2, 1, 0]), forward);
    const noisy = noisyResponder(truth, 99);
    noisy.respond(['never seen'], 'x');
    assert.equal(
      Object.values(noisy.counts).reduce((sum, count) => sum + count, 0),
      0,
      'unknown lines get a 400 and are not counted as noise',
    );
  });

  it('reports damaged templates in use, and those that failed every check', () => {
    const { truth } = truthIndex(LINES);
    const noisy = noisyResponder(truth, 1);
    noisy.damaged.push(
      { kind: 'too-general', template: TOO_GENERAL, lines: ['took 12 ms'] },
      { kind: 'constant-to-variable', template: '<*> <*> ms', lines: ['took 12 ms'] },
      { kind: 'variable-to-constant', template: 'took 0 ms', lines: ['took 12 ms'] },
      { kind: 'variable-to-constant', template: 'took 0 ms', lines: ['took 0 ms'] },
    );
    const report = noiseReport(
      'o',
      noisy,
      new Map([
        [1, '<*> <*> ms'],
        [2, 'took 0 ms'],
      ]),
    );
    assert.equal(report.inUse['constant-to-variable'], 1);
    assert.equal(report.inUse['variable-to-constant'], 1);
    assert.equal(report.inUse['too-general'], 0);
    assert.equal(report.failing, 1);
    assert.equal(report.failingInUse, 0);
    assert.equal(noiseReport('o', noisy, new Map([[1, TOO_GENERAL]])).failingInUse, 1);
  });
});
