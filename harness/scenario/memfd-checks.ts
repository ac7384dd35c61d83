// Memfd scenarios' shared steps: boot gated on memfd preservation, and one verdict per preserved memfd.
import type { Test } from 'tap';
import { formatSize, type MemfdSpec } from '../checks/pattern.ts';
import { liveUpdateCapabilities } from '../checks/capabilities.ts';
import type { LiveGuest } from '../guest/live-guest.ts';
import type { LuoAgent, VerifyResult } from '../guest/luo-agent.ts';
import { gate } from './gate.ts';
import type { ScenarioSession } from './run-scenario.ts';
import { describeLuoErrors } from '../guest/luo-agent-output.ts';

/** Assert every memfd of every spec came back intact; returns the number of bytes verified. */
export function assertMemfdsIntact(t: Test, specs: readonly MemfdSpec[], result: VerifyResult): number {
  let bytes = 0;
  for (const spec of specs) {
    for (const entry of spec.entries) {
      const label = `${spec.session}/${entry.token} ${entry.kind} seed ${entry.seed} ${formatSize(entry.size)}`;
      const verified = result.verified.find((event) => event.session === spec.session && event.token === entry.token);
      if (!verified) {
        t.fail(`${label}: not retrieved (${describeLuoErrors(result.events).join('; ') || 'no error reported'})`);
        continue;
      }
      bytes += verified.bytesChecked;
      const problems: string[] = [];
      if (!verified.sizeOk) problems.push(`size ${verified.sizeFound}, expected ${verified.size}`);
      if (!verified.sealsOk) problems.push(`seals [${verified.seals.join(',')}], expected [${verified.sealsExpected.join(',')}]`);
      if (!verified.positionOk) problems.push(`file position not ${verified.position}`);
      if (verified.mismatch) {
        const where = verified.mismatch.foundLooksLikeOffset === undefined ? '' : ` (data from offset 0x${verified.mismatch.foundLooksLikeOffset.toString(16)})`;
        problems.push(
          `${verified.badBytes} bytes differ, first at 0x${verified.mismatch.firstBadOffset.toString(16)}: expected 0x${verified.mismatch.expected.toString(16)}, found 0x${verified.mismatch.found.toString(16)}${where}`,
        );
      }
      t.ok(verified.ok && problems.length === 0, `${label}: ${verified.ok ? `${verified.bytesChecked} bytes, size, seals and position intact` : problems.join('; ')}`);
    }
  }
  return bytes;
}

/** Boot and probe; when the kernel cannot preserve memfds, record a skip (lacks it) or failure (broken) and return undefined. */
export async function bootForMemfdPreservation(t: Test, session: ScenarioSession, check: string): Promise<{ guest: LiveGuest; agent: LuoAgent } | undefined> {
  const guest = await session.boot();
  const agent = guest.luo;
  const capabilities = liveUpdateCapabilities(await agent.probe(), session.context.kernel.options);
  session.facts.capabilities = capabilities;
  return gate(t, capabilities.memfd, check) ? { guest, agent } : undefined;
}
