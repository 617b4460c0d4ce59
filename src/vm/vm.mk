# vm: build rules beyond the library — no FMA contraction in the VM (floats must not vary between
# machines), and the spec-test runner build/cps-wasm-spec (src/vm/spec/).
$(BUILD)/obj/src/vm/%.o: CFLAGS += -ffp-contract=off
$(FUZZ_DIR)/obj/src/vm/%.o: FUZZ_CFLAGS += -ffp-contract=off

VM_SPEC_SRCS := $(wildcard src/vm/spec/*.c)
$(BUILD)/cps-wasm-spec: $(VM_SPEC_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

EXTRA_ALL += $(BUILD)/cps-wasm-spec
EXTRA_TEST_DEPS += $(BUILD)/cps-wasm-spec
