// The JS API over every export of the WIT `cache` interface, on the three
// backends, with an injected clock: results, the `expired` flag, counts,
// and error codes.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SandCache, SandCacheError } from '../sandcache.mjs';
import { needWasm, tempDir } from '../testing.mjs';

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SandCacheError, String(e));
    return { code: e.code, message: e.message };
  }
  assert.fail('expected a SandCacheError');
}

for (const backend of ['sqlite', 'fs', 'mem']) {
  test(`${backend}: get/put/delete/keys/stats/purge/clear`, (t) => {
    needWasm();
    let now = 1_000_000n;
    const c = new SandCache(tempDir(t), { clock: () => now });
    t.after(() => c.close());
    const o = { backend, namespace: 'api', ttlMs: 10_000n, maxEntries: 3 };

    assert.deepEqual(c.get('a', o), { value: null, expired: false, hit: false });
    assert.deepEqual(c.put('a', '{"x":[1,1.0,-0.0]}', o), { expired: 0, evicted: 0 });
    assert.deepEqual(c.get('a', o), { value: '{"x":[1,1.0,-0.0]}', expired: false, hit: true });
    for (const k of ['b', 'c']) c.put(k, `"${k}"`, o);
    now += 1n;
    c.get('a', o); // a is now the most recently used
    now += 1n;
    assert.deepEqual(c.put('d', '4', o), { expired: 0, evicted: 1 }); // evicts b, the LRU
    assert.deepEqual(c.keys('', o), ['a', 'c', 'd']);
    assert.deepEqual(c.keys('c', o), ['c']);
    assert.deepEqual(c.stats(o), { entries: 3n, expired: 0n });

    assert.equal(c.delete('c', o), true);
    assert.equal(c.delete('c', o), false);
    c.put('short', '1', { ...o, ttlMs: 5n });
    c.put('other-ns', '1', { ...o, namespace: 'other', ttlMs: 5n });
    now += 5n;
    assert.deepEqual(c.stats(o), { entries: 2n, expired: 1n });
    assert.equal(c.purge(o), 2n); // every namespace of the store
    assert.deepEqual(c.stats(o), { entries: 2n, expired: 0n });

    c.put('e', '5', { ...o, ttlMs: 5n });
    now += 5n;
    assert.deepEqual(c.get('e', o), { value: null, expired: true, hit: false }); // found expired, deleted
    assert.deepEqual(c.get('e', o), { value: null, expired: false, hit: false });

    c.clear(o);
    assert.deepEqual(c.keys('', o), []);
    assert.deepEqual(c.stats(o), { entries: 0n, expired: 0n });
  });
}

test('mem: one in-memory database per SandCache, shared across calls', (t) => {
  needWasm();
  const dir = tempDir(t);
  const a = new SandCache(dir);
  const b = new SandCache(dir);
  t.after(() => { a.close(); b.close(); });
  a.put('k', '1', { backend: 'mem' });
  assert.equal(a.get('k', { backend: 'mem' }).value, '1');
  assert.equal(b.get('k', { backend: 'mem' }).value, null);
  assert.deepEqual(fs.readdirSync(dir), []); // nothing on disk
});

test('errors come back as WIT error records with their codes', (t) => {
  needWasm();
  const c = new SandCache(tempDir(t));
  t.after(() => c.close());
  assert.equal(errorOf(() => c.get('')).code, 'invalid-argument');
  assert.equal(errorOf(() => c.put('k', '{bad json')).code, 'invalid-argument');
  assert.equal(errorOf(() => c.put('k', '1', { namespace: '..' })).code, 'invalid-argument');
  assert.equal(errorOf(() => c.put('k', '1', { path: '../outside.sqlite' })).code, 'not-permitted');
  assert.equal(errorOf(() => c.put('k', '1', { backend: 'fs', path: '/abs' })).code, 'not-permitted');
  assert.equal(errorOf(() => c.get('\ud800')).code, 'invalid-argument'); // lone surrogate: not UTF-8
  fs.writeFileSync(path.join(c.dir, 'junk.sqlite'), 'not a database '.repeat(100));
  assert.equal(errorOf(() => c.get('k', { path: 'junk.sqlite' })).code, 'corrupt');
  assert.deepEqual(errorOf(() => c.parseDuration('1w')), { code: 'invalid-argument', message: 'cache duration "1w" must use ms, s, m, h, or d' });
  assert.deepEqual(errorOf(() => c.parseOptions('[1]')), { code: 'invalid-argument', message: 'cache options must be a dict or nil; got list' });
  // the instance is still good after errors
  c.put('k', '1');
  assert.equal(c.get('k').value, '1');
});

test('parse-options, parse-duration and llm-key', (t) => {
  needWasm();
  const c = new SandCache(tempDir(t));
  t.after(() => c.close());
  assert.deepEqual(c.parseOptions('null'), { backend: 'sqlite', namespace: 'default', path: '', ttlMs: 600_000n, maxEntries: 256 });
  assert.deepEqual(c.parseOptions('{"store":{"backend":"files","name":"my ns/é"},"ttl":"1.5h","max_entries":0,"path":"p"}'),
    { backend: 'fs', namespace: 'my_ns__', path: 'p', ttlMs: 5_400_000n, maxEntries: 1 });
  assert.equal(c.parseDuration('18446744073709551615'), 18446744073709551615n);
  assert.equal(c.llmKey('"hello"'), 'sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315');
  assert.equal(c.llmKey('"hello"', 'null'), c.llmKey('"hello"'));
  assert.notEqual(c.llmKey('"hello"', '""'), c.llmKey('"hello"'));
  assert.notEqual(c.llmKey('"hello"', null, '{"seed":1}'), c.llmKey('"hello"'));
  assert.equal(c.llmKey('"hello"', null, '{"seed":null}'), c.llmKey('"hello"'));
});
