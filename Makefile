# Reticle: `make demo` and `make test` are all a new user needs.
SWIFT ?= swift
# Tests run optimised: the CNN and image kernels are 10-100x slower in debug builds.
TEST_FLAGS = -c release -Xswiftc -enable-testing
DEMO_OUT ?= demo-out

.PHONY: setup build release demo test test-cluster bench robustness clean

setup:
	@scripts/setup

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

test: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing

# `make test` skips the Snakemake workflow test when .venv-snakemake is absent; this installs
# Snakemake there first and runs that test.
test-cluster: setup
	scripts/setup --snakemake
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing --filter ClusterWorkflowCLITests

demo: release
	scripts/demo $(DEMO_OUT)

bench: release
	scripts/bench-compare

# Damaged copies of ../shared/corpus and fixtures/ through inspect and grainsize: crashes and hangs.
robustness: release
	scripts/robustness $(ROBUSTNESS_FLAGS)

clean:
	rm -rf .build $(DEMO_OUT)
