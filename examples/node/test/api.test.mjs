// The JS API over every export of the WIT `cache` interface, on the three
// backends, with an injected clock: results, the `expired` flag, counts,
// and error codes.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SandCache, SandCacheError } from '../sandcache.mjs';
import { createRequire } from 'node:module';
import { needWasm, tempDir } from '../testing.mjs';

const Database = createRequire(import.meta.url)('better-sqlite3');

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
  // every field set by the guest (its defaults), dict empty
  assert.deepEqual(c.parseOptions('null'), { backend: 'sqlite', namespace: 'default', path: '', ttlMs: 600_000n, maxEntries: 256n, dict: '' });
  assert.deepEqual(c.parseOptions('{"store":{"backend":"files","name":"my ns/é"},"ttl":"1.5h","max_entries":0,"path":"p"}'),
    { backend: 'fs', namespace: 'my_ns__', path: 'p', ttlMs: 5_400_000n, maxEntries: 1n, dict: '' });
  assert.equal(c.parseDuration('18446744073709551615'), 18446744073709551615n);
  assert.equal(c.llmKey('"hello"'), 'sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315');
  assert.equal(c.llmKey('"hello"', 'null'), c.llmKey('"hello"'));
  assert.notEqual(c.llmKey('"hello"', '""'), c.llmKey('"hello"'));
  assert.notEqual(c.llmKey('"hello"', null, '{"seed":1}'), c.llmKey('"hello"'));
  assert.equal(c.llmKey('"hello"', null, '{"seed":null}'), c.llmKey('"hello"'));
});

test('options: the host passes what the caller gave; the guest fills the rest, dict under the fields', (t) => {
  needWasm();
  const dir = tempDir(t);
  const c = new SandCache(dir, { clock: () => 1_000 });
  t.after(() => c.close());
  c.put('k', '1'); // no options at all: the guest's defaults (sqlite, "default")
  assert.equal(c.get('k', { namespace: 'default' }).value, '1');
  // the dictionary's namespace, then a field over it
  c.put('d', '2', { dict: '{"namespace":"from-dict"}' });
  assert.deepEqual(c.keys('', { namespace: 'from-dict' }), ['d']);
  c.put('f', '3', { dict: '{"namespace":"from-dict"}', namespace: 'from-field' });
  assert.deepEqual(c.keys('', { namespace: 'from-field' }), ['f']);
  // max-entries is an s64: a negative value reaches the guest, which clamps it to 1
  c.put('a', '1', { namespace: 'clamp', maxEntries: -5n });
  c.put('b', '2', { namespace: 'clamp', maxEntries: -5n });
  assert.deepEqual(c.keys('', { namespace: 'clamp' }), ['b']);
  assert.throws(() => c.put('x', '1', { nameSpace: 'typo' }), (e) => e.code === 'invalid-argument' && /unknown option "nameSpace"/.test(e.message));
});

test('an argument error comes before an error in the option dictionary', (t) => {
  needWasm();
  const c = new SandCache(tempDir(t));
  t.after(() => c.close());
  const err = (fn) => { try { fn(); } catch (e) { return e; } return assert.fail('no error'); };
  const e = err(() => c.put('', '1', { dict: '[1]' }));
  assert.equal(e.code, 'invalid-argument');
  assert.doesNotMatch(e.message, /cache options must be a dict/);
  assert.match(err(() => c.put('k', '1', { dict: '[1]' })).message, /cache options must be a dict or nil; got list/);
});

test('the clock import takes any s64 millisecond value as is (no wrap past 2^64 ns)', (t) => {
  needWasm();
  const dir = tempDir(t);
  const now = 9223372036854775806n;
  const c = new SandCache(dir, { clock: () => now });
  t.after(() => c.close());
  c.put('k', '1', { path: 'c.sqlite' });
  assert.equal(c.get('k', { path: 'c.sqlite' }).value, '1');
  c.close();
  const db = new Database(path.join(dir, 'c.sqlite'), { readonly: true, fileMustExist: true });
  t.after(() => db.close());
  const rows = db.prepare('SELECT created_at_ms, last_accessed_ms FROM cache_entries').safeIntegers(true).all();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].created_at_ms, now);
  // the get stamps the access at now or just after it (the guest's LRU order), never a wrapped value
  assert.ok(rows[0].last_accessed_ms >= now, `last_accessed_ms ${rows[0].last_accessed_ms}`);
});
