// The index of a scenario's artifacts: every file the scenario saves is listed in artifacts.jsonl with what it is, so
// the report finds the config diffs, write audits and helper outputs by their kind, not by matching file names.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FieldError, readJsonLines, type UnreadableJsonLine } from '../formats/json-lines.ts';

export type ArtifactKind =
  /** Register-by-register config-space diff of every device across a kexec. */
  | { readonly kind: 'config-diff' }
  /** A write audit as JSON: QEMU's config writes in a window, by device and phase. */
  | { readonly kind: 'write-audit' }
  /** What a guest helper printed (JSON lines), one run of it. */
  | { readonly kind: 'helper-output'; readonly helper: string }
  /** The serial console of one kernel generation of one guest. */
  | { readonly kind: 'serial-log'; readonly generation: number }
  /** The kernel log of one generation. */
  | { readonly kind: 'dmesg'; readonly generation: number }
  /** Anything else worth keeping: snapshots, text forms of the above, upstream programs' output. */
  | { readonly kind: 'evidence' };

export type Artifact = ArtifactKind & { readonly file: string };

export const artifactIndexFile = 'artifacts.jsonl';

/** Write `name` (relative) in a scenario's artifact folder and list it in the index; returns its path. */
export async function saveArtifact(dir: string, name: string, contents: string | Buffer, kind: ArtifactKind = { kind: 'evidence' }): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, contents);
  await listArtifact(dir, name, kind);
  return file;
}

/** List a file already in the artifact folder (moved there, say) in the index. */
export async function listArtifact(dir: string, name: string, kind: ArtifactKind): Promise<void> {
  // One short line appended at a time: guests of one scenario process append to the same index.
  await appendFile(path.join(dir, artifactIndexFile), `${JSON.stringify({ file: name, ...kind })}\n`);
}

/** The index as written (a file saved twice is listed once, as last saved), and the lines it could not read. */
export function readArtifactIndex(content: string): { artifacts: Artifact[]; unreadable: UnreadableJsonLine[] } {
  const { records, unreadable } = readJsonLines(content, decodeArtifact);
  const byFile = new Map(records.map((record) => [record.file, record]));
  return { artifacts: [...byFile.values()], unreadable };
}

function decodeArtifact(object: Record<string, unknown>): Artifact {
  const { file, kind } = object;
  if (typeof file !== 'string' || file === '') throw new FieldError('no "file"');
  const generation = object.generation;
  switch (kind) {
    case 'config-diff':
    case 'write-audit':
    case 'evidence':
      return { file, kind };
    case 'helper-output':
      if (typeof object.helper !== 'string') throw new FieldError('a helper output without "helper"');
      return { file, kind, helper: object.helper };
    case 'serial-log':
    case 'dmesg':
      if (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0) throw new FieldError(`a ${kind} without its "generation"`);
      return { file, kind, generation };
    default:
      throw new FieldError(`unknown kind ${JSON.stringify(kind)}`);
  }
}
