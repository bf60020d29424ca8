// The WIT record `options` in JS: checking what the caller gave, lowering it
// to the record's flat core values, and lifting it from a return area. The
// fields, their order, kinds and offsets come from the generated module
// (records.options, types.options), so a field added to the WIT reaches this
// host by regeneration: its JS name is the WIT name in camelCase ("ttl-ms" ->
// ttlMs), an enum field is lowered by the enum of the same name.

import { SandCacheError, encodeString } from './abi.mjs';
import { enums, records, types } from './generated/sandcache_abi.mjs';

const U64_MAX = (1n << 64n) - 1n;

/** "max-entries" -> "maxEntries". */
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * Each field of `options` as {wit, js, optional, kind}, kind being the
 * generated layout's kind of the value (enum, string, u32, u64, bool, s64).
 */
export const OPTION_FIELDS = records.options.map((wit) => {
  const f = types.options.fields;
  if (f[wit]) return { wit, js: camel(wit), optional: false, kind: f[wit].kind };
  if (f[`${wit}.tag`] && f[`${wit}.some`]) return { wit, js: camel(wit), optional: true, kind: f[`${wit}.some`].kind };
  throw new TypeError(`options.${wit}: a field of a kind this host does not lower (layout: ${JSON.stringify(f)})`);
});

function invalid(msg) {
  return new SandCacheError('invalid-argument', msg);
}

/** Checks one given value against its field's kind; returns it in lowered JS form (enum names stay names). */
function check(field, v) {
  const what = field.js;
  switch (field.kind) {
    case 'enum': {
      const cases = enums[field.wit];
      if (!cases) throw new TypeError(`options.${field.wit}: no generated enum of that name`);
      if (!cases.includes(v)) throw invalid(`${what} must be one of ${cases.join(', ')}; got ${JSON.stringify(v)}`);
      return v;
    }
    case 'string':
      encodeString(v, what); // type and Unicode check
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw invalid(`${what} must be a boolean`);
      return v;
    case 'u32':
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(`${what} must be a u32`);
      return v;
    case 'u64':
    case 's64': {
      let b = v;
      if (typeof b === 'number') {
        if (!Number.isInteger(b)) throw invalid(`${what} must be a whole number`);
        b = BigInt(b);
      }
      const [lo, hi] = field.kind === 'u64' ? [0n, U64_MAX] : [-(1n << 63n), (1n << 63n) - 1n];
      if (typeof b !== 'bigint' || b < lo || b > hi) throw invalid(`${what} must be a ${field.kind} (BigInt or integer number)`);
      return b;
    }
    default:
      throw new TypeError(`options.${field.wit}: kind ${field.kind} is not lowered by this host`);
  }
}

/**
 * Checks a JS options object ({backend, namespace, path, ttlMs, maxEntries,
 * dict}, as the WIT's record) and returns it with only the record's fields:
 * a given value checked, an absent option field undefined (none), an absent
 * string "" (unset). The host fills no default: the guest does. Unknown keys
 * are refused so a misspelt option never passes silently.
 */
export function normalizeOptions(o = {}) {
  if (o === null || typeof o !== 'object') throw invalid('options must be an object');
  const known = new Set(OPTION_FIELDS.map((f) => f.js));
  for (const k of Object.keys(o)) {
    if (!known.has(k) && o[k] !== undefined) throw invalid(`unknown option ${JSON.stringify(k)} (known: ${[...known].join(', ')})`);
  }
  const out = {};
  for (const f of OPTION_FIELDS) {
    const v = o[f.js];
    if (v !== undefined && v !== null) out[f.js] = check(f, v);
    else if (f.optional) out[f.js] = undefined;
    else if (f.kind === 'string') out[f.js] = ''; // the WIT's "unset"
    else throw new TypeError(`options.${f.wit}: a required ${f.kind} field, which this host cannot leave unset`);
  }
  return out;
}

/** The flat core values of one field value (strings allocated in the guest). */
function lowerValue(mem, field, v) {
  switch (field.kind) {
    case 'enum': return [enums[field.wit].indexOf(v)];
    case 'string': {
      const b = encodeString(v, field.js);
      return [mem.alloc(b), b.length];
    }
    case 'bool': return [v ? 1 : 0];
    case 'u32': return [v];
    default: return [v]; // u64, s64: BigInt (i64)
  }
}

/** Zeros for an absent option's payload: as many, and of the same core types, as a value's. */
const NONE_PAYLOAD = { enum: [0], string: [0, 0], bool: [0], u32: [0], u64: [0n], s64: [0n] };

/** Lowers options (any JS options object) to the record's flattening, in field order. */
export function lowerOptions(mem, o) {
  const n = normalizeOptions(o);
  const flat = [];
  for (const f of OPTION_FIELDS) {
    const v = n[f.js];
    if (!f.optional) flat.push(...lowerValue(mem, f, v));
    else if (v === undefined) flat.push(0, ...NONE_PAYLOAD[f.kind]);
    else flat.push(1, ...lowerValue(mem, f, v));
  }
  return flat;
}

/**
 * Lifts an `options` record laid out at `at(prefix + field path)` (at maps
 * a generated path to an address). Absent optional fields are undefined.
 */
export function liftOptions(mem, at, prefix, maxString) {
  const read = (f, p) => {
    switch (f.kind) {
      case 'enum': return enums[f.wit][mem.tag(p, enums[f.wit].length)];
      case 'string': return mem.stringAt(p, maxString);
      case 'bool': return mem.tag(p, 2) !== 0;
      case 'u32': return mem.u32(p);
      case 'u64': return mem.u64(p);
      case 's64': return BigInt.asIntN(64, mem.u64(p));
      default: throw new TypeError(`options.${f.wit}: kind ${f.kind} is not lifted by this host`);
    }
  };
  const out = {};
  for (const f of OPTION_FIELDS) {
    if (!f.optional) out[f.js] = read(f, at(prefix + f.wit));
    else out[f.js] = mem.tag(at(`${prefix}${f.wit}.tag`), 2) ? read(f, at(`${prefix}${f.wit}.some`)) : undefined;
  }
  return out;
}

