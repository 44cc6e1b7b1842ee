/** The events TEMPLATE_WEBHOOK_URL receives (README, "Signals"): their JSON as sent. */

export interface TemplateEvent {
  /** `<org>:<template_id>:new`: the same for every delivery of one event. */
  id: string;
  type: 'template.new';
  org: string;
  template_id: number;
  template: string;
  source: string;
  created_at: string;
}

export interface RateJumpEvent {
  /** `<org>:<template_id>:jump:<window end, epoch ms>`: the same from every writer that checks. */
  id: string;
  type: 'template.rate_jump';
  org: string;
  template_id: number;
  template: string | null;
  count: number;
  baseline_count: number;
  /** Window rate over baseline rate, each per millisecond of its own length. */
  rate_change: number;
  score: number;
  from: string;
  to: string;
  baseline_from: string;
}

/** What is POSTed: a new template, or a rate jump (rate-jumps.ts). */
export type WebhookEvent = TemplateEvent | RateJumpEvent;
