// Assembles every *.wat here with wabt (the npm package pinned in
// package.json) into OUT_DIR/NAME.wasm. The output is deterministic (no
// names section), so build.sh check can compare it with the committed one.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, basename } from 'node:path';
import initWabt from 'wabt';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(64);
}
const wabt = await initWabt();
for (const file of readdirSync(here).filter((f) => f.endsWith('.wat')).sort()) {
  const mod = wabt.parseWat(file, readFileSync(join(here, file), 'utf8'));
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  writeFileSync(join(outDir, basename(file, '.wat') + '.wasm'), buffer);
  mod.destroy();
}
