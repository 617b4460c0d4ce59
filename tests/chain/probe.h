/* Helpers for tests that use the probe contract (tests/chain/wat/probe.wat): its ABI, deploying
 * it on an account, and pushing or building its actions. */
#ifndef CPS_TESTS_PROBE_H
#define CPS_TESTS_PROBE_H

#include "ctl_helpers.h"

/* put/fail/spin need no data (they carry one ignored byte: ctl_make_trx wants some); burn a u64
 * loop count; go a whole transaction (sent deferred). */
static const char probe_abi_json[] =
    "{\"version\":\"eosio::abi/1.1\",\"structs\":["
    "{\"name\":\"empty\",\"base\":\"\",\"fields\":[{\"name\":\"pad\",\"type\":\"uint8\"}]},"
    "{\"name\":\"burn\",\"base\":\"\",\"fields\":[{\"name\":\"loops\",\"type\":\"uint64\"}]},"
    "{\"name\":\"permission_level\",\"base\":\"\",\"fields\":[{\"name\":\"actor\",\"type\":\"name\"},"
    "{\"name\":\"permission\",\"type\":\"name\"}]},"
    "{\"name\":\"action\",\"base\":\"\",\"fields\":[{\"name\":\"account\",\"type\":\"name\"},"
    "{\"name\":\"name\",\"type\":\"name\"},{\"name\":\"authorization\",\"type\":\"permission_level[]\"},"
    "{\"name\":\"data\",\"type\":\"bytes\"}]},"
    "{\"name\":\"extension\",\"base\":\"\",\"fields\":[{\"name\":\"type\",\"type\":\"uint16\"},"
    "{\"name\":\"data\",\"type\":\"bytes\"}]},"
    "{\"name\":\"go\",\"base\":\"\",\"fields\":[{\"name\":\"expiration\",\"type\":\"time_point_sec\"},"
    "{\"name\":\"ref_block_num\",\"type\":\"uint16\"},{\"name\":\"ref_block_prefix\",\"type\":\"uint32\"},"
    "{\"name\":\"max_net_usage_words\",\"type\":\"varuint32\"},{\"name\":\"max_cpu_usage_ms\",\"type\":\"uint8\"},"
    "{\"name\":\"delay_sec\",\"type\":\"varuint32\"},{\"name\":\"context_free_actions\",\"type\":\"action[]\"},"
    "{\"name\":\"actions\",\"type\":\"action[]\"},{\"name\":\"transaction_extensions\",\"type\":\"extension[]\"}]}],"
    "\"actions\":[{\"name\":\"put\",\"type\":\"empty\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"fail\",\"type\":\"empty\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"spin\",\"type\":\"empty\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"burn\",\"type\":\"burn\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"go\",\"type\":\"go\",\"ricardian_contract\":\"\"}]}";

static cps_abi *probe_abi;

static inline const cps_abi *probe_get_abi(void)
{
    if (!probe_abi && cps_abi_from_json(probe_abi_json, strlen(probe_abi_json), &probe_abi)) {
        fprintf(stderr, "    probe abi: %s\n", cps_last_error());
        abort();
    }
    return probe_abi;
}

/* setcode `account` with probe.wasm, signed with `key` (the account's active key). */
static inline int probe_deploy(cps_chain_controller *c, const char *account,
                               const cps_private_key *key, uint32_t nonce)
{
    char path[4200];
    cps_buf wasm = {0}, json = {0};
    snprintf(path, sizeof path, "%s/tests/chain/wat/probe.wasm", ctl_build_dir);
    int rc = ctl_read_file(path, &wasm);
    if (rc) {
        fprintf(stderr, "    cannot read %s\n", path);
        cps_buf_free(&wasm);
        return rc;
    }
    cps_buf_printf(&json, "{\"account\":\"%s\",\"vmtype\":0,\"vmversion\":0,\"code\":\"", account);
    cps_hex_append(&json, wasm.data, wasm.size);
    cps_buf_printf(&json, "\"}");
    char auth[64];
    snprintf(auth, sizeof auth, "%s@active", account);
    ctl_action a = {"eosio", "setcode", auth, NULL, cps_buf_cstr(&json)};
    ctl_trx_opts o = {0, false, nonce, 0};
    rc = ctl_push(c, &a, 1, key, 1, &o, NULL);
    cps_buf_free(&wasm);
    cps_buf_free(&json);
    return rc;
}

/* A signed (nkeys > 0) or unsigned packed transaction of one probe action. */
static inline int probe_trx(cps_chain_controller *c, const char *account, const char *action,
                            const char *json, const cps_private_key *keys, size_t nkeys,
                            uint32_t nonce, cps_buf *out)
{
    char auth[64];
    snprintf(auth, sizeof auth, "%s@active", account);
    ctl_action a = {account, action, auth, probe_get_abi(), json ? json : "{\"pad\":0}"};
    ctl_trx_opts o = {0, false, nonce, 0};
    return ctl_make_trx(c, &a, 1, keys, nkeys, &o, out);
}

static inline bool probe_row(cps_chain_controller *c, const char *account, const char *table,
                             uint64_t key, cps_buf *out)
{
    cps_name n = cps_abi_name(account);
    return cps_chain_controller_get_row(c, n, n, cps_abi_name(table), key, out) == 0;
}

#endif
