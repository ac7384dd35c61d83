// The default source's version: asked of apt-cache once per refresh of the package lists, kept beside their stamp.
import { chmod, mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { candidateVersion } from '../../harness/setup/private-apt.ts';

t.test('apt-cache is asked again only when the lists are newer than its last answer', async (t) => {
  const aptDir = await mkdtemp(path.join(tmpdir(), 'debian-candidate-'));
  t.teardown(() => execa('rm', ['-rf', aptDir]));
  // A stand-in apt-cache on PATH that counts its calls and answers what the test says.
  const calls = path.join(aptDir, 'calls');
  const answer = path.join(aptDir, 'answer');
  await writeFile(path.join(aptDir, 'apt-cache'), `#!/bin/sh\necho x >> '${calls}'\necho "  Candidate: $(cat '${answer}')"\n`);
  await chmod(path.join(aptDir, 'apt-cache'), 0o755);
  const savedPath = process.env.PATH;
  process.env.PATH = `${aptDir}:${savedPath ?? ''}`;
  t.teardown(() => {
    process.env.PATH = savedPath;
  });
  const stamp = path.join(aptDir, 'updated');
  const ask = () => candidateVersion([], 'linux-source-7.3', aptDir, stamp);
  const callCount = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  // Times in the past, set explicitly: "the lists were refreshed after the kept answer" without waiting.
  const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);
  const refreshLists = async () => {
    await utimes(path.join(aptDir, 'candidate-linux-source-7.3'), secondsAgo(200), secondsAgo(200));
    await utimes(stamp, secondsAgo(100), secondsAgo(100));
  };

  await writeFile(stamp, 'lists refreshed');
  await utimes(stamp, secondsAgo(300), secondsAgo(300));
  await writeFile(answer, '7.3.4-1~bpo13+1');
  t.equal(await ask(), '7.3.4-1~bpo13+1', "the first answer is apt-cache's");
  await writeFile(answer, '7.3.5-1~bpo13+1');
  t.equal(await ask(), '7.3.4-1~bpo13+1', 'the lists did not change: the kept answer');
  t.equal(await callCount(), 1, 'apt-cache ran once');

  await refreshLists();
  t.equal(await ask(), '7.3.5-1~bpo13+1', 'refreshed lists: apt-cache is asked again');
  t.equal(await ask(), '7.3.5-1~bpo13+1', 'and its new answer kept');
  t.equal(await callCount(), 2);

  await refreshLists();
  await writeFile(answer, '(none)');
  t.equal(await ask(), undefined, 'no candidate: no version');
  t.equal(await ask(), undefined);
  t.equal(await callCount(), 4, 'and nothing kept: apt-cache is asked every time');
});
