# Reticle: `make demo` and `make test` are all a new user needs.
SWIFT ?= swift
# Tests run optimised: the CNN and image kernels are 10-100x slower in debug builds.
TEST_FLAGS = -c release -Xswiftc -enable-testing
DEMO_OUT ?= demo-out

.PHONY: setup build release demo test test-kernels-asan test-cluster bench robustness fuzz-build fuzz test-asan test-tsan clean

setup:
	@scripts/setup

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# The C kernels' ASan + UBSan harness runs first (seconds); without a usable clang it prints a skip line.
test: setup
	scripts/kernels-asan --if-available
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing

# Sources/CKernels compiled with -fsanitize=address,undefined and run by Tests/KernelHarness/kernel_harness.c
# (awkward shapes against naive loops); fails when clang is missing.
test-kernels-asan:
	scripts/kernels-asan

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

# libFuzzer + AddressSanitizer build of reticle-fuzz (its own build folder), then every target
# for SECONDS seconds each (scripts/fuzz; FUZZ_TARGETS="npz las" for some).
SECONDS ?= 60
FUZZ_FLAGS = -c release --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld \
	-Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address
fuzz-build: setup
	$(SWIFT) build $(FUZZ_FLAGS) --product reticle-fuzz

fuzz: fuzz-build
	scripts/fuzz --seconds $(SECONDS) $(FUZZ_TARGETS)

# The test suite under AddressSanitizer / ThreadSanitizer, each in its own build folder.
# Both sanitizers leave fatal signals to reticle's crash guard (the crash-recovery tests plant a SIGSEGV and a
# stack overflow on purpose and check what the guard records); ASan still catches bad accesses in
# instrumented code before they fault. Leak checking is off: the Swift runtime and dcmtk keep process-lifetime
# allocations it would report.
test-asan: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests --build-path .build-asan --sanitize=address
	ASAN_OPTIONS=detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigill=0:handle_sigfpe=0 \
	  $(SWIFT) test $(TEST_FLAGS) --skip-build --build-path .build-asan --sanitize=address --disable-swift-testing

test-tsan: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests --build-path .build-tsan --sanitize=thread
	TSAN_OPTIONS=report_signal_unsafe=0:handle_segv=0:handle_sigbus=0:handle_sigill=0:handle_sigfpe=0 \
	  $(SWIFT) test $(TEST_FLAGS) --skip-build --build-path .build-tsan --sanitize=thread --disable-swift-testing

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan $(DEMO_OUT)
