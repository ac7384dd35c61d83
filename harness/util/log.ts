// Progress messages for a person: to stderr so stdout stays machine-readable (TAP).
/** Print one progress line prefixed with the harness name. */
export function progress(message: string): void {
  process.stderr.write(`luo-harness: ${message}\n`);
}
