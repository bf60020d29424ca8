// Cross-runtime: the Go CLI (wazero host) and the Node host run the same
// guest.wasm over one folder. Entries written by one are read by the other,
// on one SQLite file and on one fs folder, and the same put at the same
// clock leaves the same bytes (SQLite rows, fs record files) on both.
//
// The Go side is `go build ./cmd/sandcache`, built once into a temporary
// folder; when it cannot be built (no Go toolchain, or cmd/sandcache not
// ready) these tests are skipped with the build error.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { SandCache } from '../sandcache.mjs';
import { REPO, needWasm, tempDir } from '../testing.mjs';

const Database = createRequire(import.meta.url)('better-sqlite3');
const NOW = 1_700_000_000_000n;

// Build the Go CLI once for the whole file.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sandcache-xrt-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const goBin = path.join(work, 'sandcache');
let skip = false;
{
  const r = spawnSync('go', ['build', '-o', goBin, './cmd/sandcache'], { cwd: REPO, encoding: 'utf8', timeout: 600_000 });
  if (r.error || r.status !== 0) {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(0, 3).join(' | ');
    skip = `the Go CLI cannot be built (go build ./cmd/sandcache in ${REPO}): ${why}`;
  }
}

/** Runs the Go CLI with the clock fixed at nowMs; returns stdout (trimmed). */
function goCli(args, nowMs) {
  return execFileSync(goBin, ['--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SANDCACHE_NOW_MS: String(nowMs), XDG_CACHE_HOME: path.join(work, 'xdg') },
  }).trim();
}

function rows(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  try {
    return db.prepare('SELECT namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms FROM cache_entries ORDER BY namespace, cache_key').raw(true).all();
  } finally {
    db.close();
  }
}

const VALUE = '{"b":[1,2.5,-0.0,1e21],"a":"é ✓ <&>","n":null}';
const CANON = '{"a":"é ✓ <&>","b":[1,2.5,-0.0,1e+21],"n":null}'; // compact, keys sorted, serde's number format

for (const backend of ['sqlite', 'fs']) {
  const flags = backend === 'fs' ? ['--backend', 'fs'] : [];

  test(`${backend}: Go writes, Node reads; Node writes, Go reads (one folder)`, { skip }, (t) => {
    needWasm();
    const dir = tempDir(t);
    assert.equal(goCli(['--dir', dir, ...flags, 'put', 'from-go', VALUE], NOW), '{"key":"from-go","stored":true}');

    const node = new SandCache(dir, { clock: () => NOW + 1n });
    t.after(() => node.close());
    assert.deepEqual(node.get('from-go', { backend }), { value: CANON, expired: false, hit: true });
    node.put('from-node', '{"z":1.0,"y":[true,"ключ"]}', { backend, namespace: 'shared ns' });
    node.put('k2', '2', { backend });

    assert.equal(goCli(['--dir', dir, ...flags, '--namespace', 'shared ns', 'get', 'from-node'], NOW + 2n),
      '{"hit":true,"value":{"y":[true,"ключ"],"z":1.0}}');
    assert.equal(goCli(['--dir', dir, ...flags, 'get', 'k2'], NOW + 3n), '{"hit":true,"value":2}');
    // Go deletes what Node wrote; Node sees it gone (and its fs index copes).
    goCli(['--dir', dir, ...flags, 'delete', 'k2'], NOW + 4n);
    assert.equal(node.get('k2', { backend }).value, null);
    assert.deepEqual(node.keys('', { backend }), ['from-go']);
  });

  test(`${backend}: the same put at the same clock leaves the same bytes from Go and Node`, { skip }, (t) => {
    needWasm();
    const goDir = tempDir(t);
    const nodeDir = tempDir(t);
    goCli(['--dir', goDir, ...flags, '--namespace', 'n1', 'put', 'same', VALUE], NOW);
    const node = new SandCache(nodeDir, { clock: () => NOW });
    node.put('same', VALUE, { backend, namespace: 'n1' });
    node.close();
    if (backend === 'sqlite') {
      const got = rows(path.join(nodeDir, 'cache.sqlite'));
      assert.deepEqual(got, rows(path.join(goDir, 'cache.sqlite')));
      assert.deepEqual(got, [['n1', 'same', CANON, NOW, NOW + 600_000n, NOW]]);
    } else {
      const list = (d) => fs.readdirSync(path.join(d, 'files/n1')).sort();
      assert.deepEqual(list(nodeDir), list(goDir));
      assert.equal(list(nodeDir).length, 1);
      const f = `files/n1/${list(nodeDir)[0]}`;
      assert.equal(fs.readFileSync(path.join(nodeDir, f), 'utf8'), fs.readFileSync(path.join(goDir, f), 'utf8'));
    }
  });
}

for (const backend of ['sqlite', 'fs']) {
  const flags = backend === 'fs' ? ['--backend', 'fs'] : [];

  test(`${backend}: purge removes the expired entries, from Go as from Node`, { skip }, (t) => {
    needWasm();
    const goDir = tempDir(t);
    const nodeDir = tempDir(t);
    let now = NOW;
    const node = new SandCache(nodeDir, { clock: () => now });
    t.after(() => node.close());
    for (const [k, ns] of [['a', 'n1'], ['b', 'n2']]) {
      goCli(['--dir', goDir, ...flags, '--namespace', ns, '--ttl', '1s', 'put', k, '1'], now);
      node.put(k, '1', { backend, namespace: ns, ttlMs: 1000n });
    }
    now += 5000n;
    const goRemoved = JSON.parse(goCli(['--dir', goDir, ...flags, 'purge'], now)).removed;
    const nodeRemoved = node.purge({ backend });
    // purge (fs) walks the namespace folders that files.list reports with a
    // trailing "/", as the WIT says list does.
    assert.deepEqual({ go: goRemoved, node: Number(nodeRemoved) }, { go: 2, node: 2 });
  });
}

test('fs: Node and Go take the same write lock (flock on the folder)', { skip }, async (t) => {
  needWasm();
  const dir = tempDir(t);
  // Creates files/default, and warms the Go CLI's compilation cache so its
  // next run takes well under the 1.5 s the lock is held below.
  goCli(['--dir', dir, '--backend', 'fs', 'put', 'first', '1'], NOW);
  // Hold the folder's write lock from Node, as files.mjs does for every write.
  const { flockSync } = await import('../native/host.mjs');
  const fd = fs.openSync(path.join(dir, 'files/default'), 'r');
  flockSync(fd, 'ex');
  const started = Date.now();
  const go = spawn(goBin, ['--json', '--dir', dir, '--backend', 'fs', 'put', 'second', '2'], {
    env: { ...process.env, SANDCACHE_NOW_MS: String(NOW), XDG_CACHE_HOME: path.join(work, 'xdg') },
  });
  const done = new Promise((resolve) => go.on('exit', (code) => resolve([code, Date.now() - started])));
  await new Promise((r) => setTimeout(r, 1500));
  flockSync(fd, 'un');
  fs.closeSync(fd);
  const [code, ms] = await done;
  assert.equal(code, 0);
  assert.ok(ms >= 1500, `the Go put finished after ${ms} ms, while Node held the lock for 1500 ms`);
  const node = new SandCache(dir, { clock: () => NOW });
  assert.deepEqual(node.keys('', { backend: 'fs' }), ['first', 'second']);
  node.close();
});
