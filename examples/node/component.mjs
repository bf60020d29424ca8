// The same guest.wasm as a WebAssembly component, run through bindings that
// jco generates (jco transpile) instead of the hand-written canonical ABI of
// sandcache.mjs: a second, independent implementation of the lowering and
// lifting, fed by the same JS capabilities (sql.mjs, files.mjs).
//
//   guest.wasm --componentEmbed(wit)--> --componentNew(+ WASI preview1 reactor
//   adapter)--> sandcache.component.wasm --transpile--> sandcache.js + core modules
//
// Build it with `node component.mjs [OUT_DIR]` (default dist/). Needs the dev
// dependencies (@bytecodealliance/jco, @bytecodealliance/preview2-shim).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { SandCacheError, CapError, ERROR_CODES } from './abi.mjs';
import { SqlSession, openDatabase } from './sql.mjs';
import { Files } from './files.mjs';
import { DEFAULT_WASM, clockImports, sha256 } from './sandcache.mjs';
import { normalizeOptions } from './options.mjs';
import { enums } from './generated/sandcache_abi.mjs';
import { withAdapterRealloc, ARENA_END_PAGES } from './adapter-realloc.mjs';
import { limitMemory, DEFAULT_MEMORY_PAGES } from './memlimit.mjs';

const WIT = fileURLToPath(new URL('../../wit/sandcache.wit', import.meta.url));
const KINDS = enums['storage-class'];

/**
 * Builds sandcache.component.wasm from the core module and the WIT. Returns
 * {component}. adapterRealloc: false leaves guest.wasm as it is, whose
 * component traps at start-up (adapter-realloc.mjs says why).
 */
export async function buildComponent({ wasm = DEFAULT_WASM, witSource = fs.readFileSync(WIT, 'utf8'), adapterRealloc = true, memoryLimitPages = DEFAULT_MEMORY_PAGES } = {}) {
  const { componentEmbed, componentNew, preview1AdapterReactorPath } = await import('@bytecodealliance/jco');
  const core = fs.readFileSync(wasm);
  const binary = adapterRealloc ? limitMemory(withAdapterRealloc(core), ARENA_END_PAGES + memoryLimitPages) : core;
  const embedded = await componentEmbed({ binary, witSource, world: 'guest' });
  const adapter = fs.readFileSync(preview1AdapterReactorPath());
  const component = await componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
  return { component };
}

/** Transpiles the component into outDir (sandcache.js, *.core*.wasm, .d.ts). */
export async function transpileTo(component, outDir) {
  const { transpile } = await import('@bytecodealliance/jco');
  const { files } = await transpile(component, { name: 'sandcache', instantiation: 'sync' });
  for (const [name, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(outDir, name)), { recursive: true });
    fs.writeFileSync(path.join(outDir, name), bytes);
  }
  fs.writeFileSync(path.join(outDir, 'sandcache.component.wasm'), component);
}

// The capabilities in lifted form: jco passes and expects JS values (strings,
// BigInt, Uint8Array, enum case names, undefined for `none`), and turns a
// thrown {payload} into the `err` case of a result.
const asResult = (fn) => (...args) => {
  try {
    return fn(...args);
  } catch (e) {
    const code = e instanceof CapError ? e.code : 'internal';
    throw { payload: { code, message: String(e?.message ?? e) } };
  }
};

function liftedSql(sql) {
  return {
    dialect: () => sql.dialect(),
    open: asResult((name, memory) => sql.open(name, memory)),
    openServer: asResult(() => { throw new CapError('not-permitted', 'sql: the host lends no database server'); }),
    close: (d) => sql.close(d),
    exec: asResult((d, text) => sql.exec(d, text)),
    prepare: asResult((d, text) => sql.prepare(d, text)),
    bindNull: asResult((s, i) => sql.bind(s, i, null)),
    bindInt: asResult((s, i, v) => sql.bind(s, i, v)),
    bindFloat: asResult((s, i, v) => sql.bind(s, i, v)),
    bindText: asResult((s, i, v) => sql.bind(s, i, v)),
    bindBlob: asResult((s, i, v) => sql.bind(s, i, Buffer.from(v))),
    step: asResult((s) => sql.step(s)),
    columnCount: (s) => sql.columnCount(s),
    columnKind: (s, i) => KINDS[sql.columnKind(s, i)],
    columnInt: (s, i) => sql.columnInt(s, i),
    columnFloat: (s, i) => sql.columnFloat(s, i),
    columnText: (s, i) => sql.columnText(s, i),
    columnBlob: (s, i) => new Uint8Array(sql.columnBlob(s, i)),
    changes: (d) => sql.changes(d),
    reset: asResult((s) => sql.reset(s)),
    finalize: (s) => sql.finalize(s),
    run: asResult((calls, params) => {
      const values = params.map(bindValue);
      let at = 0;
      const batch = calls.map((c) => {
        if (c.params > values.length - at) throw new CapError('invalid-argument', 'sql: the calls bind more parameters than the batch has');
        at += c.params;
        return { statement: c.statement, params: values.slice(at - c.params, at), rows: c.rows, ifRow: c.ifRow, wait: c.wait };
      });
      if (at !== values.length) throw new CapError('invalid-argument', 'sql: the calls leave parameters unbound');
      const r = sql.run(batch);
      return {
        values: r.values.map((v) => ({
          kind: KINDS[v.kind],
          integer: BigInt.asIntN(64, BigInt(v.integer ?? 0)),
          float: v.float ?? 0,
          text: v.text ?? '',
          blob: new Uint8Array(v.blob ?? 0),
        })),
        ran: r.ran,
      };
    }),
  };
}

