import type { JsonObject, ProviderKind } from '@bridle/core';
import type { ChatBody, ChatChunk, ChatCompletion, Usage } from '../types.js';

/** What a provider reports for a finished non-streaming call; usage null when the upstream gave none. */
export interface ProviderChat {
  body: ChatCompletion;
  usage: Usage | null;
  systemFingerprint?: string;
}

/**
 * An upstream stream whose response headers arrived with 2xx. Iterating yields Chat Completions
 * chunks; errors are UpstreamError. `usage()` is the upstream's figures once the stream ended, or
 * null if it gave none.
 */
export interface ProviderStream {
  chunks: AsyncIterator<ChatChunk>;
  usage(): Usage | null;
  abort(): void;
}

export interface ProviderEmbeddings {
  body: JsonObject;
  usage: Usage | null;
}

/** A client for one configured provider (one wire format, one keep-alive pool). */
export interface Provider {
  readonly name: string;
  readonly kind: ProviderKind;
  /** `model` is the provider's model name (the route target); `body.model` may be an alias. */
  chat(body: ChatBody, model: string, signal?: AbortSignal): Promise<ProviderChat>;
  stream(body: ChatBody, model: string, signal?: AbortSignal): Promise<ProviderStream>;
  embeddings(body: JsonObject, model: string, signal?: AbortSignal): Promise<ProviderEmbeddings>;
  close(): Promise<void>;
}

/** Everything a provider factory needs, resolved by the router at start-up. */
export interface ProviderInit {
  name: string;
  baseUrl: string;
  apiKey: string | undefined;
  apiKeyHeader?: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  anthropicVersion: string;
  timeouts: { connectMs: number; firstByteMs: number; totalMs: number };
}
