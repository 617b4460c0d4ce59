/* Test helper for the controller tests that run eosio.token (test_controller_token,
 * test_token_cost): the built contract loaded once, deployed with setcode/setabi, and a CPS
 * balance read back from its table. */
#ifndef CPS_TESTS_TOKEN_HELPERS_H
#define CPS_TESTS_TOKEN_HELPERS_H
#include "ctl_helpers.h"

static cps_abi *token_abi;
static cps_buf token_wasm;

static int load_token(void)
{
    return token_abi ? 0 : ctl_load_contract("eosio.token", &token_wasm, &token_abi);
}

/* Deploys eosio.token on account eosio.token (created by eosio). */
static int deploy_token(cps_chain_controller *c, const cps_private_key *tk)
{
    int rc = load_token();
    if (rc) return rc;
    if ((rc = ctl_newaccount(c, "eosio.token", tk))) return rc;
    cps_buf json = {0};
    cps_buf_printf(&json, "{\"account\":\"eosio.token\",\"vmtype\":0,\"vmversion\":0,\"code\":\"");
    cps_hex_append(&json, token_wasm.data, token_wasm.size);
    cps_buf_printf(&json, "\"}");
    cps_buf abi_bin = {0};
    rc = cps_abi_to_bin(token_abi, &abi_bin);
    cps_buf abi_json = {0};
    cps_buf_printf(&abi_json, "{\"account\":\"eosio.token\",\"abi\":\"");
    cps_hex_append(&abi_json, abi_bin.data, abi_bin.size);
    cps_buf_printf(&abi_json, "\"}");
    ctl_action acts[2] = {
        {"eosio", "setcode", "eosio.token@active", NULL, cps_buf_cstr(&json)},
        {"eosio", "setabi", "eosio.token@active", NULL, cps_buf_cstr(&abi_json)},
    };
    if (!rc) rc = ctl_push(c, acts, 2, tk, 1, NULL, NULL);
    cps_buf_free(&json);
    cps_buf_free(&abi_bin);
    cps_buf_free(&abi_json);
    return rc;
}

static int64_t balance(cps_chain_controller *c, const char *owner)
{
    cps_symbol_code code;
    cps_name o;
    if (cps_abi_symbol_code_from_string("CPS", 3, &code)) return -2;
    if (cps_abi_name_from_string(owner, strlen(owner), &o)) return -2;
    cps_buf row = {0};
    int rc = cps_chain_controller_get_row(c, cps_abi_name("eosio.token"), o, cps_abi_name("accounts"),
                                          code, &row);
    int64_t amount = rc == 0 && row.size == 16 ? (int64_t)cps_load_u64(row.data) : -1;
    cps_buf_free(&row);
    return amount;
}

#endif
