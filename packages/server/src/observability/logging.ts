import { pino, type DestinationStream, type Logger } from 'pino';
import { BridleError } from '@bridle/core';
import type { Transition } from './feed.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level?: LogLevel;
  /** `json` (default): one JSON object per line. `pretty`: one short human line each, for a terminal. */
  format?: LogFormat;
  /** Where lines go (default: standard error, so a CLI's own output on standard output stays clean). */
  destination?: DestinationStream;
}

/**
 * Log settings from BRIDLE_LOG_LEVEL and BRIDLE_LOG_FORMAT. On an interactive terminal the
 * defaults are `pretty` at `warn` (the CLI prints its own summary there); anywhere else, such as
 * under a process manager or in a container, `json` at `info`.
 */
export function logOptionsFromEnv(env: NodeJS.ProcessEnv, interactive: boolean): { level: LogLevel; format: LogFormat } {
  const format = env.BRIDLE_LOG_FORMAT ?? (interactive ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new BridleError('BRIDLE_E_CONFIG', `BRIDLE_LOG_FORMAT must be json or pretty (got "${format}")`);
  const level = env.BRIDLE_LOG_LEVEL ?? (format === 'pretty' ? 'warn' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new BridleError('BRIDLE_E_CONFIG', `BRIDLE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  return { level: level as LogLevel, format };
}

/**
 * Bridle's structured logger (pino; pass it to the server as `loggerInstance`). Lines carry
 * `level` as a word and `time` as ISO 8601, and credentials are redacted wherever they appear.
 *
 * @example
 *   const log = createLogger({ level: 'info' });
 *   log.info({ actionId: 'act_01…' }, 'action succeeded');
 *   // {"level":"info","time":"2026-…","pid":1,"hostname":"…","actionId":"act_01…","msg":"action succeeded"}
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? pino.destination({ dest: 2, sync: false });
  return pino(
    {
      level: opts.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token', 'password'], censor: '[redacted]' },
    },
    opts.format === 'pretty' ? prettyStream(out) : out,
  );
}

const BASE_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId']);

/**
 * A tiny stand-in for pino-pretty: `HH:MM:SS.mmm LEVEL message key=value …`, one line per
 * entry. A line that is not JSON passes through unchanged.
 */
export function prettyStream(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
      const level = String(o.level ?? '').toUpperCase().padEnd(5);
      const rest = Object.entries(o)
        .filter(([k]) => !BASE_KEYS.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(' ');
      out.write(`${time} ${level} ${String(o.msg ?? '')}${rest ? ` ${rest}` : ''}\n`);
    },
  };
}

/**
 * One line per durable action transition, each carrying `actionId`, so `grep act_…` over the
 * logs tells an action's whole story. Failures log at warn; everything else at info.
 */
export function logTransition(log: Logger, { rec, from, to }: Transition): void {
  const failed = to === 'failed';
  if (!log.isLevelEnabled(failed ? 'warn' : 'info')) return;
  const code = failed ? rec.error?.code : from === 'received' || to === 'approved' || to === 'rejected' || to === 'expired' ? rec.decision?.code : undefined;
  const line = {
    actionId: rec.id,
    agentId: rec.agentId,
    type: rec.type,
    status: to,
    ...(from ? { from } : {}),
    ...(code ? { code } : {}),
    ...((to === 'succeeded' || to === 'failed') && rec.costMicroUsd !== null ? { costMicroUsd: rec.costMicroUsd } : {}),
    ...(rec.decidedBy && (to === 'approved' || to === 'rejected') ? { decidedBy: rec.decidedBy } : {}),
  };
  if (failed) log.warn(line, `action ${to}`);
  else log.info(line, `action ${to}`);
}
