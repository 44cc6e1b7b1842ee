import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.ts';
import { postLogs, startTestService, type TestService } from '../../helpers/service.ts';

const ORG = 'acme';
const MARKUP_ORG = 'markup';
const KEY = 'explorer-test-key-0123456789';
const OTHER_ORG_KEY = 'explorer-test-beta-key-012345';
const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 10, 2, 9, 0, 0);
/** The baseline hour and the target hour the page compares. */
const A = { from: BASE, to: BASE + HOUR - 1 };
const B = { from: BASE + HOUR, to: BASE + 2 * HOUR - 1 };
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Four kinds of line over two hours: "Disk N full" as often in both (unchanged), "User uN
 * logged in" only in the first (gone), "Cache miss for key kN" ten times as often in the
 * second (changed), "Payment N declined for card X" only in the second (new).
 */
function logs(): object[] {
  const out: object[] = [];
  const at = (w: { from: number }, i: number) => w.from + i * 60_000;
  for (let i = 0; i < 10; i++) {
    out.push({ org: ORG, timestamp: at(A, i), level: 'warn', message: `Disk ${i} full` });
    out.push({ org: ORG, timestamp: at(B, i), level: 'warn', message: `Disk ${i} full` });
    out.push({ org: ORG, timestamp: at(A, i) + 1, message: `User u${i} logged in` });
  }
  for (let i = 0; i < 4; i++)
    out.push({ org: ORG, timestamp: at(A, i) + 2, message: `Cache miss for key k${i}` });
  for (let i = 0; i < 40; i++) {
    out.push({ org: ORG, timestamp: at(B, i) + 2, message: `Cache miss for key k${i % 8}` });
  }
  for (let i = 0; i < 6; i++) {
    out.push({
      org: ORG,
      timestamp: at(B, i) + 3,
      level: 'error',
      message: `Payment ${1000 + i} declined for card ${i % 3 === 0 ? 'visa' : 'amex'}`,
    });
  }
  // Markup in lines, in an org of its own: shown as text, never run.
  for (let i = 0; i < 3; i++) {
    out.push({
      org: MARKUP_ORG,
      timestamp: at(B, i),
      message: `<img src=x onerror=alert(${i})> from <b>host${i}</b>`,
    });
  }
  return out;
}

/**
 * What the page's elements offer the functions run in the browser ($$eval): the DOM's types
 * are not in this project's compile (the service runs in Node), so the few members used here.
 */
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number };
}

/** Waits until `selector` matches `count` elements. */
async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(
    ([s, n]) =>
      (globalThis as unknown as { document: PageElement }).document.querySelectorAll(s).length === n,
    [selector, count] as const,
  );
}

interface Volume {
  id: number;
  template: string | null;
  count: number;
}

/** The page's errors (script errors, refused by the CSP, failed loads): there must be none. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    // The API's refusals of a key are what the key test provokes; the browser logs each.
    if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) problems.push(message.text());
  });
  return problems;
}

/** Each row of the templates table as a user reads it. */
async function templateRows(page: Page) {
  await page.locator('table.templates-table tbody tr').first().waitFor();
  return page.$$eval('table.templates-table tbody tr', (rows: PageElement[]) =>
    rows.map((row) => ({
      template: row.querySelector('.template-text')?.textContent ?? null,
      count: Number(row.querySelector('td[data-count]')?.getAttribute('data-count')),
      shownCount: row.querySelector('td[data-count]')?.textContent ?? '',
      isNew: row.querySelector('.badge-new') !== null,
      sparkline: row.querySelector('svg.sparkline path') !== null,
    })),
  );
}

