// The scenarios: one module each in scenarios/, whose default export is its definition (manifest and body). The
// catalog imports them for their manifests; importing one runs nothing.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BadInputError } from '../errors.ts';
import { moduleFor, repoRoot } from '../util/paths.ts';
import { areas, type Scenario, type ScenarioManifest } from './define-scenario.ts';

export interface ScenarioEntry {
  readonly name: string;
  /** Its source file. */
  readonly file: string;
  readonly manifest: ScenarioManifest;
}

export const scenarioDir = path.join(repoRoot, 'scenarios');

/** Every scenario in catalog order: area by area (machine, kexec, luo, device, upstream), by name within one. */
export async function listScenarios(): Promise<ScenarioEntry[]> {
  const files = (await readdir(scenarioDir)).filter((name) => name.endsWith('.ts')).map((name) => path.join(scenarioDir, name));
  const entries = await Promise.all(files.map(loadScenario));
  return entries.sort((a, b) => areas.indexOf(a.manifest.area) - areas.indexOf(b.manifest.area) || a.name.localeCompare(b.name));
}

async function loadScenario(file: string): Promise<ScenarioEntry> {
  const name = path.basename(file, '.ts');
  const { default: scenario } = (await import(pathToFileURL(moduleFor(file)).href)) as { default?: Scenario };
  // A harness bug, not bad input: every scenario module must define the scenario its file is named for.
  if (scenario?.manifest.name !== name) throw new Error(`${file} must export default defineScenario({ manifest: { name: '${name}', ... }, run })`);
  return { name, file, manifest: scenario.manifest };
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
