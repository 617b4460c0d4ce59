/* transaction: validation and execution of one transaction in the pending block — decoding,
 * expiration, TaPoS, duplicates, limits, signature recovery, authorization (linkauth minimums,
 * irrelevant signatures), then the actions with their notifications and inline actions in a
 * nested undo session, receipts and traces, billing; a failure leaves nothing behind. */
#include "chain/controller_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MOD "chain"

/* The controller's private part of a transaction context. */
typedef struct trx_internal {
    cps_chain_controller *c;
    cps_checksum256 *digests; /* action receipt digests of this transaction, in order */
    size_t digest_count, digest_cap;
    cps_name *ram_accounts;   /* accounts whose RAM grew: verified at the end */
    size_t ram_count, ram_cap;
    uint32_t executed; /* actions executed so far (execution_index) */
} trx_internal;

/* What one action's receivers share (EOSIO's apply_context across exec_one calls). */
typedef struct action_group {
    struct {
        cps_name receiver;
        uint32_t ordinal;
    } *notified;
    size_t notified_count, notified_cap;
    uint32_t *inlines; /* ordinals of inline actions to run after the notifications */
    size_t inline_count, inline_cap;
    /* sha256 of the packed action, the same for every receiver of the group (notifications
     * carry the action unchanged): computed once */
    cps_checksum256 act_digest;
    bool has_act_digest;
} action_group;

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need) nc *= 2;
    void *p = realloc(*arr, nc * elem);
    if (!p) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    *arr = p;
    *cap = nc;
    return 0;
}

static const char *name_str(cps_name n, char *buf)
{
    cps_abi_name_to_string(n, buf);
    return buf;
}

/* ------------------------------------------------------------------------------------------
 * Traces.
 * ------------------------------------------------------------------------------------------ */
void cps_chain__action_trace_free(cps_chain_action_trace *a)
{
    free(a->authorization);
    free(a->data);
    free(a->auth_sequence);
    free(a->console);
    free(a->return_value);
}

void cps_chain_transaction_trace_free(cps_chain_transaction_trace *t)
{
    if (!t) return;
    for (uint32_t i = 0; i < t->action_count; i++) cps_chain__action_trace_free(&t->actions[i]);
    free(t->actions);
    free(t->error_message);
    free(t);
}

int cps_chain__schedule_action(cps_chain_trx_context *tc, const cps_action *act, cps_name receiver,
                               bool context_free, uint32_t creator, uint32_t closest_unnotified,
                               uint32_t *ordinal)
{
    cps_chain_transaction_trace *t = tc->trace;
    if (t->action_count >= UINT32_MAX - 1) return cps_fail(CPS_ERR_LIMIT, "too many actions");
    size_t cap = t->action_cap;
    int rc = grow((void **)&t->actions, &cap, (size_t)t->action_count + 1, sizeof *t->actions);
    if (rc) return rc;
    t->action_cap = (uint32_t)cap;
    cps_chain_action_trace *a = &t->actions[t->action_count];
    memset(a, 0, sizeof *a);
    a->action_ordinal = t->action_count + 1;
    a->creator_action_ordinal = creator;
    a->closest_unnotified_ancestor_action_ordinal = closest_unnotified;
    a->receiver = receiver;
    a->account = act->account;
    a->name = act->name;
    a->context_free = context_free;
    if (act->authorization_count) {
        a->authorization = malloc(act->authorization_count * sizeof *a->authorization);
        if (!a->authorization) return cps_fail(CPS_ERR_NOMEM, "action trace");
        memcpy(a->authorization, act->authorization,
               act->authorization_count * sizeof *a->authorization);
        a->authorization_count = act->authorization_count;
    }
    a->data = malloc(act->data.size ? act->data.size : 1);
    if (!a->data) {
        free(a->authorization);
        return cps_fail(CPS_ERR_NOMEM, "action trace");
    }
    if (act->data.size) memcpy(a->data, act->data.data, act->data.size);
    a->data_size = act->data.size;
    t->action_count++;
    *ordinal = a->action_ordinal;
    return 0;
}

int cps_chain_transaction_trace_to_json(const cps_chain_transaction_trace *t, cps_buf *out)
{
    char hex[65], n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX], n3[CPS_NAME_STR_MAX];
    cps_hex_encode(hex, t->id.b, 32);
    char idhex[65]; /* hex is reused for the action digests below */
    memcpy(idhex, hex, sizeof idhex);
    static const char *const status[] = {"executed", "soft_fail", "hard_fail", "delayed", "expired"};
    cps_buf_printf(out, "{\"id\":\"%s\",\"block_num\":%u,\"block_time\":", hex, t->block_num);
    char ts[CPS_TIME_STR_MAX];
    cps_abi_block_timestamp_to_string(t->block_time, ts);
    cps_json_quote(out, ts, strlen(ts));
    cps_buf_printf(out,
                   ",\"producer_block_id\":null,"
                   "\"receipt\":{\"status\":\"%s\",\"cpu_usage_us\":%u,\"net_usage_words\":%u},"
                   "\"elapsed\":%lld,\"net_usage\":%u,\"scheduled\":false,\"action_traces\":[",
                   status[t->status < 5 ? t->status : 2], t->cpu_usage_us, t->net_usage_words,
                   (long long)t->elapsed_us, t->net_usage_words * 8);
    for (uint32_t i = 0; i < t->action_count; i++) {
        const cps_chain_action_trace *a = &t->actions[i];
        if (i) cps_write_u8(out, ',');
        cps_buf_printf(out, "{\"action_ordinal\":%u,\"creator_action_ordinal\":%u,"
                            "\"closest_unnotified_ancestor_action_ordinal\":%u,",
                       a->action_ordinal, a->creator_action_ordinal,
                       a->closest_unnotified_ancestor_action_ordinal);
        if (a->has_receipt) {
            cps_hex_encode(hex, a->act_digest.b, 32);
            cps_buf_printf(out,
                           "\"receipt\":{\"receiver\":\"%s\",\"act_digest\":\"%s\","
                           "\"global_sequence\":%llu,\"recv_sequence\":%llu,\"auth_sequence\":[",
                           name_str(a->receiver, n1), hex, (unsigned long long)a->global_sequence,
                           (unsigned long long)a->recv_sequence);
            for (uint32_t k = 0; k < a->auth_sequence_count; k++)
                cps_buf_printf(out, "%s[\"%s\",%llu]", k ? "," : "",
                               name_str(a->auth_sequence[k].account, n1),
                               (unsigned long long)a->auth_sequence[k].sequence);
            cps_buf_printf(out, "],\"code_sequence\":%u,\"abi_sequence\":%u},", a->code_sequence,
                           a->abi_sequence);
        } else {
            cps_buf_printf(out, "\"receipt\":null,");
        }
        cps_buf_printf(out, "\"receiver\":\"%s\",\"act\":{\"account\":\"%s\",\"name\":\"%s\","
                            "\"authorization\":[",
                       name_str(a->receiver, n1), name_str(a->account, n2),
                       name_str(a->name, n3)); /* one buffer per argument */
        for (uint32_t k = 0; k < a->authorization_count; k++)
            cps_buf_printf(out, "%s{\"actor\":\"%s\",\"permission\":\"%s\"}", k ? "," : "",
                           name_str(a->authorization[k].actor, n1),
                           name_str(a->authorization[k].permission, n2));
        cps_buf_printf(out, "],\"data\":\"");
        cps_hex_append(out, a->data, a->data_size);
        cps_buf_printf(out, "\"},\"context_free\":%s,\"elapsed\":%llu,\"console\":",
                       a->context_free ? "true" : "false",
                       (unsigned long long)(a->cpu_units / 100)); /* deterministic µs */
        cps_json_quote(out, a->console ? a->console : "", a->console_size);
        /* nodeos's per-action copies of the transaction's fields */
        cps_buf_printf(out, ",\"trx_id\":\"%s\",\"block_num\":%u,\"block_time\":", idhex,
                       t->block_num);
        cps_json_quote(out, ts, strlen(ts));
        cps_buf_printf(out, ",\"producer_block_id\":null,\"except\":null,\"error_code\":null");
        cps_buf_printf(out, ",\"return_value_hex_data\":\"");
        cps_hex_append(out, a->return_value, a->return_value_size);
        cps_buf_printf(out, "\"}");
    }
    cps_buf_printf(out, "],\"account_ram_delta\":null,\"except\":");
    if (t->error) cps_json_quote(out, t->error_message ? t->error_message : "", 
                                 t->error_message ? strlen(t->error_message) : 0);
    else cps_buf_printf(out, "null");
    cps_buf_printf(out, ",\"error_code\":null}");
    return out->failed;
}

/* ------------------------------------------------------------------------------------------
 * Permission lookups for the authority checker.
 * ------------------------------------------------------------------------------------------ */
int cps_chain__permission_lookup(void *ctx, const cps_permission_level *level,
                                 const cps_authority **out)
{
    cps_chain_lookup_ctx *l = ctx;
    cps_authority *auth = cps_abi_arena_alloc(&l->arena, sizeof *auth);
    if (!auth) return CPS_ERR_NOMEM;
    int rc = cps_chain__perm_get(l->c, NULL, level->actor, level->permission, &l->arena, NULL, auth,
                                 NULL, NULL);
    if (rc) return rc;
    *out = auth;
    return 0;
}

/* The raw chain.perm record of level (u64 parent | u64 last_updated | u64 last_used |
 * authority), borrowed from the pending view; CPS_ERR_NOT_FOUND when absent. For the questions
 * that need only its existence or its parent: decoding the whole authority (an arena, its
 * arrays) for them was a visible share of every transaction's authorization check. */
static int perm_record(cps_chain_controller *c, const cps_permission_level *level, cps_bytes *v)
{
    uint8_t key[16];
    cps_chain__key_name(key, level->actor);
    cps_chain__key_name(key + 8, level->permission);
    int rc = cps_state_get(cps_chain__view(c), c->t_perm, key, 16, v);
    if (!rc && v->size < 24) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.perm record");
    return rc;
}

int cps_chain__permission_parent(void *ctx, const cps_permission_level *level, cps_name *parent)
{
    cps_chain_lookup_ctx *l = ctx;
    cps_bytes v;
    int rc = perm_record(l->c, level, &v);
    if (!rc) *parent = cps_load_u64(v.data);
    return rc;
}

/* The permission an action needs from `actor` (authorization_manager::lookup_minimum_permission):
 * the linked one, or active. *any is set for a link to eosio.any (no minimum). */
static int minimum_permission(cps_chain_controller *c, cps_name actor, cps_name code,
                              cps_name type, cps_name *min, bool *any)
{
    *any = false;
    cps_name req;
    int rc = cps_chain__link_get(c, actor, code, type, &req);
    if (rc == CPS_ERR_NOT_FOUND) {
        *min = cps_abi_name("active");
        return 0;
    }
    if (rc) return rc;
    if (req == cps_abi_name("eosio.any")) *any = true;
    *min = req;
    return 0;
}

