import { describe, expect, it } from 'vitest';
import { redactParams, textFields } from './fields.js';

describe('text fields and redaction', () => {
  it('picks only the named string fields', () => {
    expect(textFields({ text: 'a', n: 1, title: 't' }, ['text', 'n', 'missing', 'title'])).toEqual([
      { field: 'text', text: 'a' },
      { field: 'title', text: 't' },
    ]);
  });

  it('replaces spans right to left, merging overlaps, and leaves other params untouched', () => {
    const params = { text: 'mail bob@x.io or call +1 202 555 0100', platform: 'x' };
    const out = redactParams(
      params,
      [
        { message: 'email', field: 'text', span: { start: 5, end: 13 }, match: 'bob@x.io' },
        { message: 'phone', field: 'text', span: { start: 22, end: 37 } },
        { message: 'overlap', field: 'text', span: { start: 30, end: 37 } },
      ],
      (f) => `[${f.message.toUpperCase()}]`,
    );
    expect(out).toEqual({ text: 'mail [EMAIL] or call [PHONE]', platform: 'x' });
    expect(params.text).toBe('mail bob@x.io or call +1 202 555 0100');
  });
});

describe('redaction at scale', () => {
  it('redacts 20,000 findings in a 200 KB text correctly', () => {
    const text = 'ab '.repeat(66_667);
    const findings = Array.from({ length: 20_000 }, (_, i) => ({ message: 'x', field: 'text', span: { start: i * 3, end: i * 3 + 2 } }));
    const out = redactParams({ text }, findings, () => '#');
    expect((out.text as string).startsWith('# # #')).toBe(true);
    expect((out.text as string).length).toBe(text.length - 20_000);
  });
});
