import type { StoreReads } from '../curate/reads.ts';
import type { CurationService } from '../curate/service.ts';
import type { IngestStage } from '../ingest/stage.ts';
import type { StatsSources } from '../metrics/catalog.ts';
import type { RequestThreads } from '../threads/index.ts';

/**
 * What the HTTP layer sees of the running process: stages' stats and the read queries. A Kafka
 * role runs some stages only: the others report zeros, and what it lacks is left out.
 */
export interface ServiceView {
  /** Absent: this process takes no logs over HTTP (a matcher, generator or writer role). */
  ingest?: IngestStage;
  /** Worker threads that prepare large bodies for ingest (INGEST_THREADS); absent: all on the main thread. */
  threads?: RequestThreads;
  /** The stages' counters (the same sources /metrics reads). */
  stats: StatsSources;
  generatorName: string;
  generateQueueMax: number;
  /** Absent when this process has no storage of its own. */
  storageHealth?: () => Promise<{ connected: boolean; reason?: string | undefined }>;
  /** Why the process is not ready (e.g. a matcher still reading the templates topic). */
  notReady?: () => string | undefined;
  draining(): boolean;
  /** Kafka mode: the role(s) this process runs, and their consumers' counters for /stats. */
  roles?: readonly string[];
  kafka?: () => Record<string, unknown>;
  /** Curation through the API: where storage is owned and the templates channel is published (the writer). */
  curation?: CurationService;
  /** Absent when this process cannot read storage: the writer role serves reads then. */
  reads?: StoreReads;
}
