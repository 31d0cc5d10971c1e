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
