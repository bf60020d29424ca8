// Shared by the tests (kept out of test/ so node --test does not run it):
// where things are in the repository, and the recorded-vector harness.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DEFAULT_WASM, SandCacheError } from './sandcache.mjs';

const Database = createRequire(import.meta.url)('better-sqlite3');

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PKG = HERE; // examples/node
export const REPO = path.resolve(PKG, '../..'); // the Go module's root
export const WASM = DEFAULT_WASM;
export const WIT = path.join(REPO, 'wit/sandcache.wit');
export const VECTORS = path.join(REPO, 'tests/testdata/harn-golden.jsonl');

/** Fails the calling test with a clear message when guest.wasm is missing. */
export function needWasm() {
  if (!fs.existsSync(WASM)) throw new Error(`${WASM} does not exist: run ./build.sh at the repository root first`);
}

export function tempDir(t, prefix = 'sandcache-node-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** intendedDifferences of tests/vectors_test.go: {id: reason}. */
export function intendedDifferences() {
  const src = fs.readFileSync(path.join(REPO, 'tests/vectors_test.go'), 'utf8');
  const m = /var intendedDifferences = map\[string\]string\{([\s\S]*?)\n\}/.exec(src) ?? /var intendedDifferences = map\[string\]string\{(.*?)\}/.exec(src);
  const out = {};
  if (!m) return out;
  for (const e of m[1].matchAll(/("(?:[^"\\]|\\.)*"|`[^`]*`)\s*:\s*("(?:[^"\\]|\\.)*"|`[^`]*`)/g)) {
    const str = (s) => (s[0] === '`' ? s.slice(1, -1) : JSON.parse(s));
    out[str(e[1])] = str(e[2]);
  }
  return out;
}

/** Runs one recorded command as the original's harness does: [stdout, exit]. */
export function run(cache, cmd) {
  const arg = (i) => (i < cmd.length ? cmd[i] : null);
  const opts = (i) => {
    const o = cache.parseOptions(arg(i) ?? 'null');
    if (o.path === '') o.path = { sqlite: 'state/cache/llm.sqlite', fs: 'state/cache/llm' }[o.backend] ?? '';
    return o;
  };
  try {
    switch (cmd[0]) {
      case 'put': {
        const o = opts(3);
        cache.put(cmd[1], cmd[2], o);
        return [`{"key":${JSON.stringify(cmd[1])},"stored":true}`, 0];
      }
      case 'get': {
        const l = cache.get(cmd[1], opts(2));
        return [l.value === null ? '{"hit":false}' : `{"hit":true,"value":${l.value}}`, 0];
      }
      case 'clear':
        cache.clear(opts(1));
        return ['null', 0];
      case 'llm-key':
        return [JSON.stringify(cache.llmKey(cmd[1], arg(2), arg(3))), 0];
      case 'duration':
        return [String(cache.parseDuration(cmd[1])), 0];
    }
    throw new Error(`unknown command ${cmd[0]}`);
  } catch (e) {
    if (!(e instanceof SandCacheError) || e.code === 'guest-fault') throw e;
    return [`{"error":${JSON.stringify(e.message)}}`, 1];
  }
}

/** cache_entries as the vectors record them. */
export function dbRows(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms FROM cache_entries ORDER BY namespace, cache_key')
      .raw(true).all();
  } finally {
    db.close();
  }
}

/** Every file under root/sub, by path relative to root, as text. */
export function fsFiles(root, sub) {
  const out = {};
  const walk = (rel) => {
    let entries;
    try { entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }); } catch (e) { if (e.code === 'ENOENT') return; throw e; }
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(root, r), 'utf8');
    }
  };
  walk(sub);
  return out;
}

/**
 * Replays every vector, in order, in one fresh folder, as subtests of t.
 * open(root, clock) returns the cache under test (SandCache's API); clock()
 * is the injected time in ms (BigInt).
 */
export async function replayVectors(t, open) {
  const vectors = fs.readFileSync(VECTORS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const intended = intendedDifferences();
  const root = tempDir(t);
  let nowMs = null;
  const cache = await open(root, () => nowMs ?? BigInt(Date.now()));
  t.after(() => cache.close());
  const tally = { passed: 0, intended: 0, failed: 0 };
  for (const v of vectors) {
    await t.test(v.id, (st) => {
      nowMs = v.env.HARNCACHE_NOW_MS !== undefined ? BigInt(v.env.HARNCACHE_NOW_MS) : null;
      const [stdout, exit] = run(cache, v.cmd);
      const got = { stdout, exit };
      const want = { stdout: v.stdout, exit: v.exit };
      if (v.db) {
        got.db = dbRows(path.join(root, 'state/cache/llm.sqlite')).map((r) => r.map((x) => (typeof x === 'bigint' ? Number(x) : x)));
        want.db = v.db;
      }
      if (v.fs) {
        got.fs = fsFiles(root, 'fsdir');
        want.fs = v.fs;
      }
      try {
        assert.deepStrictEqual(got, want);
        tally.passed++;
      } catch (e) {
        if (v.id in intended) {
          tally.intended++;
          st.skip(`intended difference: ${intended[v.id]}`);
          return;
        }
        tally.failed++;
        throw e;
      }
    });
  }
  t.diagnostic(`${vectors.length} cases: ${tally.passed} identical, ${tally.intended} differ as intended, ${tally.failed} failed`);
}
