// The folder of one run: results/<run-id>/, with results/latest pointing at the newest.
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

export interface RunDir {
  readonly runId: string;
  readonly dir: string;
}

/** A sortable, unique run id: UTC time plus the process id. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

/** Create the run folder and repoint `latest` at it. */
export async function createRunDir(resultsRoot: string, runId = newRunId()): Promise<RunDir> {
  const dir = path.join(resultsRoot, runId);
  await mkdir(dir, { recursive: true });
  const latest = path.join(resultsRoot, 'latest');
  await rm(latest, { force: true });
  await symlink(runId, latest);
  return { runId, dir };
}
