/* Test harness for intrinsic groups: builds, at test time, a wasm module (WAT assembled with
 * wabt's wat2wasm) that imports every function of the given groups from "env" and re-exports each
 * under the same name with the same signature, plus its memory as "memory" (2 pages). Tests call
 * the exports through the VM with a hand-made apply context as the call's user pointer, so the
 * host functions run exactly as a contract would reach them: real bounds checks, traps and
 * budget charges. Included by one test program at a time (everything is static). */
#ifndef CPS_TESTS_CHAIN_HOST_HARNESS_H
#define CPS_TESTS_CHAIN_HOST_HARNESS_H

#include <unistd.h>

#include "chain/host_groups.h"
#include "test.h"

typedef struct harness {
    cps_vm_module *module;
    cps_vm_instance *inst;
    cps_vm_host_func *funcs;
    size_t nfuncs;
    cps_chain_trx_context trx;
    cps_chain_apply_context ctx;
    cps_transaction trx_body;
    cps_action act;
    uint64_t budget;    /* per call */
    uint64_t last_used; /* units the last call used */
} harness;

/* Assembles WAT text into a malloc'ed wasm binary (NULL on failure). */
static inline uint8_t *harness_wat(const char *text, size_t *size)
{
    char in[] = "/tmp/cps-host-test-XXXXXX";
    int fd = mkstemp(in);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char out[64], cmd[256];
    snprintf(out, sizeof out, "%s.wasm", in);
    snprintf(cmd, sizeof cmd, "wat2wasm %s -o %s 2>&1", in, out);
    int rc = system(cmd);
    unlink(in);
    if (rc != 0) return NULL;
    f = fopen(out, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    unlink(out);
    *size = (size_t)n;
    return p;
}

static inline const char *harness_type(char c)
{
    switch (c) {
    case 'i':
        return "i32";
    case 'I':
        return "i64";
    case 'f':
        return "f32";
    case 'F':
        return "f64";
    default:
        return "?";
    }
}

/* "(iI)i" -> "(param i32 i64) (result i32)"; also returns the parameter count. */
static inline void harness_sig(cps_buf *b, const char *sig, int *nparams)
{
    const char *p = sig + 1;
    *nparams = 0;
    cps_buf_printf(b, " (param");
    while (*p && *p != ')') {
        cps_buf_printf(b, " %s", harness_type(*p++));
        (*nparams)++;
    }
    cps_buf_printf(b, ")");
    if (*p == ')') p++;
    if (*p) cps_buf_printf(b, " (result %s)", harness_type(*p));
}

/* Binds the groups (NULL-terminated list) into a new instance. 0 or an error code. */
static inline int harness_open(harness *h, const cps_chain_intrinsic_group *const *groups)
{
    memset(h, 0, sizeof *h);
    size_t n = 0;
    for (size_t g = 0; groups[g]; g++)
        n += groups[g]->count;
    h->funcs = calloc(n, sizeof *h->funcs);
    for (size_t g = 0; groups[g]; g++)
        for (size_t i = 0; i < groups[g]->count; i++)
            h->funcs[h->nfuncs++] = groups[g]->funcs[i];
    cps_buf w = {0};
    cps_buf_printf(&w, "(module\n");
    for (size_t i = 0; i < h->nfuncs; i++) {
        int np;
        cps_buf_printf(&w, "  (import \"env\" \"%s\" (func $%s", h->funcs[i].name,
                       h->funcs[i].name);
        harness_sig(&w, h->funcs[i].signature, &np);
        cps_buf_printf(&w, "))\n");
    }
    cps_buf_printf(&w, "  (memory (export \"memory\") 2)\n");
    for (size_t i = 0; i < h->nfuncs; i++) {
        int np;
        cps_buf_printf(&w, "  (func (export \"%s\")", h->funcs[i].name);
        harness_sig(&w, h->funcs[i].signature, &np);
        for (int k = 0; k < np; k++)
            cps_buf_printf(&w, " local.get %d", k);
        cps_buf_printf(&w, " call $%s)\n", h->funcs[i].name);
    }
    cps_buf_printf(&w, ")\n");
    size_t size;
    uint8_t *bin = harness_wat(cps_buf_cstr(&w), &size);
    cps_buf_free(&w);
    if (!bin) return -1000;
    int rc = cps_vm_module_load(bin, size, NULL, &h->module);
    free(bin);
    if (rc) return rc;
    cps_vm_imports imports = {h->funcs, h->nfuncs, NULL, NULL};
    rc = cps_vm_instance_create(h->module, &imports, NULL, NULL, false, &h->inst);
    if (rc) return rc;
    /* A minimal context: a normal (not context-free), unprivileged action of "alice". */
    h->ctx.trx = &h->trx;
    h->trx.trx = &h->trx_body;
    h->ctx.act = &h->act;
    h->ctx.receiver = cps_abi_name("alice");
    h->act.account = cps_abi_name("alice");
    h->act.name = cps_abi_name("test");
    h->budget = 1000000;
    return 0;
}

/* Optionally, a real chain behind the context: a controller opened from nodeos's default genesis
 * (accounts eosio, eosio.null, eosio.prods) in a temporary directory, with a pending block, so
 * account, permission and configuration queries answer from real state. */
typedef struct harness_chain {
    char dir[64];
    cps_chain_controller *chain;
} harness_chain;

/* The same, with protocol features the first block activates (cps_chain_controller_schedule_
 * protocol_features), given by digest. */
static inline int harness_chain_open_with(harness *h, harness_chain *c,
                                          const cps_checksum256 *features, size_t nfeatures);

static inline int harness_chain_open(harness *h, harness_chain *c)
{
    return harness_chain_open_with(h, c, NULL, 0);
}

static inline int harness_chain_open_with(harness *h, harness_chain *c,
                                          const cps_checksum256 *features, size_t nfeatures)
{
    snprintf(c->dir, sizeof c->dir, "/tmp/cps-host-chain-XXXXXX");
    if (!mkdtemp(c->dir)) return -1;
    cps_chain_controller_options o;
    memset(&o, 0, sizeof o);
    o.data_dir = c->dir;
    o.state_map_size = 64u << 20;
    o.state_sync = CPS_STATE_SYNC_NONE;
    o.block_log_no_sync = true;
    int rc = cps_chain_controller_open(&o, &c->chain);
    if (!rc && nfeatures)
        rc = cps_chain_controller_schedule_protocol_features(c->chain, features, nfeatures);
    if (rc) return rc;
    uint32_t slot = cps_chain_controller_head_timestamp(c->chain) + 1;
    rc = cps_chain_controller_start_block(c->chain, slot, cps_abi_name("eosio"));
    if (rc) return rc;
    h->trx.chain = c->chain;
    h->trx.state = cps_chain_controller_state(c->chain);
    h->trx.config = cps_chain_controller_config(c->chain);
    h->trx.block_num = cps_chain_controller_head_num(c->chain) + 1;
    h->trx.block_time_us = cps_block_timestamp_to_us(slot);
    return 0;
}

static inline void harness_chain_close(harness_chain *c)
{
    cps_chain_controller_close(c->chain);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", c->dir);
    if (system(cmd)) fprintf(stderr, "harness: could not remove %s\n", c->dir);
}

static inline void harness_close(harness *h)
{
    cps_vm_instance_destroy(h->inst);
    cps_vm_module_release(h->module);
    free(h->funcs);
    cps_buf_free(&h->ctx.console);
    cps_buf_free(&h->ctx.return_value);
    memset(h, 0, sizeof *h);
}

/* The instance's linear memory. */
static inline uint8_t *harness_mem(harness *h)
{
    cps_vm_extern e;
    uint64_t size = 0;
    uint8_t *m = NULL;
    if (cps_vm_instance_export(h->inst, "memory", &e) == 0) m = cps_vm_memory_data(e.ptr, &size);
    if (!m || size < 65536) {
        fprintf(stderr, "harness: the test module has no memory\n");
        abort();
    }
    return m;
}

/* Calls export `name`; *res (may be NULL for functions without a result) receives the result. */
static inline int harness_call(harness *h, const char *name, const cps_vm_value *args, size_t nargs,
                               cps_vm_value *res)
{
    cps_vm_exec ex = {h->budget, 0, 0, &h->ctx};
    cps_clear_error();
    int rc = cps_vm_call(h->inst, name, args, nargs, res, res ? 1 : 0, &ex);
    h->last_used = ex.used;
    return rc;
}

static inline cps_vm_value hv_f32(uint32_t bits)
{
    cps_vm_value v;
    v.type = CPS_VM_F32;
    v.v.i64 = 0;
    v.v.i32 = bits;
    return v;
}

static inline cps_vm_value hv_f64(uint64_t bits)
{
    cps_vm_value v;
    v.type = CPS_VM_F64;
    v.v.i64 = bits;
    return v;
}

#define HV_I32(x) cps_vm_i32((uint32_t)(x))
#define HV_I64(x) cps_vm_i64((uint64_t)(x))

#endif
