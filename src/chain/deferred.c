/* deferred: generated transactions (EOSIO's generated_transaction_object) — the store of
 * delayed transactions (delay_sec > 0) and of those contracts schedule with send_deferred, with
 * their RAM billing, replacement and cancellation (send_deferred, cancel_deferred, canceldelay),
 * and the due list a producer executes. Three tables keep one record:
 *   chain.gentrx  sender | sender_id (u128)        -> record (below)
 *   chain.genid   trx id                           -> sender | sender_id
 *   chain.gendue  delay_until (i64) | trx id       -> sender | sender_id
 * Record: id[32] payer u64 published i64 delay_until i64 expiration i64 | packed transaction.
 * Keys are big-endian (ordered); values little-endian. */
#include "chain/controller_internal.h"

#include <stdio.h>
#include <string.h>

static void sender_key(uint8_t out[24], cps_name sender, cps_uint128 sender_id)
{
    cps_chain__key_name(out, sender);
    for (int i = 0; i < 16; i++) out[8 + i] = (uint8_t)(sender_id >> (8 * (15 - i)));
}

static void due_key(uint8_t out[40], int64_t delay_until_us, const cps_checksum256 *id)
{
    /* time points are non-negative here (after the genesis), so their unsigned order holds */
    uint64_t t = (uint64_t)delay_until_us;
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(t >> (8 * (7 - i)));
    memcpy(out + 8, id->b, 32);
}

cps_uint128 cps_chain__trx_id_to_sender_id(const cps_checksum256 *id)
{
    /* transaction_id_to_sender_id: uint128(hash[3], hash[2]) over the id's 64-bit words */
    uint64_t hi = cps_load_u64(id->b + 24), lo = cps_load_u64(id->b + 16);
    return (cps_uint128)hi << 64 | lo;
}

static int decode(cps_bytes key, cps_bytes v, cps_chain_gentrx *out)
{
    if (key.size != 24 || v.size < 64)
        return cps_fail(CPS_ERR_DB_CORRUPT, "chain.gentrx record of %zu bytes", v.size);
    uint64_t s = 0;
    for (int i = 0; i < 8; i++) s = s << 8 | key.data[i];
    cps_uint128 sid = 0;
    for (int i = 0; i < 16; i++) sid = sid << 8 | key.data[8 + i];
    out->sender = s;
    out->sender_id = sid;
    memcpy(out->id.b, v.data, 32);
    out->payer = cps_load_u64(v.data + 32);
    out->published_us = (int64_t)cps_load_u64(v.data + 40);
    out->delay_until_us = (int64_t)cps_load_u64(v.data + 48);
    out->expiration_us = (int64_t)cps_load_u64(v.data + 56);
    out->packed_trx.data = v.data + 64;
    out->packed_trx.size = v.size - 64;
    return 0;
}

int cps_chain__gentrx_find_sender(cps_chain_controller *c, cps_name sender, cps_uint128 sender_id,
                                  cps_chain_gentrx *out)
{
    uint8_t key[24];
    sender_key(key, sender, sender_id);
    cps_bytes v;
    int rc = cps_state_get(cps_chain__view(c), c->t_gentrx, key, 24, &v);
    if (rc) return rc;
    return decode((cps_bytes){key, 24}, v, out);
}

int cps_chain__gentrx_find_id(cps_chain_controller *c, const cps_checksum256 *id,
                              cps_chain_gentrx *out)
{
    cps_bytes v;
    int rc = cps_state_get(cps_chain__view(c), c->t_genid, id->b, 32, &v);
    if (rc) return rc;
    if (v.size != 24) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.genid record");
    uint8_t key[24];
    memcpy(key, v.data, 24);
    if ((rc = cps_state_get(cps_chain__view(c), c->t_gentrx, key, 24, &v)))
        return rc == CPS_ERR_NOT_FOUND ? cps_fail(CPS_ERR_DB_CORRUPT, "chain.genid dangles") : rc;
    return decode((cps_bytes){key, 24}, v, out);
}

static int64_t billable(size_t trx_size)
{
    return CPS_CHAIN_GENERATED_TRX_RAM + (int64_t)trx_size;
}

