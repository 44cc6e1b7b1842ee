import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../helpers/browser.ts';
import { postLogs, startTestService, type TestService } from '../../helpers/service.ts';

const ORG = 'acme';
const READ_KEY = 'curation-ui-read-key-0123456789';
const CURATE_KEY = 'curation-ui-curate-key-012345678';
const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 10, 2, 9, 0, 0);
const WINDOW = `range=custom&from=${new Date(BASE).toISOString()}&to=${new Date(BASE + HOUR - 1).toISOString()}`;

/**
 * Three kinds of line in one hour: 20 cache misses, 8 cache lookups that failed (the miner
 * keeps them apart; a person may call them one thing), 10 full disks.
 */
function logs(): object[] {
  const out: object[] = [];
  const at = (i: number) => BASE + i * 60_000;
  for (let i = 0; i < 20; i++)
    out.push({ org: ORG, timestamp: at(i), message: `Cache miss for key k${i % 5}` });
  for (let i = 0; i < 8; i++) {
    out.push({ org: ORG, timestamp: at(i) + 1, message: `Cache lookup failed for key k${i} in region eu` });
  }
  for (let i = 0; i < 10; i++) {
    out.push({ org: ORG, timestamp: at(i) + 2, level: 'warn', message: `Disk ${i} full` });
  }
  return out;
}

interface Listed {
  id: number;
  template: string | null;
  count: number;
  curation?: { name: string; note: string; rule: string; merged_into: number | null };
  merged?: number[];
}

/** What the page's elements offer the functions run in the browser ($$eval) (see explorer.test.ts). */
interface PageElement {
  readonly textContent: string | null;
  querySelector(selector: string): PageElement | null;
}

/** The page's errors (script errors, refused by the CSP, failed loads): there must be none. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    // The refusals the tests provoke (a seed refused 400 or 409, a key 401 or 403): the browser
    // logs each.
    if (message.type() === 'error' && !/status of 40[0139]/.test(message.text()))
      problems.push(message.text());
  });
  return problems;
}

/** The templates table as a user reads it: the name (when set), the text, the count, the badges. */
async function listRows(page: Page) {
  await page.locator('table.templates-table tbody tr').first().waitFor();
  return page.$$eval('table.templates-table tbody tr', (rows: PageElement[]) =>
    rows.map((row) => ({
      name: row.querySelector('.template-name')?.textContent ?? null,
      template: row.querySelector('.template-text')?.textContent ?? null,
      count: Number(row.querySelector('td[data-count]')?.textContent),
      rule: row.querySelector('.badge-rule')?.textContent ?? null,
      merged: row.querySelector('.badge-merged')?.textContent ?? null,
    })),
  );
}

