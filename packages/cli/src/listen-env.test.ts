import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, workspace, type Workspace } from './test-cli.js';

/** A port free right now on loopback. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('bridle start reads BRIDLE_PORT and BRIDLE_HOST', () => {
  let ws: Workspace;
  beforeAll(assertBuilt);
  afterEach(() => ws?.cleanup());

  it('listens where the environment says when no flag is given', async () => {
    ws = workspace();
    writeFileSync(join(ws.dir, 'bridle.yaml'), 'agents: { bot: {} }\nactions: { note.write: {} }\n');
    const port = await freePort();
    const srv = ws.spawn(['start'], { env: { BRIDLE_PORT: String(port), BRIDLE_HOST: '127.0.0.1' } });
    const [, url] = (await srv.waitFor(/Bridle listening on (\S+)/, 20_000)) as unknown as [string, string];
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await srv.stop();
  });
});
