# The two commands a person needs: `make demo` and `make test`. Everything else is a step of them.
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: setup configure build test test-normal test-sanitize test-tsan test-all bench demo clean format

setup:
	bash scripts/setup

configure: setup
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) $(if $(CI),-DLOVEBANK_WERROR=ON,)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# What CI runs: the default suite in the normal build, then the unit and integration
# tests again built with AddressSanitizer and UndefinedBehaviorSanitizer, then the
# unit, API, end-to-end and peer-to-peer tests built with ThreadSanitizer.
test: test-normal test-sanitize test-tsan

# The default suite. Long runs carry the `slow`, `soak`, `scale` or `fuzz-long` labels
# and are left out here; run them on purpose (`ctest -L slow`, scripts/crash-test,
# scripts/soak, scripts/fuzz).
test-normal: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) -LE 'slow|soak|scale|fuzz-long'

# CMakePresets.json `sanitize`: build-sanitize/, unit and integration labels.
test-sanitize: setup
	cmake --preset sanitize $(if $(CI),-DLOVEBANK_WERROR=ON,)
	cmake --build --preset sanitize
	ctest --preset sanitize

# CMakePresets.json `tsan`: build-tsan/; a race aborts the process that has it.
test-tsan: setup
	cmake --preset tsan $(if $(CI),-DLOVEBANK_WERROR=ON,)
	cmake --build --preset tsan
	ctest --preset tsan

test-all: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

bench: build
	bash scripts/bench $(BUILD_DIR)

# A day in a small neighbourhood: a real node and the lovebank wallet (scripts/demo).
demo: build
	bash scripts/demo $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) build-sanitize build-tsan

format:
	find base crypto ledger node wallet-cli tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i
