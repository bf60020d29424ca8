// LEB128 numbers, as the wasm binary format writes them, for the modules
// this host reads and rewrites (memlimit.mjs, adapter-realloc.mjs) or
// writes by hand (conformance/layout-probe.mjs).

/** The unsigned LEB128 bytes of n (a u32). */
export function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** The signed LEB128 bytes of n (an i32). */
export function sleb(n) {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/**
 * Reads an unsigned LEB128 u32 at b[p]; returns [value, next p]. A number
 * that runs past the end of b or past 5 bytes throws bad() (by default an
 * Error).
 */
export function readU32(b, p, bad = () => new Error('bad LEB128 number')) {
  let r = 0;
  let shift = 0;
  let x;
  do {
    if (p >= b.length || shift > 28) throw bad();
    x = b[p++];
    r |= (x & 0x7f) << shift;
    shift += 7;
  } while (x & 0x80);
  return [r >>> 0, p];
}
