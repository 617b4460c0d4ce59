/* api (chain endpoints): the endpoint table, the get_info snapshot the loop publishes for the HTTP
 * threads, and the parameter and JSON helpers the other chain_api files share. */
#include "api/chain_api_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The server version nodeos prints as 8 hex digits (itoh of the app version); CPS 0.1.0. */
#define CHAIN_API_SERVER_VERSION "00010000"

/* ------------------------------------------------------------------------------------------
 * Parameters. nodeos converts the body with fc::from_variant inside parse_params, so a field of
 * the wrong type is a 400 invalid_http_request naming the field; CPS_ERR_INVALID_ARG maps there.
 * ------------------------------------------------------------------------------------------ */
static json_t *param(cps_api_request *req, const char *key)
{
    json_t *p = cps_api_request_params(req);
    return json_is_object(p) ? json_object_get(p, key) : NULL;
}

bool chain_api_param_name(cps_api_request *req, const char *key, bool required, cps_name *out)
{
    json_t *v = param(req, key);
    if (!v || json_is_null(v)) {
        if (!required) return true;
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
        return false;
    }
    const char *s = json_string_value(v);
    if (!s) {
        cps_fail(CPS_ERR_INVALID_ARG, "%s: expected a name string", key);
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
        return false;
    }
    if (cps_abi_name_from_string(s, json_string_length(v), out)) {
        cps_fail_prefix(CPS_ERR_INVALID_ARG, "%s", key);
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_NAME_TYPE, "Invalid name: %s", cps_last_error());
        return false;
    }
    return true;
}

bool chain_api_param_bool(cps_api_request *req, const char *key, bool dflt, bool *out)
{
    json_t *v = param(req, key);
    *out = dflt;
    if (!v || json_is_null(v)) return true;
    if (json_is_boolean(v)) *out = json_is_true(v);
    else if (json_is_integer(v)) *out = json_integer_value(v) != 0;
    else if (json_is_string(v) && !strcmp(json_string_value(v), "true")) *out = true;
    else if (json_is_string(v) && !strcmp(json_string_value(v), "false")) *out = false;
    else {
        cps_fail(CPS_ERR_INVALID_ARG, "%s: expected a boolean", key);
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
        return false;
    }
    return true;
}

bool chain_api_param_u64(cps_api_request *req, const char *key, uint64_t dflt, uint64_t *out)
{
    json_t *v = param(req, key);
    *out = dflt;
    if (!v || json_is_null(v)) return true;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (*s >= '0' && *s <= '9') {
            errno = 0;
            unsigned long long x = strtoull(s, &end, 10);
            if (!*end && errno == 0) {
                *out = x;
                return true;
            }
        }
    }
    cps_fail(CPS_ERR_INVALID_ARG, "%s: expected an unsigned integer", key);
    CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
    return false;
}

bool chain_api_param_text(cps_api_request *req, const char *key, char *buf, size_t cap)
{
    json_t *v = param(req, key);
    buf[0] = 0;
    if (!v || json_is_null(v)) return true;
    int n;
    if (json_is_string(v)) n = snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_integer(v)) n = snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else {
        cps_fail(CPS_ERR_INVALID_ARG, "%s: expected a string", key);
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
        return false;
    }
    if (n < 0 || (size_t)n >= cap) {
        cps_fail(CPS_ERR_INVALID_ARG, "%s: longer than %zu characters", key, cap - 1);
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, NULL);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------
 * JSON values in fc's forms.
 * ------------------------------------------------------------------------------------------ */
json_t *chain_api_json_u64(uint64_t v)
{
    if (v <= 0xffffffffu) return json_integer((json_int_t)v);
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    return json_string(s);
}

json_t *chain_api_json_i64(int64_t v)
{
    if (v >= -(int64_t)0xffffffff && v <= (int64_t)0xffffffff) return json_integer(v);
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)v);
    return json_string(s);
}

