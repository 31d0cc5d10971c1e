import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridle, createApiKey, createOperator, parsePolicy, removeOperator } from '@bridle/core';
import { buildServer } from '@bridle/server';
import { testStore, type TestStore } from '../../core/src/test-support.js';

// The Done-when: a real browser drives the built dashboard against a real server.
const CHROMIUM = '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));
const dashboardDir = join(here, '..');
const artifacts = join(here, 'artifacts');
const ADMIN = 'e2e-admin-token-0123456789abcdef';
const OPERATOR = { name: 'ann', password: 'correct horse battery staple' };
const VIEWER = { name: 'vic', password: 'viewer password 123456' };
const WAIT = 15_000;

const policy = `
agents:
  growth-bot:
    mode: draft
    budget: { daily_usd: 5 }
    rate: { per_minute: 600 }
actions:
  social.post:
    connector: outbox
    estimate_usd: 0.02
    checks:
      - max_length: {}
      - banned_phrases: { list: [guaranteed returns] }
      - competitors: { names: [Acme], on_fail: require_approval }
`;

/** Newest modification time under the dashboard's sources, so a stale bundle is rebuilt. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'index.html', 'vite.config.ts']) walk(join(dashboardDir, p));
  return newest;
}

function buildDashboardIfStale(): void {
  const index = join(dashboardDir, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource()) return;
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const r = spawnSync(process.execPath, [vite, 'build', dashboardDir], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

describe('dashboard end to end (Chromium)', () => {
  let t: TestStore;
  let bridle: Bridle;
  let app: ReturnType<typeof buildServer>;
  let base = '';
  let agentKey = '';
  let browser: Browser;
  let page: Page;
  let step = 0;
  // Script errors, and anything the Content-Security-Policy refused (an inline script or style
  // the build slipped in would show up here).
  const problems: string[] = [];

  const shot = async (name: string) => {
    step++;
    await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const submit = async (text: string) => {
    const res = await fetch(`${base}/v1/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'social.post', params: { platform: 'x', text }, rationale: 'Launch week post', estimatedCostMicroUsd: 20_000 }),
    });
    return { status: res.status, body: (await res.json()) as { id: string; status: string; decision: { code: string } | null; params: { text: string } } };
  };
  const asAdmin = async <T,>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the dashboard end-to-end test needs Debian's Chromium (apt-get install chromium). It is not skipped on purpose.`);
    }
    buildDashboardIfStale();
    mkdirSync(artifacts, { recursive: true });
    // Screenshots of an earlier run would be mistaken for this one's.
    for (const f of readdirSync(artifacts)) if (f.endsWith('.png')) rmSync(join(artifacts, f));
    t = await testStore('sqlite');
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy) });
    await createOperator(t.store, { name: OPERATOR.name, role: 'admin', password: OPERATOR.password });
    await createOperator(t.store, { name: VIEWER.name, role: 'viewer', password: VIEWER.password });
    agentKey = (await createApiKey(bridle, 'growth-bot', { actor: { type: 'operator', id: 'e2e' } })).key;
    app = buildServer({ bridle, adminToken: ADMIN, dashboard: { distDir: join(dashboardDir, 'dist') } });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      timeout: 30_000,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await bridle?.close();
    await t?.cleanup();
  });

  it('logs in, approves an edited post live, sees it in the outbox, pauses the agent, renders charts', async () => {
    // 1. Log in with an operator account.
    const first = await page.goto(base);
    expect(first?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByTestId('login-name').fill(OPERATOR.name);
    await page.getByTestId('login-password').fill(OPERATOR.password);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: WAIT }).toContain('ann');
    await shot('logged-in');

    // 2. An action submitted through the API appears in the inbox without a reload.
    await page.getByTestId('nav-approvals').click();
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: WAIT }).toContain('live');
    const before = page.url();
    const sub = await submit('Acme is slow. Our new single origin ships today');
    expect(sub.status).toBe(202);
    expect(sub.body.status).toBe('awaiting_approval');
    const item = page.locator(`[data-testid="approval-item"][data-action-id="${sub.body.id}"]`);
    await item.waitFor({ state: 'visible' });
    expect(page.url()).toBe(before);
    await item.click();
    // The competitor finding is highlighted in place.
    await expect.poll(() => page.getByTestId('approval-content').locator('mark.finding').first().textContent(), { timeout: WAIT }).toBe('Acme');
    await shot('approval-arrived');

    // 3. Edit the text, see the diff, approve the edit.
    await page.getByTestId('edit').click();
    const edited = 'Our new single origin ships today. Taste it first.';
    await page.getByTestId('edit-text').fill(edited);
    await expect.poll(() => page.getByTestId('approval-diff').locator('ins').count(), { timeout: WAIT }).toBeGreaterThan(0);
    await shot('approval-edited');
    await page.getByTestId('approve').click();
    await item.waitFor({ state: 'detached' });
    await expect.poll(async () => (await asAdmin<{ status: string }>(`/v1/actions/${sub.body.id}`)).status, { timeout: WAIT }).toBe('succeeded');
    const done = await asAdmin<{ params: { text: string }; decidedBy: string }>(`/v1/actions/${sub.body.id}`);
    expect(done.params.text).toBe(edited);
    expect(done.decidedBy).toBe('ann');
    await shot('approved');

    // 4. The published (sandboxed) post shows in the outbox, as an X card.
    await page.getByTestId('nav-outbox').click();
    const post = page.locator(`[data-testid="outbox-item"][data-action-id="${sub.body.id}"]`);
    await post.waitFor({ state: 'visible' });
    expect(await post.getByTestId('post-text').textContent()).toBe(edited);
    expect(await post.getByTestId('post-count').textContent()).toBe(`${edited.length}/280`);
    await shot('outbox');

    // 5. Keyboard: ? shows the shortcuts, j moves down, r rejects with a reason, a approves.
    await page.getByTestId('nav-approvals').click();
    const k1 = (await submit('First of two drafts, for the keyboard')).body;
    const k2 = (await submit('Second of two drafts, for the keyboard')).body;
    const i1 = page.locator(`[data-testid="approval-item"][data-action-id="${k1.id}"]`);
    const i2 = page.locator(`[data-testid="approval-item"][data-action-id="${k2.id}"]`);
    await i2.waitFor({ state: 'visible' });
    await expect.poll(() => i1.getAttribute('aria-current'), { timeout: WAIT }).toBe('true');
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor({ state: 'visible' });
    await shot('shortcuts');
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcuts').waitFor({ state: 'detached' });
    // Under load a key can land while the inbox is re-rendering; pressing j again is harmless
    // (it stops at the last item), so keep pressing until the second draft is selected.
    await expect
      .poll(
        async () => {
          if ((await i2.getAttribute('aria-current')) !== 'true') await page.keyboard.press('j');
          return i2.getAttribute('aria-current');
        },
        { timeout: WAIT },
      )
      .toBe('true');
    await page.getByTestId('approve').waitFor({ state: 'visible' });
    await page.keyboard.press('r');
    await page.getByTestId('reason-input').fill('off-brand tone');
    await page.getByTestId('reason-confirm').click();
    await i2.waitFor({ state: 'detached' });
    await expect.poll(async () => (await asAdmin<{ status: string }>(`/v1/actions/${k2.id}`)).status, { timeout: WAIT }).toBe('rejected');
    await expect.poll(() => i1.getAttribute('aria-current'), { timeout: WAIT }).toBe('true');
    await page.getByTestId('approve').waitFor({ state: 'visible' });
    await page.keyboard.press('a');
    await i1.waitFor({ state: 'detached' });
    await expect.poll(async () => (await asAdmin<{ status: string }>(`/v1/actions/${k1.id}`)).status, { timeout: WAIT }).toBe('succeeded');

    // 6. Pause the agent with a reason; its next action is blocked.
    await page.getByTestId('nav-agents').click();
    const card = page.locator('[data-testid="agent-card"][data-agent-id="growth-bot"]');
    await card.getByTestId('agent-pause').click();
    await page.getByTestId('reason-input').fill('e2e: holding posts during the launch review');
    await page.getByTestId('reason-confirm').click();
    await expect.poll(() => card.getByTestId('agent-status').textContent(), { timeout: WAIT }).toBe('paused');
    const blocked = await submit('One more post while paused');
    expect(blocked.status).toBe(200);
    expect(blocked.body.status).toBe('blocked');
    expect(blocked.body.decision?.code).toBe('agent_paused');
    await shot('agent-paused');
    // Switch to auto and resume, each with a reason: the next post runs without a human.
    await card.getByTestId('agent-mode-switch').click();
    await page.getByTestId('reason-input').fill('e2e: trusted after review');
    await page.getByTestId('reason-confirm').click();
    await expect.poll(() => card.getByTestId('agent-mode').textContent(), { timeout: WAIT }).toBe('auto');
    await card.getByTestId('agent-resume').click();
    await page.getByTestId('reason-input').fill('e2e: review done');
    await page.getByTestId('reason-confirm').click();
    await expect.poll(() => card.getByTestId('agent-status').textContent(), { timeout: WAIT }).toBe('active');
    const auto = await submit('Auto mode post, no human needed');
    expect(auto.body.status).toBe('succeeded');
    await card.getByTestId('agent-pause').click();
    await page.getByTestId('reason-input').fill('e2e: paused again for the viewer check');
    await page.getByTestId('reason-confirm').click();
    await expect.poll(() => card.getByTestId('agent-status').textContent(), { timeout: WAIT }).toBe('paused');

    // 7. The overview draws the spend chart.
    await page.getByTestId('nav-overview').click();
    const canvas = page.getByTestId('chart-spend').locator('canvas').first();
    await canvas.waitFor({ state: 'visible' });
    const box = await canvas.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    expect(box?.height ?? 0).toBeGreaterThan(50);
    await page.getByTestId('spend-bars').waitFor({ state: 'visible' });
    await shot('overview');
    expect(problems).toEqual([]);
  }, 120_000);

  it('shows the audit log with filters, chain verification and export, and the running policy', async () => {
    await page.getByTestId('nav-activity').click();
    await page.getByTestId('audit-table').locator('tbody tr').first().waitFor({ state: 'visible' });
    await page.getByTestId('filter-kind').fill('approval.edited');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('audit-table').locator('tbody tr').count(), { timeout: WAIT }).toBe(1);
    await page.getByTestId('audit-open').first().click();
    await expect.poll(() => page.getByTestId('audit-verification').textContent(), { timeout: WAIT }).toContain('Verified');
    expect(await page.getByTestId('audit-raw').textContent()).toContain('approval.edited');
    await shot('audit-entry');
    await page.keyboard.press('Escape');
    await page.getByTestId('audit-entry').waitFor({ state: 'detached' });
    // The export link downloads JSON Lines with the session cookie.
    const href = await page.getByTestId('audit-export').getAttribute('href');
    const res = await page.request.get(`${base}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('ndjson');
    expect((await res.text()).split('\n').filter(Boolean).length).toBeGreaterThan(3);

    await page.getByTestId('nav-policy').click();
    await expect.poll(() => page.getByTestId('policy-version').textContent(), { timeout: WAIT }).toBe(bridle.policy.version);
    await shot('policy');
    expect(await page.locator('pre.json').first().textContent()).toContain('social.post');

    // Performance: per platform, what was published and how humans decided.
    await page.getByTestId('nav-performance').click();
    const xRow = page.locator('[data-testid="performance-row"][data-key="x"]');
    await xRow.waitFor({ state: 'visible' });
    expect(Number(await xRow.locator('td').nth(1).textContent())).toBeGreaterThan(0);
    await shot('performance');
    expect(problems).toEqual([]);
  }, 60_000);

  it('keeps the JavaScript bundle under its 300 KB gzip budget', () => {
    const r = spawnSync(process.execPath, [join(dashboardDir, 'scripts', 'size.mjs')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toMatch(/total JavaScript, gzipped: [\d.]+ KB of 300 KB budget/);
    expect(r.status).toBe(0);
  });

  it('hides what a viewer may not do', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const p = await ctx.newPage();
      p.setDefaultTimeout(WAIT);
      await p.goto(`${base}/agents`);
      await p.getByTestId('login-name').fill(VIEWER.name);
      await p.getByTestId('login-password').fill(VIEWER.password);
      await p.getByTestId('login-submit').click();
      const card = p.locator('[data-testid="agent-card"][data-agent-id="growth-bot"]');
      await card.waitFor({ state: 'visible' });
      expect(await card.getByTestId('agent-status').textContent()).toBe('paused');
      expect(await card.locator('button').count()).toBe(0);
      await p.screenshot({ path: join(artifacts, 'viewer-phone-agents.png'), fullPage: true });
      // Signing out ends the session on the server: the page is back at the login form.
      await p.getByTestId('logout').click();
      await p.getByTestId('login-name').waitFor({ state: 'visible' });
      // Removing an operator ends their session at once: the next request shows the login form.
      await p.getByTestId('login-name').fill(VIEWER.name);
      await p.getByTestId('login-password').fill(VIEWER.password);
      await p.getByTestId('login-submit').click();
      await card.waitFor({ state: 'visible' });
      await removeOperator(t.store, VIEWER.name);
      // Whichever request comes first (this click's, or one the page was already making) is
      // refused, so the click may find the navigation already gone: its outcome doesn't matter.
      void p.getByTestId('nav-approvals').click().then(
        () => 'clicked',
        () => 'gone',
      );
      await p.getByTestId('login-name').waitFor({ state: 'visible' });
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
