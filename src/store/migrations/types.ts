export interface MigrationContext {
  /** Validated identifier (config), so it may be written into DDL. */
  readonly db: string;
  readonly retentionDays: number;
}

/** One schema step. Statements are idempotent (IF NOT EXISTS) so a crash mid-way is safe to rerun. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(ctx: MigrationContext): string[];
}
