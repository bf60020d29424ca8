// sandcache from Node.js: the very guest.wasm the Go host embeds, run with
// node:wasi (preview1, no preopens) and the two WIT imports (`sql` on
// better-sqlite3, `files` on node:fs) written in JavaScript.
//
// The module is a core module that follows the canonical ABI for
// wit/sandcache.wit by hand (world `guest`), so this file is the JS half of
// that ABI: it lowers arguments into guest memory, calls the export, lifts
// the result from the return area the export points to, and then calls the
// export's `cabi_post_*` so the guest can release what the result held.

import fs from 'node:fs';
import v8 from 'node:v8';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GuestMemory, GuestFault, SandCacheError, CapError, ERROR_CODES, encodeString } from './abi.mjs';
import { SqlSession, openDatabase } from './sql.mjs';
import { Files } from './files.mjs';
import { limitMemory, DEFAULT_MEMORY_PAGES } from './memlimit.mjs';

export { SandCacheError } from './abi.mjs';
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

export const BACKENDS = ['sqlite', 'fs', 'mem']; // WIT enum `backend`, in order
const IFACE = 'sandcache:cache/cache@0.1.0#';
const SQL = 'sandcache:cache/sql@0.1.0';
const FILES = 'sandcache:cache/files@0.1.0';
const MAX_KEY_BYTES = 64 << 10; // the Go host's defaults
const MAX_VALUE_BYTES = 16 << 20;
const MAX_LIST_BYTES = 256 << 20; // a keys result, all keys together
const U64_MAX = (1n << 64n) - 1n;

/**
 * Where the `error` payload of each export's `result<T, error>` starts: the
 * result is {tag: u8 @0, payload @align(max(align(T), align(error)))}, and
 * `error` = {code: u8 @0, message: string @4} has alignment 4. T holds a u64
 * for stats, purge, parse-options and parse-duration (alignment 8), so their
 * payload is at 8; the others at 4. test/wit.test.mjs recomputes this table
 * from the WIT.
 */
export const PAYLOAD_OFFSET = {
  get: 4, put: 4, delete: 4, clear: 4, stats: 8, purge: 8, keys: 4,
  'llm-key': 4, 'parse-options': 8, 'parse-duration': 8,
};

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

