import type { Logger } from '../logger.ts';
import type { LogRecord, StoredLog, WalTag } from '../model/log.ts';
import { MAX_TEMPLATE_TOKENS, type MatchResult, type Template } from '../model/template.ts';
import type { Curation } from '../model/curation.ts';
import type { InsertEntry } from '../model/insert-entry.ts';
import type { UntemplatedReason } from '../model/untemplated.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { Channel } from '../transport/types.ts';
import type { MatchStats } from './counters.ts';
import { Matcher, MatcherSnapshot } from './index.ts';
import { IngestRules } from './ingest-rules.ts';
import { hasMoreTokensThan } from './tokenize.ts';

export type { MatchStats } from './counters.ts';

export interface MatchStage {
  /**
   * Matches each log against its org's templates: matched logs go out on `matched`,
   * the rest on `unmatched`. Returns how many matched. Never waits.
   */
  route(logs: readonly LogRecord[]): number;
  /** route() in two steps, for a caller that records the result before it goes on (the WAL). */
  classify(logs: readonly LogRecord[]): Classified<Rows>;
  publish(classified: Classified): number;
  stats(): MatchStats;
  stop(): void;
}

type Rows = (StoredLog & WalTag)[];

/** The logs of one request, matched (with their template and values) or not. */
export interface Classified<R extends Rows | InsertEntry = Rows | InsertEntry> {
  /**
   * Matched logs, and (template id 0) those with more tokens than a template may have: as
   * objects (classify()), or encoded as the insert sends them (standalone's request path,
   * wal/stage.ts and threads/route.ts), which go to the `entries` channel as they are.
   */
  rows: R;
  misses: (LogRecord & WalTag)[];
  /** How many of `rows` are stored without a template for their length. */
  overLimit: number;
  /** How many of `rows` are count-only stubs, by their template's ingest rule (match/ingest-rules.ts). */
  dropped: number;
}

export interface MatchDeps {
  channels: {
    matched: Channel<StoredLog>;
    unmatched: Channel<LogRecord>;
    templates: Channel<TemplateChange>;
    /** Where encoded rows go (standalone: the writer); without it publish() takes only objects. */
    entries?: Channel<InsertEntry>;
  };
  /** Templates known at start (loaded from storage). */
  initial: readonly Template[];
  /** Their curations known at start (the ingest rules); Kafka mode reads them from the topic. */
  initialCurations?: readonly Curation[];
  /** ORG_IDLE_UNLOAD_SECS: an org idle this long has its trie dropped (rebuilt at its next log); 0: never. */
  orgIdleUnloadSecs?: number;
  logger: Logger;
}

/**
 * Builds the row that is stored: one object shape for every log, so the writer's loop stays
 * monomorphic. `placed`: its template and values, or why it has none (stored with id 0).
 */
export function toStoredLog(
  log: LogRecord & WalTag,
  placed: MatchResult | UntemplatedReason,
): StoredLog & WalTag {
  const match = typeof placed === 'string' ? undefined : placed;
  return {
    timestamp: log.timestamp,
    org: log.org,
    dashboard: log.dashboard,
    service: log.service,
    host: log.host,
    level: log.level,
    message: log.message,
    metadata: log.metadata,
    id: log.id ?? '',
    walSegment: log.walSegment ?? 0,
    templateId: match === undefined ? 0 : match.templateId,
    variables: match === undefined ? [] : match.variables,
    untemplatedReason: typeof placed === 'string' ? placed : '',
  };
}

export function startMatch(deps: MatchDeps): MatchStage {
  const matcher = new Matcher(MatcherSnapshot.empty().withChanges([...deps.initial]));
  const stopUnloading = matcher.unloadIdleOrgs(deps.orgIdleUnloadSecs ?? 0);
  const counters = { matched: 0, unmatched: 0, overTokenLimit: 0, droppedByRule: 0 };
  const { matched, unmatched, templates, entries } = deps.channels;
  const rules = new IngestRules();
  for (const curation of deps.initialCurations ?? []) rules.apply(curation);

  templates.subscribe((changes) => {
    const upserts: Template[] = [];
    const deletes: Array<{ org: string; id: number }> = [];
    for (const change of changes) {
      if (change.kind === 'upsert') {
        // The generator's own registry already holds it; re-applying an unchanged template is
        // wasted work. (Same text with other shapes is a widening: applied.)
        const known = matcher.current.get(change.template.org, change.template.id);
        if (known?.text === change.template.text && (known.shapes ?? '') === (change.template.shapes ?? ''))
          continue;
        upserts.push(change.template);
      } else if (change.kind === 'delete') {
        deletes.push({ org: change.org, id: change.id });
      } else {
        rules.apply(change.curation);
      }
    }
    if (upserts.length > 0 || deletes.length > 0) matcher.apply(upserts, deletes);
  });

  const classify = (logs: readonly LogRecord[]): Classified<Rows> => {
    // One snapshot for the whole request: a swap in the middle does not split a batch.
    const snapshot = matcher.current;
    const rows: StoredLog[] = [];
    const misses: LogRecord[] = [];
    let overLimit = 0;
    let dropped = 0;
    for (const log of logs) {
      const match = snapshot.match(log.org, log.message);
      if (match !== undefined) {
        const row = toStoredLog(log, match);
        if (rules.stubIfDropped(row)) dropped++;
        rows.push(row);
      } else if (!hasMoreTokensThan(log.message, MAX_TEMPLATE_TOKENS)) misses.push(log);
      else {
        // No template can hold it: stored now, without one, instead of costing a generator
        // the time to find that out (and the event loop with it).
        rows.push(toStoredLog(log, 'over_token_limit'));
        overLimit++;
      }
    }
    return { rows, misses, overLimit, dropped };
  };
  const publish = ({ rows, misses, overLimit, dropped }: Classified): number => {
    counters.overTokenLimit += overLimit;
    counters.droppedByRule += dropped;
    const count = Array.isArray(rows) ? rows.length : rows.rows;
    counters.matched += count - overLimit;
    counters.unmatched += misses.length;
    if (Array.isArray(rows)) void matched.publish(rows);
    else if (entries === undefined) throw new Error('encoded rows published without an entries channel');
    else if (rows.rows > 0) void entries.publish([rows]);
    void unmatched.publish(misses);
    return count - overLimit;
  };
  return {
    route: (logs) => publish(classify(logs)),
    classify,
    publish,
    stats() {
      const { orgs, indexed } = matcher.current.orgCounts();
      return {
        templatesLoaded: matcher.current.size,
        orgsWithTemplates: orgs,
        orgsIndexed: indexed,
        templatesWithRules: rules.size,
        ...counters,
      };
    },
    stop() {
      stopUnloading();
      deps.logger.debug('match stage stopped');
    },
  };
}
