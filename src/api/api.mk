# api: the helper server tests/api/eosjs.test.sh drives (built by the generic $(BUILD)/tests/%
# rule from tests/api/api_interop.c; not named test_* so run.sh does not run it on its own).
EXTRA_TEST_DEPS += $(BUILD)/tests/api/api_interop
