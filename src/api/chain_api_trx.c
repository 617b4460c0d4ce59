/* api (chain endpoints): the handlers that run on the node's loop because they go through the
 * controller — transactions (push/send), accounts and required keys. */
#include "api/chain_api_internal.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * ABIs for JSON conversions on the loop: loaded from the controller on first use, kept for the
 * request.
 * ------------------------------------------------------------------------------------------ */
typedef struct abi_set {
    cps_chain_controller *ctl;
    struct {
        cps_name account;
        cps_abi *abi;
    } e[16];
    size_t n;
} abi_set;

static const cps_abi *abi_set_get(void *ctx, cps_name account)
{
    abi_set *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].account == account) return s->e[i].abi;
    cps_abi *abi = NULL;
    cps_buf bin = {0};
    if (cps_chain_controller_get_abi(s->ctl, account, &bin) == 0 && bin.size &&
        cps_abi_from_bin(bin.data, bin.size, &abi) != 0)
        abi = NULL;
    cps_buf_free(&bin);
    if (s->n < CPS_ARRAY_LEN(s->e)) {
        s->e[s->n].account = account;
        s->e[s->n].abi = abi;
        s->n++;
    } else {
        /* A full set answers without caching rather than leaking. */
        cps_abi_free(abi);
        return NULL;
    }
    return abi;
}

static void abi_set_free(abi_set *s)
{
    for (size_t i = 0; i < s->n; i++) cps_abi_free(s->e[i].abi);
    s->n = 0;
}

/* ------------------------------------------------------------------------------------------
 * Transactions.
 * ------------------------------------------------------------------------------------------ */

/* nodeos returns each traced action's data decoded through its contract's ABI, with the raw
 * bytes beside it as "hex_data"; data the ABI cannot decode stays hex, as in nodeos. */
static void decode_trace_data(json_t *processed, abi_set *abis)
{
    json_t *traces = json_object_get(processed, "action_traces");
    size_t i;
    json_t *t;
    json_array_foreach(traces, i, t) {
        json_t *act = json_object_get(t, "act");
        const char *account = json_string_value(json_object_get(act, "account"));
        const char *name = json_string_value(json_object_get(act, "name"));
        const char *hex = json_string_value(json_object_get(act, "data"));
        cps_name acc, nm;
        if (!account || !name || !hex ||
            cps_abi_name_from_string(account, strlen(account), &acc) ||
            cps_abi_name_from_string(name, strlen(name), &nm))
            continue;
        const cps_abi *abi = abi_set_get(abis, acc);
        if (!abi) continue;
        size_t len = strlen(hex), n = 0;
        uint8_t *bin = malloc(len / 2 + 1);
        cps_buf out = {0};
        json_t *decoded = NULL;
        if (bin && cps_hex_decode(bin, len / 2 + 1, &n, hex, len) == 0 &&
            cps_abi_action_bin_to_json(abi, nm, bin, n, &out) == 0 &&
            cps_abi_json_parse((const char *)out.data, out.size, &decoded) == 0) {
            json_object_set_new(act, "hex_data", json_string(hex));
            json_object_set_new(act, "data", decoded);
        }
        free(bin);
        cps_buf_free(&out);
    }
}

/* nodeos's push_transaction nests each action trace under the trace that created it (keyed by
 * closest_unnotified_ancestor_action_ordinal) and keeps only the top-level ones in the array. */
static void nest_action_traces(json_t *processed)
{
    json_t *flat = json_object_get(processed, "action_traces");
    if (!json_is_array(flat)) return;
    size_t n = json_array_size(flat);
    json_t *top = json_array();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(json_array_get(flat, i), "inline_traces", json_array());
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(flat, i);
        json_int_t parent = json_integer_value(
            json_object_get(t, "closest_unnotified_ancestor_action_ordinal"));
        json_t *owner = NULL;
        for (size_t j = 0; parent && j < n; j++) {
            json_t *p = json_array_get(flat, j);
            if (json_integer_value(json_object_get(p, "action_ordinal")) == parent) owner = p;
        }
        json_array_append(owner ? json_object_get(owner, "inline_traces") : top, t);
    }
    json_object_set_new(processed, "action_traces", top);
}

