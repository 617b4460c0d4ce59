# Test contracts written in WebAssembly text (tests/chain/wat/*.wat), assembled with wabt's
# wat2wasm into $(BUILD)/tests/chain/wat/*.wasm for the controller tests.
CHAIN_WAT_WASMS := $(patsubst tests/chain/wat/%.wat,$(BUILD)/tests/chain/wat/%.wasm,$(wildcard tests/chain/wat/*.wat))
EXTRA_TEST_DEPS += $(CHAIN_WAT_WASMS)

$(BUILD)/tests/chain/wat/%.wasm: tests/chain/wat/%.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@
