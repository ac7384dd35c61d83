import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { readRunFolder } from '../../harness/report/run-folder.ts';
import { saveArtifact } from '../../harness/results/artifacts.ts';

t.test('the report finds artifacts by the kind the index gives them, not by their names', async (t) => {
  const dir = t.testdir({ 'summary.json': JSON.stringify({ runId: 'run-1', scenarios: [{ name: 'vfio-edu' }] }) });
  const scenario = path.join(dir, 'vfio-edu');
  await saveArtifact(scenario, 'helper/gen0-dma.jsonl', '{"event":"dma","ok":true}\nvfio: chatter\n{"ok":false}\n', { kind: 'helper-output', helper: 'vfio-edu' });
  await saveArtifact(scenario, 'changes.txt', '0000:01:00.0\n  Command 0x0103 -> 0x0107\n', { kind: 'config-diff' });
  await saveArtifact(scenario, 'later.log', 'Linux version 2\n', { kind: 'serial-log', generation: 1 });
  await saveArtifact(scenario, 'first.log', 'Linux version 1\n', { kind: 'serial-log', generation: 0 });
  await saveArtifact(scenario, 'config/diff-kexec.txt', 'named like a diff, saved as plain evidence\n');
  // A file no index line names, and an index line naming no file: neither is taken for evidence of a kind.
  await mkdir(path.join(scenario, 'config'), { recursive: true });
  await writeFile(path.join(scenario, 'config', 'diff-kexec-2.txt'), 'not in the index\n');
  await writeFile(path.join(scenario, 'tap.txt'), 'ok 1 - x\n');
  await writeFile(path.join(scenario, 'artifacts.jsonl'), '{"file":"gone.txt","kind":"config-diff"}\n{"file":"x"}\n', { flag: 'a' });
  const [folder] = (await readRunFolder(dir)).scenarios;
  t.same(folder?.diffs, [{ file: 'vfio-edu/changes.txt', text: '0000:01:00.0\n  Command 0x0103 -> 0x0107\n' }], 'only what was saved as a diff');
  t.same(folder?.logs, { serial: ['vfio-edu/first.log', 'vfio-edu/later.log'], dmesg: [], runner: ['vfio-edu/tap.txt'] }, 'serial logs in generation order, and the runner\'s TAP');
  t.same(folder?.unreadableIndex, [{ line: 7, text: '{"file":"x"}', why: 'unknown kind undefined' }]);
  t.same(folder?.events, [
    {
      file: 'vfio-edu/helper/gen0-dma.jsonl',
      helper: 'vfio-edu',
      events: [{ event: 'dma', ok: true }],
      unreadable: [
        { line: 2, text: 'vfio: chatter', why: folder?.events[0]?.unreadable[0]?.why },
        { line: 3, text: '{"ok":false}', why: 'no string "event" field' },
      ],
    },
  ]);
  t.match(folder?.events[0]?.unreadable[0]?.why, /^not JSON \(/);
});
