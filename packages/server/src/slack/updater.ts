import type { SlackClient } from './client.js';
import type { MessageRef, SlackMessage } from './types.js';

export interface MessageUpdaterOptions {
  client: SlackClient;
  now?: () => number;
  /** Slack allows 5 uses of a response_url… */
  maxUses?: number;
  /** …within 30 minutes of the interaction that issued it. */
  maxAgeMs?: number;
}

export interface MessageUpdater {
  /** Records the response_url an interaction on this message brought (a new URL starts at 0 uses). */
  remember(ref: MessageRef, responseUrl: string, issuedAt?: number): void;
  /** Replaces the message: via response_url while it is usable, else chat.update. Returns which was used. */
  update(ref: MessageRef, message: SlackMessage): Promise<'response_url' | 'chat.update'>;
  /** A message only `user` sees: via response_url while usable, else chat.postEphemeral. */
  ephemeral(ref: MessageRef, user: string, text: string): Promise<'response_url' | 'chat.postEphemeral'>;
}

interface Entry {
  url: string;
  issuedAt: number;
  uses: number;
}

const key = (r: MessageRef) => `${r.channel}\u0000${r.ts}`;

/**
 * Updates approval messages. response_url needs no token and works in channels the bot has
 * left, but only 5 times within 30 minutes; after that chat.update with channel + ts does.
 */
export function createMessageUpdater(opts: MessageUpdaterOptions): MessageUpdater {
  const now = opts.now ?? Date.now;
  const maxUses = opts.maxUses ?? 5;
  const maxAgeMs = opts.maxAgeMs ?? 30 * 60_000;
  const entries = new Map<string, Entry>();

  /** Takes one use of the message's response_url if it has one left, pruning dead entries. */
  function take(ref: MessageRef): string | undefined {
    const t = now();
    for (const [k, e] of entries) if (t - e.issuedAt >= maxAgeMs) entries.delete(k);
    const e = entries.get(key(ref));
    if (!e || e.uses >= maxUses) return undefined;
    e.uses++;
    return e.url;
  }

  return {
    remember(ref, responseUrl, issuedAt = now()) {
      const e = entries.get(key(ref));
      // The same URL again (a replayed or repeated payload) keeps its count and age.
      if (e && e.url === responseUrl) return;
      entries.set(key(ref), { url: responseUrl, issuedAt, uses: 0 });
    },
    async update(ref, message) {
      const url = take(ref);
      if (url) {
        try {
          await opts.client.respond(url, { replace_original: true, text: message.text, blocks: message.blocks });
          return 'response_url';
        } catch {
          // An expired or used-up URL (Slack's count may differ from ours): chat.update still works.
          entries.delete(key(ref));
        }
      }
      await opts.client.update(ref, message);
      return 'chat.update';
    },
    async ephemeral(ref, user, text) {
      const url = take(ref);
      if (url) {
        try {
          await opts.client.respond(url, { response_type: 'ephemeral', replace_original: false, text });
          return 'response_url';
        } catch {
          entries.delete(key(ref));
        }
      }
      await opts.client.postEphemeral(ref.channel, user, text);
      return 'chat.postEphemeral';
    },
  };
}
