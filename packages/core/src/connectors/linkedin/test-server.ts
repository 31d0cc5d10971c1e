import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startScriptedServer, type ScriptedServer } from '../test-http.js';

/**
 * A local stand-in for the LinkedIn REST endpoints the connector uses (POST/DELETE /rest/posts,
 * GET /rest/socialActions). Like LinkedIn it requires LinkedIn-Version (426 for an inactive one)
 * and X-Restli-Protocol-Version 2.0.0, answers 201 with the URN in x-restli-id, 422 for
 * duplicate content, and rejects commentary with unescaped little-text-format characters.
 */

export type { ScriptedReply } from '../test-http.js';

export interface StoredPost {
  urn: string;
  author: string;
  commentary: string;
  visibility: string;
  article?: { source: string; title: string };
  deleted: boolean;
  likes: number;
  comments: number;
}

/** `url`, `requests`, `script` and `close` come from the shared scripted server. */
export interface LinkedInTestServer extends ScriptedServer {
  posts: Map<string, StoredPost>;
  /** Makes the token answer 401 REVOKED_ACCESS_TOKEN. */
  revoke(): void;
}

const ACTIVE_VERSIONS = new Set(['202506', '202509', '202601', '202604']);

/** Commentary is valid little text when every reserved character is escaped or part of a hashtag/mention template. */
export function isLittleText(s: string): boolean {
  const withoutTemplates = s.replace(/\{hashtag\|\\#\|[\p{L}\p{N}_]+\}/gu, '').replace(/@\[[^\]]*\]\(urn:li:[a-zA-Z]+:[^)]+\)/g, '');
  return !/(^|[^\\])(\\\\)*[|{}@[\]()<>#*_~]/.test(withoutTemplates);
}

export async function startLinkedInServer(opts: { token: string; author: string }): Promise<LinkedInTestServer> {
  const posts = new Map<string, StoredPost>();
  let revoked = false;
  let nextId = 7_100_000_000_000_000_000n;

  const error = (res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}) => sendJson(res, status, { status, message, ...extra });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string, url: URL) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`) return error(res, 401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' });
    if (revoked) return error(res, 401, 'The token used in the request has been revoked by the user', { serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN' });
    const version = req.headers['linkedin-version'];
    if (typeof version !== 'string') return error(res, 400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
    if (!ACTIVE_VERSIONS.has(version)) return error(res, 426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
    if (req.headers['x-restli-protocol-version'] !== '2.0.0') return error(res, 400, 'Rest.li protocol 2.0.0 is required for this resource', { code: 'ILLEGAL_ARGUMENT' });

    if (req.method === 'POST' && url.pathname === '/rest/posts') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return error(res, 415, 'Unsupported Media Type');
      let b: Record<string, unknown>;
      try {
        b = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return error(res, 400, 'Failed to parse the request body', { code: 'ILLEGAL_ARGUMENT' });
      }
      const dist = b.distribution as Record<string, unknown> | undefined;
      if (typeof b.author !== 'string' || typeof b.visibility !== 'string' || b.lifecycleState !== 'PUBLISHED' || typeof dist?.feedDistribution !== 'string') {
        return error(res, 422, 'ERROR :: /author, /visibility, /distribution and /lifecycleState are required', { code: 'UNPROCESSABLE_ENTITY' });
      }
      if (b.author !== opts.author) return error(res, 403, 'Not enough permissions to access: partnerApiPostsExternal.CREATE.20260101', { serviceErrorCode: 100, code: 'ACCESS_DENIED' });
      const commentary = typeof b.commentary === 'string' ? b.commentary : '';
      if (!isLittleText(commentary)) return error(res, 422, 'ERROR :: /commentary :: contains unescaped reserved characters', { code: 'UNPROCESSABLE_ENTITY' });
      const dup = [...posts.values()].find((p) => !p.deleted && p.author === b.author && p.commentary === commentary);
      if (dup) return error(res, 422, `ERROR :: /commentary :: Content is a duplicate of ${dup.urn}`, { code: 'UNPROCESSABLE_ENTITY' });
      const article = (b.content as Record<string, unknown> | undefined)?.article as Record<string, unknown> | undefined;
      if (article && (typeof article.source !== 'string' || typeof article.title !== 'string')) return error(res, 422, 'ERROR :: /content/article :: source and title are required');
      const urn = `urn:li:share:${nextId++}`;
      posts.set(urn, { urn, author: b.author, commentary, visibility: b.visibility, ...(article ? { article: { source: article.source as string, title: article.title as string } } : {}), deleted: false, likes: 0, comments: 0 });
      return sendJson(res, 201, undefined, { 'x-restli-id': urn, location: `/rest/posts/${encodeURIComponent(urn)}` });
    }
    const m = /^\/rest\/(posts|socialActions)\/([^/]+)$/.exec(url.pathname);
    const urn = m ? decodeURIComponent(m[2]!) : '';
    const post = posts.get(urn);
    if (req.method === 'DELETE' && m?.[1] === 'posts') {
      if (!post) return error(res, 404, `Post ${urn} not found`);
      post.deleted = true;
      return sendJson(res, 204);
    }
    if (req.method === 'GET' && m?.[1] === 'socialActions') {
      if (!post || post.deleted) return error(res, 404, `Not Found: ${urn}`);
      return sendJson(res, 200, {
        target: urn,
        likesSummary: { totalLikes: post.likes, aggregatedTotalLikes: post.likes, likedByCurrentUser: false, selectedLikes: [] },
        commentsSummary: { totalFirstLevelComments: post.comments, aggregatedTotalComments: post.comments, selectedComments: [] },
      });
    }
    return error(res, 404, `No resource at ${req.method} ${url.pathname}`);
  };

  const server = await startScriptedServer({ handle, send: sendJson });
  return {
    ...server,
    posts,
    revoke: () => {
      revoked = true;
    },
  };
}
