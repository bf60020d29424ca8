// The guest as a component: jco componentEmbed + componentNew (with jco's
// WASI preview1 reactor adapter) + transpile. Building and transpiling must
// work. Running it is expected to fail today and is reported as a todo: the
// adapter imports `__main_module__.cabi_realloc` and calls it on the first
// WASI call it serves, and the Go runtime makes that call (clock_time_get)
// from inside `_initialize`, before it can run an export, so the guest dies
// at start-up. If that ever works, the recorded vectors are replayed through
// jco's generated canonical-ABI bindings, which must give exactly what the
// hand-written host gives (test/vectors.test.mjs).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildComponent, transpileTo, openComponentCache } from '../component.mjs';
import { needWasm, replayVectors, tempDir } from '../testing.mjs';

test('guest.wasm as a component: build, transpile, run', async (t) => {
  needWasm();
  const outDir = tempDir(t, 'sandcache-component-');
  const { component } = await buildComponent();
  await transpileTo(component, outDir);
  assert.ok(fs.existsSync(path.join(outDir, 'sandcache.js')));
  t.diagnostic(`sandcache.component.wasm: ${component.length} bytes`);

  try {
    (await openComponentCache(tempDir(t), { outDir })).close();
  } catch (e) {
    t.todo(`the component traps at start-up (Go runtime + WASI preview1 adapter): ${e?.name}: ${e?.message}`);
    return;
  }
  await replayVectors(t, (root, clock) => openComponentCache(root, { outDir, clock }));
});
