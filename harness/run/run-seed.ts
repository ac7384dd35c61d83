// The run seed: every scenario derives its pattern and DMA seeds from it, and repro.json keeps it for a rerun.
import { randomBytes } from 'node:crypto';

/** A fresh run seed: 16 hex digits. */
export function newSeed(): string {
  return randomBytes(8).toString('hex');
}
