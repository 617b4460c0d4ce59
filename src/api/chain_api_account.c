/* api (chain endpoints): get_account — nodeos's chain_plugin read_only::get_account: the account
 * record, resource limits and usage, permissions with their linked actions, and, when eosio has an
 * ABI, the core token balance and the system contract's rows about the account (userres, delband,
 * refunds, voters, rexbal) decoded with eosio's ABI. Runs on the loop (it asks the controller for
 * the resource limits); everything else comes from one read view of the last committed block. */
#include "api/chain_api_internal.h"

#include <string.h>

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

/* ---- contract rows -------------------------------------------------------------------------- */

/* The row `primary` of code/scope/table (without its payer): true and *row set when present. */
static bool find_row(cps_state_view *v, cps_state_table t_i64, cps_name code, cps_name scope,
                     cps_name table, uint64_t primary, cps_bytes *row)
{
    cps_state_table_info ti;
    if (cps_state_contract_table(v, code, scope, table, &ti)) return false;
    uint8_t key[16];
    be64(key, ti.id);
    be64(key + 8, primary);
    cps_bytes val;
    if (cps_state_get(v, t_i64, key, 16, &val) || val.size < 8) return false;
    row->data = val.data + 8;
    row->size = val.size - 8;
    return true;
}

/* The core symbol when the caller gave none, as nodeos's extract_core_symbol: the quote
 * connector's symbol of the RAM market (eosio's rammarket row RAMCORE: supply asset | base
 * {balance asset, weight f64} | quote {balance asset, weight f64}). CPS's system contract has no
 * RAM market and keeps the symbol in its global row (core_symbol), read through eosio's ABI.
 * 0 when neither is there. */
static cps_symbol default_core_symbol(cps_state_view *v, cps_state_table t_i64, const cps_abi *abi)
{
    cps_name eosio = cps_abi_name("eosio");
    cps_bytes row;
    cps_symbol_code ramcore;
    if (cps_abi_symbol_code_from_string("RAMCORE", 7, &ramcore) == 0 &&
        find_row(v, t_i64, eosio, eosio, cps_abi_name("rammarket"), cps_abi_symbol_make(4, ramcore),
                 &row) &&
        row.size >= 56) {
        cps_symbol s = cps_load_u64(row.data + 48);
        if (cps_abi_symbol_is_valid(s)) return s;
        return 0;
    }
    const char *type = cps_abi_table_type(abi, cps_abi_name("global"));
    json_t *g = NULL;
    cps_symbol s = 0;
    if (type && find_row(v, t_i64, eosio, eosio, cps_abi_name("global"), cps_abi_name("global"),
                         &row) &&
        cps_abi_bin_to_json_value(abi, type, row.data, row.size, &g) == 0) {
        const char *text = json_string_value(json_object_get(g, "core_symbol"));
        if (!text || cps_abi_symbol_from_string(text, strlen(text), &s)) s = 0;
    }
    json_decref(g);
    return s;
}

/* expected_core_symbol: "4,SYS" (nodeos's symbol), or just "SYS" (then any precision matches). */
static int parse_core_symbol(const char *text, cps_symbol *sym, bool *code_only)
{
    *code_only = !strchr(text, ',');
    if (!*code_only) return cps_abi_symbol_from_string(text, strlen(text), sym);
    cps_symbol_code code;
    int rc = cps_abi_symbol_code_from_string(text, strlen(text), &code);
    if (!rc) *sym = cps_abi_symbol_make(0, code);
    return rc;
}

/* ---- permissions and links ------------------------------------------------------------------ */

/* One linked action as nodeos prints it: {account, action}, action left out for a link of the
 * whole contract. */
static json_t *linked_action_json(cps_name code, cps_name type)
{
    json_t *j = json_pack("{s:o}", "account", chain_api_json_name(code));
    if (type) json_object_set_new(j, "action", chain_api_json_name(type));
    return j;
}

/* The links of `owner` that require permission `perm` (chain.link: account | code | type ->
 * required permission), in (code, type) order. */
