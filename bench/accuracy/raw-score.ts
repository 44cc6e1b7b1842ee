// `--raw` scoring: a template made from whole lines has a header part (`<*> <*> INFO
// dfs.DataNode: `, `<*>|Step_LSC|<*>|`) that the ground truth, made from the messages alone,
// lacks. Its message part is found on each line: the split of the template, at a space or
// after a punctuation character, whose first part matches the line's header and whose rest
// matches the line's message (the message cut with settings.json's log_format), the shortest
// such rest. A template with a `<*>` across header and message has no such split and is
// compared whole, so it is wrong, as it should be. Grouping is scored as it is.
import { WILDCARD } from '../../src/model/template.ts';

const SPECIAL = /[.*+?^${}()|[\]\\]/g;
const PUNCTUATION = /[^\p{L}\p{N}\s<>*]/u;

const patterns = new Map<string, RegExp>();

/** Whether `text` fits `template` (a `<*>` stands for any text, spaces included, or none: the ground truth has empty values). */
function fits(template: string, text: string): boolean {
  if (template === '') return text === '';
  let regex = patterns.get(template);
  if (regex === undefined) {
    const parts = template
      .split(' ')
      .filter((token) => token !== '')
      .map((token) =>
        token
          .split(WILDCARD)
          .map((part) => part.replace(SPECIAL, '\\$&'))
          .join('.*?'),
      );
    regex = new RegExp(`^${parts.join('\\s+')}$`, 's');
    patterns.set(template, regex);
  }
  return regex.test(text);
}

/** The split that worked last for each template: most lines of a template split alike. */
const lastSplit = new Map<string, number>();

/** The template's message part for a line whose message is `content` (the line's end). */
export function messagePart(template: string, line: string, content: string): string {
  const whole = line.trim();
  if (!whole.endsWith(content)) return template;
  const header = whole.slice(0, whole.length - content.length).trim();
  const message = content.trim();
  const splits = (at: number): boolean =>
    fits(template.slice(0, at).trim(), header) && fits(template.slice(at).trim(), message);
  const known = lastSplit.get(template);
  if (known !== undefined && splits(known)) return template.slice(known).trim();
  for (let at = template.length; at >= 0; at--) {
    const before = template[at - 1] ?? ' ';
    if (before !== ' ' && !PUNCTUATION.test(before)) continue;
    if (splits(at)) {
      lastSplit.set(template, at);
      return template.slice(at).trim();
    }
  }
  return template;
}
