import type { AddressInfo } from 'node:net';
import { Bridle, createApiKey, parsePolicy } from '@bridle/core';
import { testStore, type TestStore } from '../../../../core/src/test-support.js';
import { buildServer } from '../../app.js';
import { startTestUpstream, type TestUpstream, type TestUpstreamOptions } from '../test-upstreams.js';

export const ADMIN = 'test-admin-token-0123456789';

/** A gateway section over the two local upstreams; `extra` is appended (indented two spaces under gateway:). */
export function gatewayPolicy(o: { openai: string; anthropic: string; agent?: string; actionChecks?: string; gateway?: string }): string {
  return `
agents:
  bot:
    mode: auto
${o.agent ?? '    budget: { daily_usd: 10 }'}
actions:
  llm.chat:
    modes: [authorize]
${o.actionChecks ?? ''}
gateway:
  providers:
    oai: { kind: openai, base_url: "${o.openai}" }
    claude: { kind: anthropic, base_url: "${o.anthropic}", api_key_env: TEST_ANTHROPIC_KEY }
  models:
    smart: { targets: [{ provider: oai, model: gpt-4o }], downgrade_to: cheap }
    cheap: { targets: [{ provider: oai, model: gpt-4o-mini }] }
    sonnet: { targets: [{ provider: claude, model: claude-sonnet-4-5 }] }
    failover: { targets: [{ provider: oai, model: gpt-4o }, { provider: claude, model: claude-sonnet-4-5 }] }
    solo: { targets: [{ provider: oai, model: gpt-4o }] }
    mystery: { targets: [{ provider: oai, model: no-such-priced-model }] }
  retry: { max_retries: 0, base_ms: 1, max_ms: 5 }
${o.gateway ?? ''}
`;
}

export interface TestGateway {
  t: TestStore;
  bridle: Bridle;
  app: ReturnType<typeof buildServer>;
  openai: TestUpstream;
  anthropic: TestUpstream;
  key: string;
  /** http://127.0.0.1:port (the server listens only when `listen` was set). */
  url: string;
  close(): Promise<void>;
}

/**
 * A real Bridle server with the gateway over two local upstreams (OpenAI and Anthropic wire
 * formats), on a real store, with one agent key.
 */
export async function testGateway(opts: { dialect?: 'sqlite' | 'postgres'; policy?: (urls: { openai: string; anthropic: string }) => string; listen?: boolean; upstream?: TestUpstreamOptions } = {}): Promise<TestGateway> {
  const openai = await startTestUpstream('openai', opts.upstream);
  const anthropic = await startTestUpstream('anthropic', opts.upstream);
  const urls = { openai: openai.url, anthropic: anthropic.url };
  const t = await testStore(opts.dialect ?? 'sqlite');
  const bridle = await Bridle.open({ store: t.store, policy: parsePolicy((opts.policy ?? ((u) => gatewayPolicy(u)))(urls)) });
  const app = buildServer({ bridle, adminToken: ADMIN, gateway: { env: { TEST_ANTHROPIC_KEY: 'sk-ant-test' } } });
  await app.ready();
  let url = '';
  if (opts.listen) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }
  const key = (await createApiKey(bridle, 'bot', { actor: { type: 'operator', id: 'test' } })).key;
  return {
    t,
    bridle,
    app,
    openai,
    anthropic,
    key,
    url,
    async close() {
      await app.close();
      await bridle.close();
      await Promise.all([openai.close(), anthropic.close()]);
      await t.cleanup();
    },
  };
}
