/** A started process as its entry point (cli/service.ts) sees it, whichever assembly started it. */
export interface RunningProcess {
  /** The HTTP port it listens on (INGEST_PORT, or the one the system gave for 0). */
  readonly port: number;
  /** What runs here, for the start-up log line. */
  readonly description: string;
  /** Whether it serves the explorer page and /docs (false: the status routes only). */
  readonly page: boolean;
  stop(): Promise<void>;
}
