/**
 * The key of a record on the compacted templates topic: `<org>:<id>` for the template,
 * `<org>:<id>:curation` for what people decided about it (model/curation.ts; an org has no `:`). Compaction keeps the last
 * record per key and every reader rebuilds its templates from the topic at each start, so a key
 * that does not parse back stays there, warned about by every reader at every start: it must
 * never be produced, and one already there is deleted with a tombstone (`npm run
 * templates:clean`, src/cli/templates-clean.ts).
 */
import { AppError } from '../../errors.ts';
import { orgProblem } from '../../model/org.ts';
import { UndecodableError } from './avro/codec.ts';

/** Why `id` cannot be a template id (positive, exact as a JSON number), or undefined. */
function idProblem(id: number): string | undefined {
  return Number.isSafeInteger(id) && id > 0
    ? undefined
    : `template id ${String(id)} is not a positive integer below 2^53`;
}

/**
 * The key for org's template `id`. Throws (UNENCODABLE, nothing is produced) when the key would
 * not parse back: an org outside the alphabet of model/org.ts (an empty org gave `:<id>`), or
 * an id that is not a positive safe integer.
 */
export function templateKey(org: string, id: number, record: TemplateRecord = 'template'): string {
  const problem = orgProblem(org)?.message ?? idProblem(id);
  if (problem !== undefined) {
    throw new AppError(
      'UNENCODABLE',
      `no template key for org ${JSON.stringify(org.slice(0, 40))}, id ${String(id)}: ${problem}`,
    );
  }
  return `${org}:${String(id)}${record === 'curation' ? CURATION_SUFFIX : ''}`;
}

/** Which of a template's records a key names. */
export type TemplateRecord = 'template' | 'curation';

const CURATION_SUFFIX = ':curation';

/** The org, id and record of a key; throws UndecodableError for one that is not `<org>:<id>[:curation]` with a valid org. */
export function parseTemplateKey(key: Buffer | null): { org: string; id: number; record: TemplateRecord } {
  const whole = key?.toString('utf8') ?? '';
  const record: TemplateRecord = whole.endsWith(CURATION_SUFFIX) ? 'curation' : 'template';
  const text = record === 'curation' ? whole.slice(0, -CURATION_SUFFIX.length) : whole;
  const at = text.lastIndexOf(':');
  const idText = text.slice(at + 1);
  const id = Number(idText);
  const org = text.slice(0, at);
  if (at < 0 || !/^\d+$/.test(idText) || idProblem(id) !== undefined || orgProblem(org) !== undefined) {
    throw new UndecodableError(`template key ${JSON.stringify(whole.slice(0, 200))} is not <org>:<id>`);
  }
  return { org, id, record };
}
