/* Contract-level tests: the SDK's test contracts (contracts/test/NAME.c, compiled to wasm32 by the
 * build into <build>/contracts/test/) run their own scenarios — written independently from the
 * intrinsics — against every intrinsic group, bound as the controller binds them, with a
 * hand-made apply context over a real state. Each action must end as the contract's comment
 * says: success (its checks passed), or the noted failure. */
#include <libgen.h>

#include "host_harness.h"

static char build_dir[512] = "build";

static const cps_chain_intrinsic_group *const all_groups[] = {&cps_chain__host_core,
                                                              &cps_chain__host_db_i64,
                                                              &cps_chain__host_db_idx,
                                                              &cps_chain__host_crypto,
                                                              &cps_chain__host_system,
                                                              &cps_chain__host_transaction,
                                                              &cps_chain__host_privileged,
                                                              &cps_chain__host_permission,
                                                              &cps_chain__host_compiler_rt,
                                                              &cps_chain__host_console,
                                                              NULL};

typedef struct contract {
    cps_vm_module *module;
    cps_vm_instance *inst;
    cps_vm_host_func *funcs;
    cps_chain_trx_context trx;
    cps_chain_apply_context ctx;
    cps_transaction trx_body;
    cps_action act;
    cps_permission_level auth;
    /* state for the table intrinsics */
    char dir[64];
    cps_state *st;
    cps_state_db *db;
} contract;

