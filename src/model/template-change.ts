import type { Template } from './template.ts';

/** What travels on the templates channel: a new or refined template, or a deletion. */
export type TemplateChange =
  { kind: 'upsert'; template: Template } | { kind: 'delete'; org: string; id: number };
