// Property check of the matcher on LogHub-2k: with a snapshot of a dataset's ground-truth
// templates, how many lines match their own template (by text)?
import { MatcherSnapshot } from '../src/match/index.ts';
import type { Template } from '../src/model/template.ts';
import { DATASETS, LOGHUB_DIR, loghubAvailable, readDataset } from './loghub.ts';

if (!loghubAvailable()) {
  console.error(`LogHub-2k not found at ${LOGHUB_DIR}; set LOGHUB_DIR`);
  process.exit(2);
}

const rows: string[] = [];
let totalOwn = 0;
let totalAny = 0;
let totalLines = 0;
for (const name of DATASETS) {
  const lines = readDataset(name);
  const texts = [...new Set(lines.map((line) => line.template))];
  const templates: Template[] = texts.map((text, k) => ({
    id: k + 1,
    org: name,
    text,
    source: 'builtin',
    createdAt: 0,
    updatedAt: 0,
  }));
  const snapshot = MatcherSnapshot.empty().withChanges(templates);
  let own = 0;
  let any = 0;
  const misses: string[] = [];
  for (const line of lines) {
    const result = snapshot.match(name, line.content);
    if (result !== undefined) any++;
    const text = result === undefined ? undefined : texts[result.templateId - 1];
    if (text === line.template) own++;
    else if (misses.length < 3)
      misses.push(`    ${JSON.stringify(line.content)}\n      want ${line.template}\n      got  ${text}`);
  }
  totalOwn += own;
  totalAny += any;
  totalLines += lines.length;
  rows.push(
    `| ${name} | ${texts.length} | ${(own / lines.length).toFixed(4)} | ${(any / lines.length).toFixed(4)} |`,
  );
  if (process.argv.includes('--verbose') && misses.length > 0) console.log(`${name}:\n${misses.join('\n')}`);
}
console.log('| dataset | templates | own template | any template |');
console.log('|---|---|---|---|');
console.log(rows.join('\n'));
console.log(`| all | | ${(totalOwn / totalLines).toFixed(4)} | ${(totalAny / totalLines).toFixed(4)} |`);
