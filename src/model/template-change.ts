import type { Curation } from './curation.ts';
import type { Template } from './template.ts';

/**
 * What travels on the templates channel: a new or refined template, a deletion, or a template's
 * curation (a record of its own: see model/curation.ts).
 */
export type TemplateChange =
  | { kind: 'upsert'; template: Template }
  | { kind: 'delete'; org: string; id: number }
  | { kind: 'curate'; curation: Curation };
