import { describe, expect, it } from 'vitest';
import { platformLength, postHandle, postText, resolvePlatform, weightedLength } from './platforms';

describe('platforms', () => {
  it('resolves names and aliases', () => {
    expect(resolvePlatform('Twitter')?.id).toBe('x');
    expect(resolvePlatform('linkedin')?.limit).toBe(3000);
    expect(resolvePlatform('myspace')).toBeNull();
    expect(resolvePlatform(undefined)).toBeNull();
  });
  it('counts the way each platform counts', () => {
    expect(weightedLength('hello')).toBe(5);
    expect(weightedLength('日本')).toBe(4);
    expect(weightedLength('see https://example.com/a/very/long/path/that/is/long')).toBe(4 + 23);
    const text = 'ok 🚀';
    expect(platformLength(resolvePlatform('tiktok')!, text)).toBe(5);
    expect(platformLength(resolvePlatform('instagram')!, text)).toBe(4);
  });
  it('finds the text and handle in params', () => {
    expect(postText({ body: 'b', title: 't' })).toBe('b');
    expect(postText({ text: 't', body: 'b' })).toBe('t');
    expect(postText({})).toBe('');
    expect(postHandle({ handle: '@acme' }, 'bot')).toBe('acme');
    expect(postHandle({}, 'bot')).toBe('bot');
  });
});
