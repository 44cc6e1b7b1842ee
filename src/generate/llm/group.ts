import { TemplateMiner } from '../builtin/index.ts';

/**
 * Splits one batch into groups of lines that likely share a template, so the model is asked
 * once per group rather than once per line. A throwaway miner does the grouping: its masking
 * and similarity are a cheap, good guess, and the model (then the checks) decide the template.
 * Returns line indexes per group, groups in order of first appearance.
 */
export function groupLines(org: string, lines: readonly string[]): number[][] {
  const miner = new TemplateMiner();
  const groups = new Map<number, number[]>();
  lines.forEach((line, index) => {
    const { id } = miner.add(org, line);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [index]);
    else group.push(index);
  });
  return [...groups.values()];
}
