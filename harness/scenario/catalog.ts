// The scenarios: one file each in scenarios/, with a one-line description.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../errors.ts';
import { repoRoot } from '../util/paths.ts';

export interface ScenarioEntry {
  readonly name: string;
  readonly file: string;
  readonly description: string;
}

export const scenarioDir = path.join(repoRoot, 'scenarios');

/** Scenarios in their run order: the order of `order` below first, then any others by name. */
const order = ['boot', 'kexec', 'luo-memfd', 'luo-chain', 'luo-negative', 'luo-mismatch', 'vfio-edu', 'pci-config', 'kselftest'];

/** Every scenario file with its exported description (read from the source, not by running it). */
export async function listScenarios(): Promise<ScenarioEntry[]> {
  const files = (await readdir(scenarioDir)).filter((name) => name.endsWith('.ts'));
  const entries = await Promise.all(
    files.map(async (name) => {
      const file = path.join(scenarioDir, name);
      const source = await readFile(file, 'utf8');
      const description = /export const description\s*=\s*(['"`])(.*?)\1/s.exec(source)?.[2] ?? '';
      return { name: name.replace(/\.ts$/, ''), file, description };
    }),
  );
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return entries.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Pick scenarios by name; an unknown name is bad input listing the known ones. */
export function selectScenarios(all: readonly ScenarioEntry[], names: readonly string[]): ScenarioEntry[] {
  if (names.length === 0) return [...all];
  return names.map((name) => {
    const entry = all.find((candidate) => candidate.name === name);
    if (!entry) throw new BadInputError(`unknown scenario "${name}"; known: ${all.map((known) => known.name).join(', ')} (make list)`);
    return entry;
  });
}
