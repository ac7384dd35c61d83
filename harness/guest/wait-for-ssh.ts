// Wait until the guest accepts SSH, retrying refused connections, within the caller's deadline.
import pRetry, { AbortError } from 'p-retry';
import { GuestError } from '../errors.ts';
import { GuestConnection, type SshTarget } from './ssh.ts';

/** Connect to the guest, retrying while sshd is not up yet; a wrong host key is final. */
export async function waitForSsh(target: SshTarget, signal: AbortSignal): Promise<GuestConnection> {
  return pRetry(
    async () => {
      try {
        return await GuestConnection.connect(target, 10_000, signal);
      } catch (error) {
        if (error instanceof GuestError) throw new AbortError(error);
        throw error;
      }
    },
    { retries: 1000, minTimeout: 100, maxTimeout: 1000, factor: 1.5, signal },
  );
}
