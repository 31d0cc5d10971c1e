import { describe, expect, it } from 'vitest';
import { pipelineFor } from '../test-pipeline.js';

const POLICY = `
agents:
  drafter: { mode: draft }
actions:
  social.post: {}
  llm.chat:
    modes: [authorize]
    in_draft_mode: rules
    approval: { when: "params.model == 'gpt-expensive'" }
`;

describe('in_draft_mode', () => {
  const p = pipelineFor(POLICY);

  it('lets a draft-mode agent make calls that reach no one, under their own rules only', async () => {
    const call = await p.bridle.submit({ agentId: 'drafter', type: 'llm.chat', mode: 'authorize', params: { model: 'gpt-small', text: 'draft a post' } });
    expect(call.status).toBe('allowed');
    // The action type's own rule still asks a human.
    const pricey = await p.bridle.submit({ agentId: 'drafter', type: 'llm.chat', mode: 'authorize', params: { model: 'gpt-expensive', text: 'draft a post' } });
    expect(pricey.status).toBe('awaiting_approval');
    expect(pricey.decision?.reason).not.toMatch(/draft mode/);
    // What reaches the world still waits for a human in draft mode.
    const post = await p.bridle.submit({ agentId: 'drafter', type: 'social.post', params: { platform: 'x', text: 'hello' } });
    expect(post.status).toBe('awaiting_approval');
    expect(post.decision?.reason).toMatch(/draft mode/);
  });
});
