# CPS build: one static library of all modules (src/<module>/*.c), the programs, tests,
# fuzz targets and benchmarks. Modules and tests are discovered from the tree; a module or
# benchmark that needs more adds a fragment `*.mk` beside its sources (included below).
#
#   make            build the library and programs into build/
#   make test       run the test suite normally and under ASan+UBSan; last line "N passed, N failed"
#   make test-long  the long multi-node tests (tests/long), normal build only
#   make run        start a development chain (see README)
#   make bench      build and run the benchmarks in bench/
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS (default 30)
#   make clean      remove build/

CC      ?= cc
BUILD   ?= build
SAN     ?= 0
FUZZ_SECONDS ?= 30
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

WARN     := -Wall -Wextra -Werror
CSTD     := -std=c11 -D_DEFAULT_SOURCE
OPT      ?= -O2 -g
INCLUDES := -Isrc -Itests
CFLAGS   := $(CSTD) $(WARN) $(OPT) $(INCLUDES) -MMD -MP -pthread
LDFLAGS  := -pthread
LDLIBS   := -lsecp256k1 -lcrypto -lz -lsodium -llmdb -luv -lmicrohttpd -ljansson -lsqlite3 -lm

ifeq ($(SAN),1)
  CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=address,undefined
endif

# Layers, lowest first (DESIGN.md §3). Each contributes src/<module>/*.c to the library.
MODULES  ?= base crypto abi vm state chain net api storage
PROGRAM_TESTS ?= cli node wallet e2e
LIB_SRCS := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libcps.a

# Programs: name -> sources. Fragments may append to PROGRAMS and set <name>_SRCS.
# `make PROGRAMS=` builds none of them (for building only some modules).
cps_SRCS      := $(wildcard src/cli/*.c)
cpsd_SRCS     := $(wildcard src/node/*.c)
cps-wallet_SRCS := $(wildcard src/wallet/*.c)
PROGRAMS      ?= $(if $(cps_SRCS),cps) $(if $(cpsd_SRCS),cpsd) $(if $(cps-wallet_SRCS),cps-wallet)

# Tests: every tests/<module>/test_*.c is one program; tests/<module>/*.test.sh are scripts.
# Only modules in MODULES are built, so `make MODULES="base crypto" BUILD=build/x` builds a part.
TEST_SRCS := $(foreach m,$(MODULES) $(PROGRAM_TESTS),$(wildcard tests/$(m)/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)

# Benchmarks: bench/<name>/*.c is one program $(BUILD)/bench/<name>, for <name> a module or one
# of BENCHES (fragments may add more).
BENCHES    ?= tps
BENCH_DIRS := $(patsubst %/,%,$(sort $(dir $(foreach m,$(MODULES) $(BENCHES),$(wildcard bench/$(m)/*.c)))))
BENCH_BINS := $(BENCH_DIRS:bench/%=$(BUILD)/bench/%)

DEPS_STAMP := build/.deps-ok

.PHONY: all test test-one test-long run bench fuzz clean deps
# Keep intermediate objects (fuzz and test objects are otherwise deleted after linking).
.SECONDARY:
.DEFAULT_GOAL := all

-include $(sort $(foreach m,$(MODULES),$(wildcard src/$(m)/*.mk tests/$(m)/*.mk bench/$(m)/*.mk)))
# Contracts (C to wasm32 with clang + wasm-ld): contracts/contracts.mk, unless CONTRACTS=no.
CONTRACTS ?= yes
ifeq ($(CONTRACTS),yes)
-include contracts/contracts.mk
endif

PROGRAM_BINS := $(PROGRAMS:%=$(BUILD)/%)

all: $(LIB) $(PROGRAM_BINS) $(EXTRA_ALL)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh package.json
	@mkdir -p $(dir $@)
	@scripts/deps.sh
	@touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

define PROGRAM_template
$(BUILD)/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRCS)) $(LIB)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROGRAM_template,$(p))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

define BENCH_template
$(BUILD)/bench/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard bench/$(1)/*.c)) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach b,$(BENCH_DIRS:bench/%=%),$(eval $(call BENCH_template,$(b))))

# One variant (normal or sanitized) of everything the tests need, then the runner.
test-one: all $(TEST_BINS) $(EXTRA_TEST_DEPS)

test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory -j$(JOBS) test-one BUILD=build SAN=0
	@$(MAKE) --no-print-directory -j$(JOBS) test-one BUILD=build/asan SAN=1
	@tests/run.sh build build/asan

# Long multi-node tests (tests/long/*.test.sh: 21 producers, partitions; minutes each), with the
# normal build only; not part of `make test`.
test-long: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory -j$(JOBS) test-one BUILD=$(BUILD) SAN=0
	@TEST_LONG=1 tests/run.sh $(BUILD)

run: all $(EXTRA_RUN_DEPS)
	@scripts/run.sh

bench: all $(BENCH_BINS) $(EXTRA_BENCH_DEPS)
	@bench/run.sh $(BUILD)

# libFuzzer targets: tests/fuzz/fuzz_*.c, built with clang against a library compiled with
# coverage and sanitizers in build/fuzz.
# A target is named fuzz_<module>_<what>.c and built when its module is in MODULES.
FUZZ_DIR  ?= build/fuzz
FUZZ_SRCS := $(foreach m,$(MODULES),$(wildcard tests/fuzz/fuzz_$(m)_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/bin/%)
FUZZ_CFLAGS := $(CSTD) $(WARN) -O1 -g $(INCLUDES) -pthread -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/bin/%: tests/fuzz/%.c $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_BINS)
	@FUZZ_DIR=$(FUZZ_DIR) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
