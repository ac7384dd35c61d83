// Quoting for words put on a shell command line (QEMU's recorded command line, guest helper calls).

/** The word as is when it is safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
