// Canonical-ABI helpers for a core module that follows the component model's
// canonical ABI for wit/sandcache.wit: linear memory is 32-bit, strings are
// UTF-8 (ptr, len) pairs, and whatever the host hands to the guest lives in a
// buffer the guest allocated through its exported
// `cabi_realloc(old_ptr, old_size, align, new_size) -> ptr`. Every offset
// comes from generated/sandcache_abi.mjs (written by internal/cmd/witgen from
// the WIT, as is the Go host's glue); nothing here knows a layout by heart.

import { enums } from './generated/sandcache_abi.mjs';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** WIT enum `error-code`, in declaration order (its discriminant is the index). */
export const ERROR_CODES = enums['error-code'];

/**
 * The offset of `path` ("tag", "ok", "err.code", "ok.value.some"...) in a
 * generated layout; a path the layout lacks is a bug of ours (the WIT changed
 * and this host was not adapted), reported as such.
 */
export function offsetOf(layout, path) {
  const f = layout.fields[path];
  if (!f) throw new TypeError(`the generated layout has no field ${JSON.stringify(path)} (has ${Object.keys(layout.fields).join(', ')})`);
  return f.offset;
}

/** The WIT record `error` as a JS exception (also used for host-side faults). */
export class SandCacheError extends Error {
  /**
   * @param {string} code one of ERROR_CODES, or 'guest-fault' when the guest trapped
   * @param {string} message the guest's message (the original's text where it has one)
   * @param {string} [op] the export that failed ("get", "put", ...)
   */
  constructor(code, message, op) {
    super(message);
    this.name = 'SandCacheError';
    this.code = code;
    this.op = op;
  }
}

/**
 * The guest broke the canonical ABI (a range outside its memory, a bad
 * discriminant, a result too large): thrown out of an import it traps the
 * guest, as the Go host does; while lifting a result it is a guest-fault.
 */
export class GuestFault extends Error {}

/** A WIT `error` value returned by a capability (never thrown into the guest). */
export class CapError extends Error {
  constructor(code, message) {
    super(message);
    if (!ERROR_CODES.includes(code)) throw new TypeError(`bad error code ${code}`);
    this.code = code;
  }
}

/** Encodes a JS string as UTF-8; refuses lone surrogates instead of mangling them. */
export function encodeString(s, what = 'string') {
  if (typeof s !== 'string') throw new SandCacheError('invalid-argument', `${what} must be a string`);
  if (!s.isWellFormed()) throw new SandCacheError('invalid-argument', `${what} is not valid Unicode (lone surrogate)`);
  return utf8Encoder.encode(s);
}

/**
 * GuestMemory wraps an instance's memory and allocator. Views are re-created
 * on every access because `memory.grow` (inside cabi_realloc or any guest
 * call) detaches the previous ArrayBuffer.
 */
export class GuestMemory {
  constructor(memory, realloc) {
    this.memory = memory;
    this.realloc = realloc;
  }

  get view() { return new DataView(this.memory.buffer); }
  get bytes() { return new Uint8Array(this.memory.buffer); }

  // Core i32 values reach JS as signed numbers: `>>> 0` makes addresses unsigned.
  u8(p) { return this.view.getUint8(p >>> 0); }
  u32(p) { return this.view.getUint32(p >>> 0, true); }
  u64(p) { return this.view.getBigUint64(p >>> 0, true); }
  setU8(p, v) { this.view.setUint8(p >>> 0, v); }
  setU32(p, v) { this.view.setUint32(p >>> 0, v >>> 0, true); }
  setU64(p, v) { this.view.setBigUint64(p >>> 0, BigInt(v), true); }

  /** A copy of n bytes at ptr (out of range throws: the guest is broken). */
  read(ptr, n) {
    // A length computed from the guest's counts (n elements of a size)
    // may pass 2^32: never let >>> wrap it to a small one.
    if (n > 0xFFFF_FFFF) throw new GuestFault(`guest range of ${n} bytes is out of memory`);
    ptr >>>= 0;
    n >>>= 0;
    if (n === 0) return new Uint8Array(0);
    const b = this.bytes;
    if (ptr + n > b.length) throw new GuestFault(`guest range ${ptr}+${n} is out of memory (${b.length})`);
    return b.slice(ptr, ptr + n);
  }

