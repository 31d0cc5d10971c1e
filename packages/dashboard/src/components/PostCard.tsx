import type { OutboxItem } from '../api/types';
import { ago } from '../lib/format';
import { platformLength, postHandle, postText, resolvePlatform, type PlatformSpec } from '../lib/platforms';

function Counter({ spec, text }: { spec: PlatformSpec; text: string }) {
  const n = platformLength(spec, text);
  const over = n > spec.limit;
  return (
    <span className={`counter ${over ? 'over' : n > spec.limit * 0.9 ? 'near' : ''}`} data-testid="post-count" aria-label={`${n} of ${spec.limit} characters${over ? ', over the limit' : ''}`}>
      {n}/{spec.limit}
    </span>
  );
}

/**
 * What a sandboxed post would look like on its platform: avatar initial, handle, text and the
 * platform's own character count. Unknown platforms get a neutral card with the raw params.
 */
export function PostCard({ item }: { item: OutboxItem }) {
  const spec = resolvePlatform(item.platform ?? item.params.platform);
  const text = postText(item.params);
  const handle = postHandle(item.params, item.agentId);
  const title = typeof item.params.title === 'string' ? item.params.title : null;
  const subreddit = typeof item.params.subreddit === 'string' ? item.params.subreddit.replace(/^r\//, '') : null;
  const platform = spec?.id ?? 'generic';
  return (
    <article className={`post post-${platform}`} data-testid="outbox-item" data-action-id={item.actionId} aria-label={`${spec?.label ?? item.type} post by ${handle}`}>
      <header className="post-head">
        <span className="avatar" aria-hidden="true">
          {handle.charAt(0).toUpperCase()}
        </span>
        <div className="post-who">
          <strong>{platform === 'linkedin' ? handle : platform === 'reddit' ? `u/${handle}` : `@${handle}`}</strong>
          <span className="muted small">
            {platform === 'reddit' && subreddit ? `r/${subreddit} · ` : ''}
            {ago(item.createdAt)}
          </span>
        </div>
        <span className="platform-badge">{spec?.label ?? item.type}</span>
      </header>
      {title && <h3 className="post-title">{title}</h3>}
      {text ? <p className="post-text" data-testid="post-text">{text}</p> : <pre className="json">{JSON.stringify(item.params, null, 2)}</pre>}
      <footer className="post-foot small">
        {spec && <Counter spec={spec} text={text} />}
        <code className="muted">{item.actionId}</code>
      </footer>
    </article>
  );
}
