import type { UntemplatedReasonCount } from '../store/untemplated.ts';
import { pageOfTemplates } from './template-pages.ts';
import type { ServiceView } from './view.ts';

type Reads = NonNullable<ServiceView['reads']>;

/** A window of GET /templates (epoch ms, inclusive), with a step for series. */
export interface ListWindow {
  from: number;
  to: number;
  stepMs?: number;
}

/**
 * GET /templates' list: the store's counts of the org's templates, the logs without a template
 * as the entry of id 0 with its count per reason (so the counts add up to the org's logs, and
 * say why the rest have none), then one page of it. All time, the id-0 entry comes from its own
 * view (store/untemplated.ts), since template_stats lists templates only; within a window the
 * store counts id 0 like any template and the reasons are added to it.
 */
export async function listTemplatesPage(
  reads: Reads,
  org: string,
  window: ListWindow | undefined,
  page: { limit: number; cursor: string | undefined },
) {
  if (window === undefined) {
    const [templates, untemplated] = await Promise.all([
      reads.listTemplates(org),
      reads.untemplatedAllTime(org),
    ]);
    const entries = [
      ...templates,
      ...(untemplated === undefined
        ? []
        : [
            {
              id: 0,
              template: null,
              count: untemplated.count,
              first_seen: untemplated.first_seen,
              last_seen: untemplated.last_seen,
              source: null,
              created_at: null,
              updated_at: null,
              reasons: untemplated.reasons,
            },
          ]),
    ];
    return pageOfTemplates(entries, page.limit, page.cursor);
  }
  const [volumes, reasons] = await Promise.all([
    reads.templateVolume({ org, ...window }),
    reads.untemplatedReasonsIn({ org, from: window.from, to: window.to }),
  ]);
  const entries = volumes.map((volume): typeof volume & { reasons?: UntemplatedReasonCount[] } =>
    volume.id === 0 ? { ...volume, reasons } : volume,
  );
  return pageOfTemplates(entries, page.limit, page.cursor);
}
