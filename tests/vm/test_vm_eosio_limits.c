/* Tests of the VM's EOSIO deployment checks (cps_vm_limits' max_section_elements ...
 * max_symbol_bytes, the on-chain wasm_config as eos-vm's parser applies it): each limit accepts
 * a module exactly at it, refuses one a byte or an entry over it with CPS_ERR_LIMIT and a message
 * naming the rule, and is off by default. Modules are WAT assembled with wabt's wat2wasm. */
#include <unistd.h>

#include "test.h"
#include "vm/vm.h"

/* Assembles `text` with wat2wasm into a malloc'ed buffer (NULL on failure). */
static uint8_t *wat(const char *text, size_t *size)
{
    char in[] = "/tmp/cps-vm-eosio-XXXXXX";
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

/* Loads `text` under `lim` and releases the module: the load's result. */
static int try_load(const char *text, const cps_vm_limits *lim)
{
    size_t n;
    uint8_t *b = wat(text, &n);
    if (!b) return -1000;
    cps_vm_module *m = NULL;
    int rc = cps_vm_module_load(b, n, lim, &m);
    free(b);
    cps_vm_module_release(m);
    return rc;
}

static cps_vm_limits defaults(void)
{
    cps_vm_limits l;
    cps_vm_limits_default(&l);
    return l;
}

TEST(checks_are_off_by_default)
{
    cps_vm_limits l = defaults();
    ASSERT_EQ(l.max_section_elements, UINT32_MAX);
    ASSERT_EQ(l.max_mutable_global_bytes, UINT32_MAX);
    ASSERT_EQ(l.max_table_elements, UINT32_MAX);
    ASSERT_EQ(l.max_initial_pages, UINT32_MAX);
    ASSERT_EQ(l.max_linear_memory_init, UINT32_MAX);
    ASSERT_EQ(l.max_func_local_bytes, UINT32_MAX);
    ASSERT_EQ(l.max_symbol_bytes, UINT32_MAX);
    /* a module over every EOSIO default loads without the checks */
    ASSERT_OK(try_load("(module (memory 1) (data (i32.const 70000) \"x\")"
                       " (func (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)))",
                       NULL));
}

TEST(section_elements_per_section)
{
    const char *five_exports = "(module (func $f) (export \"a\" (func $f)) (export \"b\" (func $f))"
                               " (export \"c\" (func $f)) (export \"d\" (func $f))"
                               " (export \"e\" (func $f)))";
    cps_vm_limits l = defaults();
    l.max_section_elements = 5;
    ASSERT_OK(try_load(five_exports, &l));
    l.max_section_elements = 4;
    ASSERT_EQ(try_load(five_exports, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "5 exports is over the limit of 4");
    /* the count is per section: 3 types and 3 functions pass a limit of 3 */
    const char *three = "(module (type (func)) (type (func (param i32))) (type (func (param i64)))"
                        " (func (type 0)) (func (type 1)) (func (type 2)))";
    l.max_section_elements = 3;
    ASSERT_OK(try_load(three, &l));
    l.max_section_elements = 2;
    ASSERT_EQ(try_load(three, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "3 types is over the limit of 2");
}

TEST(mutable_global_bytes_count_only_mutable_globals)
{
    /* 8 + 8 + 4 mutable bytes; the immutable i64 does not count */
    const char *g = "(module (global (mut i64) (i64.const 1)) (global i64 (i64.const 2))"
                    " (global (mut f64) (f64.const 3)) (global (mut i32) (i32.const 4)))";
    cps_vm_limits l = defaults();
    l.max_mutable_global_bytes = 20;
    ASSERT_OK(try_load(g, &l));
    l.max_mutable_global_bytes = 19;
    ASSERT_EQ(try_load(g, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "mutable globals exceeded limit");
    ASSERT_CONTAINS(cps_last_error(), "20 bytes");
}

TEST(table_elements_and_initial_pages)
{
    const char *t = "(module (table 10 funcref) (memory 3))";
    cps_vm_limits l = defaults();
    l.max_table_elements = 10;
    l.max_initial_pages = 3;
    ASSERT_OK(try_load(t, &l));
    l.max_table_elements = 9;
    ASSERT_EQ(try_load(t, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "table size exceeds limit");
    l.max_table_elements = 10;
    l.max_initial_pages = 2;
    ASSERT_EQ(try_load(t, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "initial memory out of range: 3 pages");
}

TEST(linear_memory_init_bounds_the_end_of_each_segment)
{
    const char *d = "(module (memory 1) (data (i32.const 100) \"abcd\") (data (i32.const 0) \"x\"))";
    cps_vm_limits l = defaults();
    l.max_linear_memory_init = 104;
    ASSERT_OK(try_load(d, &l));
    l.max_linear_memory_init = 103;
    ASSERT_EQ(try_load(d, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "data segment 0 exceeds the linear memory init limit");
    ASSERT_CONTAINS(cps_last_error(), "ends at 104");
    /* an offset read from a global cannot be bounded: refused while the limit is on */
    const char *gd = "(module (import \"env\" \"g\" (global i32)) (memory 1)"
                     " (data (global.get 0) \"abcd\"))";
    ASSERT_EQ(try_load(gd, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "must be an i32.const");
    ASSERT_OK(try_load(gd, NULL));
}

TEST(symbol_bytes_bound_import_and_export_names)
{
    const char *s = "(module (import \"envxx\" \"abcdefgh\" (func)) (func (export \"fn1234\")))";
    cps_vm_limits l = defaults();
    l.max_symbol_bytes = 8;
    ASSERT_OK(try_load(s, &l));
    l.max_symbol_bytes = 7;
    ASSERT_EQ(try_load(s, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "import field name of 8 bytes is over max_symbol_bytes (7)");
    l.max_symbol_bytes = 4;
    ASSERT_EQ(try_load(s, &l), CPS_ERR_LIMIT); /* the module name comes first */
    ASSERT_CONTAINS(cps_last_error(), "import module name of 5");
    const char *e = "(module (func (export \"fn1234\")))";
    ASSERT_EQ(try_load(e, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "export name of 6 bytes");
}

TEST(func_local_bytes_count_locals_and_the_operand_stack)
{
    cps_vm_limits l = defaults();
    /* params do not count; locals do: 8 + 4 */
    const char *locals = "(module (func (param i64 i64 i64) (local i64 f32)))";
    l.max_func_local_bytes = 12;
    ASSERT_OK(try_load(locals, &l));
    l.max_func_local_bytes = 11;
    ASSERT_EQ(try_load(locals, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "local variable limit exceeded: locals of 12 bytes");
    /* a local of 8 bytes and two i64 operands at once: peak 24 */
    const char *stack = "(module (func (local i64) i64.const 1 i64.const 2 i64.add drop"
                        " i32.const 1 drop))";
    l.max_func_local_bytes = 24;
    ASSERT_OK(try_load(stack, &l));
    l.max_func_local_bytes = 23;
    ASSERT_EQ(try_load(stack, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "local variable limit exceeded");
    ASSERT_CONTAINS(cps_last_error(), "reach 24 bytes");
    /* the function's result is pushed at its end */
    const char *result = "(module (func (result i64) i64.const 7))";
    l.max_func_local_bytes = 8;
    ASSERT_OK(try_load(result, &l));
}

TEST(func_local_bytes_keep_what_a_branch_discards)
{
    /* i64 and i32 on the stack (12), `br 0` leaves the block: eos-vm does not uncount them, and
     * the block's i32 result is pushed on top (16) */
    const char *br = "(module (func (block (result i32) i64.const 0 i32.const 1 br 0) drop))";
    cps_vm_limits l = defaults();
    l.max_func_local_bytes = 16;
    ASSERT_OK(try_load(br, &l));
    l.max_func_local_bytes = 15;
    ASSERT_EQ(try_load(br, &l), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "reach 16 bytes");
    /* a frame made unreachable twice turns counting off for the rest of the function */
    const char *twice = "(module (func (block unreachable unreachable)"
                        " i64.const 1 i64.const 2 i64.const 3 drop drop drop))";
    l.max_func_local_bytes = 8;
    ASSERT_OK(try_load(twice, &l));
    const char *once = "(module (func (block unreachable)"
                       " i64.const 1 i64.const 2 i64.const 3 drop drop drop))";
    ASSERT_EQ(try_load(once, &l), CPS_ERR_LIMIT);
    /* an if/else counts each arm from the same height */
    const char *ifelse = "(module (func (param i32) (result i64) local.get 0"
                         " (if (result i64) (then i64.const 1) (else i64.const 2))))";
    l.max_func_local_bytes = 8;
    ASSERT_OK(try_load(ifelse, &l));
    l.max_func_local_bytes = 7;
    ASSERT_EQ(try_load(ifelse, &l), CPS_ERR_LIMIT);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