static int links_json(cps_chain_api *api, cps_state_view *v, cps_name owner, cps_name perm,
                      json_t *out)
{
    cps_state_table t;
    int rc = cps_state_table_find(api->st, "chain.link", &t);
    if (rc) return rc;
    uint8_t key[24] = {0};
    be64(key, owner);
    enum cps_state_seek mode = CPS_STATE_GE;
    cps_bytes k, val;
    while (cps_state_seek(v, t, mode, key, 24, &k, &val) == 0 && k.size == 24 &&
           !memcmp(k.data, key, 8)) {
        memcpy(key, k.data, 24);
        mode = CPS_STATE_GT;
        if (val.size != 8)
            return cps_fail(CPS_ERR_DB_CORRUPT, "chain.link record of %zu bytes", val.size);
        if (cps_load_u64(val.data) == perm)
            json_array_append_new(out, linked_action_json(load_be64(k.data + 8),
                                                          load_be64(k.data + 16)));
    }
    return 0;
}

/* The permissions of `owner` from chain.perm (owner | name -> parent | last_updated | last_used
 * | authority, controller.h), each with its linked actions. */
static int permissions_json(cps_chain_api *api, cps_state_view *v, cps_name owner, json_t *out)
{
    cps_state_table t;
    int rc = cps_state_table_find(api->st, "chain.perm", &t);
    if (rc) return rc;
    uint8_t key[16] = {0};
    be64(key, owner);
    enum cps_state_seek mode = CPS_STATE_GE;
    cps_bytes k, val;
    while (cps_state_seek(v, t, mode, key, 16, &k, &val) == 0 && k.size == 16 &&
           !memcmp(k.data, key, 8)) {
        memcpy(key, k.data, 16);
        mode = CPS_STATE_GT;
        cps_name name = load_be64(k.data + 8);
        cps_reader r = cps_reader_make(val.data, val.size);
        uint64_t parent, upd, used;
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_authority auth;
        rc = cps_read_u64(&r, &parent);
        if (!rc) rc = cps_read_u64(&r, &upd);
        if (!rc) rc = cps_read_u64(&r, &used);
        if (!rc) rc = cps_abi_authority_unpack(&r, &a, &auth);
        if (rc) {
            cps_abi_arena_free(&a);
            return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.perm record");
        }
        json_t *links = json_array();
        rc = links_json(api, v, owner, name, links);
        json_array_append_new(out, json_pack("{s:o,s:o,s:o,s:o}", "perm_name",
                                             chain_api_json_name(name), "parent",
                                             chain_api_json_name(parent), "required_auth",
                                             chain_api_json_authority(&auth), "linked_actions",
                                             links));
        cps_abi_arena_free(&a);
        if (rc) return rc;
    }
    return 0;
}

/* ---- resources ------------------------------------------------------------------------------ */

/* EOSIO's rate limiting: precision of value_ex and the 24 h account window in 500 ms slots. */
#define RATE_LIMITING_PRECISION 1000000u
#define ACCOUNT_WINDOW_SLOTS (24u * 3600u * 2u)

/* net_limit / cpu_limit as get_account_net_limit_ex builds them: used, available and max (all -1
 * when unlimited), the slot of the last usage update (the creation date before any), and
 * current_used: the average decayed to the head block's time. */
static json_t *limit_json(const cps_chain_account_resource_limit *l, uint32_t head_slot,
                          int64_t created_us)
{
    uint32_t last_ordinal = l->last_ordinal;
    uint64_t value_ex = l->value_ex;
    bool unlimited = l->max < 0;
    int64_t current = unlimited ? -1 : l->used;
    if (!unlimited && head_slot > last_ordinal) {
        uint64_t delta = head_slot - last_ordinal;
        uint64_t decayed =
            delta >= ACCOUNT_WINDOW_SLOTS
                ? 0
                : (uint64_t)((unsigned __int128)value_ex * (ACCOUNT_WINDOW_SLOTS - delta) /
                             ACCOUNT_WINDOW_SLOTS);
        unsigned __int128 c = ((unsigned __int128)decayed * ACCOUNT_WINDOW_SLOTS +
                               RATE_LIMITING_PRECISION - 1) /
                              RATE_LIMITING_PRECISION;
        current = c > INT64_MAX ? INT64_MAX : (int64_t)c;
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "used",
                     chain_api_json_i64(unlimited ? -1 : l->used), "available",
                     chain_api_json_i64(unlimited ? -1 : l->available), "max",
                     chain_api_json_i64(unlimited ? -1 : l->max), "last_usage_update_time",
                     last_ordinal ? chain_api_json_slot(last_ordinal)
                                  : chain_api_json_time_us(created_us),
                     "current_used", chain_api_json_i64(current));
}

