// sandcache from Node.js: the very guest.wasm the Go host embeds, run with
// node:wasi (preview1, no preopens) and the two WIT imports (`sql` on
// better-sqlite3, `files` on node:fs) written in JavaScript.
//
// The module is a core module that follows the canonical ABI for
// wit/sandcache.wit (world `guest`), so this file is the JS half of that ABI:
// it lowers arguments into guest memory, calls the export, lifts the result
// from the return area the export points to, and then calls the export's
// `cabi_post_*` so the guest can release what the result held. Names, core
// signatures and every offset come from generated/sandcache_abi.mjs, which
// internal/cmd/witgen writes from the WIT (`./build.sh`); the Go host's glue
// is generated from the same source.

import fs from 'node:fs';
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GuestMemory, GuestFault, SandCacheError, CapError, ERROR_CODES, encodeString, offsetOf } from './abi.mjs';
import { exports as WIT_EXPORTS, imports as WIT_IMPORTS, types as WIT_TYPES, enums } from './generated/sandcache_abi.mjs';
import { lowerOptions, liftOptions } from './options.mjs';
import { SqlSession, openDatabase } from './sql.mjs';
import { Files } from './files.mjs';
import { limitMemory, DEFAULT_MEMORY_PAGES } from './memlimit.mjs';

export { SandCacheError } from './abi.mjs';
export { normalizeOptions } from './options.mjs';
export { SandCache, DEFAULT_TIMEOUT_MS } from './isolated.mjs';

// node:wasi's functions (poll_oneoff among them) are V8 "fast API calls"
// when wasm calls them directly; in Node 20 one can allocate and trigger a
// garbage collection inside the fast call, which aborts the process (seen
// when a guest runs out of memory in a worker). Slow calls do not: turn fast
// API calls off for this process before any guest is instantiated.
v8.setFlagsFromString('--no-turbo-fast-api-calls');

// node:wasi warns that it is experimental as it loads; keep stderr clean.
const { WASI } = quietly(() => createRequire(import.meta.url)('node:wasi'));

/** The guest the Go host embeds: host/guest.wasm of this repository. */
export const DEFAULT_WASM = process.env.SANDCACHE_GUEST_WASM || fileURLToPath(new URL('../../host/guest.wasm', import.meta.url));

/** WIT enum `backend`, in discriminant order. */
export const BACKENDS = enums.backend;

/** The full name ("pkg:ns/iface@version") of the generated interface `short`. */
function iface(table, short) {
  const names = Object.keys(table).filter((k) => k.replace(/@.*$/, '').endsWith('/' + short));
  if (names.length !== 1) throw new TypeError(`generated/sandcache_abi.mjs has ${names.length} interfaces named ${short}`);
  return names[0];
}
const CACHE = iface(WIT_EXPORTS, 'cache');
const SQL = iface(WIT_IMPORTS, 'sql');
const FILES = iface(WIT_IMPORTS, 'files');
const CLOCK = iface(WIT_IMPORTS, 'clock');
const DIGEST = iface(WIT_IMPORTS, 'digest');
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const MAX_KEY_BYTES = 64 << 10; // the Go host's defaults
const MAX_VALUE_BYTES = 16 << 20;
const MAX_LIST_BYTES = 256 << 20; // a keys result, all keys together

const modules = new Map(); // compiled guest per path: compiling is the slow part

/**
 * Compiles a guest (path, bytes, or an already compiled module, used as is)
 * with its memory capped at memoryPages (memlimit.mjs). Invalid modules are
 * invalid-argument.
 */
export function compile(wasm, memoryPages = DEFAULT_MEMORY_PAGES) {
  if (wasm instanceof WebAssembly.Module) return wasm;
  const build = (bytes) => {
    try {
      return new WebAssembly.Module(limitMemory(bytes, memoryPages));
    } catch (e) {
      if (e instanceof SandCacheError) throw e;
      throw new SandCacheError('invalid-argument', `guest module: ${e.message}`);
    }
  };
  if (wasm instanceof Uint8Array) return build(wasm);
  const key = `${memoryPages}\0${wasm}`;
  let m = modules.get(key);
  if (!m) {
    m = build(fs.readFileSync(wasm));
    modules.set(key, m);
  }
  return m;
}

