// Just enough WIT and canonical ABI to check a hand-written core module
// against a world: a parser for the WIT subset sandcache uses (interfaces
// with enums, records, type aliases, `use`, functions; a world of imports
// and exports), the canonical ABI's flattening of function types to core
// signatures, its memory layout (size, alignment, field offsets), and a
// reader for the core module's type/import/function/export sections.
//
// Rules implemented (component model, CanonicalABI.md):
// - bool, s8..u32, char, enum (<= 2^32 cases) -> i32; s64/u64 -> i64;
//   f32 -> f32; f64 -> f64; string, list<T> -> (i32 ptr, i32 len);
//   record / tuple -> their fields' flattenings concatenated;
//   option<T> = variant {none, some(T)}, result<T, E> = variant {ok(T), err(E)}:
//   i32 discriminant + the cases' flattenings joined position by position
//   (equal types stay; i32/f32 join to i32; any other pair to i64).
// - More than 16 flat params -> one i32 pointer. More than 1 flat result ->
//   an export returns an i32 pointer to its return area; an import takes an
//   extra trailing i32 param (where the caller wants the result) and returns nothing.
// - cabi_post_<export> takes the export's core results and returns nothing.

const PRIMS = {
  bool: ['i32'], s8: ['i32'], u8: ['i32'], s16: ['i32'], u16: ['i32'], s32: ['i32'], u32: ['i32'], char: ['i32'],
  s64: ['i64'], u64: ['i64'], f32: ['f32'], f64: ['f64'], string: ['i32', 'i32'],
};
const PRIM_LAYOUT = {
  bool: [1, 1], s8: [1, 1], u8: [1, 1], s16: [2, 2], u16: [2, 2], s32: [4, 4], u32: [4, 4], char: [4, 4],
  s64: [8, 8], u64: [8, 8], f32: [4, 4], f64: [8, 8], string: [8, 4],
};

// ---- parsing ------------------------------------------------------------------

function tokenize(src) {
  src = src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  return src.match(/->|%?[A-Za-z_][\w-]*|@[\w.+-]+|[{}();:,<>=.*\/_]/g) ?? [];
}

/**
 * Parses WIT source into {package, interfaces: {name: {types, funcs}}, worlds:
 * {name: {imports: [iface], exports: [iface]}}}. A type is a string (a
 * primitive or a name) or {kind: 'list'|'option'|'result'|'tuple', ...}.
 */
export function parseWit(src) {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const next = () => t[i++];
  const expect = (s) => {
    if (t[i] !== s) throw new SyntaxError(`WIT: expected ${s} at token ${i}, got ${t[i]}`);
    i++;
  };
  const ident = () => next().replace(/^%/, '');
  const out = { package: null, interfaces: {}, worlds: {} };

  function type() {
    const name = ident();
    if (name === '_') return null;
    if (name === 'list' || name === 'option') {
      expect('<');
      const el = type();
      expect('>');
      return { kind: name, el };
    }
    if (name === 'result') {
      if (peek() !== '<') return { kind: 'result', ok: null, err: null };
      expect('<');
      const ok = type();
      let err = null;
      if (peek() === ',') { next(); err = type(); }
      expect('>');
      return { kind: 'result', ok, err };
    }
    if (name === 'tuple') {
      expect('<');
      const els = [type()];
      while (peek() === ',') { next(); els.push(type()); }
      expect('>');
      return { kind: 'tuple', els };
    }
    return name;
  }

  function params() {
    expect('(');
    const ps = [];
    while (peek() !== ')') {
      const name = ident();
      expect(':');
      ps.push([name, type()]);
      if (peek() === ',') next();
    }
    expect(')');
    return ps;
  }

  function iface(name) {
    const it = { name, types: {}, funcs: {}, uses: {} };
    expect('{');
    while (peek() !== '}') {
      const kw = next();
      if (kw === 'enum' || kw === 'flags') {
        const n = ident();
        expect('{');
        const cases = [];
        while (peek() !== '}') { cases.push(ident()); if (peek() === ',') next(); }
        expect('}');
        it.types[n] = { kind: kw, cases };
      } else if (kw === 'record') {
        const n = ident();
        expect('{');
        const fields = [];
        while (peek() !== '}') {
          const f = ident();
          expect(':');
          fields.push([f, type()]);
          if (peek() === ',') next();
        }
        expect('}');
        it.types[n] = { kind: 'record', fields };
      } else if (kw === 'type') {
        const n = ident();
        expect('=');
        it.types[n] = type();
        expect(';');
      } else if (kw === 'use') {
        const from = ident();
        expect('.');
        expect('{');
        while (peek() !== '}') { const n = ident(); it.uses[n] = from; if (peek() === ',') next(); }
        expect('}');
        expect(';');
      } else {
        const fname = kw.replace(/^%/, '');
        expect(':');
        expect('func');
        const ps = params();
        let result = null;
        if (peek() === '->') { next(); result = type(); }
        expect(';');
        it.funcs[fname] = { name: fname, params: ps, result };
      }
    }
    expect('}');
    return it;
  }

  while (i < t.length) {
    const kw = next();
    if (kw === 'package') {
      let s = '';
      while (peek() !== ';') s += next();
      expect(';');
      out.package = s;
    } else if (kw === 'interface') {
      const n = ident();
      out.interfaces[n] = iface(n);
    } else if (kw === 'world') {
      const n = ident();
      const w = { imports: [], exports: [] };
      expect('{');
      while (peek() !== '}') {
        const dir = next();
        const what = ident();
        expect(';');
        (dir === 'import' ? w.imports : w.exports).push(what);
      }
      expect('}');
      out.worlds[n] = w;
    } else {
      throw new SyntaxError(`WIT: unexpected ${kw}`);
    }
  }
  return out;
}

