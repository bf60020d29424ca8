// adapter-realloc.mjs: the plain-wasm cabi_realloc_adapter appended to a
// core module, run directly (a small module from the layout probe stands in
// for guest.wasm; the component test runs it inside the real guest).

import test from 'node:test';
import assert from 'node:assert/strict';
import { withAdapterRealloc, ARENA_BASE, ARENA_BYTES, ARENA_END_PAGES } from '../adapter-realloc.mjs';
import { limitMemory } from '../memlimit.mjs';
import { probeModule } from '../conformance/layout-probe.mjs';
import { exports as WIT_EXPORTS } from '../generated/sandcache_abi.mjs';

function instance(capPages) {
  const [[iface, fns]] = Object.entries(WIT_EXPORTS);
  let bytes = withAdapterRealloc(probeModule(iface, fns).bytes);
  if (capPages) bytes = limitMemory(bytes, capPages);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
}

test('cabi_realloc_adapter hands out aligned blocks of the arena at 1 GiB, never calling into the module', () => {
  const ex = instance();
  const before = ex.memory.buffer.byteLength;
  assert.ok(before < ARENA_BASE);
  const a = ex.cabi_realloc_adapter(0, 0, 8, 65536) >>> 0;
  assert.equal(a, ARENA_BASE);
  assert.equal(ex.memory.buffer.byteLength, ARENA_END_PAGES * 65536);
  const b = ex.cabi_realloc_adapter(0, 0, 1, 3) >>> 0;
  assert.equal(b, ARENA_BASE + 65536);
  const c = ex.cabi_realloc_adapter(0, 0, 16, 8) >>> 0;
  assert.equal(c % 16, 0);
  assert.ok(c >= b + 3);
  // the module's own cabi_realloc is untouched (the probe's bump allocator at 64 KiB)
  assert.ok((ex.cabi_realloc(0, 0, 8, 16) >>> 0) < ARENA_BASE);
});

test('cabi_realloc_adapter traps on a reallocation and past its arena', () => {
  const ex = instance();
  assert.throws(() => ex.cabi_realloc_adapter(ARENA_BASE, 8, 8, 16), WebAssembly.RuntimeError);
  ex.cabi_realloc_adapter(0, 0, 8, ARENA_BYTES - 8);
  assert.throws(() => ex.cabi_realloc_adapter(0, 0, 8, 64), WebAssembly.RuntimeError);
});

test('with the component cap, memory grown after the arena is bounded by the usual cap', () => {
  const usual = 16;
  const ex = instance(ARENA_END_PAGES + usual);
  ex.cabi_realloc_adapter(0, 0, 8, 65536);
  ex.memory.grow(usual); // what Go's heap may still take
  assert.throws(() => ex.memory.grow(1), RangeError);
});

test('a module that already has cabi_realloc_adapter is left as it is', () => {
  const [[iface, fns]] = Object.entries(WIT_EXPORTS);
  const once = withAdapterRealloc(probeModule(iface, fns).bytes);
  assert.equal(withAdapterRealloc(once), once);
});
