import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { readRunFolder } from '../../harness/report/run-folder.ts';

t.test("a helper's JSON-lines file: its records, and the lines that are none kept with their number and why", async (t) => {
  const dir = t.testdir({ 'summary.json': JSON.stringify({ runId: 'run-1', scenarios: [{ name: 'vfio-edu' }] }) });
  await mkdir(path.join(dir, 'vfio-edu', 'vfio-edu'), { recursive: true });
  await writeFile(path.join(dir, 'vfio-edu', 'vfio-edu', 'gen0-dma.jsonl'), '{"event":"dma","ok":true}\nvfio: chatter\n{"ok":false}\n');
  const [folder] = (await readRunFolder(dir)).scenarios;
  t.same(folder?.events, [
    {
      file: 'vfio-edu/vfio-edu/gen0-dma.jsonl',
      events: [{ event: 'dma', ok: true }],
      unreadable: [
        { line: 2, text: 'vfio: chatter', why: folder?.events[0]?.unreadable[0]?.why },
        { line: 3, text: '{"ok":false}', why: 'no string "event" field' },
      ],
    },
  ]);
  t.match(folder?.events[0]?.unreadable[0]?.why, /^not JSON \(/);
});
