import { parseArgs } from 'node:util';
import { BridleError } from '@bridle/core';
import { SAMPLE_BRAND_FILE, SAMPLE_CALENDAR_FILE } from './brand.js';
import { MAX_DAYS } from './calendar.js';
import { createGrowthAgent, describeSummary } from './run.js';

/** Exit codes: 0 done; 1 Bridle refused or could not be reached; 2 bad flags or files. */
export const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;

const HELP = `bridle-growth-agent: drafts posts from a brand profile and a content calendar, and submits them to Bridle.

Usage: bridle-growth-agent [options]

  --url URL          Bridle's URL (env BRIDLE_URL; default http://127.0.0.1:8787)
  --key KEY          the agent's key, brk_… (env BRIDLE_AGENT_KEY; create one with: bridle keys create --agent growth-agent)
  --brand FILE       brand profile (default: the sample Acme Coffee brand.yaml)
  --calendar FILE    content calendar (default: the sample calendar.yaml)
  --state FILE       where the agent remembers what it submitted (default .growth-agent/state.json)
  --days N           how many days ahead to plan (default 7, at most ${MAX_DAYS})
  --model NAME       a model name Bridle's gateway knows; without it, the offline template writer
  --writer-key KEY   the key model calls use (env BRIDLE_WRITER_KEY; default: --key). A draft-mode
                     agent's model calls would each wait for a human, so give drafting its own agent
  --once             plan, submit and refresh once, then exit
  --interval S       otherwise, run every S seconds (default 300)
  -h, --help         this text

Exit codes: 0 done, 1 Bridle refused or could not be reached, 2 bad options or files.`;

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stopped?: Promise<void>;
}

const defaultIo = (): Io => ({
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  stopped: new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }),
});

function fail(io: Io, e: unknown): number {
  const code = e instanceof BridleError ? e.code : 'BRIDLE_E_INTERNAL';
  io.err(`error ${code}: ${e instanceof Error ? e.message : String(e)}`);
  return e instanceof BridleError && e.code === 'BRIDLE_E_CONFIG' ? EXIT.usage : EXIT.runtime;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        brand: { type: 'string' },
        calendar: { type: 'string' },
        state: { type: 'string' },
        days: { type: 'string' },
        model: { type: 'string' },
        'writer-key': { type: 'string' },
        once: { type: 'boolean' },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.err(`error BRIDLE_E_CONFIG: ${(e as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (v.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  const key = v.key ?? io.env.BRIDLE_AGENT_KEY;
  if (!key) return fail(io, new BridleError('BRIDLE_E_CONFIG', 'no agent key: pass --key or set BRIDLE_AGENT_KEY (create one with `bridle keys create --agent growth-agent`)'));
  const days = Number(v.days ?? 7);
  const interval = Number(v.interval ?? 300);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) return fail(io, new BridleError('BRIDLE_E_CONFIG', `--days must be a whole number from 1 to ${MAX_DAYS} (got "${v.days}")`));
  if (!Number.isFinite(interval) || interval < 5 || interval > 86_400) return fail(io, new BridleError('BRIDLE_E_CONFIG', `--interval must be from 5 to 86400 seconds (got "${v.interval}")`));
  const url = v.url ?? io.env.BRIDLE_URL ?? 'http://127.0.0.1:8787';
  const writerKey = v['writer-key'] ?? io.env.BRIDLE_WRITER_KEY;

  io.out(`growth agent → ${url}, planning ${days} day(s) ahead`);
  let agent;
  try {
    agent = createGrowthAgent({ url, key, brand: v.brand ?? SAMPLE_BRAND_FILE, calendar: v.calendar ?? SAMPLE_CALENDAR_FILE, state: v.state ?? '.growth-agent/state.json', days, ...(v.model ? { model: v.model } : {}), ...(writerKey ? { writerKey } : {}), log: io.out });
  } catch (e) {
    return fail(io, e);
  }
  for (let run = 1; ; run++) {
    try {
      const s = await agent.runOnce();
      io.out(describeSummary(s));
    } catch (e) {
      const code = fail(io, e);
      // In a loop, a passing outage is retried; a refused key or bad setup will not fix itself.
      const fatal = v.once || !(e instanceof BridleError) || !['BRIDLE_E_CONNECTOR', 'BRIDLE_E_CONNECTOR_TIMEOUT', 'BRIDLE_E_SHUTTING_DOWN', 'BRIDLE_E_STORE'].includes(e.code);
      if (fatal) return code;
    }
    if (v.once) return EXIT.ok;
    io.out(`next run in ${interval} s (Ctrl-C to stop)`);
    let timer: NodeJS.Timeout | undefined;
    const stop = await Promise.race([new Promise<false>((r) => (timer = setTimeout(() => r(false), interval * 1000))), (io.stopped ?? new Promise<never>(() => {})).then(() => true)]);
    clearTimeout(timer);
    if (stop) {
      io.out('stopped.');
      return EXIT.ok;
    }
  }
}
