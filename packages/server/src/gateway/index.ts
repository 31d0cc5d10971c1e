/**
 * The LLM gateway's provider side: routing with retries, fallbacks and breakers, the provider
 * clients, translation between wire formats, prices and token counting. The HTTP door that
 * uses these lives in ./door.
 */
export { createRouter, type RouterOptions } from './router.js';
export { Breaker, type BreakerConfig, type BreakerState } from './breaker.js';
export { costMicroUsd, defaultPrice, lookupPrice } from './prices.js';
export { countMessageTokens, countPromptTokens, countTextTokens, ensureTokenizer } from './tokens.js';
export {
  anthropicToChat,
  chatToAnthropicResponse,
  chatChunksToAnthropicEvents,
  chatToAnthropic,
  anthropicToChatCompletion,
  anthropicEventsToChat,
  type AnthropicSseEvent,
  type AnthropicStreamTranslator,
} from './translate/anthropic.js';
export { chatToGemini, geminiToChatCompletion, geminiEventsToChat } from './translate/gemini.js';
export { chatUsage, usageFromChat } from './translate/common.js';
export { parseSse, type SseEvent } from './providers/sse.js';
export { parseRetryAfter } from './providers/http.js';
export type { Provider } from './providers/types.js';
export * from './types.js';
