import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { BridleError, scanChecks, scanOne, type ScanRecord } from '@bridle/core';

interface ScanOptions {
  check?: string[];
  options?: string;
  in?: string;
  out?: string;
}

/**
 * `bridle scan`: JSON Lines in (`{id, text|code, lang}`), JSON Lines out
 * (`{id, flagged, category, score, findings}`). A line that cannot be read is answered with an
 * `error` object in its place (never dropped), and the command then exits 1.
 */
export async function scan(o: ScanOptions): Promise<void> {
  let options: Record<string, unknown> = {};
  if (o.options) {
    try {
      options = JSON.parse(o.options) as Record<string, unknown>;
    } catch {
      throw new BridleError('BRIDLE_E_VALIDATION', '--options must be JSON, e.g. \'{"banned_phrases":{"list":["risk-free"]}}\'');
    }
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new BridleError('BRIDLE_E_VALIDATION', '--options must be a JSON object keyed by check name');
  }
  const checks = await scanChecks(o.check?.flatMap((c) => c.split(',')).filter(Boolean), options);
  if (o.in && !existsSync(o.in)) throw new BridleError('BRIDLE_E_NOT_FOUND', `No input file at ${o.in}`);
  const input = o.in ? createReadStream(o.in) : process.stdin;
  const out = o.out ? createWriteStream(o.out) : process.stdout;
  let n = 0;
  let bad = 0;
  let flagged = 0;
  const write = async (v: unknown) => {
    if (!out.write(JSON.stringify(v) + '\n')) await once(out, 'drain');
  };
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    let rec: ScanRecord;
    try {
      rec = JSON.parse(line) as ScanRecord;
      if (rec === null || typeof rec !== 'object' || (typeof rec.text !== 'string' && typeof rec.code !== 'string')) throw new Error('needs a "text" or "code" string');
    } catch (e) {
      bad++;
      await write({ id: null, line: n, error: { code: 'BRIDLE_E_VALIDATION', message: `line ${n}: ${e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message}` } });
      continue;
    }
    const r = await scanOne({ ...rec, id: rec.id ?? n }, checks);
    if (r.flagged) flagged++;
    await write(r);
    if (o.out && n % 1000 === 0) process.stderr.write(`  ${n} lines…\n`);
  }
  if (o.out) await new Promise<void>((res, rej) => (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? rej(e) : res())));
  process.stderr.write(`scanned ${n - bad} records with ${checks.map((c) => c.name).join(', ')}: ${flagged} flagged${bad ? `, ${bad} unreadable lines` : ''}\n`);
  if (bad > 0) process.exitCode = 1;
}
