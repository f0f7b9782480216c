# The README's commands.  CMake does the building; this file only names
# the steps and installs what a fresh Debian machine lacks.

PRESET ?= default
BUILD := build/$(PRESET)
# Debian packages the build and the tests need.
DEPS := cmake ninja-build gcc clang pkg-config libbsd-dev libcmocka-dev \
	man-db patch libatf-dev kyua graphviz zlib1g-dev python3

.PHONY: all build demo test planted mutate deps clean install package \
	linux-differences

all: build

# Install missing packages when we can (root with apt-get); otherwise name
# them and stop.
deps:
	@missing=""; \
	for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing:$$missing"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			    $$missing >/dev/null || exit 1; \
		else \
			echo "missing Debian packages:$$missing"; \
			echo "install them with: sudo apt-get install$$missing"; \
			exit 1; \
		fi; \
	fi

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build $(BUILD)

# The table of docs/linux-differences.md: shmsim diff over the scenario
# suite on this machine (the scenarios without par blocks, whose answers
# depend on the schedule), written between the page's table markers.
LD_SCENARIOS = $(shell grep -L '^par' tests/scenarios/*.shm) \
	tests/scenarios/posix/*.shm
linux-differences: build
	./$(BUILD)/shmsim diff --markdown $(LD_SCENARIOS) \
	    >$(BUILD)/linux-differences.table || test $$? = 1
	awk -v t=$(BUILD)/linux-differences.table \
	    '/^<!-- table: begin/ { print; while ((getline l < t) > 0) print l; skip = 1; next } \
	     /^<!-- table: end/ { skip = 0 } !skip' \
	    docs/linux-differences.md >$(BUILD)/linux-differences.md
	mv $(BUILD)/linux-differences.md docs/linux-differences.md

# Only what the demo needs: the shmsim command (not the whole suite).
demo: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build $(BUILD) --target shmsim-cli
	./$(BUILD)/shmsim demo

# CTEST_ARGS are passed on (.ci/run: --output-junit FILE).
CTEST_ARGS ?=

test: build
	ctest --preset $(PRESET) $(CTEST_ARGS)

# Planted defects (docs/planted-bugs.md): every tests/planted/*.patch, a
# faulty kernel commit, applied to a copy of src/ in the build; the suite
# runs against each variant and must catch every one.  Prints caught /
# total and the test that caught each; fails below 100 %.  PLANTED_ARGS
# are passed on (--full: the whole suite against every variant; names).
PLANTED_ARGS ?=

planted: build
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) python3"
	python3 tests/planted/run_planted.py --build $(BUILD) $(PLANTED_ARGS)

# Coverage of src/ (gcc --coverage -O0, gcovr): configure and build the
# coverage preset, zero the counters (they accumulate), run the whole
# ctest suite, then write the report ($(COV_BUILD)/coverage/index.html,
# summary printed) and apply the gate: at least 90 % of the lines and 75 %
# of the branches of src/ (cmake/coverage.cmake).
COV_BUILD ?= build/coverage

.PHONY: coverage
coverage:
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) gcovr"
	cmake --preset coverage -B $(COV_BUILD) >/dev/null
	cmake --build $(COV_BUILD)
	find $(COV_BUILD) -name '*.gcda' -delete
	ctest --test-dir $(COV_BUILD) --output-on-failure --no-tests=error -j2
	cmake --build $(COV_BUILD) --target coverage_report
	cmake --build $(COV_BUILD) --target coverage_check

# Mutation testing of the kernel files (docs/mutation.md,
# tools/mutate/README.md): each generic mutant alone in a scratch copy of
# the tree (build/mutate/tree), rebuilt and run against the suite; the
# results accumulate in build/mutate/results.jsonl (a run resumes where
# the last stopped), then the score per file and the survivors are
# printed.  All of the kernel files' mutants take hours on two cores:
# sample with MUTATE_ARGS, e.g.
#   make mutate MUTATE_ARGS="--sample 100 --seed 1"
#   make mutate MUTATE_ARGS="--file shm_io.c --op ror"
MUTATE_ARGS ?=

.PHONY: mutate
mutate:
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) python3"
	nice -n 19 python3 tools/mutate/mutate.py run $(MUTATE_ARGS)
	python3 tools/mutate/mutate.py report $(MUTATE_ARGS)

# Benchmark (docs/performance.md): shmsim against the host kernel's POSIX
# shm, built with the release preset.  Not a test: it prints medians and
# ratios and asserts nothing.  BENCH_ARGS are passed on (--rounds N,
# --scale F, --only WORD, --no-1m, --no-fuzz, --verbose).  Then the
# explorer's schedules per second (docs/concurrency.md).
BENCH_BUILD := build/release
BENCH_ARGS ?=

.PHONY: bench
bench:
	@$(MAKE) --no-print-directory deps
	cmake --preset release >/dev/null
	cmake --build $(BENCH_BUILD) --target shmsim_bench shmsim_explore_bench
	-cmake --build $(BENCH_BUILD) --target fuzz_syscalls_replay
	./$(BENCH_BUILD)/bench/shmsim_bench $(BENCH_ARGS)
	./$(BENCH_BUILD)/bench/shmsim_explore_bench

clean:
	rm -rf build

# Install the library, headers, command, man pages, pkg-config and CMake
# package files under PREFIX (a Release build of its own).
PREFIX ?= /usr/local
INSTALL_BUILD := build/release
INSTALL_TARGETS := shmsim_shared shmsim_static shmsim-cli

install:
	@$(MAKE) --no-print-directory deps
	cmake --preset release >/dev/null
	cmake --build $(INSTALL_BUILD) --target $(INSTALL_TARGETS)
	cmake --install $(INSTALL_BUILD) --prefix "$(PREFIX)"

# The Debian packages shmsim_X.Y.Z_ARCH.deb and shmsim-dev_X.Y.Z_ARCH.deb
# (CPack), from the same Release build, into build/packages/.
package:
	@$(MAKE) --no-print-directory deps
	cmake --preset release >/dev/null
	cmake --build $(INSTALL_BUILD) --target $(INSTALL_TARGETS)
	cpack --config $(INSTALL_BUILD)/CPackConfig.cmake -B build/packages
	@ls build/packages/*.deb

# Pictures of the demo's states for docs/tutorial.md: one Graphviz digraph
# per dump (and one for a scenario's end state when it has no dump), split
# into docs/pictures/demo-N.dot and rendered to docs/pictures/demo-N.svg.
PICTURES := docs/pictures
# ... and the step-by-step pages (shmsim run --html) of the demo and of
# the tutorial's scenarios (tests/html/first.shm, race.shm) into
# docs/pages/.
PAGES := docs/pages

.PHONY: pictures
pictures:
	@$(MAKE) --no-print-directory build
	./$(BUILD)/shmsim demo --dot $(BUILD)/demo.dot >/dev/null
	mkdir -p $(PICTURES)
	rm -f $(PICTURES)/demo-*.dot $(PICTURES)/demo-*.svg
	awk -v dir=$(PICTURES) \
	    '/^digraph /{ if (f != "") close(f); f = sprintf("%s/demo-%d.dot", dir, ++n) } \
	    f != "" { print > f }' $(BUILD)/demo.dot
	for f in $(PICTURES)/demo-*.dot; do \
		dot -Tsvg "$$f" -o "$${f%.dot}.svg" || exit 1; \
	done
	@ls $(PICTURES)/demo-*.svg
	mkdir -p $(PAGES)
	./$(BUILD)/shmsim demo --html $(PAGES) >/dev/null
	./$(BUILD)/shmsim run --html $(PAGES)/first.html tests/html/first.shm >/dev/null
	./$(BUILD)/shmsim run --html $(PAGES)/race.html tests/html/race.shm >/dev/null
	@# The race replayed: the first failing schedule in which a thread
	@# blocks on a lock the other holds.
	for t in $$(./$(BUILD)/shmsim explore --quiet tests/html/race.shm | \
	    sed -n 's/.*(token \([0-9]-[^)]*\)).*/\1/p'); do \
		if ./$(BUILD)/shmsim explore --quiet --replay "$$t" \
		    tests/html/race.shm | grep -q -- ' -- blocked at '; then \
			./$(BUILD)/shmsim explore --quiet --replay "$$t" \
			    --html $(PAGES)/race-replay.html tests/html/race.shm \
			    >/dev/null; \
			break; \
		fi; \
	done
	test -s $(PAGES)/race-replay.html
	@ls $(PAGES)/*.html

# Fuzzing (docs/fuzzing.md): build the three libFuzzer targets with the
# fuzz preset (clang, ASan + UBSan) in $(FUZZ_BUILD), then run them all
# at once, each for FUZZ_TIME seconds, as separate processes.  New inputs
# go to $(FUZZ_ARTIFACTS)/TARGET/corpus, crashes to $(FUZZ_ARTIFACTS)/
# TARGET/ (crash-*, leak-*, timeout-*, oom-*), the log to .../fuzz.log.
# Exit status 1 when any target found something in this run; reproduce with
#   ./$(FUZZ_BUILD)/fuzz/fuzz_TARGET FILE
#   ./build/default/shmsim decode TARGET FILE
# FUZZ_PRESET=fuzz-fast: UBSan in trap mode, INVARIANTS and the auditor,
# no ASan -- several times the inputs per second (docs/fuzzing.md, "Speed").
FUZZ_TIME ?= 60
# One input may take at most FUZZ_TIMEOUT seconds and the process at most
# FUZZ_RSS_MB MiB (libFuzzer's -timeout, default 1200 s, and
# -rss_limit_mb): a slower or larger input is a finding (timeout-*,
# oom-*).  The scenario parser's limits keep every input well inside.
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
# libFuzzer's entropic scheduling stays on, with a smaller rare-feature
# list: a feature counts as rare until seen 32 times (default 255).
# libFuzzer 14 (clang 14, the CI compiler) searches that list linearly for
# every feature of every input: half of all instructions while the seeds
# load (callgrind); coverage, the sanitizers and the auditor are untouched
# (docs/fuzzing.md, "Speed (issue 19)").  FUZZ_ENTROPIC= for the default.
FUZZ_ENTROPIC ?= -entropic_feature_frequency_threshold=32
FUZZ_PRESET ?= fuzz
FUZZ_BUILD ?= build/$(FUZZ_PRESET)
FUZZ_ARTIFACTS ?= build/fuzz-artifacts
FUZZ_TARGETS := names syscalls scenario

.PHONY: fuzz
fuzz:
	@$(MAKE) --no-print-directory deps
	cmake --preset $(FUZZ_PRESET) -B $(FUZZ_BUILD) >/dev/null
	cmake --build $(FUZZ_BUILD) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@pids=""; \
	for t in $(FUZZ_TARGETS); do \
		d=$(FUZZ_ARTIFACTS)/$$t; mkdir -p $$d/corpus; touch $$d/.start; \
		seeds=fuzz/corpus/$$t; \
		[ -d fuzz/regress/$$t ] && seeds="$$seeds fuzz/regress/$$t"; \
		echo "fuzz_$$t: $(FUZZ_TIME) s, log in $$d/fuzz.log"; \
		./$(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
		    -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
		    -print_final_stats=1 -dict=fuzz/$$t.dict $(FUZZ_ENTROPIC) \
		    -artifact_prefix=$$d/ $$d/corpus $$seeds \
		    >$$d/fuzz.log 2>&1 & pids="$$pids $$!"; \
	done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	for t in $(FUZZ_TARGETS); do \
		d=$(FUZZ_ARTIFACTS)/$$t; \
		printf '%-9s %s\n' $$t "$$(grep -E '^#[0-9]+[[:space:]]+DONE' $$d/fuzz.log | tail -n 1)"; \
		for a in $$(find $$d -maxdepth 1 -newer $$d/.start \
		    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		    -o -name 'oom-*' \)); do \
			echo "  found: $$a"; rc=1; \
		done; \
	done; \
	exit $$rc