/* RAM through the transaction when there is one (so the payer's limit is verified at its end). */
static int bill_ram(cps_chain_controller *c, cps_chain_trx_context *tc, cps_name payer,
                    int64_t delta)
{
    return tc ? cps_chain__ram_hook(tc, payer, delta) : cps_chain__resource_add_ram(c, payer, delta);
}

int cps_chain__gentrx_remove(cps_chain_controller *c, cps_chain_trx_context *tc,
                             const cps_chain_gentrx *g)
{
    uint8_t key[24], dkey[40];
    sender_key(key, g->sender, g->sender_id);
    due_key(dkey, g->delay_until_us, &g->id);
    int64_t ram = billable(g->packed_trx.size);
    cps_name payer = g->payer;
    cps_checksum256 id = g->id;
    /* g may borrow the row's value: take what is needed before removing it */
    int rc = cps_state_remove(c->st, c->t_gendue, dkey, 40);
    if (!rc) rc = cps_state_remove(c->st, c->t_genid, id.b, 32);
    if (!rc) rc = cps_state_remove(c->st, c->t_gentrx, key, 24);
    if (!rc) rc = bill_ram(c, tc, payer, -ram);
    return rc;
}

int cps_chain__gentrx_store(cps_chain_controller *c, cps_chain_trx_context *tc,
                            const cps_chain_gentrx *g)
{
    uint8_t key[24], dkey[40];
    sender_key(key, g->sender, g->sender_id);
    due_key(dkey, g->delay_until_us, &g->id);
    cps_chain_gentrx other;
    int rc = cps_chain__gentrx_find_id(c, &g->id, &other);
    if (rc == 0) {
        char hex[65];
        cps_hex_encode(hex, g->id.b, 32);
        return cps_fail(CPS_ERR_TX_DUPLICATE, "a deferred transaction with id %s is already "
                                              "scheduled", hex);
    }
    if (rc != CPS_ERR_NOT_FOUND) return rc;
    cps_buf b = {0};
    cps_write_bytes(&b, g->id.b, 32);
    cps_write_u64(&b, g->payer);
    cps_write_u64(&b, (uint64_t)g->published_us);
    cps_write_u64(&b, (uint64_t)g->delay_until_us);
    cps_write_u64(&b, (uint64_t)g->expiration_us);
    cps_write_bytes(&b, g->packed_trx.data, g->packed_trx.size);
    rc = b.failed;
    if (!rc) rc = cps_state_insert(c->st, c->t_gentrx, key, 24, b.data, b.size);
    cps_buf_free(&b);
    if (!rc) rc = cps_state_insert(c->st, c->t_genid, g->id.b, 32, key, 24);
    if (!rc) rc = cps_state_insert(c->st, c->t_gendue, dkey, 40, key, 24);
    if (!rc) rc = bill_ram(c, tc, g->payer, billable(g->packed_trx.size));
    return rc;
}

int cps_chain__gentrx_due(cps_chain_controller *c, int64_t now_us, cps_checksum256 *ids, size_t cap,
                          size_t *count)
{
    *count = 0;
    cps_state_view *v = cps_chain__view(c);
    cps_bytes k, val;
    int rc = cps_state_seek(v, c->t_gendue, CPS_STATE_FIRST, NULL, 0, &k, &val);
    while (rc == 0 && *count < cap) {
        if (k.size != 40) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.gendue key");
        uint64_t t = 0;
        for (int i = 0; i < 8; i++) t = t << 8 | k.data[i];
        if ((int64_t)t > now_us) break;
        memcpy(ids[(*count)++].b, k.data + 8, 32);
        uint8_t cur[40];
        memcpy(cur, k.data, 40);
        rc = cps_state_seek(v, c->t_gendue, CPS_STATE_GT, cur, 40, &k, &val);
    }
    return rc == CPS_ERR_NOT_FOUND ? 0 : rc;
}

/* ------------------------------------------------------------------------------------------
 * send_deferred / cancel_deferred (apply_context::schedule_deferred_transaction and
 * cancel_deferred_transaction, with replace_deferred's new id on replacement).
 * ------------------------------------------------------------------------------------------ */
