import type { JsonObject } from '@bridle/core';
import { contentText, isObject, objects, str } from '../translate/common.js';
import type { ChatChunk } from '../types.js';
import type { OutputVerdict } from './output-checks.js';

/** A phrase up to this long (or the window size, if smaller) never leaks even in part across windows. */
export const MAX_HOLDBACK = 128;

/** What the gate lets through: chunks to send now, or why the stream must stop here. */
export type GateResult = { ok: true; send: ChatChunk[] } | { ok: false; check: string; reason: string };

/** The checkable text of a chunk: every choice's content delta and tool-call argument fragments. */
export function chunkText(chunk: ChatChunk): string {
  let out = '';
  for (const choice of objects(chunk.choices)) {
    const delta = isObject(choice.delta) ? choice.delta : {};
    out += contentText(delta.content);
    for (const call of objects(delta.tool_calls)) {
      const fn = isObject(call.function) ? call.function : {};
      out += str(fn.arguments) ?? '';
    }
  }
  return out;
}

/**
 * Holds a stream's chunks back until the text they carry has been checked, one window of at
 * least `windowChars` characters at a time, so nothing past a failing window reaches the
 * client. Chunks keep their order: a chunk without text (role, finish_reason, usage) waits
 * behind held text. Each window is checked with the tail of the text before it, and the last
 * `min(windowChars, 128)` characters of a passing window stay held until the next one is checked,
 * so a phrase split across two windows is seen whole and none of it goes out early.
 *
 * @example
 *   const gate = new StreamWindow(256, (t) => checkOutput(checks, t, ctx));
 *   for await (const c of stream.chunks) { const r = await gate.push(c); if (!r.ok) break; send(r.send); }
 *   const last = await gate.finish();
 */
export class StreamWindow {
  private pending: ChatChunk[] = [];
  private pendingText = '';
  private released = '';
  /** Windows checked, for the audit record. */
  windows = 0;
  redactions = 0;

  /** Characters held back after a passing window (see `releaseKeepingTail`). */
  private readonly holdback: number;

  constructor(
    private readonly windowChars: number,
    private readonly check: (text: string) => Promise<OutputVerdict>,
  ) {
    this.holdback = Math.min(windowChars, MAX_HOLDBACK);
  }

  /** The text that has been checked and let through so far. */
  get sentText(): string {
    return this.released;
  }

  async push(chunk: ChatChunk): Promise<GateResult> {
    const text = chunkText(chunk);
    this.pending.push(chunk);
    this.pendingText += text;
    if (this.pendingText === '') return this.release();
    if (this.pendingText.length < this.windowChars + this.holdback) return { ok: true, send: [] };
    return this.checkWindow(false);
  }

  /** Checks the last, partial window; call when the upstream stream ended cleanly. */
  finish(): Promise<GateResult> {
    if (this.pendingText === '') return Promise.resolve(this.release());
    return this.checkWindow(true);
  }

  private release(): GateResult {
    const send = this.pending;
    this.released += this.pendingText;
    this.pending = [];
    this.pendingText = '';
    return { ok: true, send };
  }

  /**
   * Releases checked chunks from the front while at least `holdback` characters stay held: a
   * phrase that starts in a checked window but ends in the next one was not complete when its
   * window passed, so its beginning must not go out before the next window is checked.
   */
  private releaseKeepingTail(): GateResult {
    const send: ChatChunk[] = [];
    let rest = this.pendingText;
    while (this.pending.length > 0) {
      const text = chunkText(this.pending[0]!);
      if (rest.length - text.length < this.holdback) break;
      send.push(this.pending.shift()!);
      rest = rest.slice(text.length);
      this.released += text;
    }
    this.pendingText = rest;
    return { ok: true, send };
  }

  private async checkWindow(last: boolean): Promise<GateResult> {
    this.windows++;
    const overlap = this.released.slice(-Math.min(this.windowChars, 256));
    const verdict = await this.check(overlap + this.pendingText);
    if (verdict.kind === 'pass') return last ? this.release() : this.releaseKeepingTail();
    if (verdict.kind === 'block') return { ok: false, check: verdict.check, reason: verdict.reason };
    if (verdict.kind === 'reask') return { ok: false, check: verdict.reports.find((r) => !r.passed)?.name ?? 'output', reason: 'an output check asked for a retry, which a stream cannot do' };
    // Redaction: only the held window can be rewritten; a finding reaching back into text already
    // sent, or inside tool-call arguments, cannot be fixed, so the stream stops instead.
    const alone = await this.check(this.pendingText);
    const redactable = this.pending.every((c) => objects(c.choices).length <= 1 && objects(c.choices).every((ch) => !isObject(ch.delta) || ch.delta.tool_calls === undefined));
    if (alone.kind !== 'redact' || !redactable) return { ok: false, check: verdict.reports.find((r) => !r.passed)?.name ?? 'output', reason: 'a finding could not be redacted inside the held window' };
    this.rewrite(alone.text);
    this.redactions++;
    return this.release();
  }

  /** Puts the redacted window text into the first content chunk and empties the others' content. */
  private rewrite(text: string): void {
    let placed = false;
    this.pending = this.pending.map((c) => {
      const choice = objects(c.choices)[0];
      if (!choice || !isObject(choice.delta) || typeof choice.delta.content !== 'string') return c;
      const delta: JsonObject = { ...choice.delta, content: placed ? '' : text };
      placed = true;
      return { ...c, choices: [{ ...choice, delta }] };
    });
    this.pendingText = text;
  }
}
