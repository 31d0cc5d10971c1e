import { describe, expect, it } from 'vitest';
import { oauth1Header, oauth1Signature, parseOAuth1Header, percentEncode } from './oauth1.js';

describe('x OAuth 1.0a signing', () => {
  it('reproduces the worked example from the X "Creating a signature" guide', () => {
    const url = new URL('https://api.twitter.com/1.1/statuses/update.json?include_entities=true');
    const sig = oauth1Signature(
      'POST',
      url,
      [
        ['status', 'Hello Ladies + Gentlemen, a signed OAuth request!'],
        ['oauth_consumer_key', 'xvz1evFS4wEEPTGEFPHBog'],
        ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
        ['oauth_signature_method', 'HMAC-SHA1'],
        ['oauth_timestamp', '1318622958'],
        ['oauth_token', '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb'],
        ['oauth_version', '1.0'],
      ],
      'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
      'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
    );
    expect(sig).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
  });

  it('percent-encodes the characters encodeURIComponent leaves alone', () => {
    expect(percentEncode("a!b*c'(d)")).toBe('a%21b%2Ac%27%28d%29');
    expect(percentEncode('ü ~-._')).toBe('%C3%BC%20~-._');
  });

  it('builds a header that parses back to the signed parameters', () => {
    const creds = { consumerKey: 'ck', consumerSecret: 'cs', token: 't', tokenSecret: 'ts' };
    const url = new URL('https://api.x.com/2/tweets');
    const h = oauth1Header('POST', url, creds, { nonce: 'n0', timestampSec: 1_700_000_000 });
    const p = parseOAuth1Header(h)!;
    expect(p.get('oauth_consumer_key')).toBe('ck');
    expect(p.get('oauth_nonce')).toBe('n0');
    const rest = [...p].filter(([k]) => k !== 'oauth_signature');
    expect(p.get('oauth_signature')).toBe(oauth1Signature('POST', url, rest, 'cs', 'ts'));
    expect(parseOAuth1Header('Bearer abc')).toBeNull();
  });
});
