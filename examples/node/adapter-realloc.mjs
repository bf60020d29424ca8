// Adds a `cabi_realloc_adapter` export to a Go (GOOS=wasip1) core module, so
// that jco's WASI preview1 reactor adapter can start.
//
// Why: wit-component hands the adapter the main module's `cabi_realloc`
// (or `cabi_realloc_adapter` when the module exports one), and the adapter
// calls it on the first WASI call it serves, to allocate its 64 KiB state
// (State::new: cabi_realloc(0, 0, 8, 65536)). The Go runtime makes its
// first WASI calls (clock_time_get, random_get, args/environ) from inside
// `_initialize`, and a Go `go:wasmexport` function cannot run before
// `_initialize` has returned: the call traps ("RuntimeError: table index
// is out of bounds"). No Go function can serve that allocation, so this
// one is plain wasm: a bump allocator over an arena that Go's heap does not
// reach, and it never calls into Go.
//
// The arena: Go's heap grows from the end of its data upwards (runtime
// sbrk: `bloc` starts at the data's end and Go ignores the memory size that
// memory.grow reports), so memory another party grows is memory Go will
// later hand out again. The arena is therefore placed at a fixed high
// address, ARENA_BASE (the first call grows memory up to it), far above any
// heap this guest reaches. The component's memory is also capped at
// ARENA_END_PAGES + the usual guest cap (memlimit.mjs): Go grows memory by
// as many pages as its heap takes, on top of the current size, so once the
// arena exists Go's heap can take at most the usual cap more, and can never
// reach the arena (see README, "The component path").

import { readU32, sleb, uleb } from './leb128.mjs';

/** Where the adapter's arena starts (1 GiB) and its size (4 MiB). */
export const ARENA_BASE = 1 << 30;
export const ARENA_BYTES = 4 << 20; // the adapter takes 64 KiB of state and a stack
const PAGE = 65536;
/** The memory size, in pages, once the arena exists. */
export const ARENA_END_PAGES = (ARENA_BASE + ARENA_BYTES) / PAGE;

/** Splits a module into its sections: [{id, body}]. */
function sections(b) {
  if (b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) throw new Error('not a core wasm module');
  const out = [];
  let p = 8;
  while (p < b.length) {
    const id = b[p];
    const [size, q] = readU32(b, p + 1);
    out.push({ id, body: b.subarray(q, q + size) });
    p = q + size;
  }
  return out;
}

/** A vector section's count and the bytes after it. */
function vecParts(body) {
  const [n, p] = readU32(body, 0);
  return [n, body.subarray(p)];
}

/** Counts the imports of each kind (func 0, table 1, memory 2, global 3). */
function importCounts(body) {
  const counts = [0, 0, 0, 0];
  let [n, p] = readU32(body, 0);
  for (; n > 0; n--) {
    let len;
    [len, p] = readU32(body, p);
    p += len;
    [len, p] = readU32(body, p);
    p += len;
    const kind = body[p++];
    counts[kind]++;
    if (kind === 0) [, p] = readU32(body, p);
    else if (kind === 1) { p++; const f = body[p++]; [, p] = readU32(body, p); if (f & 1) [, p] = readU32(body, p); }
    else if (kind === 2) { const f = body[p++]; [, p] = readU32(body, p); if (f & 1) [, p] = readU32(body, p); }
    else if (kind === 3) p += 2;
  }
  return counts;
}

/** Returns the module with `cabi_realloc_adapter` added (unchanged if it has one). */
export function withAdapterRealloc(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const secs = sections(b);
  const get = (id) => secs.find((s) => s.id === id);
  const imports = get(2) ? importCounts(get(2).body) : [0, 0, 0, 0];
  const [nTypes, typesRest] = vecParts(get(1).body);
  const [nFuncs, funcsRest] = vecParts(get(3).body);
  const [nGlobals, globalsRest] = get(6) ? vecParts(get(6).body) : [0, new Uint8Array(0)];
  const [nExports, exportsRest] = vecParts(get(7).body);
  const [nCodes, codesRest] = vecParts(get(10).body);
  const exportNames = new TextDecoder().decode(exportsRest);
  if (exportNames.includes('cabi_realloc_adapter')) return b;

  const typeIdx = nTypes;
  const funcIdx = imports[0] + nFuncs;
  const globalIdx = imports[3] + nGlobals;
  const name = new TextEncoder().encode('cabi_realloc_adapter');
  const endPages = (ARENA_BASE + ARENA_BYTES) / PAGE;
  // (old_ptr, old_size, align, new_size) -> ptr; local 4: result
  const G = globalIdx;
  const body = [
    1, 1, 0x7f, // one local i32
    // a reallocation is never asked by the adapter: refuse it
    0x20, 0, 0x04, 0x40, 0x00, 0x0b, // if (old_ptr) unreachable
    // first call: grow memory to cover the arena
    0x23, ...uleb(G), 0x45, 0x04, 0x40, // if (g == 0)
    0x41, ...sleb(endPages), 0x3f, 0x00, 0x6b, 0x22, 4, // local4 = endPages - memory.size
    0x41, 0, 0x4a, 0x04, 0x40, // if (local4 > 0)
    0x20, 4, 0x40, 0x00, 0x41, ...sleb(-1), 0x46, 0x04, 0x40, 0x00, 0x0b, // if (memory.grow(local4) == -1) unreachable
    0x0b,
    0x41, ...sleb(ARENA_BASE), 0x24, ...uleb(G), // g = ARENA_BASE
    0x0b,
    // local4 = (g + align - 1) & -align
    0x23, ...uleb(G), 0x20, 2, 0x6a, 0x41, 1, 0x6b, 0x41, 0, 0x20, 2, 0x6b, 0x71, 0x22, 4,
    // g = local4 + new_size; past the arena: unreachable
    0x20, 3, 0x6a, 0x24, ...uleb(G),
    0x23, ...uleb(G), 0x41, ...sleb(ARENA_BASE + ARENA_BYTES), 0x4b, 0x04, 0x40, 0x00, 0x0b, // if (g >u end) unreachable
    0x20, 4,
    0x0b,
  ];
  const concat = (...parts) => {
    const n = parts.reduce((a, x) => a + x.length, 0);
    const out = new Uint8Array(n);
    let p = 0;
    for (const x of parts) { out.set(x, p); p += x.length; }
    return out;
  };
  const vecSection = (count, rest, extra) => concat(new Uint8Array(uleb(count + 1)), rest, new Uint8Array(extra));
  const replaced = {
    1: vecSection(nTypes, typesRest, [0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]),
    3: vecSection(nFuncs, funcsRest, uleb(typeIdx)),
    6: vecSection(nGlobals, globalsRest, [0x7f, 0x01, 0x41, 0, 0x0b]), // mut i32 = 0
    7: vecSection(nExports, exportsRest, [...uleb(name.length), ...name, 0x00, ...uleb(funcIdx)]),
    10: vecSection(nCodes, codesRest, [...uleb(body.length), ...body]),
  };
  const out = [b.subarray(0, 8)];
  for (const s of secs) {
    // a module without globals gets its global section right before the exports
    if (s.id === 7 && !get(6)) out.push(new Uint8Array([6, ...uleb(replaced[6].length)]), replaced[6]);
    const body2 = replaced[s.id] ?? s.body;
    out.push(new Uint8Array([s.id, ...uleb(body2.length)]), body2);
  }
  return concat(...out);
}
