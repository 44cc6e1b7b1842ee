import type { Migration } from './types.ts';

/**
 * The learned variable shapes of each template (src/match/shapes.ts). Rows from before have ''
 * (no shapes): those templates keep matching as they did.
 */
export const migration: Migration = {
  version: 5,
  name: 'template_shapes',
  statements: ({ db }) => [
    `ALTER TABLE ${db}.templates ADD COLUMN IF NOT EXISTS shapes String DEFAULT '' AFTER source`,
  ],
};
