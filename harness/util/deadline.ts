// One deadline per phase: wait for an event, never a fixed sleep.
import { TimeoutError } from '../errors.ts';

/** Race a promise against a deadline; on expiry reject with a TimeoutError naming what was awaited. */
export async function withDeadline<T>(
  what: string,
  milliseconds: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`${what} did not happen within ${Math.round(milliseconds / 1000)} s`);
      controller.abort(error);
      reject(error);
    }, milliseconds);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
