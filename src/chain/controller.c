/* controller: the chain's state machine — open/close over a data directory (state + block log),
 * genesis initialisation as nodeos does it, the account/permission/link records in the state,
 * and the block phases (start, finalize and sign, commit, abort, apply a received block). */
#include "chain/controller_internal.h"
#include "chain/finality.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#define MOD "chain"

/* ------------------------------------------------------------------------------------------
 * Small encoders.
 * ------------------------------------------------------------------------------------------ */
void cps_chain__key_name(uint8_t out[8], cps_name n)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(n >> (56 - 8 * i));
}

static void key_names(uint8_t *out, const cps_name *names, size_t n)
{
    for (size_t i = 0; i < n; i++) cps_chain__key_name(out + 8 * i, names[i]);
}

cps_state_view *cps_chain__view(cps_chain_controller *c)
{
    return cps_state_pending_view(c->st);
}

/* Runs `fn` against the pending view, or a fresh read view of the head when no block is open. */
typedef int (*with_view_fn)(cps_chain_controller *c, cps_state_view *v, void *arg);
static int with_view(cps_chain_controller *c, with_view_fn fn, void *arg)
{
    cps_state_view *v = cps_chain__view(c);
    if (v) return fn(c, v, arg);
    int rc = cps_state_view_open(c->st, &v);
    if (rc) return rc;
    rc = fn(c, v, arg);
    cps_state_view_close(v);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Incremental merkle (EOSIO incremental_merkle_impl::append): the active nodes are the
 * fully realised left siblings along the path of the next leaf, plus the current root.
 * ------------------------------------------------------------------------------------------ */
static uint32_t merkle_max_depth(uint64_t node_count)
{
    if (node_count == 0) return 0;
    uint64_t implied = 1;
    uint32_t log2 = 0;
    while (implied < node_count) {
        implied <<= 1;
        log2++;
    }
    return log2 + 1;
}

void cps_chain__imerkle_append(cps_chain_incremental_merkle *m, const cps_checksum256 *digest)
{
    bool partial = false;
    uint32_t max_depth = merkle_max_depth(m->node_count + 1);
    uint32_t depth = max_depth - 1;
    uint64_t index = m->node_count;
    cps_checksum256 top = *digest;
    cps_checksum256 updated[CPS_CHAIN_MAX_INCREMENTAL_DEPTH];
    uint32_t nupdated = 0, active_i = 0;
    while (depth > 0) {
        if (!(index & 1)) {
            if (!partial) updated[nupdated++] = top;
            cps_checksum256 t = top;
            cps_abi_merkle_pair(&t, &t, &top);
            partial = true;
        } else {
            cps_checksum256 left = m->active[active_i++];
            if (partial) updated[nupdated++] = left;
            cps_checksum256 t = top;
            cps_abi_merkle_pair(&left, &t, &top);
        }
        depth--;
        index >>= 1;
    }
    updated[nupdated++] = top;
    memcpy(m->active, updated, nupdated * sizeof updated[0]);
    m->active_count = nupdated;
    m->node_count++;
}

void cps_chain__imerkle_root(const cps_chain_incremental_merkle *m, cps_checksum256 *out)
{
    if (m->node_count == 0) memset(out, 0, sizeof *out);
    else *out = m->active[m->active_count - 1];
}

/* ------------------------------------------------------------------------------------------
 * Records: head, account, permission, link.
 * ------------------------------------------------------------------------------------------ */
static int head_pack(cps_buf *b, const cps_chain_head *h)
{
    cps_write_u32(b, h->block_num);
    cps_write_bytes(b, h->id.b, 32);
    cps_write_u32(b, h->timestamp);
    cps_write_u64(b, h->producer);
    cps_write_u64(b, h->blockroot_merkle.node_count);
    cps_write_u32(b, h->blockroot_merkle.active_count);
    for (uint32_t i = 0; i < h->blockroot_merkle.active_count; i++)
        cps_write_bytes(b, h->blockroot_merkle.active[i].b, 32);
    cps_write_u32(b, h->schedule_version);
    cps_write_bytes(b, h->schedule_hash.b, 32);
    cps_write_u32(b, h->final_num);
    cps_write_u32(b, h->claim_num);
    return b->failed;
}

static int head_unpack(cps_bytes v, cps_chain_head *h)
{
    cps_reader r = cps_reader_make(v.data, v.size);
    memset(h, 0, sizeof *h);
    int rc = cps_read_u32(&r, &h->block_num);
    if (!rc) rc = cps_read_bytes(&r, h->id.b, 32);
    if (!rc) rc = cps_read_u32(&r, &h->timestamp);
    if (!rc) rc = cps_read_u64(&r, &h->producer);
    if (!rc) rc = cps_read_u64(&r, &h->blockroot_merkle.node_count);
    if (!rc) rc = cps_read_u32(&r, &h->blockroot_merkle.active_count);
    if (!rc && h->blockroot_merkle.active_count > CPS_CHAIN_MAX_INCREMENTAL_DEPTH)
        rc = cps_fail(CPS_ERR_DB_CORRUPT, "head record: %u merkle nodes",
                      h->blockroot_merkle.active_count);
    for (uint32_t i = 0; !rc && i < h->blockroot_merkle.active_count; i++)
        rc = cps_read_bytes(&r, h->blockroot_merkle.active[i].b, 32);
    if (!rc) rc = cps_read_u32(&r, &h->schedule_version);
    if (!rc) rc = cps_read_bytes(&r, h->schedule_hash.b, 32);
    /* final_num and claim_num came later: a record without them (a data dir of an earlier
     * build) reads as nothing proven final yet, which only delays a schedule promotion */
    if (!rc && cps_reader_left(&r)) rc = cps_read_u32(&r, &h->final_num);
    if (!rc && cps_reader_left(&r)) rc = cps_read_u32(&r, &h->claim_num);
    if (!rc) rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.global head record");
    return 0;
}

static int account_pack(cps_buf *b, const cps_chain_account *a)
{
    cps_write_u64(b, (uint64_t)a->creation_date_us);
    cps_write_u8(b, a->privileged ? 1 : 0);
    cps_write_bytes(b, a->code_hash.b, 32);
    cps_write_u8(b, a->vm_type);
    cps_write_u8(b, a->vm_version);
    cps_write_u32(b, a->code_sequence);
    cps_write_u32(b, a->abi_sequence);
    cps_write_u64(b, a->recv_sequence);
    cps_write_u64(b, a->auth_sequence);
    cps_write_u64(b, (uint64_t)a->last_auth_us);
    cps_write_blob(b, a->abi.data, a->abi.size);
    return b->failed;
}

/* The fixed part of an account record, before the ABI blob: account_pack's layout. */
#define ACCOUNT_FIXED_SIZE (8 + 1 + 32 + 1 + 1 + 4 + 4 + 8 + 8 + 8)

/* Every receipt reads its receiver's record: the fixed part is loaded in place once its size is
 * checked; only the ABI blob goes through the reader. a->abi borrows from v. */
static int account_unpack(cps_name n, cps_bytes v, cps_chain_account *a)
{
    memset(a, 0, sizeof *a);
    a->name = n;
    if (v.size < ACCOUNT_FIXED_SIZE)
        return cps_fail(CPS_ERR_DB_CORRUPT, "chain.account record of %zu bytes (at least %d)",
                        v.size, ACCOUNT_FIXED_SIZE);
    const uint8_t *p = v.data;
    a->creation_date_us = (int64_t)cps_load_u64(p);
    a->privileged = p[8] != 0;
    memcpy(a->code_hash.b, p + 9, 32);
    a->vm_type = p[41];
    a->vm_version = p[42];
    a->code_sequence = cps_load_u32(p + 43);
    a->abi_sequence = cps_load_u32(p + 47);
    a->recv_sequence = cps_load_u64(p + 51);
    a->auth_sequence = cps_load_u64(p + 59);
    a->last_auth_us = (int64_t)cps_load_u64(p + 67);
    cps_reader r = cps_reader_make(p + ACCOUNT_FIXED_SIZE, v.size - ACCOUNT_FIXED_SIZE);
    int rc = cps_read_blob(&r, &a->abi.data, &a->abi.size);
    if (!rc) rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.account record");
    return 0;
}

int cps_chain__account_get(cps_chain_controller *c, cps_state_view *v, cps_name n,
                           cps_chain_account *out)
{
    uint8_t key[8];
    cps_bytes val;
    cps_chain__key_name(key, n);
    if (!v) v = cps_chain__view(c);
    int rc = cps_state_get(v, c->t_account, key, 8, &val);
    if (rc == CPS_ERR_NOT_FOUND) {
        char s[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(n, s);
        return cps_fail(CPS_ERR_NOT_FOUND, "account %s does not exist", s);
    }
    if (rc) return rc;
    return account_unpack(n, val, out);
}

int cps_chain__account_put(cps_chain_controller *c, const cps_chain_account *a)
{
    uint8_t key[8];
    cps_chain__key_name(key, a->name);
    /* Receipts rewrite a few accounts per action: a record without a large ABI is packed on the
     * stack, byte for byte as account_pack writes it, without a heap buffer. */
    uint8_t small[ACCOUNT_FIXED_SIZE + 5 + 128];
    if (a->abi.size <= 128) {
        uint8_t *p = small;
        cps_store_u64(p, (uint64_t)a->creation_date_us);
        p[8] = a->privileged ? 1 : 0;
        memcpy(p + 9, a->code_hash.b, 32);
        p[41] = a->vm_type;
        p[42] = a->vm_version;
        cps_store_u32(p + 43, a->code_sequence);
        cps_store_u32(p + 47, a->abi_sequence);
        cps_store_u64(p + 51, a->recv_sequence);
        cps_store_u64(p + 59, a->auth_sequence);
        cps_store_u64(p + 67, (uint64_t)a->last_auth_us);
        p += ACCOUNT_FIXED_SIZE;
        uint32_t n = (uint32_t)a->abi.size;
        do { /* varuint32, as cps_write_blob prefixes it */
            *p++ = (uint8_t)((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
            n >>= 7;
        } while (n);
        if (a->abi.size) memcpy(p, a->abi.data, a->abi.size);
        p += a->abi.size;
        return cps_state_put(c->st, c->t_account, key, 8, small, (size_t)(p - small));
    }
    cps_buf b = {0};
    /* one allocation of the final size rather than growth field by field */
    int rc = cps_buf_reserve(&b, ACCOUNT_FIXED_SIZE + 5 + a->abi.size);
    if (!rc) rc = account_pack(&b, a);
    if (!rc) rc = cps_state_put(c->st, c->t_account, key, 8, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

int cps_chain__account_exists(cps_chain_controller *c, cps_name n, bool *exists)
{
    uint8_t key[8];
    cps_bytes val;
    cps_chain__key_name(key, n);
    int rc = cps_state_get(cps_chain__view(c), c->t_account, key, 8, &val);
    *exists = rc == 0;
    return rc == CPS_ERR_NOT_FOUND ? 0 : rc;
}

int cps_chain__perm_get(cps_chain_controller *c, cps_state_view *v, cps_name owner, cps_name name,
                        cps_arena *a, cps_name *parent, cps_authority *auth, int64_t *last_updated,
                        int64_t *last_used)
{
    uint8_t key[16];
    cps_name k[2] = {owner, name};
    cps_bytes val;
    key_names(key, k, 2);
    if (!v) v = cps_chain__view(c);
    int rc = cps_state_get(v, c->t_perm, key, 16, &val);
    if (rc) return rc;
    cps_reader r = cps_reader_make(val.data, val.size);
    uint64_t p, upd, used;
    rc = cps_read_u64(&r, &p);
    if (!rc) rc = cps_read_u64(&r, &upd);
    if (!rc) rc = cps_read_u64(&r, &used);
    /* The authority's arrays are copies in the arena, so they outlive the borrowed value. */
    cps_authority tmp;
    if (!rc) rc = cps_abi_authority_unpack(&r, a, &tmp);
    if (!rc) rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.perm record");
    if (parent) *parent = p;
    if (auth) *auth = tmp;
    if (last_updated) *last_updated = (int64_t)upd;
    if (last_used) *last_used = (int64_t)used;
    return 0;
}

int cps_chain__perm_put(cps_chain_controller *c, cps_name owner, cps_name name, cps_name parent,
                        const cps_authority *auth, int64_t last_updated, int64_t last_used)
{
    uint8_t key[16];
    cps_name k[2] = {owner, name};
    cps_buf b = {0};
    key_names(key, k, 2);
    cps_write_u64(&b, parent);
    cps_write_u64(&b, (uint64_t)last_updated);
    cps_write_u64(&b, (uint64_t)last_used);
    cps_abi_authority_pack(&b, auth);
    int rc = b.failed;
    if (!rc) rc = cps_state_put(c->st, c->t_perm, key, 16, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

int cps_chain__link_get(cps_chain_controller *c, cps_name account, cps_name code, cps_name type,
                        cps_name *required)
{
    uint8_t key[24];
    cps_name k[3] = {account, code, type};
    cps_bytes val;
    key_names(key, k, 3);
    cps_state_view *v = cps_chain__view(c);
    int rc = cps_state_get(v, c->t_link, key, 24, &val);
    if (rc == CPS_ERR_NOT_FOUND && type != 0) {
        /* EOSIO's fallback: a link for the whole contract (type = "") */
        k[2] = 0;
        key_names(key, k, 3);
        rc = cps_state_get(v, c->t_link, key, 24, &val);
    }
    if (rc) return rc;
    if (val.size != 8) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.link record of %zu bytes", val.size);
    *required = cps_load_u64(val.data);
    return 0;
}

int cps_chain__next_global_sequence(cps_chain_controller *c, uint64_t *seq)
{
    cps_bytes val;
    uint64_t cur = 0;
    int rc = cps_state_get(cps_chain__view(c), c->t_global, "seq", 3, &val);
    if (rc == 0) {
        if (val.size != 8) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.global seq record");
        cur = cps_load_u64(val.data);
    } else if (rc != CPS_ERR_NOT_FOUND) {
        return rc;
    }
    uint8_t out[8];
    cps_store_u64(out, cur + 1);
    rc = cps_state_put(c->st, c->t_global, "seq", 3, out, 8);
    if (!rc) *seq = cur + 1;
    return rc;
}

/* The head's state and its header: onblock hands the header to eosio's contract, and a chain
 * opened from a snapshot has no block log to read it from. */
static int put_head(cps_chain_controller *c, const cps_chain_head *h, const cps_block_header *hdr)
{
    cps_buf b = {0};
    int rc = head_pack(&b, h);
    if (!rc) rc = cps_state_put(c->st, c->t_global, "head", 4, b.data, b.size);
    cps_buf_reset(&b);
    if (!rc) rc = cps_abi_block_header_pack(&b, hdr);
    if (!rc) rc = cps_state_put(c->st, c->t_global, "hhdr", 4, b.data, b.size);
    cps_buf_free(&b);
    if (rc) return rc;
    /* TaPoS: block_summary[num & 0xffff] = id */
    uint8_t key[2] = {(uint8_t)(h->block_num >> 8), (uint8_t)h->block_num};
    return cps_state_put(c->st, c->t_bsum, key, 2, h->id.b, 32);
}

/* ------------------------------------------------------------------------------------------
 * Genesis (controller_impl::initialize_blockchain_state + initialize_database).
 * ------------------------------------------------------------------------------------------ */

static void key_authority(cps_authority *a, cps_key_weight *kw, const cps_public_key *key)
{
    memset(a, 0, sizeof *a);
    kw->key = *key;
    kw->weight = 1;
    a->threshold = 1;
    a->keys = kw;
    a->key_count = 1;
}

static int genesis_database(cps_chain_controller *c, const cps_block_header *h1,
                            const cps_checksum256 *id1)
{
    const int64_t now = c->genesis.initial_timestamp;
    const cps_name eosio = cps_abi_name("eosio");
    cps_key_weight kw;
    cps_authority sys;
    key_authority(&sys, &kw, &c->genesis.initial_key);
    cps_authority empty = {1, NULL, 0, NULL, 0, NULL, 0};
    cps_permission_level_weight prod_w = {{eosio, cps_abi_name("active")}, 1};
    cps_authority producers = {1, NULL, 0, &prod_w, 1, NULL, 0};

    const cps_chain_config genesis_config = c->config;
    int rc = cps_chain__config_write(c, &genesis_config);
    if (rc) return rc;

    rc = cps_chain__create_account(c, eosio, now, true, &sys, &sys);
    if (!rc) rc = cps_chain__create_account(c, cps_abi_name("eosio.null"), now, false, &empty, &empty);
    if (!rc)
        rc = cps_chain__create_account(c, cps_abi_name("eosio.prods"), now, false, &empty, &producers);
    const cps_name prods = cps_abi_name("eosio.prods");
    if (!rc)
        rc = cps_chain__perm_put(c, prods, cps_abi_name("prod.major"), cps_abi_name("active"),
                                 &producers, now, 0);
    if (!rc)
        rc = cps_chain__perm_put(c, prods, cps_abi_name("prod.minor"), cps_abi_name("prod.major"),
                                 &producers, now, 0);
    if (rc) return rc;

    /* eosio carries the native-action ABI (eosio_abi_bin), so clients can serialize
     * newaccount & co. before any system contract exists. */
    cps_chain_account acct;
    cps_buf abi = {0};
    rc = cps_abi_to_bin(cps_abi_eosio_native(), &abi);
    if (!rc) rc = cps_chain__account_get(c, NULL, eosio, &acct);
    if (!rc) {
        acct.abi.data = abi.data;
        acct.abi.size = abi.size;
        rc = cps_chain__account_put(c, &acct);
    }
    cps_buf_free(&abi);
    if (rc) return rc;

    cps_chain_head *h = &c->head;
    memset(h, 0, sizeof *h);
    h->block_num = 1;
    h->id = *id1;
    h->timestamp = h1->timestamp;
    h->producer = h1->producer;
    h->schedule_version = 0;
    /* the initial schedule: eosio with the genesis key, version 0 (block_header_state's genesis
     * pending_schedule.schedule_hash is the hash of its legacy form) */
    cps_key_weight gkw = {c->genesis.initial_key, 1};
    cps_chain_schedule_producer gp = {eosio, 1, &gkw, 1};
    cps_chain_producer_schedule initial = {0, &gp, 1};
    cps_producer_key pk = {eosio, c->genesis.initial_key};
    cps_producer_schedule legacy = {0, &pk, 1};
    rc = cps_chain__legacy_schedule_hash(&legacy, &h->schedule_hash);
    if (!rc) rc = cps_chain__schedules_store(c, &initial, NULL, 0, NULL, 0);
    if (!rc) rc = put_head(c, h, h1);
    return rc;
}

/* Block 1 as nodeos builds it: a default header (producer "", confirmed 1) at the genesis time
 * whose action_mroot is the chain id; it is never signed. */
static int genesis_block(cps_chain_controller *c, cps_signed_block *blk, cps_checksum256 *id)
{
    memset(blk, 0, sizeof *blk);
    cps_block_header *h = &blk->signed_header.header;
    h->timestamp = cps_block_timestamp_from_us(c->genesis.initial_timestamp);
    h->confirmed = 1;
    h->action_mroot = c->chain_id;
    return cps_abi_block_id(h, id);
}

static int initialize_chain(cps_chain_controller *c)
{
    cps_signed_block blk;
    cps_checksum256 id;
    int rc = genesis_block(c, &blk, &id);
    if (rc) return rc;
    /* The log first, as commit_block does: a crash before the state commit leaves a log with
     * block 1 and an empty state, which open completes from the genesis. */
    rc = cps_chain_block_log_reset_genesis(c->log, &c->genesis);
    if (!rc) rc = cps_chain_block_log_append_block(c->log, &blk, NULL);
    if (rc) return rc;
    rc = cps_state_block_begin(c->st, CPS_STATE_BLOCK_IRREVERSIBLE, NULL);
    if (rc) return rc;
    rc = genesis_database(c, &blk.signed_header.header, &id);
    if (!rc) rc = cps_state_block_commit(c->st);
    else cps_state_block_abort(c->st);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Open / close.
 * ------------------------------------------------------------------------------------------ */
static int mkdir_p(const char *dir)
{
    if (mkdir(dir, 0755) && errno != EEXIST)
        return cps_fail(CPS_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    return 0;
}

static int open_tables(cps_chain_controller *c)
{
    struct {
        const char *name;
        cps_state_table *t;
    } tabs[] = {
        {"chain.account", &c->t_account}, {"chain.code", &c->t_code},
        {"chain.perm", &c->t_perm},       {"chain.link", &c->t_link},
        {"chain.global", &c->t_global},   {"chain.bsum", &c->t_bsum},
        {"chain.dedup", &c->t_dedup},     {"chain.expiry", &c->t_expiry},
        {"chain.rlimit", &c->t_rlimit},   {"chain.rusage", &c->t_rusage},
        {"chain.gentrx", &c->t_gentrx},   {"chain.genid", &c->t_genid},
        {"chain.gendue", &c->t_gendue},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(tabs); i++) {
        int rc = cps_state_table_open(c->st, tabs[i].name, tabs[i].t);
        if (rc) return rc;
    }
    return 0;
}

static int load_config(cps_chain_controller *c, cps_state_view *v, void *arg);
static int load_head(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    (void)arg;
    cps_bytes val;
    int rc = cps_state_get(v, c->t_global, "head", 4, &val);
    if (rc) return cps_fail_prefix(rc == CPS_ERR_NOT_FOUND ? CPS_ERR_DB_CORRUPT : rc,
                                   "state has no head record");
    rc = head_unpack(val, &c->head);
    if (rc) return rc;
    return load_config(c, v, NULL);
}

static int load_config(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    (void)arg;
    cps_bytes val;
    int rc = cps_state_get(v, c->t_global, "config", 6, &val);
    if (rc) return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "state has no chain config");
    cps_reader r = cps_reader_make(val.data, val.size);
    rc = cps_chain_config_unpack(&r, &c->config);
    return rc ? cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain config record") : 0;
}

int cps_chain__config_write(cps_chain_controller *c, const cps_chain_config *cfg)
{
    cps_buf b = {0};
    int rc = cps_chain_config_pack(&b, cfg);
    if (!rc) rc = cps_state_put(c->st, c->t_global, "config", 6, b.data, b.size);
    cps_buf_free(&b);
    if (rc) return rc;
    c->config = *cfg; /* in force at once, as EOSIO's global_property_object */
    c->config_dirty = true;
    return 0;
}

int cps_chain__config_sync(cps_chain_controller *c)
{
    if (!c->config_dirty) return 0;
    int rc = with_view(c, load_config, NULL);
    if (!rc) c->config_dirty = false;
    return rc;
}

/* The last block the log accounts for: a log started after a snapshot and still empty stands
 * for the blocks before its first. */
static uint32_t log_head_num(cps_chain_controller *c)
{
    uint32_t n = cps_chain_block_log_head_num(c->log);
    if (n == 0 && cps_chain_block_log_has_header(c->log))
        n = cps_chain_block_log_first_block_num(c->log) - 1;
    return n;
}

static int replay_log(cps_chain_controller *c)
{
    uint32_t log_head = log_head_num(c);
    if (log_head <= c->head.block_num) return 0;
    cps_log_info(MOD, "replaying blocks %u..%u from the block log", c->head.block_num + 1, log_head);
    cps_chain_block_log_iter it;
    cps_buf raw = {0};
    uint32_t num;
    int rc = 0;
    c->replaying = true;
    cps_chain_block_log_iter_begin(c->log, c->head.block_num + 1, &it);
    while ((rc = cps_chain_block_log_iter_next(&it, &raw, &num)) == 0) {
        rc = cps_chain_controller_push_block(c, raw.data, raw.size);
        if (rc) {
            cps_fail_prefix(rc, "replay of block %u", num);
            break;
        }
    }
    c->replaying = false;
    cps_buf_free(&raw);
    return rc == CPS_ERR_NOT_FOUND ? 0 : rc;
}

/* ------------------------------------------------------------------------------------------
 * Producer schedules of the head, LIB and the reversible block store.
 *
 *   <data_dir>/reversible/<num>.blk   the signed block `num` (LIB < num <= head), raw bytes;
 *                                     written to <num>.tmp, synced, renamed before the state
 *                                     commits the block, deleted once the block is in blocks.log
 *
 * Invariants at rest: blocks.log ends at LIB = the state's irreversible revision; every block in
 * (LIB, head] has its file. open repairs what a crash leaves between the steps: a log ahead of
 * the state's irreversible revision (set_lib cut short) completes the cut; a missing file
 * (unsynced write lost with the OS) pops the state back below it; files above the head (the state
 * commit never happened) are re-applied in order; files at or below LIB are deleted.
 * ------------------------------------------------------------------------------------------ */
static int load_sched_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    return cps_chain__schedules_load(c, v, arg);
}

static int reload_schedules(cps_chain_controller *c)
{
    cps_chain_schedules s;
    int rc = with_view(c, load_sched_fn, &s);
    if (rc) return rc;
    cps_chain_schedules_free(&c->sched);
    c->sched = s;
    return 0;
}

static void rblock_path(const cps_chain_controller *c, uint32_t num, const char *ext, char *out,
                        size_t cap)
{
    snprintf(out, cap, "%s/%u.%s", c->rdir, num, ext);
}

static int rblock_write(cps_chain_controller *c, uint32_t num, const uint8_t *raw, size_t n)
{
    char tmp[4200], path[4200];
    rblock_path(c, num, "tmp", tmp, sizeof tmp);
    rblock_path(c, num, "blk", path, sizeof path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return cps_fail(CPS_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    int rc = 0;
    if ((n && fwrite(raw, 1, n, f) != n) || fflush(f) ||
        (!c->rblock_no_sync && fsync(fileno(f))))
        rc = cps_fail(CPS_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (fclose(f) && !rc) rc = cps_fail(CPS_ERR_IO, "cannot close %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path))
        rc = cps_fail(CPS_ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (rc) unlink(tmp);
    return rc;
}

/* CPS_ERR_NOT_FOUND when the file does not exist. */
static int rblock_read(cps_chain_controller *c, uint32_t num, cps_buf *out)
{
    char path[4200];
    rblock_path(c, num, "blk", path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return cps_fail(CPS_ERR_NOT_FOUND, "no reversible block %u", num);
        return cps_fail(CPS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    cps_buf_reset(out);
    uint8_t chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (cps_write_bytes(out, chunk, k)) break;
    int rc = ferror(f) ? cps_fail(CPS_ERR_IO, "cannot read %s", path) : out->failed;
    fclose(f);
    return rc;
}

static void rblock_remove(cps_chain_controller *c, uint32_t num)
{
    char path[4200];
    rblock_path(c, num, "blk", path, sizeof path);
    if (unlink(path) && errno != ENOENT)
        cps_log_warn(MOD, "cannot remove %s: %s", path, strerror(errno));
}

static int set_lib_fields(cps_chain_controller *c, uint32_t lib)
{
    c->lib_num = lib;
    if (lib == c->head.block_num) {
        c->lib_id = c->head.id;
        return 0;
    }
    return cps_chain_block_log_read_block_id(c->log, lib, &c->lib_id);
}

/* Deletes the files of blocks the state no longer keeps as reversible (after the state's
 * irreversible revision is durable, so a crash never leaves a reversible block without bytes). */
static void drop_rblocks(cps_chain_controller *c)
{
    uint32_t irr = (uint32_t)cps_state_irreversible(c->st);
    for (uint32_t n = c->rblock_dropped + 1; n <= irr && n > c->rblock_dropped; n++)
        rblock_remove(c, n);
    if (irr > c->rblock_dropped) c->rblock_dropped = irr;
}

/* After a pending block ends: a set_lib made while it was pending is durable only with its
 * commit, so after an abort the state's irreversible revision is moved up again. */
static int sync_irreversible(cps_chain_controller *c)
{
    int rc = 0;
    if (cps_state_irreversible(c->st) < c->lib_num)
        rc = cps_state_set_irreversible(c->st, c->lib_num);
    if (!rc) drop_rblocks(c);
    return rc;
}

/* open: reconciles blocks.log and the state's irreversible revision (see above). */
static int open_irreversible(cps_chain_controller *c)
{
    uint32_t irr = (uint32_t)cps_state_irreversible(c->st);
    uint32_t head = c->head.block_num;
    uint32_t log_head = log_head_num(c);
    if (log_head < irr)
        /* blocks reach the log before the state calls them irreversible, so only the loss of
         * unsynced log writes (an OS crash with block_log_no_sync) or a replaced log gets here;
         * irreversible blocks cannot be popped back. */
        return cps_fail(CPS_ERR_BLOCK, "the state is irreversible up to block %u but the block "
                                       "log ends at %u (log writes lost?)", irr, log_head);
    if (log_head > head && irr < head)
        return cps_fail(CPS_ERR_BLOCK, "the block log (to %u) is beyond the state's head %u, "
                                       "which has reversible blocks from %u", log_head, head,
                        irr + 1);
    uint32_t cut = log_head < head ? log_head : head;
    if (cut > irr) {
        cps_log_info(MOD, "blocks %u..%u are in the block log: making them irreversible",
                     irr + 1, cut);
        return cps_state_set_irreversible(c->st, cut);
    }
    return 0;
}

static int recover_reversible(cps_chain_controller *c)
{
    /* every reversible block needs its bytes; pop the state below the first one missing */
    uint32_t missing = 0;
    cps_buf raw = {0};
    int rc = 0;
    for (uint32_t n = c->lib_num + 1; n <= c->head.block_num && !missing; n++) {
        rc = rblock_read(c, n, &raw);
        if (rc == CPS_ERR_NOT_FOUND) missing = n;
        else if (rc) goto out;
    }
    rc = 0;
    if (missing) {
        cps_log_warn(MOD, "reversible block %u has no stored bytes: undoing blocks %u..%u",
                     missing, missing, c->head.block_num);
        if ((rc = cps_state_undo_to(c->st, missing - 1))) goto out;
        if ((rc = with_view(c, load_head, NULL))) goto out;
        if ((rc = reload_schedules(c))) goto out;
    }
    /* files above the head: blocks whose state commit did not happen; apply them again */
    c->replaying = c->replaying_reversible = true;
    for (;;) {
        uint32_t n = c->head.block_num + 1;
        rc = rblock_read(c, n, &raw);
        if (rc == CPS_ERR_NOT_FOUND) {
            rc = 0;
            break;
        }
        if (rc) break;
        rc = cps_chain_controller_push_block(c, raw.data, raw.size);
        if (rc) {
            cps_log_warn(MOD, "stored reversible block %u does not apply (%s): discarded", n,
                         cps_last_error());
            rblock_remove(c, n);
            rc = 0;
            break;
        }
    }
    c->replaying = c->replaying_reversible = false;
    if (rc) goto out;
    /* leftovers: files at or below LIB, stale temporaries and those above the final head */
    DIR *d = opendir(c->rdir);
    if (!d) {
        rc = cps_fail(CPS_ERR_IO, "cannot read %s: %s", c->rdir, strerror(errno));
        goto out;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end = NULL;
        unsigned long n = strtoul(e->d_name, &end, 10);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || !end) continue;
        bool keep = strcmp(end, ".blk") == 0 && n > c->lib_num && n <= c->head.block_num;
        if (!keep && (strcmp(end, ".blk") == 0 || strcmp(end, ".tmp") == 0)) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", c->rdir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    c->rblock_dropped = c->lib_num;
out:
    cps_buf_free(&raw);
    return rc;
}

uint32_t cps_chain_controller_lib_num(const cps_chain_controller *c)
{
    return c->lib_num;
}

void cps_chain_controller_lib_id(const cps_chain_controller *c, cps_checksum256 *out)
{
    *out = c->lib_id;
}

void (*cps_chain__crash_hook)(enum cps_chain_crash_point point);

static void crash_point(enum cps_chain_crash_point point)
{
    if (cps_chain__crash_hook) cps_chain__crash_hook(point);
}

int cps_chain_controller_set_lib(cps_chain_controller *c, uint32_t num)
{
    if (num < c->lib_num)
        return cps_fail(CPS_ERR_INVALID_ARG, "LIB cannot move back from %u to %u", c->lib_num,
                        num);
    if (num > c->head.block_num)
        return cps_fail(CPS_ERR_INVALID_ARG, "LIB %u is beyond the head block %u", num,
                        c->head.block_num);
    if (num == c->lib_num) return 0;
    /* the log first: a crash after it leaves the log ahead of the state's irreversible
     * revision, which open completes (open_irreversible) */
    cps_buf raw = {0};
    int rc = 0;
    uint32_t done = c->lib_num;
    for (uint32_t n = c->lib_num + 1; n <= num && !rc; n++) {
        rc = rblock_read(c, n, &raw);
        if (rc == CPS_ERR_NOT_FOUND) rc = cps_fail(CPS_ERR_BLOCK, "reversible block %u lost", n);
        if (!rc) rc = cps_chain_block_log_append(c->log, raw.data, raw.size, NULL);
        if (!rc) done = n;
    }
    cps_buf_free(&raw);
    if (done == c->lib_num) return rc;
    crash_point(CPS_CHAIN_CRASH_SET_LIB_AFTER_LOG);
    c->lib_num = done;
    if (done == c->head.block_num) c->lib_id = c->head.id;
    else cps_chain_block_log_head_id(c->log, &c->lib_id);
    int src = cps_state_set_irreversible(c->st, done);
    if (!src && !c->pending.active) drop_rblocks(c);
    return rc ? rc : src;
}

int cps_chain_controller_read_block(cps_chain_controller *c, uint32_t num, cps_buf *out)
{
    if (num == 0 || num > c->head.block_num)
        return cps_fail(CPS_ERR_NOT_FOUND, "no block %u (head %u)", num, c->head.block_num);
    if (num <= c->lib_num) return cps_chain_block_log_read_raw(c->log, num, out);
    return rblock_read(c, num, out);
}

/* Hands back the input transactions of a block (abort_block's contract). */
static int block_transactions(const cps_buf *raw, cps_buf **unapplied, size_t *count)
{
    cps_arena a = {0};
    cps_signed_block blk;
    int rc = cps_abi_signed_block_decode(raw->data, raw->size, &a, &blk);
    cps_buf *list = NULL;
    size_t k = 0;
    if (!rc && blk.transaction_count) {
        list = calloc(blk.transaction_count, sizeof *list);
        if (!list) rc = cps_fail(CPS_ERR_NOMEM, "popped transactions");
    }
    for (uint32_t i = 0; !rc && i < blk.transaction_count; i++) {
        if (!blk.transactions[i].is_packed) continue; /* scheduled: back in the state */
        rc = cps_abi_packed_transaction_pack(&list[k], &blk.transactions[i].packed);
        k++;
    }
    cps_abi_arena_free(&a);
    if (rc) {
        for (size_t i = 0; i < k; i++) cps_buf_free(&list[i]);
        free(list);
        return rc;
    }
    *unapplied = list;
    *count = k;
    return 0;
}

int cps_chain_controller_pop_block(cps_chain_controller *c, cps_buf **unapplied, size_t *count)
{
    if (unapplied) *unapplied = NULL;
    if (count) *count = 0;
    if (c->pending.active) return cps_fail(CPS_ERR_STATE, "a block is pending");
    if (c->head.block_num <= c->lib_num)
        return cps_fail(CPS_ERR_STATE, "block %u is irreversible", c->head.block_num);
    uint32_t num = c->head.block_num;
    cps_buf raw = {0};
    int rc = rblock_read(c, num, &raw);
    if (rc) {
        cps_buf_free(&raw);
        return rc;
    }
    /* the file goes first: a crash between leaves a reversible block without bytes, which open
     * pops; the other order would bring the popped block back at open */
    rblock_remove(c, num);
    rc = cps_state_block_pop(c->st);
    if (rc) {
        int wrc = rblock_write(c, num, raw.data, raw.size);
        if (wrc) cps_log_error(MOD, "block %u: cannot restore its file: %s", num, cps_last_error());
        cps_buf_free(&raw);
        return rc;
    }
    rc = with_view(c, load_head, NULL);
    if (!rc) rc = reload_schedules(c);
    if (!rc && unapplied && count) rc = block_transactions(&raw, unapplied, count);
    cps_buf_free(&raw);
    return rc;
}

int cps_chain_controller_get_schedules(cps_chain_controller *c, cps_chain_schedules *out)
{
    return with_view(c, load_sched_fn, out);
}

int cps_chain_controller_scheduled_producer(cps_chain_controller *c, uint32_t slot,
                                            cps_name *name, cps_public_key *key)
{
    if (slot <= c->head.timestamp)
        return cps_fail(CPS_ERR_INVALID_ARG, "slot %u is not after the head's %u", slot,
                        c->head.timestamp);
    cps_chain_schedule_step step;
    cps_chain__schedule_step(&c->sched, c->head.final_num, c->head.timestamp, slot, &step);
    const cps_chain_schedule_producer *p = cps_chain__schedule_producer_at(step.active, slot);
    *name = p->name;
    if (key) {
        *key = p->keys[0].key;
        for (uint32_t i = 0; i < p->key_count; i++)
            if (p->keys[i].weight >= p->threshold) {
                *key = p->keys[i].key;
                break;
            }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Snapshots.
 * ------------------------------------------------------------------------------------------ */
#define SNAPSHOT_MAGIC "CPSCHSN1"

typedef struct snap_file {
    FILE *f;
    const char *path;
} snap_file;

static int snap_write(void *user, const void *data, size_t n)
{
    snap_file *s = user;
    if (n && fwrite(data, 1, n, s->f) != n)
        return cps_fail(CPS_ERR_IO, "cannot write %s: %s", s->path, strerror(errno));
    return 0;
}

static int snap_read(void *user, void *data, size_t n)
{
    snap_file *s = user;
    if (n && fread(data, 1, n, s->f) != n)
        return cps_fail(ferror(s->f) ? CPS_ERR_IO : CPS_ERR_FORMAT, "%s: %s", s->path,
                        ferror(s->f) ? strerror(errno) : "snapshot truncated");
    return 0;
}

int cps_chain_controller_write_snapshot(cps_chain_controller *c, const char *path)
{
    if (c->pending.active) return cps_fail(CPS_ERR_STATE, "a block is pending");
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp) return cps_fail(CPS_ERR_NOMEM, "snapshot path");
    snprintf(tmp, pl + 5, "%s.tmp", path);
    snap_file sf = {fopen(tmp, "wb"), tmp};
    if (!sf.f) {
        int rc = cps_fail(CPS_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    cps_state_view *v = NULL;
    int rc = snap_write(&sf, SNAPSHOT_MAGIC, 8);
    if (!rc) rc = snap_write(&sf, c->chain_id.b, 32);
    if (!rc) rc = cps_state_view_open(c->st, &v);
    if (!rc) rc = cps_state_snapshot_write(v, snap_write, &sf, NULL);
    if (v) cps_state_view_close(v);
    if (!rc && (fflush(sf.f) || fsync(fileno(sf.f))))
        rc = cps_fail(CPS_ERR_IO, "cannot sync %s: %s", tmp, strerror(errno));
    if (fclose(sf.f) && !rc) rc = cps_fail(CPS_ERR_IO, "cannot close %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path))
        rc = cps_fail(CPS_ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

static int load_head(cps_chain_controller *c, cps_state_view *v, void *arg);

/* Loads a snapshot into the empty state, then starts the block log after its head. */
static int open_snapshot(cps_chain_controller *c, const char *path)
{
    if (cps_state_head(c->st) != 0 || cps_chain_block_log_head_num(c->log) != 0)
        return cps_fail(CPS_ERR_INVALID_ARG, "a snapshot can only start an empty data directory "
                                             "(%s has a state or blocks)", c->dir);
    snap_file sf = {fopen(path, "rb"), path};
    if (!sf.f) return cps_fail(CPS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    char magic[8];
    cps_checksum256 id;
    int rc = snap_read(&sf, magic, 8);
    if (!rc && memcmp(magic, SNAPSHOT_MAGIC, 8))
        rc = cps_fail(CPS_ERR_FORMAT, "%s is not a CPS chain snapshot", path);
    if (!rc) rc = snap_read(&sf, id.b, 32);
    if (!rc) rc = cps_state_snapshot_load(c->st, snap_read, &sf, NULL);
    if (!rc) {
        /* nothing may follow the state */
        if (fgetc(sf.f) != EOF) rc = cps_fail(CPS_ERR_FORMAT, "%s: bytes after the state", path);
    }
    fclose(sf.f);
    if (rc) return cps_fail_prefix(rc, "snapshot %s", path);
    if ((rc = with_view(c, load_head, NULL))) return rc;
    c->chain_id = id;
    return cps_chain_block_log_reset_chain_id(c->log, &id, c->head.block_num + 1);
}

int cps_chain_controller_open(const cps_chain_controller_options *opt, cps_chain_controller **out)
{
    *out = NULL;
    if (!opt || !opt->data_dir) return cps_fail(CPS_ERR_INVALID_ARG, "no data directory");
    cps_chain_controller *c = calloc(1, sizeof *c);
    if (!c) return cps_fail(CPS_ERR_NOMEM, "controller");
    int rc;
    size_t dl = strlen(opt->data_dir);
    c->dir = malloc(dl + 16);
    char *path = malloc(dl + 16);
    if (!c->dir || !path) {
        free(path);
        rc = cps_fail(CPS_ERR_NOMEM, "controller");
        goto fail;
    }
    memcpy(c->dir, opt->data_dir, dl + 1);
    c->signature_threads = opt->signature_threads;
    c->rblock_no_sync = opt->block_log_no_sync;
    if ((rc = mkdir_p(c->dir))) goto fail_path;
    c->rdir = malloc(dl + 16);
    if (!c->rdir) {
        rc = cps_fail(CPS_ERR_NOMEM, "controller");
        goto fail_path;
    }
    snprintf(c->rdir, dl + 16, "%s/reversible", c->dir);
    if ((rc = mkdir_p(c->rdir))) goto fail_path;

    cps_state_options so = {0};
    so.map_size = opt->state_map_size;
    so.sync = opt->state_sync;
    snprintf(path, dl + 16, "%s/state", c->dir);
    if ((rc = cps_state_open(path, &so, &c->st))) goto fail_path;
    if ((rc = open_tables(c))) goto fail_path;
    cps_chain_block_log_options lo = {opt->block_log_no_sync ? CPS_CHAIN_BLOCK_LOG_SYNC_NONE
                                                             : CPS_CHAIN_BLOCK_LOG_SYNC_EACH};
    snprintf(path, dl + 16, "%s/blocks", c->dir);
    if ((rc = cps_chain_block_log_open(path, &lo, &c->log))) goto fail_path;
    free(path);
    path = NULL;

    if ((rc = cps_state_db_create(&c->db))) goto fail;
    if ((rc = cps_vm_cache_create(64, &c->vm_cache))) goto fail;
    cps_vm_limits_default(&c->vm_limits);
    c->vm_limits.max_memory_pages = 528; /* eosio's max_wasm_pages: 33 MiB */

    if (opt->snapshot && (rc = open_snapshot(c, opt->snapshot))) goto fail;
    bool from_snapshot = cps_chain_block_log_has_header(c->log) &&
                         cps_chain_block_log_first_block_num(c->log) > 1;
    if (from_snapshot) {
        /* the log carries the chain id; the genesis is not known (nor needed: the state is) */
        if ((rc = cps_chain_block_log_chain_id(c->log, &c->chain_id))) goto fail;
        if (opt->genesis) {
            cps_checksum256 want;
            if ((rc = cps_chain_genesis_chain_id(opt->genesis, &want))) goto fail;
            if (memcmp(want.b, c->chain_id.b, 32)) {
                rc = cps_fail(CPS_ERR_INVALID_ARG,
                              "the genesis given is for another chain than the block log's");
                goto fail;
            }
        }
        cps_chain_genesis_default(&c->genesis);
    } else if (cps_chain_block_log_has_header(c->log)) {
        if ((rc = cps_chain_block_log_genesis(c->log, &c->genesis))) goto fail;
        if (opt->genesis) {
            cps_checksum256 want;
            if ((rc = cps_chain_genesis_chain_id(opt->genesis, &want))) goto fail;
            if ((rc = cps_chain_genesis_chain_id(&c->genesis, &c->chain_id))) goto fail;
            if (memcmp(want.b, c->chain_id.b, 32)) {
                rc = cps_fail(CPS_ERR_INVALID_ARG,
                              "the genesis given is for another chain than the block log's");
                goto fail;
            }
        }
    } else if (opt->genesis) {
        c->genesis = *opt->genesis;
    } else {
        cps_chain_genesis_default(&c->genesis);
    }
    if (!from_snapshot && (rc = cps_chain_genesis_chain_id(&c->genesis, &c->chain_id))) goto fail;
    c->config = c->genesis.initial_configuration;

    if (cps_state_head(c->st) == 0 && from_snapshot) {
        rc = cps_fail(CPS_ERR_BLOCK, "the state is missing and the block log starts at block %u: "
                                     "open with the snapshot again",
                      cps_chain_block_log_first_block_num(c->log));
        goto fail;
    }
    if (cps_state_head(c->st) == 0) {
        if (cps_chain_block_log_head_num(c->log) >= 1) {
            /* State lost (or never committed after the log got block 1): rebuild it from
             * genesis, then replay the log. The block log must not get block 1 again, so
             * genesis is written to the state only. */
            cps_signed_block blk;
            cps_checksum256 id;
            if ((rc = genesis_block(c, &blk, &id))) goto fail;
            if ((rc = cps_state_block_begin(c->st, CPS_STATE_BLOCK_IRREVERSIBLE, NULL))) goto fail;
            rc = genesis_database(c, &blk.signed_header.header, &id);
            if (!rc) rc = cps_state_block_commit(c->st);
            else cps_state_block_abort(c->st);
            if (rc) goto fail;
        } else {
            if ((rc = initialize_chain(c))) goto fail;
        }
    }
    if ((rc = with_view(c, load_head, NULL))) goto fail;
    if (cps_state_head(c->st) != c->head.block_num) {
        rc = cps_fail(CPS_ERR_DB_CORRUPT, "state revision %llu is not its head block %u",
                      (unsigned long long)cps_state_head(c->st), c->head.block_num);
        goto fail;
    }
    if ((rc = reload_schedules(c))) goto fail;
    if ((rc = open_irreversible(c))) goto fail;
    if ((rc = replay_log(c))) goto fail;
    if ((rc = set_lib_fields(c, (uint32_t)cps_state_irreversible(c->st)))) goto fail;
    if ((rc = recover_reversible(c))) goto fail;
    *out = c;
    return 0;

fail_path:
    free(path);
fail:
    cps_chain_controller_close(c);
    return rc;
}

static void pending_reset(cps_chain_pending *p)
{
    for (size_t i = 0; i < p->trx_count; i++) cps_buf_free(&p->trxs[i].packed);
    free(p->trxs);
    free(p->new_features);
    free(p->action_digests);
    free(p->announced.producers);
    cps_buf_free(&p->raw_block);
    cps_buf_free(&p->qc_extension);
    memset(p, 0, sizeof *p);
}

void cps_chain_controller_close(cps_chain_controller *c)
{
    if (!c) return;
    if (c->pending.active) cps_chain_controller_abort_block(c, NULL, NULL);
    pending_reset(&c->pending);
    cps_chain__instances_clear(c);
    free(c->instances);
    free(c->key_cache);
    free(c->subjective);
    free(c->scheduled_features);
    cps_vm_cache_destroy(c->vm_cache);
    cps_state_db_destroy(c->db);
    cps_chain_block_log_close(c->log);
    cps_state_close(c->st);
    cps_chain_schedules_free(&c->sched);
    free(c->rdir);
    free(c->dir);
    free(c);
}

/* ------------------------------------------------------------------------------------------
 * Facts and reads.
 * ------------------------------------------------------------------------------------------ */
const cps_checksum256 *cps_chain_controller_chain_id(const cps_chain_controller *c)
{
    return &c->chain_id;
}
const cps_chain_config *cps_chain_controller_config(const cps_chain_controller *c)
{
    return &c->config;
}
uint32_t cps_chain_controller_head_num(const cps_chain_controller *c)
{
    return c->head.block_num;
}
void cps_chain_controller_head_id(const cps_chain_controller *c, cps_checksum256 *out)
{
    *out = c->head.id;
}
uint32_t cps_chain_controller_head_timestamp(const cps_chain_controller *c)
{
    return c->head.timestamp;
}
cps_state *cps_chain_controller_state(cps_chain_controller *c)
{
    return c->st;
}
cps_chain_block_log *cps_chain_controller_block_log(cps_chain_controller *c)
{
    return c->log;
}
bool cps_chain_controller_block_pending(const cps_chain_controller *c)
{
    return c->pending.active;
}

static int hash_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    (void)c;
    return cps_state_hash(v, (uint8_t *)arg);
}
int cps_chain_controller_state_hash(cps_chain_controller *c, uint8_t out[32])
{
    return with_view(c, hash_fn, out);
}

struct get_account_arg {
    cps_name name;
    cps_chain_account_info *info;
    cps_buf *abi;
};
static int get_account_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    struct get_account_arg *g = arg;
    cps_chain_account a;
    int rc = cps_chain__account_get(c, v, g->name, &a);
    if (rc) return rc;
    if (g->info) {
        cps_chain_account_info *i = g->info;
        i->name = a.name;
        i->creation_date_us = a.creation_date_us;
        i->privileged = a.privileged;
        i->code_hash = a.code_hash;
        i->code_sequence = a.code_sequence;
        i->abi_sequence = a.abi_sequence;
        i->recv_sequence = a.recv_sequence;
        i->auth_sequence = a.auth_sequence;
        i->last_auth_us = a.last_auth_us;
        i->abi_size = a.abi.size;
    }
    if (g->abi) {
        cps_buf_reset(g->abi);
        if (cps_write_bytes(g->abi, a.abi.data, a.abi.size)) return g->abi->failed;
    }
    return 0;
}
int cps_chain_controller_get_account(cps_chain_controller *c, cps_name name,
                                     cps_chain_account_info *out)
{
    struct get_account_arg g = {name, out, NULL};
    return with_view(c, get_account_fn, &g);
}
int cps_chain_controller_get_abi(cps_chain_controller *c, cps_name name, cps_buf *out)
{
    struct get_account_arg g = {name, NULL, out};
    return with_view(c, get_account_fn, &g);
}

struct get_perm_arg {
    cps_name owner, perm;
    cps_arena *a;
    cps_name *parent;
    cps_authority *auth;
    int64_t *last_used;
};
static int get_perm_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    struct get_perm_arg *g = arg;
    return cps_chain__perm_get(c, v, g->owner, g->perm, g->a, g->parent, g->auth, NULL,
                               g->last_used);
}
int cps_chain_controller_get_permission(cps_chain_controller *c, cps_name owner, cps_name perm,
                                        cps_arena *a, cps_name *parent, cps_authority *auth,
                                        int64_t *last_used_us)
{
    struct get_perm_arg g = {owner, perm, a, parent, auth, last_used_us};
    return with_view(c, get_perm_fn, &g);
}

struct get_link_arg {
    cps_name account, code, type;
    cps_name *required;
};
static int get_link_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    struct get_link_arg *g = arg;
    uint8_t key[24];
    cps_name k[3] = {g->account, g->code, g->type};
    cps_bytes val;
    key_names(key, k, 3);
    int rc = cps_state_get(v, c->t_link, key, 24, &val);
    if (rc == CPS_ERR_NOT_FOUND && g->type) {
        k[2] = 0;
        key_names(key, k, 3);
        rc = cps_state_get(v, c->t_link, key, 24, &val);
    }
    if (rc) return rc;
    if (val.size != 8) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.link record");
    *g->required = cps_load_u64(val.data);
    return 0;
}
int cps_chain_controller_get_link(cps_chain_controller *c, cps_name account, cps_name code,
                                  cps_name type, cps_name *required)
{
    struct get_link_arg g = {account, code, type, required};
    return with_view(c, get_link_fn, &g);
}

struct get_row_arg {
    cps_name code, scope, table;
    uint64_t primary;
    cps_buf *out;
};
static int get_row_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    (void)c;
    struct get_row_arg *g = arg;
    cps_state_table_info ti;
    int rc = cps_state_contract_table(v, g->code, g->scope, g->table, &ti);
    if (rc) return rc;
    cps_state_table t;
    rc = cps_state_table_find(c->st, "_c.i64", &t);
    if (rc) return rc;
    uint8_t key[16];
    cps_store_u64(key, 0);
    for (int i = 0; i < 8; i++) {
        key[i] = (uint8_t)(ti.id >> (56 - 8 * i));
        key[8 + i] = (uint8_t)(g->primary >> (56 - 8 * i));
    }
    cps_bytes val;
    rc = cps_state_get(v, t, key, 16, &val);
    if (rc) return rc;
    if (val.size < 8) return cps_fail(CPS_ERR_DB_CORRUPT, "contract row without payer");
    cps_buf_reset(g->out);
    return cps_write_bytes(g->out, val.data + 8, val.size - 8);
}
int cps_chain_controller_get_row(cps_chain_controller *c, cps_name code, cps_name scope,
                                 cps_name table, uint64_t primary, cps_buf *out)
{
    struct get_row_arg g = {code, scope, table, primary, out};
    return with_view(c, get_row_fn, &g);
}

struct get_res_arg {
    cps_name account;
    int64_t *ram_bytes, *ram_usage, *net_weight, *cpu_weight;
};
static int get_res_fn(cps_chain_controller *c, cps_state_view *v, void *arg)
{
    (void)v;
    struct get_res_arg *g = arg;
    return cps_chain__resource_get(c, g->account, g->ram_bytes, g->ram_usage, g->net_weight,
                                   g->cpu_weight);
}
int cps_chain_controller_get_resources(cps_chain_controller *c, cps_name account,
                                       int64_t *ram_bytes, int64_t *ram_usage,
                                       int64_t *net_weight, int64_t *cpu_weight)
{
    struct get_res_arg g = {account, ram_bytes, ram_usage, net_weight, cpu_weight};
    return with_view(c, get_res_fn, &g);
}

/* ------------------------------------------------------------------------------------------
 * Block phases.
 * ------------------------------------------------------------------------------------------ */

/* Removes the dedup entries of transactions expired before `now_sec` (they can no longer be
 * replayed: an expired transaction is rejected on its own). */
static int purge_expired(cps_chain_controller *c, uint32_t now_sec)
{
    for (;;) {
        cps_bytes k, v;
        int rc = cps_state_seek(cps_chain__view(c), c->t_expiry, CPS_STATE_FIRST, NULL, 0, &k, &v);
        if (rc == CPS_ERR_NOT_FOUND) return 0;
        if (rc) return rc;
        if (k.size != 36) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.expiry key");
        uint32_t exp = (uint32_t)k.data[0] << 24 | (uint32_t)k.data[1] << 16 |
                       (uint32_t)k.data[2] << 8 | k.data[3];
        if (exp >= now_sec) return 0;
        uint8_t key[36], id[32];
        memcpy(key, k.data, 36);
        memcpy(id, k.data + 4, 32);
        if ((rc = cps_state_remove(c->st, c->t_expiry, key, 36))) return rc;
        rc = cps_state_remove(c->st, c->t_dedup, id, 32);
        if (rc && rc != CPS_ERR_NOT_FOUND) return rc;
    }
}

static int update_producers_authority(cps_chain_controller *c,
                                      const cps_chain_producer_schedule *s);
static int start_block(cps_chain_controller *c, uint32_t timestamp, cps_name producer,
                       const cps_checksum256 *features, size_t feature_count, bool produced);

int cps_chain_controller_start_block(cps_chain_controller *c, uint32_t timestamp,
                                     cps_name producer)
{
    if (c->pending.active) return cps_fail(CPS_ERR_STATE, "a block is already pending");
    cps_checksum256 *features = NULL;
    size_t n = 0;
    int rc = cps_chain__features_for_next_block(c, &features, &n);
    if (!rc) rc = start_block(c, timestamp, producer, features, n, true);
    free(features);
    return rc;
}

/* Opens the pending block; `features` (borrowed) are activated first, as its header lists
 * them. */
static int start_block(cps_chain_controller *c, uint32_t timestamp, cps_name producer,
                       const cps_checksum256 *features, size_t feature_count, bool produced)
{
    if (c->pending.active) return cps_fail(CPS_ERR_STATE, "a block is already pending");
    if (timestamp <= c->head.timestamp)
        return cps_fail(CPS_ERR_BLOCK, "block timestamp %u is not after the head's %u", timestamp,
                        c->head.timestamp);
    /* the schedule this block is produced under (promotions at a round's first block) */
    cps_chain_schedule_step step;
    cps_chain__schedule_step(&c->sched, c->head.final_num, c->head.timestamp, timestamp, &step);
    const cps_chain_schedule_producer *sp = cps_chain__schedule_producer_at(step.active, timestamp);
    if (producer != sp->name) {
        char a[CPS_NAME_STR_MAX], b[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(producer, a);
        cps_abi_name_to_string(sp->name, b);
        return cps_fail(CPS_ERR_BLOCK, "producer %s is not scheduled for slot %u (%s is)", a,
                        timestamp, b);
    }
    /* Blocks from the log are irreversible; so is a block whose schedule has one producer (its
     * signature is 2/3+1 of one), and with it every block before it. */
    bool from_log = c->replaying && !c->replaying_reversible;
    bool irreversible = from_log || step.active->producer_count == 1;
    /* Without an undo log only on top of an irreversible head; otherwise commit_block makes the
     * earlier blocks irreversible first (not here: this block may still be refused). */
    bool no_undo = irreversible && c->lib_num == c->head.block_num;
    int rc = cps_state_block_begin(c->st, no_undo ? CPS_STATE_BLOCK_IRREVERSIBLE : 0, NULL);
    if (rc) return rc;
    pending_reset(&c->pending);
    c->pending.active = true;
    c->pending.timestamp = timestamp;
    c->pending.producer = producer;
    c->pending.block_num = c->head.block_num + 1;
    c->pending.signer = sp;
    c->pending.schedule_version = step.active->version;
    c->pending.irreversible = irreversible;
    c->pending.single_producer = step.active->producer_count == 1;
    if (step.activate || step.announce) {
        const cps_chain_schedules *s = &c->sched;
        uint32_t num = c->pending.block_num;
        if (step.announce) {
            rc = cps_chain__schedule_to_legacy(&s->proposed, &c->pending.announced);
            c->pending.announces = rc == 0;
        }
        /* either step empties the proposed slot (announce only happens with the pending slot
         * free: activate frees it at the same round start) */
        if (!rc)
            rc = cps_chain__schedules_store(c, step.active, step.announce ? &s->proposed : NULL,
                                            num, NULL, 0);
        if (!rc && step.activate) rc = update_producers_authority(c, step.active);
        if (!rc && step.activate)
            cps_log_info(MOD, "block %u: producer schedule version %u is active", num,
                         step.active->version);
        if (!rc && step.announce)
            cps_log_info(MOD, "block %u: producer schedule version %u is pending", num,
                         s->proposed.version);
        if (rc) {
            cps_state_block_abort(c->st);
            pending_reset(&c->pending);
            return rc;
        }
    }
    int64_t now_us = cps_block_timestamp_to_us(timestamp);
    if (feature_count) {
        c->pending.new_features = malloc(feature_count * sizeof *features);
        if (!c->pending.new_features) rc = cps_fail(CPS_ERR_NOMEM, "features");
        else memcpy(c->pending.new_features, features, feature_count * sizeof *features);
        c->pending.new_feature_count = feature_count;
    }
    if (!rc) rc = cps_chain__features_start_block(c, features, feature_count);
    if (!rc) rc = purge_expired(c, (uint32_t)(now_us / 1000000));
    if (rc) {
        cps_state_block_abort(c->st);
        pending_reset(&c->pending);
        return rc;
    }
    if (produced && feature_count) {
        /* the scheduled ones are in this block now */
        free(c->scheduled_features);
        c->scheduled_features = NULL;
        c->scheduled_feature_count = 0;
    }
    cps_chain__apply_onblock(c);
    return cps_chain__config_sync(c);
}

int cps_chain_controller_push_transaction(cps_chain_controller *c, const uint8_t *packed, size_t n,
                                          cps_chain_transaction_trace **trace)
{
    if (trace) *trace = NULL;
    if (!c->pending.active || c->pending.finalized)
        return cps_fail(CPS_ERR_STATE, "no block is open for transactions");
    int rc = cps_chain__push_transaction(c, packed, n, NULL, trace);
    int sr = cps_chain__config_sync(c); /* a failed transaction's configuration change is undone */
    return rc ? rc : sr;
}

int cps_chain_controller_get_scheduled_transactions(cps_chain_controller *c, cps_checksum256 *ids,
                                                    size_t cap, size_t *count)
{
    *count = 0;
    if (!c->pending.active || c->pending.finalized)
        return cps_fail(CPS_ERR_STATE, "no block is open for transactions");
    return cps_chain__gentrx_due(c, cps_block_timestamp_to_us(c->pending.timestamp), ids, cap,
                                 count);
}

int cps_chain_controller_push_scheduled_transaction(cps_chain_controller *c,
                                                    const cps_checksum256 *id,
                                                    cps_chain_transaction_trace **trace)
{
    if (trace) *trace = NULL;
    if (!c->pending.active || c->pending.finalized)
        return cps_fail(CPS_ERR_STATE, "no block is open for transactions");
    int rc = cps_chain__push_scheduled(c, id, NULL, trace);
    int sr = cps_chain__config_sync(c);
    return rc ? rc : sr;
}

int cps_chain_controller_get_account_limits(cps_chain_controller *c, cps_name account,
                                            cps_chain_account_resource_limit *net,
                                            cps_chain_account_resource_limit *cpu)
{
    return cps_chain__resource_account_limits(c, account, net, cpu);
}

int cps_chain_controller_get_virtual_limits(cps_chain_controller *c, uint64_t *net, uint64_t *cpu)
{
    return cps_chain__resource_virtual_limits(c, net, cpu);
}

/* transaction_receipt::digest: sha256(status, cpu_usage_us, varuint net_usage_words,
 * packed_digest of the packed transaction). */
static int receipt_digest(const cps_chain_pending_trx *t, cps_checksum256 *out)
{
    cps_arena a = {0};
    cps_packed_transaction p;
    int rc = 0;
    cps_checksum256 pd;
    if (t->is_id) {
        pd = t->id; /* a scheduled transaction's receipt: its id itself */
    } else {
        cps_reader r = cps_reader_make(t->packed.data, t->packed.size);
        rc = cps_abi_packed_transaction_unpack(&r, &a, &p);
        if (!rc) rc = cps_abi_packed_transaction_digest(&p, &pd);
    }
    if (!rc) {
        cps_buf b = {0};
        cps_write_u8(&b, t->status);
        cps_write_u32(&b, t->cpu_usage_us);
        cps_write_varuint32(&b, t->net_usage_words);
        cps_write_bytes(&b, pd.b, 32);
        rc = b.failed;
        if (!rc) cps_sha256(b.data, b.size, out->b);
        cps_buf_free(&b);
    }
    cps_abi_arena_free(&a);
    return rc;
}

/* Builds the block from the pending state: the header (roots, previous, schedule version) and
 * the next head state. The header is written to *h; receipts into blk (arena). */
static int build_block(cps_chain_controller *c, uint16_t confirmed, cps_arena *a,
                       cps_signed_block *blk, cps_chain_head *next, cps_checksum256 *sig_digest)
{
    cps_chain_pending *p = &c->pending;
    memset(blk, 0, sizeof *blk);
    cps_block_header *h = &blk->signed_header.header;
    cps_checksum256 *leaves = NULL;
    int rc = 0;
    if (p->trx_count) {
        leaves = calloc(p->trx_count, sizeof *leaves);
        blk->transactions = cps_abi_arena_alloc(a, p->trx_count * sizeof *blk->transactions);
        if (!leaves || !blk->transactions) {
            free(leaves);
            return cps_fail(CPS_ERR_NOMEM, "block receipts");
        }
    }
    for (size_t i = 0; i < p->trx_count && !rc; i++) {
        cps_transaction_receipt *tr = &blk->transactions[i];
        tr->status = p->trxs[i].status;
        tr->cpu_usage_us = p->trxs[i].cpu_usage_us;
        tr->net_usage_words = p->trxs[i].net_usage_words;
        tr->is_packed = !p->trxs[i].is_id;
        if (p->trxs[i].is_id) {
            tr->trx_id = p->trxs[i].id;
        } else {
            cps_reader r = cps_reader_make(p->trxs[i].packed.data, p->trxs[i].packed.size);
            rc = cps_abi_packed_transaction_unpack(&r, a, &tr->packed);
        }
        if (!rc) rc = receipt_digest(&p->trxs[i], &leaves[i]);
    }
    blk->transaction_count = (uint32_t)p->trx_count;
    if (!rc) rc = cps_abi_merkle_root(leaves, p->trx_count, &h->transaction_mroot);
    free(leaves);
    if (!rc) rc = cps_abi_merkle_root(p->action_digests, p->action_count, &h->action_mroot);
    if (rc) return rc;
    h->timestamp = p->timestamp;
    h->producer = p->producer;
    h->confirmed = confirmed;
    h->previous = c->head.id;
    h->schedule_version = p->schedule_version;
    if (p->announces) {
        h->has_new_producers = true;
        h->new_producers = p->announced;
    }
    /* header extensions in ascending id order: protocol_feature_activation (0), then CPS's QC
     * claim (finality.h: the certified parent's number) */
    cps_extension *hx = cps_abi_arena_alloc(a, 2 * sizeof *hx);
    if (!hx) return cps_fail(CPS_ERR_NOMEM, "header extensions");
    h->header_extensions = hx;
    if (p->new_feature_count) {
        /* protocol_feature_activation: vector<digest> */
        cps_buf fb = {0};
        cps_write_varuint32(&fb, (uint32_t)p->new_feature_count);
        for (size_t i = 0; i < p->new_feature_count; i++)
            cps_write_bytes(&fb, p->new_features[i].b, 32);
        uint8_t *d = fb.failed ? NULL : cps_abi_arena_dup(a, fb.data, fb.size);
        size_t dn = fb.size;
        cps_buf_free(&fb);
        if (!d) return cps_fail(CPS_ERR_NOMEM, "header extension");
        hx[h->header_extension_count++] = (cps_extension){0, {d, dn}};
    }
    if (p->parent_qc) {
        uint8_t *d = cps_abi_arena_alloc(a, 4);
        if (!d) return cps_fail(CPS_ERR_NOMEM, "header extension");
        cps_store_u32(d, c->head.block_num);
        hx[h->header_extension_count++] = (cps_extension){CPS_CHAIN_QC_CLAIM_EXTENSION_ID, {d, 4}};
    }

    *next = c->head;
    next->block_num = p->block_num;
    next->timestamp = p->timestamp;
    next->producer = p->producer;
    next->schedule_version = p->schedule_version;
    /* the chain's own finality proof (cps_chain_head): a claim on the parent completes the
     * grandparent's pair when the parent claimed its own parent in the next slot */
    next->claim_num = 0;
    if (p->parent_qc) {
        if (c->head.claim_num > next->final_num) next->final_num = c->head.claim_num;
        if (p->timestamp == c->head.timestamp + 1) next->claim_num = c->head.block_num;
    }
    if (p->single_producer) next->final_num = p->block_num;
    if (p->announces) {
        rc = cps_chain__legacy_schedule_hash(&p->announced, &next->schedule_hash);
        if (rc) return rc;
    }
    cps_chain__imerkle_append(&next->blockroot_merkle, &c->head.id);
    rc = cps_abi_block_id(h, &next->id);
    if (rc) return rc;

    /* block_header_state::sig_digest */
    cps_buf hb = {0};
    rc = cps_abi_block_header_pack(&hb, h);
    if (!rc) {
        uint8_t pair[64];
        cps_checksum256 bm;
        cps_sha256(hb.data, hb.size, pair);
        cps_chain__imerkle_root(&next->blockroot_merkle, &bm);
        memcpy(pair + 32, bm.b, 32);
        cps_sha256(pair, 64, pair);
        memcpy(pair + 32, next->schedule_hash.b, 32);
        cps_sha256(pair, 64, sig_digest->b);
    }
    cps_buf_free(&hb);
    return rc;
}

int cps_chain_controller_finalize_block(cps_chain_controller *c, const cps_private_key *key)
{
    cps_chain_pending *p = &c->pending;
    if (!p->active || p->finalized) return cps_fail(CPS_ERR_STATE, "no block to finalize");
    cps_public_key pub;
    int rc = cps_key_public(key, &pub);
    if (rc) return rc;
    if (!cps_chain__producer_key_signs(p->signer, &pub))
        return cps_fail(CPS_ERR_AUTH, "the signing key is not the scheduled producer's key");
    cps_arena a = {0};
    cps_signed_block blk;
    cps_checksum256 digest;
    rc = cps_chain__resource_process_block(c, p->block_num);
    if (!rc) rc = build_block(c, 0, &a, &blk, &p->next_head, &digest);
    cps_extension qc_ext = {CPS_CHAIN_QC_EXTENSION_ID,
                            {p->qc_extension.data, p->qc_extension.size}};
    if (!rc && p->qc_extension.size) {
        /* outside the header: the id and the signature do not cover it */
        blk.block_extensions = &qc_ext;
        blk.block_extension_count = 1;
    }
    if (!rc) rc = cps_sign(key, digest.b, &blk.signed_header.producer_signature);
    if (!rc) {
        cps_buf_reset(&p->raw_block);
        rc = cps_abi_signed_block_pack(&p->raw_block, &blk);
    }
    if (!rc) rc = put_head(c, &p->next_head, &blk.signed_header.header);
    cps_abi_arena_free(&a);
    if (!rc) p->finalized = true;
    return rc;
}

/* The head moved (commit or pop): the cached schedules follow the state. */
static int head_committed(cps_chain_controller *c, cps_buf *raw_block)
{
    cps_chain_pending *p = &c->pending;
    int rc = 0;
    c->head = p->next_head;
    if (raw_block) {
        cps_buf_reset(raw_block);
        rc = cps_write_bytes(raw_block, p->raw_block.data, p->raw_block.size);
    }
    bool irreversible = p->irreversible;
    pending_reset(p);
    int src = reload_schedules(c);
    if (!src && irreversible) {
        src = cps_state_set_irreversible(c->st, c->head.block_num); /* no-op without undo log */
        if (!src) src = set_lib_fields(c, c->head.block_num);
    }
    if (!src) src = sync_irreversible(c);
    return rc ? rc : src;
}

int cps_chain_controller_commit_block(cps_chain_controller *c, cps_buf *raw_block)
{
    cps_chain_pending *p = &c->pending;
    if (!p->active || !p->finalized) return cps_fail(CPS_ERR_STATE, "no finalized block to commit");
    int rc = 0;
    const bool from_log = c->replaying && !c->replaying_reversible;
    if (!p->irreversible) {
        /* A reversible block: its bytes are stored before the state commits it, so the state
         * never has a reversible block whose bytes are lost (open re-applies a stored block the
         * state did not commit). */
        if (!c->replaying_reversible)
            rc = rblock_write(c, p->block_num, p->raw_block.data, p->raw_block.size);
        if (!rc) {
            crash_point(CPS_CHAIN_CRASH_AFTER_RBLOCK);
            rc = cps_state_block_commit(c->st);
            if (rc && !c->replaying_reversible) rblock_remove(c, p->block_num);
        }
        if (rc) {
            cps_fail_prefix(rc, "block %u not committed", p->block_num);
            cps_state_block_abort(c->st);
            pending_reset(p);
            sync_irreversible(c);
            return rc;
        }
        return head_committed(c, raw_block);
    }
    /* An irreversible block: the blocks before it first (a schedule of one producer after one
     * of several), then the block log, then the state: a crash in between leaves the log one
     * block ahead, and open replays that block from the log (replay_log). The other order would
     * leave the state ahead of the log, with the block's bytes lost with the process. */
    if (!from_log && c->lib_num < c->head.block_num)
        rc = cps_chain_controller_set_lib(c, c->head.block_num);
    bool logged = false;
    if (!rc && !from_log) {
        crash_point(CPS_CHAIN_CRASH_BEFORE_LOG);
        rc = cps_chain_block_log_append(c->log, p->raw_block.data, p->raw_block.size, NULL);
        if (rc) cps_fail_prefix(rc, "block %u not committed: block log append", p->block_num);
        else logged = true;
        if (!rc) crash_point(CPS_CHAIN_CRASH_AFTER_LOG);
    }
    if (rc) {
        cps_state_block_abort(c->st);
        pending_reset(p);
        sync_irreversible(c);
        return rc;
    }
    rc = cps_state_block_commit(c->st);
    if (rc) {
        /* The state refused the block (disk or map full) after the log took it: bring the state
         * up to the log by replaying it, so head and log agree again, or report both errors. */
        cps_state_block_abort(c->st);
        pending_reset(p);
        sync_irreversible(c);
        if (!logged) return rc;
        char first[256];
        snprintf(first, sizeof first, "%s", cps_last_error());
        int rrc = replay_log(c);
        if (!rrc) rrc = set_lib_fields(c, (uint32_t)cps_state_irreversible(c->st));
        if (rrc) return cps_fail_prefix(rrc, "block %u logged but the state commit failed (%s); "
                                             "replaying it from the log",
                                        cps_chain_block_log_head_num(c->log), first);
        return 0;
    }
    crash_point(CPS_CHAIN_CRASH_AFTER_STATE);
    return head_committed(c, raw_block);
}

void cps_chain_controller_abort_block(cps_chain_controller *c, cps_buf **unapplied, size_t *count)
{
    cps_chain_pending *p = &c->pending;
    if (unapplied) *unapplied = NULL;
    if (count) *count = 0;
    if (!p->active) return;
    cps_state_block_abort(c->st);
    if (unapplied && count && p->trx_count) {
        cps_buf *list = calloc(p->trx_count, sizeof *list);
        if (list) {
            size_t k = 0;
            for (size_t i = 0; i < p->trx_count; i++) {
                if (p->trxs[i].is_id) continue; /* scheduled: still in the state, due again */
                list[k++] = p->trxs[i].packed;  /* hand the storage over */
                memset(&p->trxs[i].packed, 0, sizeof p->trxs[i].packed);
            }
            *unapplied = list;
            *count = k;
        }
    }
    pending_reset(p);
    if (cps_chain__config_sync(c))
        cps_log_error(MOD, "after abort: cannot reload the chain config: %s", cps_last_error());
    if (sync_irreversible(c))
        cps_log_error(MOD, "after abort: LIB %u not recorded in the state: %s", c->lib_num,
                      cps_last_error());
}

/* controller::update_producers_authority: when a schedule becomes active, eosio.prods@active,
 * @prod.major and @prod.minor require 2/3+1, 1/2+1 and 1/3+1 of its producers' active
 * permissions (weight 1 each, sorted by name as an authority must be). */
static int name_cmp(const void *a, const void *b)
{
    cps_name x = ((const cps_permission_level_weight *)a)->permission.actor;
    cps_name y = ((const cps_permission_level_weight *)b)->permission.actor;
    return x < y ? -1 : x > y;
}

static int update_producers_authority(cps_chain_controller *c,
                                      const cps_chain_producer_schedule *s)
{
    static const struct {
        const char *perm;
        uint32_t num, den;
    } rule[] = {{"active", 2, 3}, {"prod.major", 1, 2}, {"prod.minor", 1, 3}};
    const uint32_t n = s->producer_count;
    cps_permission_level_weight *acc = calloc(n ? n : 1, sizeof *acc);
    if (!acc) return cps_fail(CPS_ERR_NOMEM, "eosio.prods authority");
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool dup = false;
        for (uint32_t j = 0; j < k; j++) dup |= acc[j].permission.actor == s->producers[i].name;
        if (dup) continue;
        acc[k].permission.actor = s->producers[i].name;
        acc[k].permission.permission = cps_abi_name("active");
        acc[k++].weight = 1;
    }
    qsort(acc, k, sizeof *acc, name_cmp);
    const cps_name prods = cps_abi_name("eosio.prods");
    int rc = 0;
    for (size_t i = 0; i < sizeof rule / sizeof rule[0] && !rc; i++) {
        cps_arena a = {0};
        cps_name parent;
        cps_authority old;
        int64_t updated, used;
        rc = cps_chain__perm_get(c, cps_chain__view(c), prods, cps_abi_name(rule[i].perm), &a,
                                 &parent, &old, &updated, &used);
        cps_authority auth = {k * rule[i].num / rule[i].den + 1, NULL, 0, acc, k, NULL, 0};
        if (!rc) rc = cps_chain__perm_put(c, prods, cps_abi_name(rule[i].perm), parent, &auth,
                                          updated, used);
        cps_abi_arena_free(&a);
    }
    free(acc);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Finality's block extension (finality.h): a block may carry a QC on its parent, the head it is
 * built on; it is checked against the head's schedule before the block is applied.
 * ------------------------------------------------------------------------------------------ */
int cps_chain_schedule_signing_keys(const cps_chain_producer_schedule *s, cps_producer_key **out)
{
    *out = NULL;
    if (!s->producer_count) return cps_fail(CPS_ERR_INVALID_ARG, "empty producer schedule");
    cps_producer_key *k = calloc(s->producer_count, sizeof *k);
    if (!k) return cps_fail(CPS_ERR_NOMEM, "schedule keys");
    for (uint32_t i = 0; i < s->producer_count; i++) {
        const cps_chain_schedule_producer *p = &s->producers[i];
        k[i].producer_name = p->name;
        /* a vote is one signature: the first key that reaches the threshold alone (else the
         * first key, whose votes then never verify: such a producer cannot vote) */
        bool found = false;
        for (uint32_t j = 0; j < p->key_count && !found; j++)
            if (p->keys[j].weight >= p->threshold) {
                k[i].block_signing_key = p->keys[j].key;
                found = true;
            }
        if (!found && p->key_count) k[i].block_signing_key = p->keys[0].key;
    }
    *out = k;
    return 0;
}

/* A QC extension payload for a child of the head: decodes (untrusted bytes), targets the head
 * and verifies 2/3+1 signatures of the head's schedule. CPS_ERR_BLOCK with the reason. */
static int check_qc_extension(cps_chain_controller *c, const uint8_t *data, size_t n)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc qc;
    cps_producer_key *keys = NULL, *pkeys = NULL;
    int rc = cps_chain_qc_decode(data, n, &a, &qc);
    if (rc) rc = cps_fail_prefix(CPS_ERR_BLOCK, "QC extension");
    if (!rc && memcmp(qc.block_id.b, c->head.id.b, 32))
        rc = cps_fail(CPS_ERR_BLOCK, "QC extension certifies another block than the parent %u",
                      c->head.block_num);
    if (!rc && qc.schedule_version != c->sched.active.version)
        rc = cps_fail(CPS_ERR_BLOCK, "QC extension for schedule %u, the parent's is %u",
                      qc.schedule_version, c->sched.active.version);
    if (!rc) rc = cps_chain_schedule_signing_keys(&c->sched.active, &keys);
    /* while a schedule is pending, the QC is joint: a quorum of each (docs/finality.md) */
    if (!rc && c->sched.has_pending) rc = cps_chain_schedule_signing_keys(&c->sched.pending, &pkeys);
    if (!rc) {
        cps_chain_finality_schedule fs = {c->sched.active.version, keys,
                                          c->sched.active.producer_count};
        cps_chain_finality_schedule ps = {c->sched.pending.version, pkeys,
                                          c->sched.pending.producer_count};
        rc = cps_chain_qc_verify_joint(&c->chain_id, &fs, c->sched.has_pending ? &ps : NULL, &qc);
        if (rc) rc = cps_fail_prefix(CPS_ERR_BLOCK, "QC extension");
    }
    free(keys);
    free(pkeys);
    cps_abi_arena_free(&a);
    return rc;
}

int cps_chain_controller_set_qc_extension(cps_chain_controller *c, const uint8_t *data, size_t n)
{
    cps_chain_pending *p = &c->pending;
    if (!p->active || p->finalized) return cps_fail(CPS_ERR_STATE, "no block being built");
    int rc = check_qc_extension(c, data, n);
    if (rc) return rc;
    cps_buf_reset(&p->qc_extension);
    rc = cps_write_bytes(&p->qc_extension, data, n);
    if (!rc) p->parent_qc = true;
    return rc;
}

void cps_chain_controller_head_sig_roots(const cps_chain_controller *c,
                                         cps_checksum256 *blockroot_merkle_root,
                                         cps_checksum256 *schedule_hash)
{
    cps_chain__imerkle_root(&c->head.blockroot_merkle, blockroot_merkle_root);
    *schedule_hash = c->head.schedule_hash;
}

void cps_chain_controller_child_sig_roots(const cps_chain_controller *c,
                                          cps_checksum256 *blockroot_merkle_root,
                                          cps_checksum256 *schedule_hash)
{
    cps_chain_incremental_merkle m = c->head.blockroot_merkle;
    cps_chain__imerkle_append(&m, &c->head.id);
    cps_chain__imerkle_root(&m, blockroot_merkle_root);
    *schedule_hash = c->head.schedule_hash;
}

/* ------------------------------------------------------------------------------------------
 * Blocks from elsewhere.
 * ------------------------------------------------------------------------------------------ */
static int check_block(cps_chain_controller *c, const uint8_t *raw, size_t n, cps_arena *a,
                       cps_signed_block *blk)
{
    int rc = cps_abi_signed_block_decode(raw, n, a, blk);
    if (rc) return cps_fail_prefix(CPS_ERR_BLOCK, "block");
    const cps_block_header *h = &blk->signed_header.header;
    uint32_t num = cps_abi_block_header_num(h);
    if (num != c->head.block_num + 1 || memcmp(h->previous.b, c->head.id.b, 32))
        return cps_fail(CPS_ERR_BLOCK, "block %u does not link to the head (block %u)", num,
                        c->head.block_num);
    /* schedule_version and new_producers are checked against the rebuilt header (which also
     * rebuilds the header extensions: protocol_feature_activation, then the QC claim) */
    bool ext_ok = blk->block_extension_count <= 1 && h->header_extension_count <= 2 &&
                  (blk->block_extension_count == 0 ||
                   blk->block_extensions[0].type == CPS_CHAIN_QC_EXTENSION_ID);
    const cps_extension *claim = NULL;
    for (uint32_t i = 0; ext_ok && i < h->header_extension_count; i++) {
        const cps_extension *x = &h->header_extensions[i];
        if (x->type == 0 && i == 0) continue;
        if (x->type == CPS_CHAIN_QC_CLAIM_EXTENSION_ID && i == h->header_extension_count - 1)
            claim = x;
        else ext_ok = false;
    }
    if (!ext_ok)
        return cps_fail(CPS_ERR_BLOCK, "block %u: extensions other than "
                                       "protocol_feature_activation, a QC claim and one QC are not "
                                       "supported",
                        num);
    if ((claim != NULL) != (blk->block_extension_count == 1) ||
        (claim && (claim->data.size != 4 || cps_load_u32(claim->data.data) != c->head.block_num)))
        return cps_fail(CPS_ERR_BLOCK, "block %u: its header's QC claim and its QC extension "
                                       "disagree (a QC on the parent %u is claimed exactly when "
                                       "carried)",
                        num, c->head.block_num);
    if (blk->block_extension_count == 1) {
        const cps_bytes *x = &blk->block_extensions[0].data;
        int rc = check_qc_extension(c, x->data, x->size);
        if (rc) return cps_fail_prefix(CPS_ERR_BLOCK, "block %u", num);
    }
    for (uint32_t i = 0; i < blk->transaction_count; i++) {
        const cps_transaction_receipt *tr = &blk->transactions[i];
        /* input transactions execute or get delayed; scheduled ones (by id) never get delayed */
        bool ok = tr->is_packed ? tr->status == CPS_TRX_EXECUTED || tr->status == CPS_TRX_DELAYED
                                : tr->status != CPS_TRX_DELAYED && tr->status <= CPS_TRX_EXPIRED;
        if (!ok)
            return cps_fail(CPS_ERR_BLOCK, "block %u, receipt %u: status %u is not valid for %s",
                            num, i, tr->status,
                            tr->is_packed ? "an input transaction" : "a scheduled transaction");
    }
    return 0;
}

int cps_chain_controller_push_block(cps_chain_controller *c, const uint8_t *raw, size_t n)
{
    if (c->pending.active) return cps_fail(CPS_ERR_STATE, "a block is pending");
    cps_arena a = {0};
    cps_signed_block blk;
    int rc = check_block(c, raw, n, &a, &blk);
    const cps_block_header *h = &blk.signed_header.header;
    cps_checksum256 *features = NULL;
    size_t feature_count = 0;
    if (!rc && h->header_extension_count >= 1 && h->header_extensions[0].type == 0) {
        /* protocol_feature_activation {vector<digest_type>} */
        const cps_bytes *x = &h->header_extensions[0].data;
        cps_reader r = cps_reader_make(x->data, x->size);
        uint32_t fn = 0;
        rc = cps_read_varuint32(&r, &fn);
        if (!rc && (fn == 0 || fn > x->size / 32))
            rc = cps_fail(CPS_ERR_BLOCK, "protocol_feature_activation lists %u features in %zu "
                                         "bytes", fn, x->size);
        if (!rc) {
            features = calloc(fn, sizeof *features);
            if (!features) rc = cps_fail(CPS_ERR_NOMEM, "features");
        }
        for (uint32_t i = 0; !rc && i < fn; i++) rc = cps_read_bytes(&r, features[i].b, 32);
        if (!rc) rc = cps_read_end(&r);
        if (rc) rc = cps_fail_prefix(CPS_ERR_BLOCK, "block header extension");
        feature_count = fn;
    }
    if (!rc) rc = start_block(c, h->timestamp, h->producer, features, feature_count, false);
    if (!rc) c->pending.parent_qc = blk.block_extension_count == 1;
    free(features);
    if (!rc && h->schedule_version != c->pending.schedule_version) {
        rc = cps_fail(CPS_ERR_BLOCK, "block %u: schedule version %u, expected %u",
                      c->pending.block_num, h->schedule_version, c->pending.schedule_version);
        cps_chain_controller_abort_block(c, NULL, NULL);
    }
    if (rc) {
        cps_abi_arena_free(&a);
        return rc;
    }
    /* signatures recovered ahead on helper threads; the transactions still apply in order */
    cps_chain_block_keys *bkeys = cps_chain__block_keys_recover(c, &blk);
    for (uint32_t i = 0; i < blk.transaction_count && !rc; i++) {
        const cps_transaction_receipt *tr = &blk.transactions[i];
        cps_buf pb = {0};
        if (!tr->is_packed) {
            rc = cps_chain__push_scheduled(c, &tr->trx_id, tr, NULL);
        } else {
            const cps_public_key *keys = cps_chain__block_keys_get(bkeys, i);
            rc = cps_abi_packed_transaction_pack(&pb, &tr->packed);
            if (!rc && keys) rc = cps_chain__push_transaction_keys(c, pb.data, pb.size, tr, keys);
            else if (!rc) rc = cps_chain__push_transaction(c, pb.data, pb.size, tr, NULL);
        }
        if (!rc) rc = cps_chain__config_sync(c);
        if (rc) cps_fail_prefix(CPS_ERR_BLOCK, "block %u, transaction %u", c->pending.block_num, i);
        cps_buf_free(&pb);
    }
    cps_chain__block_keys_free(bkeys);
    cps_arena mine = {0};
    cps_signed_block built;
    cps_checksum256 digest;
    cps_chain_head next;
    if (!rc) rc = cps_chain__resource_process_block(c, c->pending.block_num);
    if (!rc) rc = build_block(c, h->confirmed, &mine, &built, &next, &digest);
    if (!rc) {
        const cps_block_header *bh = &built.signed_header.header;
        if (memcmp(bh->transaction_mroot.b, h->transaction_mroot.b, 32))
            rc = cps_fail(CPS_ERR_BLOCK, "block %u: transaction_mroot mismatch", next.block_num);
        else if (memcmp(bh->action_mroot.b, h->action_mroot.b, 32))
            rc = cps_fail(CPS_ERR_BLOCK, "block %u: action_mroot mismatch", next.block_num);
    }
    if (!rc) {
        /* The rebuilt header equals the received one field by field, so their ids agree. */
        cps_buf x = {0}, y = {0};
        rc = cps_abi_block_header_pack(&x, &built.signed_header.header);
        if (!rc) rc = cps_abi_block_header_pack(&y, h);
        if (!rc && (x.size != y.size || memcmp(x.data, y.data, x.size)))
            rc = cps_fail(CPS_ERR_BLOCK, "block %u: header differs from the one rebuilt",
                          next.block_num);
        cps_buf_free(&x);
        cps_buf_free(&y);
    }
    if (!rc) {
        cps_public_key signer;
        rc = cps_recover(&blk.signed_header.producer_signature, digest.b, &signer);
        if (rc || !cps_chain__producer_key_signs(c->pending.signer, &signer))
            rc = cps_fail(CPS_ERR_BLOCK, "block %u: not signed by the scheduled producer's key",
                          next.block_num);
    }
    if (!rc) {
        cps_chain_pending *p = &c->pending;
        p->next_head = next;
        cps_buf_reset(&p->raw_block);
        rc = cps_write_bytes(&p->raw_block, raw, n);
        if (!rc) rc = put_head(c, &next, h);
        if (!rc) p->finalized = true;
    }
    cps_abi_arena_free(&mine);
    cps_abi_arena_free(&a);
    if (!rc) rc = cps_chain_controller_commit_block(c, NULL);
    else cps_chain_controller_abort_block(c, NULL, NULL);
    return rc;
}
