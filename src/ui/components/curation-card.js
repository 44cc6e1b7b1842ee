import { html } from '../lib/html.js';
import { ActorField } from './actor-field.js';
import { MergePicker } from './merge-picker.js';
import { MergedList } from './merged-list.js';
import { NameForm } from './name-form.js';
import { RuleForm } from './rule-form.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {{ id: number, curation?: import('../lib/curation.js').Curation, merged?: number[] }} Curated
 */

/**
 * What people decide about a template, for everyone reading the org: its name and note, its
 * ingest rule, and merges. Each part saves on its own (PATCH /templates/{id}).
 * @param {{ org: string, detail: Curated, route: Route, navigate: (change: Partial<Route>) => void, onSaved: () => void }} props
 */
export function CurationCard({ org, detail, route, navigate, onSaved }) {
  const curation = detail.curation;
  const merged = detail.merged ?? [];
  const parts = { org, id: detail.id, curation, onSaved };
  return html`<section class="card curate-card">
    <h2 class="card-title">Curation <span class="muted">seen by everyone reading ${org}</span></h2>
    <${ActorField} />
    <${NameForm} ...${parts} />
    <${RuleForm} ...${parts} />
    <div class="curate-part">
      <h3 class="field-label">Merge</h3>
      ${
        curation?.merged_into != null
          ? html`<p class="muted">Merged into another template (above); undo that to merge it elsewhere.</p>`
          : merged.length > 0
            ? html`<p class="muted">
                  ${merged.length === 1 ? 'This template is' : `These ${merged.length} templates are`} merged
                  into this one and counted here:
                </p>
                <${MergedList}
                  org=${org}
                  ids=${merged}
                  route=${route}
                  navigate=${navigate}
                  onSaved=${onSaved}
                />
                <p class="form-help muted">
                  Merges go one step: undo these to merge this template elsewhere.
                </p>`
            : html`<${MergePicker} org=${org} id=${detail.id} onSaved=${onSaved} />`
      }
    </div>
  </section>`;
}
