// A reader for a core wasm module's type, import, function and export
// sections: every import and export with its core signature. The tests use
// it to compare guest.wasm, and wasm-tools' dummy module for the WIT, with
// the generated names and signatures. No WIT knowledge lives here.

const VALTYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/**
 * Reads a core module's function imports and exports with their signatures:
 * {imports: Map("module\0name" -> sig), exports: Map(name -> sig|{kind})}.
 */
export function readCoreSignatures(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d || b[4] !== 1) throw new Error('not a core wasm module (version 1)');
  let p = 8;
  const u32 = () => {
    let r = 0; let shift = 0; let x;
    do { x = b[p++]; r |= (x & 0x7f) << shift; shift += 7; } while (x & 0x80);
    return r >>> 0;
  };
  const name = () => { const n = u32(); const s = new TextDecoder().decode(b.subarray(p, p + n)); p += n; return s; };
  const types = []; const funcTypes = []; // type index per function (imports first)
  const imports = new Map(); const exports = new Map();
  while (p < b.length) {
    const id = b[p++]; const size = u32(); const end = p + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        if (b[p++] !== 0x60) throw new Error('unsupported type form (GC types?)');
        const params = Array.from({ length: u32() }, () => VALTYPES[b[p++]]);
        const results = Array.from({ length: u32() }, () => VALTYPES[b[p++]]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const mod = name(); const field = name(); const kind = b[p++];
        if (kind === 0) { const ti = u32(); funcTypes.push(ti); imports.set(`${mod}\0${field}`, types[ti]); }
        else if (kind === 1) { p++; const f = u32(); u32(); if (f & 1) u32(); imports.set(`${mod}\0${field}`, { kind: 'table' }); }
        else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); imports.set(`${mod}\0${field}`, { kind: 'memory' }); }
        else if (kind === 3) { p += 2; imports.set(`${mod}\0${field}`, { kind: 'global' }); }
        else throw new Error(`unsupported import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name(); const kind = b[p++]; const idx = u32();
        exports.set(field, kind === 0 ? types[funcTypes[idx]] : { kind: ['func', 'table', 'memory', 'global', 'tag'][kind] });
      }
    }
    p = end;
  }
  return { imports, exports };
}

export const sigText = (s) => (s.kind ? s.kind : `(${s.params.join(' ')}) -> (${s.results.join(' ')})`);
