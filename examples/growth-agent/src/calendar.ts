import { z } from 'zod';
import { BridleError } from '@bridle/core';
import { describeIssues, readYaml } from './brand.js';
import { PLATFORMS, type Platform } from './platforms.js';

/*
 * The content calendar: recurring entries (`every: "mon,wed,fri 09:30"` in a time zone) and
 * one-offs (`at: <ISO time>`), expanded into concrete slots. Wall-clock times are converted with
 * Intl, so "09:30 in Paris" stays 09:30 across daylight-saving changes.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_ALIASES: Record<string, number[]> = { daily: [0, 1, 2, 3, 4, 5, 6], weekdays: [1, 2, 3, 4, 5], weekends: [0, 6] };
const DAY_MS = 86_400_000;
/** Far enough that a typo in `--days` cannot expand into millions of slots. */
export const MAX_DAYS = 366;

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const zone = z.string().refine(validZone, { message: 'an IANA time zone such as Europe/Paris or America/New_York' });
const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'ids use letters, digits, ".", "_" and "-" (max 63)');

export interface Every {
  days: number[];
  times: { hour: number; minute: number }[];
}

/** Parses `"mon,wed,fri 09:30"`, `"mon-fri 08:00,17:30"`, `"daily 12:00"`. */
export function parseEvery(spec: string): Every {
  const m = /^\s*([a-z,-]+)\s+([\d:,\s]+)$/i.exec(spec);
  if (!m) throw new Error(`"${spec}" is not a schedule; write days and times, e.g. "mon,wed,fri 09:30" or "daily 08:00,17:30"`);
  const days = new Set<number>();
  for (const part of m[1]!.toLowerCase().split(',')) {
    const alias = DAY_ALIASES[part];
    if (alias) {
      alias.forEach((d) => days.add(d));
      continue;
    }
    const [a, b] = part.split('-');
    const from = DAYS.indexOf(a as (typeof DAYS)[number]);
    const to = b === undefined ? from : DAYS.indexOf(b as (typeof DAYS)[number]);
    if (from < 0 || to < 0) throw new Error(`"${part}" is not a day; use mon…sun, a range such as mon-fri, daily, weekdays or weekends`);
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  const times = m[2]!.split(',').map((t) => {
    const tm = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(t);
    const hour = Number(tm?.[1]);
    const minute = Number(tm?.[2]);
    if (!tm || hour > 23 || minute > 59) throw new Error(`"${t.trim()}" is not a time of day; use HH:MM (24-hour)`);
    return { hour, minute };
  });
  return { days: [...days].sort(), times };
}

const common = {
  id,
  platforms: z.array(z.enum(PLATFORMS)).min(1),
  topic: z.string().trim().min(1).max(500),
  campaign: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'campaign names use letters, digits, ".", "_" and "-" (max 63)').optional(),
  /** A link the post should carry (defaults to the brand's). */
  link: z.url({ protocol: /^https?$/ }).optional(),
  /** Instagram and TikTok posts need media when published for real (the outbox does not). */
  media_url: z.url({ protocol: /^https?$/ }).optional(),
};

const recurring = z
  .object({ ...common, every: z.string().transform((s, ctx) => {
    try {
      return parseEvery(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  }), tz: zone.optional() })
  .strict();
const oneOff = z.object({ ...common, at: z.iso.datetime({ offset: true }) }).strict();

export const calendarSchema = z
  .object({
    /** Default zone for recurring entries without their own `tz`. */
    timezone: zone.default('UTC'),
    entries: z.array(z.union([recurring, oneOff])).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.entries.forEach((e, i) => {
      if (seen.has(e.id)) ctx.addIssue({ code: 'custom', path: ['entries', i, 'id'], message: `duplicate id "${e.id}": slot ids (and so idempotency keys) derive from it` });
      seen.add(e.id);
    });
  });

export type Calendar = z.output<typeof calendarSchema>;
export type CalendarEntry = Calendar['entries'][number];

/** One post to write: an entry, on one platform, at one instant. */
export interface Slot {
  /** Stable across runs and restarts: `<entry>@<local date>T<HH:MM>/<platform>` (or `<entry>/<platform>` for one-offs). */
  id: string;
  entryId: string;
  platform: Platform;
  /** Epoch milliseconds. */
  at: number;
  topic: string;
  campaign?: string;
  link?: string;
  mediaUrl?: string;
}

export function parseCalendar(value: unknown, file = 'calendar'): Calendar {
  const r = calendarSchema.safeParse(value);
  if (!r.success) throw new BridleError('BRIDLE_E_CONFIG', `the content calendar is invalid:\n${describeIssues(file, r.error)}`, { file });
  return r.data;
}

export function loadCalendar(file: string): Calendar {
  return parseCalendar(readYaml(file), file);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(tz: string, t: number): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  const o: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(t))) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return { y: o.year!, mo: o.month!, d: o.day!, h: o.hour!, mi: o.minute!, s: o.second! };
}

/** The zone's offset from UTC at instant `t`, in ms (Paris in summer: +7,200,000). */
export function offsetAt(tz: string, t: number): number {
  const p = parts(tz, t);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return asUtc - (t - (((t % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time in `tz` means. A time skipped by a spring-forward change is
 * moved forward by the gap (02:30 → 03:30), and an ambiguous autumn time takes its first
 * occurrence: what Temporal calls "compatible", and what people expect of a posting slot.
 */
export function wallTimeToInstant(tz: string, y: number, mo: number, d: number, h: number, mi: number): number {
  const local = Date.UTC(y, mo - 1, d, h, mi);
  const before = offsetAt(tz, local - DAY_MS);
  const after = offsetAt(tz, local + DAY_MS);
  const candidates = [...new Set([local - before, local - after])].filter((t) => offsetAt(tz, t) === local - t).sort((a, b) => a - b);
  // No candidate: the time falls in a gap; reading it with the earlier offset lands after the jump.
  return candidates[0] ?? local - before;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Every slot from `from` (inclusive) to `from + days` (exclusive), in time order. One-offs are
 * included when their instant falls in that window.
 */
export function expandCalendar(cal: Calendar, from: number, days: number): Slot[] {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new BridleError('BRIDLE_E_CONFIG', `days must be a whole number from 1 to ${MAX_DAYS} (got ${days})`);
  const until = from + days * DAY_MS;
  const slots: Slot[] = [];
  const push = (e: CalendarEntry, at: number, key: string) => {
    for (const platform of e.platforms) {
      slots.push({ id: `${key}/${platform}`, entryId: e.id, platform, at, topic: e.topic, ...(e.campaign ? { campaign: e.campaign } : {}), ...(e.link ? { link: e.link } : {}), ...(e.media_url ? { mediaUrl: e.media_url } : {}) });
    }
  };
  for (const e of cal.entries) {
    if ('at' in e) {
      const at = Date.parse(e.at);
      if (at >= from && at < until) push(e, at, e.id);
      continue;
    }
    const tz = e.tz ?? cal.timezone;
    const start = parts(tz, from);
    // One extra local day each side covers zones far from UTC; the window filter trims them.
    for (let i = -1; i <= days + 1; i++) {
      const day = new Date(Date.UTC(start.y, start.mo - 1, start.d + i));
      if (!e.every.days.includes(day.getUTCDay())) continue;
      const [y, mo, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
      for (const t of e.every.times) {
        const at = wallTimeToInstant(tz, y, mo, d, t.hour, t.minute);
        if (at >= from && at < until) push(e, at, `${e.id}@${y}-${pad(mo)}-${pad(d)}T${pad(t.hour)}:${pad(t.minute)}`);
      }
    }
  }
  return slots.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
}
