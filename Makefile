# The README's commands.  CMake does the building; this file only names
# the steps and installs what a fresh Debian machine lacks.

PRESET ?= default
BUILD := build/$(PRESET)
# Debian packages the build and the tests need.
DEPS := cmake ninja-build gcc clang pkg-config libbsd-dev libcmocka-dev \
	man-db patch

.PHONY: all build demo test deps clean install package

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

demo: build
	./$(BUILD)/shmsim demo

test: build
	ctest --preset $(PRESET)

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

.PHONY: pictures
pictures:
	@$(MAKE) --no-print-directory deps DEPS="$(DEPS) graphviz"
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

# Fuzzing (docs/fuzzing.md): build the three libFuzzer targets with the
# fuzz preset (clang, ASan + UBSan) in $(FUZZ_BUILD), then run them all
# at once, each for FUZZ_TIME seconds, as separate processes.  New inputs
# go to $(FUZZ_ARTIFACTS)/TARGET/corpus, crashes to $(FUZZ_ARTIFACTS)/
# TARGET/ (crash-*, leak-*, timeout-*, oom-*), the log to .../fuzz.log.
# Exit status 1 when any target found something in this run; reproduce with
#   ./$(FUZZ_BUILD)/fuzz/fuzz_TARGET FILE
#   ./build/default/shmsim decode TARGET FILE
FUZZ_TIME ?= 60
FUZZ_BUILD ?= build/fuzz
FUZZ_ARTIFACTS ?= build/fuzz-artifacts
FUZZ_TARGETS := names syscalls scenario

.PHONY: fuzz
fuzz:
	@$(MAKE) --no-print-directory deps
	cmake --preset fuzz -B $(FUZZ_BUILD) >/dev/null
	cmake --build $(FUZZ_BUILD) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@pids=""; \
	for t in $(FUZZ_TARGETS); do \
		d=$(FUZZ_ARTIFACTS)/$$t; mkdir -p $$d/corpus; touch $$d/.start; \
		seeds=fuzz/corpus/$$t; \
		[ -d fuzz/regress/$$t ] && seeds="$$seeds fuzz/regress/$$t"; \
		echo "fuzz_$$t: $(FUZZ_TIME) s, log in $$d/fuzz.log"; \
		./$(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
		    -print_final_stats=1 -dict=fuzz/$$t.dict \
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
