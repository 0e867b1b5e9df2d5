/** Body of a scan thread's stat helper (stat-helper.ts). */
import { lstatSync } from 'node:fs';
import { isGoneError } from '../core/gone.js';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  claimSlot,
  HELPER_CONTROL,
  HELPER_FIELDS,
  HELPER_STATUS,
  type HelperShared,
} from './stat-helper.js';

const shared = workerData as HelperShared;
const control = new Int32Array(shared.control);
const values = new BigInt64Array(shared.values);
const status = new Int32Array(shared.status);
const claims = new Int32Array(shared.claims);
const options = { bigint: true, throwIfNoEntry: false } as const;

/** Stats the paths of request number `request` from the back until it meets the walk. */
function answer(paths: (string | Uint8Array)[], request: number): void {
  for (let i = paths.length - 1; i >= 0 && claimSlot(claims, i, request); i--) {
    const path = paths[i]!;
    try {
      const info = lstatSync(typeof path === 'string' ? path : Buffer.from(path), options);
      if (info === undefined) {
        status[i] = HELPER_STATUS.gone;
        continue;
      }
      const at = i * HELPER_FIELDS;
      values[at] = info.mode;
      values[at + 1] = info.size;
      values[at + 2] = info.mtimeNs;
      values[at + 3] = info.ctimeNs;
      values[at + 4] = info.ino;
      values[at + 5] = info.dev;
      status[i] = HELPER_STATUS.stated;
    } catch (error) {
      // The walk stats a failed one again itself, to report the failure as it always does.
      status[i] = isGoneError(error) ? HELPER_STATUS.gone : HELPER_STATUS.failed;
    }
  }
}

Atomics.store(control, HELPER_CONTROL.ready, 1);
let handled = 0;
for (;;) {
  Atomics.wait(control, HELPER_CONTROL.requested, handled);
  const requested = Atomics.load(control, HELPER_CONTROL.requested);
  while (handled < requested) {
    const message = receiveMessageOnPort(shared.port);
    if (message === undefined) break;
    handled += 1;
    answer((message.message as { paths: (string | Uint8Array)[] }).paths, handled);
    Atomics.store(control, HELPER_CONTROL.answered, handled);
    Atomics.notify(control, HELPER_CONTROL.answered);
  }
}
