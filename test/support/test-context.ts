// A scenario context for integration tests that drive the harness API directly.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseOptions } from '../../harness/config/options.ts';
import { prepareRun, scenarioContext } from '../../harness/run/prepare.ts';
import type { ScenarioContext } from '../../harness/scenario/context.ts';
import { cacheRoot } from '../../harness/util/paths.ts';

/** Prepare (cached) kernel and image as `make scenario` would, and a fresh artifact folder. */
export async function testContext(name: string): Promise<ScenarioContext> {
  const options = parseOptions([], process.env);
  const prepared = await prepareRun(options, cacheRoot());
  const artifactDir = await mkdtemp(path.join(tmpdir(), `luo-harness-${name}-`));
  return scenarioContext(name, prepared, options.qemu, 'test', artifactDir);
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