/* ---- the endpoint --------------------------------------------------------------------------- */

/* The system contract's row about the account decoded as `type` with eosio's ABI, into
 * out[key]; nothing when the row is absent. False (with cps_last_error) when it does not decode. */
static bool system_row(cps_state_view *v, cps_state_table t_i64, const cps_abi *abi,
                       cps_name scope, const char *table, cps_name account, const char *type,
                       json_t *out, const char *key)
{
    cps_bytes row;
    if (!find_row(v, t_i64, cps_abi_name("eosio"), scope, cps_abi_name(table), account, &row))
        return true;
    json_t *j = NULL;
    if (cps_abi_bin_to_json_value(abi, type, row.data, row.size, &j)) return false;
    json_object_set_new(out, key, j);
    return true;
}

static void respond_missing_account(cps_api_request *req, cps_name account)
{
    /* nodeos looks the account's resource limits up first; chainbase's std::out_of_range for the
     * missing (pending, owner) key is rethrown as account_query_exception. */
    char n[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(account, n);
    static const char tuple[] =
        "boost::tuples::tuple<bool, eosio::chain::name, boost::tuples::null_type, "
        "boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, "
        "boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, "
        "boost::tuples::null_type>";
    CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_ACCOUNT_QUERY,
                              "unable to retrieve account info (unknown key (%s): (0 %s))", tuple,
                              n);
}

