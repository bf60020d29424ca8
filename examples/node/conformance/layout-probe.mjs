// A probe of the generated return-area layouts against jco's own lifting.
//
// probeModule() writes a core wasm module (bytes, by hand: no tool of ours
// computes a layout here) that exports every function of the WIT's `cache`
// interface with the generated core signature. Each export returns the
// address of a return area that a data segment filled through the
// *generated* layout (generated/sandcache_abi.mjs, the layouts the Go host's
// generated glue uses too): a distinct value at every field's offset. jco
// componentEmbed + componentNew then check the names and signatures, and jco
// transpile lifts each result with wasm-tools' canonical ABI. If any
// generated offset, size or discriminant differed from the canonical one,
// the lifted value differs from the value written.

import { enums } from '../generated/sandcache_abi.mjs';
import { sleb, uleb } from '../leb128.mjs';

const enc = new TextEncoder();
const VAL = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

const vec = (items) => [...uleb(items.length), ...items.flat()];
const str = (s) => vec([...enc.encode(s)].map((b) => [b]));
const section = (id, body) => [id, ...uleb(body.length), ...body];

const DATA_BASE = 1024; // return areas and their strings live in [1024, 65536)
const HEAP = 65536; // cabi_realloc's bump allocator starts here

/** Guest memory image built as layouts dictate. */
class Image {
  constructor() {
    this.bytes = new Uint8Array(65536 - DATA_BASE);
    this.top = DATA_BASE;
    this.dv = new DataView(this.bytes.buffer);
  }
  alloc(size, align = 8) {
    this.top = Math.ceil(this.top / align) * align;
    const p = this.top;
    this.top += size;
    if (this.top > 65536) throw new Error('probe image is full');
    return p;
  }
  u8(p, v) { this.dv.setUint8(p - DATA_BASE, v); }
  u32(p, v) { this.dv.setUint32(p - DATA_BASE, v, true); }
  u64(p, v) { this.dv.setBigUint64(p - DATA_BASE, BigInt.asUintN(64, v), true); }
  string(p, s) {
    const b = enc.encode(s);
    const at = this.alloc(b.length, 1);
    this.bytes.set(b, at - DATA_BASE);
    this.u32(p, at);
    this.u32(p + 4, b.length);
  }
  stringList(p, list) {
    const arr = this.alloc(8 * list.length, 4);
    list.forEach((s, i) => this.string(arr + 8 * i, s));
    this.u32(p, arr);
    this.u32(p + 4, list.length);
  }
}

const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const ENUM_CASE = 2; // every enum of the WIT has at least 3 cases

/**
 * Fills the return area of `fn` (its ok case, or its err case) through the
 * generated layout and returns [address, expected]: the value jco should
 * lift, as jco represents it (records as objects with camelCase fields,
 * option<T> as T or undefined, enums as case names; an err as
 * {payload: {code, message}}). Enum fields are checked against the case
 * index written: expected holds {anyEnumCase: ENUM_CASE}.
 */
function fillResult(img, name, fn, err) {
  const { retArea } = fn;
  const ret = img.alloc(retArea.size, retArea.align);
  const prefix = err ? 'err' : 'ok';
  const tagged = new Set(); // option paths whose tag is set
  let k = 0;
  const expected = {};
  const put = (path, v) => {
    const segs = path.split('.').map(camel);
    if (segs.length === 0 || segs[0] === '') return (expected.value = v);
    let o = expected;
    o.value ??= {};
    o = o.value;
    for (const s of segs.slice(0, -1)) o = o[s] ??= {};
    o[segs.at(-1)] = v;
  };
  for (const [path, f] of Object.entries(retArea.fields)) {
    if (path === 'tag') { img.u8(ret + f.offset, err ? 1 : 0); continue; }
    if (!path.startsWith(prefix + '.') && path !== prefix) continue;
    const rel = path === prefix ? '' : path.slice(prefix.length + 1);
    const at = ret + f.offset;
    k++;
    if (f.kind === 'tag') { img.u8(at, 1); tagged.add(rel.replace(/\.?tag$/, '')); continue; }
    // an option's payload is lifted as the option's value
    const target = rel.endsWith('.some') || rel === 'some' ? rel.replace(/\.?some$/, '') : rel;
    switch (f.kind) {
      case 'u32': img.u32(at, 0x01020300 + k); put(target, 0x01020300 + k); break;
      case 'u64': img.u64(at, 0x0102030405060700n + BigInt(k)); put(target, 0x0102030405060700n + BigInt(k)); break;
      case 's64': img.u64(at, -1000n - BigInt(k)); put(target, -1000n - BigInt(k)); break;
      case 'bool': img.u8(at, 1); put(target, true); break;
      case 'enum': img.u8(at, ENUM_CASE); put(target, { anyEnumCase: ENUM_CASE }); break;
      case 'string': img.string(at, `${name}:${path}`); put(target, `${name}:${path}`); break;
      case 'list': img.stringList(at, [`${name}:a`, `${name}:b`]); put(target, [`${name}:a`, `${name}:b`]); break; // list<string> is the only list an export returns
      default: throw new Error(`probe: ${name} ${path}: kind ${f.kind} not handled`);
    }
  }
  if (err) return [ret, { payload: expected.value }];
  return [ret, expected.value];
}

