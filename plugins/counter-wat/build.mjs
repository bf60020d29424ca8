// Assembles counter.wat with wabt (the npm package pinned in package.json)
// into the path given as the first argument. The output is deterministic
// (no names section), so build.sh check can compare it with the committed one.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import initWabt from 'wabt';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT.wasm');
  process.exit(64);
}
const wabt = await initWabt();
const mod = wabt.parseWat('counter.wat', readFileSync(join(here, 'counter.wat'), 'utf8'));
mod.validate();
const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
writeFileSync(out, buffer);
