// A guest spec for integration tests that drive the harness API directly.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as v from 'valibot';
import { parseOptions } from '../../harness/config/options.ts';
import type { GuestSpec } from '../../harness/guest/guest-spec.ts';
import { guestSpec, prepareRun, scenarioContext } from '../../harness/run/prepare.ts';
import { newSeed } from '../../harness/run/run-seed.ts';
import type { ScenarioContext } from '../../harness/scenario/context.ts';
import { cacheRoot } from '../../harness/util/paths.ts';

/** Prepare (cached) kernel and image as `make scenario` would; the guest keeps its evidence in a fresh folder. */
export async function testGuestSpec(name: string): Promise<GuestSpec> {
  const options = parseOptions([], process.env);
  const prepared = await prepareRun(options, cacheRoot());
  return guestSpec(prepared, { qemu: options.qemu, artifactDir: await mkdtemp(path.join(tmpdir(), `luo-harness-${name}-`)) });
}

/** A whole scenario context, for tests of the scenario frame. */
export async function testScenarioContext(name: string): Promise<ScenarioContext> {
  const options = parseOptions([], process.env);
  const prepared = await prepareRun(options, cacheRoot());
  // A scenario of its own, that no module defines: the test drives the session directly.
  const scenario = { name, file: '', manifest: { name, description: 'a test of the scenario frame', area: 'machine' as const, facts: v.object({}) } };
  return scenarioContext(scenario, prepared, options.qemu, { runId: 'test', seed: newSeed(), keep: false }, await mkdtemp(path.join(tmpdir(), `luo-harness-${name}-`)));
}

/** True while a process with this pid runs: a zombie (dead, waiting for its parent to reap it) does not count. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // /proc/<pid>/stat: "pid (comm) state ..."; QEMU killed after its parent exited is reaped by init in its own time.
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return ') Z ';
    }
  })();
  return !/\) Z /.test(stat);
}
