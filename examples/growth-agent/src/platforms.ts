/**
 * What the agent knows about each platform: the length limit Bridle's `max_length` check
 * enforces (counted the same way, so a draft that fits here passes there), and the conventions
 * a writer should follow.
 */

export const PLATFORMS = ['x', 'linkedin', 'reddit', 'instagram', 'tiktok'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PlatformRules {
  /** Limit of the post body, in the platform's own unit. */
  limit: number;
  /** Reddit only: limit of the title. */
  titleLimit?: number;
  /** How many hashtags read naturally there. */
  hashtags: number;
  conventions: string;
}

export const RULES: Record<Platform, PlatformRules> = {
  x: { limit: 280, hashtags: 2, conventions: 'One idea per post, conversational, at most two hashtags. Links count as 23 characters; emoji and CJK characters count double.' },
  linkedin: { limit: 3000, hashtags: 3, conventions: 'Professional and warm; a short hook line, two or three short paragraphs, a question or call to action at the end; hashtags at the end.' },
  reddit: { limit: 40_000, titleLimit: 300, hashtags: 0, conventions: 'Needs a descriptive title (no clickbait) and a body that adds value to the community; no hashtags, no marketing tone, disclose that you are the brand.' },
  instagram: { limit: 2200, hashtags: 5, conventions: 'Caption for an image: a vivid first line, short body, hashtags at the end.' },
  tiktok: { limit: 2200, hashtags: 4, conventions: 'Caption for a short video: punchy, trend-aware, a few hashtags.' },
};

const URL_RE = /https?:\/\/[^\s]+/g;
/** X counts a link as this many characters whatever its length (t.co wrapping). */
const X_URL_WEIGHT = 23;

/** twitter-text v3: these ranges weigh 1, every other code point weighs 2. */
function xWeight(cp: number): number {
  if (cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247)) return 1;
  return 2;
}

/** Length of `text` as `platform` counts it (X: weighted; others: characters). */
export function measure(platform: Platform, text: string): number {
  if (platform !== 'x') return [...text].length;
  let n = 0;
  const rest = text.replace(URL_RE, () => {
    n += X_URL_WEIGHT;
    return '';
  });
  // Surrogate pairs are one code point: iterate by code point, not UTF-16 unit.
  for (const ch of rest) n += xWeight(ch.codePointAt(0) ?? 0);
  return n;
}

/** True when the post (and its title, on Reddit) fits the platform's limits. */
export function fits(platform: Platform, text: string, title?: string): boolean {
  const r = RULES[platform];
  if (measure(platform, text) > r.limit) return false;
  if (r.titleLimit !== undefined && title !== undefined && [...title].length > r.titleLimit) return false;
  return true;
}

/**
 * Shortens `text` to at most `limit` (as `platform` counts it), cutting at a word boundary and
 * ending with an ellipsis. Trailing hashtags and links survive when there is room for them,
 * because they carry the post's reach and destination.
 */
export function fitTo(platform: Platform, text: string, limit = RULES[platform].limit): string {
  if (measure(platform, text) <= limit) return text;
  const words = text.split(/(\s+)/);
  const tail: string[] = [];
  while (words.length > 0) {
    const w = words[words.length - 1]!;
    if (/^\s*$/.test(w) || w.startsWith('#') || /^https?:\/\//.test(w)) {
      tail.unshift(words.pop()!);
      continue;
    }
    break;
  }
  let suffix = tail.join('').trim();
  if (measure(platform, suffix) > limit / 2) suffix = '';
  const budget = limit - (suffix ? measure(platform, suffix) + 1 : 0) - 1;
  let body = '';
  for (const w of words) {
    if (measure(platform, body + w) > budget) break;
    body += w;
  }
  body = body.trimEnd().replace(/[,;:\-–—]+$/, '');
  if (body === '') body = [...text].slice(0, Math.max(0, budget)).join('');
  const out = `${body}…${suffix ? `\n${suffix}` : ''}`;
  // A pathological input (one enormous word) can still be too long: cut by code point then.
  return measure(platform, out) <= limit ? out : [...out].slice(0, Math.floor(limit / 2)).join('');
}
