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

/**
 * Carried along with a log in standalone's pipeline, never stored or sent as fields (absent or
 * 0 in Kafka mode).
 */
export interface WalTag {
  /** The write-ahead-log segment that holds the log until it is stored (wal/). */
  walSegment?: number;
}

/** A log as stored: with its template (0 = none) and the values of the template's variables. */
export interface StoredLog extends LogRecord {
  templateId: number;
  variables: string[];
  /** With template id 0: why it has none (model/untemplated.ts); '' with a template. */
  untemplatedReason: string;
}

/** Template id stored for a log that no template matched. */
export const NO_TEMPLATE = 0;