/** Fills the defaults of a JS options object and checks its types. */
export function normalizeOptions(o = {}) {
  const backend = o.backend ?? 'sqlite';
  if (!BACKENDS.includes(backend)) throw new SandCacheError('invalid-argument', `backend must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(backend)}`);
  let ttl = o.ttlMs ?? 600_000n;
  if (typeof ttl === 'number') {
    if (!Number.isInteger(ttl)) throw new SandCacheError('invalid-argument', 'ttlMs must be a whole number of milliseconds');
    ttl = BigInt(ttl);
  }
  if (typeof ttl !== 'bigint' || ttl < 0n || ttl > U64_MAX) throw new SandCacheError('invalid-argument', 'ttlMs must be a u64 (BigInt or integer number)');
  const maxEntries = o.maxEntries ?? 256;
  if (!Number.isInteger(maxEntries) || maxEntries < 0 || maxEntries > 0xffffffff) throw new SandCacheError('invalid-argument', 'maxEntries must be a u32');
  return { backend, namespace: o.namespace ?? 'default', path: o.path ?? '', ttlMs: ttl, maxEntries };
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
    if (this.clock) {
      // node:wasi has no clock injection: wrap clock_time_get. Clock id 0 is
      // CLOCK_REALTIME (Go's time.Now wall part); write the injected time as
      // u64 nanoseconds at the result pointer and return errno 0 (success).
      // The monotonic clock (id 1) stays real, the Go scheduler needs it.
      const realClock = wasiImports.clock_time_get;
      wasiImports.clock_time_get = (id, precision, resultPtr) => {
        if (id !== 0) return realClock(id, precision, resultPtr);
        mem.setU64(resultPtr, BigInt(this.clock()) * 1_000_000n);
        return 0;
      };
    }
    const sql = new SqlSession(this.dir, () => (this.memDb ??= openDatabase(':memory:')));
    const instance = new WebAssembly.Instance(this.module, {
      wasi_snapshot_preview1: wasiImports,
      [SQL]: this.#onlyFromExport(sqlImports(() => mem, sql, this.gate)),
      [FILES]: this.#onlyFromExport(filesImports(() => mem, this.files, this.gate)),
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
    const exportName = IFACE + name;
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
      if (mem.tag(ret, 2) !== 0) { // result<T, error>: 0 ok, 1 err
        const off = ret + PAYLOAD_OFFSET[name];
        err = new SandCacheError(ERROR_CODES[mem.tag(off, ERROR_CODES.length)], mem.stringAt(off + 4, MAX_VALUE_BYTES), name);
      } else {
        value = lift(mem, ret);
      }
      ex['cabi_post_' + exportName](ret);
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

  /** Lowers the `options` record, flattened: backend, namespace, path, ttl-ms (i64), max-entries. */
  static #opts(mem, o) {
    const n = normalizeOptions(o);
    return [BACKENDS.indexOf(n.backend), ...GuestCache.#str(mem, n.namespace, 'namespace'), ...GuestCache.#str(mem, n.path, 'path'), n.ttlMs, n.maxEntries];
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
    return this.#call('get', (m) => [...GuestCache.#str(m, k), ...GuestCache.#opts(m, opts)], (m, ret) => {
      // lookup = {value: option<string> @4 (tag @4, ptr @8, len @12), expired: bool @16}
      const value = m.tag(ret + 4, 2) ? m.stringAt(ret + 8, MAX_VALUE_BYTES) : null;
      return { value, expired: m.tag(ret + 16, 2) !== 0, hit: value !== null }; // a bool of 2+ is a fault, as in the Go host
    });
  }

  /** put: stores JSON text; {expired, evicted} counts what the put removed. */
  put(key, valueJson, opts) {
    const k = GuestCache.#key(key);
    const v = encodeString(valueJson, 'value');
    if (v.length > MAX_VALUE_BYTES) throw new SandCacheError('invalid-argument', `value is ${v.length} bytes; the limit is ${MAX_VALUE_BYTES}`);
    return this.#call('put', (m) => [...GuestCache.#str(m, k), ...GuestCache.#str(m, v), ...GuestCache.#opts(m, opts)],
      // put-outcome = {expired: u32 @4, evicted: u32 @8}
      (m, ret) => ({ expired: m.u32(ret + 4), evicted: m.u32(ret + 8) }));
  }

  /** delete: true when a live entry existed. */
  delete(key, opts) {
    const k = GuestCache.#key(key);
    return this.#call('delete', (m) => [...GuestCache.#str(m, k), ...GuestCache.#opts(m, opts)], (m, ret) => m.u8(ret + 4) !== 0);
  }

  /** clear: removes every entry of the namespace. */
  clear(opts) {
    this.#call('clear', (m) => GuestCache.#opts(m, opts), () => undefined);
  }

  /** stats: {entries, expired} as BigInt (u64). */
  stats(opts) {
    // store-stats = {entries: u64 @8, expired: u64 @16} (payload aligned to 8)
    return this.#call('stats', (m) => GuestCache.#opts(m, opts), (m, ret) => ({ entries: m.u64(ret + 8), expired: m.u64(ret + 16) }));
  }

  /** purge: removes expired entries of every namespace; returns how many (BigInt). */
  purge(opts) {
    return this.#call('purge', (m) => GuestCache.#opts(m, opts), (m, ret) => m.u64(ret + 8));
  }

  /** keys: live keys of the namespace starting with prefix, sorted. */
  keys(prefix = '', opts) {
    const p = prefix === '' ? new Uint8Array(0) : GuestCache.#key(prefix, 'prefix');
    return this.#call('keys', (m) => [...GuestCache.#str(m, p), ...GuestCache.#opts(m, opts)], (m, ret) => {
      // list<string> @4: (array ptr, count); each element is a (ptr, len) pair, 8 bytes
      const arr = m.u32(ret + 4);
      const count = m.u32(ret + 8);
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
    ], (m, ret) => m.stringAt(ret + 4));
  }

  /** parse-options: a Harn option dictionary (JSON text) to an options object. */
  parseOptions(dictJson) {
    const b = encodeString(dictJson, 'options');
    return this.#call('parse-options', (m) => GuestCache.#str(m, b), (m, ret) => ({
      // options @8: backend u8 @8, namespace @12, path @20, ttl-ms u64 @32, max-entries u32 @40
      backend: BACKENDS[m.u8(ret + 8)],
      namespace: m.stringAt(ret + 12),
      path: m.stringAt(ret + 20),
      ttlMs: m.u64(ret + 32),
      maxEntries: m.u32(ret + 40),
    }));
  }

  /** parse-duration: whole seconds (BigInt). */
  parseDuration(text) {
    const b = encodeString(text, 'duration');
    return this.#call('parse-duration', (m) => GuestCache.#str(m, b), (m, ret) => m.u64(ret + 8));
  }
}

// ---- imports ----------------------------------------------------------------
//
// Each import's core signature is the canonical-ABI flattening of its WIT
// type: strings and lists are (ptr, len); s64 is i64 (a BigInt here); any
// result that flattens to more than one value is written to a return area
// whose address the guest passes as the last argument. Every `result<T,
// error>` here has its payload at offset 4 (T is u32, bool, option<list<u8>>
// or list<string>, all aligned <= 4).

