/* Tests of the VM's API: loading errors and their messages, host binding, traps from host
 * functions, bounds-checked memory accessors, metering (exact, deterministic, deadline, wall
 * clock), sandbox limits, reset, the module cache and reentrancy. Modules are written in WAT and
 * assembled with wabt's wat2wasm when the test runs. */
#include <unistd.h>

#include "test.h"
#include "vm/vm.h"

/* Assembles `wat` with wat2wasm into a malloc'ed buffer (NULL on failure). */
static uint8_t *wat(const char *text, size_t *size)
{
    char in[] = "/tmp/cps-vm-test-XXXXXX";
    int fd = mkstemp(in);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char out[64], cmd[256];
    snprintf(out, sizeof out, "%s.wasm", in);
    snprintf(cmd, sizeof cmd, "wat2wasm --no-check %s -o %s 2>/dev/null", in, out);
    int rc = system(cmd);
    unlink(in);
    if (rc != 0) return NULL;
    f = fopen(out, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (fread(p, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    unlink(out);
    *size = (size_t)n;
    return p;
}

static int load(const char *text, const cps_vm_limits *lim, cps_vm_module **m)
{
    size_t n;
    uint8_t *b = wat(text, &n);
    if (!b) return -1000;
    int rc = cps_vm_module_load(b, n, lim, m);
    free(b);
    return rc;
}

static const char *const HOST_WAT =
    "(module\n"
    "  (import \"env\" \"add\" (func $add (param i32 i32) (result i32)))\n"
    "  (import \"env\" \"sum_bytes\" (func $sum (param i32 i32) (result i64)))\n"
    "  (import \"env\" \"fail\" (func $fail (param i32)))\n"
    "  (import \"env\" \"charge\" (func $charge (param i64)))\n"
    "  (memory (export \"memory\") 1 4)\n"
    "  (global $g (mut i32) (i32.const 7))\n"
    "  (data (i32.const 8) \"\\01\\02\\03\\04\")\n"
    "  (func (export \"add\") (param i32 i32) (result i32) (call $add (local.get 0) (local.get "
    "1)))\n"
    "  (func (export \"sum\") (param i32 i32) (result i64) (call $sum (local.get 0) (local.get "
    "1)))\n"
    "  (func (export \"fail\") (param i32) (call $fail (local.get 0)))\n"
    "  (func (export \"charge\") (param i64) (call $charge (local.get 0)))\n"
    "  (func (export \"inc3\") (param i32) (result i32) (i32.add (local.get 0) (i32.const 3)))\n"
    "  (func (export \"spin\") (param i32) (result i32)\n"
    "    (local $i i32)\n"
    "    (loop $l\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))\n"
    "    (local.get $i))\n"
    "  (func (export \"forever\") (loop $l (br $l)))\n"
    "  (func $rec (export \"rec\") (param i32) (result i32)\n"
    "    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))\n"
    "      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))\n"
    "  (func (export \"poke\") (param i32 i32) (i32.store (local.get 0) (local.get 1))\n"
    "    (global.set $g (local.get 1)))\n"
    "  (func (export \"peek\") (param i32) (result i32) (i32.load (local.get 0)))\n"
    "  (func (export \"g\") (result i32) (global.get $g))\n"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))\n"
    "  (func (export \"div\") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get "
    "1)))\n"
    ")\n";

/* ---- host functions ---- */

static int h_add(cps_vm_ctx *ctx, void *user, cps_vm_slot *a)
{
    (void)ctx;
    a[0].i32 = a[0].i32 + a[1].i32 + (uint32_t)(uintptr_t)user;
    return 0;
}

static int h_sum(cps_vm_ctx *ctx, void *user, cps_vm_slot *a)
{
    (void)user;
    uint8_t *p;
    int rc = cps_vm_mem(ctx, a[0].i32, a[1].i32, &p);
    if (rc) return rc;
    uint64_t s = 0;
    for (uint32_t i = 0; i < a[1].i32; i++)
        s += p[i];
    a[0].i64 = s;
    return 0;
}

static int h_fail(cps_vm_ctx *ctx, void *user, cps_vm_slot *a)
{
    (void)user;
    return cps_vm_trap(ctx, "assertion failure with code %u", a[0].i32);
}

static int h_charge(cps_vm_ctx *ctx, void *user, cps_vm_slot *a)
{
    (void)user;
    return cps_vm_budget_charge(ctx, a[0].i64);
}

static cps_vm_instance *reentry_inst;
static int h_reenter(cps_vm_ctx *ctx, void *user, cps_vm_slot *a)
{
    (void)ctx, (void)user;
    cps_vm_value args[1] = {cps_vm_i32(1)}, res[1];
    cps_vm_exec ex = {1000, 0, 0, NULL};
    int rc = cps_vm_call(reentry_inst, "inc3", args, 1, res, 1, &ex);
    a[0].i32 = (uint32_t)rc;
    return 0;
}

static const cps_vm_host_func HOST[] = {
    {"env", "add", "(ii)i", h_add, (void *)(uintptr_t)100},
    {"env", "sum_bytes", "(ii)I", h_sum, NULL},
    {"env", "fail", "(i)", h_fail, NULL},
    {"env", "charge", "(I)", h_charge, NULL},
};

static cps_vm_instance *host_instance(const cps_vm_limits *lim)
{
    cps_vm_module *m;
    if (load(HOST_WAT, lim, &m)) return NULL;
    cps_vm_imports imp = {HOST, CPS_ARRAY_LEN(HOST), NULL, NULL};
    cps_vm_instance *inst = NULL;
    int rc = cps_vm_instance_create(m, &imp, lim, NULL, false, &inst);
    cps_vm_module_release(m);
    return rc ? NULL : inst;
}

static int call1(cps_vm_instance *inst, const char *name, cps_vm_value arg, cps_vm_value *res,
                 size_t nres, cps_vm_exec *ex)
{
    return cps_vm_call(inst, name, &arg, 1, res, nres, ex);
}

/* ---- loading ---- */

TEST(load_rejects_bad_magic_naming_offset)
{
    static const uint8_t bytes[] = {0, 'a', 's', 'x', 1, 0, 0, 0};
    cps_vm_module *m = NULL;
    ASSERT_EQ(cps_vm_module_load(bytes, sizeof bytes, NULL, &m), CPS_ERR_WASM_MALFORMED);
    ASSERT(m == NULL);
    ASSERT_CONTAINS(cps_last_error(), "offset 0x0");
    ASSERT_CONTAINS(cps_last_error(), "magic header");
}

TEST(load_rejects_invalid_code_naming_section_offset_and_rule)
{
    /* (module (func (result i32) (i64.const 1))) */
    static const uint8_t bytes[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                    0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                    0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0b};
    cps_vm_module *m = NULL;
    ASSERT_EQ(cps_vm_module_load(bytes, sizeof bytes, NULL, &m), CPS_ERR_WASM_INVALID);
    ASSERT_CONTAINS(cps_last_error(), "code section, function 0");
    ASSERT_CONTAINS(cps_last_error(), "offset 0x1a"); /* the `end` that finds an i64 */
    ASSERT_CONTAINS(cps_last_error(), "type mismatch");
}

TEST(load_rejects_truncated_module_except_at_section_ends)
{
    size_t n;
    uint8_t *b = wat(HOST_WAT, &n);
    ASSERT(b != NULL);
    /* A prefix ending between sections is a well-formed module (sections are optional), except
     * between the function and code sections: here the header alone, after the type section,
     * after the import section and after the code section (the data section is optional). Every
     * other prefix is malformed. */
    int loaded = 0;
    for (size_t len = 0; len < n; len++) {
        cps_vm_module *m = NULL;
        int rc = cps_vm_module_load(b, len, NULL, &m);
        if (rc == 0) {
            loaded++;
            cps_vm_module_release(m);
        } else {
            ASSERT_EQ(rc, CPS_ERR_WASM_MALFORMED);
        }
    }
    ASSERT_EQ(loaded, 4);
    cps_vm_module *m = NULL;
    ASSERT_OK(cps_vm_module_load(b, n, NULL, &m));
    cps_vm_module_release(m);
    free(b);
}

TEST(module_limits_refuse_large_modules)
{
    cps_vm_limits lim;
    cps_vm_limits_default(&lim);
    lim.max_functions = 3;
    cps_vm_module *m = NULL;
    ASSERT_EQ(load(HOST_WAT, &lim, &m), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "functions");
    cps_vm_limits_default(&lim);
    lim.max_locals = 1;
    ASSERT_EQ(load(HOST_WAT, &lim, &m), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "locals");
    cps_vm_limits_default(&lim);
    lim.max_module_size = 100;
    ASSERT_EQ(load(HOST_WAT, &lim, &m), CPS_ERR_LIMIT);
}

TEST(module_lists_imports_and_exports)
{
    cps_vm_module *m;
    ASSERT_OK(load(HOST_WAT, NULL, &m));
    ASSERT_EQ(cps_vm_module_import_count(m), 4);
    const char *mod, *name;
    int kind;
    ASSERT_OK(cps_vm_module_import(m, 1, &mod, &name, &kind));
    ASSERT_STR_EQ(mod, "env");
    ASSERT_STR_EQ(name, "sum_bytes");
    ASSERT_EQ(kind, CPS_VM_EXTERN_FUNC);
    ASSERT_EQ(cps_vm_module_import(m, 4, &mod, &name, &kind), CPS_ERR_NOT_FOUND);
    ASSERT_OK(cps_vm_module_export(m, 0, &name, &kind));
    ASSERT_STR_EQ(name, "memory");
    ASSERT_EQ(kind, CPS_VM_EXTERN_MEMORY);
    cps_vm_module_release(m);
}

TEST(exports_are_found_by_index_and_by_exact_name)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_extern e;
    ASSERT_OK(cps_vm_instance_export_at(inst, 0, &e));
    ASSERT_EQ(e.kind, CPS_VM_EXTERN_MEMORY);
    ASSERT_OK(cps_vm_instance_export_at(inst, 1, &e));
    ASSERT_EQ(e.kind, CPS_VM_EXTERN_FUNC);
    ASSERT_EQ(cps_vm_instance_export_at(inst, 100, &e), CPS_ERR_NOT_FOUND);
    ASSERT_OK(cps_vm_instance_export_n(inst, "addXYZ", 3, &e));
    ASSERT_EQ(e.kind, CPS_VM_EXTERN_FUNC);
    ASSERT_EQ(cps_vm_instance_export_n(inst, "ad", 2, &e), CPS_ERR_NOT_FOUND);
    uint64_t size;
    ASSERT_OK(cps_vm_instance_export(inst, "memory", &e));
    uint8_t *mem = cps_vm_memory_data(e.ptr, &size);
    ASSERT_EQ(size, 65536);
    ASSERT_EQ(mem[8], 1);
    cps_vm_instance_destroy(inst);
}

