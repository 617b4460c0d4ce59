/* host_db_idx: the secondary-index intrinsics (nodeos database.cpp) — db_idx64_*, db_idx128_*,
 * db_idx256_*, db_idx_double_*, db_idx_long_double_*: store, update, remove, find_secondary,
 * find_primary, lowerbound, upperbound, end, next, previous — over state's cps_state_db_idx_*,
 * which keeps EOSIO's iterator numbering, ordering, RAM billing and errors.
 *
 * One implementation per operation serves the five families: the family travels in the host
 * function's `user` pointer. Keys are read from and written to the contract's memory as EOSIO lays
 * them out (idx256: two uint128 words, passed as pointer + count of words, which must be 2).
 * Every pointer argument is bounds-checked on entry, found or not, as nodeos validates its
 * legacy_ptr arguments; lowerbound/upperbound write the key and primary key they find back, and
 * next/previous/find_secondary write the primary key, only when they reach a row. None of these
 * functions may run in a context-free action. */
#include "chain/host_groups.h"

#include <string.h>

typedef struct idx_family {
    enum cps_state_index kind;
} idx_family;

static const idx_family IDX64 = {CPS_STATE_IDX64};
static const idx_family IDX128 = {CPS_STATE_IDX128};
static const idx_family IDX256 = {CPS_STATE_IDX256};
static const idx_family IDX_DOUBLE = {CPS_STATE_IDX_DOUBLE};
static const idx_family IDX_LONG_DOUBLE = {CPS_STATE_IDX_LONG_DOUBLE};

#define MAX_KEY 32 /* idx256 */

/* The apply context's table context; secondary indexes are not context-free. */
static int table_db(cps_vm_ctx *vm, cps_state_db **db)
{
    cps_chain_apply_context *ctx = cps_chain__apply_from_vm(vm);
    int rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    if (!ctx->db)
        return cps_fail(CPS_ERR_STATE, "contract tables are not available to this action");
    *db = ctx->db;
    return 0;
}

/* A key argument: one pointer (a[i]) for the fixed-size families, pointer and word count
 * (a[i], a[i + 1]) for idx256, whose count must be 2 (nodeos checks it after validating the
 * span, and says "bytes" where it means words). On success *ptr is the key's address. */
static int key_arg(cps_vm_ctx *vm, const idx_family *f, const cps_vm_slot *a, int i, uint32_t *ptr)
{
    uint8_t *p;
    size_t size = cps_state_index_key_size(f->kind);
    if (f->kind == CPS_STATE_IDX256) {
        uint32_t words = a[i + 1].i32;
        uint64_t bytes = (uint64_t)words * 16;
        if (bytes > UINT32_MAX) return cps_vm_trap(vm, "out of bounds memory access");
        int rc = cps_vm_mem(vm, a[i].i32, (uint32_t)bytes, &p);
        if (rc) return rc;
        if (words != 2)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "invalid size of secondary key array for idx256: given %u bytes but "
                            "expected 2 bytes",
                            words);
    } else {
        int rc = cps_vm_mem(vm, a[i].i32, (uint32_t)size, &p);
        if (rc) return rc;
    }
    *ptr = a[i].i32;
    return 0;
}

static int read_key(cps_vm_ctx *vm, const idx_family *f, uint32_t ptr, uint8_t *key)
{
    return cps_vm_mem_read(vm, ptr, key, (uint32_t)cps_state_index_key_size(f->kind));
}

static int write_key(cps_vm_ctx *vm, const idx_family *f, uint32_t ptr, const uint8_t *key)
{
    return cps_vm_mem_write(vm, ptr, key, (uint32_t)cps_state_index_key_size(f->kind));
}

static int write_primary(cps_vm_ctx *vm, uint32_t ptr, uint64_t primary)
{
    uint8_t b[8];
    cps_store_u64(b, primary);
    return cps_vm_mem_write(vm, ptr, b, 8);
}

/* A pointer to a uint64 primary key the call may write (validated even if nothing is found). */
static int primary_arg(cps_vm_ctx *vm, uint32_t ptr)
{
    uint8_t *p;
    return cps_vm_mem(vm, ptr, 8, &p);
}

/* Where the arguments after the key start: idx256 has one more (the word count). */
static int after_key(const idx_family *f, int i)
{
    return f->kind == CPS_STATE_IDX256 ? i + 2 : i + 1;
}

