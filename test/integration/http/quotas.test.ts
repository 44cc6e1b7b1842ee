// Per-org quotas on the real service: the ingest rate limit (429), the template cap and the LLM
// call budget, with the real openai client over HTTP to a local stand-in of the protocol.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiStandIn, type StandIn } from '../../helpers/llm-stand-ins.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

const RATE = 100;
const CAP = 3;
const BUDGET = 2;

let t: TestService;
let standIn: StandIn;

before(async () => {
  standIn = await startOpenAiStandIn();
  t = await startTestService({
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    INGEST_RATE_LIMIT_LOGS_PER_SEC: String(RATE),
    INGEST_RATE_LIMIT_BURST_LOGS: String(RATE),
    INGEST_MAX_LOGS_PER_REQUEST: String(RATE),
    TEMPLATES_MAX_PER_ORG: String(CAP),
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: standIn.url,
    LLM_MAX_CALLS_PER_ORG_PER_MIN: String(BUDGET),
    LLM_BATCH_SIZE: '100',
    LLM_BATCH_TIMEOUT_SECS: '0.05',
  });
});
after(async () => {
  await t.destroy();
  await standIn.close();
});

interface StoredLog {
  message: string;
  template_id: number;
  untemplated_reason: string | null;
}

interface Quotas {
  rate_limited_requests: number;
  rate_limited_logs: number;
  template_cap_lines: number;
  llm_budget_lines: number;
  by_org: Record<string, { rate_limited_logs: number; template_cap_lines: number; llm_budget_lines: number }>;
}

async function post(logs: Array<{ org: string; message: string }>) {
  return t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify({ logs }),
    headers: { 'content-type': 'application/json' },
  });
}

