# Contracts: C to wasm32 with clang and wasm-ld, against the CPS contract SDK (docs/contracts.md).
# Included by the Makefile unless CONTRACTS=no.
#
#   contracts/<name>/*.c      one contract -> $(BUILD)/contracts/<name>.wasm (+ <name>.abi beside it)
#   contracts/test/<name>.c   one test contract each -> $(BUILD)/contracts/test/<name>.wasm (+ .abi)
#   contracts/sdk/src/*.c     SDK runtime linked into every contract (--gc-sections drops what is unused)
#   $(BUILD)/contracts/sdk/decl_check.wasm   imports every declared intrinsic (signature check)
#
# Compiler choices (the reasons are in docs/contracts.md, "How contracts are built"):
#   -mcpu=mvp             WebAssembly 1.0 only: EOSIO nodes reject post-MVP opcodes
#   -ffreestanding -fno-builtin   no hosted libc; the SDK supplies its own subset
#   -flto                 link-time optimisation: the SDK's table, datastream and dispatch code is
#                         inlined into each contract; every wasm instruction is metered, and this
#                         alone cuts an eosio.token transfer by ~13 % (docs/performance.md)
#   --stack-first -z stack-size=8192   shadow stack at address 0..8 KiB (eosio.cdt's size): an
#                         overflow traps instead of overwriting data; data stays in the first 64 KiB
#   --allow-undefined-file   only the intrinsics of contracts/sdk/intrinsics.list may be imported

CONTRACT_CC ?= $(firstword $(foreach c,clang-14 clang,$(shell command -v $(c) 2>/dev/null)) clang-14)
CONTRACT_LD ?= $(firstword $(foreach c,wasm-ld-14 wasm-ld,$(shell command -v $(c) 2>/dev/null)) wasm-ld-14)

CONTRACTS_OUT := $(BUILD)/contracts
CONTRACT_CFLAGS := --target=wasm32 -mcpu=mvp -std=c11 -O2 -flto -ffreestanding -fno-builtin \
                   -Wall -Wextra -Werror -Icontracts/sdk -MMD -MP
CONTRACT_IMPORTS := $(CONTRACTS_OUT)/sdk/imports.txt
CONTRACT_LDFLAGS := --no-entry --export=apply --strip-all --gc-sections --stack-first \
                    -z stack-size=8192 --allow-undefined-file=$(CONTRACT_IMPORTS)

CONTRACT_SDK_OBJS := $(patsubst %.c,$(CONTRACTS_OUT)/obj/%.o,$(wildcard contracts/sdk/src/*.c))
CONTRACT_NAMES := $(filter-out sdk test,$(patsubst contracts/%/,%,$(sort $(dir $(wildcard contracts/*/*.c)))))
CONTRACT_TESTS := $(basename $(notdir $(wildcard contracts/test/*.c)))
CONTRACT_WASMS := $(CONTRACT_NAMES:%=$(CONTRACTS_OUT)/%.wasm) \
                  $(CONTRACT_TESTS:%=$(CONTRACTS_OUT)/test/%.wasm)
CONTRACT_ABIS  := $(foreach n,$(CONTRACT_NAMES),$(if $(wildcard contracts/$(n)/$(n).abi),$(CONTRACTS_OUT)/$(n).abi)) \
                  $(patsubst contracts/test/%.abi,$(CONTRACTS_OUT)/test/%.abi,$(wildcard contracts/test/*.abi))

EXTRA_ALL += $(CONTRACT_WASMS) $(CONTRACT_ABIS) $(CONTRACTS_OUT)/sdk/decl_check.wasm

$(CONTRACTS_OUT)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CONTRACT_CC) $(CONTRACT_CFLAGS) -c $< -o $@

# The linker's list of names that may stay undefined, i.e. become env.* imports.
$(CONTRACT_IMPORTS): contracts/sdk/intrinsics.list
	@mkdir -p $(dir $@)
	grep -v '^[[:space:]]*#' $< | awk -F'|' '{gsub(/[[:space:]]/, "", $$1); if ($$1 != "") print $$1}' > $@

define CONTRACT_template
$(CONTRACTS_OUT)/$(1).wasm: $(patsubst %.c,$(CONTRACTS_OUT)/obj/%.o,$(wildcard contracts/$(1)/*.c)) $(CONTRACT_SDK_OBJS) $(CONTRACT_IMPORTS)
	$(CONTRACT_LD) $(CONTRACT_LDFLAGS) -o $$@ $$(filter %.o,$$^)

$(CONTRACTS_OUT)/$(1).abi: contracts/$(1)/$(1).abi
	@mkdir -p $$(dir $$@)
	cp $$< $$@
endef
$(foreach n,$(CONTRACT_NAMES),$(eval $(call CONTRACT_template,$(n))))

$(CONTRACTS_OUT)/test/%.wasm: $(CONTRACTS_OUT)/obj/contracts/test/%.o $(CONTRACT_SDK_OBJS) $(CONTRACT_IMPORTS)
	@mkdir -p $(dir $@)
	$(CONTRACT_LD) $(CONTRACT_LDFLAGS) -o $@ $(filter %.o,$^)

$(CONTRACTS_OUT)/test/%.abi: contracts/test/%.abi
	@mkdir -p $(dir $@)
	cp $< $@

# Declaration check: every intrinsic of the list, imported through the SDK's own declarations.
$(CONTRACTS_OUT)/sdk/decl_check.c: contracts/sdk/intrinsics.list contracts/sdk/gen_decl_check.sh
	@mkdir -p $(dir $@)
	contracts/sdk/gen_decl_check.sh $< > $@

$(CONTRACTS_OUT)/sdk/decl_check.o: $(CONTRACTS_OUT)/sdk/decl_check.c
	$(CONTRACT_CC) $(CONTRACT_CFLAGS) -c $< -o $@

$(CONTRACTS_OUT)/sdk/decl_check.wasm: $(CONTRACTS_OUT)/sdk/decl_check.o $(CONTRACT_IMPORTS)
	$(CONTRACT_LD) $(CONTRACT_LDFLAGS) -o $@ $<

-include $(shell find $(CONTRACTS_OUT) -name '*.d' 2>/dev/null)