/**
 * Known defects of wit/sandcache.wit that wasm-tools rejects, each with the
 * smallest repair that keeps every core name and signature unchanged:
 * `list` is a WIT keyword (a function must be written `%list`), and in
 * interface `sql` the enum `column-kind` and the function `column-kind`
 * share one name. repairWit applies those that match.
 */
export const WIT_REPAIRS = [
  ['`list` is a keyword: the files function must be spelled %list', /^(\s*)list: func/m, '$1%list: func'],
  ['interface sql defines `column-kind` twice (an enum and a function)', /enum column-kind\b([\s\S]*?)-> column-kind;/, 'enum column-storage-class$1-> column-storage-class;'],
];

export function repairWit(src) {
  const repairs = [];
  for (const [why, re, to] of WIT_REPAIRS) {
    if (re.test(src)) {
      src = src.replace(re, to);
      repairs.push(why);
    }
  }
  return { src, repairs };
}

// ---- canonical ABI --------------------------------------------------------------

/** Resolves a named type within an interface (following `use`). */
function resolve(wit, ifaceName, ty) {
  while (typeof ty === 'string' && !(ty in PRIMS)) {
    const it = wit.interfaces[ifaceName];
    if (ty in it.types) ty = it.types[ty];
    else if (ty in it.uses) ifaceName = it.uses[ty];
    else throw new Error(`WIT: unknown type ${ty} in ${ifaceName}`);
    if (typeof ty === 'string') continue;
    return { ty, ifaceName };
  }
  return { ty, ifaceName };
}

