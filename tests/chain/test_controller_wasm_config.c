/* The chain's wasm parameters through a real controller: the defaults at genesis, the round trip
 * of set/get_wasm_parameters_packed from a privileged contract (tests/chain/wat/wasmcfg.wat), the
 * refusals (unknown version, a field under its minimum, an unprivileged caller) with nodeos's
 * messages, a failed transaction undoing a change, the limits binding setcode (memory, locals,
 * symbols of tests/chain/wat/bigmem.wat) and execution (memory pages: a kept instance is remade
 * under new limits), and the values surviving a reopen and a snapshot. Also ctl_make_trx with an
 * action of empty data. */
#include "chain/controller_internal.h"
#include "ctl_helpers.h"

static const char wasmcfg_abi_json[] =
    "{\"version\":\"eosio::abi/1.1\",\"structs\":["
    "{\"name\":\"setwasm\",\"base\":\"\",\"fields\":[{\"name\":\"params\",\"type\":\"bytes\"}]},"
    "{\"name\":\"getwasm\",\"base\":\"\",\"fields\":[{\"name\":\"expected\",\"type\":\"bytes\"}]},"
    "{\"name\":\"noop\",\"base\":\"\",\"fields\":[]}],"
    "\"actions\":[{\"name\":\"setwasm\",\"type\":\"setwasm\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"getwasm\",\"type\":\"getwasm\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"noop\",\"type\":\"noop\",\"ricardian_contract\":\"\"}]}";

static cps_abi *abi;
static uint32_t nonce;

static int push1(cps_chain_controller *c, const char *account, const char *action,
                 const char *json, const cps_abi *a, const char *auth,
                 const cps_private_key *key)
{
    ctl_action act = {account, action, auth, a, json};
    ctl_trx_opts o = {0, false, nonce++ % 3000, 0};
    return ctl_push(c, &act, 1, key, 1, &o, NULL);
}

/* setcode of tests/chain/wat/<name>.wasm on `account` (key: its active key). */
static int deploy(cps_chain_controller *c, const char *account, const char *name,
                  const cps_private_key *key)
{
    char path[4200], auth[64];
    cps_buf wasm = {0}, json = {0};
    snprintf(path, sizeof path, "%s/tests/chain/wat/%s.wasm", ctl_build_dir, name);
    int rc = ctl_read_file(path, &wasm);
    if (rc) {
        fprintf(stderr, "    cannot read %s\n", path);
        return rc;
    }
    cps_buf_printf(&json, "{\"account\":\"%s\",\"vmtype\":0,\"vmversion\":0,\"code\":\"", account);
    cps_hex_append(&json, wasm.data, wasm.size);
    cps_buf_printf(&json, "\"}");
    snprintf(auth, sizeof auth, "%s@active", account);
    rc = push1(c, "eosio", "setcode", cps_buf_cstr(&json), NULL, auth, key);
    cps_buf_free(&wasm);
    cps_buf_free(&json);
    return rc;
}

/* version | the 11 fields, as hex for the `bytes` field */
static void params_hex(uint32_t version, const cps_chain_wasm_config *cfg, char *out)
{
    cps_buf b = {0};
    cps_write_u32(&b, version);
    cps_chain__wasm_config_pack(&b, cfg);
    cps_hex_encode(out, b.data, b.size);
    cps_buf_free(&b);
}

static int set_params(cps_chain_controller *c, const char *account, uint32_t version,
                      const cps_chain_wasm_config *cfg, const cps_private_key *key)
{
    char hex[2 * 48 + 1], json[200], auth[64];
    params_hex(version, cfg, hex);
    snprintf(json, sizeof json, "{\"params\":\"%s\"}", hex);
    snprintf(auth, sizeof auth, "%s@active", account);
    return push1(c, account, "setwasm", json, abi, auth, key);
}

static int check_params(cps_chain_controller *c, const cps_chain_wasm_config *cfg)
{
    char hex[2 * 48 + 1], json[200];
    params_hex(0, cfg, hex);
    snprintf(json, sizeof json, "{\"expected\":\"%s\"}", hex);
    cps_private_key dev = ctl_dev_key();
    return push1(c, "eosio", "getwasm", json, abi, "eosio@active", &dev);
}

