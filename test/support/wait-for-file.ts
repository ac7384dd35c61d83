// Wait for a file to appear, with a deadline (the folders above it may not exist yet).
import { access } from 'node:fs/promises';
import { withDeadline } from '../../harness/util/deadline.ts';

/** Resolve with the path once it exists. */
export async function waitForFile(file: string, milliseconds: number): Promise<string> {
  return withDeadline(`file ${file}`, milliseconds, (signal) =>
    new Promise<string>((resolve) => {
      const poll = setInterval(() => void access(file).then(() => resolve(file), () => undefined), 200);
      signal.addEventListener('abort', () => clearInterval(poll));
    }),
  );
}
