import { describe, expect, it } from 'vitest';
import { expandCalendar, offsetAt, parseCalendar, parseEvery, wallTimeToInstant } from './calendar.js';

const iso = (t: number) => new Date(t).toISOString();

describe('parseEvery', () => {
  it('reads day lists, ranges, aliases and several times', () => {
    expect(parseEvery('mon,wed,fri 09:30')).toEqual({ days: [1, 3, 5], times: [{ hour: 9, minute: 30 }] });
    expect(parseEvery('fri-mon 08:00,17:45').days).toEqual([0, 1, 5, 6]);
    expect(parseEvery('weekdays 12:00').days).toEqual([1, 2, 3, 4, 5]);
    expect(parseEvery('daily 00:00').days).toHaveLength(7);
  });

  it('refuses what it cannot read, saying how to write it', () => {
    expect(() => parseEvery('mondays 09:30')).toThrow(/"mondays" is not a day/);
    expect(() => parseEvery('mon 24:00')).toThrow(/not a time of day/);
    expect(() => parseEvery('09:30')).toThrow(/not a schedule/);
  });
});

describe('wall-clock times in a zone', () => {
  it('keeps 09:30 Paris at 09:30 local across the spring and autumn changes', () => {
    // CET (+1) before 2026-03-29, CEST (+2) after; back to CET on 2026-10-25.
    expect(iso(wallTimeToInstant('Europe/Paris', 2026, 3, 27, 9, 30))).toBe('2026-03-27T08:30:00.000Z');
    expect(iso(wallTimeToInstant('Europe/Paris', 2026, 3, 30, 9, 30))).toBe('2026-03-30T07:30:00.000Z');
    expect(iso(wallTimeToInstant('Europe/Paris', 2026, 10, 26, 9, 30))).toBe('2026-10-26T08:30:00.000Z');
    expect(offsetAt('Europe/Paris', Date.parse('2026-07-01T12:00:00Z'))).toBe(7_200_000);
  });

  it('moves a time skipped by spring-forward past the gap, and takes the first of a repeated time', () => {
    // 02:30 does not exist in Paris on 2026-03-29: it is read as 03:30 CEST.
    expect(iso(wallTimeToInstant('Europe/Paris', 2026, 3, 29, 2, 30))).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 2026-10-25: first in CEST (+2).
    expect(iso(wallTimeToInstant('Europe/Paris', 2026, 10, 25, 2, 30))).toBe('2026-10-25T00:30:00.000Z');
    // New York changes on other dates (2026-03-08): 02:30 → 03:30 EDT.
    expect(iso(wallTimeToInstant('America/New_York', 2026, 3, 8, 2, 30))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('handles zones with half-hour offsets and zones ahead of UTC by more than a day boundary', () => {
    expect(iso(wallTimeToInstant('Asia/Kolkata', 2026, 1, 1, 9, 0))).toBe('2026-01-01T03:30:00.000Z');
    expect(iso(wallTimeToInstant('Pacific/Auckland', 2026, 1, 1, 7, 0))).toBe('2025-12-31T18:00:00.000Z');
  });
});

describe('expandCalendar', () => {
  const cal = parseCalendar({
    timezone: 'Europe/Paris',
    entries: [
      { id: 'tips', every: 'mon,wed,fri 09:30', platforms: ['x', 'linkedin'], topic: 'brewing', campaign: 'brew-better' },
      { id: 'ny', every: 'daily 23:30', tz: 'America/New_York', platforms: ['x'], topic: 'late' },
      { id: 'launch', at: '2026-03-31T10:00:00+02:00', platforms: ['x'], topic: 'launch', link: 'https://acme.coffee/spring' },
    ],
  });

  it('expands a week across the spring change into exact, stable slots', () => {
    const from = Date.parse('2026-03-26T00:00:00Z'); // Thursday
    const slots = expandCalendar(cal, from, 7);
    const tips = slots.filter((s) => s.entryId === 'tips' && s.platform === 'x');
    expect(tips.map((s) => [s.id, iso(s.at)])).toEqual([
      ['tips@2026-03-27T09:30/x', '2026-03-27T08:30:00.000Z'],
      ['tips@2026-03-30T09:30/x', '2026-03-30T07:30:00.000Z'],
      ['tips@2026-04-01T09:30/x', '2026-04-01T07:30:00.000Z'],
    ]);
    expect(slots.filter((s) => s.entryId === 'tips')).toHaveLength(6);
    expect(slots.find((s) => s.entryId === 'tips')).toMatchObject({ campaign: 'brew-better', topic: 'brewing' });
    // Every slot lies in the window, in time order.
    expect(slots.every((s) => s.at >= from && s.at < from + 7 * 86_400_000)).toBe(true);
    expect(slots.map((s) => s.at)).toEqual([...slots.map((s) => s.at)].sort((a, b) => a - b));
    expect(slots.find((s) => s.entryId === 'launch')).toMatchObject({ id: 'launch/x', at: Date.parse('2026-03-31T08:00:00Z'), link: 'https://acme.coffee/spring' });
    // Same input, same slots: ids are the idempotency keys' basis.
    expect(expandCalendar(cal, from, 7)).toEqual(slots);
  });

  it('uses each entry’s own zone: 23:30 in New York is the next UTC day, with its local date in the id', () => {
    const slots = expandCalendar(cal, Date.parse('2026-03-26T00:00:00Z'), 2).filter((s) => s.entryId === 'ny');
    expect(slots.map((s) => [s.id, iso(s.at)])).toEqual([
      ['ny@2026-03-25T23:30/x', '2026-03-26T03:30:00.000Z'],
      ['ny@2026-03-26T23:30/x', '2026-03-27T03:30:00.000Z'],
    ]);
  });

  it('leaves out one-offs outside the window, and refuses bad windows and calendars', () => {
    expect(expandCalendar(cal, Date.parse('2026-04-02T00:00:00Z'), 3).some((s) => s.entryId === 'launch')).toBe(false);
    expect(() => expandCalendar(cal, 0, 0)).toThrow(/days must be/);
    expect(() => parseCalendar({ entries: [{ id: 'a', every: 'mon 09:00', tz: 'Mars/Olympus', platforms: ['x'], topic: 't' }] })).toThrow(/IANA time zone/);
    expect(() => parseCalendar({ entries: [{ id: 'a', at: '2026-01-01T00:00:00Z', platforms: ['x'], topic: 't' }, { id: 'a', at: '2026-01-02T00:00:00Z', platforms: ['x'], topic: 't' }] })).toThrow(/duplicate id "a"/);
    expect(() => parseCalendar({ entries: [{ id: 'a', at: '2026-01-01T00:00:00Z', platforms: ['myspace'], topic: 't' }] })).toThrow(/calendar is invalid/);
  });
});
