import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATS_SCHEMA } from '../../../src/http/routes/status-schema.ts';
import { STAGE_COUNTERS, type StatsSnapshot, type StatsSources } from '../../../src/metrics/catalog.ts';
import { createMetrics } from '../../../src/metrics/prometheus.ts';
import { statsBody } from '../../../src/metrics/stats-body.ts';

type Stage = keyof StatsSnapshot;
const STAGES = Object.keys(STAGE_COUNTERS) as Stage[];

/** Every number counter of every stage with its own value (1, 2, 3, ...), so a mix-up shows. */
function distinctStats(): { snapshot: Record<Stage, Record<string, unknown>>; values: Map<string, number> } {
  let next = 1;
  const values = new Map<string, number>();
  const snapshot = {} as Record<Stage, Record<string, unknown>>;
  for (const stage of STAGES) {
    const stats: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(STAGE_COUNTERS[stage])) {
      if (spec.kind === 'counter' || spec.kind === 'gauge') {
        stats[name] = next;
        values.set(`${stage}.${name}`, next++);
      } else if (spec.kind === 'by-org') stats[name] = { acme: next++ };
      else if (spec.kind === 'flag') stats[name] = true;
      else stats[name] = 'boom';
    }
    snapshot[stage] = stats;
  }
  return { snapshot, values };
}

const sourcesOf = (snapshot: Record<Stage, Record<string, unknown>>) =>
  Object.fromEntries(STAGES.map((stage) => [stage, () => snapshot[stage]])) as unknown as StatsSources;

function at(body: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], body);
}

describe('counters declared once', () => {
  it('every counter with a /stats path is reported there with its own value', () => {
    const { snapshot, values } = distinctStats();
    const body = statsBody(sourcesOf(snapshot), {});
    for (const stage of STAGES) {
      for (const [name, spec] of Object.entries(STAGE_COUNTERS[stage])) {
        if (spec.kind === 'by-org' || spec.stats === undefined) continue;
        const expected =
          spec.kind === 'flag' ? true : spec.kind === 'text' ? 'boom' : values.get(`${stage}.${name}`);
        assert.equal(at(body, spec.stats), expected, `${stage}.${name} at ${spec.stats}`);
      }
    }
    // The per-org tallies of every stage meet in one entry per org.
    assert.deepEqual(Object.keys(at(body, 'quotas.by_org.acme') as object).sort(), [
      'llm_budget_lines',
      'rate_limited_logs',
      'template_cap_lines',
      'templates_created',
    ]);
  });

  it('every counter with a metric name is a Prometheus series with its value', async () => {
    const { snapshot, values } = distinctStats();
    const text = await createMetrics(sourcesOf(snapshot)).registry.metrics();
    for (const stage of STAGES) {
      for (const [name, spec] of Object.entries(STAGE_COUNTERS[stage])) {
        if ((spec.kind !== 'counter' && spec.kind !== 'gauge') || spec.metric === undefined) continue;
        assert.ok(text.includes(`\n${spec.metric} ${values.get(`${stage}.${name}`)}\n`), spec.metric);
        assert.ok(text.includes(`# HELP ${spec.metric} ${spec.help}`), `${spec.metric} help`);
        assert.ok(text.includes(`# TYPE ${spec.metric} ${spec.kind}`), `${spec.metric} type`);
      }
    }
  });

  it('names no /stats path or metric twice, and documents every /stats path in the schema', () => {
    const paths = new Set<string>();
    const metrics = new Set<string>();
    const schema = STATS_SCHEMA.response[200] as { properties: Record<string, unknown> };
    for (const counters of Object.values(STAGE_COUNTERS)) {
      for (const spec of Object.values(counters)) {
        if (spec.kind !== 'by-org' && spec.stats !== undefined) {
          assert.ok(!paths.has(spec.stats), `${spec.stats} twice`);
          paths.add(spec.stats);
          const documented = spec.stats
            .split('.')
            .reduce<unknown>(
              (node, key) => (node as { properties: Record<string, unknown> }).properties[key],
              schema,
            );
          assert.equal((documented as { description: string }).description, spec.help, spec.stats);
        }
        if ('metric' in spec && spec.metric !== undefined) {
          assert.ok(!metrics.has(spec.metric), `${spec.metric} twice`);
          metrics.add(spec.metric);
        }
      }
    }
  });

  it('shows llm as null, and its quota count as 0, where there is no LLM', () => {
    const { snapshot } = distinctStats();
    const sources = { ...sourcesOf(snapshot), llm: () => undefined };
    const body = statsBody(sources, {});
    assert.equal(at(body, 'llm'), null);
    assert.equal(at(body, 'quotas.llm_budget_lines'), 0);
  });
});

describe('a tenant reading /stats', () => {
  it('sees the per-org counts of its own orgs only, and no error texts', () => {
    const { snapshot } = distinctStats();
    const tallies = snapshot.ingest['rateLimitedByOrg'] as Record<string, number>;
    tallies['other'] = 5;
    const all = statsBody(sourcesOf(snapshot), {});
    const tenant = statsBody(sourcesOf(snapshot), {}, { orgs: new Set(['acme']) });
    assert.deepEqual(Object.keys(at(all, 'quotas.by_org') as object).sort(), ['acme', 'other']);
    assert.deepEqual(Object.keys(at(tenant, 'quotas.by_org') as object), ['acme']);
    for (const stage of STAGES) {
      for (const spec of Object.values(STAGE_COUNTERS[stage])) {
        if (spec.kind !== 'text' || spec.stats === undefined) continue;
        assert.equal(at(all, spec.stats), 'boom', `${spec.stats} for an operator`);
        assert.equal(at(tenant, spec.stats), null, `${spec.stats} hidden from a tenant`);
      }
    }
  });
});
