/* Fuzz target for the decoders inside chain's intrinsics (host_*.c): fuzzed bytes are placed in a
 * contract's memory and handed, through the VM as a contract would, to the host functions that
 * decode untrusted input — signatures and keys (recover_key, assert_recover_key, k1_recover),
 * producer schedules (set_proposed_producers(_ex)), transactions, key and permission sets
 * (check_*_authorization, send_deferred), configurations (set_blockchain_parameters_packed,
 * get/set_parameters_packed). Any outcome but a crash, a sanitizer report or a leak is fine. The
 * wasm module that re-exports them is assembled in memory; a real controller (default genesis,
 * in a temporary directory) answers the chain queries. */
#include "chain/host_groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cps_chain_intrinsic_group *const groups[] = {
    &cps_chain__host_crypto, &cps_chain__host_privileged, &cps_chain__host_permission,
    &cps_chain__host_transaction};

static cps_vm_host_func funcs[64];
static size_t nfuncs;
static cps_vm_module *module;
static cps_vm_instance *inst;
static cps_chain_controller *chain;
static cps_chain_trx_context trx;
static cps_chain_apply_context ctx;
static cps_transaction trx_body;
static cps_action act;

/* ---- a minimal wasm binary writer: imports re-exported through wrapper functions ---------- */