function join(a, b) {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

function discriminantLayout(n) { return n <= 256 ? [1, 1] : n <= 65536 ? [2, 2] : [4, 4]; }
const alignTo = (x, a) => Math.ceil(x / a) * a;

/** Flattens a WIT type to core value types. */
export function flatten(wit, ifaceName, ty0) {
  const { ty, ifaceName: at } = resolve(wit, ifaceName, ty0);
  if (typeof ty === 'string') return PRIMS[ty];
  switch (ty.kind) {
    case 'list': return ['i32', 'i32'];
    case 'enum': return ['i32'];
    case 'flags': return ty.cases.length === 0 ? [] : Array(Math.ceil(ty.cases.length / 32)).fill('i32');
    case 'record': return ty.fields.flatMap(([, f]) => flatten(wit, at, f));
    case 'tuple': return ty.els.flatMap((e) => flatten(wit, at, e));
    case 'option': return variantFlat(wit, at, [null, ty.el]);
    case 'result': return variantFlat(wit, at, [ty.ok, ty.err]);
  }
  throw new Error(`WIT: cannot flatten ${JSON.stringify(ty)}`);
}

function variantFlat(wit, at, cases) {
  const flat = [];
  for (const c of cases) {
    if (c === null) continue;
    flatten(wit, at, c).forEach((f, i) => { flat[i] = i < flat.length ? join(flat[i], f) : f; });
  }
  return ['i32', ...flat];
}

/** [size, align] of a WIT type in linear memory. */
export function layout(wit, ifaceName, ty0) {
  const { ty, ifaceName: at } = resolve(wit, ifaceName, ty0);
  if (ty === null) return [0, 1];
  if (typeof ty === 'string') return PRIM_LAYOUT[ty];
  switch (ty.kind) {
    case 'list': return [8, 4];
    case 'enum': return discriminantLayout(ty.cases.length);
    case 'record': case 'tuple': {
      const fields = ty.kind === 'record' ? ty.fields.map(([, f]) => f) : ty.els;
      let size = 0; let align = 1;
      for (const f of fields) {
        const [s, a] = layout(wit, at, f);
        size = alignTo(size, a) + s;
        align = Math.max(align, a);
      }
      return [alignTo(size, align), align];
    }
    case 'option': case 'result': {
      const cases = ty.kind === 'option' ? [null, ty.el] : [ty.ok, ty.err];
      const { payload, align } = variantPayload(wit, at, cases);
      const maxSize = Math.max(0, ...cases.map((c) => (c === null ? 0 : layout(wit, at, c)[0])));
      return [alignTo(payload + maxSize, align), align];
    }
  }
  throw new Error(`WIT: no layout for ${JSON.stringify(ty)}`);
}

function variantPayload(wit, at, cases) {
  const [dsize, dalign] = discriminantLayout(cases.length);
  const caseAlign = Math.max(1, ...cases.map((c) => (c === null ? 1 : layout(wit, at, c)[1])));
  const align = Math.max(dalign, caseAlign);
  return { payload: alignTo(dsize, caseAlign), align };
}

/** Offset of the payload of an option/result type (after its discriminant). */
export function payloadOffset(wit, ifaceName, ty0) {
  const { ty, ifaceName: at } = resolve(wit, ifaceName, ty0);
  const cases = ty.kind === 'option' ? [null, ty.el] : [ty.ok, ty.err];
  return variantPayload(wit, at, cases).payload;
}

/** Offsets of a record's fields: {name: offset}. */
export function fieldOffsets(wit, ifaceName, ty0) {
  const { ty, ifaceName: at } = resolve(wit, ifaceName, ty0);
  const out = {};
  let off = 0;
  for (const [name, f] of ty.fields) {
    const [s, a] = layout(wit, at, f);
    off = alignTo(off, a);
    out[name] = off;
    off += s;
  }
  return out;
}

const MAX_FLAT_PARAMS = 16;
const MAX_FLAT_RESULTS = 1;

/** The core signature {params, results} of a WIT function, lifted (export) or lowered (import). */
export function coreSignature(wit, ifaceName, fn, direction) {
  let params = fn.params.flatMap(([, t]) => flatten(wit, ifaceName, t));
  if (params.length > MAX_FLAT_PARAMS) params = ['i32'];
  let results = fn.result === null ? [] : flatten(wit, ifaceName, fn.result);
  if (results.length > MAX_FLAT_RESULTS) {
    if (direction === 'export') results = ['i32'];
    else { params = [...params, 'i32']; results = []; }
  }
  return { params, results };
}

/**
 * Every core import and export a module for `world` must have, as
 * {imports: Map("module\0name" -> sig), exports: Map(name -> sig)}.
 * Names follow the component model's core naming: imports from module
 * `<pkg-ns>:<pkg-name>/<iface>@<version>` by function name; exports named
 * `<pkg-ns>:<pkg-name>/<iface>@<version>#<func>`, with `cabi_post_<that>`.
 */
export function expectedCore(wit, world) {
  const [pkgName, version] = wit.package.split('@');
  const qualified = (iface) => `${pkgName}/${iface}@${version}`;
  const w = wit.worlds[world];
  if (!w) throw new Error(`WIT: no world ${world}`);
  const imports = new Map();
  const exports = new Map();
  for (const iface of w.imports) {
    for (const fn of Object.values(wit.interfaces[iface].funcs)) {
      imports.set(`${qualified(iface)}\0${fn.name}`, coreSignature(wit, iface, fn, 'import'));
    }
  }
  for (const iface of w.exports) {
    for (const fn of Object.values(wit.interfaces[iface].funcs)) {
      const name = `${qualified(iface)}#${fn.name}`;
      const sig = coreSignature(wit, iface, fn, 'export');
      exports.set(name, sig);
      exports.set(`cabi_post_${name}`, { params: sig.results, results: [] });
    }
  }
  exports.set('cabi_realloc', { params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] });
  return { imports, exports };
}

// ---- core module reader ------------------------------------------------------------

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