/* ---- host binding ---- */

TEST(host_functions_are_called_with_their_user_pointer)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_value args[2] = {cps_vm_i32(2), cps_vm_i32(3)}, res[1];
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_OK(cps_vm_call(inst, "add", args, 2, res, 1, &ex));
    ASSERT_EQ(res[0].type, CPS_VM_I32);
    ASSERT_EQ(res[0].v.i32, 105);
    cps_vm_instance_destroy(inst);
}

TEST(host_reads_memory_through_bounds_checked_accessor)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_value args[2] = {cps_vm_i32(8), cps_vm_i32(4)}, res[1];
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_OK(cps_vm_call(inst, "sum", args, 2, res, 1, &ex));
    ASSERT_EQ(res[0].v.i64, 10);
    args[0] = cps_vm_i32(65530);
    args[1] = cps_vm_i32(7);
    ASSERT_EQ(cps_vm_call(inst, "sum", args, 2, res, 1, &ex), CPS_ERR_TRAP);
    ASSERT_CONTAINS(cps_last_error(), "out of bounds memory access");
    args[0] = cps_vm_i32(0xffffffffu);
    args[1] = cps_vm_i32(0xffffffffu);
    ASSERT_EQ(cps_vm_call(inst, "sum", args, 2, res, 1, &ex), CPS_ERR_TRAP);
    cps_vm_instance_destroy(inst);
}

