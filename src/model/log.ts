/** A log accepted by ingestion: validated and normalised, not yet matched. */
export interface LogRecord {
  /** Epoch milliseconds (UTC). */
  timestamp: number;
  org: string;
  /** '' when the client sent none; likewise service and host. */
  dashboard: string;
  service: string;
  host: string;
  /** Upper case; 'INFO' when the client sent none. */
  level: string;
  message: string;
  /** String values only; see ingest/validate.ts for how other JSON values are stored. */
  metadata: Record<string, string>;
  /**
   * The stored row's id (UInt64, decimal) when it is fixed before storage: Kafka mode sets it at
   * ingest (or in the matcher from the record's offset), so a replay can replace the row.
   * Absent or '' in standalone: the writer draws one.
   */
  id?: string;
}

/** A log as stored: with its template (0 = none) and the values of the template's variables. */
export interface StoredLog extends LogRecord {
  templateId: number;
  variables: string[];
}

/** Template id stored for a log that no template matched. */
export const NO_TEMPLATE = 0;
