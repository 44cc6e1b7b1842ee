/**
 * Standalone, then Kafka mode on the same store: the standalone service kept its templates in
 * the store only, and the Kafka roles know only the templates topic. Without a handover the
 * generator learns them again under new ids and the store lists each twice. The writer, which
 * owns the store, publishes at its start every stored template the topic has never seen, so the
 * matchers use them and the logs stored before keep their template. Run at every start, it
 * publishes nothing once they are there: the topic then knows each key.
 */
import type { Logger } from '../../logger.ts';
import { orgProblem } from '../../model/org.ts';
import type { TemplateChange } from '../../model/template-change.ts';
import type { Template } from '../../model/template.ts';

/** What the templates topic has held, read from its beginning to its end. */
export class TopicTemplates {
  /** `<org>:<id>` of every record seen, upserts and deletions alike. */
  readonly #keys = new Set<string>();
  /** `<org>\n<text>` of the templates the topic holds now. */
  readonly #texts = new Map<string, string>();

  see(changes: readonly TemplateChange[]): void {
    for (const c of changes) {
      if (c.kind === 'upsert') {
        const key = `${c.template.org}:${c.template.id}`;
        this.#keys.add(key);
        this.#texts.set(key, `${c.template.org}\n${c.template.text}`);
      } else if (c.kind === 'delete') {
        const key = `${c.org}:${c.id}`;
        // A deleted template was there: it is not published again from the store.
        this.#keys.add(key);
        this.#texts.delete(key);
      }
    }
  }

  /**
   * The stored templates the topic does not know: neither their key nor, under another id, the
   * same text in the same org (a generator that learned it first keeps its id).
   */
  unknown(stored: readonly Template[]): { missing: Template[]; sameText: number; badOrg: number } {
    const texts = new Set(this.#texts.values());
    const missing: Template[] = [];
    let sameText = 0;
    let badOrg = 0;
    for (const t of stored) {
      if (this.#keys.has(`${t.org}:${t.id}`)) continue;
      if (texts.has(`${t.org}\n${t.text}`)) sameText++;
      else if (orgProblem(t.org) !== undefined) badOrg++;
      else missing.push(t);
    }
    return { missing, sameText, badOrg };
  }
}

/** Publishes in pieces of this many (one produce request each). */
const PIECE = 500;

/**
 * Publishes the stored templates `topic` does not know; resolves with how many. Templates of
 * orgs outside today's org alphabet (stored by versions before it) cannot have a key and stay
 * in the store only, counted in the log line.
 */
export async function handOverStoredTemplates(o: {
  stored: readonly Template[];
  topic: TopicTemplates;
  publish: (changes: TemplateChange[]) => Promise<void>;
  logger: Logger;
}): Promise<number> {
  const { missing, sameText, badOrg } = o.topic.unknown(o.stored);
  for (let i = 0; i < missing.length; i += PIECE) {
    await o.publish(missing.slice(i, i + PIECE).map((template) => ({ kind: 'upsert', template })));
  }
  if (missing.length > 0 || sameText > 0 || badOrg > 0) {
    o.logger.info(
      {
        published: missing.length,
        orgs: new Set(missing.map((t) => t.org)).size,
        sameTextOtherId: sameText,
        orgOutsideAlphabet: badOrg,
      },
      'stored templates the templates topic did not have were published to it (standalone data moved to Kafka mode)',
    );
  }
  return missing.length;
}