/** Runs fn without node:wasi's "WASI is an experimental feature" warning. */
function quietly(fn) {
  const emit = process.emitWarning;
  process.emitWarning = (w, ...rest) => (/^WASI is an experimental/.test(String(w?.message ?? w)) ? undefined : emit.call(process, w, ...rest));
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * A cache over one granted folder, served by one guest instance in the
 * calling thread, with no deadline: a guest that loops blocks this thread
 * forever. SandCache (isolated.mjs) runs one of these in a worker thread
 * that it terminates at the deadline; use GuestCache directly only with a
 * trusted guest. Methods are synchronous and mirror the WIT `cache`
 * interface; a WIT `error` is thrown as a SandCacheError whose `code` is the
 * WIT error-code name. A trap in the guest throws code 'guest-fault' and the
 * instance is replaced on next use.
 */
export class GuestCache {
  /**
   * @param {string} dir the granted folder (created if missing)
   * @param {object} [cfg]
   * @param {string|Uint8Array} [cfg.wasm] guest module path or bytes (default: host/guest.wasm)
   * @param {() => number|bigint} [cfg.clock] wall clock in ms since the epoch (default: real)
   */
  /**
   * @param {string} dir the granted folder (created if missing)
   * @param {object} [cfg] as SandCache's, plus:
   * @param {(fn: () => any) => any} [cfg.gate] runs every capability call that
   *   reaches native code (SandCache's worker uses it to refuse calls once the
   *   owner abandoned the instance, and to know when none is running)
   */
  constructor(dir, { wasm = DEFAULT_WASM, clock = null, memoryLimitPages = DEFAULT_MEMORY_PAGES, gate = (fn) => fn() } = {}) {
    this.module = compile(wasm, memoryLimitPages);
    this.files = new Files(dir);
    this.dir = this.files.root;
    this.clock = clock;
    this.gate = gate;
    this.memDb = null; // the mem backend's database, shared by every open of it
    this.inst = null;
    this.inExport = false; // an export's body is running (imports allowed)
  }

  close() {
    this.#drop();
    this.memDb?.close();
    this.memDb = null;
  }

  // ---- instance ---------------------------------------------------------

  #drop() {
    this.inst?.sql.closeAll();
    this.inst = null;
  }

  /**
   * The capability imports, callable only from the body of an export, one at
   * a time: an import called from cabi_realloc (while the host lowers
   * arguments or writes an import's result) or from cabi_post_* traps the
   * guest, as in the Go host.
   */
  #onlyFromExport(imports) {
    const wrapped = {};
    for (const [name, fn] of Object.entries(imports)) {
      wrapped[name] = (...args) => {
        if (!this.inExport) throw new GuestFault(`import ${name} called outside an export (re-entrant, or from cabi_realloc or cabi_post_*)`);
        this.inExport = false;
        try {
          return fn(...args);
        } finally {
          this.inExport = true;
        }
      };
    }
    return wrapped;
  }

  #instance() {
    if (this.inst) return this.inst;
    // WASI preview1 with no preopens, no args, no environment: the guest's
    // only I/O is the two imports. Its stdout goes to our stderr so a Go
    // panic message can never corrupt a CLI's JSON output.
    const wasi = new WASI({ version: 'preview1', args: [], env: {}, preopens: {}, returnOnExit: true, stdout: 2, stderr: 2 });
    const wasiImports = { ...wasi.getImportObject().wasi_snapshot_preview1 };
    let mem = null;
    const sql = new SqlSession(this.dir, () => (this.memDb ??= openDatabase(':memory:')));
    const instance = new WebAssembly.Instance(this.module, {
      wasi_snapshot_preview1: wasiImports,
      [SQL]: this.#onlyFromExport(sqlImports(() => mem, sql, this.gate)),
      [FILES]: this.#onlyFromExport(filesImports(() => mem, this.files, this.gate)),
      // the cache's time: the `clock` import (the guest reads no WASI clock for it)
      [CLOCK]: this.#onlyFromExport(clockImports(this.clock)),
      // hashes computed natively (the LLM key's SHA-256)
      [DIGEST]: this.#onlyFromExport(digestImports(() => mem)),
    });
    const ex = instance.exports;
    mem = new GuestMemory(ex.memory, ex.cabi_realloc);
    wasi.initialize(instance); // a reactor: runs _initialize (the Go runtime's start-up)
    this.inst = { ex, mem, sql };
    return this.inst;
  }

  /**
   * Calls export `name` with the core arguments `lower(mem)` returns, lifts
   * the result with `lift(mem, ret)`, then calls cabi_post_<export>.
   */
  #call(name, lower, lift) {
    const inst = this.#instance();
    const { ex, mem } = inst;
    const fn = WIT_EXPORTS[CACHE][name];
    const exportName = `${CACHE}#${name}`;
    let ret;
    try {
      const args = lower(mem); // may call cabi_realloc: no import allowed yet
      this.inExport = true;
      try {
        ret = ex[exportName](...args) >>> 0; // i32 result: address of the return area
      } finally {
        this.inExport = false;
      }
    } catch (e) {
      if (e instanceof SandCacheError) throw e; // our own argument check
      this.#drop();
      throw new SandCacheError('guest-fault', `guest trapped in ${name}: ${e.message}`, name);
    }
    let value;
    let err = null;
    try {
      const at = (path) => ret + offsetOf(fn.retArea, path);
      if (mem.tag(at('tag'), 2) !== 0) { // result<T, error>: 0 ok, 1 err
        err = new SandCacheError(ERROR_CODES[mem.tag(at('err.code'), ERROR_CODES.length)], mem.stringAt(at('err.message'), MAX_VALUE_BYTES), name);
      } else {
        value = lift(mem, at);
      }
      ex[fn.post](ret);
    } catch (e) {
      this.#drop();
      throw new SandCacheError('guest-fault', `bad result from ${name}: ${e.message}`, name);
    }
    if (err) throw err;
    return value;
  }

  // ---- arguments ---------------------------------------------------------

  /** Lowers a string: one cabi_realloc'd buffer; pushes (ptr, len). */
  static #str(mem, s, what) {
    const b = typeof s === 'string' ? encodeString(s, what) : s;
    return [mem.alloc(b), b.length];
  }

  /** Lowers the `options` record (options.mjs: fields and order from the generated module). */
  static #opts(mem, o) {
    return lowerOptions(mem, o);
  }

  static #key(key, what = 'key') {
    const b = encodeString(key, what);
    if (b.length > MAX_KEY_BYTES) throw new SandCacheError('invalid-argument', `${what} is ${b.length} bytes; the limit is ${MAX_KEY_BYTES}`);
    return b;
  }

  // ---- the `cache` interface --------------------------------------------

  /** get: {value: string|null (compact JSON), expired: bool, hit: bool}. */
  get(key, opts) {
    const k = GuestCache.#key(key);
    return this.#call('get', (m) => [...GuestCache.#str(m, k), ...GuestCache.#opts(m, opts)], (m, at) => {
      const value = m.tag(at('ok.value.tag'), 2) ? m.stringAt(at('ok.value.some'), MAX_VALUE_BYTES) : null;
      return { value, expired: m.tag(at('ok.expired'), 2) !== 0, hit: value !== null }; // a bool of 2+ is a fault, as in the Go host
    });
  }

  /** put: stores JSON text; {expired, evicted} counts what the put removed. */
  put(key, valueJson, opts) {
    const k = GuestCache.#key(key);
    const v = encodeString(valueJson, 'value');
    if (v.length > MAX_VALUE_BYTES) throw new SandCacheError('invalid-argument', `value is ${v.length} bytes; the limit is ${MAX_VALUE_BYTES}`);
    return this.#call('put', (m) => [...GuestCache.#str(m, k), ...GuestCache.#str(m, v), ...GuestCache.#opts(m, opts)],
      (m, at) => ({ expired: m.u32(at('ok.expired')), evicted: m.u32(at('ok.evicted')) }));
  }

  /** delete: true when a live entry existed. */
  delete(key, opts) {
    const k = GuestCache.#key(key);
    return this.#call('delete', (m) => [...GuestCache.#str(m, k), ...GuestCache.#opts(m, opts)], (m, at) => m.tag(at('ok'), 2) !== 0);
  }

  /** clear: removes every entry of the namespace. */
  clear(opts) {
    this.#call('clear', (m) => GuestCache.#opts(m, opts), () => undefined);
  }

  /** stats: {entries, expired} as BigInt (u64). */
  stats(opts) {
    return this.#call('stats', (m) => GuestCache.#opts(m, opts), (m, at) => ({ entries: m.u64(at('ok.entries')), expired: m.u64(at('ok.expired')) }));
  }

  /** purge: removes expired entries of every namespace; returns how many (BigInt). */
  purge(opts) {
    return this.#call('purge', (m) => GuestCache.#opts(m, opts), (m, at) => m.u64(at('ok')));
  }

  /** keys: live keys of the namespace starting with prefix, sorted. */
  keys(prefix = '', opts) {
    const p = prefix === '' ? new Uint8Array(0) : GuestCache.#key(prefix, 'prefix');
    return this.#call('keys', (m) => [...GuestCache.#str(m, p), ...GuestCache.#opts(m, opts)], (m, at) => {
      // list<string>: (array ptr, count); each element is a string's (ptr, len) pair, 8 bytes
      const arr = m.u32(at('ok'));
      const count = m.u32(at('ok') + 4);
      // A hostile count is refused before the array is made: every element
      // takes 8 bytes of guest memory.
      const size = m.memory.buffer.byteLength;
      if (arr + count * 8 > size) throw new GuestFault(`keys: ${count} elements at ${arr} do not fit in guest memory (${size} bytes)`);
      // Each key is at most MAX_KEY_BYTES, all of them at most MAX_LIST_BYTES:
      // checked from the lengths before any is copied.
      let total = 0;
      for (let i = 0; i < count; i++) total += m.u32(arr + 8 * i + 4);
      if (total > MAX_LIST_BYTES) throw new GuestFault(`keys: ${total} bytes of keys are past the limit of ${MAX_LIST_BYTES}`);
      return Array.from({ length: count }, (_, i) => m.stringAt(arr + 8 * i, MAX_KEY_BYTES));
    });
  }

  /**
   * llm-key: "sha256:<hex>". prompt and system are JSON texts (system null or
   * undefined when absent: option none); request a JSON object text or null.
   */
  llmKey(prompt, system = null, request = null) {
    const pb = encodeString(prompt, 'prompt');
    const sb = system === null || system === undefined ? null : encodeString(system, 'system');
    const rb = encodeString(request ?? 'null', 'request');
    if (pb.length + (sb?.length ?? 0) + rb.length > MAX_VALUE_BYTES) throw new SandCacheError('invalid-argument', `request is larger than the limit of ${MAX_VALUE_BYTES} bytes`);
    return this.#call('llm-key', (m) => [
      ...GuestCache.#str(m, pb),
      // option<string> flattens to (tag, ptr, len); (0, 0, 0) for none
      ...(sb === null ? [0, 0, 0] : [1, ...GuestCache.#str(m, sb)]),
      ...GuestCache.#str(m, rb),
    ], (m, at) => m.stringAt(at('ok')));
  }

  /** parse-options: a Harn option dictionary (JSON text) to an options object. */
  parseOptions(dictJson) {
    const b = encodeString(dictJson, 'options');
    return this.#call('parse-options', (m) => GuestCache.#str(m, b), (m, at) => liftOptions(m, at, 'ok.', MAX_VALUE_BYTES));
  }

  /** parse-duration: whole seconds (BigInt). */
  parseDuration(text) {
    const b = encodeString(text, 'duration');
    return this.#call('parse-duration', (m) => GuestCache.#str(m, b), (m, at) => m.u64(at('ok')));
  }
}

