// The worker side of SandCache (isolated.mjs): one GuestCache, served
// synchronously. The thread blocks in Atomics.wait until the state word says
// REQUEST, takes the request from its port, runs it, posts the reply and
// sets REPLY. It never returns to its event loop, so a terminate() from the
// owner is its only way out (or a loop in the guest, which terminate() stops).

import { workerData, receiveMessageOnPort } from 'node:worker_threads';
import { GuestCache } from './sandcache.mjs';
import { STATE } from './isolated.mjs';

const { dir, module, clock, state, port } = workerData;

function reply(msg) {
  port.postMessage(msg);
  Atomics.store(state, 0, STATE.REPLY);
  Atomics.notify(state, 0);
}

/** The owner's injected clock, asked for through the state word. */
function ownerClock() {
  Atomics.store(state, 0, STATE.CLOCK);
  Atomics.notify(state, 0);
  while (Atomics.load(state, 0) === STATE.CLOCK) Atomics.wait(state, 0, STATE.CLOCK);
  const a = receiveMessageOnPort(port).message;
  Atomics.store(state, 0, STATE.REQUEST);
  if (!a.ok) throw new Error(`clock: ${a.message}`);
  return a.value;
}

let cache;
try {
  cache = new GuestCache(dir, { wasm: module, clock: clock ? ownerClock : null });
  reply({ ok: true });
} catch (e) {
  reply({ ok: false, fatal: true, code: e.code ?? 'internal', message: String(e?.message ?? e) });
}

for (;;) {
  for (let s; (s = Atomics.load(state, 0)) !== STATE.REQUEST;) Atomics.wait(state, 0, s);
  const { op, args } = receiveMessageOnPort(port).message;
  try {
    reply({ ok: true, value: cache[op](...args) });
  } catch (e) {
    reply({ ok: false, code: e.code ?? 'internal', message: String(e?.message ?? e), op: e.op ?? op });
  }
}