describe('the explorer page in a real browser', { timeout: 120_000 }, () => {
  let t: TestService;
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
    const res = await postLogs(t.url, logs());
    assert.equal(res.status, 200, await res.text());
    await t.flush();
  });
  after(async () => {
    await browser?.close();
    await t?.destroy();
  });

  const api = async <T>(path: string, key?: string): Promise<T> => {
    const res = await fetch(
      `${t.url}${path}`,
      key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } },
    );
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };

  it('lists the org’s templates with the API’s counts and sparklines, marks the new one, and searches', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await page.goto(`${t.url}/ui?org=${ORG}&range=custom&from=${iso(B.from)}&to=${iso(B.to)}`);
    const rows = await templateRows(page);
    const expected = await api<{ templates: Volume[] }>(`/templates?org=${ORG}&from=${B.from}&to=${B.to}`);
    assert.deepEqual(
      rows.map((r) => [r.template, r.count]),
      expected.templates.map((v) => [v.template, v.count]),
      'the same templates and counts, loudest first',
    );
    assert.deepEqual(
      rows.map((r) => r.template),
      ['Cache miss for key <*>', 'Disk <*> full', 'Payment <*> declined for card <*>'],
    );
    assert.deepEqual(
      rows.map((r) => r.shownCount),
      ['40', '10', '6'],
    );
    assert.ok(rows.every((r) => r.sparkline));
    assert.deepEqual(
      rows.filter((r) => r.isNew).map((r) => r.template),
      ['Payment <*> declined for card <*>'],
      'first seen inside the window: only Payment (the others were seen the hour before)',
    );

    await page.keyboard.press('/');
    await page.keyboard.type('payment');
    await waitForCount(page, 'table.templates-table tbody tr', 1);
    assert.match(page.url(), /[?&]q=payment/, 'the search is in the URL');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('opens a template: its lines with the variables highlighted, and the values each variable took', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await page.goto(`${t.url}/ui?org=${ORG}&range=custom&from=${iso(B.from)}&to=${iso(B.to)}`);
    // Each template is a link; the keyboard opens it too: j j j to the third row, Enter.
    const link = page.getByRole('link', { name: /Payment/ });
    assert.match((await link.getAttribute('href')) ?? '', /[?&]template=\d+/);
    for (const key of ['j', 'j', 'j', 'Enter']) await page.keyboard.press(key);
    await page.locator('table.lines tbody tr').first().waitFor();
    const id = Number(new URL(page.url()).searchParams.get('template'));
    const detail = await api<{
      examples: Array<{ message: string; variables: string[] }>;
      variables: Array<{ top: Array<{ value: string; count: number }>; distinct: number }>;
    }>(`/templates/${id}?org=${ORG}&from=${B.from}&to=${B.to}`);

    const lines = await page.$$eval('table.lines tbody tr .line', (cells: PageElement[]) =>
      cells.map((cell) => ({
        text: cell.textContent,
        marks: [...cell.querySelectorAll('mark')].map((m) => m.textContent),
      })),
    );
    assert.deepEqual(
      lines,
      detail.examples.map((e) => ({ text: e.message, marks: e.variables })),
    );
    assert.equal(lines.length, 5);
    assert.deepEqual(lines[0]?.marks, ['1005', 'amex'], 'the latest line first, its two values marked');

    const cards = await page.$$eval('.variable', (articles: PageElement[]) =>
      articles.map((article) => ({
        distinct: article.querySelector('.variable-distinct .num')?.textContent,
        top: [...article.querySelectorAll('table.values tbody tr:not(.values-rest)')].map((row) => [
          row.querySelector('.value')?.getAttribute('title'),
          Number(row.querySelector('.num')?.textContent),
        ]),
      })),
    );
    assert.deepEqual(
      cards,
      detail.variables.map((v) => ({
        distinct: String(v.distinct),
        top: v.top.map((x) => [x.value, x.count]),
      })),
    );
    assert.deepEqual(cards[1]?.top, [
      ['amex', 4],
      ['visa', 2],
    ]);
    assert.equal(await page.locator('svg.chart-svg rect.chart-bar').count(), 60, 'an hour by the minute');

    // More lines on request, from GET /logs: all six of the window, then nothing more to ask.
    await page.getByRole('button', { name: 'Show the latest 50' }).click();
    await waitForCount(page, 'table.lines tbody tr', 6);
    assert.equal(await page.getByRole('button', { name: /Show/ }).count(), 0);

    await page.keyboard.press('Escape');
    await page.locator('table.templates-table').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('template'), null, 'Esc goes back to the list');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('compares two windows: the new, gone and changed templates with the API’s counts, filtered by status', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await page.goto(
      `${t.url}/ui?org=${ORG}&view=compare&range=custom&from=${iso(B.from)}&to=${iso(B.to)}` +
        `&baseline=custom&baseline_from=${iso(A.from)}&baseline_to=${iso(A.to)}`,
    );
    await page.locator('table.compare-table tbody tr').first().waitFor();
    const read = () =>
      page.$$eval('table.compare-table tbody tr', (rows: PageElement[]) =>
        rows.map((row) => [
          row.querySelector('.status')?.textContent,
          row.querySelector('.template-text')?.textContent,
          ...[...row.querySelectorAll('td[data-count]')].map((td) => Number(td.getAttribute('data-count'))),
        ]),
      );
    const expected = await api<{
      templates: Array<{ status: string; template: string; baseline_count: number; count: number }>;
    }>(`/templates/compare?org=${ORG}&baseline_from=${A.from}&baseline_to=${A.to}&from=${B.from}&to=${B.to}`);
    assert.deepEqual(
      await read(),
      expected.templates.map((c) => [c.status, c.template, c.baseline_count, c.count]),
    );
    assert.deepEqual((await read()).map((r) => [r[0], r[1]]).sort(), [
      ['changed', 'Cache miss for key <*>'],
      ['gone', 'User <*> logged in'],
      ['new', 'Payment <*> declined for card <*>'],
    ]);
    await page.getByRole('button', { name: /^gone/ }).click();
    await waitForCount(page, 'table.compare-table tbody tr', 1);
    assert.deepEqual(await read(), [['gone', 'User <*> logged in', 10, 0]]);
    assert.match((await page.locator('.unchanged').textContent()) ?? '', /^1 unchanged/, 'Disk: 10 and 10');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('shows the text of templates and lines as text: markup in a log line is neither rendered nor run', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    const { templates } = await api<{ templates: Volume[] }>(`/templates?org=${MARKUP_ORG}`);
    assert.equal(templates.length, 1);
    await page.goto(
      `${t.url}/ui?org=${MARKUP_ORG}&template=${templates[0]!.id}&range=custom&from=${iso(B.from)}&to=${iso(B.to)}`,
    );
    await page.locator('table.lines tbody tr').first().waitFor();
    const lines = await page.$$eval('table.lines .line', (cells: PageElement[]) =>
      cells.map((c) => c.textContent),
    );
    assert.deepEqual(
      lines,
      [2, 1, 0].map((i) => `<img src=x onerror=alert(${i})> from <b>host${i}</b>`),
    );
    assert.equal(await page.locator('main img, main b').count(), 0, 'no element made of the text');
    assert.equal(dialogs, 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('with API keys: asks for one, says when it is refused or cannot read the org, and shows the org with the right one', async () => {
    await t.stop();
    t = await startTestService(
      {
        CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
        INGEST_API_KEYS: `${KEY}:${ORG}:read;${OTHER_ORG_KEY}:beta:read`,
      },
      t.dataDir,
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    const url = `${t.url}/ui?org=${ORG}&range=custom&from=${iso(B.from)}&to=${iso(B.to)}`;
    await page.goto(url);
    const panel = page.locator('.key-panel');
    await panel.waitFor();
    assert.equal(await panel.locator('h2').textContent(), 'This service needs an API key');

    const useKey = async (key: string) => {
      await page.locator('#api-key').fill(key);
      await page.getByRole('button', { name: 'Use key' }).click();
    };
    await useKey('not-a-key-of-this-service');
    await page.getByText('The service did not accept this key').waitFor();
    assert.match((await panel.locator('[role=alert]').textContent()) ?? '', /unknown API key/);

    await useKey(OTHER_ORG_KEY);
    await page.getByText(`This key cannot read org “${ORG}”`).waitFor();
    assert.match((await panel.locator('[role=alert]').textContent()) ?? '', /does not hold org "acme"/);

    await useKey(KEY);
    const rows = await templateRows(page);
    const expected = await api<{ templates: Volume[] }>(
      `/templates?org=${ORG}&from=${B.from}&to=${B.to}`,
      KEY,
    );
    assert.deepEqual(
      rows.map((r) => [r.template, r.count]),
      expected.templates.map((v) => [v.template, v.count]),
    );
    assert.equal(page.url(), url, 'the key is never in the URL');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('log-ingest.api-key')), KEY);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nor kept beyond the tab');

    // A reload in the same tab keeps it; a new tab (another session) asks again.
    await page.reload();
    await templateRows(page);
    const other = await (await browser.newContext()).newPage();
    await other.goto(url);
    await other.locator('.key-panel').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
    await other.context().close();
  });
});
