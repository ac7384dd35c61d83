// Whether a path exists now (stamps of finished cache entries, optional files).
import { access } from 'node:fs/promises';

/** True when the path exists (any type). */
export async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
