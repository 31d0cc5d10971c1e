import { describe, expect, it } from 'vitest';
import { verifyStore } from '../audit/store.js';
import { ConnectorError, type Connector, type PublishedRequest } from '../connectors/types.js';
import { parsePolicy } from '../policy/load.js';
import { pipelineFor } from '../test-pipeline.js';

const OPERATOR = { actor: { type: 'operator' as const, id: 'ana' }, reason: 'posted by mistake' };

/** A platform stand-in that publishes into a map, deletes from it, and can be told to fail. */
function fakePlatform(name: string) {
  const posts = new Map<string, string>();
  let failUndo: Error | null = null;
  let n = 0;
  const connector: Connector = {
    name,
    async execute(req) {
      const id = `${name}-${++n}`;
      posts.set(id, String(req.params.text));
      return { result: { platform: name, id } };
    },
    async undo(req: PublishedRequest) {
      if (failUndo) throw failUndo;
      const id = (req.result as { id: string }).id;
      posts.delete(id);
      return { deleted: id };
    },
    async engagement(req: PublishedRequest) {
      return posts.has((req.result as { id: string }).id) ? { likes: 3 } : null;
    },
  };
  return { connector, posts, failWith: (e: Error | null) => (failUndo = e) };
}

const POLICY = `
agents:
  bot: { mode: auto }
actions:
  social.post:
    connector: social
  note.write: {}
connectors:
  social: { kind: social, platforms: { x: fake-x, linkedin: outbox } }
`;

describe('undo', () => {
  const x = fakePlatform('fake-x');
  const p = pipelineFor(POLICY, { connectors: { 'fake-x': x.connector } });

  it('deletes through the connector that published and records succeeded → undone', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'hello' } });
    expect(a.status).toBe('succeeded');
    const id = (a.result as { id: string }).id;
    expect(x.posts.has(id)).toBe(true);
    const undone = await p.bridle.undo(a.id, OPERATOR);
    expect(undone.status).toBe('undone');
    expect(x.posts.has(id)).toBe(false);
    expect((await p.bridle.get(a.id)).status).toBe('undone');
    const kinds = (await p.t.store.db.selectFrom('audit').select(['kind']).where('action_id', '=', a.id).orderBy('seq').execute()).map((r) => r.kind);
    expect(kinds.at(-1)).toBe('action.undone');
    expect((await verifyStore(p.t.store, null)).ok).toBe(true);
    await expect(p.bridle.undo(a.id, OPERATOR)).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE' });
  });

  it('removes the outbox record when the sandbox published it', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'linkedin', text: 'sandboxed' } });
    expect(await p.t.store.db.selectFrom('outbox').select('id').where('action_id', '=', a.id).execute()).toHaveLength(1);
    await p.bridle.undo(a.id, OPERATOR);
    expect(await p.t.store.db.selectFrom('outbox').select('id').where('action_id', '=', a.id).execute()).toHaveLength(0);
  });

  it('keeps the action succeeded and audits the failure when the platform refuses', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'sticky' } });
    x.failWith(new ConnectorError('fake-x', 'rate_limited', 'slow down', { status: 429, retryAfterMs: 1000 }));
    try {
      await expect(p.bridle.undo(a.id, OPERATOR)).rejects.toMatchObject({ code: 'BRIDLE_E_CONNECTOR', details: { retryable: true, retryAfterMs: 1000 } });
    } finally {
      x.failWith(null);
    }
    expect((await p.bridle.get(a.id)).status).toBe('succeeded');
    const failed = await p.t.store.db.selectFrom('audit').select('kind').where('action_id', '=', a.id).where('kind', '=', 'action.undo_failed').execute();
    expect(failed).toHaveLength(1);
    expect((await p.bridle.undo(a.id, OPERATOR)).status).toBe('undone');
  });

  it('refuses actions that did not succeed, and routes a platform nobody configured to failure', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'tiktok', text: 'nowhere to go' } });
    expect(a.status).toBe('failed');
    expect(a.error?.message).toMatch(/no connector for platform "tiktok"/);
    await expect(p.bridle.undo(a.id, OPERATOR)).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE' });
  });
});

describe('connectors in the policy', () => {
  it('names the field of a bad connector entry', () => {
    expect(() => parsePolicy(`${POLICY}  other: { kind: tweeter }\n`)).toThrow(/connectors\.other\.kind[\s\S]*unknown connector kind "tweeter"/);
    expect(() => parsePolicy(POLICY.replace('linkedin: outbox', 'linkedin: nope'), { connectors: ['outbox', 'fake-x'] })).toThrow(/connectors\.social\.platforms\.linkedin[\s\S]*"nope" is not a connector/);
    expect(() => parsePolicy(POLICY.replace('connector: social', 'connector: socail'), { connectors: ['outbox', 'fake-x'] })).toThrow(/did you mean "social"/);
  });
});
