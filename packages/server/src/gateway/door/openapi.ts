import type { RouteDoc } from '../../route.js';
import { chatBodySchema, embeddingsBodySchema, messagesBodySchema } from './schemas.js';

/**
 * The gateway's model routes for the OpenAPI document. They are served by the door's own
 * handlers (provider-shaped errors, streaming), so they are described here rather than built
 * with defineRoute; the bodies are the same schemas the door validates with.
 */
export function gatewayRouteDocs(maxBytes: number): RouteDoc[] {
  const limit = `Bodies up to ${maxBytes} bytes. Errors are in the provider's shape (see docs/gateway.md).`;
  return [
    { method: 'POST', url: '/v1/chat/completions', auth: 'agent', tags: ['gateway'], body: chatBodySchema, summary: `OpenAI Chat Completions through the pipeline (stream: true for server-sent events); other fields are passed to the provider unchanged. ${limit}` },
    { method: 'POST', url: '/v1/messages', auth: 'agent', tags: ['gateway'], body: messagesBodySchema, summary: `Anthropic Messages through the pipeline (agent key as x-api-key or Bearer). ${limit}` },
    { method: 'POST', url: '/v1/embeddings', auth: 'agent', tags: ['gateway'], body: embeddingsBodySchema, summary: `OpenAI embeddings through the pipeline. ${limit}` },
    { method: 'GET', url: '/v1/models', auth: 'agent', tags: ['gateway'], summary: 'The model names under gateway.models, in OpenAI’s list format.' },
  ];
}
