/**
 * How each platform shows and counts a post, for the outbox previews. Limits and counting match
 * the `max_length` check (packages/core/src/checks/max-length/platforms.ts) so the counter an
 * operator sees agrees with what Bridle enforced.
 */
export type PlatformId = 'x' | 'linkedin' | 'instagram' | 'tiktok' | 'reddit';

export interface PlatformSpec {
  id: PlatformId;
  label: string;
  limit: number;
  counting: 'weighted' | 'code_points' | 'utf16';
}

export const PLATFORMS: Record<PlatformId, PlatformSpec> = {
  x: { id: 'x', label: 'X', limit: 280, counting: 'weighted' },
  linkedin: { id: 'linkedin', label: 'LinkedIn', limit: 3000, counting: 'code_points' },
  instagram: { id: 'instagram', label: 'Instagram', limit: 2200, counting: 'code_points' },
  tiktok: { id: 'tiktok', label: 'TikTok', limit: 2200, counting: 'utf16' },
  reddit: { id: 'reddit', label: 'Reddit', limit: 40000, counting: 'code_points' },
};

const ALIASES: Record<string, PlatformId> = { x: 'x', twitter: 'x', linkedin: 'linkedin', instagram: 'instagram', ig: 'instagram', tiktok: 'tiktok', reddit: 'reddit' };

export function resolvePlatform(name: unknown): PlatformSpec | null {
  if (typeof name !== 'string') return null;
  const id = ALIASES[name.trim().toLowerCase()];
  return id ? PLATFORMS[id] : null;
}

// twitter-text v3: these code point ranges weigh 1, everything else 2; every URL counts 23.
const LIGHT: [number, number][] = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];
const URL_RE = /https?:\/\/[^\s]+/g;
const URL_WEIGHT = 23;

/** X's weighted length (twitter-text v3): URLs count 23, CJK and emoji count 2. */
export function weightedLength(text: string): number {
  let n = 0;
  const rest = text.replace(URL_RE, () => {
    n += URL_WEIGHT;
    return '';
  });
  for (const ch of rest) {
    const cp = ch.codePointAt(0)!;
    n += LIGHT.some(([a, b]) => cp >= a && cp <= b) ? 1 : 2;
  }
  return n;
}

/** Length as the platform counts it. */
export function platformLength(spec: PlatformSpec, text: string): number {
  if (spec.counting === 'weighted') return weightedLength(text);
  if (spec.counting === 'utf16') return text.length;
  return [...text].length;
}

/** The post's text: `text`, else `body`, `caption`, `content` or `message`. */
export function postText(params: Record<string, unknown>): string {
  for (const k of ['text', 'body', 'caption', 'content', 'message']) {
    const v = params[k];
    if (typeof v === 'string') return v;
  }
  return '';
}

/** The account shown on the card: `handle`, `account`, `author` or `subreddit`, else the agent. */
export function postHandle(params: Record<string, unknown>, fallback: string): string {
  for (const k of ['handle', 'account', 'author', 'username']) {
    const v = params[k];
    if (typeof v === 'string' && v) return v.replace(/^@/, '');
  }
  return fallback;
}
