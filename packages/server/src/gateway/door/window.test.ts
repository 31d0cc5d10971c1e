import { beforeAll, describe, expect, it } from 'vitest';
import { compileChecks, loadChecks, parsePolicy, type CompiledCheck } from '@bridle/core';
import type { ChatChunk } from '../types.js';
import { checkOutput } from './output-checks.js';
import { chunkText, StreamWindow, type GateResult } from './window.js';

let checks: CompiledCheck[] = [];
beforeAll(async () => {
  await loadChecks(['banned_phrases', 'pii']);
  const p = parsePolicy(`
agents: { bot: { mode: auto } }
actions: { llm.chat: { modes: [authorize] } }
gateway:
  providers: { p: { kind: openai } }
  output_checks:
    - banned_phrases: { list: [secret plan] }
    - pii: { entities: [email], on_fail: redact }
`);
  checks = compileChecks(p.document.gateway!.output_checks, p.document.defaults);
});

const content = (text: string): ChatChunk => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
const gate = (windowChars: number) => new StreamWindow(windowChars, (t) => checkOutput(checks, t, { agentId: 'bot', actionType: 'llm.chat' }));

/** Feeds text in pieces; returns what went out and how it ended. */
async function feed(w: StreamWindow, text: string, piece: number): Promise<{ sent: string; end: GateResult }> {
  let sent = '';
  const take = (r: GateResult) => {
    if (r.ok) for (const c of r.send) sent += chunkText(c);
    return r;
  };
  for (let i = 0; i < text.length; i += piece) {
    const r = take(await w.push(content(text.slice(i, i + piece))));
    if (!r.ok) return { sent, end: r };
  }
  const end = take(await w.finish());
  return { sent, end };
}

describe('StreamWindow', () => {
  it('lets clean text through in order, the last partial window at finish', async () => {
    const text = 'The quick brown fox jumps over the lazy dog, again and again and again.';
    const out = await feed(gate(16), text, 3);
    expect(out.end.ok).toBe(true);
    expect(out.sent).toBe(text);
  });

  it('holds text until its window is checked: nothing is sent before the first full window', async () => {
    const w = gate(32);
    const r = await w.push(content('short'));
    expect(r).toEqual({ ok: true, send: [] });
  });

  it('stops at the failing window; a phrase split across windows leaks not even its beginning', async () => {
    for (const piece of [1, 3, 5, 16]) {
      const out = await feed(gate(16), 'Nothing to see here at all. Then the secret plan is revealed, and more after.', piece);
      expect(out.end.ok).toBe(false);
      expect(out.end).toMatchObject({ check: 'banned_phrases' });
      expect(out.sent).not.toMatch(/secret|secre|secr/);
      expect('Nothing to see here at all. Then the '.startsWith(out.sent)).toBe(true);
    }
  });

  it('keeps role and finish chunks in order behind held text', async () => {
    const w = gate(64);
    const role: ChatChunk = { choices: [{ index: 0, delta: { role: 'assistant' } }] };
    const fin: ChatChunk = { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    expect(await w.push(role)).toEqual({ ok: true, send: [role] });
    expect(await w.push(content('hi'))).toEqual({ ok: true, send: [] });
    expect(await w.push(fin)).toEqual({ ok: true, send: [] });
    const last = await w.finish();
    expect(last.ok && last.send.map((c) => chunkText(c))).toEqual(['hi', '']);
  });

  it('redacts inside the held window', async () => {
    const out = await feed(gate(64), 'Write to ann@example.com for details.', 4);
    expect(out.end.ok).toBe(true);
    expect(out.sent).not.toContain('ann@example.com');
    expect(out.sent).toContain('Write to ');
  });
});
