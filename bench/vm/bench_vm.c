/* bench/vm: runs each kernel of wasm/programs.c natively and in the CPS VM (metered, with an
 * unlimited budget) and prints both times and their ratio. The same source is compiled natively
 * here (it is included below) and to wasm32 by bench/vm/vm.mk; the checksums must agree.
 *
 *   build/bench/vm [WASM [KERNEL]]   WASM defaults to <dir of this program>/vm-wasm/programs.wasm;
 *                                    KERNEL runs only that kernel (for profiling) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "vm/vm.h"

#include "wasm/programs.c"

typedef uint32_t (*native_fn)(uint32_t);

static const struct kernel {
    const char *name;
    native_fn native;
    uint32_t arg;
} kernels[] = {
    {"fib", bench_fib, 32},
    {"sha256", bench_sha256, 48},
    {"sieve", bench_sieve, 4000000},
    {"matmul", bench_matmul, 24},
    {"coremark", bench_coremark, 3000},
    {"calls", bench_calls, 8000000},
};

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(sz > 0 ? (size_t)sz : 1);
    if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)sz;
    return p;
}

int main(int argc, char **argv)
{
    char path[4096];
    const char *only = argc > 2 ? argv[2] : NULL;
    if (argc > 1 && strcmp(argv[1], "-") != 0) {
        snprintf(path, sizeof path, "%s", argv[1]);
    } else {
        snprintf(path, sizeof path, "%s", argv[0]);
        char *slash = strrchr(path, '/');
        snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
                 "vm-wasm/programs.wasm");
    }
    size_t size;
    uint8_t *bytes = read_all(path, &size);
    if (!bytes) {
        fprintf(stderr, "bench/vm: cannot read %s (built by `make bench`)\n", path);
        return 1;
    }
    uint64_t t0 = cps_time_mono_ns();
    cps_vm_module *m;
    if (cps_vm_module_load(bytes, size, NULL, &m)) {
        fprintf(stderr, "bench/vm: load: %s\n", cps_last_error());
        return 1;
    }
    uint64_t t1 = cps_time_mono_ns();
    cps_vm_instance *inst;
    if (cps_vm_instance_create(m, NULL, NULL, NULL, false, &inst)) {
        fprintf(stderr, "bench/vm: instantiate: %s\n", cps_last_error());
        return 1;
    }
    uint64_t t2 = cps_time_mono_ns();
    for (int i = 0; i < 1000; i++)
        if (cps_vm_instance_reset(inst)) return 1;
    uint64_t t3 = cps_time_mono_ns();
    printf("vm: module of %zu bytes loaded and translated in %.3f ms, instantiated in %.3f ms, "
           "reset in %.1f us\n",
           size, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e3 / 1000);
    printf("%-10s %12s %12s %8s %14s\n", "program", "native ms", "cps vm ms", "ratio",
           "units metered");
    double logsum = 0;
    int failures = 0;
    for (size_t k = 0; k < CPS_ARRAY_LEN(kernels); k++) {
        const struct kernel *kn = &kernels[k];
        if (only && strcmp(only, kn->name) != 0) continue;
        double best_native = 1e30, best_vm = 1e30;
        uint32_t native_result = 0, vm_result = 0;
        uint64_t units = 0;
        for (int rep = 0; rep < 3; rep++) {
            uint64_t a = cps_time_mono_ns();
            native_result = kn->native(kn->arg);
            uint64_t b = cps_time_mono_ns();
            if ((b - a) / 1e6 < best_native) best_native = (b - a) / 1e6;
        }
        for (int rep = 0; rep < 2; rep++) {
            cps_vm_value arg = cps_vm_i32(kn->arg), res;
            cps_vm_exec ex = {UINT64_MAX, 0, 0, NULL};
            uint64_t a = cps_time_mono_ns();
            int rc = cps_vm_call(inst, kn->name, &arg, 1, &res, 1, &ex);
            uint64_t b = cps_time_mono_ns();
            if (rc) {
                fprintf(stderr, "bench/vm: %s: %s\n", kn->name, cps_last_error());
                return 1;
            }
            vm_result = res.v.i32;
            units = ex.used;
            if ((b - a) / 1e6 < best_vm) best_vm = (b - a) / 1e6;
        }
        double ratio = best_vm / best_native;
        logsum += log(ratio);
        printf("%-10s %12.2f %12.2f %7.1fx %14llu%s\n", kn->name, best_native, best_vm, ratio,
               (unsigned long long)units, native_result == vm_result ? "" : "  CHECKSUM MISMATCH");
        if (native_result != vm_result) failures++;
    }
    printf("geometric mean ratio: %.1fx\n", exp(logsum / (double)CPS_ARRAY_LEN(kernels)));
    cps_vm_instance_destroy(inst);
    cps_vm_module_release(m);
    free(bytes);
    return failures ? 1 : 0;
}