static int load_contract(contract *c, const char *name)
{
    memset(c, 0, sizeof *c);
    char path[640];
    snprintf(path, sizeof path, "%s/contracts/test/%s.wasm", build_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cps_fail(CPS_ERR_IO, "%s not found (the build makes it unless CONTRACTS=no)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bin = malloc((size_t)n);
    size_t got = fread(bin, 1, (size_t)n, f);
    fclose(f);
    int rc = got == (size_t)n ? cps_vm_module_load(bin, got, NULL, &c->module) : CPS_ERR_IO;
    free(bin);
    if (rc) return rc;
    size_t count = 0;
    for (size_t g = 0; all_groups[g]; g++)
        count += all_groups[g]->count;
    c->funcs = calloc(count, sizeof *c->funcs);
    count = 0;
    for (size_t g = 0; all_groups[g]; g++)
        for (size_t i = 0; i < all_groups[g]->count; i++)
            c->funcs[count++] = all_groups[g]->funcs[i];
    cps_vm_imports imports = {c->funcs, count, NULL, NULL};
    rc = cps_vm_instance_create(c->module, &imports, NULL, NULL, false, &c->inst);
    if (rc) return rc;
    /* state for tables */
    snprintf(c->dir, sizeof c->dir, "/tmp/cps-host-contract-XXXXXX");
    if (!mkdtemp(c->dir)) return CPS_ERR_IO;
    cps_state_options o = {0};
    o.map_size = 64u << 20;
    o.sync = CPS_STATE_SYNC_NONE;
    if ((rc = cps_state_open(c->dir, &o, &c->st)) || (rc = cps_state_block_begin(c->st, 0, NULL)) ||
        (rc = cps_state_db_create(&c->db)))
        return rc;
    cps_name self = cps_abi_name("tester");
    cps_state_db_reset(c->db, cps_state_pending_view(c->st), self, NULL, NULL);
    c->ctx.trx = &c->trx;
    c->ctx.act = &c->act;
    c->ctx.receiver = self;
    c->ctx.db = c->db;
    c->trx.trx = &c->trx_body;
    c->auth.actor = self;
    c->auth.permission = cps_abi_name("active");
    c->act.account = self;
    c->act.authorization = &c->auth;
    c->act.authorization_count = 1;
    return 0;
}

static void unload_contract(contract *c)
{
    cps_vm_instance_destroy(c->inst);
    cps_vm_module_release(c->module);
    free(c->funcs);
    cps_buf_free(&c->ctx.console);
    cps_buf_free(&c->ctx.return_value);
    cps_state_db_destroy(c->db);
    cps_state_close(c->st);
    if (c->dir[0]) {
        char cmd[96];
        snprintf(cmd, sizeof cmd, "rm -rf %s", c->dir);
        if (system(cmd)) fprintf(stderr, "could not remove %s\n", c->dir);
    }
}

/* apply(receiver, code, action) with the given action data; console reset first. */
static int run(contract *c, const char *action, const void *data, size_t size)
{
    c->act.name = cps_abi_name(action);
    c->act.data.data = data;
    c->act.data.size = size;
    cps_buf_reset(&c->ctx.console);
    int rc = cps_vm_instance_reset(c->inst);
    if (rc) return rc;
    cps_vm_value args[3] = {cps_vm_i64(c->ctx.receiver), cps_vm_i64(c->act.account),
                            cps_vm_i64(c->act.name)};
    cps_vm_exec ex = {100000000, 0, 0, &c->ctx};
    cps_clear_error();
    rc = cps_vm_call(c->inst, "apply", args, 3, NULL, 0, &ex);
    if (rc && rc != CPS_CHAIN_WASM_EXIT)
        fprintf(stderr, "    %s: %s (%s)\n", action, cps_error_name(rc), cps_last_error());
    return rc;
}

TEST(test_dbidx_scenarios)
{
    contract c;
    ASSERT_OK(load_contract(&c, "test_dbidx"));
    const char *actions[] = {"idxsmall", "idxwide", "idxhash", "idxdouble", "idxldouble", "table"};
    for (size_t i = 0; i < CPS_ARRAY_LEN(actions); i++)
        ASSERT_OK(run(&c, actions[i], NULL, 0));
    /* the scenarios leave nothing behind: they can run again */
    ASSERT_OK(run(&c, "idxldouble", NULL, 0));
    unload_contract(&c);
}

TEST(test_print_output)
{
    contract c;
    ASSERT_OK(load_contract(&c, "test_print"));
    ASSERT_OK(run(&c, "print", NULL, 0));
    ASSERT_STR_EQ(cps_buf_cstr(&c.ctx.console),
                  "text|abc|-42|42|eosio.token|01abff|-1|18446744073709551616|"
                  "1.500000e+00|1.250000000000000e-01|2.500000000000000000e+00|");
    unload_contract(&c);
}

TEST(test_crypto_actions)
{
    contract c;
    ASSERT_OK(load_contract(&c, "test_crypto"));
    ASSERT_OK(run(&c, "known", NULL, 0));
    /* hashes(data, sha1, sha256, sha512, ripemd160) */
    const char *text = "the quick brown fox";
    size_t n = strlen(text);
    cps_buf d = {0};
    uint8_t h[64];
    cps_write_blob(&d, text, n);
    cps_sha1(text, n, h);
    cps_write_bytes(&d, h, 20);
    cps_sha256(text, n, h);
    cps_write_bytes(&d, h, 32);
    cps_sha512(text, n, h);
    cps_write_bytes(&d, h, 64);
    cps_ripemd160(text, n, h);
    cps_write_bytes(&d, h, 20);
    ASSERT_OK(run(&c, "hashes", d.data, d.size));
    /* badhash(data, sha256) */
    cps_buf_reset(&d);
    cps_write_blob(&d, text, n);
    cps_sha256("something else", 14, h);
    cps_write_bytes(&d, h, 32);
    ASSERT_EQ(run(&c, "badhash", d.data, d.size), CPS_ERR_CHECKSUM);
    ASSERT_STR_EQ(cps_last_error(), "hash mismatch");
    /* recover(digest, sig, key), for K1 and R1; badrecover with another key */
    enum cps_key_type types[2] = {CPS_KEY_K1, CPS_KEY_R1};
    for (int t = 0; t < 2; t++) {
        cps_private_key k, k2;
        cps_public_key pub, pub2;
        cps_signature sig;
        uint8_t digest[32];
        cps_sha256(text, n, digest);
        ASSERT_OK(cps_key_generate(types[t], &k));
        ASSERT_OK(cps_key_generate(types[t], &k2));
        ASSERT_OK(cps_key_public(&k, &pub));
        ASSERT_OK(cps_key_public(&k2, &pub2));
        ASSERT_OK(cps_sign(&k, digest, &sig));
        cps_buf_reset(&d);
        cps_write_bytes(&d, digest, 32);
        cps_signature_pack(&d, &sig);
        cps_public_key_pack(&d, &pub);
        ASSERT_OK(run(&c, "recover", d.data, d.size));
        cps_buf_reset(&d);
        cps_write_bytes(&d, digest, 32);
        cps_signature_pack(&d, &sig);
        cps_public_key_pack(&d, &pub2);
        ASSERT_EQ(run(&c, "badrecover", d.data, d.size), CPS_ERR_CRYPTO);
        cps_private_key_wipe(&k);
        cps_private_key_wipe(&k2);
    }
    cps_buf_free(&d);
    unload_contract(&c);
}

TEST(test_system_exit_ends_the_action)
{
    contract c;
    ASSERT_OK(load_contract(&c, "test_system"));
    /* eosio_exit stops the contract before its failing check; the controller maps the code to
     * success */
    ASSERT_EQ(run(&c, "exit", NULL, 0), CPS_CHAIN_WASM_EXIT);
    ASSERT_STR_EQ(cps_buf_cstr(&c.ctx.console), "before exit");
    ASSERT_OK(run(&c, "pass", NULL, 0));
    unload_contract(&c);
}

TEST(test_transaction_txinfo_and_cfdata)
{
    contract c;
    ASSERT_OK(load_contract(&c, "test_transaction"));
    /* a transaction whose second action is this txinfo action */
    cps_action acts[2];
    memset(acts, 0, sizeof acts);
    acts[0].account = cps_abi_name("eosio.null");
    acts[0].name = cps_abi_name("nonce");
    acts[0].authorization = &c.auth;
    acts[0].authorization_count = 1;
    acts[1].account = c.ctx.receiver;
    acts[1].name = cps_abi_name("txinfo");
    acts[1].authorization = &c.auth;
    acts[1].authorization_count = 1;
    cps_transaction t;
    memset(&t, 0, sizeof t);
    t.header.expiration = 1700000000;
    t.header.ref_block_num = 0x1234;
    t.header.ref_block_prefix = 0xDEADBEEF;
    t.actions = acts;
    t.action_count = 2;
    cps_buf raw = {0};
    ASSERT_OK(cps_abi_transaction_pack(&raw, &t));
    cps_arena arena = {0};
    ASSERT_OK(cps_abi_transaction_decode(raw.data, raw.size, &arena, &c.trx_body));
    c.trx.raw_trx.data = raw.data;
    c.trx.raw_trx.size = raw.size;
    ASSERT_OK(run(&c, "txinfo", NULL, 0));
    /* cfdata(index, data) in a context-free action */
    cps_bytes cfd[2] = {{(const uint8_t *)"zero", 4}, {(const uint8_t *)"item one", 8}};
    c.trx.cfd = cfd;
    c.trx.cfd_count = 2;
    c.ctx.context_free = true;
    cps_buf d = {0};
    cps_write_u32(&d, 1);
    cps_write_blob(&d, "item one", 8);
    ASSERT_OK(run(&c, "cfdata", d.data, d.size));
    cps_buf_reset(&d);
    cps_write_u32(&d, 0);
    cps_write_blob(&d, "zer0", 4);
    ASSERT_EQ(run(&c, "cfdata", d.data, d.size), CPS_ERR_ASSERT); /* its check sees "zero" */
    ASSERT_CONTAINS(cps_last_error(), "context-free data differs");
    cps_buf_free(&d);
    cps_abi_arena_free(&arena);
    cps_buf_free(&raw);
    unload_contract(&c);
}

int main(int argc, char **argv)
{
    /* argv[0] is <build>/tests/chain/test_host_contracts */
    char path[512];
    snprintf(path, sizeof path, "%s", argv[0]);
    char *d = dirname(path); /* <build>/tests/chain */
    snprintf(build_dir, sizeof build_dir, "%s/../..", d);
    return test_main(argc, argv);
}
