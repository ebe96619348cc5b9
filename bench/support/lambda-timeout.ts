/**
 * Lambda's timeout on virtual time: an invocation still running when its function's timeout passes is
 * killed. A process cannot stop a promise, so the invocation's clients are guarded instead: once it is
 * killed, every further call it makes throws, as nothing more would run in a frozen sandbox. A call
 * already sent is answered, as a request that left before the kill would be.
 */
import type { VirtualTime } from './virtual-time';

export class KilledAtTimeout extends Error {
  constructor() {
    super('the invocation was killed at its timeout');
    this.name = 'KilledAtTimeout';
  }
}

export interface Invocation {
  killed: boolean;
}

/** The object with each method checking that the invocation still lives. */
export const guarded = <T extends object>(target: T, invocation: Invocation): T =>
  new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (invocation.killed) throw new KilledAtTimeout();
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });

/**
 * Runs `invoke` with a fresh invocation; if it has not finished `timeoutMs` after it started, it is
 * killed and the result is `{ killed: true }`.
 */
export const withTimeout = async <T>(
  time: VirtualTime,
  timeoutMs: number,
  invoke: (invocation: Invocation) => Promise<T>,
): Promise<{ killed: false; value: T } | { killed: true }> => {
  const invocation: Invocation = { killed: false };
  let finished = false;
  const run = invoke(invocation).finally(() => {
    finished = true;
  });
  const timeout = time.sleep(timeoutMs).then(() => 'timeout' as const);
  const first = await Promise.race([run.then((value) => ({ value })), timeout]);
  if (first === 'timeout' && !finished) {
    invocation.killed = true;
    run.catch(() => undefined);
    return { killed: true };
  }
  return { killed: false, value: first === 'timeout' ? await run : first.value };
};
