/**
 * The Bridle growth agent: drafts social posts from a brand profile and a content calendar,
 * submits them to Bridle as `social.post` actions scheduled for their slots, and follows up on
 * each decision. See README.md.
 */
export { GrowthAgent, keyFor, type AgentOptions, type RunSummary } from './agent.js';
export { brandSchema, loadBrand, parseBrand, SAMPLE_BRAND_FILE, SAMPLE_CALENDAR_FILE, type Brand } from './brand.js';
export { calendarSchema, expandCalendar, loadCalendar, parseCalendar, parseEvery, wallTimeToInstant, MAX_DAYS, type Calendar, type CalendarEntry, type Slot } from './calendar.js';
export { BridleClient, type ActionView, type Feedback, type SubmitBody } from './client.js';
export { fits, fitTo, measure, PLATFORMS, RULES, type Platform } from './platforms.js';
export { createGrowthAgent, describeSummary, runGrowthAgentOnce, writerFor, type RunOptions } from './run.js';
export { AgentState, FINAL, SLOT_STATUSES, type Draft, type SlotState, type SlotStatus } from './state.js';
export { llmWriter } from './writer/llm.js';
export { OFFLINE_LABEL, offlineWriter } from './writer/offline.js';
export type { DraftRequest, Writer } from './writer/types.js';
export { main, EXIT } from './main.js';