// ---- imports ----------------------------------------------------------------
//
// Each import's core signature is the canonical-ABI flattening of its WIT
// type (generated/sandcache_abi.mjs, `core`): strings and lists are (ptr,
// len); s64 is i64 (a BigInt here); a result that flattens to more than one
// value is written to a return area whose address the guest passes as the
// last argument, laid out as the function's generated `retArea`.

/**
 * Checks an import object against the generated interface `mod`: the same
 * functions, each taking as many core parameters as the WIT flattens to
 * (so a WIT change this host was not adapted to fails at construction, not
 * with a mis-read argument in the guest).
 */
export function checkImports(mod, impls) {
  const want = WIT_IMPORTS[mod];
  const problems = [];
  for (const [name, fn] of Object.entries(want)) {
    if (typeof impls[name] !== 'function') problems.push(`${name} is not implemented`);
    else if (impls[name].length !== fn.core.params.length) problems.push(`${name} takes ${impls[name].length} core parameters; the WIT flattens to ${fn.core.params.length} (${fn.core.params.join(' ')})`);
  }
  for (const name of Object.keys(impls)) if (!want[name]) problems.push(`${name} is not in the WIT`);
  if (problems.length) throw new TypeError(`imports of ${mod}: ${problems.join('; ')}`);
  return impls;
}

