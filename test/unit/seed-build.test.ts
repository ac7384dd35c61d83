// A seeded build folder: the host tools' command files name the new tree (else all of objtool recompiles), with
// their times kept; the kernel's own files are copied as they are.
import { mkdir, mkdtemp, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { seedBuildFolder } from '../../images/kernel/seed-build.ts';

t.test("objtool's command files move to the new tree; times and the kernel's relative files are kept", async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'seed-build-'));
  t.teardown(() => execa('rm', ['-rf', root]));
  const fromTree = path.join(root, 'src', 'linux');
  const toTree = path.join(root, 'patched', 'linux');
  const fromBuild = path.join(fromTree, 'luo-build-0123');
  const toBuild = path.join(toTree, 'luo-build-0123');
  await mkdir(path.join(fromBuild, 'tools', 'objtool', 'libsubcmd'), { recursive: true });
  await mkdir(path.join(fromBuild, 'mm'), { recursive: true });
  const command = (tree: string) => `cmd_${tree}/luo-build-0123/tools/objtool/check.o := gcc -I${tree}/tools/include -c ${tree}/tools/objtool/check.c\n`;
  const toolCmd = path.join('tools', 'objtool', '.check.o.cmd');
  const nestedCmd = path.join('tools', 'objtool', 'libsubcmd', '.help.o.cmd');
  const kernelCmd = path.join('mm', '.memfd_luo.o.cmd');
  await writeFile(path.join(fromBuild, toolCmd), command(fromTree));
  await writeFile(path.join(fromBuild, nestedCmd), `deps := ${fromTree}/tools/lib/subcmd/help.c\n`);
  await writeFile(path.join(fromBuild, kernelCmd), 'cmd_mm/memfd_luo.o := gcc -I../include -c ../mm/memfd_luo.c\n');
  const built = new Date('2026-11-30T12:00:00Z');
  for (const file of [toolCmd, nestedCmd, kernelCmd]) await utimes(path.join(fromBuild, file), built, built);
  // The patched tree: a git tree whose base commit is the source (as patchedKernelSource makes it).
  await mkdir(toTree, { recursive: true });
  await execa('git', ['-C', toTree, 'init', '-q']);
  await execa('git', ['-C', toTree, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'base']);

  await seedBuildFolder(fromTree, fromBuild, toTree, toBuild);

  t.equal(await readFile(path.join(toBuild, toolCmd), 'utf8'), command(toTree), 'the command names the new tree: objtool is up to date there');
  t.equal(await readFile(path.join(toBuild, nestedCmd), 'utf8'), `deps := ${toTree}/tools/lib/subcmd/help.c\n`, 'nested tool folders too');
  t.equal(await readFile(path.join(toBuild, kernelCmd), 'utf8'), 'cmd_mm/memfd_luo.o := gcc -I../include -c ../mm/memfd_luo.c\n');
  for (const file of [toolCmd, nestedCmd, kernelCmd]) {
    t.equal((await stat(path.join(toBuild, file))).mtimeMs, built.getTime(), `${file} keeps its time`);
  }
  t.equal(await readFile(path.join(fromBuild, toolCmd), 'utf8'), command(fromTree), 'the seed is untouched');
});
