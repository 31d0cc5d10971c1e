/**
 * How a platform counts length. Each platform counts differently, and counting in the wrong
 * unit lets through posts the platform then rejects at publish time, after approval.
 */
export type Counting = 'weighted' | 'code_points' | 'utf16';

/** Platforms with a built-in limit. */
export type Platform = 'x' | 'instagram' | 'tiktok' | 'linkedin' | 'reddit';

export interface LengthRule {
  /** Canonical lower-case platform name, used in messages. */
  readonly name: string;
  readonly limit: number;
  readonly counting: Counting;
  /** What the limit is measured in, for messages ("weighted characters"). */
  readonly unit: string;
}

/** Built-in limits; `limits` in the options overrides or adds to these. */
export const PLATFORM_RULES: Readonly<Record<Platform, LengthRule>> = {
  // 280 weighted characters, counted by twitter-text v3:
  // https://docs.x.com/resources/fundamentals/counting-characters and
  // https://github.com/twitter/twitter-text/blob/master/config/v3.json
  x: { name: 'x', limit: 280, counting: 'weighted', unit: 'weighted characters' },
  // Caption: "Maximum 2200 characters" (Instagram Graph API, POST /{ig-user-id}/media):
  // https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
  instagram: { name: 'instagram', limit: 2200, counting: 'code_points', unit: 'characters' },
  // post_info.title: "max 2200 UTF-16 runes" (Content Posting API, Direct Post):
  // https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
  tiktok: { name: 'tiktok', limit: 2200, counting: 'utf16', unit: 'UTF-16 code units' },
  // Post commentary is capped at 3000 characters (LinkedIn share box and Posts API `commentary`):
  // https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
  linkedin: { name: 'linkedin', limit: 3000, counting: 'code_points', unit: 'characters' },
  // Self-post body 40000 characters; the title has its own limit (REDDIT_TITLE_RULE).
  // Reddit's r2 validators (github.com/reddit-archive/reddit, r2/lib/validator/validator.py)
  // and the submit form's counters.
  reddit: { name: 'reddit', limit: 40000, counting: 'code_points', unit: 'characters' },
};

/** Reddit titles: 300 characters (r2 `VTitle(max_length=300)`, same source as above). */
export const REDDIT_TITLE_RULE: LengthRule = {
  name: 'reddit',
  limit: 300,
  counting: 'code_points',
  unit: 'characters in a title',
};

/** The parameter holding a Reddit post's title. */
export const REDDIT_TITLE_FIELD = 'title';

const ALIASES: ReadonlyMap<string, Platform> = new Map<string, Platform>([
  ['x', 'x'],
  // The platform was renamed in 2023; agents and old configs still say twitter.
  ['twitter', 'x'],
  ['instagram', 'instagram'],
  ['tiktok', 'tiktok'],
  ['linkedin', 'linkedin'],
  ['reddit', 'reddit'],
]);

/** The key a platform name is looked up by: trimmed, lower-case, aliases resolved. */
export function platformKey(name: string): string {
  const key = name.trim().toLowerCase();
  return ALIASES.get(key) ?? key;
}

/**
 * The built-in platform a name refers to, case-insensitively and through aliases.
 *
 * @example resolvePlatform('Twitter') // 'x'
 */
export function resolvePlatform(name: string): Platform | undefined {
  return ALIASES.get(name.trim().toLowerCase());
}

export const KNOWN_PLATFORMS = 'x (twitter), instagram, tiktok, linkedin, reddit';