/** A WIT `value` as jco lifts it ({kind, integer, ...}), as SqlSession binds it. */
function bindValue(v) {
  switch (v.kind) {
    case 'integer': return v.integer;
    case 'float': return v.float;
    case 'text': return v.text;
    case 'blob': return Buffer.from(v.blob);
    default: return null;
  }
}

function liftedFiles(files) {
  return {
    read: asResult((p) => files.read(p) ?? undefined),
    writeAtomic: asResult((p, data) => files.writeAtomic(p, Buffer.from(data))),
    remove: asResult((p) => files.remove(p)),
    replace: asResult((p, expected, data) => files.replace(p, Buffer.from(expected), data === undefined ? null : Buffer.from(data))),
    list: asResult((p) => files.list(p).map((b) => b.toString('utf8'))),
    removeDir: asResult((p) => files.removeDir(p)),
  };
}

/**
 * A cache with SandCache's API over the transpiled component in outDir.
 * WASI comes from @bytecodealliance/preview2-shim, sandboxed: no preopens,
 * no environment, no network; the wall clock is injected when clock is given.
 */
export async function openComponentCache(dir, { outDir, clock = null } = {}) {
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const { instantiate } = await import(pathToFileURL(path.join(outDir, 'sandcache.js')).href);
  const files = new Files(dir);
  let memDb = null;
  const sql = new SqlSession(files.root, () => (memDb ??= openDatabase(':memory:')));
  const imports = new WASIShim({ sandbox: { preopens: {}, env: {}, args: ['sandcache'], enableNetwork: false } }).getImportObject();
  // The cache's clock: the WIT's `clock` import (milliseconds, s64).
  imports['sandcache:cache/clock'] = { nowMs: clockImports(clock)['now-ms'] };
  // Hashes computed natively: the WIT's `digest` import.
  imports['sandcache:cache/digest'] = { sha256 };
  imports['sandcache:cache/sql'] = liftedSql(sql);
  imports['sandcache:cache/files'] = liftedFiles(files);
  imports['sandcache:cache/types'] = {};
  const root = instantiate((name) => new WebAssembly.Module(fs.readFileSync(path.join(outDir, name))), imports);
  const c = root.cache;
  const call = (op, fn) => {
    try {
      return fn();
    } catch (e) {
      if (e?.payload && ERROR_CODES.includes(e.payload.code)) throw new SandCacheError(e.payload.code, e.payload.message, op);
      throw new SandCacheError('guest-fault', `guest trapped in ${op}: ${e?.message ?? e}`, op);
    }
  };
  const opts = (o) => normalizeOptions(o); // the record as jco lifts it: camelCase fields, undefined for none
  return {
    get: (key, o) => call('get', () => {
      const l = c.get(key, opts(o));
      return { value: l.value ?? null, expired: l.expired, hit: l.value !== undefined };
    }),
    put: (key, value, o) => call('put', () => c.put(key, value, opts(o))),
    delete: (key, o) => call('delete', () => c.delete(key, opts(o))),
    clear: (o) => call('clear', () => c.clear(opts(o))),
    stats: (o) => call('stats', () => c.stats(opts(o))),
    purge: (o) => call('purge', () => c.purge(opts(o))),
    keys: (prefix, o) => call('keys', () => c.keys(prefix ?? '', opts(o))),
    llmKey: (prompt, system = null, request = null) => call('llm-key', () => c.llmKey(prompt, system ?? undefined, request ?? 'null')),
    parseOptions: (dict) => call('parse-options', () => c.parseOptions(dict)),
    parseDuration: (text) => call('parse-duration', () => c.parseDuration(text)),
    close: () => {
      sql.closeAll();
      memDb?.close();
    },
  };
}

// node component.mjs [OUT_DIR]: build and transpile.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const outDir = path.resolve(process.argv[2] ?? fileURLToPath(new URL('./dist/', import.meta.url)));
  const { component } = await buildComponent();
  await transpileTo(component, outDir);
  console.log(`${path.join(outDir, 'sandcache.component.wasm')}: ${component.length} bytes; bindings in ${outDir}`);
}
