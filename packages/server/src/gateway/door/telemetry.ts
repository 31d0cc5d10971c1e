/**
 * The door's one way into GenAI telemetry (OpenTelemetry gen_ai spans and the `bridle_llm_*`
 * counters): one record per upstream call, including failed and re-asked attempts.
 */
export { recordLlmCall, type LlmCallInfo } from '../../observability/genai.js';
