// Run one scenario file as its own process (tap test), with a deadline and a clean end on every path.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { contextVariable } from '../scenario/context.ts';
import { scenarioRecordFile, type ScenarioRecord } from '../scenario/record.ts';
import { nodeArgsFor, repoRoot } from '../util/paths.ts';
import { reapQemu } from './reap-qemu.ts';

/** What the run keeps of a scenario process, beside what it saved itself: its TAP and its stderr. */
export const runnerFiles = { tap: 'tap.txt', stderr: 'stderr.log' } as const;

/** The scenario process's entry point; the scenario it runs is in its context. */
const scenarioMain = path.join(repoRoot, 'harness', 'scenario', 'main.ts');

export interface ScenarioProcessResult {
  readonly exitCode: number | null;
  readonly tap: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly reapedQemu: boolean;
  /** scenario.json written by the scenario, if it got that far (as read: any field may be missing). */
  readonly record: Partial<ScenarioRecord> | undefined;
}

/** Whole-scenario deadline: the phases have their own, this bounds anything they miss. */
export const scenarioDeadlineMs = 30 * 60_000;

/**
 * Spawn Node on the scenario process's entry point (its bundled copy, or the source through tsx: nodeArgsFor) with the
 * context file; TAP goes to tap.txt and, line by line, to onLine. Without `deadline` (KEEP=1: a kept guest waits for
 * the person) only a signal ends it.
 */
export async function runScenarioProcess(
  contextFile: string,
  artifactDir: string,
  onLine: (line: string) => void,
  cancel: AbortSignal,
  { deadline }: { readonly deadline: boolean },
): Promise<ScenarioProcessResult> {
  const started = performance.now();
  const tapFile = createWriteStream(path.join(artifactDir, runnerFiles.tap));
  const child = execa('node', nodeArgsFor(scenarioMain), {
    cwd: repoRoot,
    // TAP_TIMEOUT=0: tap's own 30 s limit on a test file would end any scenario that runs longer; the deadline is ours.
    env: { [contextVariable]: contextFile, TAP: '1', TAP_TIMEOUT: '0' },
    stdin: 'ignore',
    stderr: { file: path.join(artifactDir, runnerFiles.stderr) },
    reject: false,
    buffer: false,
    timeout: deadline ? scenarioDeadlineMs : undefined,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: 20_000,
    cancelSignal: cancel,
    cleanup: true,
  });
  const lines: string[] = [];
  for await (const line of child.iterable()) {
    const text = String(line);
    lines.push(text);
    tapFile.write(`${text}\n`);
    onLine(text);
  }
  const result = await child;
  await new Promise((resolve) => tapFile.end(resolve));
  const reapedQemu = await reapQemu(artifactDir);
  const record = await readFile(path.join(artifactDir, scenarioRecordFile), 'utf8')
    .then((text) => JSON.parse(text) as Partial<ScenarioRecord>)
    .catch(() => undefined);
  return {
    exitCode: result.exitCode ?? null,
    tap: lines.join('\n'),
    durationMs: Math.round(performance.now() - started),
    timedOut: result.timedOut,
    reapedQemu,
    record,
  };
}
