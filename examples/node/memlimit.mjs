// A cap on the guest's linear memory. The guest defines its own memory (it
// is not imported), so the only place to bound it is the module itself: the
// memory section's limits are rewritten to {min, max = min(declared max,
// maxPages)} before compiling. memory.grow past the cap then returns -1
// inside the guest (the Go runtime reports out of memory and traps): a
// guest-fault, not host memory. Same default as the Go host (2048 pages,
// 128 MiB).

import { SandCacheError } from './abi.mjs';
import { readU32 as readLEB, uleb } from './leb128.mjs';

/** The default cap, in 64 KiB pages (the Go host's DefaultMemoryPages). */
export const DEFAULT_MEMORY_PAGES = 2048;

/** readU32 with memlimit's error for a bad number. */
function readU32(b, p) {
  return readLEB(b, p, () => new SandCacheError('invalid-argument', 'guest module: bad LEB128 number'));
}

/**
 * Returns the module `bytes` with every defined memory capped at maxPages.
 * Throws invalid-argument for a module that is not a wasm core module, that
 * needs more than maxPages from the start, or whose memory is shared or 64-bit.
 */
export function limitMemory(bytes, maxPages = DEFAULT_MEMORY_PAGES) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) throw new SandCacheError('invalid-argument', 'guest module: not a wasm core module');
  let p = 8;
  while (p < b.length) {
    const start = p;
    const id = b[p++];
    let size;
    [size, p] = readU32(b, p);
    const end = p + size;
    if (end > b.length) throw new SandCacheError('invalid-argument', 'guest module: a section runs past the end');
    if (id === 5) {
      let n;
      let q;
      [n, q] = readU32(b, p);
      const body = [...uleb(n)];
      for (let i = 0; i < n; i++) {
        const flags = b[q++];
        if (flags > 1) throw new SandCacheError('invalid-argument', `guest module: memory limits flags ${flags} (shared or 64-bit memory) are not supported`);
        let min;
        let max = 65536;
        [min, q] = readU32(b, q);
        if (flags === 1) [max, q] = readU32(b, q);
        if (min > maxPages) throw new SandCacheError('invalid-argument', `guest module: its memory starts at ${min} pages; the limit is ${maxPages}`);
        body.push(1, ...uleb(min), ...uleb(Math.min(max, maxPages)));
      }
      const section = [5, ...uleb(body.length), ...body];
      const out = new Uint8Array(start + section.length + (b.length - end));
      out.set(b.subarray(0, start));
      out.set(section, start);
      out.set(b.subarray(end), start + section.length);
      return out;
    }
    p = end;
  }
  return b;
}
