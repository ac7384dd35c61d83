// Write results/<run-id>/index.html from the run folder's own files (so `make report` can rebuild it).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readRunFolder } from './run-folder.ts';
import { renderReport } from './render-report.ts';

/** Render and write the report; returns its path. */
export async function writeHtmlReport(runDir: string): Promise<string> {
  const file = path.join(runDir, 'index.html');
  await writeFile(file, renderReport(await readRunFolder(runDir)));
  return file;
}
