// The one entry point: run, list, doctor, images, setup, shell, report, bench. Exactly one top-level catch maps errors to exit codes.
import { holdRunningBundle } from './bundle/hold-bundle.ts';
import { defaultQemu, parseOptions, type Options } from './config/options.ts';
import { ExitCode, HarnessError } from './errors.ts';
import { listScenarios, selectScenarios } from './scenario/catalog.ts';
import { doctorReport } from './setup/doctor.ts';
import { ensureHostPackages } from './setup/host-packages.ts';
import { ensureQemuWithIgb } from './setup/backports-qemu.ts';
import { prepareRun } from './run/prepare.ts';
import { runScenarios } from './run/run-scenarios.ts';
import { printReport } from './run/report.ts';
import { runShell } from './run/shell.ts';
import { shardOf } from './run/shard.ts';
import { cacheRoot } from './util/paths.ts';

async function main(options: Options): Promise<number> {
  const cache = cacheRoot();
  await holdRunningBundle();
  switch (options.command) {
    case 'list': {
      // With S= and SHARD=, exactly what `make scenario` would run: a CI shard can show its part.
      const selected = selectScenarios(await listScenarios(), options.scenarios);
      for (const scenario of options.shard ? shardOf(selected, options.shard) : selected) {
        process.stdout.write(`${scenario.name.padEnd(14)} ${scenario.manifest.description}\n`);
      }
      return ExitCode.pass;
    }
    case 'doctor':
      process.stdout.write(`${await doctorReport(options.qemu, options.accel, cache)}\n`);
      return ExitCode.pass;
    case 'setup':
      await ensureHostPackages();
      if (options.qemu === defaultQemu) await ensureQemuWithIgb(cache);
      return ExitCode.pass;
    case 'images': {
      // What `make scenario` with the same S= would prepare, the mismatch kernel included.
      const prepared = await prepareRun(options, cache, selectScenarios(await listScenarios(), options.scenarios).map((entry) => entry.manifest.needs ?? {}));
      const mismatch = prepared.mismatchKernel ? `mismatch kernel ${prepared.mismatchKernel.bzImage}\n` : '';
      process.stdout.write(`kernel ${prepared.kernel.bzImage}\ninitramfs ${prepared.image.initramfs}\n${mismatch}`);
      return ExitCode.pass;
    }
    case 'bench': {
      const { runBenchmark } = await import('./bench/benchmark.ts');
      return runBenchmark(options, cache);
    }
    case 'matrix': {
      const { runMatrix } = await import('./matrix/run-matrix.ts');
      return runMatrix(options, cache);
    }
    case 'report':
      return printReport(options);
    case 'shell':
      return runShell(options, cache);
    case 'run':
      return runScenarios(options, cache);
  }
}

try {
  process.exitCode = await main(parseOptions(process.argv.slice(2), process.env));
} catch (error) {
  if (error instanceof HarnessError) {
    process.stderr.write(`luo-harness: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`luo-harness: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.couldNotTest;
  }
}
