# bench/vm: the benchmark kernels compiled to wasm32 with clang-14 and wasm-ld (lld-14) at build
# time; the .wasm is a build output next to the bench program, which finds it there.
BENCH_VM_KERNELS := fib sha256 sieve matmul coremark calls
BENCH_VM_WASM := $(BUILD)/bench/vm-wasm/programs.wasm
$(BENCH_VM_WASM): bench/vm/wasm/programs.c
	@mkdir -p $(dir $@)
	clang-14 --target=wasm32 -O2 -nostdlib -Wl,--no-entry \
	  $(foreach k,$(BENCH_VM_KERNELS),-Wl,--export=$(k)) $< -o $@
EXTRA_BENCH_DEPS += $(BENCH_VM_WASM)