static const char *nm(cps_name n, char *buf)
{
    cps_abi_name_to_string(n, buf);
    return buf;
}

/* The sender's authority over the deferred transaction's actions: each declared level must be
 * satisfied by receiver@eosio.code under the transaction's delay (EOSIO checks with no keys). */
static int check_sender_authority(cps_chain_apply_context *ctx, const cps_transaction *t)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_permission_level given = {ctx->receiver, cps_abi_name("eosio.code")};
    cps_chain_lookup_ctx l = {c, {0}};
    cps_chain_auth_params p = {0};
    p.lookup = cps_chain__permission_lookup;
    p.lookup_ctx = &l;
    p.max_depth = ctx->trx->config->max_authority_depth;
    p.permissions = &given;
    p.permission_count = 1;
    p.delay_us = (int64_t)t->header.delay_sec * 1000000;
    cps_chain_auth_checker *chk = NULL;
    int rc = cps_chain_auth_checker_create(&p, &chk);
    for (uint32_t i = 0; !rc && i < t->action_count; i++)
        for (uint32_t k = 0; !rc && k < t->actions[i].authorization_count; k++) {
            const cps_permission_level *d = &t->actions[i].authorization[k];
            bool ok = false;
            rc = cps_chain_auth_satisfied(chk, d, &ok);
            char a[CPS_NAME_STR_MAX], b[CPS_NAME_STR_MAX], r[CPS_NAME_STR_MAX];
            if (rc == CPS_ERR_NOT_FOUND)
                rc = cps_fail(CPS_ERR_AUTH, "deferred transaction declares a non-existent "
                                            "permission %s@%s", nm(d->actor, a), nm(d->permission, b));
            else if (!rc && !ok)
                rc = cps_fail(CPS_ERR_AUTH, "deferred transaction declares authority %s@%s which "
                                            "is not satisfied by %s@eosio.code",
                              nm(d->actor, a), nm(d->permission, b), nm(ctx->receiver, r));
        }
    cps_chain_auth_checker_destroy(chk);
    cps_abi_arena_free(&l.arena);
    return rc;
}

int cps_chain__send_deferred(cps_chain_apply_context *ctx, cps_uint128 sender_id, cps_name payer,
                             const uint8_t *packed_trx, size_t n, bool replace_existing)
{
    cps_chain_trx_context *tc = ctx->trx;
    cps_chain_controller *c = tc->chain;
    char a[CPS_NAME_STR_MAX];
    cps_arena ar = {0};
    cps_transaction t;
    cps_reader r = cps_reader_make(packed_trx, n);
    int rc = cps_abi_transaction_unpack(&r, &ar, &t);
    if (!rc) rc = cps_read_end(&r);
    if (rc) {
        cps_abi_arena_free(&ar);
        return cps_fail_prefix(CPS_ERR_FORMAT, "send_deferred: transaction");
    }
    if (t.context_free_action_count)
        rc = cps_fail(CPS_ERR_TX, "context free actions are not currently allowed in generated "
                                  "transactions");
    else if (t.extension_count)
        rc = cps_fail(CPS_ERR_TX, "deferred transactions may not carry transaction extensions");
    else if (t.action_count == 0)
        rc = cps_fail(CPS_ERR_TX, "transaction must have at least one action");
    else if (t.header.delay_sec > tc->config->max_transaction_delay)
        rc = cps_fail(CPS_ERR_TX, "delay_sec %u exceeds the maximum of %u", t.header.delay_sec,
                      tc->config->max_transaction_delay);
    /* validate_referenced_accounts: every code and actor exists */
    for (uint32_t i = 0; !rc && i < t.action_count; i++) {
        bool exists;
        rc = cps_chain__account_exists(c, t.actions[i].account, &exists);
        if (!rc && !exists)
            rc = cps_fail(CPS_ERR_ACCOUNT, "action's code account '%s' does not exist",
                          nm(t.actions[i].account, a));
        for (uint32_t k = 0; !rc && k < t.actions[i].authorization_count; k++) {
            rc = cps_chain__account_exists(c, t.actions[i].authorization[k].actor, &exists);
            if (!rc && !exists)
                rc = cps_fail(CPS_ERR_ACCOUNT, "action's authorizing actor '%s' does not exist",
                              nm(t.actions[i].authorization[k].actor, a));
        }
    }
    if (!rc && !ctx->privileged) {
        if (payer != ctx->receiver) rc = cps_chain__require_auth(ctx, payer, 0);
        if (!rc) rc = check_sender_authority(ctx, &t);
    }
    cps_chain_gentrx g;
    memset(&g, 0, sizeof g);
    g.sender = ctx->receiver;
    g.sender_id = sender_id;
    g.payer = payer;
    g.published_us = tc->block_time_us;
    g.delay_until_us = g.published_us + (int64_t)t.header.delay_sec * 1000000;
    g.expiration_us = g.delay_until_us + (int64_t)tc->config->deferred_trx_expiration_window * 1000000;
    g.packed_trx.data = packed_trx;
    g.packed_trx.size = n;
    cps_abi_transaction_id_raw(packed_trx, n, &g.id);
    cps_abi_arena_free(&ar);
    if (rc) return rc;
    cps_chain_gentrx old;
    rc = cps_chain__gentrx_find_sender(c, g.sender, sender_id, &old);
    if (rc == 0) {
        if (!replace_existing)
            return cps_fail(CPS_ERR_TX_DUPLICATE, "deferred transaction with the same sender_id "
                                                  "and payer already exists");
        rc = cps_chain__gentrx_remove(c, tc, &old);
    } else if (rc == CPS_ERR_NOT_FOUND) {
        rc = 0;
    }
    if (!rc) rc = cps_chain__gentrx_store(c, tc, &g);
    return rc;
}