async function stored(org: string): Promise<StoredLog[]> {
  await t.flush();
  const res = await t.service.app.inject({ url: `/logs?org=${org}&limit=10000` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ logs: StoredLog[] }>().logs;
}

interface Listed {
  id: number;
  template: string | null;
  count: number;
  reasons?: Array<{ reason: string; count: number }>;
}

/** The org's templates, and its entry of id 0 (the logs without one) apart. */
async function templatesOf(org: string): Promise<{ templates: string[]; untemplated: Listed | undefined }> {
  const res = await t.service.app.inject({ url: `/templates?org=${org}` });
  const listed = res.json<{ templates: Listed[] }>().templates;
  return {
    templates: listed.flatMap((x) => (x.id === 0 ? [] : [x.template ?? ''])).sort(),
    untemplated: listed.find((x) => x.id === 0),
  };
}

async function quotas(): Promise<Quotas> {
  return (await t.service.app.inject({ url: '/stats' })).json<{ quotas: Quotas }>().quotas;
}

const lines = (org: string, n: number, text: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => ({ org, message: text(i) }));

describe('per-org rate limit', () => {
  it('answers 429 with Retry-After to the org over its rate, stores nothing of that request, and lets other orgs in', async () => {
    const first = await post(lines('flood', RATE, (i) => `flood request ${i} served`));
    assert.equal(first.statusCode, 200, first.body);

    const over = await post(lines('flood', RATE, (i) => `flood request ${i} refused`));
    assert.equal(over.statusCode, 429, over.body);
    const retryAfter = Number(over.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${over.headers['retry-after']}`);
    assert.deepEqual(
      { ...over.json<Record<string, unknown>>(), message: undefined },
      {
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
        org: 'flood',
        limit: RATE,
        message: undefined,
      },
    );

    // Another org has its own allowance; a batch holding any log of the limited org is refused whole.
    const quiet = await post(lines('quiet', 10, (i) => `quiet request ${i} served`));
    assert.equal(quiet.statusCode, 200, quiet.body);
    const mixed = await post([
      ...lines('quiet', 5, (i) => `quiet mixed ${i}`),
      // Nearly a whole second's allowance (the batch at most RATE logs): refused however long
      // the requests before took (a refill of 50 came in the half second a loaded machine took).
      ...lines('flood', RATE - 5, String),
    ]);
    assert.equal(mixed.statusCode, 429, mixed.body);

    const flood = await stored('flood');
    assert.equal(flood.length, RATE);
    assert.ok(flood.every((log) => log.message.endsWith('served')));
    assert.equal((await stored('quiet')).length, 10, 'nothing of the refused mixed batch was stored');

    const counted = await quotas();
    assert.equal(counted.rate_limited_requests, 2);
    assert.equal(counted.rate_limited_logs, RATE + RATE);
    assert.equal(counted.by_org['flood']?.rate_limited_logs, RATE + RATE - 5);
    assert.equal(
      counted.by_org['quiet']?.rate_limited_logs ?? 0,
      0,
      'the org under its rate has none refused',
    );

    // After the wait the server named, the same request goes in.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    const retried = await post(lines('flood', RATE, (i) => `flood request ${i} served late`));
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal((await stored('flood')).length, 2 * RATE);
  });
});

describe('template cap per org', () => {
  it('stores lines beyond TEMPLATES_MAX_PER_ORG without a template, counts them, and leaves other orgs alone', async () => {
    const kinds = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const sent = kinds.flatMap((kind, k) =>
      lines('capped', 4, (i) => `${kind} ${'x'.repeat(k + 1)} subsystem event number ${i * 7 + k}`),
    );
    const res = await post(sent);
    assert.equal(res.statusCode, 200, res.body);
    const logs = await stored('capped');
    assert.equal(logs.length, sent.length, 'every line is stored, none dropped');
    const { templates, untemplated } = await templatesOf('capped');
    assert.equal(templates.length, CAP);

    const without = logs.filter((log) => log.template_id === 0);
    assert.ok(without.length >= 4, `at least one kind past the cap, got ${without.length} lines`);
    // Each says why it has no template, and GET /templates counts them under that reason.
    assert.ok(without.every((log) => log.untemplated_reason === 'template_cap'));
    assert.equal(untemplated?.count, without.length);
    assert.deepEqual(
      untemplated.reasons?.map((r) => [r.reason, r.count]),
      [['template_cap', without.length]],
    );
    const counted = await quotas();
    assert.equal(counted.by_org['capped']?.template_cap_lines, without.length);

    // A later line of a new kind is stored at once without asking the model.
    const asked = standIn.requests.length;
    assert.equal((await post(lines('capped', 3, (i) => `golf late arrival ${i}`))).statusCode, 200);
    const after = await stored('capped');
    assert.equal(after.filter((log) => log.message.startsWith('golf')).length, 3);
    assert.ok(after.filter((log) => log.message.startsWith('golf')).every((log) => log.template_id === 0));
    assert.equal(standIn.requests.length, asked, 'no LLM call for an org at its cap');

    // The cap is per org: another org still gets its templates.
    assert.equal((await post(lines('roomy', 3, (i) => `roomy worker ${i} ready`))).statusCode, 200);
    assert.ok((await stored('roomy')).every((log) => log.template_id > 0));
  });
});

describe('LLM calls per org per minute', () => {
  it('hands the groups past the budget to the miner without a call, and counts their lines', async () => {
    const before = standIn.requests.length;
    const sent = [
      ...lines('budget', 3, (i) => `cache warmed in ${i + 10} ms`),
      ...lines('budget', 3, (i) => `user u${i} logged out after idle timeout`),
      ...lines('budget', 4, (i) => `replica ${i} lagging behind primary by ${i * 3} segments now`),
    ];
    assert.equal((await post(sent)).statusCode, 200);
    const logs = await stored('budget');
    assert.equal(logs.length, sent.length);
    assert.equal(standIn.requests.length - before, BUDGET, 'the model was asked exactly the budget');
    assert.ok(
      logs.every((log) => log.template_id > 0),
      'lines past the budget got a template from the miner',
    );
    const counted = await quotas();
    const overBudget = counted.by_org['budget']?.llm_budget_lines ?? 0;
    assert.ok(overBudget >= 3 && overBudget <= 4, `one group's lines went to the miner: ${overBudget}`);
    assert.equal(counted.llm_budget_lines >= overBudget, true);

    // Another org's budget is its own.
    const next = standIn.requests.length;
    assert.equal((await post(lines('other-budget', 2, (i) => `job ${i} queued`))).statusCode, 200);
    await stored('other-budget');
    assert.equal(standIn.requests.length - next, 1);
  });
});