  /** Decodes a UTF-8 string at (ptr, n). */
  string(ptr, n) { return utf8.decode(this.read(ptr, n)); }

  /** Reads the (ptr, len) pair stored at p as bytes / as a string (at most max bytes). */
  bytesAt(p, max = Infinity) {
    const n = this.u32(p + 4);
    if (n > max) throw new GuestFault(`a ${n}-byte string is past the limit of ${max}`);
    return this.read(this.u32(p), n);
  }

  /** A discriminant at p that must be below n (option and result tags, enums). */
  tag(p, n) {
    const t = this.u8(p);
    if (t >= n) throw new GuestFault(`discriminant ${t} at ${p >>> 0} is out of range 0..${n - 1}`);
    return t;
  }
  stringAt(p, max) {
    try {
      return utf8.decode(this.bytesAt(p, max));
    } catch (e) {
      if (e instanceof GuestFault) throw e;
      throw new GuestFault(`a string at ${p >>> 0} is not valid UTF-8`);
    }
  }

  /**
   * Copies bytes into a fresh guest buffer: cabi_realloc(0, 0, align, size).
   * Returns the address; 0 for an empty value (the guest accepts (0, 0), and
   * no allocation is needed for it).
   */
  alloc(bytes, align = 1) {
    if (bytes.length === 0) return 0;
    const p = this.realloc(0, 0, align, bytes.length) >>> 0;
    this.bytes.set(bytes, p); // fresh view: realloc may have grown memory
    return p;
  }

  /** Writes a string or list<u8> as its (ptr, len) pair at p (allocating its bytes). */
  putBytes(p, bytes) {
    const ptr = this.alloc(bytes);
    this.setU32(p, ptr);
    this.setU32(p + 4, bytes.length);
  }
  putString(p, s) { this.putBytes(p, utf8Encoder.encode(s)); }

  /**
   * Writes a list<string> at p: the array of (ptr, len) pairs (align 4, 8
   * bytes per element) and then each name in its own buffer. Names are JS
   * strings or raw UTF-8 bytes.
   */
  putStringList(p, names) {
    if (names.length === 0) {
      this.setU32(p, 0);
      this.setU32(p + 4, 0);
      return;
    }
    const arr = new Uint8Array(8 * names.length);
    const dv = new DataView(arr.buffer);
    names.forEach((name, i) => {
      const b = typeof name === 'string' ? utf8Encoder.encode(name) : name; // raw bytes pass as is
      dv.setUint32(8 * i, this.alloc(b), true);
      dv.setUint32(8 * i + 4, b.length, true);
    });
    this.setU32(p, this.alloc(arr, 4));
    this.setU32(p + 4, names.length);
  }

  /**
   * Writes `result<T, error>` at ret, laid out as `layout` (an import's
   * generated retArea). `fn` computes the ok value and may throw a CapError;
   * `writeOk(ret, value)` lays the ok payload out. Any other exception is
   * reported as `internal`, never thrown into the guest.
   */
  putResult(ret, layout, fn, writeOk) {
    let value;
    try {
      value = fn();
    } catch (e) {
      if (e instanceof GuestFault) throw e; // traps the guest
      const code = e instanceof CapError ? e.code : 'internal';
      this.setU8(ret + offsetOf(layout, 'tag'), 1); // tag 1 = err
      this.setU8(ret + offsetOf(layout, 'err.code'), ERROR_CODES.indexOf(code));
      this.putString(ret + offsetOf(layout, 'err.message'), String(e?.message ?? e));
      return;
    }
    this.setU8(ret + offsetOf(layout, 'tag'), 0); // tag 0 = ok
    if (writeOk) writeOk(ret, value);
  }
}
