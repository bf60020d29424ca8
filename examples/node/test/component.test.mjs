// The guest as a component: jco componentEmbed + componentNew (with jco's
// WASI preview1 reactor adapter, fed by the plain-wasm allocator of
// adapter-realloc.mjs) + transpile, then the recorded vectors replayed
// through jco's canonical-ABI bindings: they must give exactly what the
// core-module host gives (test/vectors.test.mjs).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildComponent, transpileTo, openComponentCache } from '../component.mjs';
import { needWasm, replayVectors, tempDir } from '../testing.mjs';

test('guest.wasm as a component: build, transpile, replay the recorded vectors', async (t) => {
  needWasm();
  const outDir = tempDir(t, 'sandcache-component-');
  const { component } = await buildComponent();
  await transpileTo(component, outDir);
  assert.ok(fs.existsSync(path.join(outDir, 'sandcache.js')));
  t.diagnostic(`sandcache.component.wasm: ${component.length} bytes`);

  await replayVectors(t, (root, clock) => openComponentCache(root, { outDir, clock }));
});

test('without cabi_realloc_adapter the component traps in _initialize (the adapter calls Go\'s cabi_realloc)', async (t) => {
  needWasm();
  const outDir = tempDir(t, 'sandcache-component-plain-');
  const { component } = await buildComponent({ adapterRealloc: false });
  await transpileTo(component, outDir);
  // Measured: "RuntimeError: table index is out of bounds" and "RuntimeError:
  // memory access out of bounds" (Go's runtime state is not set up yet), or
  // "RangeError: Maximum call stack size exceeded", depending on the build.
  await assert.rejects(openComponentCache(tempDir(t), { outDir }), (e) => {
    t.diagnostic(`${e?.name}: ${e?.message}`);
    return e instanceof WebAssembly.RuntimeError || e instanceof RangeError;
  });
});