/** The channel the probe reports an import's return area through: files' write-atomic(path, data). */
export const CHANNEL = 'write-atomic';

/**
 * The probe core module for interface `iface` of the generated exports
 * (`err`: every export returns its err case). Returns {bytes, expected:
 * {fnName: value}, probed: [import key]}.
 *
 * With `imports` (the generated import tables), the module also imports
 * every import function that has a return area, and its `clear` export,
 * before returning, calls each of them (zero arguments, a scratch return
 * area) and then hands that return area's bytes, as the generated layout
 * sized it, to files' write-atomic with path "<interface>#<function>": the
 * caller's write-atomic receives what jco's lowering wrote, to be read
 * through the generated offsets (readImportArea).
 */
export function probeModule(ifaceName, fns, { err = false, imports = null } = {}) {
  const img = new Image();
  const names = Object.keys(fns);
  const rets = {};
  const expected = {};
  for (const n of names) [rets[n], expected[n]] = fillResult(img, n, fns[n], err);
  const probed = []; // {mod, name, fn, key, keyAt, keyLen}
  let channel = null;
  if (imports) {
    for (const [mod, ifns] of Object.entries(imports)) {
      for (const [name, fn] of Object.entries(ifns)) {
        if (!fn.retArea) continue;
        const key = enc.encode(`${mod}#${name}`);
        const keyAt = img.alloc(key.length, 1);
        img.bytes.set(key, keyAt - DATA_BASE);
        probed.push({ mod, name, fn, key: `${mod}#${name}`, keyAt, keyLen: key.length });
        if (name === CHANNEL) channel = probed.length - 1;
      }
    }
    if (channel === null) throw new Error(`probe: no import ${CHANNEL} to report through`);
  }
  const scratch = img.alloc(256, 8); // the probed import's return area
  const scratch2 = img.alloc(64, 8); // the channel's own return area

  const types = [];
  const typeIndex = (params, results) => {
    const key = `${params}|${results}`;
    let i = types.findIndex((t) => t.key === key);
    if (i < 0) i = types.push({ key, bytes: [0x60, ...vec(params.map((p) => [VAL[p]])), ...vec(results.map((r) => [VAL[r]]))] }) - 1;
    return i;
  };
  const importEntries = probed.map((pr) => [...str(pr.mod), ...str(pr.name), 0x00, ...uleb(typeIndex(pr.fn.core.params, pr.fn.core.results))]);
  const nImports = probed.length;
  const zero = { i32: [0x41, 0], i64: [0x42, 0], f32: [0x43, 0, 0, 0, 0], f64: [0x44, 0, 0, 0, 0, 0, 0, 0, 0] };
  // clear's prelude: each probed import, then the channel with its return area
  const prelude = probed.flatMap((pr, i) => [
    ...pr.fn.core.params.slice(0, -1).flatMap((t) => zero[t]), 0x41, ...sleb(scratch), 0x10, ...uleb(i),
    0x41, ...sleb(pr.keyAt), 0x41, ...sleb(pr.keyLen), 0x41, ...sleb(scratch), 0x41, ...sleb(pr.fn.retArea.size), 0x41, ...sleb(scratch2), 0x10, ...uleb(channel),
  ]);
  const funcs = []; // {type, body, export}
  funcs.push({
    type: typeIndex(['i32', 'i32', 'i32', 'i32'], ['i32']),
    export: 'cabi_realloc',
    // old top; top = (top + new_size + 7) & ~7
    body: [0x23, 0, 0x23, 0, 0x20, 3, 0x6a, 0x41, ...sleb(7), 0x6a, 0x41, ...sleb(-8), 0x71, 0x24, 0],
  });
  for (const n of names) {
    const fn = fns[n];
    funcs.push({ type: typeIndex(fn.core.params, fn.core.results), export: `${ifaceName}#${n}`, body: [...(n === 'clear' ? prelude : []), 0x41, ...sleb(rets[n])] });
    funcs.push({ type: typeIndex(fn.core.results, []), export: fn.post, body: [] });
  }
  const data = img.bytes.subarray(0, img.top - DATA_BASE);
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types.map((t) => t.bytes))),
    ...(nImports ? section(2, vec(importEntries)) : []),
    ...section(3, vec(funcs.map((f) => uleb(f.type)))),
    ...section(5, vec([[0x00, ...uleb(2)]])), // memory: min 2 pages
    ...section(6, vec([[0x7f, 0x01, 0x41, ...sleb(HEAP), 0x0b]])), // global 0: mut i32 = HEAP
    ...section(7, vec([
      [...str('memory'), 0x02, 0],
      ...funcs.map((f, i) => [...str(f.export), 0x00, ...uleb(nImports + i)]),
    ])),
    ...section(10, vec(funcs.map((f) => {
      const body = [0x00, ...f.body, 0x0b]; // no locals
      return [...uleb(body.length), ...body];
    }))),
    ...section(11, vec([[0x00, 0x41, ...sleb(DATA_BASE), 0x0b, ...vec([...data].map((b) => [b]))]])),
  ]);
  return { bytes, expected, probed: probed.map((pr) => pr.key) };
}