/** Helpers over the generated layouts of interface `mod`'s functions. */
function resultWriter(mod, getMem, gate) {
  const layout = (name) => WIT_IMPORTS[mod][name].retArea;
  const ok = (name) => offsetOf(layout(name), 'ok');
  return {
    // result<T, error>: writeOk(ret, value) lays the ok payload out
    res: (name, ret, fn, writeOk) => getMem().putResult(ret, layout(name), () => gate(fn), writeOk),
    okU32: (name) => (ret, v) => getMem().setU32(ret + ok(name), v),
    okBool: (name) => (ret, v) => getMem().setU8(ret + ok(name), v ? 1 : 0),
    at: (name, path) => offsetOf(layout(name), path),
  };
}

function sqlImports(getMem, sql, gate) {
  const { res, okU32, okBool, at } = resultWriter(SQL, getMem, gate);
  const text = (p, n) => getMem().string(p, n);
  return checkImports(SQL, {
    dialect: (ret) => getMem().putString(ret + at('dialect', ''), sql.dialect()),
    open: (p, n, memory, ret) => res('open', ret, () => sql.open(text(p, n), memory !== 0), okU32('open')),
    // This host lends no database server (the Go host's WithPostgres does).
    'open-server': (p, n, ret) => res('open-server', ret, () => { throw new CapError('not-permitted', 'sql: the host lends no database server'); }, okU32('open-server')),
    close: (db) => sql.close(db >>> 0),
    exec: (db, p, n, ret) => res('exec', ret, () => sql.exec(db >>> 0, text(p, n))),
    prepare: (db, p, n, ret) => res('prepare', ret, () => sql.prepare(db >>> 0, text(p, n)), okU32('prepare')),
    'bind-null': (s, i, ret) => res('bind-null', ret, () => sql.bind(s >>> 0, i >>> 0, null)),
    'bind-int': (s, i, v, ret) => res('bind-int', ret, () => sql.bind(s >>> 0, i >>> 0, v)), // v: BigInt
    'bind-float': (s, i, v, ret) => res('bind-float', ret, () => sql.bind(s >>> 0, i >>> 0, v)),
    'bind-text': (s, i, p, n, ret) => res('bind-text', ret, () => {
      let t;
      try { t = text(p, n); } catch { throw new CapError('invalid-argument', 'sql: bound text is not valid UTF-8'); }
      sql.bind(s >>> 0, i >>> 0, t);
    }),
    'bind-blob': (s, i, p, n, ret) => res('bind-blob', ret, () => sql.bind(s >>> 0, i >>> 0, Buffer.from(getMem().read(p, n)))),
    step: (s, ret) => res('step', ret, () => sql.step(s >>> 0), okBool('step')),
    'column-count': (s) => sql.columnCount(s >>> 0),
    'column-kind': (s, i) => sql.columnKind(s >>> 0, i >>> 0),
    'column-int': (s, i) => sql.columnInt(s >>> 0, i >>> 0),
    'column-float': (s, i) => sql.columnFloat(s >>> 0, i >>> 0),
    'column-text': (s, i, ret) => getMem().putString(ret + at('column-text', ''), sql.columnText(s >>> 0, i >>> 0)),
    'column-blob': (s, i, ret) => getMem().putBytes(ret + at('column-blob', ''), sql.columnBlob(s >>> 0, i >>> 0)),
    changes: (db) => sql.changes(db >>> 0),
    reset: (s, ret) => res('reset', ret, () => sql.reset(s >>> 0)),
    finalize: (s) => sql.finalize(s >>> 0),
    run: (p, n, vp, vn, ret) => res('run', ret, () => sql.run(liftCalls(getMem(), p, n, vp, vn)), (ret, r) => {
      const m = getMem();
      m.setU32(ret + at('run', 'ok.values'), lowerValues(m, r.values));
      m.setU32(ret + at('run', 'ok.values') + 4, r.values.length);
      m.setU32(ret + at('run', 'ok.ran'), r.ran);
    }),
  });
}

