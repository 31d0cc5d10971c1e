import { describe, expect, it } from 'vitest';
import { loadBrand, SAMPLE_BRAND_FILE } from '../brand.js';
import type { Slot } from '../calendar.js';
import { measure, PLATFORMS, RULES } from '../platforms.js';
import { OFFLINE_LABEL, offlineWriter } from './offline.js';
import { containsAny } from './text.js';

const brand = loadBrand(SAMPLE_BRAND_FILE);
const writer = offlineWriter();
const slot = (over: Partial<Slot> = {}): Slot => ({ id: 'tips@2026-03-30T09:30/x', entryId: 'tips', platform: 'x', at: Date.parse('2026-03-30T07:30:00Z'), topic: 'the 1:16 ratio for pour-over', ...over });

describe('offline template writer', () => {
  it('writes within every platform’s limit, even for an absurdly long topic, and labels itself', async () => {
    const topics = ['the 1:16 ratio', 'our new Ethiopian 🇪🇹 beans, bright and floral ☕☕☕ '.repeat(30), 'x'.repeat(5000), '日本のコーヒー文化について'.repeat(20)];
    for (const platform of PLATFORMS) {
      for (const [i, topic] of topics.entries()) {
        const d = await writer.draft({ brand, slot: slot({ id: `s${i}/${platform}`, platform, topic }) });
        expect(measure(platform, d.text), `${platform} #${i}`).toBeLessThanOrEqual(RULES[platform].limit);
        if (platform === 'reddit') expect([...(d.title ?? '')].length).toBeGreaterThan(0);
        if (platform === 'reddit') expect([...d.title!].length).toBeLessThanOrEqual(300);
        expect(d.rationale).toContain(OFFLINE_LABEL);
        expect(d.writer).toBe('offline');
        expect(d.text.trim()).not.toBe('');
      }
    }
  });

  it('never emits a banned phrase, however the calendar spells it', async () => {
    const sneaky = ['guaranteed returns on your morning mood', 'a RISK-FREE trial', 'Get-Rich-Quick blend', 'it cures Mondays', 'the best coffee in the world, guaranteed   returns'];
    for (const platform of PLATFORMS) {
      for (const topic of sneaky) {
        const d = await writer.draft({ brand, slot: slot({ id: `b/${platform}/${topic}`, platform, topic }) });
        expect(containsAny(`${d.title ?? ''}\n${d.text}`, brand.banned_phrases), `${platform}: ${d.text}`).toBeUndefined();
      }
    }
  });

  it('is deterministic per slot, includes the link and brand hashtags, and varies across slots', async () => {
    const a = await writer.draft({ brand, slot: slot() });
    expect(await writer.draft({ brand, slot: slot() })).toEqual(a);
    expect(a.text).toContain('https://acme.coffee');
    expect(a.text).toContain('#acmecoffee');
    const texts = new Set<string>();
    for (let i = 0; i < 12; i++) texts.add((await writer.draft({ brand, slot: slot({ id: `v${i}/x` }) })).text);
    expect(texts.size).toBeGreaterThan(1);
  });

  it('revises by removing exactly what the feedback flags, and shortens after a length failure', async () => {
    const d = await writer.draft({ brand, slot: slot({ topic: 'how Starbucks taught us patience' }) });
    const at = d.text.indexOf('Starbucks');
    expect(at).toBeGreaterThanOrEqual(0);
    const revised = await writer.draft({
      brand,
      slot: slot({ topic: 'how Starbucks taught us patience' }),
      revise: { previous: d, feedback: { revisionsLeft: 1, findings: [{ check: 'competitors', reason: 'mentions a competitor', findings: [{ message: 'competitor', field: 'text', span: { start: at, end: at + 'Starbucks'.length } }] }] } },
    });
    expect(revised.text).not.toContain('Starbucks');
    expect(revised.text).not.toMatch(/ {2}/);
    expect(revised.rationale).toMatch(/revision .*competitors/);

    const long = { ...d, text: 'word '.repeat(100).trim() };
    const shorter = await writer.draft({ brand, slot: slot(), revise: { previous: long, feedback: { revisionsLeft: 1, findings: [{ check: 'max_length', reason: 'too long', findings: [] }] } } });
    expect(measure('x', shorter.text)).toBeLessThanOrEqual(Math.floor(280 * 0.9));
  });
});