void chain_api_get_account(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    char core_text[32];
    if (!chain_api_param_name(req, "account_name", true, &account) ||
        !chain_api_param_text(req, "expected_core_symbol", core_text, sizeof core_text))
        return;
    cps_symbol core = 0;
    bool core_code_only = false;
    if (core_text[0] && parse_core_symbol(core_text, &core, &core_code_only)) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
        return;
    }
    cps_chain_account_info info;
    int rc = cps_chain_controller_get_account(api->ctl, account, &info);
    if (rc == CPS_ERR_NOT_FOUND) {
        respond_missing_account(req, account);
        return;
    }
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return;
    }
    int64_t ram_bytes = -1, ram_usage = 0, net_w = -1, cpu_w = -1;
    cps_chain_account_resource_limit net, cpu;
    rc = cps_chain_controller_get_resources(api->ctl, account, &ram_bytes, &ram_usage, &net_w,
                                            &cpu_w);
    if (!rc) rc = cps_chain_controller_get_account_limits(api->ctl, account, &net, &cpu);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return;
    }

    cps_state_view *v = NULL;
    cps_abi *abi = NULL;
    json_t *out = NULL, *perms = json_array(), *sys = json_object();
    cps_state_table t_i64;
    uint32_t head_slot = cps_chain_controller_head_timestamp(api->ctl);
    rc = cps_state_view_open(api->st, &v);
    if (!rc) rc = cps_state_table_find(api->st, "_c.i64", &t_i64);
    if (!rc) rc = permissions_json(api, v, account, perms);
    if (!rc) {
        rc = chain_api_view_load_abi(api, v, cps_abi_name("eosio"), &abi);
        if (rc == CPS_ERR_NOT_FOUND) rc = 0, abi = NULL; /* no eosio account: no system data */
    }
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        goto done;
    }
    json_t *any_links = json_array();
    if ((rc = links_json(api, v, account, cps_abi_name("eosio.any"), any_links))) {
        json_decref(any_links);
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        goto done;
    }

    static const cps_checksum256 zero;
    out = json_pack("{s:o,s:I,s:o,s:b,s:o,s:o}", "account_name", chain_api_json_name(account),
                    "head_block_num", (json_int_t)cps_chain_controller_head_num(api->ctl),
                    "head_block_time", chain_api_json_slot(head_slot), "privileged",
                    info.privileged, "last_code_update",
                    chain_api_json_time_us(memcmp(info.code_hash.b, zero.b, 32)
                                               ? info.creation_date_us
                                               : 0),
                    "created", chain_api_json_time_us(info.creation_date_us));
    if (abi) {
        /* nodeos reads the balance only when eosio has an ABI: the eosio.token accounts row of
         * the core symbol's code, if its symbol (with precision) is the core symbol. */
        if (!core_text[0]) core = default_core_symbol(v, t_i64, abi);
        cps_bytes row;
        if (core && find_row(v, t_i64, cps_abi_name("eosio.token"), account,
                             cps_abi_name("accounts"), cps_abi_symbol_code(core), &row) &&
            row.size >= 16) {
            cps_asset bal = {(int64_t)cps_load_u64(row.data), cps_load_u64(row.data + 8)};
            char s[CPS_ASSET_STR_MAX];
            bool same = core_code_only ? cps_abi_symbol_code(bal.symbol) == cps_abi_symbol_code(core)
                                       : bal.symbol == core;
            if (same && cps_abi_asset_to_string(&bal, s) == 0)
                json_object_set_new(out, "core_liquid_balance", json_string(s));
        }
        cps_name eosio = cps_abi_name("eosio");
        if (!system_row(v, t_i64, abi, account, "userres", account, "user_resources", sys,
                        "total_resources") ||
            !system_row(v, t_i64, abi, account, "delband", account, "delegated_bandwidth", sys,
                        "self_delegated_bandwidth") ||
            !system_row(v, t_i64, abi, account, "refunds", account, "refund_request", sys,
                        "refund_request") ||
            !system_row(v, t_i64, abi, eosio, "voters", account, "voter_info", sys,
                        "voter_info") ||
            !system_row(v, t_i64, abi, eosio, "rexbal", account, "rex_balance", sys,
                        "rex_info")) {
            json_decref(any_links);
            CPS_API_RESPOND_ERROR(req, CPS_ERR_ABI, NULL);
            goto done;
        }
    }
    const char *sys_keys[] = {"total_resources", "self_delegated_bandwidth", "refund_request",
                              "voter_info", "rex_info"};
    json_object_set_new(out, "ram_quota", chain_api_json_i64(ram_bytes));
    json_object_set_new(out, "net_weight", chain_api_json_i64(net_w));
    json_object_set_new(out, "cpu_weight", chain_api_json_i64(cpu_w));
    json_object_set_new(out, "net_limit",
                        limit_json(&net, head_slot, info.creation_date_us));
    json_object_set_new(out, "cpu_limit",
                        limit_json(&cpu, head_slot, info.creation_date_us));
    json_object_set_new(out, "ram_usage", chain_api_json_i64(ram_usage));
    json_object_set(out, "permissions", perms);
    for (size_t i = 0; i < CPS_ARRAY_LEN(sys_keys); i++) {
        json_t *j = json_object_get(sys, sys_keys[i]);
        json_object_set(out, sys_keys[i], j ? j : json_null());
    }
    /* CPS bills no subjective CPU: nodeos's record of it with nothing billed. */
    json_object_set_new(out, "subjective_cpu_bill_limit",
                        json_pack("{s:i,s:i,s:i,s:o,s:i}", "used", 0, "available", 0, "max", 0,
                                  "last_usage_update_time", chain_api_json_slot(0),
                                  "current_used", 0));
    json_object_set_new(out, "eosio_any_linked_actions", any_links);
    cps_api_respond_json(req, 200, out);
    out = NULL;
done:
    json_decref(out);
    json_decref(perms);
    json_decref(sys);
    if (abi) cps_abi_free(abi);
    if (v) cps_state_view_close(v);
}
