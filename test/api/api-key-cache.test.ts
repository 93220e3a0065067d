import { describe, expect, test } from 'vitest';
import { ApiKeyCache } from '../../src/modules/customers/api-key-cache.ts';

const alice = { keyId: 'key-a', customerId: 'customer-a' };
const aliceSpare = { keyId: 'key-a2', customerId: 'customer-a' };

describe('the key cache', () => {
  test('remembers live keys by hash and forgets a revoked one, keeping the others', () => {
    const cache = new ApiKeyCache(30);
    cache.remember('hash-a', alice, cache.ticket());
    cache.remember('hash-a2', aliceSpare, cache.ticket());
    expect(cache.get('hash-a')).toEqual(alice);
    cache.forgetKey('key-a2');
    expect(cache.get('hash-a2')).toBeUndefined();
    expect(cache.get('hash-a')).toEqual(alice);
    cache.forgetAll();
    expect(cache.get('hash-a')).toBeUndefined();
  });

  test('a lookup that began before a revocation does not store what it read', () => {
    const cache = new ApiKeyCache(30);
    const ticket = cache.ticket();
    // Meanwhile (the lookup is in flight) the key is revoked: the row read may predate it.
    cache.forgetKey('key-a');
    cache.remember('hash-a', alice, ticket);
    expect(cache.get('hash-a')).toBeUndefined();
    cache.remember('hash-a', alice, cache.ticket());
    expect(cache.get('hash-a')).toEqual(alice);
  });

  test('a TTL of 0 remembers nothing: every request looks its key up', () => {
    const cache = new ApiKeyCache(0);
    cache.remember('hash-a', alice, cache.ticket());
    expect(cache.get('hash-a')).toBeUndefined();
  });
});
