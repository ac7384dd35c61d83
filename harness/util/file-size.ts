// The size of a file now: used as an offset into logs that only grow.
import { stat } from 'node:fs/promises';

/** Size in bytes, 0 when the file does not exist yet. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
