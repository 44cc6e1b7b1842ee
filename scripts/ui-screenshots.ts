/**
 * `npm run docs:screenshots`: the explorer page's screenshots in docs/screenshots/, of a real
 * service holding real logs: three systems of LogHub-2k (OpenSSH, Apache, HDFS; read from
 * ../shared/loghub-2k or LOGHUB_DIR, not copied into the project) spread over the last two
 * days, so that the last 24 hours differ from the 24 before: Apache's errors burst in the last
 * six hours, HDFS starts sending 20 hours ago, and the templates of OpenSSH's early lines stop.
 * Then curated as people would through the API: sshd's failed passwords named, noted and
 * sampled, the unknown users' password checks dropped, and OpenSSH's second line about each
 * invalid user merged into its first. Light theme at 1280x800 (the template page taller, to
 * show its record of changes), and the list once more in dark. Needs Debian's chromium.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsvRecords } from '../bench/csv.ts';
import { LOGHUB_DIR } from '../bench/loghub.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { postLogs, startTestService } from '../test/helpers/service.ts';

const ORG = 'acme';
const HOUR = 3_600_000;
const OUT = path.resolve(import.meta.dirname, '../docs/screenshots');

interface System {
  name: string;
  service: string;
  host: string;
  /** Where each line falls, from its position in the file (0..1) to hours before now. */
  hoursAgo: (position: number) => number;
}

const SYSTEMS: System[] = [
  { name: 'OpenSSH', service: 'sshd', host: 'LabSZ', hoursAgo: (p) => 48 * (1 - p) },
  {
    name: 'Apache',
    service: 'httpd',
    host: 'web-1',
    // The first half over two days, the second half in the last six hours: a burst.
    hoursAgo: (p) => (p < 0.5 ? 48 * (1 - 2 * p) : 6 * (1 - (p - 0.5) * 2)),
  },
  { name: 'HDFS', service: 'datanode', host: 'dn-3', hoursAgo: (p) => 20 * (1 - p) },
];

/** A level from the file's own column where it has one, else from the words of the line. */
function levelOf(record: Record<string, string>): string {
  const level = record['Level'];
  if (level !== undefined && level !== '') return level.toUpperCase();
  const content = record['Content'] ?? '';
  if (/error|BREAK-IN/i.test(content)) return 'ERROR';
  if (/fail|invalid|refused/i.test(content)) return 'WARN';
  return 'INFO';
}

function logsOf(system: System, now: number): object[] {
  const file = path.join(LOGHUB_DIR, system.name, `${system.name}_2k.log_structured.csv`);
  const records = parseCsvRecords(readFileSync(file, 'utf8'));
  return records.map((record, i) => ({
    org: ORG,
    // A few seconds apart within a step, so equal positions do not stack on one millisecond.
    timestamp: Math.round(now - system.hoursAgo(i / records.length) * HOUR - (i % 60) * 1000),
    service: system.service,
    host: system.host,
    level: levelOf(record),
    message: record['Content'] ?? '',
  }));
}

/** A change through the API, as a person named `actor` makes it on the page. */
async function patch(url: string, id: number, actor: string, body: object): Promise<void> {
  const res = await fetch(`${url}/templates/${id}?org=${ORG}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-actor': actor },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`PATCH /templates/${id}: ${res.status} ${await res.text()}`);
}

/**
 * The curation the screenshots show: the template page's template named, noted and sampled in
 * three changes (its record), a drop rule and a merge for the list's badges (each only where
 * the miner made those templates).
 */
async function curate(
  url: string,
  templates: ReadonlyArray<{ id: number; template: string | null }>,
  shown: number,
) {
  const find = (pattern: RegExp) => templates.find((t) => t.template !== null && pattern.test(t.template));
  await patch(url, shown, 'Ada', {
    name: 'Password guessing',
    note: 'Bots trying root from a few addresses. Page security if a new user or address shows up.',
  });
  await patch(url, shown, 'Grace', { rule: 'sample', sample_percent: 10 });
  await patch(url, shown, 'Ada', {
    note: 'Bots trying root from a few addresses: counted in full, 10% of the lines kept. Page security if a new user or address shows up.',
  });
  const unknown = find(/check pass; user unknown/);
  if (unknown !== undefined)
    await patch(url, unknown.id, 'Grace', { name: 'Unknown user checks', rule: 'drop' });
  // sshd logs each invalid user twice: "Invalid user x from a" and "input_userauth_request: invalid user x".
  const invalid = find(/^Invalid user <\*> from <\*>$/);
  const request = find(/^input_userauth_request: invalid user <\*>/);
  if (invalid !== undefined && request !== undefined) {
    await patch(url, invalid.id, 'Ada', { name: 'Invalid users' });
    await patch(url, request.id, 'Ada', { merged_into: invalid.id });
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const now = Date.now();
  const service = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
  const browser = await launchBrowser();
  try {
    const logs = SYSTEMS.flatMap((s) => logsOf(s, now));
    for (let i = 0; i < logs.length; i += 1000) {
      const res = await postLogs(service.url, logs.slice(i, i + 1000));
      if (!res.ok) throw new Error(`ingest: ${res.status} ${await res.text()}`);
    }
    await service.flush();
    console.log(`${logs.length} logs of ${SYSTEMS.map((s) => s.name).join(', ')} stored`);

    // The template page: sshd's failed passwords (the user, the address and the port: few
    // values, some, and all different), else a loud one of the last day with two variables.
    const list = (await (
      await fetch(`${service.url}/templates?org=${ORG}&from=${now - 24 * HOUR}&to=${now}`)
    ).json()) as { templates: Array<{ id: number; template: string | null; count: number }> };
    const shown =
      list.templates.find((t) => t.template === 'Failed password for <*> from <*> port <*> ssh2') ??
      list.templates.find((t) => (t.template?.split('<*>').length ?? 0) > 2 && t.count >= 50);
    if (shown === undefined) throw new Error('no template with two variables and 50 lines in the last day');
    await curate(service.url, list.templates, shown.id);

    const shots: Array<{ file: string; url: string; scheme: 'light' | 'dark'; height?: number }> = [
      { file: 'templates.png', url: `/ui?org=${ORG}`, scheme: 'light' },
      { file: 'template.png', url: `/ui?org=${ORG}&template=${shown.id}`, scheme: 'light', height: 1320 },
      { file: 'compare.png', url: `/ui?org=${ORG}&view=compare`, scheme: 'light' },
      { file: 'changes.png', url: `/ui?org=${ORG}&view=changes`, scheme: 'light' },
      { file: 'templates-dark.png', url: `/ui?org=${ORG}`, scheme: 'dark' },
    ];
    for (const shot of shots) {
      const page = await browser.newPage({
        viewport: { width: 1280, height: shot.height ?? 800 },
        colorScheme: shot.scheme,
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      await page.goto(`${service.url}${shot.url}`);
      // Loaded: a table row, the template's chart, or the record of changes.
      await page.locator('table tbody tr, svg.chart-svg, .changes .change').first().waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(OUT, shot.file) });
      await page.close();
      console.log(`docs/screenshots/${shot.file}: ${shot.url} (${shot.scheme})`);
    }
  } finally {
    await browser.close();
    await service.destroy();
  }
}

await main();