void chain_api_remember_trx(cps_chain_api *api, const cps_checksum256 *id, uint32_t expiration)
{
    chain_api_trx_seen *s = &api->trx_ring[api->trx_ring_next++ % CHAIN_API_TRX_RING];
    s->id = *id;
    s->block_num = 0;
    s->expiration = expiration;
    s->used = true;
}

/* Applies one packed transaction given as JSON to the pending block. Returns 0 and *result
 * ({transaction_id, processed}) or an error with *exc_detail set (caller frees) for the
 * answer. With no pending block and a relay, a push that can wait (`forward` not NULL) goes to
 * the peers instead: *result is {transaction_id} and *forward says what to wait for. */
static int apply_json_trx(cps_chain_api *api, json_t *body, bool nested, json_t **result,
                          char **detail, chain_api_waiting *forward)
{
    *result = NULL;
    *detail = NULL;
    cps_arena a;
    cps_abi_arena_init(&a);
    abi_set abis = {api->ctl, {{0, NULL}}, 0};
    cps_buf packed = {0}, tj = {0};
    cps_chain_transaction_trace *trace = NULL;
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw;
    int rc = cps_abi_packed_transaction_from_json(body, abi_set_get, &abis, &a, &p);
    if (!rc) rc = cps_abi_packed_transaction_get(&p, &a, &trx, &raw);
    if (!rc) rc = cps_abi_packed_transaction_pack(&packed, &p);
    if (rc) {
        /* nodeos: a body that does not convert is a packed_transaction_type_exception. */
        *detail = strdup(cps_last_error());
        rc = CPS_ERR_FORMAT;
        goto done;
    }
    if (!cps_chain_controller_block_pending(api->ctl) && api->relay && forward) {
        /* A follower: the relay executes it speculatively (its error is the answer) and sends
         * it to the peers; the producer applies it; the answer waits for the block
         * (docs/node.md). */
        rc = api->relay(api->relay_ctx, packed.data, packed.size);
        if (rc) {
            *detail = strdup(cps_last_error());
            goto done;
        }
        cps_abi_transaction_id_raw(raw.data, raw.size, &forward->id);
        forward->expiration = trx.header.expiration;
        forward->forwarded = true;
        *result = json_pack("{s:o}", "transaction_id", chain_api_json_checksum(&forward->id));
        goto done;
    }
    if (!cps_chain_controller_block_pending(api->ctl)) {
        *detail = strdup("this node is not producing blocks: no pending block to apply the "
                         "transaction to");
        rc = CPS_ERR_STATE;
        goto done;
    }
    rc = cps_chain_controller_push_transaction(api->ctl, packed.data, packed.size, &trace);
    if (rc) {
        const char *msg = trace && trace->error_message ? trace->error_message : cps_last_error();
        *detail = strdup(msg && *msg ? msg : cps_strerror(rc));
        cps_api_metric_inc(api->nm.transactions_failed_total);
        goto done;
    }
    if (api->relay) (void)api->relay(api->relay_ctx, packed.data, packed.size); /* gossip */
    cps_checksum256 id;
    cps_abi_transaction_id_raw(raw.data, raw.size, &id);
    chain_api_remember_trx(api, &id, trx.header.expiration);
    cps_chain_transaction_trace_to_json(trace, &tj);
    json_t *processed = chain_api_json_from_buf(&tj);
    if (!processed) {
        *detail = strdup("cannot render the transaction trace");
        rc = CPS_ERR_NOMEM;
        goto done;
    }
    decode_trace_data(processed, &abis);
    if (nested) nest_action_traces(processed);
    *result = json_pack("{s:o,s:o}", "transaction_id", chain_api_json_checksum(&id), "processed",
                        processed);
done:
    cps_chain_transaction_trace_free(trace);
    cps_buf_free(&packed);
    cps_buf_free(&tj);
    abi_set_free(&abis);
    cps_abi_arena_free(&a);
    return rc;
}

void chain_api_respond_trx_error(cps_api_request *req, int rc, const char *detail)
{
    if (rc == CPS_ERR_FORMAT)
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_PACKED_TRANSACTION_TYPE, "%s", detail);
    else if (rc == CPS_ERR_STATE)
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_MISSING_PENDING_BLOCK_STATE, "%s", detail);
    else CPS_API_RESPOND_ERROR(req, rc, detail);
}

