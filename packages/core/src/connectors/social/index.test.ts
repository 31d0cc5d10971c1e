import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { testStore, type TestStore } from '../../test-support.js';
import { startXServer, type XTestServer } from '../x/test-server.js';
import { startLinkedInServer, type LinkedInTestServer } from '../linkedin/test-server.js';

const AUTHOR = 'urn:li:organization:2414183';

/**
 * The whole path a user configures: connectors named in bridle.yaml with credentials from the
 * environment, a social router by platform, real HTTP to servers speaking X's and LinkedIn's
 * documented APIs, then undo and engagement through the same routes.
 */
describe('social router over policy-configured platform connectors', () => {
  let xs: XTestServer;
  let li: LinkedInTestServer;
  let t: TestStore;
  let bridle: Bridle;

  beforeAll(async () => {
    xs = await startXServer({ bearer: 'x-secret' });
    li = await startLinkedInServer({ token: 'li-secret', author: AUTHOR });
    t = await testStore('sqlite');
    const policy = parsePolicy(`
connectors:
  x-main: { kind: x, access_token_env: TEST_X_TOKEN, base_url: "${xs.url}", username: acmecoffee }
  li-main: { kind: linkedin, access_token_env: TEST_LI_TOKEN, author: "${AUTHOR}", base_url: "${li.url}" }
  social: { kind: social, platforms: { x: x-main, linkedin: li-main }, otherwise: outbox }
agents:
  growth-bot: { mode: auto }
actions:
  social.post: { connector: social }
`, { connectors: ['outbox'] });
    process.env.TEST_X_TOKEN = 'x-secret';
    process.env.TEST_LI_TOKEN = 'li-secret';
    bridle = await Bridle.open({ store: t.store, policy });
  });
  afterAll(async () => {
    await bridle?.close();
    await t?.cleanup();
    await xs?.close();
    await li?.close();
    delete process.env.TEST_X_TOKEN;
    delete process.env.TEST_LI_TOKEN;
  });

  it('publishes each platform through its own connector, undoes it there, and reads engagement', async () => {
    const onX = await bridle.submit({ agentId: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'Fresh beans today.' } });
    const onLi = await bridle.submit({ agentId: 'growth-bot', type: 'social.post', params: { platform: 'linkedin', text: 'We opened a third roastery. #coffee' } });
    const onIg = await bridle.submit({ agentId: 'growth-bot', type: 'social.post', params: { platform: 'instagram', text: 'sandboxed' } });
    expect([onX.status, onLi.status, onIg.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const xId = (onX.result as { id: string }).id;
    expect(xs.posts.get(xId)?.deleted).toBe(false);
    expect((onX.result as { url: string }).url).toContain('x.com/acmecoffee/status/');
    expect([...li.posts.values()].filter((p) => !p.deleted)).toHaveLength(1);
    expect(await t.store.db.selectFrom('outbox').select('id').where('action_id', '=', onIg.id).execute()).toHaveLength(1);

    const e = await bridle.engagement(onX.id, { refresh: true });
    expect(e?.data).toMatchObject({ likes: expect.any(Number) });

    expect((await bridle.undo(onX.id, { actor: { type: 'operator', id: 'ana' } })).status).toBe('undone');
    expect(xs.posts.get(xId)?.deleted).toBe(true);
    expect((await bridle.undo(onLi.id, { actor: { type: 'operator', id: 'ana' } })).status).toBe('undone');
    expect([...li.posts.values()].filter((p) => !p.deleted)).toHaveLength(0);
  });

  it('records a platform refusal as a failed action with its reason', async () => {
    xs.revoke();
    const r = await bridle.submit({ agentId: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'after the token was revoked' } });
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('BRIDLE_E_CONNECTOR');
    expect(r.error?.message).toMatch(/x/i);
  });

  it('refuses to start when a connector credential is missing', async () => {
    const t2 = await testStore('sqlite');
    try {
      const policy = parsePolicy(`
connectors:
  x-main: { kind: x, access_token_env: TEST_X_TOKEN_UNSET }
agents: { a: {} }
actions: { social.post: { connector: x-main } }
`);
      await expect(Bridle.open({ store: t2.store, policy })).rejects.toMatchObject({ code: 'BRIDLE_E_CONFIG', message: expect.stringMatching(/connectors\.x-main: .*TEST_X_TOKEN_UNSET/) });
    } finally {
      await t2.cleanup();
    }
  });
});