/* "action code::name", for error messages only (formatting it for every action cost as much as
 * a state read). */
static const char *action_what(const cps_action *act, char what[64])
{
    char n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    snprintf(what, 64, "action %s::%s", name_str(act->account, n1), name_str(act->name, n2));
    return what;
}

static int declared_satisfies(cps_chain_controller *c, const cps_permission_level *declared,
                              const cps_permission_level *required, const cps_action *act)
{
    char what[64];
    cps_chain_lookup_ctx l = {c, {0}};
    bool ok = false;
    int rc = cps_chain_permission_satisfies(cps_chain__permission_parent, &l, declared, required, &ok);
    cps_abi_arena_free(&l.arena);
    char a[CPS_NAME_STR_MAX], p[CPS_NAME_STR_MAX], ra[CPS_NAME_STR_MAX], rp[CPS_NAME_STR_MAX];
    if (rc == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_AUTH, "%s: permission %s@%s does not exist",
                        action_what(act, what), name_str(required->actor, ra),
                        name_str(required->permission, rp));
    if (rc) return rc;
    if (!ok)
        return cps_fail(CPS_ERR_AUTH,
                        "%s declares irrelevant authority '{\"actor\":\"%s\",\"permission\":\"%s\"}'; "
                        "minimum authority is {\"actor\":\"%s\",\"permission\":\"%s\"}",
                        action_what(act, what), name_str(declared->actor, a),
                        name_str(declared->permission, p),
                        name_str(required->actor, ra), name_str(required->permission, rp));
    return 0;
}

static bool perm_exists(cps_chain_controller *c, const cps_permission_level *l)
{
    cps_bytes v;
    return perm_record(c, l, &v) == 0;
}

/* The per-action part of authorization_manager::check_authorization: every declared level
 * exists and meets the action's minimum permission (with the native actions' own rules). */