static bool grow_waiting(cps_chain_api *api)
{
    size_t cap = api->waiting_cap ? api->waiting_cap * 2 : 64;
    chain_api_waiting *w = realloc(api->waiting, cap * sizeof *w);
    if (!w) return false;
    api->waiting = w;
    api->waiting_cap = cap;
    return true;
}

static void answer_after_commit(cps_chain_api *api, cps_api_request *req, json_t *result,
                                const chain_api_waiting *forward)
{
    if (api->waiting_count == api->waiting_cap && !grow_waiting(api)) {
        /* Cannot queue the answer: give it now rather than never. */
        cps_api_respond_json(req, 202, result);
        return;
    }
    chain_api_waiting *w = &api->waiting[api->waiting_count++];
    if (forward) *w = *forward;
    else memset(w, 0, sizeof *w);
    w->req = req;
    w->result = result;
}

static void push_one(cps_api_request *req, cps_chain_api *api, json_t *body, bool nested)
{
    json_t *result;
    char *detail;
    chain_api_waiting forward = {0};
    int rc = apply_json_trx(api, body, nested, &result, &detail, &forward);
    if (rc) chain_api_respond_trx_error(req, rc, detail ? detail : cps_strerror(rc));
    else answer_after_commit(api, req, result, &forward);
    free(detail);
}

void chain_api_push_transaction(cps_api_request *req, void *user)
{
    push_one(req, user, cps_api_request_params(req), true);
}

void chain_api_send_transaction(cps_api_request *req, void *user)
{
    push_one(req, user, cps_api_request_params(req), false);
}

/* Leap's send_transaction2: {return_failure_trace, retry_trx, retry_trx_num_blocks,
 * transaction: <packed transaction>}. Retries are a network feature; with one producer the
 * transaction is in the next block or failed. */
void chain_api_send_transaction2(cps_api_request *req, void *user)
{
    json_t *trx = json_object_get(cps_api_request_params(req), "transaction");
    if (!json_is_object(trx)) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, "transaction: expected an object");
        return;
    }
    push_one(req, user, trx, false);
}

/* A JSON array of push_transaction bodies; each result (or error) in order, as nodeos. */
#define MAX_PUSH_TRANSACTIONS 1000
void chain_api_push_transactions(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    json_t *list = cps_api_request_params(req);
    if (!json_is_array(list)) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, "expected an array of transactions");
        return;
    }
    if (json_array_size(list) > MAX_PUSH_TRANSACTIONS) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_TOO_MANY_TX_AT_ONCE,
                                  "Attempt to push too many transactions at once");
        return;
    }
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *result;
        char *detail;
        int rc = apply_json_trx(api, json_array_get(list, i), true, &result, &detail, NULL);
        if (rc) {
            /* nodeos puts the error in place of the result: {transaction_id?, processed:
             * {except}}; the error body shape keeps the code and message. */
            cps_buf b = {0};
            enum cps_api_exception exc = rc == CPS_ERR_FORMAT
                                             ? CPS_API_EXC_PACKED_TRANSACTION_TYPE
                                             : cps_api_exception_for_error(rc);
            cps_api_error_detail d = {detail ? detail : cps_strerror(rc), __FILE__, __LINE__,
                                      __func__};
            cps_api_error_json(&b, exc, &d, 1);
            json_t *err = chain_api_json_from_buf(&b);
            cps_buf_free(&b);
            result = json_pack("{s:{s:o}}", "processed", "except",
                               err ? json_incref(json_object_get(err, "error")) : json_null());
            json_decref(err);
        }
        free(detail);
        json_array_append_new(out, result ? result : json_null());
    }
    answer_after_commit(api, req, out, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Protocol features (blocks, header states, schedules and transaction status are in
 * chain_api_blocks.c; get_producers in chain_api_read.c).
 * ------------------------------------------------------------------------------------------ */
/* CPS activates no protocol features: its rules are those of EOSIO 2.0 with the features
 * built in from genesis. */
void chain_api_get_activated_protocol_features(cps_api_request *req, void *user)
{
    (void)user;
    cps_api_respond_json(req, 200, json_pack("{s:[]}", "activated_protocol_features"));
}

/* ------------------------------------------------------------------------------------------
 * Accounts and keys.
 * ------------------------------------------------------------------------------------------ */
static json_t *limit_json(int64_t used, int64_t max)
{
    return json_pack("{s:o,s:o,s:o,s:s,s:o}", "used", chain_api_json_i64(used), "available",
                     chain_api_json_i64(max < 0 ? -1 : max - used), "max",
                     chain_api_json_i64(max), "last_usage_update_time", "2000-01-01T00:00:00.000",
                     "current_used", chain_api_json_i64(used));
}

/* Lists the permissions of `owner` from chain.perm (owner | name -> parent | last_updated |
 * last_used | authority), the layout controller.h documents. */
static int permissions_json(cps_chain_api *api, cps_name owner, json_t *out)
{
    cps_state_view *v;
    cps_state_table t;
    int rc = cps_state_table_find(api->st, "chain.perm", &t);
    if (!rc) rc = cps_state_view_open(api->st, &v);
    if (rc) return rc;
    uint8_t key[16] = {0};
    for (int i = 0; i < 8; i++) key[i] = (uint8_t)(owner >> (56 - 8 * i));
    enum cps_state_seek mode = CPS_STATE_GE;
    cps_bytes k, val;
    while (cps_state_seek(v, t, mode, key, 16, &k, &val) == 0 && k.size == 16 &&
           !memcmp(k.data, key, 8)) {
        memcpy(key, k.data, 16);
        mode = CPS_STATE_GT;
        cps_name name = 0;
        for (int i = 0; i < 8; i++) name = (name << 8) | k.data[8 + i];
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
            break;
        }
        json_array_append_new(out, json_pack("{s:o,s:o,s:o}", "perm_name",
                                             chain_api_json_name(name), "parent",
                                             parent ? chain_api_json_name(parent) : json_string(""),
                                             "required_auth", chain_api_json_authority(&auth)));
        cps_abi_arena_free(&a);
    }
    cps_state_view_close(v);
    return rc;
}