static int load_cfg(cps_chain_controller *c, cps_chain_wasm_config *out)
{
    return cps_chain__wasm_config_load(c, NULL, out);
}

static bool same(const cps_chain_wasm_config *a, const cps_chain_wasm_config *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* A chain with wasmcfg on eosio, a block pending. */
static int open_chain(const char *dir, cps_chain_controller **c)
{
    int rc = 0;
    if (!abi) rc = cps_abi_from_json(wasmcfg_abi_json, strlen(wasmcfg_abi_json), &abi);
    if (!rc) rc = ctl_open(dir, c);
    if (!rc) rc = ctl_start(*c);
    cps_private_key dev = ctl_dev_key();
    if (!rc) rc = deploy(*c, "eosio", "wasmcfg", &dev);
    return rc;
}

TEST(defaults_at_genesis_and_the_round_trip)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(open_chain(dir, &c));
    cps_chain_wasm_config cfg, want;
    ASSERT_OK(load_cfg(c, &cfg));
    cps_chain__wasm_config_default(&want);
    ASSERT(same(&cfg, &want));
    ASSERT_EQ(cfg.max_mutable_global_bytes, 1024);
    ASSERT_EQ(cfg.max_section_elements, 8192);
    ASSERT_EQ(cfg.max_linear_memory_init, 65536);
    ASSERT_EQ(cfg.max_module_bytes, 20u << 20);
    ASSERT_EQ(cfg.max_pages, 528);
    ASSERT_EQ(cfg.max_call_depth, 251);
    ASSERT_OK(check_params(c, &want)); /* the contract reads the defaults */

    cps_chain_wasm_config next = want;
    next.max_mutable_global_bytes = 2048;
    next.max_symbol_bytes = 100;
    next.max_call_depth = 300;
    cps_private_key dev = ctl_dev_key();
    ASSERT_OK(set_params(c, "eosio", 0, &next, &dev));
    ASSERT_OK(load_cfg(c, &cfg));
    ASSERT(same(&cfg, &next));
    ASSERT_OK(check_params(c, &next));
    ASSERT_EQ(check_params(c, &want), CPS_ERR_ASSERT); /* the check can fail */
    ASSERT_CONTAINS(cps_last_error(), "wrote other bytes");
    ASSERT_OK(ctl_finish(c, NULL));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(bad_versions_and_values_are_refused_with_nodeos_messages)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(open_chain(dir, &c));
    cps_private_key dev = ctl_dev_key();
    cps_chain_wasm_config d, cfg;
    cps_chain__wasm_config_default(&d);
    ASSERT_NE(set_params(c, "eosio", 1, &d, &dev), 0);
    ASSERT_CONTAINS(cps_last_error(), "set_wasm_parameters_packed: Unknown version: 1");
    /* each minimum, one below it and at it */
    static const struct {
        size_t off;
        uint32_t min;
        const char *msg;
    } mins[] = {
        {offsetof(cps_chain_wasm_config, max_section_elements), 4,
         "max_section_elements cannot be less than 4"},
        {offsetof(cps_chain_wasm_config, max_func_local_bytes), 8,
         "max_func_local_bytes cannot be less than 8"},
        {offsetof(cps_chain_wasm_config, max_nested_structures), 1,
         "max_nested_structures cannot be less than 1"},
        {offsetof(cps_chain_wasm_config, max_symbol_bytes), 32,
         "max_symbol_bytes cannot be less than 32"},
        {offsetof(cps_chain_wasm_config, max_module_bytes), 256,
         "max_module_bytes cannot be less than 256"},
        {offsetof(cps_chain_wasm_config, max_code_bytes), 32,
         "max_code_bytes cannot be less than 32"},
        {offsetof(cps_chain_wasm_config, max_pages), 1, "max_pages cannot be less than 1"},
        {offsetof(cps_chain_wasm_config, max_call_depth), 2,
         "max_call_depth cannot be less than 2"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(mins); i++) {
        cfg = d;
        uint32_t v = mins[i].min - 1;
        memcpy((uint8_t *)&cfg + mins[i].off, &v, 4);
        ASSERT_NE(set_params(c, "eosio", 0, &cfg, &dev), 0);
        ASSERT_CONTAINS(cps_last_error(), mins[i].msg);
    }
    /* the fields without a minimum take 0 */
    cfg = d;
    cfg.max_mutable_global_bytes = cfg.max_table_elements = cfg.max_linear_memory_init = 0;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    /* all at their minimums at once */
    for (size_t i = 0; i < CPS_ARRAY_LEN(mins); i++)
        memcpy((uint8_t *)&cfg + mins[i].off, &mins[i].min, 4);
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    cps_chain_wasm_config got;
    ASSERT_OK(load_cfg(c, &got));
    ASSERT(same(&got, &cfg));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(unprivileged_callers_and_failed_transactions_change_nothing)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(open_chain(dir, &c));
    cps_private_key alice = ctl_key(1), dev = ctl_dev_key();
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    ASSERT_OK(deploy(c, "alice", "wasmcfg", &alice));
    cps_chain_wasm_config d, cfg, got;
    cps_chain__wasm_config_default(&d);
    cfg = d;
    cfg.max_pages = 100;
    ASSERT_NE(set_params(c, "alice", 0, &cfg, &alice), 0);
    ASSERT_CONTAINS(cps_last_error(), "alice does not have permission to call this API");
    ASSERT_OK(load_cfg(c, &got));
    ASSERT(same(&got, &d));

    /* a transaction that sets the parameters and then fails leaves them as they were */
    char hex[2 * 48 + 1], json[200];
    params_hex(0, &cfg, hex);
    snprintf(json, sizeof json, "{\"params\":\"%s\"}", hex);
    ctl_action acts[2] = {{"eosio", "setwasm", "eosio@active", abi, json},
                          {"eosio", "getwasm", "eosio@active", abi, "{\"expected\":\"00\"}"}};
    ctl_trx_opts o = {0, false, nonce++, 0};
    ASSERT_NE(ctl_push(c, acts, 2, &dev, 1, &o, NULL), 0);
    ASSERT_OK(load_cfg(c, &got));
    ASSERT(same(&got, &d));
    /* the second action of a transaction sees the first's change */
    char json2[200];
    snprintf(json2, sizeof json2, "{\"expected\":\"%s\"}", hex);
    acts[1].json = json2;
    o.nonce = nonce++;
    ASSERT_OK(ctl_push(c, acts, 2, &dev, 1, &o, NULL));
    ASSERT_OK(load_cfg(c, &got));
    ASSERT(same(&got, &cfg));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(lowered_limits_bind_setcode_and_execution)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(open_chain(dir, &c));
    cps_private_key bob = ctl_key(2), carol = ctl_key(3), dev = ctl_dev_key();
    ASSERT_OK(ctl_newaccount(c, "bob", &bob));
    ASSERT_OK(ctl_newaccount(c, "carol", &carol));
    /* bigmem passes the defaults: deployed and run */
    ASSERT_OK(deploy(c, "bob", "bigmem", &bob));
    ASSERT_OK(push1(c, "bob", "noop", "{}", abi, "bob@active", &bob));
    cps_chain_wasm_config d, cfg;
    cps_chain__wasm_config_default(&d);

    /* locals: bigmem's apply has 16 bytes of locals and pushes 8 more */
    cfg = d;
    cfg.max_func_local_bytes = 16;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_NE(deploy(c, "carol", "bigmem", &carol), 0);
    ASSERT_CONTAINS(cps_last_error(), "local variable limit exceeded");
    cfg.max_func_local_bytes = 24;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_OK(deploy(c, "carol", "bigmem", &carol));

    /* symbols: a 40-byte export name */
    cps_private_key dave = ctl_key(4);
    ASSERT_OK(ctl_newaccount(c, "dave", &dave));
    cfg = d;
    cfg.max_symbol_bytes = 39;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_NE(deploy(c, "dave", "bigmem", &dave), 0);
    ASSERT_CONTAINS(cps_last_error(), "export name of 40 bytes is over max_symbol_bytes (39)");
    cfg.max_symbol_bytes = 40;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_OK(deploy(c, "dave", "bigmem", &dave));

    /* memory: 2 initial pages over a max_pages of 1 — refused at setcode, and the contracts
     * already deployed fail when they run (their kept instance is remade under the new limit) */
    cps_private_key erin = ctl_key(5);
    ASSERT_OK(ctl_newaccount(c, "erin", &erin));
    cfg = d;
    cfg.max_pages = 1;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_NE(deploy(c, "erin", "bigmem", &erin), 0);
    ASSERT_CONTAINS(cps_last_error(), "initial memory out of range: 2 pages, max_pages 1");
    ASSERT_NE(push1(c, "bob", "noop", "{}", abi, "bob@active", &bob), 0);
    ASSERT_CONTAINS(cps_last_error(), "memory");
    cfg.max_pages = 2;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_OK(push1(c, "bob", "noop", "{}", abi, "bob@active", &bob));
    ASSERT_OK(deploy(c, "erin", "bigmem", &erin));

    /* locals and symbols bind at setcode only, as in nodeos: a contract deployed under looser
     * limits keeps running after they are lowered */
    cfg = d;
    cfg.max_func_local_bytes = 8;
    cfg.max_symbol_bytes = 32;
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_OK(push1(c, "bob", "noop", "{}", abi, "bob@active", &bob));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(values_survive_a_reopen_and_a_snapshot)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL, *s = NULL;
    ASSERT_OK(open_chain(dir, &c));
    cps_chain_wasm_config cfg, got;
    cps_chain__wasm_config_default(&cfg);
    cfg.max_table_elements = 77;
    cfg.max_linear_memory_init = 4096;
    cfg.max_call_depth = 99;
    cps_private_key dev = ctl_dev_key();
    ASSERT_OK(set_params(c, "eosio", 0, &cfg, &dev));
    ASSERT_OK(ctl_finish(c, NULL));
    cps_chain_controller_close(c);
    c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(load_cfg(c, &got));
    ASSERT(same(&got, &cfg));
    char snap[300], sub[300];
    snprintf(snap, sizeof snap, "%s/w.snap", dir2);
    snprintf(sub, sizeof sub, "%s/node", dir2);
    ASSERT_OK(cps_chain_controller_write_snapshot(c, snap));
    cps_chain_controller_options o = {0};
    o.data_dir = sub;
    o.state_map_size = UINT64_C(1) << 30;
    o.state_sync = CPS_STATE_SYNC_NONE;
    o.block_log_no_sync = true;
    o.snapshot = snap;
    ASSERT_OK(cps_chain_controller_open(&o, &s));
    ASSERT_OK(load_cfg(s, &got));
    ASSERT(same(&got, &cfg));
    cps_chain_controller_close(s);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

TEST(an_action_with_empty_data_is_built_and_applied)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(open_chain(dir, &c));
    cps_private_key dev = ctl_dev_key();
    cps_buf b = {0};
    ctl_action a = {"eosio", "noop", "eosio@active", NULL, "{}"};
    a.abi = abi;
    ASSERT_OK(ctl_make_trx(c, &a, 1, &dev, 1, NULL, &b));
    ASSERT(b.size > 0);
    ASSERT_OK(cps_chain_controller_push_transaction(c, b.data, b.size, NULL));
    cps_buf_free(&b);
    /* and a malformed authorization is an error, not a crash */
    ctl_action bad = {"eosio", "noop", "eosio-active", abi, "{}"};
    ASSERT_EQ(ctl_make_trx(c, &bad, 1, &dev, 1, NULL, &b), CPS_ERR_INVALID_ARG);
    cps_buf_free(&b);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

/* The bundled contracts deploy under the default limits (as eosio.cdt's do on nodeos). */
TEST(bundled_contracts_pass_the_default_limits)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_chain_wasm_config d;
    cps_chain__wasm_config_default(&d);
    cps_vm_limits lim;
    cps_chain__wasm_setcode_limits(c, &d, &lim);
    static const char *const names[] = {"eosio.system", "eosio.token", "eosio.msig", "eosio.wrap",
                                        "cps.recover"};
    for (size_t i = 0; i < CPS_ARRAY_LEN(names); i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/contracts/%s.wasm", ctl_build_dir, names[i]);
        cps_buf wasm = {0};
        ASSERT_MSG(ctl_read_file(path, &wasm) == 0, "cannot read %s (build the contracts)", path);
        cps_vm_module *m = NULL;
        int rc = cps_vm_module_load(wasm.data, wasm.size, &lim, &m);
        cps_vm_module_release(m);
        cps_buf_free(&wasm);
        ASSERT_MSG(rc == 0, "%s: %s", names[i], cps_last_error());
    }
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    int rc = test_main(argc, argv);
    cps_abi_free(abi);
    return rc;
}
