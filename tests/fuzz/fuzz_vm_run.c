/* Fuzz target: decode + validate + translate + instantiate + run. Any input must either be
 * refused with an error or run to completion, trap, or stop at its small budget — never crash,
 * leak or hang. The module is instantiated twice and every exported function run in both
 * instances: outcomes, results and metered costs must be identical (the VM is deterministic).
 * The first instance then runs everything again after a reset. */
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

static int host_any(cps_vm_ctx *ctx, void *user, cps_vm_slot *args)
{
    (void)user;
    /* touches memory through the accessor like a real intrinsic would */
    uint8_t *p;
    if (cps_vm_mem(ctx, args[0].i32 & 0xffff, 4, &p) == 0) p[0] ^= 1;
    return cps_vm_budget_charge(ctx, 10);
}

static const cps_vm_host_func HOST[] = {
    {"env", "f", "(i)", host_any, NULL},
    {"env", "g", "(i)i", host_any, NULL},
};

typedef struct outcome {
    int rc;
    uint64_t used;
    cps_vm_value res[8];
} outcome;

static void run_all(cps_vm_instance *inst, const cps_vm_module *m, outcome *out, size_t nout)
{
    uint32_t n = cps_vm_module_export_count(m);
    for (uint32_t i = 0; i < n && i < nout; i++) {
        const char *name;
        int kind;
        out[i].rc = 1;
        if (cps_vm_module_export(m, i, &name, &kind) || kind != CPS_VM_EXTERN_FUNC) continue;
        cps_vm_extern e;
        /* by index: names may contain NUL bytes */
        if (cps_vm_instance_export_at(inst, i, &e) || e.kind != CPS_VM_EXTERN_FUNC) continue;
        const uint8_t *pt, *rt;
        uint32_t np, nr;
        cps_vm_func_type(e.ptr, &pt, &np, &rt, &nr);
        if (np > 8 || nr > 8) continue;
        cps_vm_value args[8];
        for (uint32_t k = 0; k < np; k++) {
            memset(&args[k], 0, sizeof args[k]);
            args[k].type = pt[k];
            args[k].v.i64 = 0x1234 * (k + 1);
            if (pt[k] == CPS_VM_FUNCREF || pt[k] == CPS_VM_EXTERNREF) args[k].v.ref = NULL;
        }
        cps_vm_exec ex = {20000, 0, 0, NULL};
        memset(out[i].res, 0, sizeof out[i].res);
        out[i].rc = cps_vm_call_func(e.ptr, args, np, out[i].res, nr, &ex);
        out[i].used = ex.used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cps_vm_limits lim;
    cps_vm_limits_default(&lim);
    lim.max_memory_pages = 4;
    lim.max_table_size = 1000;
    lim.max_call_depth = 200;
    lim.max_stack_slots = 1 << 13;
    lim.max_functions = 1000;
    lim.max_locals = 1000;
    cps_vm_module *m;
    if (cps_vm_module_load(data, size, &lim, &m)) return 0;
    cps_vm_imports imp = {HOST, 2, NULL, NULL};
    cps_vm_exec start1 = {20000, 0, 0, NULL}, start2 = {20000, 0, 0, NULL};
    cps_vm_instance *i1 = NULL, *i2 = NULL;
    int rc1 = cps_vm_instance_create(m, &imp, &lim, &start1, false, &i1);
    int rc2 = cps_vm_instance_create(m, &imp, &lim, &start2, false, &i2);
    if (rc1 != rc2 || start1.used != start2.used) abort();
    if (rc1 == 0) {
        static outcome a[16], b[16];
        memset(a, 0, sizeof a);
        memset(b, 0, sizeof b);
        run_all(i1, m, a, 16);
        run_all(i2, m, b, 16);
        for (int i = 0; i < 16; i++) {
            if (a[i].rc != b[i].rc || a[i].used != b[i].used) abort();
            for (int k = 0; k < 8; k++)
                if (a[i].res[k].type == CPS_VM_FUNCREF) a[i].res[k].v.ref = b[i].res[k].v.ref;
            if (a[i].rc == 0 && memcmp(a[i].res, b[i].res, sizeof a[i].res) != 0) abort();
        }
        /* and once more from the reset state */
        if (cps_vm_instance_reset(i1) == 0) run_all(i1, m, a, 16);
    }
    cps_vm_instance_destroy(i1);
    cps_vm_instance_destroy(i2);
    cps_vm_module_release(m);
    return 0;
}