const CALL = WIT_TYPES.call;
const VALUE = WIT_TYPES.value;
const field = (layout, name) => layout.fields[name].offset;
const KINDS = enums['storage-class'];

/**
 * Lifts sql.run's list<call> at (p, n) and list<value> at (vp, vn) from
 * guest memory into calls with their parameters: every range is
 * bounds-checked (GuestMemory.read throws a GuestFault), every storage
 * class checked; bound text must be UTF-8 (else invalid-argument, as
 * bind-text), and the calls must take exactly the parameters given.
 */
function liftCalls(m, p, n, vp, vn) {
  const params = liftValues(m, vp, vn);
  const arr = m.read(p, n * CALL.size);
  const dv = new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
  const calls = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const o = i * CALL.size;
    const count = dv.getUint32(o + field(CALL, 'params'), true);
    if (count > params.length - at) throw new CapError('invalid-argument', `sql: call ${i} binds ${count} parameters; the batch has ${params.length - at} left`);
    calls.push({
      statement: dv.getUint32(o + field(CALL, 'statement'), true),
      params: params.slice(at, at + count),
      rows: dv.getUint32(o + field(CALL, 'rows'), true),
      ifRow: dv.getUint8(o + field(CALL, 'if-row')) !== 0,
      wait: dv.getUint8(o + field(CALL, 'wait')) !== 0,
    });
    at += count;
  }
  if (at !== params.length) throw new CapError('invalid-argument', `sql: the calls bind ${at} of the batch's ${params.length} parameters`);
  return calls;
}

