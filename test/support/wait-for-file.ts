// Wait for a file to appear, or to contain something, with a deadline (the folders above it may not exist yet).
import { readFile } from 'node:fs/promises';
import { withDeadline } from '../../harness/util/deadline.ts';

/** Resolve with the path once it exists and, when given, its contents match `pattern`. */
export async function waitForFile(file: string, milliseconds: number, pattern?: RegExp): Promise<string> {
  return withDeadline(`file ${file}${pattern ? ` matching ${pattern}` : ''}`, milliseconds, (signal) =>
    new Promise<string>((resolve) => {
      const check = (text: string) => (!pattern || pattern.test(text) ? resolve(file) : undefined);
      const poll = setInterval(() => void readFile(file, 'utf8').then(check, () => undefined), 200);
      signal.addEventListener('abort', () => clearInterval(poll));
    }),
  );
}
