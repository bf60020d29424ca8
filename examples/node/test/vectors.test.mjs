// Replays the vectors recorded from the original Harn runtime
// (tests/testdata/harn-golden.jsonl, SPEC section 8) through the Node host
// and the same guest.wasm, in order, in one fresh folder, with the clock
// injected from HARNCACHE_NOW_MS (the real clock where it is absent), and
// checks stdout, exit status, the SQLite rows and the fs files byte for byte.
//
// The harness mirrors tests/vectors_test.go: options come from the guest's
// parse-options (the original's option dictionary and error texts); an
// empty path means the original's defaults under HARNCACHE_STATE_ROOT=state,
// that is state/cache/llm.sqlite and state/cache/llm, relative to the
// granted folder. Cases that tests/vectors_test.go lists in
// intendedDifferences are run (later cases depend on their effects) but
// reported as skipped when they differ.

import test from 'node:test';
import { SandCache } from '../sandcache.mjs';
import { needWasm, replayVectors } from '../testing.mjs';

test('recorded vectors through the Node host', async (t) => {
  needWasm();
  await replayVectors(t, (root, clock) => new SandCache(root, { clock }));
});
