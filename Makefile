# gatehouse — top-level entry points. `make test` on a fresh Debian 12 clone does everything.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
# Compiler warnings are errors in the test builds (GCC 12; `make WERROR=OFF ...` to look past them).
WERROR ?= ON

# Debian packages the build, the tests and the tools need. While they install, policy-rc.d keeps
# their services (nginx, etcd) from starting: the tests start their own, on loopback ports they pick.
DEB_PACKAGES := g++ cmake ninja-build pkg-config libboost-dev libboost-program-options-dev \
  rapidjson-dev libssl-dev liblmdb-dev libgrpc++-dev libprotobuf-dev protobuf-compiler \
  protobuf-compiler-grpc catch2 clang libclang-rt-14-dev python3 python3-boto3 awscli \
  python3-grpcio python3-grpc-tools nginx python3-pytest python3-venv python3-wheel etcd-server \
  bubblewrap libzip-dev autoconf automake libtool

PREFIX ?= /usr/local

.PHONY: all deps js-deps ric-deps build test check bench fuzz demo clean install package

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: run as root (apt-get install$$missing)"; exit 1; fi; \
	  guard=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  status=$$?; [ -z "$$guard" ] || rm -f /usr/sbin/policy-rc.d; exit $$status; \
	else echo "deps: all present"; fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_WERROR=$(WERROR)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGATEHOUSE_SANITIZE=ON -DGATEHOUSE_BENCH=OFF \
	  -DGATEHOUSE_WERROR=$(WERROR)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps js-deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# The AWS SDK for JavaScript v3 clients of the SDK end-to-end test, from the npm registry at the
# versions tests/js/package-lock.json pins, and the same for examples/js-node-test (which installs
# clients/js from its folder) (Node.js comes with the machine, else Debian's nodejs).
js-deps:
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" != 0 ]; then echo "js-deps: npm is missing (apt-get install nodejs npm)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; }
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	cd examples/js-node-test && npm ci --no-audit --no-fund --loglevel=error

# AWS's Node.js runtime interface client (npm aws-lambda-ric 3.x: 4.x needs Node 22) at the
# version tests/ric/package-lock.json pins, for tests/server/invoke_ric_test.py. Its native addon
# builds with cmake and autotools; npm versions that skip install scripts get them run here.
ric-deps: js-deps
	cd tests/ric && npm ci --no-audit --no-fund --loglevel=error
	cd tests/ric/node_modules/aws-lambda-ric && { [ -f dist/rapid-client.node ] || \
	  { ./scripts/preinstall.sh && ./scripts/postinstall.sh; }; }

test: build js-deps ric-deps check
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@for b in $(BUILD)/bench/*_bench; do echo "== $$b"; $$b || exit 1; done

$(FUZZ_BUILD)/build.ninja:
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATEHOUSE_FUZZ=ON

# Each libFuzzer target runs for FUZZ_SECONDS on its seed corpus (fuzz/corpus/<target>); with
# pipefail a crash (the fuzzer's non-zero exit) fails the target although its output goes to tail.
fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@set -o pipefail; for f in $(FUZZ_BUILD)/fuzz/*_fuzz; do \
	  name=$$(basename $$f); mkdir -p $(FUZZ_BUILD)/corpus/$$name; \
	  echo "== $$name ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=5 $(FUZZ_BUILD)/corpus/$$name fuzz/corpus/$$name 2>&1 | tail -n 2 || exit 1; \
	done

# The demo needs only the binary: build that target, not every test and benchmark.
demo: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target gatehouse
	@./fixtures/demo/run-demo.sh $(BUILD)/gatehouse

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# The binary, its bash completion, the docs and the demo world under PREFIX (default /usr/local):
# `make install PREFIX=$$HOME/.local`. DESTDIR is honoured for staged installs.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# A Debian package of the same (CPack): $(BUILD)/gatehouse_VERSION_ARCH.deb.
package: build
	cd $(BUILD) && cpack -G DEB