json_t *chain_api_json_name(cps_name n)
{
    char s[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(n, s);
    return json_string(s);
}

json_t *chain_api_json_hex(const void *data, size_t n)
{
    cps_buf b = {0};
    cps_hex_append(&b, data, n);
    json_t *j = b.failed ? NULL : json_stringn(b.size ? (const char *)b.data : "", b.size);
    cps_buf_free(&b);
    return j;
}

json_t *chain_api_json_checksum(const cps_checksum256 *c)
{
    char hex[65];
    cps_hex_encode(hex, c->b, 32);
    return json_string(hex);
}

json_t *chain_api_json_time_us(int64_t us)
{
    char s[CPS_TIME_STR_MAX];
    cps_abi_time_point_to_string(us, s);
    return json_string(s);
}

json_t *chain_api_json_slot(uint32_t slot)
{
    char s[CPS_TIME_STR_MAX];
    cps_abi_block_timestamp_to_string(slot, s);
    return json_string(s);
}

json_t *chain_api_json_public_key(const cps_public_key *k)
{
    char s[CPS_PUBLIC_KEY_STR_MAX];
    if (cps_public_key_to_string(k, false, s, sizeof s)) return json_null();
    return json_string(s);
}

json_t *chain_api_json_signature(const cps_signature *sig)
{
    char s[CPS_SIGNATURE_STR_MAX];
    if (cps_signature_to_string(sig, s, sizeof s)) return json_null();
    return json_string(s);
}

json_t *chain_api_json_from_buf(const cps_buf *b)
{
    if (b->failed || !b->size) return NULL;
    return json_loadb((const char *)b->data, b->size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

json_t *chain_api_json_authority(const cps_authority *a)
{
    json_t *keys = json_array(), *accounts = json_array(), *waits = json_array();
    for (uint32_t i = 0; i < a->key_count; i++)
        json_array_append_new(keys, json_pack("{s:o,s:i}", "key",
                                              chain_api_json_public_key(&a->keys[i].key), "weight",
                                              (int)a->keys[i].weight));
    for (uint32_t i = 0; i < a->account_count; i++)
        json_array_append_new(
            accounts,
            json_pack("{s:{s:o,s:o},s:i}", "permission", "actor",
                      chain_api_json_name(a->accounts[i].permission.actor), "permission",
                      chain_api_json_name(a->accounts[i].permission.permission), "weight",
                      (int)a->accounts[i].weight));
    for (uint32_t i = 0; i < a->wait_count; i++)
        json_array_append_new(waits, json_pack("{s:I,s:i}", "wait_sec",
                                               (json_int_t)a->waits[i].wait_sec, "weight",
                                               (int)a->waits[i].weight));
    return json_pack("{s:I,s:o,s:o,s:o}", "threshold", (json_int_t)a->threshold, "keys", keys,
                     "accounts", accounts, "waits", waits);
}

/* ------------------------------------------------------------------------------------------
 * The account record from a read-only view. Layout of chain.account values (controller.c):
 *   creation_date i64 | privileged u8 | code_hash 32 | vm_type u8 | vm_version u8 |
 *   code_sequence u32 | abi_sequence u32 | recv_sequence u64 | auth_sequence u64 |
 *   last_auth i64 | abi (varuint32 length + bytes)
 * ------------------------------------------------------------------------------------------ */
#define ACCOUNT_FIXED_SIZE 75

static int view_account(cps_state *st, cps_state_view *v, cps_name account, cps_bytes *rec)
{
    cps_state_table t;
    int rc = cps_state_table_find(st, "chain.account", &t);
    if (rc) return rc;
    uint8_t key[8];
    for (int i = 0; i < 8; i++) key[i] = (uint8_t)(account >> (56 - 8 * i));
    rc = cps_state_get(v, t, key, 8, rec);
    if (rc == CPS_ERR_NOT_FOUND) {
        char s[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(account, s);
        return cps_fail(CPS_ERR_NOT_FOUND, "unknown key (eosio::chain::name): %s", s);
    }
    if (rc) return rc;
    if (rec->size < ACCOUNT_FIXED_SIZE + 1)
        return cps_fail(CPS_ERR_DB_CORRUPT, "chain.account record of %zu bytes", rec->size);
    return 0;
}

int cps_chain_api_view_abi(cps_state *st, cps_state_view *v, cps_name account, cps_buf *out)
{
    cps_bytes rec;
    int rc = view_account(st, v, account, &rec);
    if (rc) return rc;
    cps_reader r = cps_reader_make(rec.data + ACCOUNT_FIXED_SIZE, rec.size - ACCOUNT_FIXED_SIZE);
    const uint8_t *abi;
    size_t n;
    rc = cps_read_blob(&r, &abi, &n);
    if (!rc) rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.account abi");
    cps_buf_reset(out);
    return cps_write_bytes(out, abi, n);
}

int chain_api_view_load_abi(cps_chain_api *api, cps_state_view *v, cps_name account, cps_abi **abi)
{
    cps_buf bin = {0};
    *abi = NULL;
    int rc = cps_chain_api_view_abi(api->st, v, account, &bin);
    if (!rc && bin.size) rc = cps_abi_from_bin(bin.data, bin.size, abi);
    cps_buf_free(&bin);
    return rc;
}

int chain_api_view_code_hash(cps_chain_api *api, cps_state_view *v, cps_name account,
                             cps_checksum256 *hash, int64_t *created_us, bool *privileged)
{
    cps_bytes rec;
    int rc = view_account(api->st, v, account, &rec);
    if (rc) return rc;
    if (hash) memcpy(hash->b, rec.data + 9, 32);
    if (created_us) *created_us = (int64_t)cps_load_u64(rec.data);
    if (privileged) *privileged = rec.data[8] != 0;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * get_info: built on the loop after each block, copied out on the HTTP threads.
 * ------------------------------------------------------------------------------------------ */
static json_t *build_info(cps_chain_api *api)
{
    char idhex[65], chainhex[65], libhex[65];
    cps_hex_encode(idhex, api->head_id.b, 32);
    cps_hex_encode(libhex, api->lib_id.b, 32);
    cps_hex_encode(chainhex, api->chain_id.b, 32);
    json_t *head_time = chain_api_json_slot(api->head_time);
    json_t *lib_time = chain_api_json_slot(api->lib_time);
    json_t *j = json_pack(
        "{s:s,s:s,s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:s,s:I,s:s,s:s,s:O}", "server_version",
        CHAIN_API_SERVER_VERSION, "chain_id", chainhex, "head_block_num", (json_int_t)api->head_num,
        "last_irreversible_block_num", (json_int_t)api->lib_num, "last_irreversible_block_id",
        libhex, "head_block_id", idhex, "head_block_time", json_incref(head_time),
        "head_block_producer", chain_api_json_name(api->head_producer), "virtual_block_cpu_limit",
        (json_int_t)api->config.max_block_cpu_usage, "virtual_block_net_limit",
        (json_int_t)api->config.max_block_net_usage, "block_cpu_limit",
        (json_int_t)api->config.max_block_cpu_usage, "block_net_limit",
        (json_int_t)api->config.max_block_net_usage, "server_version_string", api->version_string,
        "fork_db_head_block_num", (json_int_t)api->head_num, "fork_db_head_block_id", idhex,
        "server_full_version_string", api->version_string, "last_irreversible_block_time",
        lib_time);
    json_decref(head_time);
    json_decref(lib_time);
    if (j) json_object_set_new(j, "earliest_available_block_num", json_integer(1));
    return j;
}

void cps_chain_api_set_relay(cps_chain_api *api, cps_chain_api_relay_fn relay, void *ctx)
{
    api->relay = relay;
    api->relay_ctx = ctx;
}

/* block_num and block_time of every action trace (inline ones too) set to the block's. */
static void set_trace_block(json_t *traces, uint32_t block_num, uint32_t block_time)
{
    size_t i;
    json_t *at;
    json_array_foreach(traces, i, at)
    {
        json_object_set_new(at, "block_num", json_integer(block_num));
        json_object_set_new(at, "block_time", chain_api_json_slot(block_time));
        set_trace_block(json_object_get(at, "inline_traces"), block_num, block_time);
    }
}

/* Hands a completed forwarded push its answer (owned): to its request, or into its slot of a
 * batch, which is answered when its last slot fills. */
static void deliver(chain_api_waiting *w, json_t *answer)
{
    chain_api_batch *b = w->batch;
    if (!b) {
        cps_api_respond_json(w->req, 202, answer);
        return;
    }
    json_array_set_new(b->results, w->index, answer);
    if (--b->remaining) return;
    if (!b->answered) cps_api_respond_json(b->req, 202, b->results);
    else json_decref(b->results);
    free(b);
}

/* A follower's forwarded push, answered from the receipt the block holds for it: its speculative
 * trace with the block's number, time and receipt, or (none kept) the receipt alone. */
static void answer_forwarded(cps_chain_api *api, chain_api_waiting *w,
                             const cps_transaction_receipt *r, uint32_t block_num,
                             uint32_t block_time)
{
    static const char *const status[] = {"executed", "soft_fail", "hard_fail", "delayed",
                                         "expired"};
    json_t *bt = chain_api_json_slot(block_time);
    if (w->processed) {
        json_t *p = w->processed;
        w->processed = NULL;
        json_object_set_new(p, "block_num", json_integer(block_num));
        json_object_set_new(p, "block_time", bt);
        json_object_set_new(p, "receipt",
                            json_pack("{s:s,s:I,s:I}", "status",
                                      r->status < 5 ? status[r->status] : "unknown",
                                      "cpu_usage_us", (json_int_t)r->cpu_usage_us,
                                      "net_usage_words", (json_int_t)r->net_usage_words));
        json_object_set_new(p, "net_usage", json_integer((json_int_t)r->net_usage_words * 8));
        set_trace_block(json_object_get(p, "action_traces"), block_num, block_time);
        json_object_set_new(w->result, "processed", p);
        deliver(w, w->result);
        (void)api;
        return;
    }
    json_t *processed = json_pack(
        "{s:o,s:I,s:o,s:{s:s,s:I,s:I},s:I,s:I,s:b,s:[],s:n}", "id",
        chain_api_json_checksum(&w->id), "block_num", (json_int_t)block_num, "block_time", bt,
        "receipt", "status", r->status < 5 ? status[r->status] : "unknown", "cpu_usage_us",
        (json_int_t)r->cpu_usage_us, "net_usage_words", (json_int_t)r->net_usage_words,
        "elapsed", (json_int_t)0, "net_usage", (json_int_t)r->net_usage_words * 8, "scheduled",
        0, "action_traces", "except");
    if (processed) json_object_set_new(w->result, "processed", processed);
    deliver(w, w->result);
    (void)api;
}

/* Answers the pushes waiting for a committed block: those applied by this node at once, the
 * forwarded ones when `sb` holds them or the head time passed their expiration. */
static void answer_waiting(cps_chain_api *api, const cps_signed_block *sb, uint32_t num)
{
    size_t keep = 0;
    uint32_t head_sec = (uint32_t)(cps_block_timestamp_to_us(api->head_time) / 1000000);
    for (size_t i = 0; i < api->waiting_count; i++) {
        chain_api_waiting *w = &api->waiting[i];
        if (!w->forwarded) {
            cps_api_respond_json(w->req, 202, w->result);
            continue;
        }
        const cps_transaction_receipt *found = NULL;
        for (uint32_t t = 0; sb && !found && t < sb->transaction_count; t++) {
            const cps_transaction_receipt *r = &sb->transactions[t];
            cps_checksum256 tid = r->trx_id;
            if (r->is_packed)
                cps_abi_transaction_id_raw(r->packed.packed_trx.data, r->packed.packed_trx.size,
                                           &tid);
            if (!memcmp(tid.b, w->id.b, 32)) found = r;
        }
        if (found) {
            answer_forwarded(api, w, found, num, sb->signed_header.header.timestamp);
        } else if (head_sec > w->expiration) {
            static const char expired[] = "the transaction was forwarded to the peers but no "
                                          "block held it before it expired";
            json_decref(w->result);
            json_decref(w->processed);
            if (w->batch) deliver(w, chain_api_item_exception(CPS_API_EXC_EXPIRED_TX, expired));
            else CPS_API_RESPOND_EXCEPTION(w->req, CPS_API_EXC_EXPIRED_TX, "%s", expired);
        } else {
            api->waiting[keep++] = *w;
        }
    }
    api->waiting_count = keep;
}

/* LIB's timestamp: the head's when they are one block, else from LIB's header, read again only
 * when LIB moved (LIB is in the block log: one header read per move). */
static uint32_t lib_time_of(cps_chain_api *api, cps_chain_controller *c, uint32_t lib_num,
                            const cps_checksum256 *lib_id)
{
    if (lib_num == cps_chain_controller_head_num(c)) return cps_chain_controller_head_timestamp(c);
    if (api->info_json && lib_num == api->lib_num && !memcmp(lib_id->b, api->lib_id.b, 32))
        return api->lib_time;
    cps_buf raw = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block_header h;
    uint32_t slot = 0;
    if (cps_chain_controller_read_block(c, lib_num, &raw) == 0) {
        cps_reader r = cps_reader_make(raw.data, raw.size);
        if (cps_abi_signed_block_header_unpack(&r, &a, &h) == 0) slot = h.header.timestamp;
        else cps_log_error("api", "block %u: %s", lib_num, cps_last_error());
    } else {
        cps_log_error("api", "cannot read the last irreversible block %u: %s", lib_num,
                      cps_last_error());
    }
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    return slot;
}

void cps_chain_api_head_changed(cps_chain_api *api, const cps_buf *raw_block)
{
    cps_chain_controller *c = api->ctl;
    uint32_t num = cps_chain_controller_head_num(c);
    cps_checksum256 id;
    cps_chain_controller_head_id(c, &id);
    cps_name producer = api->head_producer;
    /* The producer is in the head block's header (the head may be a reversible block, above the
     * end of the block log). */
    cps_buf raw = {0};
    const cps_buf *blk = raw_block;
    if (!blk && cps_chain_controller_read_block(c, num, &raw) == 0) blk = &raw;
    uint32_t lib_num = cps_chain_controller_lib_num(c);
    cps_checksum256 lib_id;
    cps_chain_controller_lib_id(c, &lib_id);
    uint32_t lib_time = lib_time_of(api, c, lib_num, &lib_id);
    uint32_t trx_count = 0;
    uint64_t cpu = 0, net = 0;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block sb;
    bool have_block = false;
    if (blk && blk->size) {
        if (cps_abi_signed_block_decode(blk->data, blk->size, &a, &sb) == 0) {
            have_block = true;
            producer = sb.signed_header.header.producer;
            trx_count = sb.transaction_count;
            for (uint32_t i = 0; i < sb.transaction_count; i++) {
                cpu += sb.transactions[i].cpu_usage_us;
                net += (uint64_t)sb.transactions[i].net_usage_words * 8;
            }
        }
    }

    pthread_mutex_lock(&api->info_lock);
    api->head_num = num;
    api->head_id = id;
    api->head_time = cps_chain_controller_head_timestamp(c);
    api->head_producer = producer;
    api->lib_num = lib_num;
    api->lib_id = lib_id;
    api->lib_time = lib_time;
    json_t *info = build_info(api);
    char *text = info ? json_dumps(info, JSON_COMPACT) : NULL;
    json_decref(info);
    if (text) {
        free(api->info_json);
        api->info_json = text;
        api->info_len = strlen(text);
    }
    pthread_mutex_unlock(&api->info_lock);

    cps_api_metric_set(api->nm.head_block_num, num);
    cps_api_metric_set(api->nm.last_irreversible_block_num, cps_chain_controller_lib_num(c));
    if (raw_block) {
        cps_api_metric_inc(api->nm.blocks_total);
        cps_api_metric_add(api->nm.transactions_total, trx_count);
        cps_api_metric_add(api->nm.cpu_usage_us_total, (double)cpu);
        cps_api_metric_add(api->nm.net_usage_bytes_total, (double)net);
        /* Transactions of the block are now final: answer their pushes. */
        answer_waiting(api, have_block ? &sb : NULL, num);
        for (uint32_t i = 0; i < CHAIN_API_TRX_RING; i++)
            if (api->trx_ring[i].used && api->trx_ring[i].block_num == 0) {
                api->trx_ring[i].block_num = num;
                api->trx_ring[i].block_id = id;
            }
        chain_api_ingress_committed(api);
    }
    chain_api_blocks_note_head(api);
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
}

/* Answers pushes with an error: those in the dropped pending block, or all (shutdown). */
static void fail_waiting(cps_chain_api *api, const char *why, bool all)
{
    size_t keep = 0;
    for (size_t i = 0; i < api->waiting_count; i++) {
        if (api->waiting[i].forwarded && !all) {
            api->waiting[keep++] = api->waiting[i]; /* not in this node's pending block */
            continue;
        }
        json_decref(api->waiting[i].result);
        json_decref(api->waiting[i].processed);
        chain_api_batch *b = api->waiting[i].batch;
        if (b) { /* shutdown: the batch is answered once, with the error */
            if (!b->answered)
                CPS_API_RESPOND_EXCEPTION(b->req, CPS_API_EXC_BLOCK_VALIDATE,
                                          "the block holding the transaction was dropped: %s",
                                          why);
            b->answered = true;
            if (--b->remaining == 0) {
                json_decref(b->results);
                free(b);
            }
            continue;
        }
        CPS_API_RESPOND_EXCEPTION(api->waiting[i].req, CPS_API_EXC_BLOCK_VALIDATE,
                                  "the block holding the transaction was dropped: %s", why);
    }
    api->waiting_count = keep;
}

void cps_chain_api_block_aborted(cps_chain_api *api, const char *why)
{
    fail_waiting(api, why, false);
    chain_api_ingress_aborted(api, why);
}

int cps_chain_api_info_json(cps_chain_api *api, cps_buf *out)
{
    pthread_mutex_lock(&api->info_lock);
    int rc = api->info_json ? cps_write_bytes(out, api->info_json, api->info_len)
                            : cps_fail(CPS_ERR_STATE, "no head published yet");
    pthread_mutex_unlock(&api->info_lock);
    return rc;
}

static void get_info(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    uint64_t t0 = cps_time_mono_ns();
    pthread_mutex_lock(&api->info_lock);
    char *copy = api->info_json ? malloc(api->info_len + 1) : NULL;
    size_t n = api->info_len;
    if (copy) memcpy(copy, api->info_json, n + 1);
    pthread_mutex_unlock(&api->info_lock);
    if (!copy) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_MISSING_PENDING_BLOCK_STATE,
                                  "the chain is not open yet");
        return;
    }
    cps_api_respond_take(req, 200, NULL, copy, n);
    cps_api_metric_observe(api->api_latency, (double)(cps_time_mono_ns() - t0) / 1e9);
}

/* ------------------------------------------------------------------------------------------
 * Registration.
 * ------------------------------------------------------------------------------------------ */
#define HTTP_THREAD 0u
/* the push endpoints read their usual bodies without a JSON tree (chain_api_push_body.c) */
#define LAZY CPS_API_PARAMS_LAZY
#define LOOP CPS_API_ON_LOOP

int cps_chain_api_create(const cps_chain_api_options *opt, cps_chain_api **out)
{
    *out = NULL;
    if (!opt || !opt->controller || !opt->server)
        return cps_fail(CPS_ERR_INVALID_ARG, "chain api: controller and server are required");
    cps_chain_api *api = calloc(1, sizeof *api);
    if (!api) return cps_fail(CPS_ERR_NOMEM, "chain api");
    pthread_mutex_init(&api->info_lock, NULL);
    api->ctl = opt->controller;
    api->st = cps_chain_controller_state(opt->controller);
    api->server = opt->server;
    api->metrics = opt->metrics ? opt->metrics : cps_api_server_metrics(opt->server);
    api->chain_id = *cps_chain_controller_chain_id(opt->controller);
    api->config = *cps_chain_controller_config(opt->controller);
    snprintf(api->version_string, sizeof api->version_string, "%s",
             opt->server_version_string ? opt->server_version_string : "v0.1.0");
    int rc = cps_api_node_metrics_register(api->metrics, &api->nm);
    if (!rc)
        rc = cps_api_metrics_histogram(
            api->metrics, "cps_chain_api_read_seconds",
            "Time to answer read-only chain queries served on the HTTP threads", NULL, NULL, 0,
            &api->api_latency);
    if (!rc) rc = chain_api_ingress_create(api, opt);
    if (rc) goto fail;

    const struct {
        const char *path;
        cps_api_handler fn;
        unsigned flags;
        int64_t timeout;
    } eps[] = {
        {"/v1/chain/get_info", get_info, HTTP_THREAD | CPS_API_PARAMS_NONE, 0},
        {"/v1/chain/get_table_rows", chain_api_get_table_rows, HTTP_THREAD, 0},
        {"/v1/chain/get_table_by_scope", chain_api_get_table_by_scope, HTTP_THREAD, 0},
        {"/v1/chain/get_currency_balance", chain_api_get_currency_balance, HTTP_THREAD, 0},
        {"/v1/chain/get_currency_stats", chain_api_get_currency_stats, HTTP_THREAD, 0},
        {"/v1/chain/get_abi", chain_api_get_abi, HTTP_THREAD, 0},
        {"/v1/chain/get_raw_abi", chain_api_get_raw_abi, HTTP_THREAD, 0},
        {"/v1/chain/get_code", chain_api_get_code, HTTP_THREAD, 0},
        {"/v1/chain/get_code_hash", chain_api_get_code_hash, HTTP_THREAD, 0},
        {"/v1/chain/get_raw_code_and_abi", chain_api_get_raw_code_and_abi, HTTP_THREAD, 0},
        {"/v1/chain/abi_json_to_bin", chain_api_abi_json_to_bin, HTTP_THREAD, 0},
        {"/v1/chain/abi_bin_to_json", chain_api_abi_bin_to_json, HTTP_THREAD, 0},
        {"/v1/chain/get_account", chain_api_get_account, LOOP, 0},
        {"/v1/chain/get_block", chain_api_get_block, LOOP, 0},
        {"/v1/chain/get_block_info", chain_api_get_block_info, LOOP, 0},
        {"/v1/chain/get_block_header_state", chain_api_get_block_header_state, LOOP, 0},
        {"/v1/chain/get_required_keys", chain_api_get_required_keys, LOOP, 0},
        {"/v1/chain/get_producers", chain_api_get_producers,
         HTTP_THREAD | CPS_API_PARAMS_OPTIONAL, 0},
        {"/v1/chain/get_producer_schedule", chain_api_get_producer_schedule,
         LOOP | CPS_API_PARAMS_NONE, 0},
        {"/v1/chain/get_activated_protocol_features", chain_api_get_activated_protocol_features,
         HTTP_THREAD | CPS_API_PARAMS_OPTIONAL, 0},
        {"/v1/chain/get_transaction_status", chain_api_get_transaction_status, LOOP, 0},
        {"/v1/chain/compute_transaction", chain_api_compute_transaction, LOOP, 0},
        /* Transactions are decoded and their signatures recovered on the HTTP threads, then
         * queued for the loop (chain_api_ingress.c). */
        {"/v1/chain/push_transaction", chain_api_ingress_push_transaction, HTTP_THREAD | LAZY,
         CPS_API_TIMEOUT_NONE},
        {"/v1/chain/push_transactions", chain_api_ingress_push_transactions, HTTP_THREAD | LAZY,
         CPS_API_TIMEOUT_NONE},
        {"/v1/chain/send_transaction", chain_api_ingress_send_transaction, HTTP_THREAD | LAZY,
         CPS_API_TIMEOUT_NONE},
        {"/v1/chain/send_transaction2", chain_api_ingress_send_transaction2, HTTP_THREAD | LAZY,
         CPS_API_TIMEOUT_NONE},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(eps); i++) {
        cps_api_endpoint ep = {eps[i].path, eps[i].fn, api, eps[i].flags, eps[i].timeout};
        if ((rc = cps_api_server_add(opt->server, &ep))) goto fail;
    }
    cps_chain_api_head_changed(api, NULL);
    *out = api;
    return 0;
fail:
    cps_chain_api_destroy(api);
    return rc;
}

void cps_chain_api_destroy(cps_chain_api *api)
{
    if (!api) return;
    fail_waiting(api, "the node is shutting down", true);
    chain_api_ingress_destroy(api);
    chain_api_blocks_free(api);
    free(api->waiting);
    pthread_mutex_destroy(&api->info_lock);
    free(api->info_json);
    free(api);
}