void chain_api_get_account(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    char core[16];
    if (!chain_api_param_name(req, "account_name", true, &account) ||
        !chain_api_param_text(req, "expected_core_symbol", core, sizeof core))
        return;
    cps_chain_account_info info;
    int rc = cps_chain_controller_get_account(api->ctl, account, &info);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return;
    }
    int64_t ram_bytes = -1, ram_usage = 0, net_w = -1, cpu_w = -1;
    if (cps_chain_controller_get_resources(api->ctl, account, &ram_bytes, &ram_usage, &net_w,
                                           &cpu_w) != 0) {
        /* An account without resource rows is unlimited, as at genesis. */
        ram_bytes = net_w = cpu_w = -1;
        ram_usage = 0;
    }
    json_t *perms = json_array();
    if ((rc = permissions_json(api, account, perms))) {
        json_decref(perms);
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return;
    }
    uint32_t head_slot = cps_chain_controller_head_timestamp(api->ctl);
    static const cps_checksum256 zero;
    json_t *out = json_pack(
        "{s:o,s:I,s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:n,s:n,s:n,s:n,s:n}",
        "account_name", chain_api_json_name(account), "head_block_num",
        (json_int_t)cps_chain_controller_head_num(api->ctl), "head_block_time",
        chain_api_json_slot(head_slot), "privileged", info.privileged, "last_code_update",
        chain_api_json_time_us(memcmp(info.code_hash.b, zero.b, 32) ? info.creation_date_us : 0),
        "created", chain_api_json_time_us(info.creation_date_us), "ram_quota",
        chain_api_json_i64(ram_bytes), "net_weight", chain_api_json_i64(net_w), "cpu_weight",
        chain_api_json_i64(cpu_w), "net_limit", limit_json(0, net_w < 0 ? -1 : net_w),
        "cpu_limit", limit_json(0, cpu_w < 0 ? -1 : cpu_w), "ram_usage",
        chain_api_json_i64(ram_usage), "permissions", perms, "total_resources",
        "self_delegated_bandwidth", "refund_request", "voter_info", "rex_info");
    /* core_liquid_balance: the account's row of the core symbol in eosio.token (CPS by
     * default, or expected_core_symbol). */
    cps_symbol_code sc;
    const char *sym = core[0] ? (strchr(core, ',') ? strchr(core, ',') + 1 : core) : "CPS";
    cps_buf row = {0};
    if (cps_abi_symbol_code_from_string(sym, strlen(sym), &sc) == 0 &&
        cps_chain_controller_get_row(api->ctl, cps_abi_name("eosio.token"), account,
                                     cps_abi_name("accounts"), sc, &row) == 0 &&
        row.size >= 16) {
        cps_asset as = {(int64_t)cps_load_u64(row.data), cps_load_u64(row.data + 8)};
        char s[CPS_ASSET_STR_MAX];
        if (cps_abi_asset_to_string(&as, s) == 0)
            json_object_set_new(out, "core_liquid_balance", json_string(s));
    }
    cps_buf_free(&row);
    cps_api_respond_json(req, 200, out);
}

