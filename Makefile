# SPDX-License-Identifier: MIT
# A thin layer over CMake: `make` builds the release binary, `make test` runs every test.
BUILD      ?= build
TEST_BUILD ?= build-asan
JOBS       ?= 2
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30

.PHONY: all build deps test fuzz valgrind run demo bench clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Every test, under AddressSanitizer and UndefinedBehaviorSanitizer.
test: deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DURSCOUT_SANITIZE=ON >/dev/null
	cmake --build $(TEST_BUILD) -j $(JOBS)
	cd $(TEST_BUILD) && CMOCKA_TEST_ABORT=1 ctest --output-on-failure -j $(JOBS)

# Every libFuzzer target (clang, ASan+UBSan) for FUZZ_SECONDS each.
fuzz: deps
	CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DURSCOUT_SANITIZE=ON \
		-DURSCOUT_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh $(FUZZ_BUILD)

# Valgrind memcheck of the end-to-end test (a build without sanitizers in build-valgrind).
valgrind: deps
	JOBS=$(JOBS) sh tests/valgrind.sh build-valgrind

# The main job once, on the embedded defaults: urscout.db, the bundled real sources,
# digests for any subscribers into ./mail/. Offline it reports each source and exits non-zero.
run: build
	$(BUILD)/urscout run --once

# The same pipeline fully offline, against a generated site served on 127.0.0.1.
demo: build
	sh scripts/demo.sh $(BUILD)/urscout

bench: build
	@sh bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD) build-valgrind
