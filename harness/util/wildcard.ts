// The one pattern language of the harness's own files (EXPECT= kernels, manifests' check ids): `*` stands for any
// run of characters, everything else for itself.

/** Whether `text` matches `pattern` whole. */
export function wildcardMatches(pattern: string, text: string): boolean {
  const regex = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${regex}$`).test(text);
}
