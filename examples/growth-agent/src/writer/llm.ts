import { z } from 'zod';
import { BridleError } from '@bridle/core';
import type { Brand } from '../brand.js';
import type { BridleClient } from '../client.js';
import { fits, measure, RULES, type Platform } from '../platforms.js';
import type { Draft } from '../state.js';
import { containsAny } from './text.js';
import type { DraftRequest, Writer } from './types.js';

/** What the model must answer. */
const replySchema = z.object({
  text: z.string().trim().min(1),
  title: z.string().trim().min(1).optional(),
  confidence: z.number().min(0).max(1),
  rationale: z.string().trim().min(1),
});

/** One corrective round when a draft breaks a limit or a banned phrase; Bridle decides after that. */
const MAX_ATTEMPTS = 2;

interface ChatCompletion {
  choices?: { message?: { content?: string | null } }[];
}

export function systemPrompt(brand: Brand, platform: Platform): string {
  const r = RULES[platform];
  const lines = [
    `You write social media posts for ${brand.name}.`,
    `Voice: ${brand.voice}`,
    ...(brand.audience ? [`Audience: ${brand.audience}`] : []),
    `Platform: ${platform}. ${r.conventions}`,
    `Hard limit: ${r.limit} characters${platform === 'x' ? ' (weighted as X counts them)' : ''}${r.titleLimit ? `; the title at most ${r.titleLimit} characters and required` : ''}.`,
    ...(brand.banned_phrases.length ? [`Never use these phrases, in any spelling: ${brand.banned_phrases.map((p) => `"${p}"`).join(', ')}.`] : []),
    ...(brand.competitors.length ? [`Do not mention competitors (${brand.competitors.join(', ')}) unless the brief asks for it.`] : []),
    ...(brand.hashtags.length && r.hashtags ? [`Brand hashtags you may use: ${brand.hashtags.map((h) => `#${h}`).join(' ')}.`] : []),
  ];
  const examples = brand.examples.filter((e) => e.platform === platform).concat(brand.examples.filter((e) => e.platform !== platform)).slice(0, 4);
  if (examples.length) lines.push('', 'Posts in the brand voice:', ...examples.map((e) => `- (${e.platform}) ${e.title ? `${e.title}: ` : ''}${e.text}`));
  lines.push(
    '',
    'Answer with one JSON object only: {"text": string, "title"?: string (Reddit only), "confidence": number from 0 to 1 (how sure you are the post is on brand and ready to publish), "rationale": string (one sentence for the human reviewer)}.',
  );
  return lines.join('\n');
}

export function userPrompt(req: DraftRequest): string {
  const { slot, brand, revise } = req;
  const link = slot.link ?? brand.link;
  const brief = [`Write a ${slot.platform} post about: ${slot.topic}.`, `It is published at ${new Date(slot.at).toISOString()}.`, ...(slot.campaign ? [`Campaign: ${slot.campaign}.`] : []), ...(link ? [`Include this link: ${link}`] : [])];
  if (!revise) return brief.join('\n');
  const issues = revise.feedback.findings.flatMap((c) => [`- ${c.check}: ${c.reason}`, ...c.findings.map((f) => `  - ${f.message}${f.match ? ` (“${f.match}”)` : ''}`)]);
  return [...brief, '', 'Your previous draft was sent back by the reviewer policy:', revise.previous.text, '', 'Problems:', ...issues, '', 'Rewrite it to fix every problem, keeping what was good.'].join('\n');
}

/** Pulls the JSON object out of a reply, tolerating code fences and text around it. */
export function parseReply(content: string): z.output<typeof replySchema> {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end <= start) throw new BridleError('BRIDLE_E_CONNECTOR', 'the model did not answer with a JSON object', { reply: content.slice(0, 200) });
  let json: unknown;
  try {
    json = JSON.parse(content.slice(start, end + 1));
  } catch {
    throw new BridleError('BRIDLE_E_CONNECTOR', 'the model answered with malformed JSON', { reply: content.slice(0, 200) });
  }
  const r = replySchema.safeParse(json);
  if (!r.success) throw new BridleError('BRIDLE_E_CONNECTOR', `the model's JSON is not a draft: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** What is wrong with a draft by the agent's own lights, or undefined when nothing is. */
function problems(brand: Brand, platform: Platform, d: { text: string; title?: string | undefined }): string | undefined {
  if (!fits(platform, d.text, d.title)) return `It is ${measure(platform, d.text)} characters; the limit is ${RULES[platform].limit}. Shorten it.`;
  if (platform === 'reddit' && !d.title) return 'Reddit posts need a title.';
  const banned = containsAny(`${d.title ?? ''}\n${d.text}`, brand.banned_phrases);
  return banned ? `It uses the banned phrase "${banned}". Remove it.` : undefined;
}

/**
 * Drafts through Bridle's LLM gateway (`POST /v1/chat/completions`, OpenAI format) with the
 * agent's own key, so model calls count against the agent's budget and pass the gateway's checks.
 *
 * @example
 *   const writer = llmWriter(client, 'gpt-4o-mini');
 */
export function llmWriter(client: BridleClient, model: string, opts: { temperature?: number } = {}): Writer {
  return {
    name: `llm:${model}`,
    async draft(req: DraftRequest): Promise<Draft> {
      const platform = req.slot.platform;
      const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
        { role: 'system', content: systemPrompt(req.brand, platform) },
        { role: 'user', content: userPrompt(req) },
      ];
      let last: z.output<typeof replySchema> | undefined;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const c = await client.chat<ChatCompletion>({ model, messages, temperature: opts.temperature ?? 0.7, response_format: { type: 'json_object' } });
        const content = c.choices?.[0]?.message?.content;
        if (typeof content !== 'string') throw new BridleError('BRIDLE_E_CONNECTOR', 'the gateway answered without a message');
        last = parseReply(content);
        const wrong = problems(req.brand, platform, last);
        if (!wrong) break;
        messages.push({ role: 'assistant', content }, { role: 'user', content: `${wrong} Answer with the corrected JSON object.` });
      }
      const d = last!;
      // Still wrong after the corrective round: submit anyway and let Bridle's checks decide.
      return { text: d.text, ...(platform === 'reddit' && d.title ? { title: d.title } : {}), confidence: d.confidence, rationale: d.rationale, writer: `llm:${model}` };
    },
  };
}