/** Lifts a list<value> as bind values (BigInt, number, string, Buffer or null). */
function liftValues(m, vp, vn) {
  const vals = m.read(vp, vn * VALUE.size);
  const vd = new DataView(vals.buffer, vals.byteOffset, vals.byteLength);
  const out = [];
  for (let j = 0; j < vn; j++) {
    const v = j * VALUE.size;
    const kind = vd.getUint8(v + field(VALUE, 'kind'));
    if (kind >= KINDS.length) throw new GuestFault(`sql.run: storage class ${kind} is out of range 0..${KINDS.length - 1}`);
    const at = (f) => [vd.getUint32(v + field(VALUE, f), true), vd.getUint32(v + field(VALUE, f) + 4, true)];
    switch (KINDS[kind]) {
      case 'integer': out.push(vd.getBigInt64(v + field(VALUE, 'integer'), true)); break;
      case 'float': out.push(vd.getFloat64(v + field(VALUE, 'float'), true)); break;
      case 'text': {
        const [tp, tn] = at('text');
        try { out.push(m.string(tp, tn)); } catch (e) {
          if (e instanceof GuestFault) throw e;
          throw new CapError('invalid-argument', 'sql: bound text is not valid UTF-8');
        }
        break;
      }
      case 'blob': { const [bp, bn] = at('blob'); out.push(Buffer.from(m.read(bp, bn))); break; }
      default: out.push(null);
    }
  }
  return out;
}

/**
 * Lowers sql.run's values into one guest buffer (one cabi_realloc): the
 * list<value> array, then every text and blob. Returns its address (0 for
 * none).
 */
