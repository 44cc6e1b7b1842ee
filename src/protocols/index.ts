/**
 * The shippers' own protocols, each served beside POST /logs/ingest when the process ingests:
 * OTLP/HTTP logs (otlp/), Loki push (loki/), and Elasticsearch's Bulk API with the handshake its
 * shippers make (elasticsearch/). Each feeds the same ingest stage (scope.ts).
 */
import { elasticsearchProtocol } from './elasticsearch/routes.ts';
import { lokiProtocol } from './loki/routes.ts';
import { otlpProtocol } from './otlp/routes.ts';
import type { Protocol } from './scope.ts';

export const PROTOCOLS: readonly Protocol[] = [otlpProtocol, lokiProtocol, elasticsearchProtocol];
