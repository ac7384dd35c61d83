// A bzImage built elsewhere (KERNEL=, NEXT_KERNEL=): checked before anything boots, with uAPI headers for the guest
// helpers taken from the default Debian source (no kernel build needed).
import { access, constants, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { BadInputError, InfrastructureError } from '../../harness/errors.ts';
import { progress } from '../../harness/util/log.ts';
import { debianKernelSource } from './debian-source.ts';
import { findConfigBeside, missingOptions, readKernelConfig, type KernelConfig } from './kernel-config.ts';
import type { KernelUnderTest } from './kernel-under-test.ts';
import { bzImageRelease } from './kernel-release.ts';
import { defaultKernelPackage } from './recipe.ts';

/** A prebuilt kernel is a kernel under test with no source, patches or build of the harness's. */
export type PrebuiltKernel = Omit<KernelUnderTest, 'recipe' | 'source' | 'patches'> & { readonly origin: 'prebuilt' };

/** A prebuilt bzImage: readable, an x86 bzImage, with a config that has the LUO options; errors name `variable`. */
export async function prebuiltKernel(bzImage: string, configFile: string | undefined, cache: string, variable: string): Promise<PrebuiltKernel> {
  const file = path.resolve(bzImage);
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new BadInputError(`${variable}=${bzImage} is not a readable file; pass the path of a bzImage (arch/x86/boot/bzImage)`);
  }
  const release = await bzImageRelease(file);
  if (!release) throw new BadInputError(`${variable}=${bzImage} is not an x86 bzImage (no boot header); pass arch/x86/boot/bzImage`);
  const config = configFile ? path.resolve(configFile) : await findConfigBeside(file, release);
  if (!config) {
    throw new BadInputError(`${variable}=${bzImage} has no .config or config-${release} beside it; pass CONFIG=<its .config>`);
  }
  let parsed: KernelConfig;
  try {
    parsed = await readKernelConfig(config);
  } catch {
    throw new BadInputError(`CONFIG=${config} is not readable; pass the kernel's .config`);
  }
  if (parsed.size === 0) throw new BadInputError(`CONFIG=${config} holds no CONFIG_ lines; pass the kernel's .config`);
  const missing = missingOptions(parsed);
  if (missing.length > 0) {
    throw new BadInputError(
      `${variable}=${bzImage} lacks ${missing.map((name) => `CONFIG_${name}`).join(', ')} (per ${config}); rebuild with images/kernel/luo.config merged`,
    );
  }
  const headers = await defaultHeaders(cache);
  return { bzImage: file, release, identity: `prebuilt:${file}@${release}`, config: parsed, headers: headers.dir, headersIdentity: headers.identity, origin: 'prebuilt', buildMs: 0 };
}

/** headers_install of the default Debian source, cached by its identity. */
async function defaultHeaders(cache: string): Promise<{ dir: string; identity: string }> {
  const source = await debianKernelSource(cache, defaultKernelPackage, "a prebuilt kernel's uAPI headers");
  const entry = await cacheEntry({
    folder: path.join(cache, 'headers'),
    key: source.identity.replace(/[^\w.=-]/g, '_'),
    what: `uAPI headers of ${source.identity}`,
    keep: 2,
    waitMs: 10 * 60_000,
    build: async (dir) => {
      progress(`installing uAPI headers from ${source.identity}`);
      const install = await execa('make', ['-C', source.tree, `O=${path.join(dir, 'build')}`, 'headers_install', `INSTALL_HDR_PATH=${dir}`], { reject: false, all: true });
      if (install.exitCode !== 0) throw new InfrastructureError(`headers_install from ${source.tree} failed:\n${install.all ?? ''}`);
      await rm(path.join(dir, 'build'), { recursive: true, force: true });
    },
  });
  return { dir: path.join(entry.dir, 'include'), identity: source.identity };
}