int cps_chain__cancel_deferred(cps_chain_apply_context *ctx, cps_uint128 sender_id, bool *cancelled)
{
    *cancelled = false;
    cps_chain_controller *c = ctx->trx->chain;
    cps_chain_gentrx g;
    int rc = cps_chain__gentrx_find_sender(c, ctx->receiver, sender_id, &g);
    if (rc == CPS_ERR_NOT_FOUND) return 0;
    if (!rc) rc = cps_chain__gentrx_remove(c, ctx->trx, &g);
    if (!rc) *cancelled = true;
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * canceldelay (apply_eosio_canceldelay with authorization_manager's
 * check_canceldelay_authorization).
 * ------------------------------------------------------------------------------------------ */
int cps_chain__canceldelay(cps_chain_apply_context *ctx, const cps_permission_level *canceling,
                           const cps_checksum256 *trx_id)
{
    cps_chain_controller *c = ctx->trx->chain;
    char hex[65];
    cps_hex_encode(hex, trx_id->b, 32);
    cps_chain_gentrx g;
    int rc = cps_chain__gentrx_find_id(c, trx_id, &g);
    if (rc == CPS_ERR_NOT_FOUND || (rc == 0 && g.sender != 0))
        return cps_fail(CPS_ERR_NOT_FOUND, "cannot cancel trx_id=%s, there is no deferred "
                                           "transaction with that transaction id", hex);
    if (rc) return rc;
    cps_arena a = {0};
    cps_transaction t;
    cps_reader r = cps_reader_make(g.packed_trx.data, g.packed_trx.size);
    rc = cps_abi_transaction_unpack(&r, &a, &t);
    if (rc) {
        cps_abi_arena_free(&a);
        return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "stored delayed transaction %s", hex);
    }
    bool found = false;
    for (uint32_t i = 0; i < t.action_count && !found; i++)
        for (uint32_t k = 0; k < t.actions[i].authorization_count && !found; k++)
            found = t.actions[i].authorization[k].actor == canceling->actor &&
                    t.actions[i].authorization[k].permission == canceling->permission;
    cps_abi_arena_free(&a);
    if (!found)
        return cps_fail(CPS_ERR_AUTH, "canceling_auth in canceldelay action was not found as "
                                      "authorization in the original delayed transaction");
    return cps_chain__gentrx_remove(c, ctx->trx, &g);
}
