# The README's commands.  CMake does the building; this file only names
# the steps and installs what a fresh Debian machine lacks.

PRESET ?= default
BUILD := build/$(PRESET)
# Debian packages the build and the tests need.
DEPS := cmake ninja-build gcc clang pkg-config libbsd-dev libcmocka-dev

.PHONY: all build demo test deps clean

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

clean:
	rm -rf build

# Pictures of the demo's states for docs/tutorial.md: one Graphviz digraph
# per dump (and one for a scenario's end state when it has no dump), split
# into docs/pictures/demo-N.dot and rendered to docs/pictures/demo-N.svg.
PICTURES := docs/pictures

.PHONY: pictures
pictures:
	@command -v dot >/dev/null 2>&1 || { \
		echo "pictures: Graphviz 'dot' is not installed"; \
		echo "install it with: sudo apt-get install graphviz"; \
		exit 1; \
	}
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
