// The seeds the guest helpers get derive from the run seed: the same run seed (REPRO=) gives the same DMA and
// in-flight patterns, another gives others. Driven through VfioEdu with a recorded helper output.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { VfioEdu } from '../../harness/guest/vfio-edu.ts';
import { repoRoot } from '../../harness/util/paths.ts';
import { ReplayingGuest } from '../support/replaying-guest.ts';

const recorded = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'vfio-edu', 'dma-cdev.jsonl'), 'utf8');

/** The commands a VfioEdu issues for two DMAs, in a guest whose run seed is `seed`. */
async function commandsFor(seed: string): Promise<{ commands: string[]; seeds: Record<string, number> }> {
  const guest = new ReplayingGuest({ stdout: recorded, seed });
  const vfio = new VfioEdu(guest, () => Promise.resolve());
  await vfio.dma('0000:00:05.0', 0x1_0000_0000n);
  await vfio.dma('0000:00:05.0', 0x1000_0000n);
  return { commands: guest.commands, seeds: vfio.seeds };
}

t.test('DMA seeds come from the run seed', async (t) => {
  const first = await commandsFor('0123456789abcdef');
  const again = await commandsFor('0123456789abcdef');
  const other = await commandsFor('fedcba9876543210');
  t.same(again.commands, first.commands, 'the same run seed: the same helper commands, seeds included');
  t.same(again.seeds, first.seeds, 'and the same seeds recorded for repro.json');
  t.equal(Object.keys(first.seeds).length, 2, 'one seed per step');
  t.not(first.commands[0], first.commands[1], 'each step gets its own seed');
  t.match(first.commands[0], /--seed \d+/);
  t.not(other.commands[0], first.commands[0], 'another run seed: other seeds');
});
