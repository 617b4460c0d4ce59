# abi tests: the line-oriented driver that interop.test.sh feeds from eosjs and @wharfkit/antelope.
# Built by the generic $(BUILD)/tests/% rule; listed here so `make test-one` builds it too.
EXTRA_TEST_DEPS += $(BUILD)/tests/abi/abi_driver