static int check_action_permissions(cps_chain_controller *c, const cps_action *act)
{
    const cps_name eosio = cps_abi_name("eosio");
    char what[64], n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    for (uint32_t i = 0; i < act->authorization_count; i++) {
        const cps_permission_level *d = &act->authorization[i];
        if (!perm_exists(c, d))
            return cps_fail(CPS_ERR_AUTH, "%s: permission %s@%s does not exist",
                            action_what(act, what),
                            name_str(d->actor, n1), name_str(d->permission, n2));
    }
    if (act->account == eosio) {
        cps_reader r = cps_reader_make(act->data.data, act->data.size);
        uint64_t f[3] = {0, 0, 0};
        const cps_name nm = act->name;
        bool special = nm == cps_abi_name("updateauth") || nm == cps_abi_name("deleteauth") ||
                       nm == cps_abi_name("linkauth") || nm == cps_abi_name("unlinkauth") ||
                       nm == cps_abi_name("canceldelay");
        if (special && nm != cps_abi_name("canceldelay")) {
            for (int k = 0; k < 3; k++)
                if (cps_read_u64(&r, &f[k]) && k < 2)
                    return cps_fail(CPS_ERR_TX, "%s: malformed action data",
                                    action_what(act, what));
            if (act->authorization_count != 1)
                return cps_fail(CPS_ERR_AUTH, "%s: exactly one authorization is required",
                                action_what(act, what));
            const cps_permission_level *d = &act->authorization[0];
            if (d->actor != f[0])
                return cps_fail(CPS_ERR_AUTH,
                                "%s: the owner of the affected permission needs to be the actor "
                                "of the declared authorization", action_what(act, what));
            cps_permission_level req = {f[0], 0};
            if (nm == cps_abi_name("updateauth")) {
                req.permission = f[1];
                if (!perm_exists(c, &req)) req.permission = f[2]; /* new: its parent */
            } else if (nm == cps_abi_name("deleteauth")) {
                req.permission = f[1];
            } else {
                /* linkauth/unlinkauth: the permission currently linked for (code, type) */
                bool any;
                int rc = minimum_permission(c, f[0], f[1], f[2], &req.permission, &any);
                if (rc) return rc;
                if (any) return 0;
            }
            return declared_satisfies(c, d, &req, act);
        }
        if (special) {
            /* check_canceldelay_authorization: one declared level satisfying canceling_auth */
            if (act->authorization_count != 1)
                return cps_fail(CPS_ERR_AUTH, "canceldelay action should only have one declared "
                                              "authorization");
            cps_permission_level canceling;
            if (cps_abi_permission_level_unpack(&r, &canceling))
                return cps_fail(CPS_ERR_TX, "%s: malformed action data",
                                    action_what(act, what));
            return declared_satisfies(c, &act->authorization[0], &canceling, act);
        }
    }
    for (uint32_t i = 0; i < act->authorization_count; i++) {
        const cps_permission_level *d = &act->authorization[i];
        cps_permission_level req = {d->actor, 0};
        bool any;
        int rc = minimum_permission(c, d->actor, act->account, act->name, &req.permission, &any);
        if (rc) return rc;
        if (any) continue;
        if ((rc = declared_satisfies(c, d, &req, act))) return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Signature recovery: one key per signature; on worker threads when the controller has them.
 * ------------------------------------------------------------------------------------------ */
typedef struct recover_job {
    const cps_signature *sigs;
    cps_public_key *keys;
    int *results;       /* in: 1 = to recover; out: 0 or the error */
    const uint8_t *digest;
    uint32_t from, step, count;
} recover_job;

static void *recover_worker(void *arg)
{
    recover_job *j = arg;
    for (uint32_t i = j->from; i < j->count; i += j->step)
        if (j->results[i]) j->results[i] = cps_recover(&j->sigs[i], j->digest, &j->keys[i]);
    return NULL;
}

/* The recovered-key cache: direct-mapped on sha256(signature | digest), so a transaction seen
 * again (re-pushed after an aborted block, or applied once speculatively and then in a block)
 * does not pay for the recovery twice. Only the calling thread touches it. */
static void key_cache_tag(const cps_signature *sig, const cps_checksum256 *digest, uint8_t tag[32])
{
    uint8_t buf[1 + 65 + 32];
    buf[0] = sig->type;
    memcpy(buf + 1, sig->data, 65);
    memcpy(buf + 66, digest->b, 32);
    cps_sha256(buf, sizeof buf, tag);
}

static cps_chain_key_cache_entry *key_cache_slot(cps_chain_controller *c, const uint8_t tag[32])
{
    if (!c->key_cache) {
        c->key_cache = calloc(CPS_CHAIN_KEY_CACHE_SIZE, sizeof *c->key_cache);
        if (!c->key_cache) return NULL; /* no cache: recover every time */
    }
    uint32_t i = ((uint32_t)tag[0] | (uint32_t)tag[1] << 8) % CPS_CHAIN_KEY_CACHE_SIZE;
    return &c->key_cache[i];
}

static int recover_keys(cps_chain_controller *c, const cps_signature *sigs, uint32_t n,
                        const cps_checksum256 *digest, cps_public_key *keys)
{
    int *results = calloc(n ? n : 1, sizeof *results);
    uint8_t (*tags)[32] = calloc(n ? n : 1, 32);
    if (!results || !tags) {
        free(results);
        free(tags);
        return cps_fail(CPS_ERR_NOMEM, "signature recovery");
    }
    uint32_t todo = 0;
    for (uint32_t i = 0; i < n; i++) {
        key_cache_tag(&sigs[i], digest, tags[i]);
        cps_chain_key_cache_entry *e = key_cache_slot(c, tags[i]);
        if (e && e->used && memcmp(e->tag, tags[i], 32) == 0) {
            keys[i] = e->key;
            c->key_cache_hits++;
        } else {
            results[i] = 1;
            todo++;
        }
    }
    c->signatures_recovered += todo;
    uint32_t threads = c->signature_threads;
    if (threads > 16) threads = 16;
    if (threads > todo) threads = todo;
    pthread_t tids[16];
    recover_job jobs[17];
    uint32_t started = 0;
    uint32_t step = threads + 1;
    for (uint32_t t = 0; t < step; t++)
        jobs[t] = (recover_job){sigs, keys, results, digest->b, t, step, n};
    for (uint32_t t = 0; t < threads; t++) {
        if (pthread_create(&tids[t], NULL, recover_worker, &jobs[t + 1])) break;
        started++;
    }
    /* The calling thread takes share 0, and the shares of any thread that did not start. */
    recover_worker(&jobs[0]);
    for (uint32_t t = started; t < threads; t++) recover_worker(&jobs[t + 1]);
    for (uint32_t t = 0; t < started; t++) pthread_join(tids[t], NULL);
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        if (results[i]) {
            /* again on this thread, whose error message the caller reads */
            if (cps_recover(&sigs[i], digest->b, &keys[i]) == 0) cps_fail(results[i], "recovery");
            rc = cps_fail_prefix(CPS_ERR_AUTH, "signature %u", i);
        }
    for (uint32_t i = 0; i < n && !rc; i++) {
        cps_chain_key_cache_entry *e = key_cache_slot(c, tags[i]);
        if (!e) break;
        memcpy(e->tag, tags[i], 32);
        e->key = keys[i];
        e->used = true;
    }
    free(results);
    free(tags);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Executing actions.
 * ------------------------------------------------------------------------------------------ */
static int push_digest(cps_chain_trx_context *tc, const cps_checksum256 *d)
{
    trx_internal *ti = tc->internal;
    int rc = grow((void **)&ti->digests, &ti->digest_cap, ti->digest_count + 1, sizeof *ti->digests);
    if (!rc) ti->digests[ti->digest_count++] = *d;
    return rc;
}

/* The receipt of an action on one receiver (apply_context::finalize_trace): sequences advance
 * and the receipt's digest becomes an action_mroot leaf. */
static int make_receipt(cps_chain_trx_context *tc, action_group *g, cps_chain_action_trace *a,
                        const cps_action *act)
{
    cps_chain_controller *c = tc->chain;
    cps_buf b = {0};
    /* Room for the receipt (and the packed action, the first time) in one allocation. */
    int rc = cps_buf_reserve(&b, 128 + 16u * act->authorization_count +
                                     (g->has_act_digest ? 0 : 64 + act->data.size));
    if (rc) goto out;
    if (!g->has_act_digest) {
        if ((rc = cps_abi_action_pack(&b, act))) goto out;
        cps_sha256(b.data, b.size, g->act_digest.b);
        g->has_act_digest = true;
    }
    a->act_digest = g->act_digest;
    if ((rc = cps_chain__next_global_sequence(c, &a->global_sequence))) goto out;
    cps_chain_account acct;
    if ((rc = cps_chain__account_get(c, NULL, a->receiver, &acct))) goto out;
    acct.recv_sequence++;
    a->recv_sequence = acct.recv_sequence;
    /* The receiver authorizing the action itself (a notified payer, typically): its auth
     * sequence advances in the record in hand, written once with both sequences. Written before
     * any other account: acct.abi borrows the stored value, which a later write may move. */
    for (uint32_t i = 0; i < act->authorization_count; i++)
        if (act->authorization[i].actor == acct.name) acct.auth_sequence++;
    if ((rc = cps_chain__account_put(c, &acct))) goto out;
    if (act->authorization_count) {
        a->auth_sequence = calloc(act->authorization_count, sizeof *a->auth_sequence);
        if (!a->auth_sequence) {
            rc = cps_fail(CPS_ERR_NOMEM, "receipt");
            goto out;
        }
    }
    /* flat_map<name, uint64>: sorted by account, one entry per account (the last value). */
    for (uint32_t i = 0; i < act->authorization_count; i++) {
        cps_name actor = act->authorization[i].actor;
        uint64_t auth_sequence;
        if (actor == acct.name) {
            /* advanced above; flat_map keeps an account's last value, which is this one */
            auth_sequence = acct.auth_sequence;
        } else {
            cps_chain_account au;
            if ((rc = cps_chain__account_get(c, NULL, actor, &au))) goto out;
            au.auth_sequence++;
            if ((rc = cps_chain__account_put(c, &au))) goto out;
            auth_sequence = au.auth_sequence;
        }
        uint32_t k = 0;
        while (k < a->auth_sequence_count && a->auth_sequence[k].account < actor) k++;
        if (k < a->auth_sequence_count && a->auth_sequence[k].account == actor) {
            a->auth_sequence[k].sequence = auth_sequence;
        } else {
            memmove(&a->auth_sequence[k + 1], &a->auth_sequence[k],
                    (a->auth_sequence_count - k) * sizeof *a->auth_sequence);
            a->auth_sequence[k].account = actor;
            a->auth_sequence[k].sequence = auth_sequence;
            a->auth_sequence_count++;
        }
    }
    /* the sequence bumps above leave the code and ABI sequences as read at the start */
    a->code_sequence = acct.code_sequence;
    a->abi_sequence = acct.abi_sequence;
    a->has_receipt = true;

    cps_buf_reset(&b);
    cps_write_u64(&b, a->receiver);
    cps_write_bytes(&b, a->act_digest.b, 32);
    cps_write_u64(&b, a->global_sequence);
    cps_write_u64(&b, a->recv_sequence);
    cps_write_varuint32(&b, a->auth_sequence_count);
    for (uint32_t i = 0; i < a->auth_sequence_count; i++) {
        cps_write_u64(&b, a->auth_sequence[i].account);
        cps_write_u64(&b, a->auth_sequence[i].sequence);
    }
    cps_write_varuint32(&b, a->code_sequence);
    cps_write_varuint32(&b, a->abi_sequence);
    if ((rc = b.failed)) goto out;
    cps_checksum256 d;
    cps_sha256(b.data, b.size, d.b);
    rc = push_digest(tc, &d);
out:
    cps_buf_free(&b);
    return rc;
}

/* Runs the action of trace `ordinal` on its receiver (apply_context::exec_one). */
static int exec_one(cps_chain_trx_context *tc, action_group *g, uint32_t ordinal, uint32_t depth)
{
    cps_chain_controller *c = tc->chain;
    cps_chain_action_trace *a = &tc->trace->actions[ordinal - 1];
    cps_action act = {a->account, a->name, a->authorization, a->authorization_count,
                      {a->data, a->data_size}};
    cps_chain_apply_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.trx = tc;
    ctx.act = &act;
    ctx.receiver = a->receiver;
    ctx.context_free = a->context_free;
    ctx.depth = depth;
    ctx.action_ordinal = ordinal;
    ctx.internal = g;

    cps_chain_account recv;
    int rc = cps_chain__account_get(c, NULL, a->receiver, &recv);
    if (rc) return cps_fail_prefix(CPS_ERR_ACCOUNT, "receiver");
    ctx.privileged = recv.privileged;
    if (!ctx.context_free) {
        ctx.db = c->db;
        cps_state_db_reset(c->db, cps_chain__view(c), a->receiver, cps_chain__ram_hook, tc);
    }
    uint64_t used_before = tc->cpu_used_units;
    bool handled = false, native = false;
    if (!ctx.context_free && a->receiver == cps_abi_name("eosio") &&
        act.account == cps_abi_name("eosio")) {
        native = true;
        rc = cps_chain__native_apply(&ctx, &handled);
    }
    if (!rc) {
        /* re-read: a native setcode may just have installed code on the receiver */
        if (native) rc = cps_chain__account_get(c, NULL, a->receiver, &recv);
        bool has_code = false;
        for (int i = 0; i < 32; i++) has_code |= recv.code_hash.b[i] != 0;
        if (!rc && has_code) rc = cps_chain__run_wasm(&ctx, &recv);
    }
    /* Traces may have been added (and the array moved) while the action ran; the action's own
     * authorization and data arrays are separate allocations and did not move. */
    a = &tc->trace->actions[ordinal - 1];
    /* The console is kept even on failure: it explains the failure. */
    if (ctx.console.size) {
        a->console = (char *)cps_buf_release(&ctx.console, &a->console_size);
        if (a->console) a->console[a->console_size] = 0;
        else a->console_size = 0;
    }
    if (!rc && ctx.return_value.size)
        a->return_value = cps_buf_release(&ctx.return_value, &a->return_value_size);
    cps_buf_free(&ctx.console);
    cps_buf_free(&ctx.return_value);
    a->cpu_units = tc->cpu_used_units - used_before;
    if (rc) return rc;
    a->execution_index = ++((trx_internal *)tc->internal)->executed;
    return make_receipt(tc, g, a, &act);
}

int cps_chain__execute_action(cps_chain_trx_context *tc, uint32_t ordinal, uint32_t depth)
{
    if (depth > tc->config->max_inline_action_depth)
        return cps_fail(CPS_ERR_LIMIT, "max inline action depth %u exceeded",
                        tc->config->max_inline_action_depth);
    action_group g = {0};
    int rc = grow((void **)&g.notified, &g.notified_cap, 1, sizeof *g.notified);
    if (rc) return rc;
    g.notified[0].receiver = tc->trace->actions[ordinal - 1].receiver;
    g.notified[0].ordinal = ordinal;
    g.notified_count = 1;
    /* the receiver itself, then every account notified (the list may grow as they run) */
    for (size_t i = 0; i < g.notified_count && !rc; i++)
        rc = exec_one(tc, &g, g.notified[i].ordinal, depth);
    for (size_t i = 0; i < g.inline_count && !rc; i++)
        rc = cps_chain__execute_action(tc, g.inlines[i], depth + 1);
    free(g.notified);
    free(g.inlines);
    return rc;
}

/* ---- the apply context's queue operations (declared in apply_context.h) ---------------- */
int cps_chain__require_recipient(cps_chain_apply_context *ctx, cps_name account)
{
    action_group *g = ctx->internal;
    for (size_t i = 0; i < g->notified_count; i++)
        if (g->notified[i].receiver == account) return 0;
    bool exists;
    int rc = cps_chain__is_account(ctx, account, &exists);
    if (rc) return rc;
    if (!exists) {
        char n[CPS_NAME_STR_MAX];
        return cps_fail(CPS_ERR_ACCOUNT, "can not notify %s: the account does not exist",
                        name_str(account, n));
    }
    rc = grow((void **)&g->notified, &g->notified_cap, g->notified_count + 1, sizeof *g->notified);
    if (rc) return rc;
    uint32_t ord;
    const cps_chain_action_trace *cur = &ctx->trx->trace->actions[ctx->action_ordinal - 1];
    rc = cps_chain__schedule_action(ctx->trx, ctx->act, account, ctx->context_free,
                                    ctx->action_ordinal,
                                    cur->closest_unnotified_ancestor_action_ordinal, &ord);
    if (rc) return rc;
    g->notified[g->notified_count].receiver = account;
    g->notified[g->notified_count].ordinal = ord;
    g->notified_count++;
    return 0;
}

int cps_chain__send_inline(cps_chain_apply_context *ctx, const uint8_t *packed, size_t n,
                           bool context_free)
{
    cps_chain_trx_context *tc = ctx->trx;
    cps_chain_controller *c = tc->chain;
    action_group *g = ctx->internal;
    if (n > tc->config->max_inline_action_size)
        return cps_fail(CPS_ERR_LIMIT, "inline action too big (%zu > %u bytes)", n,
                        tc->config->max_inline_action_size);
    cps_arena a = {0};
    cps_action act;
    cps_reader r = cps_reader_make(packed, n);
    int rc = cps_abi_action_unpack(&r, &a, &act);
    if (!rc) rc = cps_read_end(&r);
    if (rc) {
        cps_abi_arena_free(&a);
        return cps_fail_prefix(CPS_ERR_FORMAT, "inline action");
    }
    char n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    bool exists;
    rc = cps_chain__account_exists(c, act.account, &exists);
    if (!rc && !exists)
        rc = cps_fail(CPS_ERR_ACCOUNT, "inline action's code account %s does not exist",
                      name_str(act.account, n1));
    if (!rc && context_free && act.authorization_count)
        rc = cps_fail(CPS_ERR_AUTH, "context-free actions cannot have authorizations");
    for (uint32_t i = 0; !rc && i < act.authorization_count; i++) {
        const cps_permission_level *l = &act.authorization[i];
        rc = cps_chain__account_exists(c, l->actor, &exists);
        if (!rc && !exists)
            rc = cps_fail(CPS_ERR_ACCOUNT, "inline action's authorizing actor %s does not exist",
                          name_str(l->actor, n1));
        if (!rc && !perm_exists(c, l))
            rc = cps_fail(CPS_ERR_AUTH, "inline action's authorizations include a non-existent "
                                        "permission: %s@%s",
                          name_str(l->actor, n1), name_str(l->permission, n2));
    }
    if (!rc && !context_free && !ctx->privileged && act.authorization_count) {
        /* Satisfied by the sending action's own declared authorizations, or by
         * receiver@eosio.code (apply_context::execute_inline). */
        rc = check_action_permissions(c, &act);
        cps_permission_level *given = calloc(ctx->act->authorization_count + 1, sizeof *given);
        if (!rc && !given) rc = cps_fail(CPS_ERR_NOMEM, "inline action");
        if (!rc) {
            given[0].actor = ctx->receiver;
            given[0].permission = cps_abi_name("eosio.code");
            memcpy(given + 1, ctx->act->authorization,
                   ctx->act->authorization_count * sizeof *given);
            cps_chain_lookup_ctx l = {c, {0}};
            cps_chain_auth_params p = {0};
            p.lookup = cps_chain__permission_lookup;
            p.lookup_ctx = &l;
            p.max_depth = tc->config->max_authority_depth;
            p.permissions = given;
            p.permission_count = ctx->act->authorization_count + 1;
            p.delay_us = 0;
            cps_chain_auth_checker *chk = NULL;
            rc = cps_chain_auth_checker_create(&p, &chk);
            for (uint32_t i = 0; !rc && i < act.authorization_count; i++) {
                bool ok;
                rc = cps_chain_auth_satisfied(chk, &act.authorization[i], &ok);
                if (!rc && !ok && !c->dry_run) /* nodeos: check_but_dont_fail */
                    rc = cps_fail(CPS_ERR_AUTH,
                                  "inline action declares authority %s@%s which is not satisfied "
                                  "by the sender's authorizations or %s@eosio.code",
                                  name_str(act.authorization[i].actor, n1),
                                  name_str(act.authorization[i].permission, n2),
                                  name_str(ctx->receiver, n1));
            }
            cps_chain_auth_checker_destroy(chk);
            cps_abi_arena_free(&l.arena);
        }
        free(given);
    }
    uint32_t ord = 0;
    if (!rc) rc = grow((void **)&g->inlines, &g->inline_cap, g->inline_count + 1, sizeof *g->inlines);
    if (!rc)
        rc = cps_chain__schedule_action(tc, &act, act.account, context_free, ctx->action_ordinal,
                                        ctx->action_ordinal, &ord);
    if (!rc) {
        g->inlines[g->inline_count++] = ord;
    }
    cps_abi_arena_free(&a);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * RAM bookkeeping during a transaction.
 * ------------------------------------------------------------------------------------------ */
int cps_chain__ram_hook(void *user, uint64_t payer, int64_t delta)
{
    cps_chain_trx_context *tc = user;
    trx_internal *ti = tc->internal;
    int rc = cps_chain__resource_add_ram(tc->chain, payer, delta);
    /* a context the controller did not set up (tests calling host functions directly) has no
     * bookkeeping: the RAM is counted, the end-of-transaction check is theirs */
    if (rc || delta <= 0 || !ti) return rc;
    return cps_chain__trx_verify_ram_at_end(tc, payer);
}

int cps_chain__trx_verify_ram_at_end(cps_chain_trx_context *tc, cps_name account)
{
    trx_internal *ti = tc->internal;
    if (!ti) return cps_chain__resource_verify_ram(tc->chain, account);
    for (size_t i = 0; i < ti->ram_count; i++)
        if (ti->ram_accounts[i] == account) return 0;
    int rc = grow((void **)&ti->ram_accounts, &ti->ram_cap, ti->ram_count + 1,
                  sizeof *ti->ram_accounts);
    if (!rc) ti->ram_accounts[ti->ram_count++] = account;
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * The transaction.
 * ------------------------------------------------------------------------------------------ */
static cps_chain_transaction_trace *trace_new(cps_chain_controller *c, const cps_checksum256 *id)
{
    cps_chain_transaction_trace *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->id = *id;
    t->block_num = c->pending.block_num;
    t->block_time = c->pending.timestamp;
    return t;
}

static void trace_fail(cps_chain_transaction_trace *t, int rc)
{
    if (!t) return;
    t->error = rc;
    t->status = CPS_TRX_HARD_FAIL;
    free(t->error_message);
    const char *m = cps_last_error();
    t->error_message = strdup(m && *m ? m : cps_strerror(rc));
}

/* Runs the actions of a validated transaction in the current session. */
static int run_actions(cps_chain_trx_context *tc)
{
    const cps_transaction *t = tc->trx;
    uint32_t ord;
    int rc = 0;
    /* Traces of the transaction's own actions come first, in order (as EOSIO). */
    uint32_t first_cf = 0, first = 0;
    for (uint32_t i = 0; i < t->context_free_action_count && !rc; i++) {
        rc = cps_chain__schedule_action(tc, &t->context_free_actions[i],
                                        t->context_free_actions[i].account, true, 0, 0, &ord);
        if (i == 0) first_cf = ord;
    }
    for (uint32_t i = 0; i < t->action_count && !rc; i++) {
        rc = cps_chain__schedule_action(tc, &t->actions[i], t->actions[i].account, false, 0, 0, &ord);
        if (i == 0) first = ord;
    }
    for (uint32_t i = 0; i < t->context_free_action_count && !rc; i++)
        rc = cps_chain__execute_action(tc, first_cf + i, 0);
    for (uint32_t i = 0; i < t->action_count && !rc; i++)
        rc = cps_chain__execute_action(tc, first + i, 0);
    return rc;
}

static int record_usage(cps_chain_trx_context *tc)
{
    /* last_used of each declared permission and last authorization time of each actor: the
     * recovery rules ask when an account last authorized anything */
    cps_chain_controller *c = tc->chain;
    const cps_transaction *t = tc->trx;
    for (uint32_t i = 0; i < t->action_count; i++) {
        for (uint32_t k = 0; k < t->actions[i].authorization_count; k++) {
            const cps_permission_level *l = &t->actions[i].authorization[k];
            /* last_used is the record's third u64: decode and rewrite the record only when it
             * changes (once per permission and block) */
            cps_bytes v;
            int rc = perm_record(c, l, &v);
            if (!rc && (int64_t)cps_load_u64(v.data + 16) != tc->block_time_us) {
                cps_arena a = {0};
                cps_name parent;
                cps_authority auth;
                int64_t upd, used;
                rc = cps_chain__perm_get(c, NULL, l->actor, l->permission, &a, &parent, &auth, &upd,
                                         &used);
                if (!rc && used != tc->block_time_us)
                    rc = cps_chain__perm_put(c, l->actor, l->permission, parent, &auth, upd,
                                             tc->block_time_us);
                cps_abi_arena_free(&a);
            }
            if (rc) return rc;
            cps_chain_account acct;
            rc = cps_chain__account_get(c, NULL, l->actor, &acct);
            if (!rc && acct.last_auth_us != tc->block_time_us) {
                acct.last_auth_us = tc->block_time_us;
                rc = cps_chain__account_put(c, &acct);
            }
            if (rc) return rc;
        }
    }
    return 0;
}

static int validate_header(cps_chain_controller *c, const cps_transaction *t, int64_t now_us)
{
    const cps_chain_config *cfg = &c->config;
    int64_t exp_us = (int64_t)t->header.expiration * 1000000;
    bool expired = exp_us < now_us;
    if (expired || exp_us > now_us + (int64_t)cfg->max_transaction_lifetime * 1000000) {
        /* the times as text only for the message (formatting them cost a state read's worth) */
        char e[CPS_TIME_STR_MAX], n[CPS_TIME_STR_MAX];
        cps_abi_time_point_sec_to_string(t->header.expiration, e);
        cps_abi_time_point_to_string(now_us, n);
        if (expired)
            return cps_fail(CPS_ERR_TX_EXPIRED, "transaction has expired: expiration is %s and "
                                                "pending block time is %s", e, n);
        return cps_fail(CPS_ERR_TX_EXPIRED,
                        "transaction expiration %s is too far in the future relative to the "
                        "reference time of %s (max lifetime %u s)", e, n,
                        cfg->max_transaction_lifetime);
    }
    /* TaPoS: the block summary of ref_block_num must carry ref_block_prefix */
    uint8_t key[2] = {(uint8_t)(t->header.ref_block_num >> 8), (uint8_t)t->header.ref_block_num};
    cps_bytes v;
    int rc = cps_state_get(cps_chain__view(c), c->t_bsum, key, 2, &v);
    if (rc == CPS_ERR_NOT_FOUND || (rc == 0 && (v.size != 32 ||
                                                cps_load_u32(v.data + 8) != t->header.ref_block_prefix)))
        return cps_fail(CPS_ERR_TX_TAPOS,
                        "transaction's reference block did not match (ref_block_num %u, "
                        "ref_block_prefix %u); is this transaction from a different fork?",
                        t->header.ref_block_num, t->header.ref_block_prefix);
    if (rc) return rc;
    if (t->action_count == 0)
        return cps_fail(CPS_ERR_TX, "transaction must have at least one action");
    if ((uint64_t)t->action_count + t->context_free_action_count > CPS_CHAIN_MAX_TRX_ACTIONS)
        return cps_fail(CPS_ERR_TX, "transaction has %u actions (at most %u)",
                        t->action_count + t->context_free_action_count, CPS_CHAIN_MAX_TRX_ACTIONS);
    if (t->header.delay_sec > cfg->max_transaction_delay)
        return cps_fail(CPS_ERR_TX, "delay_sec %u exceeds the maximum of %u", t->header.delay_sec,
                        cfg->max_transaction_delay);
    if (t->extension_count)
        return cps_fail(CPS_ERR_TX, "transaction extensions are not supported");
    for (uint32_t i = 0; i < t->context_free_action_count; i++)
        if (t->context_free_actions[i].authorization_count)
            return cps_fail(CPS_ERR_TX, "context-free actions cannot have authorizations");
    return 0;
}

static int dedup_check(cps_chain_controller *c, const cps_checksum256 *id)
{
    cps_bytes v;
    int rc = cps_state_get(cps_chain__view(c), c->t_dedup, id->b, 32, &v);
    if (rc == 0) {
        char hex[65];
        cps_hex_encode(hex, id->b, 32);
        return cps_fail(CPS_ERR_TX_DUPLICATE, "duplicate transaction %s", hex);
    }
    return rc == CPS_ERR_NOT_FOUND ? 0 : rc;
}

static int dedup_record(cps_chain_controller *c, const cps_checksum256 *id, uint32_t expiration)
{
    uint8_t e[4] = {(uint8_t)(expiration >> 24), (uint8_t)(expiration >> 16),
                    (uint8_t)(expiration >> 8), (uint8_t)expiration};
    uint8_t key[36];
    memcpy(key, e, 4);
    memcpy(key + 4, id->b, 32);
    uint8_t le[4];
    cps_store_u32(le, expiration);
    int rc = cps_state_insert(c->st, c->t_dedup, id->b, 32, le, 4);
    if (!rc) rc = cps_state_insert(c->st, c->t_expiry, key, 36, NULL, 0);
    return rc;
}

/* A receipt of the pending block: the packed transaction, or only its id (id != NULL) for a
 * scheduled one. */
static int pending_add_trx(cps_chain_controller *c, const uint8_t *packed, size_t n,
                           const cps_checksum256 *id, const cps_chain_transaction_trace *t)
{
    cps_chain_pending *p = &c->pending;
    int rc = grow((void **)&p->trxs, &p->trx_cap, p->trx_count + 1, sizeof *p->trxs);
    if (rc) return rc;
    cps_chain_pending_trx *pt = &p->trxs[p->trx_count];
    memset(pt, 0, sizeof *pt);
    if (id) {
        pt->is_id = true;
        pt->id = *id;
    } else if (cps_write_bytes(&pt->packed, packed, n)) {
        int e = pt->packed.failed;
        cps_buf_free(&pt->packed);
        return e;
    }
    pt->status = t->status;
    pt->cpu_usage_us = t->cpu_usage_us;
    pt->net_usage_words = t->net_usage_words;
    p->trx_count++;
    return 0;
}

static int pending_add_digests(cps_chain_controller *c, const trx_internal *ti)
{
    cps_chain_pending *p = &c->pending;
    if (ti->digest_count == 0) return 0; /* a delayed transaction ran no action */
    int rc = grow((void **)&p->action_digests, &p->action_cap, p->action_count + ti->digest_count,
                  sizeof *p->action_digests);
    if (rc) return rc;
    memcpy(p->action_digests + p->action_count, ti->digests, ti->digest_count * sizeof *ti->digests);
    p->action_count += ti->digest_count;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Prepared transactions (nodeos's transaction_metadata): decoded and with their keys recovered
 * on any thread before the loop pushes them, so the loop neither decodes nor recovers again.
 * ------------------------------------------------------------------------------------------ */
struct cps_chain_trx_meta {
    cps_checksum256 chain_id; /* the chain the digest was computed for */
    uint8_t *packed;          /* owned copy; p, trx, raw and cfd point into it or the arena */
    size_t packed_size;
    cps_arena arena;
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw;
    cps_bytes *cfd;
    uint32_t cfd_count;
    cps_checksum256 id, digest;
    cps_public_key *keys; /* one per signature, in the arena */
};

/* Recovers the keys of sigs over digest on this thread; the error names the signature. */
static int recover_here(const cps_signature *sigs, uint32_t n, const cps_checksum256 *digest,
                        cps_public_key *keys)
{
    for (uint32_t i = 0; i < n; i++)
        if (cps_recover(&sigs[i], digest->b, &keys[i]))
            return cps_fail_prefix(CPS_ERR_AUTH, "signature %u", i);
    return 0;
}

int cps_chain_controller_prepare_transaction(const cps_chain_controller *c, const uint8_t *packed,
                                             size_t n, int64_t now_us, cps_chain_trx_meta **out)
{
    *out = NULL;
    cps_chain_trx_meta *m = calloc(1, sizeof *m);
    if (!m) return cps_fail(CPS_ERR_NOMEM, "prepared transaction");
    m->chain_id = c->chain_id; /* immutable while the controller is open */
    m->arena.limit = 64u << 20;
    m->packed = malloc(n ? n : 1);
    int rc = m->packed ? 0 : cps_fail(CPS_ERR_NOMEM, "prepared transaction");
    if (!rc) {
        if (n) memcpy(m->packed, packed, n);
        m->packed_size = n;
        cps_reader r = cps_reader_make(m->packed, n);
        rc = cps_abi_packed_transaction_unpack(&r, &m->arena, &m->p);
        if (!rc) rc = cps_read_end(&r);
        if (!rc) rc = cps_abi_packed_transaction_get(&m->p, &m->arena, &m->trx, &m->raw);
        if (!rc)
            rc = cps_abi_packed_transaction_cfd(&m->p, &m->arena, &m->cfd, &m->cfd_count);
        if (rc) rc = cps_fail_prefix(CPS_ERR_TX, "packed transaction");
    }
    if (!rc) {
        cps_abi_transaction_id_raw(m->raw.data, m->raw.size, &m->id);
        /* The cheap context-free checks first (validate_header repeats them with the block's
         * time and the chain's current configuration). */
        if ((int64_t)m->trx.header.expiration * 1000000 < now_us) {
            char e[CPS_TIME_STR_MAX], t[CPS_TIME_STR_MAX];
            cps_abi_time_point_sec_to_string(m->trx.header.expiration, e);
            cps_abi_time_point_to_string(now_us, t);
            rc = cps_fail(CPS_ERR_TX_EXPIRED, "transaction has expired: expiration is %s and "
                                              "the time is %s", e, t);
        } else if (m->trx.action_count == 0) {
            rc = cps_fail(CPS_ERR_TX, "transaction must have at least one action");
        } else if (m->trx.extension_count) {
            rc = cps_fail(CPS_ERR_TX, "transaction extensions are not supported");
        }
    }
    if (!rc) {
        cps_abi_signing_digest_raw(&m->chain_id, m->raw.data, m->raw.size,
                                   m->p.packed_context_free_data.data,
                                   m->p.packed_context_free_data.size, &m->digest);
        if (m->p.signature_count) {
            m->keys = cps_abi_arena_alloc(&m->arena, m->p.signature_count * sizeof *m->keys);
            rc = m->keys ? recover_here(m->p.signatures, m->p.signature_count, &m->digest, m->keys)
                         : cps_fail(CPS_ERR_NOMEM, "keys");
        }
    }
    if (rc) {
        cps_chain_trx_meta_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void cps_chain_trx_meta_free(cps_chain_trx_meta *m)
{
    if (!m) return;
    cps_abi_arena_free(&m->arena);
    free(m->packed);
    free(m);
}

const cps_checksum256 *cps_chain_trx_meta_id(const cps_chain_trx_meta *m)
{
    return &m->id;
}

uint32_t cps_chain_trx_meta_expiration(const cps_chain_trx_meta *m)
{
    return m->trx.header.expiration;
}

cps_name cps_chain_trx_meta_first_authorizer(const cps_chain_trx_meta *m)
{
    for (uint32_t i = 0; i < m->trx.action_count; i++)
        if (m->trx.actions[i].authorization_count)
            return m->trx.actions[i].authorization[0].actor;
    return 0;
}

cps_bytes cps_chain_trx_meta_packed(const cps_chain_trx_meta *m)
{
    cps_bytes b = {m->packed, m->packed_size};
    return b;
}

static int push_trx(cps_chain_controller *c, const uint8_t *packed, size_t n,
                    const cps_chain_trx_meta *meta, const cps_public_key *given_keys,
                    const cps_transaction_receipt *receipt,
                    cps_chain_transaction_trace **trace_out);

int cps_chain__push_transaction(cps_chain_controller *c, const uint8_t *packed, size_t n,
                                const cps_transaction_receipt *receipt,
                                cps_chain_transaction_trace **trace_out)
{
    return push_trx(c, packed, n, NULL, NULL, receipt, trace_out);
}

int cps_chain__push_transaction_keys(cps_chain_controller *c, const uint8_t *packed, size_t n,
                                     const cps_transaction_receipt *receipt,
                                     const cps_public_key *keys)
{
    return push_trx(c, packed, n, NULL, keys, receipt, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Keys of a block's input transactions, recovered on helper threads while the block applies
 * (replay and blocks from peers; nodeos recovers them on its thread pool as well). Helpers take
 * receipts in order from a shared counter; the applying thread, when the keys of the next
 * transaction are not ready, takes receipts from the same counter itself, so both cores stay busy
 * and the transactions still apply strictly in order. A receipt whose keys could not be recovered
 * here (malformed bytes, a bad signature) takes the ordinary path, which reports the error
 * exactly as before.
 * ------------------------------------------------------------------------------------------ */
struct cps_chain_block_keys {
    const cps_signed_block *blk;
    cps_checksum256 chain_id;
    uint32_t count;      /* receipts in the block */
    size_t *offset;      /* per receipt: index of its first key in keys */
    int *result;         /* per receipt: 0 = keys recovered, else not (scheduled or failed) */
    _Atomic uint8_t *done; /* per receipt: result and keys are final (release / acquire) */
    _Atomic uint32_t next; /* next receipt to take */
    _Atomic bool stop;     /* the block failed: helpers leave */
    cps_public_key *keys;
    pthread_t tids[15];
    uint32_t started;
    _Atomic uint64_t recovered; /* signatures recovered here (not taken from the cache) */
    uint64_t *recovered_total;  /* the controller's count, added to when bk is freed */
};

/* Recovers the keys of receipt i into bk (any thread). */
static void block_keys_one(cps_chain_block_keys *bk, uint32_t i, cps_arena *a)
{
    /* taken from the recovered-key cache before the helpers started */
    if (atomic_load_explicit(&bk->done[i], memory_order_acquire)) return;
    const cps_transaction_receipt *tr = &bk->blk->transactions[i];
    int rc = 1;
    if (tr->is_packed) {
        const cps_packed_transaction *p = &tr->packed;
        cps_bytes raw;
        cps_abi_arena_reset(a);
        rc = cps_abi_packed_transaction_raw(p, a, &raw);
        if (!rc) {
            cps_checksum256 digest;
            cps_abi_signing_digest_raw(&bk->chain_id, raw.data, raw.size,
                                       p->packed_context_free_data.data,
                                       p->packed_context_free_data.size, &digest);
            for (uint32_t k = 0; k < p->signature_count && !rc; k++) {
                rc = cps_recover(&p->signatures[k], digest.b, &bk->keys[bk->offset[i] + k]);
                atomic_fetch_add_explicit(&bk->recovered, 1, memory_order_relaxed);
            }
        }
    }
    bk->result[i] = rc;
    atomic_store_explicit(&bk->done[i], 1, memory_order_release);
}

static void *block_keys_worker(void *arg)
{
    cps_chain_block_keys *bk = arg;
    cps_arena a = {0};
    a.limit = 64u << 20;
    while (!atomic_load_explicit(&bk->stop, memory_order_relaxed)) {
        uint32_t i = atomic_fetch_add(&bk->next, 1);
        if (i >= bk->count) break;
        block_keys_one(bk, i, &a);
    }
    cps_abi_arena_free(&a);
    return NULL;
}

static bool key_cache_get(cps_chain_controller *c, const cps_signature *sig,
                          const cps_checksum256 *digest, cps_public_key *key)
{
    uint8_t tag[32];
    key_cache_tag(sig, digest, tag);
    cps_chain_key_cache_entry *e = key_cache_slot(c, tag);
    if (!e || !e->used || memcmp(e->tag, tag, 32) != 0) return false;
    *key = e->key;
    return true;
}

/* Marks done the receipts of bk whose every key is in the cache; returns their signatures. */
static size_t block_keys_from_cache(cps_chain_controller *c, cps_chain_block_keys *bk)
{
    size_t found = 0;
    cps_arena a = {0};
    a.limit = 64u << 20;
    for (uint32_t i = 0; i < bk->count; i++) {
        const cps_transaction_receipt *tr = &bk->blk->transactions[i];
        if (!tr->is_packed || tr->packed.signature_count == 0) continue;
        const cps_packed_transaction *p = &tr->packed;
        cps_bytes raw;
        cps_abi_arena_reset(&a);
        if (cps_abi_packed_transaction_raw(p, &a, &raw) != 0) continue;
        cps_checksum256 digest;
        cps_abi_signing_digest_raw(&bk->chain_id, raw.data, raw.size,
                                   p->packed_context_free_data.data,
                                   p->packed_context_free_data.size, &digest);
        uint32_t k = 0;
        while (k < p->signature_count &&
               key_cache_get(c, &p->signatures[k], &digest, &bk->keys[bk->offset[i] + k]))
            k++;
        if (k < p->signature_count) continue; /* recovered by the helpers, all of them */
        c->key_cache_hits += k;
        found += k;
        bk->result[i] = 0;
        atomic_store_explicit(&bk->done[i], 1, memory_order_release);
    }
    cps_abi_arena_free(&a);
    cps_clear_error();
    return found;
}

cps_chain_block_keys *cps_chain__block_keys_recover(cps_chain_controller *c,
                                                    const cps_signed_block *blk)
{
    uint32_t n = blk->transaction_count;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (blk->transactions[i].is_packed) total += blk->transactions[i].packed.signature_count;
    /* Worth threads only for a block with some signatures: a small one recovers as before. */
    if (total < 16) return NULL;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t helpers = c->signature_threads ? c->signature_threads
                                            : (cpus > 1 ? (uint32_t)(cpus - 1) : 0);
    if (helpers > 15) helpers = 15;
    if (helpers == 0) return NULL; /* one core: recovering ahead would gain nothing */
    cps_chain_block_keys *bk = calloc(1, sizeof *bk);
    if (!bk) return NULL;
    bk->blk = blk;
    bk->chain_id = c->chain_id;
    bk->count = n;
    bk->offset = calloc(n, sizeof *bk->offset);
    bk->result = malloc(n * sizeof *bk->result);
    bk->done = malloc(n * sizeof *bk->done);
    bk->keys = calloc(total, sizeof *bk->keys);
    atomic_init(&bk->next, 0);
    atomic_init(&bk->stop, false);
    if (!bk->offset || !bk->result || !bk->done || !bk->keys) {
        cps_chain__block_keys_free(bk);
        return NULL; /* no memory to spare: every transaction recovers its own keys */
    }
    atomic_init(&bk->recovered, 0);
    bk->recovered_total = &c->signatures_recovered;
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        bk->offset[i] = off;
        bk->result[i] = 1;
        atomic_init(&bk->done[i], 0);
        if (blk->transactions[i].is_packed) off += blk->transactions[i].packed.signature_count;
    }
    /* Receipts whose keys this node recovered already (gossiped or pushed to it, prepared on
     * the workers: cps_chain_controller_remember_keys) are served from the cache here, on the
     * only thread that touches it, before any helper starts. */
    size_t left = total;
    if (c->key_cache) left -= block_keys_from_cache(c, bk);
    if (left == 0) return bk; /* every key known: no helper needed */
    for (uint32_t t = 0; t < helpers; t++) {
        if (pthread_create(&bk->tids[t], NULL, block_keys_worker, bk)) break;
        bk->started++;
    }
    /* without any helper the applying thread recovers each receipt's keys as it needs them */
    return bk;
}

const cps_public_key *cps_chain__block_keys_get(cps_chain_block_keys *bk, uint32_t i)
{
    if (!bk || i >= bk->count) return NULL;
    if (!atomic_load_explicit(&bk->done[i], memory_order_acquire)) {
        /* not ready: help with the receipts not yet taken (i among them, or being recovered by
         * a helper, which is then waited for) */
        cps_arena a = {0};
        a.limit = 64u << 20;
        while (!atomic_load_explicit(&bk->done[i], memory_order_acquire)) {
            uint32_t j = atomic_fetch_add(&bk->next, 1);
            if (j < bk->count) block_keys_one(bk, j, &a);
            else sched_yield();
        }
        cps_abi_arena_free(&a);
        cps_clear_error(); /* a failure here is reported again, on the ordinary path */
    }
    return bk->result[i] ? NULL : &bk->keys[bk->offset[i]];
}

void cps_chain__block_keys_free(cps_chain_block_keys *bk)
{
    if (!bk) return;
    atomic_store(&bk->stop, true); /* a block that failed early leaves its other keys */
    for (uint32_t t = 0; t < bk->started; t++) pthread_join(bk->tids[t], NULL);
    *bk->recovered_total += atomic_load(&bk->recovered);
    free(bk->offset);
    free(bk->result);
    free((void *)bk->done);
    free(bk->keys);
    free(bk);
}

int cps_chain_controller_push_prepared(cps_chain_controller *c, const cps_chain_trx_meta *m,
                                       cps_chain_transaction_trace **trace)
{
    if (trace) *trace = NULL;
    if (!c->pending.active || c->pending.finalized)
        return cps_fail(CPS_ERR_STATE, "no block is open for transactions");
    if (memcmp(m->chain_id.b, c->chain_id.b, 32))
        return cps_fail(CPS_ERR_INVALID_ARG, "the transaction was prepared for another chain");
    /* a peer's block may carry it later (this block aborted, or another producer's) */
    cps_chain_controller_remember_keys(c, m);
    return push_trx(c, m->packed, m->packed_size, m, NULL, NULL, trace);
}

void cps_chain_controller_remember_keys(cps_chain_controller *c, const cps_chain_trx_meta *m)
{
    if (memcmp(m->chain_id.b, c->chain_id.b, 32)) return;
    for (uint32_t i = 0; i < m->p.signature_count; i++) {
        uint8_t tag[32];
        key_cache_tag(&m->p.signatures[i], &m->digest, tag);
        cps_chain_key_cache_entry *e = key_cache_slot(c, tag);
        if (!e) return;
        memcpy(e->tag, tag, 32);
        e->key = m->keys[i];
        e->used = true;
    }
}

void cps_chain_controller_signature_stats(const cps_chain_controller *c, uint64_t *recovered,
                                          uint64_t *cache_hits)
{
    if (recovered) *recovered = c->signatures_recovered;
    if (cache_hits) *cache_hits = c->key_cache_hits;
}

void cps_chain_controller_block_usage(const cps_chain_controller *c, uint64_t *cpu_us,
                                      uint64_t *net_bytes)
{
    *cpu_us = c->pending.active ? c->pending.cpu_used_us : 0;
    *net_bytes = c->pending.active ? c->pending.net_used_bytes : 0;
}

/* One transaction; with `meta` its decoding and recovered keys are taken from there (and
 * packed/n are meta's bytes); with `given_keys` (one per signature, recovered from these very
 * bytes by cps_chain__block_keys_recover) the keys are taken from there. */
static int push_trx(cps_chain_controller *c, const uint8_t *packed, size_t n,
                    const cps_chain_trx_meta *meta, const cps_public_key *given_keys,
                    const cps_transaction_receipt *receipt,
                    cps_chain_transaction_trace **trace_out)
{
    uint64_t t0 = cps_time_mono_ns();
    cps_arena a = {0};
    a.limit = 64u << 20;
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw, *cfd = NULL;
    uint32_t cfd_count = 0;
    cps_public_key *keys = NULL;
    cps_chain_transaction_trace *trace = NULL;
    trx_internal ti = {0};
    ti.c = c;
    bool session = false, executed = false;
    uint32_t level = 0;
    int rc = 0;
    cps_checksum256 id;

    if (meta) {
        p = meta->p;
        trx = meta->trx;
        raw = meta->raw;
        cfd = meta->cfd;
        cfd_count = meta->cfd_count;
        id = meta->id;
    } else {
        cps_reader r = cps_reader_make(packed, n);
        rc = cps_abi_packed_transaction_unpack(&r, &a, &p);
        if (!rc) rc = cps_read_end(&r);
        if (!rc) rc = cps_abi_packed_transaction_get(&p, &a, &trx, &raw);
        if (!rc) rc = cps_abi_packed_transaction_cfd(&p, &a, &cfd, &cfd_count);
        if (rc) {
            rc = cps_fail_prefix(CPS_ERR_TX, "packed transaction");
            goto done;
        }
        cps_abi_transaction_id_raw(raw.data, raw.size, &id);
    }
    const int64_t now_us = cps_block_timestamp_to_us(c->pending.timestamp);
    if ((rc = validate_header(c, &trx, now_us))) goto done;
    if ((rc = dedup_check(c, &id))) goto done;

    /* NET: EOSIO's formula, checked against the transaction's and the block's limits. */
    size_t prunable = cps_varuint32_size(p.signature_count) + 66u * p.signature_count +
                      cps_varuint32_size((uint32_t)p.packed_context_free_data.size) +
                      p.packed_context_free_data.size;
    (void)prunable;
    uint32_t net_words = cps_chain__net_usage_words(&c->config, p.packed_trx.size,
                                                    p.packed_context_free_data.size,
                                                    p.signature_count, trx.header.delay_sec > 0);
    uint64_t net_bytes = (uint64_t)net_words * 8;
    if (net_bytes > c->config.max_transaction_net_usage ||
        (trx.header.max_net_usage_words && net_words > trx.header.max_net_usage_words))
        rc = cps_fail(CPS_ERR_RESOURCE, "transaction net usage is too high: %llu bytes",
                      (unsigned long long)net_bytes);
    else if (c->pending.net_used_bytes + net_bytes > c->config.max_block_net_usage)
        rc = cps_fail(CPS_ERR_RESOURCE, "block net usage would exceed its limit");
    if (rc) goto done;

    /* Signatures: recovered keys must be distinct (tx_duplicate_sig). */
    if (p.signature_count) {
        keys = calloc(p.signature_count, sizeof *keys);
        if (!keys) {
            rc = cps_fail(CPS_ERR_NOMEM, "keys");
            goto done;
        }
        if (meta) {
            memcpy(keys, meta->keys, p.signature_count * sizeof *keys);
        } else if (given_keys) {
            memcpy(keys, given_keys, p.signature_count * sizeof *keys);
        } else {
            /* The signing digest serves only the recovery: keys already given (a block's keys
             * recovered beside the apply, a prepared transaction) need none. */
            cps_checksum256 digest;
            cps_abi_signing_digest_raw(&c->chain_id, raw.data, raw.size,
                                       p.packed_context_free_data.data,
                                       p.packed_context_free_data.size, &digest);
            if ((rc = recover_keys(c, p.signatures, p.signature_count, &digest, keys))) goto done;
        }
        for (uint32_t i = 0; i < p.signature_count; i++)
            for (uint32_t k = 0; k < i; k++)
                if (cps_public_key_compare(&keys[i], &keys[k]) == 0) {
                    rc = cps_fail(CPS_ERR_AUTH, "transaction includes more than one signature "
                                                "signed using the same key");
                    goto done;
                }
    }

    /* Authorization. */
    cps_chain_declared_auth *decl = NULL;
    size_t ndecl = 0;
    for (uint32_t i = 0; i < trx.action_count; i++) ndecl += trx.actions[i].authorization_count;
    if (ndecl) {
        decl = cps_abi_arena_alloc(&a, ndecl * sizeof *decl);
        if (!decl) {
            rc = CPS_ERR_NOMEM;
            goto done;
        }
    }
    ndecl = 0;
    for (uint32_t i = 0; i < trx.action_count && !rc; i++) {
        const cps_action *act = &trx.actions[i];
        if (act->authorization_count == 0) {
            rc = cps_fail(CPS_ERR_TX, "action %u declares no authorization", i);
            break;
        }
        rc = check_action_permissions(c, act);
        for (uint32_t k = 0; k < act->authorization_count; k++) {
            decl[ndecl].level = act->authorization[k];
            decl[ndecl].delay_us = 0;
            ndecl++;
        }
    }
    if (rc) goto done;
    {
        cps_chain_lookup_ctx l = {c, {0}};
        cps_chain_auth_params ap = {0};
        ap.lookup = cps_chain__permission_lookup;
        ap.lookup_ctx = &l;
        ap.max_depth = c->config.max_authority_depth;
        ap.keys = keys;
        ap.key_count = p.signature_count;
        ap.delay_us = (int64_t)trx.header.delay_sec * 1000000;
        cps_chain_auth_checker *chk = NULL;
        rc = cps_chain_auth_checker_create(&ap, &chk);
        /* A dry run (compute_transaction) checks what nodeos still checks for it (the
         * declared levels' existence and linkauth minimums above) but not the signatures. */
        if (!rc && !c->dry_run) rc = cps_chain_auth_check_declared(chk, decl, ndecl, false);
        cps_chain_auth_checker_destroy(chk);
        cps_abi_arena_free(&l.arena);
        if (rc) goto done;
    }

    /* An input transaction whose authorizer's failed transactions already used up what its
     * stake allows is refused before it costs apply time (subjective billing, the Anti-attack
     * early filter); a block's transactions were billed by their producer and are checked after
     * execution as always. */
    if (!receipt && !c->dry_run && (rc = cps_chain__resource_precheck(c, &trx))) goto done;

    /* Execution, in a session undone on any failure. */
    trace = trace_new(c, &id);
    if (!trace) {
        rc = cps_fail(CPS_ERR_NOMEM, "trace");
        goto done;
    }
    cps_chain_trx_context tc;
    memset(&tc, 0, sizeof tc);
    tc.chain = c;
    tc.state = c->st;
    tc.config = &c->config;
    tc.id = id;
    tc.trx = &trx;
    tc.raw_trx = raw;
    tc.cfd = cfd;
    tc.cfd_count = cfd_count;
    tc.block_time_us = now_us;
    tc.block_num = c->pending.block_num;
    tc.published_us = now_us;
    tc.keys = keys;
    tc.key_count = p.signature_count;
    tc.delay_us = (int64_t)trx.header.delay_sec * 1000000;
    tc.trace = trace;
    tc.internal = &ti;
    uint64_t max_us = c->config.max_transaction_cpu_usage;
    if (trx.header.max_cpu_usage_ms && (uint64_t)trx.header.max_cpu_usage_ms * 1000 < max_us)
        max_us = (uint64_t)trx.header.max_cpu_usage_ms * 1000;
    uint64_t block_left = c->config.max_block_cpu_usage > c->pending.cpu_used_us
                              ? c->config.max_block_cpu_usage - c->pending.cpu_used_us : 0;
    if (block_left < max_us) max_us = block_left;
    /* This node's own limit binds input transactions only, never a block's replay. */
    if (!receipt && c->node_trx_cpu_limit_us && c->node_trx_cpu_limit_us < max_us) {
        max_us = c->node_trx_cpu_limit_us;
        tc.cpu_limit_by_node = true;
    }
    tc.cpu_budget_units = max_us * CPS_CHAIN_UNITS_PER_US;

    if ((rc = cps_state_session_push(c->st, &level))) goto done;
    session = true;
    executed = true;
    if (trx.header.delay_sec) {
        /* transaction_context::schedule_transaction: stored, run when due, payer = the first
         * authorizer */
        cps_chain_gentrx g;
        memset(&g, 0, sizeof g);
        g.id = id;
        g.sender_id = cps_chain__trx_id_to_sender_id(&id);
        g.payer = trx.actions[0].authorization[0].actor;
        g.published_us = now_us;
        g.delay_until_us = now_us + tc.delay_us;
        g.expiration_us =
            g.delay_until_us + (int64_t)c->config.deferred_trx_expiration_window * 1000000;
        g.packed_trx = raw;
        rc = cps_chain__gentrx_store(c, &tc, &g);
    } else {
        rc = run_actions(&tc);
    }
    if (!rc) rc = record_usage(&tc);
    for (size_t i = 0; !rc && i < ti.ram_count; i++)
        rc = cps_chain__resource_verify_ram(c, ti.ram_accounts[i]);
    uint32_t cpu_us = cps_chain__cpu_usage_us(&c->config, tc.cpu_used_units);
    trace->cpu_units = tc.cpu_used_units;
    trace->cpu_usage_us = cpu_us;
    trace->net_usage_words = net_words;
    if (!rc && cpu_us > max_us && tc.cpu_limit_by_node)
        rc = cps_chain__node_cpu_limit_exceeded(&tc);
    else if (!rc && cpu_us > max_us)
        rc = cps_fail(CPS_ERR_RESOURCE, "transaction CPU usage %u us exceeds the limit of %llu us",
                      cpu_us, (unsigned long long)max_us);
    uint8_t status = trx.header.delay_sec ? CPS_TRX_DELAYED : CPS_TRX_EXECUTED;
    if (!rc && receipt && receipt->status != status)
        rc = cps_fail(CPS_ERR_BLOCK, "receipt status %u, execution gives %u", receipt->status,
                      status);
    if (!rc && receipt &&
        (receipt->cpu_usage_us != cpu_us || receipt->net_usage_words != net_words))
        rc = cps_fail(CPS_ERR_BLOCK, "receipt bills cpu %u us / net %u words, execution bills "
                                     "%u us / %u words",
                      receipt->cpu_usage_us, receipt->net_usage_words, cpu_us, net_words);
    if (!rc) rc = dedup_record(c, &id, trx.header.expiration);
    if (!rc) rc = cps_chain__resource_bill(c, &trx, cpu_us, net_words);
    if (!rc) rc = cps_state_session_squash(c->st, level);
    if (rc) goto done;
    session = false;
    trace->status = status;
    if ((rc = pending_add_trx(c, packed, n, NULL, trace)) || (rc = pending_add_digests(c, &ti))) {
        /* Out of memory after the squash: the block can no longer be built consistently. */
        cps_log_error(MOD, "pending block lost a transaction: %s", cps_last_error());
        goto done;
    }
    c->pending.cpu_used_us += cpu_us;
    c->pending.net_used_bytes += net_bytes;

done:
    if (session) {
        int ur = cps_state_session_undo(c->st, level);
        if (ur) cps_log_error(MOD, "undo failed: %s", cps_last_error());
    }
    if (trace) trace->elapsed_us = (int64_t)((cps_time_mono_ns() - t0) / 1000);
    /* What an input transaction spent before failing is billed to its first authorizer by this
     * node alone (subjective billing, above). */
    if (rc && executed && !receipt && !c->dry_run && trx.action_count &&
        trx.actions[0].authorization_count)
        cps_chain__resource_subjective_add(c, trx.actions[0].authorization[0].actor,
                                           cps_chain__cpu_usage_us(&c->config, trace->cpu_units));
    if (rc) trace_fail(trace, rc);
    if (trace_out) *trace_out = trace;
    else cps_chain_transaction_trace_free(trace);
    free(keys);
    free(ti.digests);
    free(ti.ram_accounts);
    cps_abi_arena_free(&a);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Scheduled transactions (controller::push_scheduled_transaction and apply_onerror).
 * ------------------------------------------------------------------------------------------ */

/* Sets up a context for a transaction the chain runs on its own (no signatures). */
static void context_init(cps_chain_trx_context *tc, cps_chain_controller *c, trx_internal *ti,
                         const cps_checksum256 *id, const cps_transaction *trx, cps_bytes raw,
                         cps_chain_transaction_trace *trace)
{
    memset(tc, 0, sizeof *tc);
    memset(ti, 0, sizeof *ti);
    ti->c = c;
    tc->chain = c;
    tc->state = c->st;
    tc->config = &c->config;
    tc->id = *id;
    tc->trx = trx;
    tc->raw_trx = raw;
    tc->block_time_us = cps_block_timestamp_to_us(c->pending.timestamp);
    tc->block_num = c->pending.block_num;
    tc->published_us = tc->block_time_us;
    tc->trace = trace;
    tc->internal = ti;
    uint64_t max_us = c->config.max_transaction_cpu_usage;
    if (trx->header.max_cpu_usage_ms && (uint64_t)trx->header.max_cpu_usage_ms * 1000 < max_us)
        max_us = (uint64_t)trx->header.max_cpu_usage_ms * 1000;
    uint64_t block_left = c->config.max_block_cpu_usage > c->pending.cpu_used_us
                              ? c->config.max_block_cpu_usage - c->pending.cpu_used_us : 0;
    if (block_left < max_us) max_us = block_left;
    tc->cpu_budget_units = max_us * CPS_CHAIN_UNITS_PER_US;
}

static void internal_free(trx_internal *ti)
{
    free(ti->digests);
    free(ti->ram_accounts);
    memset(ti, 0, sizeof *ti);
}

/* Runs the scheduled transaction's actions in a nested session; squashed on success. */
static int run_scheduled(cps_chain_controller *c, cps_chain_trx_context *tc, uint32_t *cpu_us)
{
    trx_internal *ti = tc->internal;
    uint32_t level;
    int rc = cps_state_session_push(c->st, &level);
    if (rc) return rc;
    rc = run_actions(tc);
    for (size_t i = 0; !rc && i < ti->ram_count; i++)
        rc = cps_chain__resource_verify_ram(c, ti->ram_accounts[i]);
    *cpu_us = cps_chain__cpu_usage_us(&c->config, tc->cpu_used_units);
    uint64_t max_us = tc->cpu_budget_units / CPS_CHAIN_UNITS_PER_US;
    if (!rc && *cpu_us > max_us)
        rc = cps_fail(CPS_ERR_RESOURCE, "transaction CPU usage %u us exceeds the limit of %llu us",
                      *cpu_us, (unsigned long long)max_us);
    if (!rc) rc = cps_chain__resource_bill(c, tc->trx, *cpu_us, 0);
    if (!rc) rc = cps_state_session_squash(c->st, level);
    if (rc && cps_state_session_undo(c->st, level))
        cps_log_error(MOD, "undo failed: %s", cps_last_error());
    return rc;
}

/* apply_onerror: eosio::onerror{sender_id, sent_trx} delivered to the sender, authorized by
 * sender@active. On success *status becomes soft_fail and the onerror trace replaces *trace. */
static int run_onerror(cps_chain_controller *c, const cps_chain_gentrx *g, const cps_bytes *sent,
                       cps_chain_transaction_trace **trace, uint32_t *cpu_us, trx_internal *ti)
{
    cps_buf data = {0};
    uint8_t sid[16];
    for (int i = 0; i < 16; i++) sid[i] = (uint8_t)(g->sender_id >> (8 * i));
    cps_write_bytes(&data, sid, 16);
    cps_write_varuint32(&data, (uint32_t)sent->size);
    cps_write_bytes(&data, sent->data, sent->size);
    cps_permission_level auth = {g->sender, cps_abi_name("active")};
    cps_action act = {cps_abi_name("eosio"), cps_abi_name("onerror"), &auth, 1,
                      {data.data, data.size}};
    cps_transaction etrx;
    memset(&etrx, 0, sizeof etrx);
    int64_t now_us = cps_block_timestamp_to_us(c->pending.timestamp);
    etrx.header.expiration = (uint32_t)((now_us + 999999) / 1000000);
    cps_abi_tapos_from_block_id(&c->head.id, &etrx.header.ref_block_num,
                                &etrx.header.ref_block_prefix);
    etrx.actions = &act;
    etrx.action_count = 1;
    cps_buf raw = {0};
    int rc = data.failed;
    if (!rc) rc = cps_abi_transaction_pack(&raw, &etrx);
    cps_checksum256 eid;
    if (!rc) cps_abi_transaction_id_raw(raw.data, raw.size, &eid);
    cps_chain_transaction_trace *et = rc ? NULL : trace_new(c, &eid);
    if (!rc && !et) rc = cps_fail(CPS_ERR_NOMEM, "trace");
    cps_chain_trx_context tc;
    if (!rc) {
        context_init(&tc, c, ti, &eid, &etrx, (cps_bytes){raw.data, raw.size}, et);
        tc.is_implicit = true;
        tc.published_us = g->published_us;
        uint32_t level, ord;
        rc = cps_state_session_push(c->st, &level);
        if (!rc) {
            rc = cps_chain__schedule_action(&tc, &act, g->sender, false, 0, 0, &ord);
            if (!rc) rc = cps_chain__execute_action(&tc, ord, 0);
            for (size_t i = 0; !rc && i < ti->ram_count; i++)
                rc = cps_chain__resource_verify_ram(c, ti->ram_accounts[i]);
            *cpu_us = cps_chain__cpu_usage_us(&c->config, tc.cpu_used_units);
            if (!rc) rc = cps_state_session_squash(c->st, level);
            if (rc && cps_state_session_undo(c->st, level))
                cps_log_error(MOD, "undo failed: %s", cps_last_error());
        }
        et->cpu_units = tc.cpu_used_units;
    }
    if (!rc) {
        et->status = CPS_TRX_SOFT_FAIL;
        et->cpu_usage_us = *cpu_us;
        cps_chain_transaction_trace_free(*trace);
        *trace = et;
    } else {
        cps_chain_transaction_trace_free(et);
    }
    cps_buf_free(&raw);
    cps_buf_free(&data);
    return rc;
}

int cps_chain__push_scheduled(cps_chain_controller *c, const cps_checksum256 *id,
                              const cps_transaction_receipt *receipt,
                              cps_chain_transaction_trace **trace_out)
{
    if (trace_out) *trace_out = NULL;
    uint64_t t0 = cps_time_mono_ns();
    char hex[65];
    cps_hex_encode(hex, id->b, 32);
    cps_chain_gentrx g;
    int rc = cps_chain__gentrx_find_id(c, id, &g);
    if (rc == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_NOT_FOUND, "unknown scheduled transaction %s", hex);
    if (rc) return rc;
    const int64_t now_us = cps_block_timestamp_to_us(c->pending.timestamp);
    if (g.delay_until_us > now_us)
        return cps_fail(CPS_ERR_TX, "scheduled transaction %s isn't ready", hex);
    /* The record borrows the state's value, which the removal below invalidates: copy it. */
    cps_buf copy = {0};
    if (cps_write_bytes(&copy, g.packed_trx.data, g.packed_trx.size)) return copy.failed;
    g.packed_trx = (cps_bytes){copy.data, copy.size};

    cps_chain_transaction_trace *trace = trace_new(c, id);
    trx_internal ti = {0};
    cps_arena a = {0};
    uint32_t outer;
    uint8_t status = CPS_TRX_EXECUTED;
    uint32_t cpu_us = 0;
    if (!trace) {
        cps_buf_free(&copy);
        return cps_fail(CPS_ERR_NOMEM, "trace");
    }
    if ((rc = cps_state_session_push(c->st, &outer))) goto out;
    rc = cps_chain__gentrx_remove(c, NULL, &g);
    if (!rc && g.expiration_us < now_us) {
        status = CPS_TRX_EXPIRED;
        trace_fail(trace, cps_fail(CPS_ERR_TX_EXPIRED, "scheduled transaction %s expired", hex));
    } else if (!rc) {
        cps_transaction trx;
        cps_reader r = cps_reader_make(copy.data, copy.size);
        rc = cps_abi_transaction_unpack(&r, &a, &trx);
        if (rc) {
            rc = cps_fail_prefix(CPS_ERR_DB_CORRUPT, "scheduled transaction %s", hex);
        } else {
            cps_chain_trx_context tc;
            context_init(&tc, c, &ti, id, &trx, g.packed_trx, trace);
            tc.published_us = g.published_us;
            tc.delay_us = g.delay_until_us - g.published_us;
            int erc = run_scheduled(c, &tc, &cpu_us);
            trace->cpu_units = tc.cpu_used_units;
            if (erc) {
                trace_fail(trace, erc);
                char first[512];
                snprintf(first, sizeof first, "%s", cps_last_error());
                int orc = -1;
                if (g.sender) {
                    internal_free(&ti);
                    orc = run_onerror(c, &g, &g.packed_trx, &trace, &cpu_us, &ti);
                }
                if (orc == 0) {
                    status = CPS_TRX_SOFT_FAIL;
                } else {
                    /* hard_fail: the failed attempt's CPU is billed to its authorizers when
                     * they can pay; the removal of the record stays */
                    internal_free(&ti);
                    status = CPS_TRX_HARD_FAIL;
                    cpu_us = cps_chain__cpu_usage_us(&c->config, trace->cpu_units);
                    uint32_t lv;
                    if (!cps_state_session_push(c->st, &lv)) {
                        if ((cps_chain__resource_bill(c, &trx, cpu_us, 0) ||
                             cps_state_session_squash(c->st, lv)) &&
                            cps_state_session_undo(c->st, lv))
                            cps_log_error(MOD, "undo failed: %s", cps_last_error());
                    }
                    cps_fail(erc, "%s", first);
                    trace_fail(trace, erc);
                }
            }
        }
    }
    if (!rc && receipt && (receipt->status != status || receipt->cpu_usage_us != cpu_us ||
                           receipt->net_usage_words != 0))
        rc = cps_fail(CPS_ERR_BLOCK, "receipt of %s: status %u cpu %u us net %u words, execution "
                                     "gives status %u cpu %u us net 0",
                      hex, receipt->status, receipt->cpu_usage_us, receipt->net_usage_words,
                      status, cpu_us);
    if (!rc) rc = cps_state_session_squash(c->st, outer);
    else if (cps_state_session_undo(c->st, outer))
        cps_log_error(MOD, "undo failed: %s", cps_last_error());
    if (!rc) {
        trace->status = status;
        trace->cpu_usage_us = cpu_us;
        trace->net_usage_words = 0;
        if ((rc = pending_add_trx(c, NULL, 0, id, trace)) ||
            (status <= CPS_TRX_SOFT_FAIL && (rc = pending_add_digests(c, &ti))))
            cps_log_error(MOD, "pending block lost a scheduled transaction: %s", cps_last_error());
        else
            c->pending.cpu_used_us += cpu_us;
    }
out:
    trace->elapsed_us = (int64_t)((cps_time_mono_ns() - t0) / 1000);
    if (rc) trace_fail(trace, rc);
    if (trace_out) *trace_out = trace;
    else cps_chain_transaction_trace_free(trace);
    internal_free(&ti);
    cps_abi_arena_free(&a);
    cps_buf_free(&copy);
    return rc;
}

/* onblock: an implicit transaction (no signature, no receipt in the block) whose action runs
 * eosio's contract with the previous block's header; its action receipts count in the
 * action_mroot. A failure is dropped, as nodeos does. */
void cps_chain__apply_onblock(cps_chain_controller *c)
{
    cps_chain_account eosio;
    if (cps_chain__account_get(c, NULL, cps_abi_name("eosio"), &eosio)) return;
    bool has_code = false;
    for (int i = 0; i < 32; i++) has_code |= eosio.code_hash.b[i] != 0;
    if (!has_code) return;

    cps_arena a = {0};
    cps_buf hdr = {0};
    cps_bytes stored;
    int rc = cps_state_get(cps_chain__view(c), c->t_global, "hhdr", 4, &stored);
    if (!rc) rc = cps_write_bytes(&hdr, stored.data, stored.size);
    if (rc) {
        cps_log_error(MOD, "onblock: cannot read head block: %s", cps_last_error());
        cps_abi_arena_free(&a);
        cps_buf_free(&hdr);
        return;
    }
    cps_permission_level auth = {cps_abi_name("eosio"), cps_abi_name("active")};
    cps_action act = {cps_abi_name("eosio"), cps_abi_name("onblock"), &auth, 1,
                      {hdr.data, hdr.size}};
    cps_transaction trx;
    memset(&trx, 0, sizeof trx);
    int64_t now_us = cps_block_timestamp_to_us(c->pending.timestamp);
    trx.header.expiration = (uint32_t)(now_us / 1000000) + 1;
    trx.actions = &act;
    trx.action_count = 1;
    cps_buf raw = {0};
    cps_checksum256 id;
    cps_abi_transaction_pack(&raw, &trx);
    cps_abi_transaction_id_raw(raw.data, raw.size, &id);

    trx_internal ti = {0};
    ti.c = c;
    cps_chain_transaction_trace *trace = trace_new(c, &id);
    cps_chain_trx_context tc;
    memset(&tc, 0, sizeof tc);
    tc.chain = c;
    tc.state = c->st;
    tc.config = &c->config;
    tc.id = id;
    tc.trx = &trx;
    tc.raw_trx = (cps_bytes){raw.data, raw.size};
    tc.block_time_us = now_us;
    tc.block_num = c->pending.block_num;
    tc.published_us = now_us;
    tc.is_implicit = true;
    tc.trace = trace;
    tc.internal = &ti;
    tc.cpu_budget_units = (uint64_t)c->config.max_transaction_cpu_usage * CPS_CHAIN_UNITS_PER_US;
    uint32_t level;
    rc = trace ? raw.failed : CPS_ERR_NOMEM;
    if (!rc) rc = cps_state_session_push(c->st, &level);
    if (!rc) {
        rc = run_actions(&tc);
        if (!rc) rc = cps_state_session_squash(c->st, level);
        else if (cps_state_session_undo(c->st, level))
            cps_log_error(MOD, "onblock undo failed: %s", cps_last_error());
        if (!rc) rc = pending_add_digests(c, &ti);
    }
    if (rc) cps_log_warn(MOD, "onblock failed: %s", cps_last_error());
    cps_chain_transaction_trace_free(trace);
    free(ti.digests);
    free(ti.ram_accounts);
    cps_buf_free(&raw);
    cps_buf_free(&hdr);
    cps_abi_arena_free(&a);
}
