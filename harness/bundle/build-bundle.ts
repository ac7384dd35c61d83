// The harness as plain JavaScript, bundled by esbuild: Node starts the CLI and every scenario process from it without
// the TypeScript loader. Each bundle is a cache entry keyed by the sources, and `current` names the newest: a run
// keeps the bundle it started with while another run, after an edit, builds and switches to a new one.
//   node --import tsx harness/bundle/build-bundle.ts   (make runs it when a source is newer than the last bundle)
import { readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { cacheEntry } from '../cache/cache-entry.ts';
import { fileExists } from '../util/file-exists.ts';
import { hashParts } from '../util/hash.ts';
import { repoRoot } from '../util/paths.ts';

/** Bump when the way the bundle is made changes. */
const recipeVersion = 'bundle-2';

/**
 * Where bundles live: in the clone, outside node_modules (npm ci replaces it whole, under running runs); `current`
 * and the stamp beside them. Each bundle carries the packages it imports, so it needs nothing of node_modules.
 */
export const bundleFolder = path.join(repoRoot, '.luo-harness-bundle');
const entriesFolder = path.join(bundleFolder, 'entries');

/** Newer than every source once `current` is their bundle. */
const bundleStamp = path.join(bundleFolder, 'complete');

/** The folders whose TypeScript the bundle holds. */
const sourceFolders = ['harness', 'scenarios', 'images'];

/** The entry points Node is started on: the CLI and each scenario process. */
function entryPoints(sources: readonly string[]): string[] {
  return sources.filter((file) => file === 'harness/cli.ts' || file === 'harness/scenario/main.ts' || /^scenarios\/[^/]+\.ts$/.test(file));
}

/** The names of the CommonJS variables that bundled CommonJS packages (ssh2, parts of tap) use, made in each of their modules. */
const commonJsNames = [
  "import { createRequire as __cjsRequire } from 'node:module';",
  "import { fileURLToPath as __cjsPath } from 'node:url';",
  "import { dirname as __cjsDir } from 'node:path';",
  'const require = __cjsRequire(import.meta.url);',
  'const __filename = __cjsPath(import.meta.url);',
  'const __dirname = __cjsDir(__filename);',
].join(' ');

async function sourceFiles(): Promise<string[]> {
  const found = await Promise.all(
    sourceFolders.map(async (folder) => (await readdir(path.join(repoRoot, folder), { recursive: true })).filter((file) => file.endsWith('.ts')).map((file) => path.join(folder, file))),
  );
  return found.flat().sort();
}

/**
 * The harness's own code, with packages left as imports; then each package bundled into one file in the bundle's own
 * node_modules, where Node looks first: a scenario process loads one file per package instead of hundreds of small
 * modules. Their source maps are left out: Node would parse megabytes of them in every process for stack traces
 * into packages.
 */
async function bundleInto(dir: string, sources: readonly string[]): Promise<void> {
  const harness = await build({
    entryPoints: entryPoints(sources).map((file) => path.join(repoRoot, file)),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    outdir: dir,
    outbase: repoRoot,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    metafile: true,
  });
  // The packages the bundled code imports (not node: builtins), as esbuild left them external.
  const imported = Object.values(harness.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external && !entry.path.startsWith('node:')).map((entry) => entry.path));
  const packages = [...new Set(imported)].sort();
  await build({
    absWorkingDir: repoRoot,
    entryPoints: Object.fromEntries(packages.map((name) => [`${name}/index`, name])),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    external: ['*.node'],
    banner: { js: commonJsNames },
    outdir: path.join(dir, 'node_modules'),
    chunkNames: '.shared/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  for (const name of packages) await writeFile(path.join(dir, 'node_modules', name, 'package.json'), '{ "type": "module", "exports": "./index.mjs" }\n');
}

/** The sources as they are now, and the key of their bundle. */
async function currentSources(): Promise<{ key: string; sources: string[] }> {
  const sources = await sourceFiles();
  const texts = await Promise.all(sources.map((file) => readFile(path.join(repoRoot, file), 'utf8')));
  const lock = await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8');
  return { key: hashParts([recipeVersion, lock, ...sources.flatMap((file, index) => [file, texts[index] ?? ''])]).slice(0, 16), sources };
}

/**
 * Build (or find) the bundle of the sources as they are, and make it `current` with its stamp touched, unless the
 * sources changed meanwhile (a run after that edit builds their bundle). Returns its folder.
 */
export async function buildBundle(): Promise<string> {
  const { key, sources } = await currentSources();
  const entry = await cacheEntry({
    folder: entriesFolder,
    key,
    what: `the harness bundle ${key}`,
    // A run keeps using the bundle it started from: a few stay for runs started before the last edits.
    keep: 4,
    waitMs: 5 * 60_000,
    build: (dir) => bundleInto(dir, sources),
  });
  // Sources edited during the build are another bundle's to make; a first bundle is current whatever came after it.
  const current = path.join(bundleFolder, 'current');
  if ((await currentSources()).key !== key && (await fileExists(current))) return entry.dir;
  // Switched by rename: a run starting now sees the old bundle or the new one, never neither.
  const next = path.join(bundleFolder, `.current.${process.pid}`);
  await rm(next, { force: true });
  await symlink(path.join('entries', key), next);
  await rename(next, current);
  // What make compares the sources with.
  await writeFile(bundleStamp, `${key}\n`);
  return entry.dir;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await buildBundle();
