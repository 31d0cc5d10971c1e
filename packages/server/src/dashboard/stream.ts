import type { ServerResponse } from 'node:http';
import { BridleError, recentAlerts, type ActionRecord, type Bridle } from '@bridle/core';
import { defineRoute, type RouteDef } from '../route.js';
import { actionView } from '../schemas.js';

export interface StreamOptions {
  heartbeatMs?: number;
  /** How often agent states, the policy and the alerts table are looked at (default 1 s). */
  pollMs?: number;
  /** Open streams at most; more answer 503 so a runaway tab cannot exhaust the server. */
  maxClients?: number;
}

type AgentState = { id: string; killed: boolean; paused: boolean; mode: 'draft' | 'auto' };

/**
 * One feed shared by every operator stream: action changes come from the engine as they happen;
 * agent states, mode switches, policy reloads and new alert rows are looked at once a second
 * (cheap: in memory, and one indexed query), so a change made by the CLI or another instance
 * shows up too. It runs only while someone is connected.
 */
export class OperatorStream {
  private readonly clients = new Set<ServerResponse>();
  private offAction: (() => void) | null = null;
  private offGuard: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;
  private beat: NodeJS.Timeout | null = null;
  private agents = new Map<string, string>();
  private policyKey = '';
  private alertsSince = 0;
  private readonly alertSeen = new Set<string>();
  private polling = false;

  constructor(
    private readonly bridle: Bridle,
    private readonly opts: StreamOptions = {},
  ) {}

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= (this.opts.maxClients ?? 200);
  }

  add(res: ServerResponse): void {
    if (this.clients.size === 0) this.start();
    this.clients.add(res);
    res.write(': connected\n\n');
  }

  remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.stop();
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.stop();
  }

  private send(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) c.write(frame);
  }

  private start(): void {
    this.agents = this.agentStates();
    this.policyKey = this.currentPolicyKey();
    this.alertsSince = this.bridle.clock.now();
    this.alertSeen.clear();
    this.offAction = this.bridle.onAction((rec: ActionRecord) => this.send('action', actionView(rec)));
    // A guard pausing an agent is worth showing at once, not at the next poll.
    this.offGuard = this.bridle.onGuard(() => void this.tick());
    this.poll = setInterval(() => void this.tick(), this.opts.pollMs ?? 1000);
    this.beat = setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, this.opts.heartbeatMs ?? 15_000);
  }

  private stop(): void {
    this.offAction?.();
    this.offGuard?.();
    this.offAction = this.offGuard = null;
    if (this.poll) clearInterval(this.poll);
    if (this.beat) clearInterval(this.beat);
    this.poll = this.beat = null;
  }

  private agentStates(): Map<string, string> {
    const m = new Map<string, string>();
    for (const id of this.bridle.policy.agents.keys()) {
      const s = this.bridle.agentState(id);
      const state: AgentState = { id, killed: s.killed, paused: s.paused, mode: this.bridle.modeOf(id) };
      m.set(id, JSON.stringify(state));
    }
    return m;
  }

  private currentPolicyKey(): string {
    const r = this.bridle.lastReload;
    return `${this.bridle.policy.version}|${r ? `${r.ok}:${r.at}` : ''}`;
  }

  private async tick(): Promise<void> {
    if (this.polling || this.clients.size === 0) return;
    this.polling = true;
    try {
      const now = this.agentStates();
      for (const [id, s] of now) if (this.agents.get(id) !== s) this.send('agent', JSON.parse(s) as AgentState);
      this.agents = now;
      const pk = this.currentPolicyKey();
      if (pk !== this.policyKey) {
        this.policyKey = pk;
        const r = this.bridle.lastReload;
        this.send('policy', { version: this.bridle.policy.version, lastReload: r ? { ...r, at: new Date(r.at).toISOString() } : null });
      }
      // Rows can share a millisecond: look one back and skip the ones already sent.
      const fresh = await recentAlerts(this.bridle.store, { since: this.alertsSince - 1, limit: 100 });
      for (const a of fresh) {
        if (this.alertSeen.has(a.id)) continue;
        this.alertSeen.add(a.id);
        if (this.alertSeen.size > 1000) this.alertSeen.delete(this.alertSeen.values().next().value!);
        this.alertsSince = Math.max(this.alertsSince, a.createdAt);
        this.send('alert', { ...a, createdAt: new Date(a.createdAt).toISOString() });
      }
    } catch {
      // The store may be closing or briefly unreachable; the next tick tries again.
    } finally {
      this.polling = false;
    }
  }
}

/** `GET /v1/stream`: the operators' live feed (text/event-stream). */
export function streamRoutes(stream: OperatorStream): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/stream',
      summary: 'Live feed for operators (text/event-stream): `action` on every action change, `alert` on new alerts, `agent` on kill/pause/mode changes, `policy` on reload; a comment every 15 s.',
      tags: ['dashboard'],
      auth: 'read',
      async handler({ req, reply }) {
        if (stream.full) throw new BridleError('BRIDLE_E_RATE_LIMITED', 'Too many open operator streams; close a dashboard tab and retry', { retryAfterMs: 5000 });
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        stream.add(res);
        req.raw.on('close', () => stream.remove(res));
        return reply;
      },
    }),
  ];
}
