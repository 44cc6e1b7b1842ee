import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

interface Entry {
  id: number;
  template: string | null;
  count: number;
  reasons?: Array<{ reason: string; count: number; why: string }>;
}
interface Page {
  total: number;
  next_cursor: string | null;
  templates: Entry[];
}
interface ErrorBody {
  code: string;
  field: string;
  templates?: unknown;
}

const BASE = Date.UTC(2026, 10, 4, 8, 0, 0);
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const CAP = 8;

describe(
  'GET /templates a page at a time, with the logs without a template counted',
  { timeout: 90_000 },
  () => {
    let t: TestService;
    let logs: Array<{ template_id: number; untemplated_reason: string | null }>;
    before(async () => {
      t = await startTestService({
        CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
        TEMPLATES_MAX_PER_ORG: String(CAP),
      });
      // Ten kinds of line, each of its own length so that none is a variant of another, sent 1 to
      // 4 times (equal counts: the order breaks ties by id); the org's cap leaves some kinds without
      // a template. Two lines of more tokens than a template may have.
      const sent: object[] = [];
      WORDS.forEach((_, k) => {
        for (let i = 0; i <= k % 4; i++) {
          sent.push({
            org: 'pages',
            timestamp: BASE + sent.length * 1000,
            message: `${WORDS.slice(0, k + 1).join(' ')} finished step ${i}`,
          });
        }
      });
      for (let i = 0; i < 2; i++) {
        sent.push({
          org: 'pages',
          timestamp: BASE + sent.length * 1000,
          message: `w${i} `.repeat(1100).trim(),
        });
      }
      // One kind at a time: each gets its template before the next arrives, up to the cap.
      for (const log of sent) {
        const res = await fetch(`${t.url}/logs/ingest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(log),
        });
        assert.equal(res.status, 200);
        await t.flush();
      }
      logs = ((await (await fetch(`${t.url}/logs?org=pages&limit=1000`)).json()) as { logs: typeof logs })
        .logs;
      assert.equal(logs.length, sent.length);
    });
    after(async () => t.destroy());

    const get = async <T>(query: string): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${t.url}/templates?org=pages&${query}`);
      return { status: res.status, body: (await res.json()) as T };
    };

    /** Every page of `query`, `limit` at a time, following next_cursor. */
    const walk = async (query: string, limit: number): Promise<{ pages: Page[]; entries: Entry[] }> => {
      const pages: Page[] = [];
      let cursor: string | null = null;
      do {
        const { status, body }: { status: number; body: Page } = await get<Page>(
          `${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        assert.equal(status, 200, JSON.stringify(body));
        pages.push(body);
        cursor = body.next_cursor;
        assert.ok(pages.length <= 20, 'the walk ends');
      } while (cursor !== null);
      return { pages, entries: pages.flatMap((p) => p.templates) };
    };

    for (const [what, query] of [
      ['all time', ''],
      ['within a window', `from=${BASE}&to=${BASE + 3_600_000}`],
    ] as const) {
      it(`${what}: walks every template exactly once, loudest first, and the counts add up to the stored logs`, async () => {
        const whole = (await get<Page>(`${query}&limit=1000`)).body;
        const { pages, entries } = await walk(query, 3);
        assert.equal(pages.length, Math.ceil(whole.total / 3));
        assert.ok(pages.every((p) => p.total === whole.total && p.templates.length <= 3));
        assert.deepEqual(
          entries.map((e) => e.id),
          whole.templates.map((e) => e.id),
          'the same entries in the same order as one page of all',
        );
        assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, 'none twice');
        assert.equal(entries.length, whole.total);
        for (let i = 1; i < entries.length; i++) {
          const [a, b] = [entries[i - 1]!, entries[i]!];
          assert.ok(a.count > b.count || (a.count === b.count && a.id < b.id), 'by count, then id');
        }
        assert.equal(
          entries.reduce((n, e) => n + e.count, 0),
          logs.length,
        );
      });

      it(`${what}: the id-0 entry counts the logs without a template, by reason, adding up`, async () => {
        const { entries } = await walk(query, 1000);
        const untemplated = entries.find((e) => e.id === 0);
        const without = logs.filter((log) => log.template_id === 0);
        assert.ok(untemplated !== undefined);
        assert.equal(untemplated.template, null);
        assert.equal(untemplated.count, without.length);
        const reasons = untemplated.reasons ?? [];
        assert.equal(
          reasons.reduce((n, r) => n + r.count, 0),
          untemplated.count,
        );
        // Each reason as the stored logs give it, with the words for it.
        const stored = new Map<string, number>();
        for (const log of without)
          stored.set(log.untemplated_reason ?? '', (stored.get(log.untemplated_reason ?? '') ?? 0) + 1);
        assert.deepEqual(new Map(reasons.map((r) => [r.reason, r.count])), stored);
        assert.equal(stored.get('over_token_limit'), 2);
        assert.ok((stored.get('template_cap') ?? 0) > 0, 'some kinds came after the cap');
        assert.ok(reasons.every((r) => r.why.length > 0));
        // The templates besides: at the cap.
        assert.equal(entries.filter((e) => e.id !== 0).length, CAP);
      });
    }

    it('refuses a limit out of range and a cursor it did not give, and answers nothing else', async () => {
      for (const [query, code, field] of [
        ['limit=0', 'INVALID_VALUE', 'limit'],
        ['limit=1001', 'INVALID_VALUE', 'limit'],
        ['cursor=bm90LWEtY3Vyc29y', 'INVALID_CURSOR', 'cursor'],
        ['cursor=WzEsLTFd', 'INVALID_CURSOR', 'cursor'],
      ] as const) {
        const { status, body } = await get<ErrorBody>(query);
        assert.equal(status, 400, query);
        assert.equal(body.code, code, query);
        assert.equal(body.field, field, query);
        assert.equal(body.templates, undefined, query);
      }
    });

    it('gives 100 a page by default', async () => {
      const { body } = await get<Page>('');
      assert.equal(body.next_cursor, null, 'fewer than 100: one page');
      assert.equal(body.templates.length, body.total);
    });
  },
);
