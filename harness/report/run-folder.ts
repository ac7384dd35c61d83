// Read a run folder as the report needs it: summary.json, repro.json, and per scenario its record, config evidence,
// helper outputs and the list of its files. Missing pieces are absent, not errors: a crashed scenario has few.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceWriteAudit } from '../checks/config-write-audit.ts';
import { readEventRecords, type NamedEvent, type UnreadableJsonLine } from '../formats/json-lines.ts';
import { artifactIndexFile, readArtifactIndex, type Artifact, type ArtifactKind } from '../results/artifacts.ts';
import { runnerFiles } from '../run/scenario-process.ts';
import type { Agreement } from '../results/agreement.ts';
import type { ScenarioResult } from '../results/summary.ts';
import type { Repro } from '../run/repro.ts';

export interface RunSummary {
  readonly runId: string;
  readonly finishedAt: string;
  readonly interrupted: boolean;
  readonly seed?: string;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly expect?: string;
  readonly kernel: {
    readonly release: string;
    readonly identity: string;
    readonly origin: string;
    readonly options?: Readonly<Record<string, string>>;
    readonly patches?: { readonly given: string; readonly subjects: readonly string[] };
  };
  readonly nextKernel: { readonly release: string; readonly identity: string };
  readonly image: string;
  readonly accel: { readonly accel: string; readonly reason: string };
  readonly qemu: string;
  /** Present when the kernel's own selftests ran beside the harness's scenarios. */
  readonly agreement?: Agreement;
  readonly scenarios: readonly ScenarioResult[];
}

/** writes<label>.json; a write may carry the phase it happened in (`phase`), shown when present. */
export interface WriteAuditFile {
  readonly window?: { readonly start: number; readonly end: number };
  readonly inWindow: readonly DeviceWriteAudit[];
  readonly outsideWindow: readonly DeviceWriteAudit[];
}

export interface ScenarioFolder {
  readonly result: ScenarioResult;
  /** Paths relative to the run folder. */
  readonly files: readonly string[];
  readonly diffs: readonly { readonly file: string; readonly text: string }[];
  readonly audits: readonly { readonly file: string; readonly audit: WriteAuditFile }[];
  /** JSON lines of the guest helpers, per file, with the helper that printed them and the lines that are no record. */
  readonly events: readonly {
    readonly file: string;
    readonly helper: string;
    readonly events: readonly (NamedEvent & Record<string, unknown>)[];
    readonly unreadable: readonly UnreadableJsonLine[];
  }[];
  /** The serial logs and kernel logs of its kernel generations, in order, and what the runner kept (TAP, stderr). */
  readonly logs: { readonly serial: readonly string[]; readonly dmesg: readonly string[]; readonly runner: readonly string[] };
  /** Lines of the artifact index that could not be read. */
  readonly unreadableIndex: readonly UnreadableJsonLine[];
}

export interface RunFolder {
  readonly dir: string;
  readonly summary: RunSummary;
  readonly repro?: Repro;
  readonly scenarios: readonly ScenarioFolder[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  return readFile(file, 'utf8').then((content) => JSON.parse(content) as T, () => undefined);
}

async function listFiles(dir: string, prefix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (entry) => (entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`])),
  );
  return nested.flat().sort();
}

/** A scenario's folder, its artifacts found by the kind its index gives them. */
async function readScenario(runDir: string, result: ScenarioResult): Promise<ScenarioFolder> {
  const files = await listFiles(path.join(runDir, result.name), `${result.name}/`);
  const read = (file: string) => readFile(path.join(runDir, file), 'utf8');
  const index = readArtifactIndex(await read(`${result.name}/${artifactIndexFile}`).catch(() => ''));
  const listed = new Set(files);
  const present = index.artifacts.map((artifact) => ({ ...artifact, file: `${result.name}/${artifact.file}` })).filter((artifact) => listed.has(artifact.file));
  const ofKind = <K extends ArtifactKind['kind']>(kind: K) => present.filter((artifact): artifact is Extract<Artifact, { kind: K }> => artifact.kind === kind);
  const diffs = await Promise.all(ofKind('config-diff').map(async ({ file }) => ({ file, text: await read(file) })));
  const audits = (await Promise.all(ofKind('write-audit').map(async ({ file }) => ({ file, audit: await readJson<WriteAuditFile>(path.join(runDir, file)) })))).flatMap(
    ({ file, audit }) => (audit?.inWindow ? [{ file, audit }] : []),
  );
  const events = await Promise.all(
    ofKind('helper-output').map(async ({ file, helper }) => {
      const { records, unreadable } = readEventRecords(await read(file));
      return { file, helper, events: records, unreadable };
    }),
  );
  const byGeneration = (artifacts: readonly { file: string; generation: number }[]) => [...artifacts].sort((a, b) => a.generation - b.generation || a.file.localeCompare(b.file)).map(({ file }) => file);
  const runner = Object.values(runnerFiles).map((name) => `${result.name}/${name}`).filter((file) => listed.has(file));
  const logs = { serial: byGeneration(ofKind('serial-log')), dmesg: byGeneration(ofKind('dmesg')), runner };
  return { result, files, diffs, audits, events, logs, unreadableIndex: index.unreadable };
}

/** Read everything the report shows from a run folder. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const summary = await readJson<RunSummary>(path.join(dir, 'summary.json'));
  if (!summary) throw new Error(`${dir} has no summary.json`);
  const repro = await readJson<Repro>(path.join(dir, 'repro.json'));
  const scenarios = await Promise.all(summary.scenarios.map((result) => readScenario(dir, result)));
  return { dir, summary, repro, scenarios };
}
