# api: the helper server tests/api/eosjs.test.sh drives (built by the generic $(BUILD)/tests/%
# rule from tests/api/api_interop.c; not named test_* so run.sh does not run it on its own).
EXTRA_TEST_DEPS += $(BUILD)/tests/api/api_interop
# bench/api_push: the push bodies' parsing per transaction, direct reader against the general
# path (the Makefile's bench list is fixed before fragments are read, so the rule is made here).
$(BUILD)/bench/api_push: $(BUILD)/obj/bench/api_push/bench_api_push.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
EXTRA_BENCH_DEPS += $(BUILD)/bench/api_push
