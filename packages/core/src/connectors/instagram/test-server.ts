import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, readBody, RouteFailures, sendJson } from '../test-http.js';

/**
 * A local Graph API for the Instagram connector's tests: the content publishing endpoints
 * (container, status, publish), media read, delete and insights, with the Graph error object
 * and scriptable failures. It rejects what the real API rejects: a missing or unknown token,
 * a wrong IG User, a non-form body, publishing an unfinished container.
 */

export type GraphRoute = 'create' | 'status' | 'publish' | 'read' | 'delete' | 'insights';

export type GraphFailure =
  | { kind: 'rate_limit'; code?: 4 | 17 | 32 | 613; regainMinutes?: number }
  | { kind: 'expired_token' }
  | { kind: 'permission' }
  | { kind: 'publish_limit' }
  | { kind: 'transient' }
  | { kind: 'server_down' }
  | { kind: 'slow'; ms: number };

interface Container {
  id: string;
  video: boolean;
  caption: string;
  pollsLeft: number;
  status: 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'PUBLISHED';
  error?: string;
}

export interface StoredMedia {
  id: string;
  caption: string;
  video: boolean;
  likes: number;
  comments: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface GraphTestServer {
  url: string;
  igUserId: string;
  media: Map<string, StoredMedia>;
  requests: SeenRequest[];
  /** The next call to `route` fails this way (once per entry). */
  failNext(route: GraphRoute, f: GraphFailure): void;
  /** Video containers stay IN_PROGRESS for this many status polls. */
  videoPolls: number;
  /** The next container ends in ERROR with this `status` text. */
  nextContainerError?: string;
  close(): Promise<void>;
}

const graphError = (res: ServerResponse, status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) => {
  sendJson(res, status, { error: { type: 'OAuthException', fbtrace_id: 'AbCdEf123', ...error } }, { ...(error.code === 190 ? { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' } : {}), ...headers });
};
const ok = (res: ServerResponse, body: unknown) => sendJson(res, 200, body);

export async function startGraphServer(opts: { token: string; igUserId?: string }): Promise<GraphTestServer> {
  const igUserId = opts.igUserId ?? '17841400000000001';
  const containers = new Map<string, Container>();
  const media = new Map<string, StoredMedia>();
  const requests: SeenRequest[] = [];
  const failures = new RouteFailures<GraphRoute, GraphFailure>();
  let seq = 17_900_000_000_000;
  const nextId = () => String(++seq);

  const state: GraphTestServer = {
    url: '',
    igUserId,
    media,
    requests,
    videoPolls: 2,
    failNext: (route, f) => failures.add(route, f),
    close: () => server.close(),
  };

  /** Applies a scripted failure; true when the response has been sent. */
  async function scripted(route: GraphRoute, res: ServerResponse): Promise<boolean> {
    const f = failures.take(route);
    if (!f) return false;
    switch (f.kind) {
      case 'slow':
        await new Promise((r) => setTimeout(r, f.ms));
        return false;
      case 'rate_limit': {
        const headers: Record<string, string> = {};
        if (f.regainMinutes !== undefined) {
          headers['x-business-use-case-usage'] = JSON.stringify({ '1234': [{ type: 'instagram', call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: f.regainMinutes }] });
        }
        graphError(res, 400, { message: '(#4) Application request limit reached', code: f.code ?? 4, is_transient: true }, headers);
        return true;
      }
      case 'expired_token':
        graphError(res, 400, { message: 'Error validating access token: Session has expired on Friday, 09-Jan-26 10:00:00 PST.', code: 190, error_subcode: 463 });
        return true;
      case 'permission':
        graphError(res, 403, { message: '(#10) Application does not have permission for this action', code: 10 });
        return true;
      case 'publish_limit':
        graphError(res, 400, { message: 'Application request limit reached', code: 9, error_subcode: 2207042, is_transient: false, error_user_title: 'Max posts reached', error_user_msg: 'The account has reached its limit of posts in 24 hours.' });
        return true;
      case 'transient':
        graphError(res, 500, { message: 'An unexpected error has occurred. Please retry your request later.', code: 2, is_transient: true });
        return true;
      case 'server_down':
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html>Service Unavailable</html>');
        return true;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body });

    const parts = u.pathname.split('/').filter(Boolean);
    if (!/^v\d+\.\d+$/.test(parts[0] ?? '')) return graphError(res, 400, { message: 'Unknown path components', code: 2500 });
    // Graph reads parameters from the query string and from a form body alike.
    const params = new URLSearchParams(u.searchParams);
    if (body) {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return graphError(res, 400, { message: '(#100) Invalid parameter: body must be form encoded', code: 100 });
      }
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    const auth = /^(?:Bearer|OAuth) (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? params.get('access_token');
    if (!auth) return graphError(res, 400, { message: 'An active access token must be used to query information about the current user.', code: 2500 });
    if (auth !== opts.token) return graphError(res, 400, { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });

    const [, id, edge] = parts;
    const method = req.method ?? 'GET';
    if (method === 'POST' && edge === 'media') {
      if (await scripted('create', res)) return;
      if (id !== igUserId) return graphError(res, 400, { message: `Unsupported post request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, code: 100, error_subcode: 33 });
      const caption = params.get('caption') ?? '';
      if ([...caption].length > 2200) return graphError(res, 400, { message: 'The caption is too long', code: 100, error_subcode: 2207010 });
      const type = params.get('media_type');
      const video = type === 'REELS' || type === 'VIDEO';
      if (video ? !params.get('video_url') : !params.get('image_url')) {
        return graphError(res, 400, { message: `(#100) The parameter ${video ? 'video_url' : 'image_url'} is required`, code: 100 });
      }
      if (type !== null && !video && type !== 'STORIES' && type !== 'CAROUSEL') return graphError(res, 400, { message: '(#100) Param media_type is not a valid media type', code: 100, error_subcode: 2207023 });
      const cid = nextId();
      const error = state.nextContainerError;
      state.nextContainerError = undefined;
      containers.set(cid, { id: cid, video, caption, pollsLeft: video ? state.videoPolls : 0, status: error ? 'ERROR' : video && state.videoPolls > 0 ? 'IN_PROGRESS' : 'FINISHED', ...(error ? { error } : {}) });
      return ok(res, { id: cid });
    }
    if (method === 'POST' && edge === 'media_publish') {
      if (await scripted('publish', res)) return;
      if (id !== igUserId) return graphError(res, 400, { message: 'Unsupported post request.', code: 100, error_subcode: 33 });
      const c = containers.get(params.get('creation_id') ?? '');
      if (!c) return graphError(res, 400, { message: 'Media ID is not available', code: 9007, error_subcode: 2207027 });
      if (c.status !== 'FINISHED') return graphError(res, 400, { message: 'The media is not ready for publishing, please wait for a moment', code: 9007, error_subcode: 2207027 });
      c.status = 'PUBLISHED';
      const mid = nextId();
      media.set(mid, { id: mid, caption: c.caption, video: c.video, likes: 0, comments: 0 });
      return ok(res, { id: mid });
    }
    if (method === 'GET' && edge === 'insights') {
      if (await scripted('insights', res)) return;
      const m = media.get(id ?? '');
      if (!m) return graphError(res, 400, { message: 'Unsupported get request.', code: 100, error_subcode: 33 });
      const known: Record<string, number> = { views: m.likes * 10, reach: m.likes * 7, shares: 3, saved: 2, total_interactions: m.likes + m.comments + 5 };
      const metrics = (params.get('metric') ?? '').split(',');
      const unknown = metrics.find((x) => !(x in known));
      if (unknown !== undefined) return graphError(res, 400, { message: `(#100) metric[0] must be one of the following values: ${Object.keys(known).join(', ')}`, code: 100 });
      return ok(res, { data: metrics.map((name) => ({ name, period: 'lifetime', values: [{ value: known[name] }], title: name, id: `${id}/insights/${name}/lifetime` })) });
    }
    if (method === 'GET' && edge === undefined) {
      const c = containers.get(id ?? '');
      if (c) {
        if (await scripted('status', res)) return;
        if (c.status === 'IN_PROGRESS') {
          if (c.pollsLeft > 0) c.pollsLeft--;
          else c.status = 'FINISHED';
        }
        return ok(res, { status_code: c.status, ...(c.error ? { status: c.error } : {}), id: c.id });
      }
      if (await scripted('read', res)) return;
      const m = media.get(id ?? '');
      if (!m) return graphError(res, 400, { message: `Unsupported get request. Object with ID '${id}' does not exist`, code: 100, error_subcode: 33 });
      const fields = (params.get('fields') ?? 'id').split(',');
      const all: Record<string, unknown> = { id: m.id, permalink: `https://www.instagram.com/p/${m.id.slice(-8)}/`, like_count: m.likes, comments_count: m.comments, caption: m.caption };
      return ok(res, Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]])));
    }
    if (method === 'DELETE' && edge === undefined) {
      if (await scripted('delete', res)) return;
      if (!media.delete(id ?? '')) return graphError(res, 400, { message: `Unsupported delete request. Object with ID '${id}' does not exist`, code: 100, error_subcode: 33 });
      return ok(res, { success: true, deleted_id: id });
    }
    graphError(res, 400, { message: `Unknown path components: /${edge ?? ''}`, code: 2500 });
  }

  const server = await listenLocal(handle);
  state.url = server.url;
  return state;
}