describe('curation on the explorer page in a real browser', { timeout: 120_000 }, () => {
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
  const templates = async (key?: string) =>
    (await api<{ templates: Listed[] }>(`/templates?org=${ORG}`, key)).templates;
  const idOf = async (text: string) => {
    const found = (await templates()).find((x) => x.template === text);
    assert.ok(found, text);
    return found.id;
  };
  const openList = async (page: Page) => page.goto(`${t.url}/ui?org=${ORG}&${WINDOW}`);
  const openTemplate = async (page: Page, text: string) =>
    page.goto(`${t.url}/ui?org=${ORG}&template=${await idOf(text)}&${WINDOW}`);

  it('renames a template: the name heads its page, shows in the list, and the record says who changed what', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await openTemplate(page, 'Cache miss for key <*>');
    await page.locator('#actor').fill('Ada');
    await page.locator('#template-name').fill('Cache misses');
    await page.locator('#template-note').fill('Expected while the cache warms up');
    await page.getByRole('button', { name: 'Save name and note' }).click();
    await page.getByText('✓ Saved').waitFor();
    assert.equal(await page.locator('h1.template-name-title').textContent(), 'Cache misses');
    assert.equal(await page.locator('.template-note').textContent(), 'Expected while the cache warms up');
    // This template's record, on its page.
    const change = page.locator('.template-changes .change').first();
    await change.waitFor();
    assert.match((await change.locator('.change-who').textContent()) ?? '', /^Ada open@127\.0\.0\.1$/);
    assert.equal(await change.locator('.change-action').textContent(), 'rename · note');
    assert.equal(await change.locator('.change-field').first().textContent(), 'nameno name → Cache misses');

    await page.getByRole('link', { name: '← Templates' }).click();
    const rows = await listRows(page);
    assert.deepEqual(
      rows.find((r) => r.template === 'Cache miss for key <*>'),
      { name: 'Cache misses', template: 'Cache miss for key <*>', count: 20, rule: null, merged: null },
    );
    // The search finds it by its name.
    await page.keyboard.press('/');
    await page.keyboard.type('misses');
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('table.templates-table tbody tr').length === 1,
    );

    // The org's record, on its own page.
    await page.getByRole('link', { name: 'Changes' }).click();
    const first = page.locator('.changes .change').first();
    await first.waitFor();
    assert.match(
      (await first.textContent()) ?? '',
      /Ada.*rename · note.*Cache misses.*nameno name → Cache misses/,
    );
    // What the API recorded: the name told, beside the address.
    const { changes } = await api<{ changes: Array<{ actor: string; action: string }> }>(
      `/templates/changes?org=${ORG}`,
    );
    assert.deepEqual(changes[0], { ...changes[0], actor: 'Ada (open@127.0.0.1)', action: 'rename+note' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('log-ingest.actor')), 'Ada');

    // Compared with the hour before, it is new, and named there too.
    await page.goto(`${t.url}/ui?org=${ORG}&view=compare&${WINDOW}`);
    const compared = page.locator('table.compare-table tbody tr', { hasText: 'Cache miss for key' });
    assert.equal(await compared.locator('.template-name').textContent(), 'Cache misses');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('sets the drop rule: the page says dropped lines are still counted, the list marks it, the count stays; a percent out of bounds is refused', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await openTemplate(page, 'Disk <*> full');
    // A percent out of bounds is refused before it is sent.
    await page.getByRole('radio', { name: 'Sample' }).click();
    await page.locator('#sample-percent').fill('150');
    assert.equal(await page.getByRole('alert').textContent(), 'A percent from 0 to 100');
    assert.equal(await page.getByRole('button', { name: 'Save rule' }).isDisabled(), true);
    assert.equal((await templates()).find((x) => x.template === 'Disk <*> full')?.curation, undefined);

    await page.getByRole('radio', { name: 'Drop' }).click();
    assert.match(
      (await page.locator('.curate-form .form-help').first().textContent()) ?? '',
      /still counted/,
    );
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('✓ Saved').waitFor();
    assert.equal(await page.locator('.template-meta .badge-rule').textContent(), 'drop');

    await openList(page);
    const disk = (await listRows(page)).find((r) => r.template === 'Disk <*> full');
    assert.deepEqual(disk, { name: null, template: 'Disk <*> full', count: 10, rule: 'drop', merged: null });
    assert.equal((await templates()).find((x) => x.template === 'Disk <*> full')?.curation?.rule, 'drop');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('merges one template into another: one row with the summed count; then undoes it from the target', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await openTemplate(page, 'Cache lookup failed for key <*> in region eu');
    await page.getByRole('button', { name: 'Merge into another template…' }).click();
    await page.locator('#merge-search').fill('misses');
    const options = page.getByRole('option');
    await options.first().waitFor();
    assert.equal(await options.count(), 1, 'found by its name');
    await options.first().click();
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    const banner = page.locator('.merged-banner');
    // The target by its name, read after the banner shows (its id until then).
    await banner.locator('a.merged-target', { hasText: 'Cache misses' }).waitFor();
    assert.match(
      (await banner.locator('a.merged-target').getAttribute('href')) ?? '',
      new RegExp(`[?&]template=${await idOf('Cache miss for key <*>')}(&|$)`),
    );

    await openList(page);
    const rows = await listRows(page);
    assert.deepEqual(
      rows.map((r) => [r.template, r.count, r.merged]),
      [
        ['Cache miss for key <*>', 28, '+1 merged'],
        ['Disk <*> full', 10, null],
      ],
      '20 + 8 in one row; the merged template no longer listed',
    );

    await page.getByRole('link', { name: /Cache misses/ }).click();
    const merged = page.locator('.merged-item');
    await merged.locator('.template-text').waitFor();
    assert.match((await merged.textContent()) ?? '', /Cache lookup failed for key <\*> in region eu/);
    await merged.getByRole('button', { name: 'Undo merge' }).click();
    await merged.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Merge into another template…' }).waitFor();

    await openList(page);
    assert.deepEqual(
      (await listRows(page)).map((r) => [r.template, r.count, r.merged]),
      [
        ['Cache miss for key <*>', 20, null],
        ['Disk <*> full', 10, null],
        ['Cache lookup failed for key <*> in region eu', 8, null],
      ],
    );
    const actions = (
      await api<{ changes: Array<{ action: string }> }>(
        `/templates/changes?org=${ORG}&template_id=${await idOf('Cache lookup failed for key <*> in region eu')}`,
      )
    ).changes.map((c) => c.action);
    assert.deepEqual(actions, ['unmerge', 'merge']);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('adds a template by hand; the same text again links to the one there; one of only <*> is refused and nothing is added', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    await openList(page);
    const add = async (text: string, name = '') => {
      await page.locator('#seed-template').fill(text);
      await page.locator('#seed-name').fill(name);
      await page.getByRole('button', { name: 'Add template' }).click();
    };
    await page.getByRole('button', { name: '+ Add a template' }).click();
    await add('Order <*> shipped to <*>', 'Shipments');
    await page.locator('h1.template-name-title').waitFor();
    assert.equal(await page.locator('h1.template-name-title').textContent(), 'Shipments');
    const id = Number(new URL(page.url()).searchParams.get('template'));
    assert.equal(id, await idOf('Order <*> shipped to <*>'));

    await openList(page);
    await page.getByRole('button', { name: '+ Add a template' }).click();
    await add('Order <*> shipped to <*>');
    const error = page.locator('.add-template [role=alert]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /TEMPLATE_EXISTS.*has this template already/);
    assert.match(
      (await error.getByRole('link', { name: 'Open the existing template' }).getAttribute('href')) ?? '',
      new RegExp(`[?&]template=${id}(&|$)`),
    );

    const before = await templates();
    await add('<*> <*>');
    await page.getByText(/INVALID_TEMPLATE/).waitFor();
    assert.match((await error.textContent()) ?? '', /needs constant text/);
    assert.deepEqual(await templates(), before, 'nothing added');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('with API keys: a key that may only read gets a clear error when saving, and nothing changes', async () => {
    await t.stop();
    t = await startTestService(
      {
        CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
        INGEST_API_KEYS: `${READ_KEY}:${ORG}:read;${CURATE_KEY}:${ORG}:read+curate`,
      },
      t.dataDir,
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    const id = (await templates(READ_KEY)).find((x) => x.template === 'Disk <*> full')!.id;
    await page.goto(`${t.url}/ui?org=${ORG}&template=${id}&${WINDOW}`);
    await page.locator('#api-key').fill(READ_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('#template-name').fill('Disks full');
    await page.getByRole('button', { name: 'Save name and note' }).click();
    const error = page.locator('.curate-form [role=alert]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /FORBIDDEN the API key lacks the curate scope/);
    assert.match((await error.textContent()) ?? '', /key with the curate scope/);
    assert.equal(await page.locator('.key-panel').count(), 0, 'the page stays: the key may still read');
    const before = await templates(READ_KEY);
    assert.equal(before.find((x) => x.id === id)?.curation?.name, '', 'not renamed');

    // With a key that may curate, the same change is saved.
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.locator('#api-key').fill(CURATE_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('#template-name').fill('Disks full');
    await page.getByRole('button', { name: 'Save name and note' }).click();
    await page.getByText('✓ Saved').waitFor();
    assert.equal((await templates(READ_KEY)).find((x) => x.id === id)?.curation?.name, 'Disks full');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
