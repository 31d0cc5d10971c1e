import { afterEach, describe, expect, it } from 'vitest';
import { testGateway, type TestGateway } from './test-gateway.js';

describe('gateway routes in /openapi.json', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('describes the model routes with the schemas the door validates, and the operator route', async () => {
    gw = await testGateway();
    const doc = (await gw.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> }; tags: string[] }>> };
    const chat = doc.paths['/v1/chat/completions']?.post;
    expect(chat?.tags).toEqual(['gateway']);
    expect(chat?.requestBody?.content['application/json']?.schema.required).toEqual(expect.arrayContaining(['model', 'messages']));
    expect(doc.paths['/v1/messages']?.post?.requestBody?.content['application/json']?.schema.required).toEqual(expect.arrayContaining(['max_tokens']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/embeddings', '/v1/models', '/v1/llm/calls/{id}', '/v1/actions']));
  });
});