TEST(host_function_traps_with_its_message)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_EQ(call1(inst, "fail", cps_vm_i32(42), NULL, 0, &ex), CPS_ERR_TRAP);
    ASSERT_STR_EQ(cps_last_error(), "assertion failure with code 42");
    /* the instance stays usable after a trap */
    cps_vm_value res[1];
    ASSERT_OK(call1(inst, "inc3", cps_vm_i32(1), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 4);
    cps_vm_instance_destroy(inst);
}

TEST(unresolvable_import_is_refused_at_instantiation)
{
    cps_vm_module *m;
    ASSERT_OK(load(HOST_WAT, NULL, &m));
    cps_vm_imports imp = {HOST, 3, NULL, NULL}; /* no env.charge */
    ASSERT_EQ(cps_vm_module_link_check(m, &imp), CPS_ERR_WASM_UNLINKABLE);
    ASSERT_CONTAINS(cps_last_error(), "\"env\" \"charge\"");
    cps_vm_imports all = {HOST, 4, NULL, NULL};
    ASSERT_OK(cps_vm_module_link_check(m, &all));
    cps_vm_instance *inst = NULL;
    ASSERT_EQ(cps_vm_instance_create(m, &imp, NULL, NULL, false, &inst), CPS_ERR_WASM_UNLINKABLE);
    ASSERT(inst == NULL);
    ASSERT_CONTAINS(cps_last_error(), "\"env\" \"charge\"");
    cps_vm_module_release(m);
}