function lowerValues(m, values) {
  if (values.length === 0) return 0;
  const bodies = values.map((v) => (v.kind === KIND_TEXT ? Buffer.from(v.text, 'utf8') : v.blob ?? null));
  const total = values.length * VALUE.size + bodies.reduce((t, b) => t + (b?.length ?? 0), 0);
  const base = m.realloc(0, 0, VALUE.align, total) >>> 0;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  let tail = values.length * VALUE.size;
  values.forEach((v, i) => {
    const o = i * VALUE.size;
    dv.setUint8(o + field(VALUE, 'kind'), v.kind);
    dv.setBigInt64(o + field(VALUE, 'integer'), BigInt.asIntN(64, BigInt(v.integer ?? 0)), true);
    dv.setFloat64(o + field(VALUE, 'float'), v.float ?? 0, true);
    const b = bodies[i];
    if (b && b.length > 0) {
      const f = field(VALUE, v.kind === KIND_TEXT ? 'text' : 'blob');
      dv.setUint32(o + f, base + tail, true);
      dv.setUint32(o + f + 4, b.length, true);
      buf.set(b, tail);
      tail += b.length;
    }
  });
  m.bytes.set(buf, base); // a fresh view: realloc may have grown memory
  return base;
}
const KIND_TEXT = KINDS.indexOf('text');

/**
 * `clock`: the injected clock, else Date.now(), in milliseconds since the
 * epoch as an s64 (any s64 is valid: an injected clock may be far outside the
 * wall clock's range). A clock value that is not a whole number in the s64
 * range is a host bug: thrown, it traps the guest (guest-fault).
 */
export function clockImports(clock) {
  return checkImports(CLOCK, {
    'now-ms': () => {
      const v = clock ? clock() : Date.now();
      if (typeof v !== 'bigint' && !Number.isInteger(v)) throw new GuestFault(`clock: ${String(v)} is not a whole number of milliseconds`);
      const ms = BigInt(v);
      if (ms < S64_MIN || ms > S64_MAX) throw new GuestFault(`clock: ${ms} ms is outside the s64 range`);
      return ms;
    },
  });
}

/**
 * `digest`: SHA-256 by node:crypto over a bounds-checked view of the guest's
 * memory (its input is bounded by the guest's memory limit); the 32-byte
 * digest is copied into the guest through cabi_realloc.
 */
function digestImports(getMem) {
  const at = (name) => offsetOf(WIT_IMPORTS[DIGEST][name].retArea, '');
  return checkImports(DIGEST, {
    sha256: (p, n, ret) => getMem().putBytes(ret + at('sha256'), sha256(getMem().read(p, n))),
  });
}

/** The SHA-256 digest of bytes, as a Uint8Array (the lifted `digest.sha256`). */
export function sha256(bytes) {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function filesImports(getMem, files, gate) {
  const { res, okBool, at } = resultWriter(FILES, getMem, gate);
  const mem = () => getMem();
  // Paths arrive as UTF-8; invalid UTF-8 is invalid-argument, as in the Go host.
  const pathOf = (p, n) => {
    try { return mem().string(p, n); } catch { throw new CapError('invalid-argument', 'files: path is not valid UTF-8'); }
  };
  const bytes = (p, n) => Buffer.from(mem().read(p, n));
  return checkImports(FILES, {
    // result<option<list<u8>>, error>
    read: (p, n, ret) => res('read', ret, () => files.read(pathOf(p, n)), (r, data) => {
      mem().setU8(r + at('read', 'ok.tag'), data === null ? 0 : 1);
      if (data !== null) mem().putBytes(r + at('read', 'ok.some'), data);
    }),
    'write-atomic': (p, n, dp, dn, ret) => res('write-atomic', ret, () => files.writeAtomic(pathOf(p, n), bytes(dp, dn))),
    remove: (p, n, ret) => res('remove', ret, () => files.remove(pathOf(p, n)), okBool('remove')),
    // option<list<u8>> flattens to (tag, ptr, len)
    replace: (p, n, ep, en, hasData, dp, dn, ret) => res('replace', ret,
      () => files.replace(pathOf(p, n), bytes(ep, en), hasData !== 0 ? bytes(dp, dn) : null), okBool('replace')),
    // result<list<string>, error>
    list: (p, n, ret) => res('list', ret, () => files.list(pathOf(p, n)), (r, names) => mem().putStringList(r + at('list', 'ok'), names)),
    'remove-dir': (p, n, ret) => res('remove-dir', ret, () => files.removeDir(pathOf(p, n)), okBool('remove-dir')),
  });
}
