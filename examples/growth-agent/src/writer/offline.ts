import type { Brand } from '../brand.js';
import type { Slot } from '../calendar.js';
import { fitTo, fits, RULES, type Platform } from '../platforms.js';
import type { Draft } from '../state.js';
import { flaggedBy, removeFlagged, stableHash, stripPhrases, tidy } from './text.js';
import type { DraftRequest, Writer } from './types.js';

/** Shown in every rationale and log line of an offline draft, so no one mistakes it for a model's. */
export const OFFLINE_LABEL = 'offline template writer — no model configured';
/** Templates are a guess at the brand's voice, not a judgement of it: approvers should look closely. */
const CONFIDENCE = 0.5;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const stop = (s: string) => (/[.!?…]$/.test(s) ? s : `${s}.`);

type Template = (brand: Brand, topic: string) => string;

const SHORT: Template[] = [
  (b, t) => `${stop(cap(t))} We have been talking about it all week at ${b.name}. What is your take?`,
  (b, t) => `Today at ${b.name}: ${stop(t)} Pull up a cup and tell us how you would do it.`,
  (b, t) => `A small thing we love: ${stop(t)} More soon from the ${b.name} crew.`,
];

const LONG: Template[] = [
  (b, t) => `${stop(cap(t))}\n\nAt ${b.name} we spend a lot of time on the details most people never see. This week that meant ${t}, and we learned something we want to share.\n\nHow does your team handle it? We would love to hear.`,
  (b, t) => `Behind the scenes at ${b.name}: ${stop(t)}\n\nSmall choices add up to the cup in your hand. Here is what we changed, and why it matters to us.\n\nWhat would you like us to write about next?`,
];

function hashtags(brand: Brand, platform: Platform): string {
  const n = RULES[platform].hashtags;
  return brand.hashtags.slice(0, n).map((h) => `#${h}`).join(' ');
}

/** Builds the post for a slot from the templates, deterministically (same slot, same post). */
function compose(brand: Brand, slot: Slot, variant: number): { text: string; title?: string } {
  // The topic comes from the calendar: scrub the brand's banned phrases from it before use.
  const topic = stripPhrases(slot.topic, brand.banned_phrases) || brand.topics[variant % brand.topics.length]!;
  const link = slot.link ?? brand.link;
  const tags = hashtags(brand, slot.platform);
  if (slot.platform === 'reddit') {
    const title = fitTo('reddit', `${stop(cap(topic))} Notes from a small roastery`, RULES.reddit.titleLimit);
    const body = `${LONG[variant % LONG.length]!(brand, topic)}\n\n(Disclosure: we are ${brand.name}.)${link ? `\n\n${link}` : ''}`;
    return { text: tidy(body), title };
  }
  const long = slot.platform === 'linkedin';
  const templates = long ? LONG : SHORT;
  const body = templates[variant % templates.length]!(brand, topic);
  const text = [body, link ?? '', tags].filter((s) => s !== '').join(long ? '\n\n' : '\n');
  return { text: fitTo(slot.platform, tidy(text)) };
}

function finish(brand: Brand, slot: Slot, post: { text: string; title?: string }, rationale: string): Draft {
  // Cleaning can only shorten, so the length guarantee from compose holds; check anyway.
  let text = stripPhrases(post.text, brand.banned_phrases);
  if (!fits(slot.platform, text)) text = fitTo(slot.platform, text);
  if (text === '') text = `News from ${brand.name}.`;
  const title = post.title === undefined ? undefined : stripPhrases(post.title, brand.banned_phrases) || `News from ${brand.name}`;
  return { text, ...(title !== undefined ? { title } : {}), confidence: CONFIDENCE, rationale: `[${OFFLINE_LABEL}] ${rationale}`, writer: 'offline' };
}

/**
 * The offline template writer: deterministic posts from a few templates, the slot's topic, the
 * brand's link and hashtags, fitted to the platform's limit and cleaned of banned phrases.
 * It lets the demo run with no model; every draft says so in its rationale.
 *
 * @example
 *   const writer = offlineWriter();
 *   const draft = await writer.draft({ brand, slot });
 */
export function offlineWriter(): Writer {
  return {
    name: 'offline',
    async draft({ brand, slot, revise }: DraftRequest): Promise<Draft> {
      if (!revise) {
        const variant = stableHash(slot.id);
        return finish(brand, slot, compose(brand, slot, variant), `${slot.platform} post on "${slot.topic}" for ${new Date(slot.at).toISOString()}${slot.campaign ? ` (campaign ${slot.campaign})` : ''}.`);
      }
      const { previous, feedback } = revise;
      let text = removeFlagged(previous.text, feedback, 'text');
      const title = previous.title === undefined ? undefined : removeFlagged(previous.title, feedback, 'title');
      // A length failure has no span to cut: leave a margin so the revision clearly fits.
      if (flaggedBy(feedback, 'max_length')) text = fitTo(slot.platform, text, Math.floor(RULES[slot.platform].limit * 0.9));
      const checks = [...new Set(feedback.findings.map((f) => f.check))].join(', ');
      return finish(brand, slot, { text, ...(title !== undefined ? { title } : {}) }, `revision of the previous draft: removed what ${checks} flagged.`);
    },
  };
}