/* store(scope, table, payer, id, key[, words]) -> iterator */
static int idx_store(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    const idx_family *f = user;
    uint32_t kp;
    uint8_t key[MAX_KEY];
    cps_state_db *db = NULL;
    int itr, rc = key_arg(vm, f, a, 4, &kp);
    if (!rc) rc = table_db(vm, &db);
    if (!rc) rc = read_key(vm, f, kp, key);
    if (!rc)
        rc = cps_state_db_idx_store(db, f->kind, a[0].i64, a[1].i64, a[2].i64, a[3].i64, key, &itr);
    if (rc) return rc;
    a[0].i64 = (uint32_t)itr;
    return 0;
}

/* update(iterator, payer, key[, words]) */
static int idx_update(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    const idx_family *f = user;
    uint32_t kp;
    uint8_t key[MAX_KEY];
    cps_state_db *db = NULL;
    int rc = key_arg(vm, f, a, 2, &kp);
    if (!rc) rc = table_db(vm, &db);
    if (!rc) rc = read_key(vm, f, kp, key);
    if (!rc) rc = cps_state_db_idx_update(db, f->kind, (int)a[0].i32, a[1].i64, key);
    return rc;
}

/* remove(iterator) */
static int idx_remove(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    const idx_family *f = user;
    cps_state_db *db = NULL;
    int rc = table_db(vm, &db);
    if (!rc) rc = cps_state_db_idx_remove(db, f->kind, (int)a[0].i32);
    return rc;
}

/* find_secondary(code, scope, table, key[, words], &primary) -> iterator */
static int idx_find_secondary(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    const idx_family *f = user;
    uint32_t kp, pp = a[after_key(f, 3)].i32;
    uint8_t key[MAX_KEY];
    uint64_t primary = 0;
    cps_state_db *db = NULL;
    int itr, rc = key_arg(vm, f, a, 3, &kp);
    if (!rc) rc = primary_arg(vm, pp);
    if (!rc) rc = table_db(vm, &db);
    if (!rc) rc = read_key(vm, f, kp, key);
    if (!rc)
        rc = cps_state_db_idx_find_secondary(db, f->kind, a[0].i64, a[1].i64, a[2].i64, key,
                                             &primary, &itr);
    if (!rc && itr >= 0) rc = write_primary(vm, pp, primary);
    if (rc) return rc;
    a[0].i64 = (uint32_t)itr;
    return 0;
}

/* find_primary(code, scope, table, &key[, words], primary) -> iterator; the key is written when
 * the row is found. */
static int idx_find_primary(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    const idx_family *f = user;
    uint32_t kp;
    uint64_t primary = a[after_key(f, 3)].i64;
    uint8_t key[MAX_KEY];
    cps_state_db *db = NULL;
    int itr, rc = key_arg(vm, f, a, 3, &kp);
    if (!rc) rc = table_db(vm, &db);
    if (!rc) rc = read_key(vm, f, kp, key);
    if (!rc)
        rc = cps_state_db_idx_find_primary(db, f->kind, a[0].i64, a[1].i64, a[2].i64, key, primary,
                                           &itr);
    if (!rc && itr >= 0) rc = write_key(vm, f, kp, key);
    if (rc) return rc;
    a[0].i64 = (uint32_t)itr;
    return 0;
}

/* lowerbound/upperbound(code, scope, table, &key[, words], &primary) -> iterator */
static int idx_bound(cps_vm_ctx *vm, cps_vm_slot *a, const idx_family *f, bool upper)
{
    uint32_t kp, pp = a[after_key(f, 3)].i32;
    uint8_t key[MAX_KEY];
    uint64_t primary = 0;
    cps_state_db *db = NULL;
    int itr, rc = key_arg(vm, f, a, 3, &kp);
    if (!rc) rc = primary_arg(vm, pp);
    if (!rc) rc = table_db(vm, &db);
    if (!rc) rc = read_key(vm, f, kp, key);
    if (!rc)
        rc = upper ? cps_state_db_idx_upperbound(db, f->kind, a[0].i64, a[1].i64, a[2].i64, key,
                                                 &primary, &itr)
                   : cps_state_db_idx_lowerbound(db, f->kind, a[0].i64, a[1].i64, a[2].i64, key,
                                                 &primary, &itr);
    if (!rc && itr >= 0) rc = write_key(vm, f, kp, key);
    if (!rc && itr >= 0) rc = write_primary(vm, pp, primary);
    if (rc) return rc;
    a[0].i64 = (uint32_t)itr;
    return 0;
}

