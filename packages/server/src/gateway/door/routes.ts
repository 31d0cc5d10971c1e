import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateKey, BridleError, type JsonObject } from '@bridle/core';
import type { AuthLevel, Principal } from '../../auth.js';
import { anthropicToChat, chatToAnthropicResponse } from '../translate/anthropic-door.js';
import { arr } from '../translate/common.js';
import { UpstreamError, type ChatBody } from '../types.js';
import { admit, messageText, outputCap, settle, type Door } from './call.js';
import { runChat } from './chat.js';
import { upstreamError, type Dialect } from './errors.js';
import { chatBodySchema, embeddingsBodySchema, idempotencyHeader, messagesBodySchema, parseBody, promptHeader } from './schemas.js';
import { openStream, pipeStream } from './stream.js';
import { recordLlmCall } from './telemetry.js';
import { promptTokenBound, textTokenBound } from '../tokens.js';

export interface Authenticator {
  authenticate(req: FastifyRequest, need: AuthLevel): Promise<Principal>;
}

/**
 * The agent behind a gateway request. The OpenAI SDK sends `Authorization: Bearer <key>`, the
 * Anthropic SDK `x-api-key: <key>`; both carry the agent's Bridle key.
 */
export async function agentOf(auth: Authenticator, door: Door, req: FastifyRequest): Promise<string> {
  if (req.headers.authorization !== undefined) {
    const p = await auth.authenticate(req, 'agent');
    if (p.kind === 'agent') return p.agentId;
  }
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key !== '') {
    const agentId = await authenticateKey(door.bridle.store, key);
    if (agentId) return agentId;
    throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Unknown or revoked API key');
  }
  throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Missing API key: send the agent\'s Bridle key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
}

/** Re-asks need room in the reservation: each attempt may cost as much as the first. */
function attemptsFor(door: Door, stream: boolean): number {
  if (stream) return 1;
  return door.outputChecks.some((c) => c.onFail === 'retry_with_feedback') ? 1 + door.config.reask_max : 1;
}

/** Aborts the upstream call when the client goes away before its answer. */
function clientSignal(reply: FastifyReply): AbortSignal {
  const ctrl = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) ctrl.abort();
  });
  return ctrl.signal;
}

/** One chat call in either dialect: admit, call (streamed or not), check, settle, answer. */
async function chat(door: Door, agentId: string, body: ChatBody, dialect: Dialect, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const stream = body.stream === true;
  // An upper bound, not a count: no tokenizer per call (see promptTokenBound).
  const promptTokens = promptTokenBound(body);
  const attempts = attemptsFor(door, stream);
  const cap = outputCap(body);
  const a = await admit(door, {
    agentId,
    body,
    operation: 'chat',
    // Every re-ask resends the conversation with the previous answer and the findings appended.
    promptTokens: promptTokens * attempts + ((attempts * (attempts - 1)) / 2) * (cap + 256),
    maxOutputTokens: cap * attempts,
    paramsMaxTokens: cap,
    prompt: promptHeader(req.headers['x-bridle-prompt']),
    idempotencyKey: idempotencyHeader(req.headers['idempotency-key']),
    text: messageText(body, door.config.untrusted_roles),
  });
  if (stream) {
    const opened = await openStream(door, a, clientSignal(reply));
    reply.hijack();
    // Anthropic's message_start shows input tokens before the provider's figure (in message_delta): an estimate.
    await pipeStream(door, a, opened, reply.raw, dialect, dialect === 'anthropic' ? door.router.countPromptTokens(body) : 0);
    return reply;
  }
  const completion = await runChat(door, a, clientSignal(reply), attempts);
  void reply.header('x-bridle-action-id', a.rec.id);
  return dialect === 'anthropic' ? chatToAnthropicResponse(completion, a.requestedModel) : completion;
}

export async function chatCompletions(door: Door, auth: Authenticator, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const agentId = await agentOf(auth, door, req);
  parseBody(chatBodySchema, req.body);
  return chat(door, agentId, req.body as ChatBody, 'openai', req, reply);
}

export async function messages(door: Door, auth: Authenticator, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const agentId = await agentOf(auth, door, req);
  parseBody(messagesBodySchema, req.body);
  const body = anthropicToChat(req.body as JsonObject);
  return chat(door, agentId, body, 'anthropic', req, reply);
}

export async function embeddings(door: Door, auth: Authenticator, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const agentId = await agentOf(auth, door, req);
  parseBody(embeddingsBodySchema, req.body);
  const body = req.body as JsonObject & { model: string };
  const inputs = typeof body.input === 'string' ? [body.input] : arr(body.input).filter((s): s is string => typeof s === 'string');
  const text = inputs.join('\n\n');
  const chatLike: ChatBody = { model: body.model, messages: [] };
  const a = await admit(door, {
    agentId,
    body: chatLike,
    operation: 'embeddings',
    promptTokens: inputs.reduce((n, s) => n + textTokenBound(s), 0) + (inputs.length === 0 ? arr(body.input).length : 0),
    maxOutputTokens: 0,
    paramsMaxTokens: 0,
    prompt: promptHeader(req.headers['x-bridle-prompt']),
    idempotencyKey: idempotencyHeader(req.headers['idempotency-key']),
    text: { text, untrusted: '' },
  });
  const started = door.now();
  try {
    const r = await door.router.embeddings({ ...body, model: a.model }, { signal: clientSignal(reply) });
    recordLlmCall({ operation: 'embeddings', provider: r.provider, requestModel: a.model, responseModel: r.model, inputTokens: r.usage.inputTokens, stream: false, startMs: started, endMs: door.now(), actionId: a.rec.id });
    await settle(door, a, { ok: true, usage: r.usage, attempts: r.attempts, provider: r.provider, kind: r.kind, model: r.model, request: body, response: { ...r.body, data: `[${arr(r.body.data).length} embeddings]` }, extra: { operation: 'embeddings', inputs: inputs.length } });
    void reply.header('x-bridle-action-id', a.rec.id);
    return r.body;
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    recordLlmCall({ operation: 'embeddings', provider: e.opts.provider ?? 'unknown', requestModel: a.model, stream: false, startMs: started, endMs: door.now(), error: e.failure, actionId: a.rec.id });
    await settle(door, a, { ok: false, usage: null, attempts: e.opts.attempts ?? [], error: `upstream ${e.failure}: ${e.message}`, request: body, response: e.opts.body ?? null, extra: { operation: 'embeddings' } });
    throw upstreamError(e);
  }
}

export async function listModels(door: Door, auth: Authenticator, req: FastifyRequest): Promise<unknown> {
  await agentOf(auth, door, req);
  return { object: 'list', data: door.router.models().map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.ownedBy })) };
}