TEST(import_with_another_signature_is_refused)
{
    cps_vm_module *m;
    ASSERT_OK(load(HOST_WAT, NULL, &m));
    cps_vm_host_func wrong[4];
    memcpy(wrong, HOST, sizeof wrong);
    wrong[0].signature = "(iI)i";
    cps_vm_imports imp = {wrong, 4, NULL, NULL};
    cps_vm_instance *inst = NULL;
    ASSERT_EQ(cps_vm_instance_create(m, &imp, NULL, NULL, false, &inst), CPS_ERR_WASM_UNLINKABLE);
    ASSERT_CONTAINS(cps_last_error(), "\"env\" \"add\"");
    wrong[0].signature = "(ii";
    ASSERT_EQ(cps_vm_instance_create(m, &imp, NULL, NULL, false, &inst), CPS_ERR_WASM_UNLINKABLE);
    cps_vm_module_release(m);
}

TEST(reentrant_call_into_a_running_instance_is_refused)
{
    cps_vm_module *m;
    ASSERT_OK(load("(module (import \"env\" \"re\" (func $re (result i32)))\n"
                   "  (func (export \"go\") (result i32) (call $re))\n"
                   "  (func (export \"inc3\") (param i32) (result i32)\n"
                   "    (i32.add (local.get 0) (i32.const 3))))",
                   NULL, &m));
    cps_vm_host_func hf[1] = {{"env", "re", "()i", h_reenter, NULL}};
    cps_vm_imports imp = {hf, 1, NULL, NULL};
    ASSERT_OK(cps_vm_instance_create(m, &imp, NULL, NULL, false, &reentry_inst));
    cps_vm_value res[1];
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_OK(cps_vm_call(reentry_inst, "go", NULL, 0, res, 1, &ex));
    ASSERT_EQ((int32_t)res[0].v.i32, CPS_ERR_STATE);
    cps_vm_instance_destroy(reentry_inst);
    cps_vm_module_release(m);
}