function sqlImports(getMem, sql, gate) {
  const res = (ret, fn, ok) => getMem().putResult(ret, () => gate(fn), ok);
  const text = (p, n) => getMem().string(p, n);
  const okU32 = (ret, v) => getMem().setU32(ret + 4, v);
  const okBool = (ret, v) => getMem().setU8(ret + 4, v ? 1 : 0);
  return {
    dialect: (ret) => getMem().putString(ret, sql.dialect()),
    open: (p, n, memory, ret) => res(ret, () => sql.open(text(p, n), memory !== 0), okU32),
    // This host lends no database server (the Go host's WithPostgres does).
    'open-server': (p, n, ret) => res(ret, () => { throw new CapError('not-permitted', 'sql: the host lends no database server'); }, okU32),
    close: (db) => sql.close(db >>> 0),
    exec: (db, p, n, ret) => res(ret, () => sql.exec(db >>> 0, text(p, n))),
    prepare: (db, p, n, ret) => res(ret, () => sql.prepare(db >>> 0, text(p, n)), okU32),
    'bind-null': (s, i, ret) => res(ret, () => sql.bind(s >>> 0, i >>> 0, null)),
    'bind-int': (s, i, v, ret) => res(ret, () => sql.bind(s >>> 0, i >>> 0, v)), // v: BigInt
    'bind-float': (s, i, v, ret) => res(ret, () => sql.bind(s >>> 0, i >>> 0, v)),
    'bind-text': (s, i, p, n, ret) => res(ret, () => {
      let t;
      try { t = text(p, n); } catch { throw new CapError('invalid-argument', 'sql: bound text is not valid UTF-8'); }
      sql.bind(s >>> 0, i >>> 0, t);
    }),
    'bind-blob': (s, i, p, n, ret) => res(ret, () => sql.bind(s >>> 0, i >>> 0, Buffer.from(getMem().read(p, n)))),
    step: (s, ret) => res(ret, () => sql.step(s >>> 0), okBool),
    'column-count': (s) => sql.columnCount(s >>> 0),
    'column-kind': (s, i) => sql.columnKind(s >>> 0, i >>> 0),
    'column-int': (s, i) => sql.columnInt(s >>> 0, i >>> 0),
    'column-float': (s, i) => sql.columnFloat(s >>> 0, i >>> 0),
    'column-text': (s, i, ret) => getMem().putString(ret, sql.columnText(s >>> 0, i >>> 0)),
    'column-blob': (s, i, ret) => getMem().putBytes(ret, sql.columnBlob(s >>> 0, i >>> 0)),
    changes: (db) => sql.changes(db >>> 0),
    reset: (s, ret) => res(ret, () => sql.reset(s >>> 0)),
    finalize: (s) => sql.finalize(s >>> 0),
  };
}

function filesImports(getMem, files, gate) {
  const mem = () => getMem();
  const res = (ret, fn, ok) => mem().putResult(ret, () => gate(fn), ok);
  const okBool = (ret, v) => mem().setU8(ret + 4, v ? 1 : 0);
  // Paths arrive as UTF-8; invalid UTF-8 is invalid-argument, as in the Go host.
  const pathOf = (p, n) => {
    try { return mem().string(p, n); } catch { throw new CapError('invalid-argument', 'files: path is not valid UTF-8'); }
  };
  const bytes = (p, n) => Buffer.from(mem().read(p, n));
  return {
    // result<option<list<u8>>, error>: option tag @4, list (ptr, len) @8
    read: (p, n, ret) => res(ret, () => files.read(pathOf(p, n)), (r, data) => {
      mem().setU8(r + 4, data === null ? 0 : 1);
      if (data !== null) mem().putBytes(r + 8, data);
    }),
    'write-atomic': (p, n, dp, dn, ret) => res(ret, () => files.writeAtomic(pathOf(p, n), bytes(dp, dn))),
    remove: (p, n, ret) => res(ret, () => files.remove(pathOf(p, n)), okBool),
    // option<list<u8>> flattens to (tag, ptr, len)
    replace: (p, n, ep, en, hasData, dp, dn, ret) => res(ret,
      () => files.replace(pathOf(p, n), bytes(ep, en), hasData !== 0 ? bytes(dp, dn) : null), okBool),
    // result<list<string>, error>: list (ptr, len) @4
    list: (p, n, ret) => res(ret, () => files.list(pathOf(p, n)), (r, names) => mem().putStringList(r + 4, names)),
    'remove-dir': (p, n, ret) => res(ret, () => files.removeDir(pathOf(p, n)), okBool),
  };
}
