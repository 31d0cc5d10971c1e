import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '../../errors.js';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { testStore, type TestStore } from '../../test-support.js';
import { FakeOpenAI, openAiError } from './test-openai-server.js';

// llm_judge configured from bridle.yaml, against a local server speaking the Chat Completions
// wire format: the judgement, and what happens when the judge is down, go through the pipeline.
const KEY_ENV = 'BRIDLE_TEST_LLM_JUDGE_PIPELINE_KEY';
const KEY = 'sk-pipeline-test-key-0123';

const policy = (baseUrl: string, extra = '') => `
agents:
  bot: { mode: auto }
actions:
  social.post:
    checks:
      - llm_judge:
          rubric: "Friendly and professional. Forbidden words: cheap, guaranteed"
          model: gpt-test
          base_url: ${baseUrl}
          api_key_env: ${KEY_ENV}
          ${extra}
`;

describe('llm_judge through the pipeline', () => {
  let server: FakeOpenAI;
  let t: TestStore;
  let bridle: Bridle | undefined;
  beforeAll(async () => {
    server = await new FakeOpenAI().start();
    server.expectedKey = KEY;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    process.env[KEY_ENV] = KEY;
    server.handler = new FakeOpenAI().handler;
    t = await testStore('sqlite');
  });
  afterEach(async () => {
    await bridle?.close();
    bridle = undefined;
    await t.cleanup();
    delete process.env[KEY_ENV];
  });
  const open = async (extra = '') => {
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy(server.baseUrl, extra)) });
    return bridle;
  };
  const post = (b: Bridle, text: string) => b.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text } });

  it('publishes content the judge passes, recording score and reason', async () => {
    const a = await post(await open(), 'Fresh beans today, come and taste them.');
    expect(a.status).toBe('succeeded');
    expect(a.decision?.checks[0]).toMatchObject({ name: 'llm_judge', passed: true, score: 1 });
  });

  it('denies a failing judgement with on_fail: block, with findings pointing at the quotes', async () => {
    const text = 'Guaranteed joy, and cheap too.';
    const a = await post(await open(), text);
    expect(a.status).toBe('blocked');
    expect(a.decision?.code).toBe('check_failed');
    expect(a.decision?.reason).toMatch(/^llm_judge: score 0\.4 is below the threshold 0\.7/);
    const spans = a.decision!.checks[0]!.findings.map((f) => text.slice(f.span!.start, f.span!.end));
    expect(spans).toEqual(['Guaranteed', 'cheap']);
  });

  it('sends the action to a human when the judge is down (on_error defaults to require_approval)', async () => {
    server.handler = () => openAiError(503, 'The engine is currently overloaded, please try again later.', 'server_error', 'overloaded');
    const a = await post(await open(), 'Fresh beans today.');
    expect(a.status).toBe('awaiting_approval');
    expect(a.decision?.checks[0]?.error).toMatch(/HTTP 503: The engine is currently overloaded/);
  });

  it('sends the action to a human when the judge hangs past timeout_ms', async () => {
    server.handler = () => 'hang';
    const a = await post(await open('timeout_ms: 200'), 'Fresh beans today.');
    expect(a.status).toBe('awaiting_approval');
    expect(a.decision?.checks[0]?.error).toMatch(/timed out after 200 ms/);
  });

  it('denies when the judge is down and the policy says on_error: deny', async () => {
    server.handler = () => openAiError(500, 'The server had an error while processing your request.', 'server_error', null);
    const a = await post(await open('on_error: deny'), 'Fresh beans today.');
    expect(a.status).toBe('blocked');
    expect(a.decision?.code).toBe('check_error');
    expect(a.decision?.reason).toMatch(/llm_judge failed closed: .*HTTP 500/);
  });

  it('refuses to open when the key variable is unset, naming it', async () => {
    delete process.env[KEY_ENV];
    const e = await Bridle.open({ store: t.store, policy: parsePolicy(policy(server.baseUrl)) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(BridleError);
    expect((e as BridleError).code).toBe('BRIDLE_E_CONFIG');
    expect((e as BridleError).message).toContain(KEY_ENV);
  });

  it('rejects bad options at policy load with the option path', () => {
    expect(() => parsePolicy(policy(server.baseUrl, 'threshold: 2'))).toThrow(/llm_judge\.threshold/);
    expect(() => parsePolicy(policy(server.baseUrl).replace('model: gpt-test', ''))).toThrow(/llm_judge\.model/);
  });
});