TEST(call_checks_argument_types_and_counts)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_exec ex = {1000, 0, 0, NULL};
    cps_vm_value res[1];
    ASSERT_EQ(call1(inst, "inc3", cps_vm_i64(1), res, 1, &ex), CPS_ERR_TYPE);
    ASSERT_EQ(cps_vm_call(inst, "inc3", NULL, 0, res, 1, &ex), CPS_ERR_TYPE);
    ASSERT_EQ(call1(inst, "nothing", cps_vm_i32(1), res, 1, &ex), CPS_ERR_NOT_FOUND);
    ASSERT_EQ(call1(inst, "memory", cps_vm_i32(1), res, 1, &ex), CPS_ERR_TYPE);
    cps_vm_instance_destroy(inst);
}

/* ---- metering ---- */

TEST(metering_charges_the_cost_table_exactly)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_value res[1];
    cps_vm_exec ex = {100000, 0, 0, NULL};
    /* local.get, i32.const, i32.add: one unit each; end is free */
    ASSERT_OK(call1(inst, "inc3", cps_vm_i32(1), res, 1, &ex));
    ASSERT_EQ(ex.used, 3);
    /* spin(n): the loop body is local.get, i32.const, i32.add, local.set, local.get,
     * local.get, i32.lt_u, br_if = 8 units per iteration, plus the final local.get */
    ASSERT_OK(call1(inst, "spin", cps_vm_i32(10), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 10);
    uint64_t used10 = ex.used;
    ASSERT_EQ(used10, 10 * 8 + 1);
    ASSERT_OK(call1(inst, "spin", cps_vm_i32(1000), res, 1, &ex));
    ASSERT_EQ(ex.used, 1000 * 8 + 1);
    /* the same call costs the same every time */
    ASSERT_OK(call1(inst, "spin", cps_vm_i32(10), res, 1, &ex));
    ASSERT_EQ(ex.used, used10);
    cps_vm_instance_destroy(inst);
}

TEST(bulk_memory_operations_are_charged_by_size)
{
    cps_vm_module *m;
    ASSERT_OK(load("(module (memory 1)\n"
                   "  (func (export \"fill\") (param i32 i32 i32)\n"
                   "    (memory.fill (local.get 0) (local.get 1) (local.get 2))))",
                   NULL, &m));
    cps_vm_instance *inst;
    ASSERT_OK(cps_vm_instance_create(m, NULL, NULL, NULL, false, &inst));
    cps_vm_value args[3] = {cps_vm_i32(0), cps_vm_i32(7), cps_vm_i32(6400)};
    cps_vm_exec ex = {100000, 0, 0, NULL};
    /* three local.get, memory.fill (4) and one unit per 64 bytes */
    ASSERT_OK(cps_vm_call(inst, "fill", args, 3, NULL, 0, &ex));
    ASSERT_EQ(ex.used, 3 + 4 + 100);
    args[2] = cps_vm_i32(64);
    ASSERT_OK(cps_vm_call(inst, "fill", args, 3, NULL, 0, &ex));
    ASSERT_EQ(ex.used, 3 + 4 + 1);
    /* the size is charged before the work: a fill over budget does nothing */
    args[2] = cps_vm_i32(65536);
    ex.budget = 500;
    ASSERT_EQ(cps_vm_call(inst, "fill", args, 3, NULL, 0, &ex), CPS_ERR_DEADLINE);
    cps_vm_instance_destroy(inst);
    cps_vm_module_release(m);
}

