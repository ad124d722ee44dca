# The two commands of the README. Both are idempotent.
#   make run   set the machine up, build, and start a CA (ACME + logs) in ./ca-data
#   make test  set the machine up, build, and run every test
#
# Also: make build, make test-sanitize (unit tests under ASan + UBSan),
#       make bench, make fuzz (libFuzzer targets with clang-14), make format.

BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
FUZZ_BUILD ?= build-fuzz
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: run test build bootstrap configure test-sanitize bench fuzz format

run: build
	scripts/run-ca $(BUILD)/src/cli/mtc ca-data

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test-sanitize: bootstrap
	@cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMTC_SANITIZE=ON \
	  -DMTC_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	cd $(SANITIZE_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

bench: build
	scripts/bench $(BUILD)

fuzz: bootstrap
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DMTC_FUZZ=ON -DMTC_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	scripts/fuzz $(FUZZ_BUILD)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i