static void leb(cps_buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        cps_write_u8(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static void name(cps_buf *b, const char *s)
{
    leb(b, (uint32_t)strlen(s));
    cps_write_bytes(b, s, strlen(s));
}

static uint8_t valtype(char c)
{
    return c == 'i' ? 0x7f : c == 'I' ? 0x7e : c == 'f' ? 0x7d : 0x7c;
}

static void section(cps_buf *out, uint8_t id, cps_buf *body)
{
    cps_write_u8(out, id);
    leb(out, (uint32_t)body->size);
    cps_write_bytes(out, body->data, body->size);
    cps_buf_reset(body);
}

static int nparams(const char *sig)
{
    return (int)(strchr(sig, ')') - sig - 1);
}

static void build_module(cps_buf *out)
{
    cps_buf s = {0};
    cps_write_bytes(out, "\0asm\1\0\0\0", 8);
    leb(&s, (uint32_t)nfuncs); /* types: one per function */
    for (size_t i = 0; i < nfuncs; i++) {
        const char *sig = funcs[i].signature, *close = strchr(sig, ')');
        cps_write_u8(&s, 0x60);
        leb(&s, (uint32_t)nparams(sig));
        for (const char *p = sig + 1; p < close; p++)
            cps_write_u8(&s, valtype(*p));
        leb(&s, close[1] ? 1 : 0);
        if (close[1]) cps_write_u8(&s, valtype(close[1]));
    }
    section(out, 1, &s);
    leb(&s, (uint32_t)nfuncs); /* imports */
    for (size_t i = 0; i < nfuncs; i++) {
        name(&s, "env");
        name(&s, funcs[i].name);
        cps_write_u8(&s, 0x00);
        leb(&s, (uint32_t)i);
    }
    section(out, 2, &s);
    leb(&s, (uint32_t)nfuncs); /* functions: wrapper i has type i */
    for (size_t i = 0; i < nfuncs; i++)
        leb(&s, (uint32_t)i);
    section(out, 3, &s);
    leb(&s, 1); /* memory: 2 pages */
    cps_write_u8(&s, 0x00);
    leb(&s, 2);
    section(out, 5, &s);
    leb(&s, (uint32_t)nfuncs + 1); /* exports */
    name(&s, "memory");
    cps_write_u8(&s, 0x02);
    leb(&s, 0);
    for (size_t i = 0; i < nfuncs; i++) {
        name(&s, funcs[i].name);
        cps_write_u8(&s, 0x00);
        leb(&s, (uint32_t)(nfuncs + i));
    }
    section(out, 7, &s);
    leb(&s, (uint32_t)nfuncs); /* code: local.get each parameter, call the import */
    cps_buf body = {0};
    for (size_t i = 0; i < nfuncs; i++) {
        leb(&body, 0);
        for (int k = 0; k < nparams(funcs[i].signature); k++) {
            cps_write_u8(&body, 0x20);
            leb(&body, (uint32_t)k);
        }
        cps_write_u8(&body, 0x10);
        leb(&body, (uint32_t)i);
        cps_write_u8(&body, 0x0b);
        leb(&s, (uint32_t)body.size);
        cps_write_bytes(&s, body.data, body.size);
        cps_buf_reset(&body);
    }
    cps_buf_free(&body);
    section(out, 10, &s);
    cps_buf_free(&s);
}

static char chain_dir[] = "/tmp/cps-fuzz-host-XXXXXX";

static void remove_chain(void)
{
    cps_chain_controller_close(chain);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", chain_dir);
    if (system(cmd)) fprintf(stderr, "fuzz_chain_host: could not remove %s\n", chain_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    for (size_t g = 0; g < CPS_ARRAY_LEN(groups); g++)
        for (size_t i = 0; i < groups[g]->count && nfuncs < CPS_ARRAY_LEN(funcs); i++)
            funcs[nfuncs++] = groups[g]->funcs[i];
    cps_buf bin = {0};
    build_module(&bin);
    cps_vm_imports imports = {funcs, nfuncs, NULL, NULL};
    if (cps_vm_module_load(bin.data, bin.size, NULL, &module) ||
        cps_vm_instance_create(module, &imports, NULL, NULL, false, &inst)) {
        fprintf(stderr, "fuzz_chain_host: module: %s\n", cps_last_error());
        abort();
    }
    cps_buf_free(&bin);
    if (!mkdtemp(chain_dir)) abort();
    cps_chain_controller_options o;
    memset(&o, 0, sizeof o);
    o.data_dir = chain_dir;
    o.state_map_size = 64u << 20;
    o.state_sync = CPS_STATE_SYNC_NONE;
    o.block_log_no_sync = true;
    if (cps_chain_controller_open(&o, &chain) ||
        cps_chain_controller_start_block(chain, cps_chain_controller_head_timestamp(chain) + 1,
                                         cps_abi_name("eosio"))) {
        fprintf(stderr, "fuzz_chain_host: chain: %s\n", cps_last_error());
        abort();
    }
    atexit(remove_chain);
    trx.chain = chain;
    trx.config = cps_chain_controller_config(chain);
    trx.trx = &trx_body;
    ctx.trx = &trx;
    ctx.act = &act;
    ctx.receiver = cps_abi_name("eosio");
    ctx.privileged = true;
    return 0;
}

#define I32(x) cps_vm_i32((uint32_t)(x))
#define I64(x) cps_vm_i64((uint64_t)(x))
#define AT 64u /* where the input goes */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 60000) return 0;
    cps_vm_extern e;
    uint64_t msize;
    if (cps_vm_instance_export(inst, "memory", &e)) abort();
    uint8_t *mem = cps_vm_memory_data(e.ptr, &msize);
    uint32_t n = (uint32_t)size - 2, split = n ? data[1] % (n + 1) : 0, rest = n - split;
    memcpy(mem + AT, data + 2, n);
    const char *fn;
    cps_vm_value a[7];
    size_t na;
    switch (data[0] % 12) {
    case 0:
        fn = "recover_key", na = 5;
        a[0] = I32(AT), a[1] = I32(AT + 32), a[2] = I32(n > 32 ? n - 32 : 0), a[3] = I32(65000),
        a[4] = I32(data[1]);
        break;
    case 1:
        fn = "assert_recover_key", na = 5;
        a[0] = I32(AT), a[1] = I32(AT), a[2] = I32(split), a[3] = I32(AT + split), a[4] = I32(rest);
        break;
    case 2:
        fn = "set_proposed_producers", na = 2, a[0] = I32(AT), a[1] = I32(n);
        break;
    case 3:
        fn = "set_proposed_producers_ex", na = 3;
        a[0] = I64(data[1] & 1), a[1] = I32(AT), a[2] = I32(n);
        break;
    case 4:
        fn = "check_transaction_authorization", na = 6;
        a[0] = I32(AT), a[1] = I32(split), a[2] = I32(AT + split), a[3] = I32(rest / 2),
        a[4] = I32(AT + split + rest / 2), a[5] = I32(rest - rest / 2);
        break;
    case 5:
        fn = "check_permission_authorization", na = 7;
        a[0] = I64(cps_abi_name("eosio")), a[1] = I64(cps_abi_name("active")), a[2] = I32(AT),
        a[3] = I32(split), a[4] = I32(AT + split), a[5] = I32(rest), a[6] = I64(data[1]);
        break;
    case 6:
        fn = "set_parameters_packed", na = 2, a[0] = I32(AT), a[1] = I32(n);
        break;
    case 7:
        fn = "get_parameters_packed", na = 4;
        a[0] = I32(AT), a[1] = I32(n), a[2] = I32(AT + n), a[3] = I32(data[1]);
        break;
    case 8:
        fn = "set_blockchain_parameters_packed", na = 2, a[0] = I32(AT), a[1] = I32(n);
        break;
    case 9:
        fn = "send_deferred", na = 5;
        a[0] = I32(0), a[1] = I64(cps_abi_name("eosio")), a[2] = I32(AT), a[3] = I32(n),
        a[4] = I32(0);
        break;
    case 10:
        fn = "k1_recover", na = 6;
        a[0] = I32(AT), a[1] = I32(split), a[2] = I32(AT + split), a[3] = I32(rest / 2),
        a[4] = I32(AT + split + rest / 2), a[5] = I32(rest - rest / 2);
        break;
    default:
        fn = "sha3", na = 5;
        a[0] = I32(AT), a[1] = I32(n), a[2] = I32(AT + n), a[3] = I32(data[1]),
        a[4] = I32(data[1] & 1);
        break;
    }
    cps_vm_value res;
    size_t nres = 1;
    for (size_t i = 0; i < nfuncs; i++)
        if (!strcmp(funcs[i].name, fn)) nres = strchr(funcs[i].signature, ')')[1] ? 1 : 0;
    cps_vm_exec ex = {10000000, 0, 0, &ctx};
    (void)cps_vm_call(inst, fn, a, na, &res, nres, &ex);
    return 0;
}
