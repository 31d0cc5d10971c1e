import { GrowthAgent, type RunSummary } from './agent.js';
import { loadBrand, parseBrand, type Brand } from './brand.js';
import { loadCalendar, parseCalendar, type Calendar } from './calendar.js';
import { BridleClient } from './client.js';
import { AgentState } from './state.js';
import { llmWriter } from './writer/llm.js';
import { OFFLINE_LABEL, offlineWriter } from './writer/offline.js';
import type { Writer } from './writer/types.js';

export interface RunOptions {
  /** Bridle's base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  /** The agent's key (`brk_…`). */
  key: string;
  /** A brand.yaml path, or a brand profile. */
  brand: string | Brand;
  /** A calendar.yaml path, or a calendar. */
  calendar: string | Calendar;
  /** The JSON state file. */
  state: string;
  days?: number;
  /** A model name known to Bridle's gateway; absent: the offline template writer. */
  model?: string;
  /**
   * The key model calls are made with (default: `key`). A draft-mode agent needs a human for
   * every action, model calls included, so policies/growth.yaml gives drafting its own
   * auto-mode identity with its own budget, and keeps posting under the draft-mode one.
   */
  writerKey?: string;
  log?: (line: string) => void;
  now?: () => number;
}

/** The writer for `model`, saying which one it is (offline drafts are labelled as such). */
export function writerFor(client: BridleClient, model: string | undefined, log: (line: string) => void): Writer {
  if (model) {
    log(`writer: ${model} through Bridle's gateway (${client.url}/v1/chat/completions)`);
    return llmWriter(client, model);
  }
  log(`writer: ${OFFLINE_LABEL} (pass --model to draft with a model through Bridle's gateway)`);
  return offlineWriter();
}

/**
 * Builds the agent from files or values. Used by the CLI and by `bridle demo`.
 *
 * @example
 *   const agent = createGrowthAgent({ url, key, brand: 'brand.yaml', calendar: 'calendar.yaml', state: '.growth-state.json' });
 *   const summary = await agent.runOnce();
 */
export function createGrowthAgent(o: RunOptions): GrowthAgent {
  const log = o.log ?? (() => {});
  const brand = typeof o.brand === 'string' ? loadBrand(o.brand) : parseBrand(o.brand);
  const calendar = typeof o.calendar === 'string' ? loadCalendar(o.calendar) : parseCalendar(o.calendar);
  const client = new BridleClient(o.url, o.key);
  return new GrowthAgent({
    client,
    writer: writerFor(o.writerKey ? new BridleClient(o.url, o.writerKey) : client, o.model, log),
    brand,
    calendar,
    state: AgentState.load(o.state),
    days: o.days ?? 7,
    log,
    ...(o.now ? { now: o.now } : {}),
  });
}

/** One plan → draft → submit → refresh pass. */
export function runGrowthAgentOnce(o: RunOptions): Promise<RunSummary> {
  return createGrowthAgent(o).runOnce();
}

/** One line summing a run up, for logs. */
export function describeSummary(s: RunSummary): string {
  const parts = Object.entries(s.byStatus).map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`);
  return `${s.planned} slots planned, ${s.submitted} submitted, ${s.revised} revised, ${s.refreshed} refreshed${s.draftFailures ? `, ${s.draftFailures} drafts failed` : ''}${parts.length ? ` — ${parts.join(', ')}` : ''}`;
}
