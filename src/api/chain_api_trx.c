/* api (chain endpoints): the handlers that run on the node's loop because they go through the
 * controller — transactions (push/send) and required keys. */
#include "api/chain_api_internal.h"

#include <stdlib.h>
#include <string.h>


/* ------------------------------------------------------------------------------------------
 * Transactions.
 * ------------------------------------------------------------------------------------------ */


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

int chain_api_forward_packed(cps_chain_api *api, const uint8_t *packed, size_t n,
                             const cps_checksum256 *id, uint32_t expiration, bool nested,
                             chain_api_waiting *forward, json_t **result, char **detail)
{
    cps_chain_transaction_trace *trace = NULL;
    int rc = api->relay(api->relay_ctx, packed, n, &trace);
    if (rc) {
        cps_chain_transaction_trace_free(trace);
        *detail = strdup(cps_last_error());
        return rc;
    }
    memset(forward, 0, sizeof *forward);
    if (trace) { /* the speculative trace, completed from the block that holds it */
        cps_buf tj = {0};
        cps_chain_api__abi_set abis = {api->ctl, {{0, NULL}}, 0};
        cps_chain_transaction_trace_to_json(trace, &tj);
        forward->processed = chain_api_json_from_buf(&tj);
        if (forward->processed) {
            cps_chain_api__decode_trace_data(forward->processed, &abis);
            if (nested) nest_action_traces(forward->processed);
        }
        cps_chain_api__abi_set_free(&abis);
        cps_buf_free(&tj);
        cps_chain_transaction_trace_free(trace);
    }
    forward->id = *id;
    forward->expiration = expiration;
    forward->forwarded = true;
    *result = json_pack("{s:o}", "transaction_id", chain_api_json_checksum(id));
    return 0;
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
    cps_chain_api__abi_set abis = {api->ctl, {{0, NULL}}, 0};
    cps_buf packed = {0}, tj = {0};
    cps_chain_transaction_trace *trace = NULL;
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw;
    int rc = cps_abi_packed_transaction_from_json(body, cps_chain_api__abi_set_get, &abis, &a, &p);
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
        cps_checksum256 id;
        cps_abi_transaction_id_raw(raw.data, raw.size, &id);
        rc = chain_api_forward_packed(api, packed.data, packed.size, &id, trx.header.expiration,
                                      nested, forward, result, detail);
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
    if (api->relay) (void)api->relay(api->relay_ctx, packed.data, packed.size, NULL); /* gossip */
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
    cps_chain_api__decode_trace_data(processed, &abis);
    if (nested) nest_action_traces(processed);
    *result = json_pack("{s:o,s:o}", "transaction_id", chain_api_json_checksum(&id), "processed",
                        processed);
done:
    cps_chain_transaction_trace_free(trace);
    cps_buf_free(&packed);
    cps_buf_free(&tj);
    cps_chain_api__abi_set_free(&abis);
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

bool chain_api_wait_batch_item(cps_chain_api *api, chain_api_batch *batch, size_t index,
                               const chain_api_waiting *forward)
{
    if (api->waiting_count == api->waiting_cap && !grow_waiting(api)) return false;
    chain_api_waiting *w = &api->waiting[api->waiting_count++];
    *w = *forward;
    w->req = NULL;
    w->batch = batch;
    w->index = index;
    batch->remaining++;
    return true;
}

void chain_api_answer_after_commit(cps_chain_api *api, cps_api_request *req, json_t *result,
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
    else chain_api_answer_after_commit(api, req, result, &forward);
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
    /* A follower forwards each item to the peers, as a single push (docs/node.md), and answers
     * the batch once every forwarded item is in a block or expired. */
    chain_api_batch *batch = NULL;
    if (!cps_chain_controller_block_pending(api->ctl) && api->relay)
        batch = calloc(1, sizeof *batch);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *result;
        char *detail;
        chain_api_waiting fw = {0};
        int rc = apply_json_trx(api, json_array_get(list, i), true, &result, &detail,
                                batch ? &fw : NULL);
        if (rc) result = chain_api_item_error(rc, detail ? detail : cps_strerror(rc));
        free(detail);
        if (!rc && fw.forwarded) {
            fw.result = result; /* {transaction_id}: completed from the block */
            if (chain_api_wait_batch_item(api, batch, json_array_size(out), &fw)) {
                json_array_append_new(out, json_null()); /* filled in when it completes */
                continue;
            }
            json_decref(fw.processed);
        }
        json_array_append_new(out, result ? result : json_null());
    }
    if (batch && batch->remaining) {
        batch->req = req;
        batch->results = out;
        return;
    }
    free(batch);
    chain_api_answer_after_commit(api, req, out, NULL);
}

json_t *chain_api_item_error(int rc, const char *detail)
{
    return chain_api_item_exception(rc == CPS_ERR_FORMAT ? CPS_API_EXC_PACKED_TRANSACTION_TYPE
                                                         : cps_api_exception_for_error(rc),
                                    detail);
}

json_t *chain_api_item_exception(enum cps_api_exception exc, const char *detail)
{
    /* nodeos puts the error in place of the result: {transaction_id?, processed: {except}};
     * the error body shape keeps the code and message. */
    cps_buf b = {0};
    cps_api_error_detail d = {detail, __FILE__, __LINE__, __func__};
    cps_api_error_json(&b, exc, &d, 1);
    json_t *err = chain_api_json_from_buf(&b);
    cps_buf_free(&b);
    json_t *result = json_pack("{s:{s:o}}", "processed", "except",
                               err ? json_incref(json_object_get(err, "error")) : json_null());
    json_decref(err);
    return result;
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
 * Required keys (get_account is in chain_api_account.c).
 * ------------------------------------------------------------------------------------------ */
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
    cps_chain_api__abi_set abis = {api->ctl, {{0, NULL}}, 0};
    perm_lookup pl = {api->ctl, {0}, {{0}}, 0};
    cps_abi_arena_init(&pl.arena);
    cps_public_key *cands = NULL, *required = NULL;
    cps_permission_level *declared = NULL;
    size_t nreq = 0;
    cps_transaction trx;
    int rc = cps_abi_transaction_from_json(tj, cps_chain_api__abi_set_get, &abis, &a, &trx);
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
    cps_chain_api__abi_set_free(&abis);
    cps_abi_arena_free(&pl.arena);
    cps_abi_arena_free(&a);
}
