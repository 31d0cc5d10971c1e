import { isSettledForWaiter, type ActionRecord, type Bridle } from '@bridle/core';
import { defineRoute, type RouteDef } from '../route.js';
import { actionView, idParam } from '../schemas.js';
import type { Principal } from '../auth.js';

const HEARTBEAT_MS = 15_000;
/** Other processes (the CLI, another instance) may decide it: the store is looked at too. */
const POLL_MS = 1000;

/**
 * Server-sent events for one action: its current state at once, then every change, until it
 * reaches a state the agent acts on. An agent that reconnects after either side restarted gets
 * the state as it is now, so the wait resumes with the right outcome.
 */
export function eventRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/actions/:id/events',
      summary: 'Server-sent events (text/event-stream): `event: action` with the action, on connect and on every change, until it is decided or finished.',
      tags: ['actions'],
      auth: 'any',
      params: idParam,
      async handler({ params, principal, req, reply }) {
        const agentId = (principal as Principal).kind === 'agent' ? (principal as Extract<Principal, { kind: 'agent' }>).agentId : undefined;
        const first = await bridle.get(params.id, agentId);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        let last = '';
        let open = true;
        const finish = () => {
          if (!open) return;
          open = false;
          off();
          clearInterval(poll);
          clearInterval(beat);
          res.end();
        };
        const send = (rec: ActionRecord) => {
          if (!open) return;
          const key = `${rec.status}:${rec.updatedAt}`;
          if (key === last) return;
          last = key;
          res.write(`id: ${rec.updatedAt}\nevent: action\ndata: ${JSON.stringify(actionView(rec))}\n\n`);
          if (isSettledForWaiter(rec.status)) finish();
        };
        const off = bridle.onAction((r) => {
          if (r.id === params.id) send(r);
        });
        const poll = setInterval(() => void bridle.get(params.id).then(send, () => {}), POLL_MS);
        const beat = setInterval(() => open && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        req.raw.on('close', finish);
        send(first);
        return reply;
      },
    }),
  ];
}
