import { MatcherSnapshot } from '../match/index.ts';
import { fitsShape, parseShapes, shapeOf, type VariableShape } from '../match/shapes.ts';
import { unionShapes } from './learn-shapes.ts';

/*
 * What a model's proposal says about held lines that a known template's text takes but its
 * variable shapes refused (a value of a kind or a length that template had not been seen with).
 *
 * Such a line is asked about again, and a model's answer for it is a template of the line: the
 * known one (then the known template is widened, as any generator's repeat is), or another
 * one. Another one is either a different event (`ERROR disk full` for a line `ERROR <*>`, made
 * from `ERROR 1`, refused: the refused text is constant in the answer) or the same event worded
 * differently, which a weak model often does (a constant of the line made a variable, or a value
 * kept as a constant). When the answer holds every refused text in a variable of its own, it
 * agrees those texts are variable values: the known template is widened to take them, and the
 * answer itself is not added. Adding it would split the event in two (or, merged, rewrite the
 * known template's constant text on the word of a line that had exactly that text).
 *
 * This is no wider than what the same model could already get by answering the known text
 * (the poisoning defence of shapes.ts keeps what it did: `ERROR disk full` is still an event
 * of its own when the answer keeps `disk full` as constant text).
 */

/** What one proposal vouches for, over the lines of its batch. */
export interface Vouched {
  /** Lines the proposal takes. */
  readonly taken: number;
  /** Of those, lines this does not cover: no known text takes them, or a refused text is constant in the proposal. */
  readonly unvouched: number;
  /** Per known template id: the shapes of the values its vouched lines gave, and how many lines. */
  readonly widen: ReadonlyMap<number, { shapes: VariableShape[]; lines: number }>;
}

export function vouchedWidenings(
  org: string,
  known: MatcherSnapshot,
  proposal: string,
  lines: readonly string[],
): Vouched {
  const own = MatcherSnapshot.empty().withChanges([
    { id: 1, org, text: proposal, source: 'builtin', createdAt: 0, updatedAt: 0 },
  ]);
  const widen = new Map<number, { shapes: VariableShape[]; lines: number }>();
  let taken = 0;
  let unvouched = 0;
  for (const line of lines) {
    const answer = own.matchIgnoringShapes(org, line);
    if (answer === undefined) continue;
    taken++;
    const seen = known.match(org, line) === undefined ? refusedBy(org, known, line, answer) : undefined;
    if (seen === undefined) {
      unvouched++;
      continue;
    }
    const before = widen.get(seen.id);
    widen.set(seen.id, {
      shapes: unionShapes(before?.shapes, seen.shapes) ?? seen.shapes,
      lines: (before?.lines ?? 0) + 1,
    });
  }
  return { taken, unvouched, widen };
}

/**
 * The known template whose text takes the line and the shapes of its values there, when each
 * value its shapes refuse lies inside one of the answer's variables; undefined otherwise.
 */
function refusedBy(
  org: string,
  known: MatcherSnapshot,
  line: string,
  answer: { starts: number[]; ends: number[] },
): { id: number; shapes: VariableShape[] } | undefined {
  const match = known.matchIgnoringShapes(org, line);
  if (match === undefined) return undefined;
  const shapes = parseShapes(known.get(org, match.templateId)?.shapes);
  if (shapes?.length !== match.starts.length) return undefined;
  const seen: VariableShape[] = [];
  for (const [k, shape] of shapes.entries()) {
    const start = match.starts[k] ?? 0;
    const end = match.ends[k] ?? 0;
    if (!fitsShape(shape, line, start, end) && !insideAVariable(start, end, answer)) return undefined;
    seen.push(shapeOf(line, start, end));
  }
  return { id: match.templateId, shapes: seen };
}

function insideAVariable(start: number, end: number, answer: { starts: number[]; ends: number[] }): boolean {
  return answer.starts.some((s, j) => s <= start && end <= (answer.ends[j] ?? -1));
}
