import type { ServerResponse } from 'node:http';
import type { JsonObject } from '@bridle/core';
import { chatChunksToAnthropicEvents } from '../translate/anthropic-door.js';
import { objects, str } from '../translate/common.js';
import { UpstreamError, type ChatChunk, type ChatStream, type Usage } from '../types.js';
import { settle, type Admitted, type Door } from './call.js';
import { errorBody, GatewayError, upstreamError, type Dialect } from './errors.js';
import { checkOutput } from './output-checks.js';
import { recordLlmCall } from './telemetry.js';
import { StreamWindow } from './window.js';

/** Writes server-sent events, waiting for the socket to drain so a slow client holds the upstream back. */
class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  async write(frame: string): Promise<void> {
    if (!this.open) return;
    if (this.res.write(frame)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    if (this.open) this.res.end();
  }
}

const openAiFrame = (data: JsonObject | string) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const anthropicFrame = (event: string, data: JsonObject) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A streamed call. Chunks go out as they come, except that text is held until its window has
 * passed the output checks; a failing window is never sent, the client gets an error event in
 * its own format (OpenAI: a `data: {"error":…}` line and no [DONE]; Anthropic: `event: error`)
 * and the upstream is aborted. Upstream failures mid-stream end the same way, never cleanly.
 * The report (exact cost from the router's usage) happens whatever the end, including a client
 * that went away; the clean end ([DONE] / message_stop) is sent only once it is durable.
 *
 * `openStream` waits for the first byte (fallbacks happen before it); a failure there is settled
 * and thrown, so the client gets an ordinary error response.
 */
export async function openStream(door: Door, a: Admitted, client: AbortSignal): Promise<{ stream: ChatStream; ctrl: AbortController; started: number }> {
  const ctrl = new AbortController();
  // A client that leaves before the first byte stops the upstream wait (and its fallbacks) too.
  if (client.aborted) ctrl.abort();
  else client.addEventListener('abort', () => ctrl.abort(), { once: true });
  const started = door.now();
  try {
    return { stream: await door.router.stream(a.body, { signal: ctrl.signal }), ctrl, started };
  } catch (e) {
    const ue = e instanceof UpstreamError ? e : new UpstreamError('connection', e instanceof Error ? e.message : String(e));
    recordLlmCall({ operation: 'chat', provider: ue.opts.provider ?? 'unknown', requestModel: a.model, stream: true, startMs: started, endMs: door.now(), error: ue.failure, actionId: a.rec.id });
    await settle(door, a, { ok: false, usage: null, attempts: ue.opts.attempts ?? [], error: `upstream ${ue.failure}: ${ue.message}`, request: a.body, response: ue.opts.body ?? null, extra: { stream: true } });
    throw upstreamError(ue);
  }
}

/** Relays an open stream to the client (see `openStream`), then settles and ends it. */
export async function pipeStream(door: Door, a: Admitted, opened: { stream: ChatStream; ctrl: AbortController; started: number }, res: ServerResponse, dialect: Dialect, anthropicInputTokens: number): Promise<void> {
  const { stream, ctrl, started } = opened;
  let clientGone = false;
  const onClose = () => {
    if (res.writableEnded) return;
    clientGone = true;
    ctrl.abort();
    stream.abort();
  };
  res.on('close', onClose);
  const out = new SseWriter(res);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-bridle-action-id': a.rec.id });
  const toAnthropic = dialect === 'anthropic' ? chatChunksToAnthropicEvents(a.requestedModel, { inputTokens: anthropicInputTokens }) : null;
  const send = async (chunks: ChatChunk[]) => {
    for (const c of chunks) {
      if (toAnthropic) for (const ev of toAnthropic(c)) await out.write(anthropicFrame(ev.event, ev.data));
      else await out.write(openAiFrame(c));
    }
  };
  const gate = new StreamWindow(door.config.stream_window_chars, (text) => checkOutput(door.outputChecks, text, { agentId: a.agentId, actionType: door.config.action_type }));

  let failure: GatewayError | null = null;
  let finishReason: string | null = null;
  let ended: 'done' | 'blocked' | 'upstream_error' | 'client_closed' = 'done';
  try {
    for await (const chunk of stream.chunks) {
      if (clientGone) break;
      for (const ch of objects(chunk.choices)) finishReason = str(ch.finish_reason) ?? finishReason;
      const r = await gate.push(chunk);
      if (!r.ok) {
        failure = new GatewayError(403, 'bridle_denied', 'output_check_failed', `Bridle stopped the stream (check ${r.check}): ${r.reason}`, { actionId: a.rec.id });
        ended = 'blocked';
        break;
      }
      await send(r.send);
    }
    if (clientGone) ended = 'client_closed';
    else if (!failure) {
      const r = await gate.finish();
      if (r.ok) await send(r.send);
      else {
        failure = new GatewayError(403, 'bridle_denied', 'output_check_failed', `Bridle stopped the stream (check ${r.check}): ${r.reason}`, { actionId: a.rec.id });
        ended = 'blocked';
      }
    }
  } catch (e) {
    if (clientGone) ended = 'client_closed';
    else {
      const ue = e instanceof UpstreamError ? e : new UpstreamError('connection', e instanceof Error ? e.message : String(e), { afterFirstByte: true });
      failure = upstreamError(ue);
      ended = 'upstream_error';
    }
  } finally {
    if (ended !== 'done') stream.abort();
    res.off('close', onClose);
  }

  // Exact after iteration ends; after an abort, the router's count of what was generated.
  const usage: Usage = stream.usage();
  recordLlmCall({ operation: 'chat', provider: stream.provider, requestModel: a.model, responseModel: stream.model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, ...(finishReason ? { finishReasons: [finishReason] } : {}), stream: true, startMs: started, endMs: door.now(), ...(ended !== 'done' ? { error: ended } : {}), actionId: a.rec.id });
  const response: JsonObject = { object: 'chat.completion.stream', model: stream.model, content: gate.sentText, finish_reason: finishReason, ended, usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens } };
  const error = failure ? failure.message : ended === 'client_closed' ? 'the client closed the connection mid-stream' : undefined;
  try {
    await settle(door, a, {
      ok: ended === 'done',
      usage,
      attempts: stream.attempts,
      provider: stream.provider,
      kind: stream.kind,
      model: stream.model,
      ...(stream.systemFingerprint ? { fingerprint: stream.systemFingerprint } : {}),
      finishReason,
      ...(error ? { error } : {}),
      request: a.body,
      response,
      extra: { stream: true, ended, windows: gate.windows, ...(gate.redactions > 0 ? { outputRedacted: true } : {}) },
    });
  } catch (e) {
    // Not durable, so not acknowledged: the client sees an error instead of a clean end.
    failure ??= new GatewayError(503, 'api_error', 'BRIDLE_E_STORE', `Bridle could not record the call: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!out.open) return;
  if (failure) {
    const body = errorBody(failure, dialect);
    await out.write(dialect === 'anthropic' ? anthropicFrame('error', body) : openAiFrame(body));
  } else if (toAnthropic) {
    for (const ev of toAnthropic.finish(usage)) await out.write(anthropicFrame(ev.event, ev.data));
  } else await out.write(openAiFrame('[DONE]'));
  out.end();
}