static int idx_lowerbound(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    return idx_bound(vm, a, user, false);
}

static int idx_upperbound(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    return idx_bound(vm, a, user, true);
}

/* end(code, scope, table) -> end iterator, or -1 without the table */
static int idx_end(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    const idx_family *f = user;
    cps_state_db *db = NULL;
    int itr, rc = table_db(vm, &db);
    if (!rc) rc = cps_state_db_idx_end(db, f->kind, a[0].i64, a[1].i64, a[2].i64, &itr);
    if (rc) return rc;
    a[0].i64 = (uint32_t)itr;
    return 0;
}

/* next/previous(iterator, &primary) -> iterator */
static int idx_step(cps_vm_ctx *vm, cps_vm_slot *a, const idx_family *f, bool next)
{
    uint32_t pp = a[1].i32;
    uint64_t primary = 0;
    cps_state_db *db = NULL;
    int out, rc = primary_arg(vm, pp);
    if (!rc) rc = table_db(vm, &db);
    if (!rc)
        rc = next ? cps_state_db_idx_next(db, f->kind, (int)a[0].i32, &out, &primary)
                  : cps_state_db_idx_previous(db, f->kind, (int)a[0].i32, &out, &primary);
    if (!rc && out >= 0) rc = write_primary(vm, pp, primary);
    if (rc) return rc;
    a[0].i64 = (uint32_t)out;
    return 0;
}

static int idx_next(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    return idx_step(vm, a, user, true);
}

static int idx_previous(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
{
    return idx_step(vm, a, user, false);
}

#define FAMILY(prefix, fam)                                                                        \
    {"env", prefix "_store", "(IIIIi)i", idx_store, (void *)&fam},                                 \
        {"env", prefix "_update", "(iIi)", idx_update, (void *)&fam},                              \
        {"env", prefix "_remove", "(i)", idx_remove, (void *)&fam},                                \
        {"env", prefix "_find_secondary", "(IIIii)i", idx_find_secondary, (void *)&fam},           \
        {"env", prefix "_find_primary", "(IIIiI)i", idx_find_primary, (void *)&fam},               \
        {"env", prefix "_lowerbound", "(IIIii)i", idx_lowerbound, (void *)&fam},                   \
        {"env", prefix "_upperbound", "(IIIii)i", idx_upperbound, (void *)&fam},                   \
        {"env", prefix "_end", "(III)i", idx_end, (void *)&fam},                                   \
        {"env", prefix "_next", "(ii)i", idx_next, (void *)&fam},                                  \
    {                                                                                              \
        "env", prefix "_previous", "(ii)i", idx_previous, (void *)&fam                             \
    }

static const cps_vm_host_func db_idx_funcs[] = {
    FAMILY("db_idx64", IDX64),
    FAMILY("db_idx128", IDX128),
    FAMILY("db_idx_double", IDX_DOUBLE),
    FAMILY("db_idx_long_double", IDX_LONG_DOUBLE),
    /* idx256 passes each key as a pointer and a count of uint128 words */
    {"env", "db_idx256_store", "(IIIIii)i", idx_store, (void *)&IDX256},
    {"env", "db_idx256_update", "(iIii)", idx_update, (void *)&IDX256},
    {"env", "db_idx256_remove", "(i)", idx_remove, (void *)&IDX256},
    {"env", "db_idx256_find_secondary", "(IIIiii)i", idx_find_secondary, (void *)&IDX256},
    {"env", "db_idx256_find_primary", "(IIIiiI)i", idx_find_primary, (void *)&IDX256},
    {"env", "db_idx256_lowerbound", "(IIIiii)i", idx_lowerbound, (void *)&IDX256},
    {"env", "db_idx256_upperbound", "(IIIiii)i", idx_upperbound, (void *)&IDX256},
    {"env", "db_idx256_end", "(III)i", idx_end, (void *)&IDX256},
    {"env", "db_idx256_next", "(ii)i", idx_next, (void *)&IDX256},
    {"env", "db_idx256_previous", "(ii)i", idx_previous, (void *)&IDX256},
};
const cps_chain_intrinsic_group cps_chain__host_db_idx = {"db_idx", db_idx_funcs,
                                                          CPS_ARRAY_LEN(db_idx_funcs)};
