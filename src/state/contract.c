/* state contract tables: EOSIO's table_id / key_value / secondary index objects over LMDB with the
 * db_*_i64 and db_idx* intrinsic semantics — iterator caches, RAM billing order, table lifetime —
 * and the order-preserving encodings of secondary keys. */
#include "state/state_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const size_t index_key_size[CPS_STATE_INDEX_COUNT] = {8, 16, 32, 8, 16};
static const int64_t index_billable[CPS_STATE_INDEX_COUNT] = {
    CPS_STATE_BILLABLE_IDX64,      CPS_STATE_BILLABLE_IDX128,          CPS_STATE_BILLABLE_IDX256,
    CPS_STATE_BILLABLE_IDX_DOUBLE, CPS_STATE_BILLABLE_IDX_LONG_DOUBLE,
};

#define MAX_SEC 32
#define ROW_KEY 16                 /* t_id | primary */
#define SEC_KEY_MAX (16 + MAX_SEC) /* t_id | ordered secondary | primary */
#define TAB_KEY 24
#define TAB_VAL 20
#define MAX_ITERATORS (1 << 30)

size_t cps_state_index_key_size(enum cps_state_index kind)
{
    return (unsigned)kind < CPS_STATE_INDEX_COUNT ? index_key_size[kind] : 0;
}

int64_t cps_state_index_billable_size(enum cps_state_index kind)
{
    return (unsigned)kind < CPS_STATE_INDEX_COUNT ? index_billable[kind] : 0;
}

/* ---- secondary key encodings --------------------------------------------------------------------
 */

static bool key_is_nan(enum cps_state_index kind, const uint8_t *raw)
{
    if (kind == CPS_STATE_IDX_DOUBLE) {
        uint64_t u = cps_load_u64(raw);
        return ((u >> 52) & 0x7ff) == 0x7ff && (u & ((UINT64_C(1) << 52) - 1)) != 0;
    }
    if (kind == CPS_STATE_IDX_LONG_DOUBLE) {
        uint64_t lo = cps_load_u64(raw), hi = cps_load_u64(raw + 8);
        return ((hi >> 48) & 0x7fff) == 0x7fff && ((hi & ((UINT64_C(1) << 48) - 1)) | lo) != 0;
    }
    return false;
}

/* uint128 little-endian in memory -> 16 bytes whose memcmp order is the numeric order. */
static void encode_u128(const uint8_t *raw, uint8_t *out)
{
    be64_store(out, cps_load_u64(raw + 8));
    be64_store(out + 8, cps_load_u64(raw));
}

static void encode_key(enum cps_state_index kind, const uint8_t *raw, uint8_t *out)
{
    const uint64_t sign = UINT64_C(1) << 63;
    switch (kind) {
    case CPS_STATE_IDX64:
        be64_store(out, cps_load_u64(raw));
        break;
    case CPS_STATE_IDX128:
        encode_u128(raw, out);
        break;
    case CPS_STATE_IDX256:
        /* std::array<uint128_t,2> compares word 0 first, then word 1. */
        encode_u128(raw, out);
        encode_u128(raw + 16, out + 16);
        break;
    case CPS_STATE_IDX_DOUBLE: {
        uint64_t u = cps_load_u64(raw);
        if ((u << 1) == 0) u = 0; /* f64_lt treats -0 and +0 as equal */
        u = (u & sign) ? ~u : (u | sign);
        be64_store(out, u);
        break;
    }
    case CPS_STATE_IDX_LONG_DOUBLE: {
        uint64_t lo = cps_load_u64(raw), hi = cps_load_u64(raw + 8);
        if ((hi << 1) == 0 && lo == 0) hi = 0;
        if (hi & sign) {
            hi = ~hi;
            lo = ~lo;
        } else {
            hi |= sign;
        }
        be64_store(out, hi);
        be64_store(out + 8, lo);
        break;
    }
    }
}

int cps_state_index_encode(enum cps_state_index kind, const void *secondary, uint8_t *out)
{
    if ((unsigned)kind >= CPS_STATE_INDEX_COUNT || !secondary || !out)
        return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_index_encode: bad kind or NULL");
    if (key_is_nan(kind, secondary))
        return cps_fail(CPS_ERR_INVALID_ARG, "NaN is not an allowed value for a secondary key");
    encode_key(kind, secondary, out);
    return 0;
}

/* ---- EOSIO's iterator cache
 * ---------------------------------------------------------------------- Iterators >= 0 index rows
 * this action reached (each row once, found again by identity), end iterators -(i + 2) index the
 * tables it reached, -1 means "no table". A row's identity is (table id, primary key): primary keys
 * are unique per table in every index, and an update keeps the identity (EOSIO keeps the same
 * object). */

struct ikey {
    uint64_t a, b, hash;
};
struct itab {
    struct ikey k; /* a = t_id */
    uint64_t code, scope, table;
};
struct iobj {
    struct ikey k; /* a = t_id, b = primary key */
    bool live;
};
/* Open-addressing map from an ikey to an index in an array (slots hold index + 1; 0 is empty). */
struct imap {
    uint32_t *slots;
    uint32_t cap, count;
};
struct icache {
    struct itab *tabs;
    struct iobj *objs;
    uint32_t ntabs, tabs_cap, nobjs, objs_cap;
    struct imap tmap, omap;
};

static uint64_t ikey_hash(uint64_t a, uint64_t b)
{
    uint8_t buf[16];
    cps_store_u64(buf, a);
    cps_store_u64(buf + 8, b);
    return cps_state__hash(buf, sizeof buf);
}

#define IKEY_AT(base, stride, i)                                                                   \
    ((const struct ikey *)((const char *)(base) + (size_t)(i) * (stride)))

static uint32_t *imap_slot(const struct imap *m, const void *base, size_t stride, uint64_t a,
                           uint64_t b, uint64_t h)
{
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t s = m->slots[i];
        if (!s) return &m->slots[i];
        const struct ikey *k = IKEY_AT(base, stride, s - 1);
        if (k->hash == h && k->a == a && k->b == b) return &m->slots[i];
    }
}

