# crypto: the helper program tests/crypto/interop.test.sh drives (built by the generic
# $(BUILD)/tests/% rule from tests/crypto/crypto_interop.c; not named test_* so run.sh skips it).
EXTRA_TEST_DEPS += $(BUILD)/tests/crypto/crypto_interop
