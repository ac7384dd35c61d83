// The import graph of the repository's TypeScript files and the cycles in it: files that reach themselves through
// what they import. Type-only imports count: they tie two files' designs together as much as a value import does.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/** Each file (a path relative to the root, with `/`) and the files it imports, sorted. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** The relative specifiers a source imports or re-exports: `import`, `import type`, `export ... from`, `import()`. */
export function relativeImports(source: string): string[] {
  // TypeScript's own pre-processor rather than a regex: it skips comments and strings that merely look like imports.
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((file) => file.fileName).filter((name) => name.startsWith('.'));
}

/** The graph of every .ts file under `folders` of `root`; imports of files outside those folders are left out. */
export async function importGraph(root: string, folders: readonly string[]): Promise<ImportGraph> {
  const files = (await Promise.all(folders.map((folder) => tsFilesUnder(root, folder)))).flat().sort();
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeImports(await readFile(path.join(root, file), 'utf8')).map((specifier) => path.posix.join(path.posix.dirname(file), specifier));
    graph.set(file, [...new Set(targets.filter((target) => known.has(target)))].sort());
  }
  return graph;
}

async function tsFilesUnder(root: string, folder: string): Promise<string[]> {
  const entries = await readdir(path.join(root, folder), { recursive: true });
  return entries.filter((entry) => entry.endsWith('.ts')).map((entry) => path.posix.join(folder, entry.split(path.sep).join('/')));
}

/**
 * Every elementary cycle, each as its files in import order from its least file (so each is named once), in order.
 * Paths are walked only inside strongly connected components: outside them no cycle exists, and the number of
 * paths through an acyclic graph of a hundred files is what would make a plain search slow.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component);
    for (const start of [...component].sort()) {
      const walk = (trail: string[]) => {
        for (const next of graph.get(trail.at(-1) ?? start) ?? []) {
          if (next === start) cycles.push([...trail]);
          else if (members.has(next) && next > start && !trail.includes(next)) walk([...trail, next]);
        }
      };
      walk([start]);
    }
  }
  return cycles.sort((a, b) => a.join('\n').localeCompare(b.join('\n')));
}

/** "a.ts -> b.ts -> a.ts": a cycle as a reader follows it. */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]].join(' -> ');
}

/** Tarjan's strongly connected components, each as its files. */
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    lowest.set(file, index.size - 1);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowest.set(file, Math.min(lowest.get(file) ?? 0, lowest.get(next) ?? 0));
      } else if (stack.includes(next)) {
        lowest.set(file, Math.min(lowest.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowest.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member !== undefined) component.push(member);
    } while (member !== undefined && member !== file);
    components.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return components;
}