TEST(endless_loop_stops_with_deadline_exceeded)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_exec ex = {100000, 0, 0, NULL};
    ASSERT_EQ(cps_vm_call(inst, "forever", NULL, 0, NULL, 0, &ex), CPS_ERR_DEADLINE);
    ASSERT_CONTAINS(cps_last_error(), "deadline exceeded");
    ASSERT_EQ(ex.used, 100000);
    /* a budget exactly large enough succeeds, one unit less does not */
    cps_vm_value res[1];
    ex.budget = 8 * 50 + 1;
    ASSERT_OK(call1(inst, "spin", cps_vm_i32(50), res, 1, &ex));
    ex.budget = 8 * 50;
    ASSERT_EQ(call1(inst, "spin", cps_vm_i32(50), res, 1, &ex), CPS_ERR_DEADLINE);
    cps_vm_instance_destroy(inst);
}

TEST(wall_clock_deadline_stops_a_long_run)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    uint64_t t0 = cps_time_mono_ns();
    cps_vm_exec ex = {UINT64_MAX, 0, t0 + 20 * 1000 * 1000, NULL};
    ASSERT_EQ(cps_vm_call(inst, "forever", NULL, 0, NULL, 0, &ex), CPS_ERR_DEADLINE);
    ASSERT_CONTAINS(cps_last_error(), "wall-clock");
    uint64_t took = cps_time_mono_ns() - t0;
    ASSERT_MSG(took < 2000ull * 1000 * 1000, "stopped after %llu ns", (unsigned long long)took);
    cps_vm_instance_destroy(inst);
}

TEST(host_functions_charge_the_budget)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_OK(call1(inst, "charge", cps_vm_i64(500), NULL, 0, &ex));
    /* local.get + call (4) + the host's 500 */
    ASSERT_EQ(ex.used, 505);
    ASSERT_EQ(call1(inst, "charge", cps_vm_i64(996), NULL, 0, &ex), CPS_ERR_DEADLINE);
    cps_vm_instance_destroy(inst);
}

/* ---- sandbox limits ---- */