typedef struct perm_lookup {
    cps_chain_controller *ctl;
    cps_arena arena;
    cps_authority auth[64];
    size_t n;
} perm_lookup;

static int lookup_permission(void *ctx, const cps_permission_level *level,
                             const cps_authority **out)
{
    perm_lookup *p = ctx;
    if (p->n >= CPS_ARRAY_LEN(p->auth))
        return cps_fail(CPS_ERR_LIMIT, "more than %zu permissions visited",
                        CPS_ARRAY_LEN(p->auth));
    cps_name parent;
    int64_t last_used;
    int rc = cps_chain_controller_get_permission(p->ctl, level->actor, level->permission,
                                                 &p->arena, &parent, &p->auth[p->n], &last_used);
    if (rc) return rc;
    *out = &p->auth[p->n++];
    return 0;
}

void chain_api_get_required_keys(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    json_t *params = cps_api_request_params(req);
    json_t *tj = json_object_get(params, "transaction");
    json_t *keys = json_object_get(params, "available_keys");
    if (!json_is_object(tj) || !json_is_array(keys)) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG,
                              "expected {\"transaction\": {...}, \"available_keys\": [...]}");
        return;
    }
    cps_arena a;
    cps_abi_arena_init(&a);
    abi_set abis = {api->ctl, {{0, NULL}}, 0};
    perm_lookup pl = {api->ctl, {0}, {{0}}, 0};
    cps_abi_arena_init(&pl.arena);
    cps_public_key *cands = NULL, *required = NULL;
    cps_permission_level *declared = NULL;
    size_t nreq = 0;
    cps_transaction trx;
    int rc = cps_abi_transaction_from_json(tj, abi_set_get, &abis, &a, &trx);
    if (rc) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_TRANSACTION_TYPE, "transaction: %s",
                                  cps_last_error());
        goto done;
    }
    size_t nk = json_array_size(keys);
    cands = calloc(nk ? nk : 1, sizeof *cands);
    for (size_t i = 0; cands && i < nk; i++) {
        json_t *k = json_array_get(keys, i);
        if (!json_is_string(k) ||
            cps_public_key_from_string(json_string_value(k), json_string_length(k), &cands[i])) {
            CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_PUBLIC_KEY_TYPE,
                                      "available_keys[%zu]: %s", i,
                                      json_is_string(k) ? cps_last_error() : "expected a string");
            goto done;
        }
    }
    size_t nd = 0;
    for (uint32_t i = 0; i < trx.action_count; i++) nd += trx.actions[i].authorization_count;
    declared = calloc(nd ? nd : 1, sizeof *declared);
    if (!cands || !declared) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, "out of memory");
        goto done;
    }
    nd = 0;
    for (uint32_t i = 0; i < trx.action_count; i++)
        for (uint32_t j = 0; j < trx.actions[i].authorization_count; j++)
            declared[nd++] = trx.actions[i].authorization[j];
    rc = cps_chain_get_required_keys(lookup_permission, &pl,
                                     cps_chain_controller_config(api->ctl)->max_authority_depth,
                                     declared, nd, cands, nk,
                                     (int64_t)trx.header.delay_sec * 1000000, &required, &nreq);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        goto done;
    }
    json_t *out = json_array();
    for (size_t i = 0; i < nreq; i++)
        json_array_append_new(out, chain_api_json_public_key(&required[i]));
    cps_api_respond_json(req, 200, json_pack("{s:o}", "required_keys", out));
done:
    free(cands);
    free(declared);
    free(required);
    abi_set_free(&abis);
    cps_abi_arena_free(&pl.arena);
    cps_abi_arena_free(&a);
}