/**
 * Reads an import's return area (bytes as the probe reported them) through
 * the generated layout: {tag, values: {path: number}} where a string or
 * list is its length and whether its pointer is set ({len, ptrSet}).
 */
export function readImportArea(fn, bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = {};
  for (const [path, f] of Object.entries(fn.retArea.fields)) {
    if (f.offset + (f.kind === 'string' || f.kind === 'list' ? 8 : f.kind === 'u32' ? 4 : 1) > bytes.length) throw new Error(`${path} @${f.offset} is past the ${bytes.length}-byte area`);
    switch (f.kind) {
      case 'tag': case 'bool': case 'enum': out[path] = dv.getUint8(f.offset); break;
      case 'u32': out[path] = dv.getUint32(f.offset, true); break;
      case 'string': case 'list': out[path] = { len: dv.getUint32(f.offset + 4, true), ptrSet: dv.getUint32(f.offset, true) !== 0 }; break;
      default: throw new Error(`probe: import area kind ${f.kind} not handled`);
    }
  }
  return out;
}

/**
 * Compares a value jco lifted with the expected one; returns a list of
 * differences (an enum field matches when it is the ENUM_CASE-th case of
 * some WIT enum).
 */
export function differences(got, want, at = '') {
  if (want && typeof want === 'object' && 'anyEnumCase' in want) {
    return Object.values(enums).some((cases) => cases[want.anyEnumCase] === got) ? [] : [`${at}: ${JSON.stringify(got)} is not case ${want.anyEnumCase} of any enum`];
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return [`${at}: ${String(got)} is not ${JSON.stringify(want)}`];
    return want.flatMap((w, i) => differences(got[i], w, `${at}[${i}]`));
  }
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object') return [`${at}: ${String(got)} is not an object`];
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    return [...keys].flatMap((k) => differences(got[k], want[k], `${at}.${k}`));
  }
  return Object.is(got, want) ? [] : [`${at}: ${typeof got === 'bigint' ? got + 'n' : JSON.stringify(got)} is not ${typeof want === 'bigint' ? want + 'n' : JSON.stringify(want)}`];
}