static int imap_reserve(struct imap *m, const void *base, size_t stride)
{
    if ((m->count + 1) * 2 <= m->cap) return 0;
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return cps_fail(CPS_ERR_NOMEM, "iterator map");
    for (uint32_t i = 0; i < m->cap; i++) {
        uint32_t s = m->slots[i];
        if (!s) continue;
        uint32_t j = (uint32_t)IKEY_AT(base, stride, s - 1)->hash & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

static void imap_remove(struct imap *m, const void *base, size_t stride, uint32_t *slot)
{
    uint32_t mask = m->cap - 1, i = (uint32_t)(slot - m->slots);
    for (uint32_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        uint32_t s = m->slots[j];
        if (!s) break;
        uint32_t home = (uint32_t)IKEY_AT(base, stride, s - 1)->hash & mask;
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            m->slots[i] = s;
            i = j;
        }
    }
    m->slots[i] = 0;
    m->count--;
}

static void imap_clear(struct imap *m)
{
    if (m->count) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

static void icache_reset(struct icache *c)
{
    c->ntabs = c->nobjs = 0;
    imap_clear(&c->tmap);
    imap_clear(&c->omap);
}

static void icache_free(struct icache *c)
{
    free(c->tabs);
    free(c->objs);
    free(c->tmap.slots);
    free(c->omap.slots);
}

static struct itab *icache_table(struct icache *c, uint64_t t_id)
{
    if (!c->tmap.cap) return NULL;
    uint32_t s = *imap_slot(&c->tmap, c->tabs, sizeof *c->tabs, t_id, 0, ikey_hash(t_id, 0));
    return s ? &c->tabs[s - 1] : NULL;
}

/* EOSIO cache_table: the table's end iterator, allocating one on first sight. */
static int icache_cache_table(struct icache *c, uint64_t t_id, uint64_t code, uint64_t scope,
                              uint64_t table, int *end)
{
    int err = imap_reserve(&c->tmap, c->tabs, sizeof *c->tabs);
    if (err) return err;
    uint64_t h = ikey_hash(t_id, 0);
    uint32_t *slot = imap_slot(&c->tmap, c->tabs, sizeof *c->tabs, t_id, 0, h);
    if (*slot) {
        *end = -(int)(*slot - 1) - 2;
        return 0;
    }
    if (c->ntabs >= MAX_ITERATORS) return cps_fail(CPS_ERR_LIMIT, "too many tables in one action");
    if (c->ntabs == c->tabs_cap) {
        uint32_t cap = c->tabs_cap ? c->tabs_cap * 2 : 8;
        struct itab *t = realloc(c->tabs, cap * sizeof *t);
        if (!t) return cps_fail(CPS_ERR_NOMEM, "iterator tables");
        c->tabs = t;
        c->tabs_cap = cap;
    }
    c->tabs[c->ntabs] = (struct itab){{t_id, 0, h}, code, scope, table};
    *slot = ++c->ntabs;
    c->tmap.count++;
    *end = -(int)(c->ntabs - 1) - 2;
    return 0;
}

/* EOSIO add: the row's iterator, allocating one on first sight. */
static int icache_add(struct icache *c, uint64_t t_id, uint64_t pk, int *itr)
{
    int err = imap_reserve(&c->omap, c->objs, sizeof *c->objs);
    if (err) return err;
    uint64_t h = ikey_hash(t_id, pk);
    uint32_t *slot = imap_slot(&c->omap, c->objs, sizeof *c->objs, t_id, pk, h);
    if (*slot) {
        *itr = (int)(*slot - 1);
        return 0;
    }
    if (c->nobjs >= MAX_ITERATORS)
        return cps_fail(CPS_ERR_LIMIT, "too many iterators in one action");
    if (c->nobjs == c->objs_cap) {
        uint32_t cap = c->objs_cap ? c->objs_cap * 2 : 32;
        struct iobj *o = realloc(c->objs, cap * sizeof *o);
        if (!o) return cps_fail(CPS_ERR_NOMEM, "iterators");
        c->objs = o;
        c->objs_cap = cap;
    }
    c->objs[c->nobjs] = (struct iobj){{t_id, pk, h}, true};
    *slot = ++c->nobjs;
    c->omap.count++;
    *itr = (int)(c->nobjs - 1);
    return 0;
}

/* ---- the per-action context
 * ---------------------------------------------------------------------- */

struct cps_state_db {
    cps_state_view *view;
    uint64_t receiver;
    cps_state_ram_fn ram;
    void *ram_user;
    enum cps_state_db_fault fault;
    struct icache ic[1 + CPS_STATE_INDEX_COUNT]; /* [0] primary rows, [1 + kind] secondary */
    cps_buf scratch;
};

int cps_state_db_create(cps_state_db **out)
{
    if (!out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_db_create: NULL");
    (void)cps_state__hash_key();
    *out = calloc(1, sizeof **out);
    return *out ? 0 : cps_fail(CPS_ERR_NOMEM, "contract db context");
}

void cps_state_db_destroy(cps_state_db *db)
{
    if (!db) return;
    for (int i = 0; i < 1 + CPS_STATE_INDEX_COUNT; i++)
        icache_free(&db->ic[i]);
    cps_buf_free(&db->scratch);
    free(db);
}

void cps_state_db_reset(cps_state_db *db, cps_state_view *view, uint64_t receiver,
                        cps_state_ram_fn ram, void *ram_user)
{
    db->view = view;
    db->receiver = receiver;
    db->ram = ram;
    db->ram_user = ram_user;
    db->fault = CPS_STATE_FAULT_NONE;
    for (int i = 0; i < 1 + CPS_STATE_INDEX_COUNT; i++)
        icache_reset(&db->ic[i]);
}

enum cps_state_db_fault cps_state_db_fault(const cps_state_db *db)
{
    return db->fault;
}

static int fault(cps_state_db *db, enum cps_state_db_fault f, int code, const char *fmt, ...)
    CPS_PRINTF(4, 5);
static int fault(cps_state_db *db, enum cps_state_db_fault f, int code, const char *fmt, ...)
{
    db->fault = f;
    va_list ap;
    va_start(ap, fmt);
    cps_vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

/* Starts a call: clears the last fault and checks the context is bound. */
static int begin_call(cps_state_db *db)
{
    db->fault = CPS_STATE_FAULT_NONE;
    if (!db->view || !db->view->txn)
        return cps_fail(CPS_ERR_STATE, "contract db context is not bound to an open view");
    return 0;
}

static int begin_write(cps_state_db *db)
{
    int err = begin_call(db);
    if (err) return err;
    if (!db->view->writable)
        return fault(db, CPS_STATE_FAULT_READ_ONLY, CPS_ERR_STATE,
                     "contract table write through a read-only view");
    return 0;
}

static int charge(cps_state_db *db, uint64_t payer, int64_t delta)
{
    if (!db->ram) return 0;
    int rc = db->ram(db->ram_user, payer, delta);
    return rc < 0 ? rc : rc > 0 ? CPS_ERR_RESOURCE : 0;
}

/* EOSIO iterator_cache::get: the live row an iterator names, or the fault EOSIO raises. */
static int icache_get(cps_state_db *db, struct icache *c, int itr, const struct iobj **out)
{
    if (itr == -1)
        return fault(db, CPS_STATE_FAULT_INVALID_ITERATOR, CPS_ERR_INVALID_ARG, "invalid iterator");
    if (itr < 0)
        return fault(db, CPS_STATE_FAULT_NOT_PERMITTED, CPS_ERR_INVALID_ARG,
                     "dereference of end iterator");
    if ((uint32_t)itr >= c->nobjs)
        return fault(db, CPS_STATE_FAULT_INVALID_ITERATOR, CPS_ERR_INVALID_ARG,
                     "iterator out of range");
    if (!c->objs[itr].live)
        return fault(db, CPS_STATE_FAULT_NOT_PERMITTED, CPS_ERR_INVALID_ARG,
                     "dereference of deleted object");
    *out = &c->objs[itr];
    return 0;
}

static void icache_remove(struct icache *c, int itr)
{
    struct iobj *o = &c->objs[itr];
    o->live = false;
    uint32_t *slot = imap_slot(&c->omap, c->objs, sizeof *c->objs, o->k.a, o->k.b, o->k.hash);
    if (*slot) imap_remove(&c->omap, c->objs, sizeof *c->objs, slot);
}

/* The cached table of a live row (cached whenever a row iterator is handed out). */
static int row_table(struct icache *c, const struct iobj *o, struct itab **out)
{
    *out = icache_table(c, o->k.a);
    if (!*out)
        return cps_fail(CPS_ERR_STATE, "iterator's table %llu is not cached",
                        (unsigned long long)o->k.a);
    return 0;
}

static int check_receiver_table(cps_state_db *db, const struct itab *t)
{
    if (t->code != db->receiver)
        return fault(db, CPS_STATE_FAULT_ACCESS_VIOLATION, CPS_ERR_INVALID_ARG,
                     "db access violation");
    return 0;
}

/* ---- table rows (_c.tables, _c.seq) -------------------------------------------------------------
 */

struct tab_row {
    uint64_t t_id, payer;
    uint32_t count;
};

static void tab_key(uint8_t *k, uint64_t code, uint64_t scope, uint64_t table)
{
    be64_store(k, code);
    be64_store(k + 8, scope);
    be64_store(k + 16, table);
}

static int table_get(cps_state_view *v, uint64_t code, uint64_t scope, uint64_t table,
                     struct tab_row *out)
{
    uint8_t k[TAB_KEY];
    tab_key(k, code, scope, table);
    MDB_val d;
    int err = cps_state__get(v, T_CTABLES, k, sizeof k, &d);
    if (err) return err;
    if (d.mv_size != TAB_VAL)
        return cps_fail(CPS_ERR_DB_CORRUPT, "table row of %zu bytes, expected %d", d.mv_size,
                        TAB_VAL);
    const uint8_t *p = d.mv_data;
    out->t_id = cps_load_u64(p);
    out->payer = cps_load_u64(p + 8);
    out->count = cps_load_u32(p + 16);
    return 0;
}

/* find_table: 0 and *found, or an error other than "not found". */
static int find_table(cps_state_db *db, uint64_t code, uint64_t scope, uint64_t table,
                      struct tab_row *out, bool *found)
{
    int err = table_get(db->view, code, scope, table, out);
    *found = err == 0;
    return err == CPS_ERR_NOT_FOUND ? 0 : err;
}

static int table_put(cps_state *st, uint64_t code, uint64_t scope, uint64_t table,
                     const struct tab_row *row)
{
    uint8_t k[TAB_KEY], v[TAB_VAL];
    tab_key(k, code, scope, table);
    cps_store_u64(v, row->t_id);
    cps_store_u64(v + 8, row->payer);
    cps_store_u32(v + 16, row->count);
    return cps_state__write(st, T_CTABLES, k, sizeof k, v, sizeof v, KV_PUT);
}

static int next_table_id(cps_state_db *db, uint64_t *id)
{
    MDB_val d;
    int err = cps_state__get(db->view, T_CSEQ, "t", 1, &d);
    if (err == CPS_ERR_NOT_FOUND) {
        *id = 0;
    } else if (err) {
        return err;
    } else if (d.mv_size != 8) {
        return cps_fail(CPS_ERR_DB_CORRUPT, "table id sequence of %zu bytes", d.mv_size);
    } else {
        *id = cps_load_u64(d.mv_data);
    }
    uint8_t v[8];
    cps_store_u64(v, *id + 1);
    return cps_state__write(db->view->st, T_CSEQ, "t", 1, v, 8, KV_PUT);
}

/* find_or_create_table plus the row count increment of a store. The table charge (if created) is
 * made before any write. */
static int table_add_row(cps_state_db *db, uint64_t scope, uint64_t table, uint64_t payer,
                         struct tab_row *tr, bool exists, int64_t row_billable)
{
    int err;
    if (!exists && (err = charge(db, payer, CPS_STATE_BILLABLE_TABLE))) return err;
    if ((err = charge(db, payer, row_billable))) return err;
    if (!exists) {
        if ((err = next_table_id(db, &tr->t_id))) return err;
        tr->payer = payer;
        tr->count = 0;
    }
    if (tr->count == UINT32_MAX) return cps_fail(CPS_ERR_LIMIT, "table row count overflow");
    tr->count++;
    return table_put(db->view->st, db->receiver, scope, table, tr);
}

/* The row count decrement of a remove; the table goes (and its payer is refunded) at zero. */
static int table_remove_row(cps_state_db *db, const struct itab *t)
{
    struct tab_row tr;
    int err = table_get(db->view, t->code, t->scope, t->table, &tr);
    if (err == CPS_ERR_NOT_FOUND || (!err && (tr.t_id != t->k.a || tr.count == 0)))
        return cps_fail(CPS_ERR_DB_CORRUPT, "table of a live row is missing or empty");
    if (err) return err;
    if (--tr.count > 0) return table_put(db->view->st, t->code, t->scope, t->table, &tr);
    if ((err = charge(db, tr.payer, -CPS_STATE_BILLABLE_TABLE))) return err;
    uint8_t k[TAB_KEY];
    tab_key(k, t->code, t->scope, t->table);
    return cps_state__write(db->view->st, T_CTABLES, k, sizeof k, NULL, 0, KV_REMOVE);
}

/* ---- primary rows
 * -------------------------------------------------------------------------------- */

static void row_key(uint8_t *k, uint64_t t_id, uint64_t pk)
{
    be64_store(k, t_id);
    be64_store(k + 8, pk);
}

/* Reads a primary row: payer and borrowed bytes. */
static int row_get(cps_state_view *v, uint32_t t, uint64_t t_id, uint64_t pk, uint64_t *payer,
                   MDB_val *rest)
{
    uint8_t k[ROW_KEY];
    row_key(k, t_id, pk);
    MDB_val d;
    int err = cps_state__get(v, t, k, sizeof k, &d);
    if (err) return err;
    if (d.mv_size < 8) return cps_fail(CPS_ERR_DB_CORRUPT, "row of %zu bytes", d.mv_size);
    *payer = cps_load_u64(d.mv_data);
    rest->mv_data = (uint8_t *)d.mv_data + 8;
    rest->mv_size = d.mv_size - 8;
    return 0;
}

/* A live iterator's row must exist: anything else is a broken invariant. */
static int live_row_get(cps_state_view *v, uint32_t t, const struct iobj *o, uint64_t *payer,
                        MDB_val *rest)
{
    int err = row_get(v, t, o->k.a, o->k.b, payer, rest);
    if (err == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_DB_CORRUPT, "row %llu of table %llu vanished under its iterator",
                        (unsigned long long)o->k.b, (unsigned long long)o->k.a);
    return err;
}

static int row_write(cps_state_db *db, uint64_t t_id, uint64_t pk, uint64_t payer, const void *data,
                     size_t size, enum kv_mode mode)
{
    if (size > CPS_STATE_MAX_VALUE - 8)
        return cps_fail(CPS_ERR_LIMIT, "row of %zu bytes (at most %u)", size,
                        CPS_STATE_MAX_VALUE - 8);
    cps_buf *b = &db->scratch;
    cps_buf_reset(b);
    if (cps_write_u64(b, payer) || cps_write_bytes(b, data, size))
        return cps_fail(b->failed, "row buffer of %zu bytes", size);
    uint8_t k[ROW_KEY];
    row_key(k, t_id, pk);
    return cps_state__write(db->view->st, T_CI64, k, sizeof k, b->data, b->size, mode);
}

int cps_state_db_store_i64(cps_state_db *db, uint64_t scope, uint64_t table, uint64_t payer,
                           uint64_t id, const void *data, size_t size, int *itr)
{
    *itr = -1;
    int err = begin_write(db);
    if (err) return err;
    if (payer == 0)
        return fault(db, CPS_STATE_FAULT_INVALID_PAYER, CPS_ERR_INVALID_ARG,
                     "must specify a valid account to pay for new record");
    if (size && !data) return cps_fail(CPS_ERR_INVALID_ARG, "row data NULL");
    struct tab_row tr;
    bool exists;
    if ((err = find_table(db, db->receiver, scope, table, &tr, &exists))) return err;
    if (exists) {
        uint64_t p;
        MDB_val rest;
        err = row_get(db->view, T_CI64, tr.t_id, id, &p, &rest);
        if (err == 0)
            return fault(db, CPS_STATE_FAULT_DUPLICATE, CPS_ERR_EXISTS,
                         "primary key %llu already in the table", (unsigned long long)id);
        if (err != CPS_ERR_NOT_FOUND) return err;
    }
    if ((err = table_add_row(db, scope, table, payer, &tr, exists,
                             (int64_t)size + CPS_STATE_BILLABLE_ROW)) ||
        (err = row_write(db, tr.t_id, id, payer, data, size, KV_INSERT)))
        return err;
    int end;
    if ((err = icache_cache_table(&db->ic[0], tr.t_id, db->receiver, scope, table, &end)))
        return err;
    return icache_add(&db->ic[0], tr.t_id, id, itr);
}

int cps_state_db_update_i64(cps_state_db *db, int itr, uint64_t payer, const void *data,
                            size_t size)
{
    int err = begin_write(db);
    if (err) return err;
    if (size && !data) return cps_fail(CPS_ERR_INVALID_ARG, "row data NULL");
    const struct iobj *o;
    struct itab *t;
    if ((err = icache_get(db, &db->ic[0], itr, &o)) || (err = row_table(&db->ic[0], o, &t)) ||
        (err = check_receiver_table(db, t)))
        return err;
    uint64_t old_payer;
    MDB_val old;
    if ((err = live_row_get(db->view, T_CI64, o, &old_payer, &old))) return err;
    if (payer == 0) payer = old_payer;
    int64_t old_size = (int64_t)old.mv_size + CPS_STATE_BILLABLE_ROW;
    int64_t new_size = (int64_t)size + CPS_STATE_BILLABLE_ROW;
    if (old_payer != payer) {
        if ((err = charge(db, old_payer, -old_size)) || (err = charge(db, payer, new_size)))
            return err;
    } else if (old_size != new_size) {
        if ((err = charge(db, payer, new_size - old_size))) return err;
    }
    return row_write(db, o->k.a, o->k.b, payer, data, size, KV_UPDATE);
}

int cps_state_db_remove_i64(cps_state_db *db, int itr)
{
    int err = begin_write(db);
    if (err) return err;
    const struct iobj *o;
    struct itab *t;
    if ((err = icache_get(db, &db->ic[0], itr, &o)) || (err = row_table(&db->ic[0], o, &t)) ||
        (err = check_receiver_table(db, t)))
        return err;
    uint64_t payer;
    MDB_val old;
    if ((err = live_row_get(db->view, T_CI64, o, &payer, &old))) return err;
    if ((err = charge(db, payer, -((int64_t)old.mv_size + CPS_STATE_BILLABLE_ROW)))) return err;
    uint8_t k[ROW_KEY];
    row_key(k, o->k.a, o->k.b);
    if ((err = table_remove_row(db, t)) ||
        (err = cps_state__write(db->view->st, T_CI64, k, sizeof k, NULL, 0, KV_REMOVE)))
        return err;
    icache_remove(&db->ic[0], itr);
    return 0;
}

int cps_state_db_get_i64(cps_state_db *db, int itr, cps_bytes *row)
{
    int err = begin_call(db);
    if (err) return err;
    const struct iobj *o;
    if ((err = icache_get(db, &db->ic[0], itr, &o))) return err;
    uint64_t payer;
    MDB_val rest;
    if ((err = live_row_get(db->view, T_CI64, o, &payer, &rest))) return err;
    row->data = rest.mv_data;
    row->size = rest.mv_size;
    return 0;
}

/* The row a seek found, if it belongs to table t_id: its primary key. */
static bool seek_hit(int err, const MDB_val *k, size_t key_size, uint64_t t_id, uint64_t *pk)
{
    if (err || k->mv_size != key_size || be64_load(k->mv_data) != t_id) return false;
    *pk = be64_load((const uint8_t *)k->mv_data + key_size - 8);
    return true;
}

static int seek_err(int err)
{
    return err == CPS_ERR_NOT_FOUND ? 0 : err;
}

int cps_state_db_next_i64(cps_state_db *db, int itr, int *next, uint64_t *primary)
{
    *next = -1;
    int err = begin_call(db);
    if (err) return err;
    if (itr < -1) return 0; /* cannot increment past the end iterator of a table */
    const struct iobj *o;
    if ((err = icache_get(db, &db->ic[0], itr, &o))) return err;
    uint64_t t_id = o->k.a, pk;
    uint8_t k[ROW_KEY];
    row_key(k, t_id, o->k.b);
    MDB_val fk, fd;
    err = cps_state__seek(db->view, T_CI64, CPS_STATE_GT, k, sizeof k, &fk, &fd);
    if (seek_hit(err, &fk, ROW_KEY, t_id, &pk)) {
        *primary = pk;
        return icache_add(&db->ic[0], t_id, pk, next);
    }
    if ((err = seek_err(err))) return err;
    struct itab *t = icache_table(&db->ic[0], t_id);
    if (!t) return cps_fail(CPS_ERR_STATE, "iterator's table is not cached");
    *next = -(int)(t - db->ic[0].tabs) - 2;
    return 0;
}

int cps_state_db_previous_i64(cps_state_db *db, int itr, int *prev, uint64_t *primary)
{
    *prev = -1;
    int err = begin_call(db);
    if (err) return err;
    uint64_t t_id, pk;
    uint8_t k[ROW_KEY];
    enum cps_state_seek mode;
    struct icache *c = &db->ic[0];
    if (itr < -1) {
        uint32_t idx = (uint32_t)(-(itr + 2));
        if (idx >= c->ntabs)
            return fault(db, CPS_STATE_FAULT_INVALID_ITERATOR, CPS_ERR_INVALID_ARG,
                         "not a valid end iterator");
        t_id = c->tabs[idx].k.a;
        row_key(k, t_id, UINT64_MAX);
        mode = CPS_STATE_LE; /* the table's last row */
    } else {
        const struct iobj *o;
        if ((err = icache_get(db, c, itr, &o))) return err;
        t_id = o->k.a;
        row_key(k, t_id, o->k.b);
        mode = CPS_STATE_LT;
    }
    MDB_val fk, fd;
    err = cps_state__seek(db->view, T_CI64, mode, k, sizeof k, &fk, &fd);
    if (seek_hit(err, &fk, ROW_KEY, t_id, &pk)) {
        *primary = pk;
        return icache_add(c, t_id, pk, prev);
    }
    return seek_err(err);
}

enum lookup { LOOKUP_EXACT, LOOKUP_LOWER, LOOKUP_UPPER };

/* find / lowerbound / upperbound on primary keys: table lookup, end iterator, then the row. */
static int primary_lookup(cps_state_db *db, uint64_t code, uint64_t scope, uint64_t table,
                          uint64_t id, enum lookup how, int *itr)
{
    *itr = -1;
    int err = begin_call(db);
    if (err) return err;
    struct tab_row tr;
    bool exists;
    if ((err = find_table(db, code, scope, table, &tr, &exists)) || !exists) return err;
    int end;
    if ((err = icache_cache_table(&db->ic[0], tr.t_id, code, scope, table, &end))) return err;
    *itr = end;
    uint8_t k[ROW_KEY];
    row_key(k, tr.t_id, id);
    MDB_val fk, fd;
    uint64_t pk;
    if (how != LOOKUP_EXACT) {
        err = cps_state__seek(db->view, T_CI64, how == LOOKUP_LOWER ? CPS_STATE_GE : CPS_STATE_GT,
                              k, sizeof k, &fk, &fd);
        if (!seek_hit(err, &fk, ROW_KEY, tr.t_id, &pk)) return seek_err(err);
    } else {
        err = cps_state__get(db->view, T_CI64, k, sizeof k, &fd);
        if (err) return seek_err(err);
        pk = id;
    }
    return icache_add(&db->ic[0], tr.t_id, pk, itr);
}

int cps_state_db_find_i64(cps_state_db *db, uint64_t code, uint64_t scope, uint64_t table,
                          uint64_t id, int *itr)
{
    return primary_lookup(db, code, scope, table, id, LOOKUP_EXACT, itr);
}

int cps_state_db_lowerbound_i64(cps_state_db *db, uint64_t code, uint64_t scope, uint64_t table,
                                uint64_t id, int *itr)
{
    return primary_lookup(db, code, scope, table, id, LOOKUP_LOWER, itr);
}

int cps_state_db_upperbound_i64(cps_state_db *db, uint64_t code, uint64_t scope, uint64_t table,
                                uint64_t id, int *itr)
{
    return primary_lookup(db, code, scope, table, id, LOOKUP_UPPER, itr);
}

static int end_lookup(cps_state_db *db, struct icache *c, uint64_t code, uint64_t scope,
                      uint64_t table, int *itr)
{
    *itr = -1;
    int err = begin_call(db);
    if (err) return err;
    struct tab_row tr;
    bool exists;
    if ((err = find_table(db, code, scope, table, &tr, &exists)) || !exists) return err;
    return icache_cache_table(c, tr.t_id, code, scope, table, itr);
}

int cps_state_db_end_i64(cps_state_db *db, uint64_t code, uint64_t scope, uint64_t table, int *itr)
{
    return end_lookup(db, &db->ic[0], code, scope, table, itr);
}

/* ---- secondary indexes
 * --------------------------------------------------------------------------- */

static uint32_t sec_table(enum cps_state_index kind)
{
    return T_CIDX_FIRST + 2 * (uint32_t)kind;
}
static uint32_t pk_table(enum cps_state_index kind)
{
    return T_CIDX_FIRST + 2 * (uint32_t)kind + 1;
}

/* t_id | ordered secondary | primary; returns the key size. */
static size_t sec_key(uint8_t *k, enum cps_state_index kind, uint64_t t_id, const uint8_t *raw,
                      uint64_t pk)
{
    size_t s = index_key_size[kind];
    be64_store(k, t_id);
    encode_key(kind, raw, k + 8);
    be64_store(k + 8 + s, pk);
    return 16 + s;
}

static int check_kind(enum cps_state_index kind)
{
    if ((unsigned)kind >= CPS_STATE_INDEX_COUNT)
        return cps_fail(CPS_ERR_INVALID_ARG, "secondary index kind %d", (int)kind);
    return 0;
}

static int check_nan(cps_state_db *db, enum cps_state_index kind, const void *secondary)
{
    if (!secondary) return cps_fail(CPS_ERR_INVALID_ARG, "secondary key NULL");
    if (key_is_nan(kind, secondary))
        return fault(db, CPS_STATE_FAULT_NAN, CPS_ERR_INVALID_ARG,
                     "NaN is not an allowed value for a secondary key");
    return 0;
}

/* Reads the primary-order row of a secondary index: payer and the raw key (copied to raw). */
static int idx_pk_get(cps_state_view *v, enum cps_state_index kind, uint64_t t_id, uint64_t pk,
                      uint64_t *payer, uint8_t *raw)
{
    MDB_val rest;
    int err = row_get(v, pk_table(kind), t_id, pk, payer, &rest);
    if (err) return err;
    if (rest.mv_size != index_key_size[kind])
        return cps_fail(CPS_ERR_DB_CORRUPT, "secondary row with a %zu-byte key", rest.mv_size);
    memcpy(raw, rest.mv_data, rest.mv_size);
    return 0;
}

static int idx_pk_put(cps_state_db *db, enum cps_state_index kind, uint64_t t_id, uint64_t pk,
                      uint64_t payer, const uint8_t *raw, enum kv_mode mode)
{
    uint8_t k[ROW_KEY], v[8 + MAX_SEC];
    row_key(k, t_id, pk);
    cps_store_u64(v, payer);
    memcpy(v + 8, raw, index_key_size[kind]);
    return cps_state__write(db->view->st, pk_table(kind), k, sizeof k, v, 8 + index_key_size[kind],
                            mode);
}

static int idx_sec_write(cps_state_db *db, enum cps_state_index kind, uint64_t t_id,
                         const uint8_t *raw, uint64_t pk, enum kv_mode mode)
{
    uint8_t k[SEC_KEY_MAX];
    size_t n = sec_key(k, kind, t_id, raw, pk);
    return cps_state__write(db->view->st, sec_table(kind), k, n, raw,
                            mode == KV_REMOVE ? 0 : index_key_size[kind], mode);
}

int cps_state_db_idx_store(cps_state_db *db, enum cps_state_index kind, uint64_t scope,
                           uint64_t table, uint64_t payer, uint64_t id, const void *secondary,
                           int *itr)
{
    *itr = -1;
    int err;
    if ((err = check_kind(kind)) || (err = begin_write(db)) ||
        (err = check_nan(db, kind, secondary)))
        return err;
    if (payer == 0)
        return fault(db, CPS_STATE_FAULT_INVALID_PAYER, CPS_ERR_INVALID_ARG,
                     "must specify a valid account to pay for new record");
    struct tab_row tr;
    bool exists;
    if ((err = find_table(db, db->receiver, scope, table, &tr, &exists))) return err;
    if (exists) {
        uint64_t p;
        uint8_t raw[MAX_SEC];
        err = idx_pk_get(db->view, kind, tr.t_id, id, &p, raw);
        if (err == 0)
            return fault(db, CPS_STATE_FAULT_DUPLICATE, CPS_ERR_EXISTS,
                         "primary key %llu already in the secondary index", (unsigned long long)id);
        if (err != CPS_ERR_NOT_FOUND) return err;
    }
    if ((err = table_add_row(db, scope, table, payer, &tr, exists, index_billable[kind])) ||
        (err = idx_pk_put(db, kind, tr.t_id, id, payer, secondary, KV_INSERT)) ||
        (err = idx_sec_write(db, kind, tr.t_id, secondary, id, KV_INSERT)))
        return err;
    struct icache *c = &db->ic[1 + kind];
    int end;
    if ((err = icache_cache_table(c, tr.t_id, db->receiver, scope, table, &end))) return err;
    return icache_add(c, tr.t_id, id, itr);
}

int cps_state_db_idx_update(cps_state_db *db, enum cps_state_index kind, int itr, uint64_t payer,
                            const void *secondary)
{
    int err;
    if ((err = check_kind(kind)) || (err = begin_write(db)) ||
        (err = check_nan(db, kind, secondary)))
        return err;
    struct icache *c = &db->ic[1 + kind];
    const struct iobj *o;
    struct itab *t;
    if ((err = icache_get(db, c, itr, &o)) || (err = row_table(c, o, &t)) ||
        (err = check_receiver_table(db, t)))
        return err;
    uint64_t old_payer;
    uint8_t old_raw[MAX_SEC];
    err = idx_pk_get(db->view, kind, o->k.a, o->k.b, &old_payer, old_raw);
    if (err == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_DB_CORRUPT, "secondary row vanished under its iterator");
    if (err) return err;
    if (payer == 0) payer = old_payer;
    int64_t b = index_billable[kind];
    if (old_payer != payer && ((err = charge(db, old_payer, -b)) || (err = charge(db, payer, b))))
        return err;
    if (memcmp(old_raw, secondary, index_key_size[kind]) != 0 &&
        ((err = idx_sec_write(db, kind, o->k.a, old_raw, o->k.b, KV_REMOVE)) ||
         (err = idx_sec_write(db, kind, o->k.a, secondary, o->k.b, KV_INSERT))))
        return err;
    return idx_pk_put(db, kind, o->k.a, o->k.b, payer, secondary, KV_UPDATE);
}

int cps_state_db_idx_remove(cps_state_db *db, enum cps_state_index kind, int itr)
{
    int err;
    if ((err = check_kind(kind)) || (err = begin_write(db))) return err;
    struct icache *c = &db->ic[1 + kind];
    const struct iobj *o;
    struct itab *t;
    if ((err = icache_get(db, c, itr, &o)) || (err = row_table(c, o, &t)) ||
        (err = check_receiver_table(db, t)))
        return err;
    uint64_t payer;
    uint8_t raw[MAX_SEC];
    err = idx_pk_get(db->view, kind, o->k.a, o->k.b, &payer, raw);
    if (err == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_DB_CORRUPT, "secondary row vanished under its iterator");
    if (err) return err;
    if ((err = charge(db, payer, -index_billable[kind]))) return err;
    uint8_t k[ROW_KEY];
    row_key(k, o->k.a, o->k.b);
    if ((err = table_remove_row(db, t)) ||
        (err = cps_state__write(db->view->st, pk_table(kind), k, sizeof k, NULL, 0, KV_REMOVE)) ||
        (err = idx_sec_write(db, kind, o->k.a, raw, o->k.b, KV_REMOVE)))
        return err;
    icache_remove(c, itr);
    return 0;
}

int cps_state_db_idx_next(cps_state_db *db, enum cps_state_index kind, int itr, int *next,
                          uint64_t *primary)
{
    *next = -1;
    int err;
    if ((err = check_kind(kind)) || (err = begin_call(db))) return err;
    if (itr < -1) return 0; /* cannot increment past the end iterator of an index */
    struct icache *c = &db->ic[1 + kind];
    const struct iobj *o;
    if ((err = icache_get(db, c, itr, &o))) return err;
    uint64_t t_id = o->k.a, payer, pk;
    uint8_t raw[MAX_SEC], k[SEC_KEY_MAX];
    err = idx_pk_get(db->view, kind, t_id, o->k.b, &payer, raw);
    if (err == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_DB_CORRUPT, "secondary row vanished under its iterator");
    if (err) return err;
    size_t n = sec_key(k, kind, t_id, raw, o->k.b);
    MDB_val fk, fd;
    err = cps_state__seek(db->view, sec_table(kind), CPS_STATE_GT, k, n, &fk, &fd);
    if (seek_hit(err, &fk, n, t_id, &pk)) {
        *primary = pk;
        return icache_add(c, t_id, pk, next);
    }
    if ((err = seek_err(err))) return err;
    struct itab *t = icache_table(c, t_id);
    if (!t) return cps_fail(CPS_ERR_STATE, "iterator's table is not cached");
    *next = -(int)(t - c->tabs) - 2;
    return 0;
}

int cps_state_db_idx_previous(cps_state_db *db, enum cps_state_index kind, int itr, int *prev,
                              uint64_t *primary)
{
    *prev = -1;
    int err;
    if ((err = check_kind(kind)) || (err = begin_call(db))) return err;
    struct icache *c = &db->ic[1 + kind];
    size_t s = index_key_size[kind], n = 16 + s;
    uint64_t t_id, pk;
    uint8_t k[SEC_KEY_MAX];
    enum cps_state_seek mode;
    if (itr < -1) {
        uint32_t idx = (uint32_t)(-(itr + 2));
        if (idx >= c->ntabs)
            return fault(db, CPS_STATE_FAULT_INVALID_ITERATOR, CPS_ERR_INVALID_ARG,
                         "not a valid end iterator");
        t_id = c->tabs[idx].k.a;
        be64_store(k, t_id);
        memset(k + 8, 0xff, s + 8); /* above every key of the table */
        mode = CPS_STATE_LE;
    } else {
        const struct iobj *o;
        if ((err = icache_get(db, c, itr, &o))) return err;
        t_id = o->k.a;
        uint64_t payer;
        uint8_t raw[MAX_SEC];
        err = idx_pk_get(db->view, kind, t_id, o->k.b, &payer, raw);
        if (err == CPS_ERR_NOT_FOUND)
            return cps_fail(CPS_ERR_DB_CORRUPT, "secondary row vanished under its iterator");
        if (err) return err;
        sec_key(k, kind, t_id, raw, o->k.b);
        mode = CPS_STATE_LT;
    }
    MDB_val fk, fd;
    err = cps_state__seek(db->view, sec_table(kind), mode, k, n, &fk, &fd);
    if (seek_hit(err, &fk, n, t_id, &pk)) {
        *primary = pk;
        return icache_add(c, t_id, pk, prev);
    }
    return seek_err(err);
}

/* Table lookup shared by the secondary-index queries: *found false leaves *itr = -1. */
static int idx_table(cps_state_db *db, enum cps_state_index kind, uint64_t code, uint64_t scope,
                     uint64_t table, struct tab_row *tr, bool *found, int *itr)
{
    int err;
    if ((err = find_table(db, code, scope, table, tr, found)) || !*found) return err;
    return icache_cache_table(&db->ic[1 + kind], tr->t_id, code, scope, table, itr);
}

int cps_state_db_idx_find_primary(cps_state_db *db, enum cps_state_index kind, uint64_t code,
                                  uint64_t scope, uint64_t table, void *secondary, uint64_t primary,
                                  int *itr)
{
    *itr = -1;
    int err;
    if ((err = check_kind(kind)) || (err = begin_call(db))) return err;
    if (!secondary) return cps_fail(CPS_ERR_INVALID_ARG, "secondary key NULL");
    struct tab_row tr;
    bool found;
    if ((err = idx_table(db, kind, code, scope, table, &tr, &found, itr)) || !found) return err;
    uint64_t payer;
    uint8_t raw[MAX_SEC];
    err = idx_pk_get(db->view, kind, tr.t_id, primary, &payer, raw);
    if (err) return seek_err(err);
    memcpy(secondary, raw, index_key_size[kind]);
    return icache_add(&db->ic[1 + kind], tr.t_id, primary, itr);
}

/* find_secondary / lowerbound / upperbound in (secondary, primary) order. */
static int secondary_lookup(cps_state_db *db, enum cps_state_index kind, uint64_t code,
                            uint64_t scope, uint64_t table, void *secondary, bool write_back,
                            bool exact, enum cps_state_seek mode, uint64_t *primary, int *itr)
{
    *itr = -1;
    int err;
    if ((err = check_kind(kind)) || (err = begin_call(db)) ||
        (err = check_nan(db, kind, secondary)))
        return err;
    struct tab_row tr;
    bool found;
    if ((err = idx_table(db, kind, code, scope, table, &tr, &found, itr)) || !found) return err;
    size_t s = index_key_size[kind];
    uint8_t k[SEC_KEY_MAX];
    size_t n = sec_key(k, kind, tr.t_id, secondary, mode == CPS_STATE_GT ? UINT64_MAX : 0);
    MDB_val fk, fd;
    uint64_t pk;
    err = cps_state__seek(db->view, sec_table(kind), mode, k, n, &fk, &fd);
    if (!seek_hit(err, &fk, n, tr.t_id, &pk)) return seek_err(err);
    if (exact && memcmp(fk.mv_data, k, 8 + s) != 0) return 0;
    if (fd.mv_size != s)
        return cps_fail(CPS_ERR_DB_CORRUPT, "secondary row value of %zu bytes", fd.mv_size);
    if (write_back) memcpy(secondary, fd.mv_data, s);
    *primary = pk;
    return icache_add(&db->ic[1 + kind], tr.t_id, pk, itr);
}

int cps_state_db_idx_find_secondary(cps_state_db *db, enum cps_state_index kind, uint64_t code,
                                    uint64_t scope, uint64_t table, const void *secondary,
                                    uint64_t *primary, int *itr)
{
    return secondary_lookup(db, kind, code, scope, table, (void *)secondary, false, true,
                            CPS_STATE_GE, primary, itr);
}

int cps_state_db_idx_lowerbound(cps_state_db *db, enum cps_state_index kind, uint64_t code,
                                uint64_t scope, uint64_t table, void *secondary, uint64_t *primary,
                                int *itr)
{
    return secondary_lookup(db, kind, code, scope, table, secondary, true, false, CPS_STATE_GE,
                            primary, itr);
}

int cps_state_db_idx_upperbound(cps_state_db *db, enum cps_state_index kind, uint64_t code,
                                uint64_t scope, uint64_t table, void *secondary, uint64_t *primary,
                                int *itr)
{
    return secondary_lookup(db, kind, code, scope, table, secondary, true, false, CPS_STATE_GT,
                            primary, itr);
}

int cps_state_db_idx_end(cps_state_db *db, enum cps_state_index kind, uint64_t code, uint64_t scope,
                         uint64_t table, int *itr)
{
    int err = check_kind(kind);
    if (err) {
        *itr = -1;
        return err;
    }
    return end_lookup(db, &db->ic[1 + kind], code, scope, table, itr);
}

/* ---- metadata and invariant check
 * ------------------------------------------------------------------ */

int cps_state_contract_table(cps_state_view *v, uint64_t code, uint64_t scope, uint64_t table,
                             cps_state_table_info *out)
{
    struct tab_row tr;
    int err = table_get(v, code, scope, table, &tr);
    if (err == CPS_ERR_NOT_FOUND) return cps_fail(CPS_ERR_NOT_FOUND, "no such contract table");
    if (err) return err;
    out->id = tr.t_id;
    out->payer = tr.payer;
    out->count = tr.count;
    return 0;
}

struct tcount {
    uint64_t t_id;
    uint64_t left; /* rows still to be matched against the table's count */
};

static int cmp_tcount(const void *a, const void *b)
{
    uint64_t x = ((const struct tcount *)a)->t_id, y = ((const struct tcount *)b)->t_id;
    return x < y ? -1 : x > y;
}

static struct tcount *find_tcount(struct tcount *tc, size_t n, uint64_t t_id)
{
    struct tcount key = {t_id, 0};
    return n ? bsearch(&key, tc, n, sizeof *tc, cmp_tcount) : NULL;
}

/* Iterates a table from its first row; body sees k, d; stops at the end or on error. */
#define FOR_EACH_ROW(v, t, k, d, err)                                                              \
    for (err = cps_state__seek(v, t, CPS_STATE_FIRST, NULL, 0, &k, &d); err == 0;                  \
         err = cps_state__next(v, t, &k, &d))

static int count_row(struct tcount *tc, size_t n, uint64_t t_id, const char *what)
{
    struct tcount *c = find_tcount(tc, n, t_id);
    if (!c)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s row in missing table %llu", what,
                        (unsigned long long)t_id);
    if (c->left == 0)
        return cps_fail(CPS_ERR_DB_CORRUPT, "table %llu has more rows than its count",
                        (unsigned long long)t_id);
    c->left--;
    return 0;
}

int cps_state_contract_check(cps_state_view *v)
{
    struct tcount *tc = NULL;
    size_t n = 0, cap = 0;
    MDB_val k, d;
    int err;
    uint64_t seq = 0;
    bool have_seq = false;
    FOR_EACH_ROW(v, T_CSEQ, k, d, err)
    {
        if (k.mv_size != 1 || *(const uint8_t *)k.mv_data != 't' || d.mv_size != 8) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "_c.seq: unexpected row");
            goto done;
        }
        seq = cps_load_u64(d.mv_data);
        have_seq = true;
    }
    if (err != CPS_ERR_NOT_FOUND) goto done;
    FOR_EACH_ROW(v, T_CTABLES, k, d, err)
    {
        if (k.mv_size != TAB_KEY || d.mv_size != TAB_VAL) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "_c.tables: row of %zu/%zu bytes", k.mv_size,
                           d.mv_size);
            goto done;
        }
        uint64_t t_id = cps_load_u64(d.mv_data), payer = cps_load_u64((uint8_t *)d.mv_data + 8);
        uint32_t count = cps_load_u32((uint8_t *)d.mv_data + 16);
        if (!have_seq || t_id >= seq || payer == 0 || count == 0) {
            err = cps_fail(CPS_ERR_DB_CORRUPT,
                           "_c.tables: table %llu has id >= sequence, payer 0 or no rows",
                           (unsigned long long)t_id);
            goto done;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct tcount *p = realloc(tc, cap * sizeof *p);
            if (!p) {
                err = cps_fail(CPS_ERR_NOMEM, "table list");
                goto done;
            }
            tc = p;
        }
        tc[n++] = (struct tcount){t_id, count};
    }
    if (err != CPS_ERR_NOT_FOUND) goto done;
    if (n) qsort(tc, n, sizeof *tc, cmp_tcount);
    for (size_t i = 1; i < n; i++)
        if (tc[i].t_id == tc[i - 1].t_id) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "_c.tables: table id %llu used twice",
                           (unsigned long long)tc[i].t_id);
            goto done;
        }
    FOR_EACH_ROW(v, T_CI64, k, d, err)
    {
        if (k.mv_size != ROW_KEY || d.mv_size < 8 || cps_load_u64(d.mv_data) == 0) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "_c.i64: malformed row or payer 0");
            goto done;
        }
        if ((err = count_row(tc, n, be64_load(k.mv_data), "_c.i64"))) goto done;
    }
    if (err != CPS_ERR_NOT_FOUND) goto done;
    for (int kind = 0; kind < CPS_STATE_INDEX_COUNT; kind++) {
        size_t s = index_key_size[kind];
        uint64_t pk_rows = 0, sec_rows;
        FOR_EACH_ROW(v, pk_table(kind), k, d, err)
        {
            const uint8_t *raw = (const uint8_t *)d.mv_data + 8;
            if (k.mv_size != ROW_KEY || d.mv_size != 8 + s || cps_load_u64(d.mv_data) == 0 ||
                key_is_nan(kind, raw)) {
                err = cps_fail(CPS_ERR_DB_CORRUPT, "%s: malformed row, payer 0 or NaN",
                               v->st->tables[pk_table(kind)].name);
                goto done;
            }
            uint64_t t_id = be64_load(k.mv_data), pk = be64_load((uint8_t *)k.mv_data + 8);
            if ((err = count_row(tc, n, t_id, v->st->tables[pk_table(kind)].name))) goto done;
            uint8_t sk[SEC_KEY_MAX];
            size_t sn = sec_key(sk, kind, t_id, raw, pk);
            MDB_val sd;
            err = cps_state__get(v, sec_table(kind), sk, sn, &sd);
            if (err == CPS_ERR_NOT_FOUND ||
                (!err && (sd.mv_size != s || memcmp(sd.mv_data, raw, s)))) {
                err = cps_fail(CPS_ERR_DB_CORRUPT,
                               "%s: row %llu of table %llu has no matching "
                               "secondary-order row",
                               v->st->tables[pk_table(kind)].name, (unsigned long long)pk,
                               (unsigned long long)t_id);
                goto done;
            }
            if (err) goto done;
            pk_rows++;
        }
        if (err != CPS_ERR_NOT_FOUND) goto done;
        /* Each primary-order row matched a distinct secondary-order row, so equal counts leave no
         * stray secondary-order rows. */
        if ((err = cps_state_count(v, sec_table(kind), &sec_rows))) goto done;
        if (sec_rows != pk_rows) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "%s: %llu rows, its primary order has %llu",
                           v->st->tables[sec_table(kind)].name, (unsigned long long)sec_rows,
                           (unsigned long long)pk_rows);
            goto done;
        }
    }
    err = 0;
    for (size_t i = 0; i < n; i++)
        if (tc[i].left) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "table %llu counts %llu rows more than it has",
                           (unsigned long long)tc[i].t_id, (unsigned long long)tc[i].left);
            break;
        }
done:
    free(tc);
    return err;
}