TEST(call_depth_limit_gives_exhaustion)
{
    cps_vm_limits lim;
    cps_vm_limits_default(&lim);
    lim.max_call_depth = 50;
    cps_vm_instance *inst = host_instance(&lim);
    ASSERT(inst != NULL);
    cps_vm_value res[1];
    cps_vm_exec ex = {1000000, 0, 0, NULL};
    ASSERT_OK(call1(inst, "rec", cps_vm_i32(48), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 48);
    ASSERT_EQ(call1(inst, "rec", cps_vm_i32(50), res, 1, &ex), CPS_ERR_EXHAUSTION);
    ASSERT_CONTAINS(cps_last_error(), "call stack exhausted");
    cps_vm_instance_destroy(inst);
}

TEST(value_stack_limit_gives_exhaustion)
{
    cps_vm_limits lim;
    cps_vm_limits_default(&lim);
    lim.max_stack_slots = 200; /* rec uses 4 slots a frame */
    cps_vm_instance *inst = host_instance(&lim);
    ASSERT(inst != NULL);
    cps_vm_value res[1];
    cps_vm_exec ex = {1000000, 0, 0, NULL};
    ASSERT_OK(call1(inst, "rec", cps_vm_i32(10), res, 1, &ex));
    ASSERT_EQ(call1(inst, "rec", cps_vm_i32(500), res, 1, &ex), CPS_ERR_EXHAUSTION);
    cps_vm_instance_destroy(inst);
}

TEST(memory_page_limit_is_enforced)
{
    cps_vm_limits lim;
    cps_vm_limits_default(&lim);
    lim.max_memory_pages = 2;
    cps_vm_instance *inst = host_instance(&lim);
    ASSERT(inst != NULL);
    cps_vm_value res[1];
    cps_vm_exec ex = {1000000, 0, 0, NULL};
    ASSERT_OK(call1(inst, "grow", cps_vm_i32(1), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 1);
    ASSERT_OK(call1(inst, "grow", cps_vm_i32(1), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 0xffffffffu);
    cps_vm_instance_destroy(inst);
    cps_vm_module *m;
    ASSERT_OK(load("(module (memory 10))", NULL, &m));
    ASSERT_EQ(cps_vm_instance_create(m, NULL, &lim, NULL, false, &inst), CPS_ERR_LIMIT);
    cps_vm_module_release(m);
}

TEST(traps_are_clean_errors)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_value args[2] = {cps_vm_i32(1), cps_vm_i32(0)}, res[1];
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_EQ(cps_vm_call(inst, "div", args, 2, res, 1, &ex), CPS_ERR_TRAP);
    ASSERT_STR_EQ(cps_last_error(), "integer divide by zero");
    ASSERT_EQ(call1(inst, "peek", cps_vm_i32(65533), res, 1, &ex), CPS_ERR_TRAP);
    ASSERT_STR_EQ(cps_last_error(), "out of bounds memory access");
    cps_vm_instance_destroy(inst);
}

/* ---- reset and cache ---- */

TEST(reset_restores_memory_globals_and_size)
{
    cps_vm_instance *inst = host_instance(NULL);
    ASSERT(inst != NULL);
    cps_vm_value args[2] = {cps_vm_i32(8), cps_vm_i32(99)}, res[1];
    cps_vm_exec ex = {1000, 0, 0, NULL};
    ASSERT_OK(cps_vm_call(inst, "poke", args, 2, NULL, 0, &ex));
    ASSERT_OK(call1(inst, "grow", cps_vm_i32(2), res, 1, &ex));
    ASSERT_OK(cps_vm_call(inst, "g", NULL, 0, res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 99);
    ASSERT_OK(cps_vm_instance_reset(inst));
    ASSERT_OK(cps_vm_call(inst, "g", NULL, 0, res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 7);
    ASSERT_OK(call1(inst, "peek", cps_vm_i32(8), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 0x04030201);
    ASSERT_OK(call1(inst, "grow", cps_vm_i32(0), res, 1, &ex));
    ASSERT_EQ(res[0].v.i32, 1);
    ASSERT_EQ(call1(inst, "peek", cps_vm_i32(65536), res, 1, &ex), CPS_ERR_TRAP);
    cps_vm_instance_destroy(inst);
}

TEST(cache_returns_the_same_module_and_evicts_least_recent)
{
    cps_vm_cache *c;
    ASSERT_OK(cps_vm_cache_create(2, &c));
    size_t n;
    uint8_t *bytes = wat(HOST_WAT, &n);
    ASSERT(bytes != NULL);
    uint8_t h1[32] = {1}, h2[32] = {2}, h3[32] = {3};
    cps_vm_module *a, *b, *x;
    ASSERT_OK(cps_vm_cache_load(c, h1, bytes, n, NULL, &a));
    ASSERT_OK(cps_vm_cache_load(c, h1, bytes, n, NULL, &b));
    ASSERT(a == b);
    ASSERT_OK(cps_vm_cache_load(c, h2, bytes, n, NULL, &x));
    cps_vm_module_release(x);
    x = cps_vm_cache_get(c, h1); /* h1 is now the most recent */
    ASSERT(x == a);
    cps_vm_module_release(x);
    ASSERT_OK(cps_vm_cache_load(c, h3, bytes, n, NULL, &x));
    cps_vm_module_release(x);
    ASSERT(cps_vm_cache_get(c, h2) == NULL);
    x = cps_vm_cache_get(c, h1);
    ASSERT(x == a);
    cps_vm_module_release(x);
    size_t entries;
    uint64_t hits, misses;
    cps_vm_cache_stats(c, &entries, &hits, &misses);
    ASSERT_EQ(entries, 2);
    ASSERT_EQ(hits, 3);
    ASSERT_EQ(misses, 4);
    /* a failing load caches nothing */
    static const uint8_t junk[] = {1, 2, 3};
    uint8_t h4[32] = {4};
    ASSERT_EQ(cps_vm_cache_load(c, h4, junk, sizeof junk, NULL, &x), CPS_ERR_WASM_MALFORMED);
    ASSERT(cps_vm_cache_get(c, h4) == NULL);
    cps_vm_module_release(a);
    cps_vm_module_release(b);
    cps_vm_cache_destroy(c);
    free(bytes);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
