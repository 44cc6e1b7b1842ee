import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { useChange } from '../lib/use-change.js';
import { SaveStatus } from './save-status.js';

/**
 * @typedef {import('../lib/curation.js').Curation} Curation
 * @typedef {'keep' | 'sample' | 'drop'} Rule
 */

/** @type {ReadonlyArray<{ id: Rule, label: string }>} */
const RULES = [
  { id: 'keep', label: 'Keep' },
  { id: 'sample', label: 'Sample' },
  { id: 'drop', label: 'Drop' },
];

/**
 * The template's ingest rule: keep every line, keep a sample, or drop the lines' text. What is
 * not kept is still counted (a stub with its time, level, service and host), which the form
 * says, since "drop" reads as "lose".
 * @param {{ org: string, id: number, curation: Curation | undefined, onSaved: () => void }} props
 */
export function RuleForm({ org, id, curation, onSaved }) {
  const savedRule = curation?.rule ?? 'keep';
  const savedPercent = curation?.sample_percent ?? 100;
  const [rule, setRule] = useState(/** @type {Rule} */ (savedRule));
  const [percent, setPercent] = useState(String(savedRule === 'sample' ? savedPercent : 10));
  const change = useChange();
  useEffect(() => {
    setRule(savedRule);
    setPercent(String(savedRule === 'sample' ? savedPercent : 10));
  }, [id, savedRule, savedPercent]);
  const percentValue = Number(percent);
  const percentOk =
    percent.trim() !== '' && Number.isFinite(percentValue) && percentValue >= 0 && percentValue <= 100;
  const dirty = rule !== savedRule || (rule === 'sample' && percentOk && percentValue !== savedPercent);
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    if (!dirty || change.saving || (rule === 'sample' && !percentOk)) return;
    const body = rule === 'sample' ? { rule, sample_percent: percentValue } : { rule };
    if ((await change.send('PATCH', `/templates/${id}`, { org }, body)) !== undefined) onSaved();
  };
  const choose = (/** @type {Rule} */ r) => {
    setRule(r);
    if (change.saved || change.error !== null) change.reset();
  };
  return html`<form class="curate-form" onSubmit=${submit} aria-label="Ingest rule">
    <div class="field">
      <span class="field-label" id="rule-label">Ingest rule</span>
      <div class="segmented" role="radiogroup" aria-labelledby="rule-label">
        ${RULES.map(
          (r) =>
            html`<button
              type="button"
              class="segment"
              role="radio"
              aria-checked=${rule === r.id}
              onClick=${() => choose(r.id)}
            >
              ${r.label}
            </button>`,
        )}
      </div>
    </div>
    ${
      rule === 'sample'
        ? html`<label class="field field-inline">
            <span class="field-label">Keep</span>
            <input
              id="sample-percent"
              class="input percent-input num"
              type="number"
              min="0"
              max="100"
              step="any"
              value=${percent}
              onInput=${(/** @type {InputEvent} */ e) => {
                setPercent(/** @type {HTMLInputElement} */ (e.currentTarget).value);
                if (change.saved || change.error !== null) change.reset();
              }}
            />
            <span class="muted">% of the lines whole</span>
          </label>`
        : null
    }
    <p class="form-help muted">${explain(rule, percentOk ? percentValue : null)}</p>
    <div class="form-actions">
      <button
        type="submit"
        class="button primary"
        disabled=${!dirty || change.saving || (rule === 'sample' && !percentOk)}
      >
        Save rule
      </button>
      ${rule === 'sample' && !percentOk ? html`<span class="field-error" role="alert">A percent from 0 to 100</span>` : null}
      <${SaveStatus} change=${change} />
    </div>
  </form>`;
}

/**
 * @param {Rule} rule
 * @param {number | null} percent
 */
function explain(rule, percent) {
  const counted = 'still counted (stored as stubs: time, level, service, host), so volumes stay exact';
  if (rule === 'keep') return 'Every line is stored whole.';
  if (rule === 'drop') return `No line’s text is kept; dropped lines are ${counted}.`;
  return `${percent ?? '?'}% of the lines are kept whole; the others are ${counted}.`;
}
