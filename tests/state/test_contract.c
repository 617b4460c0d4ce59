/* Tests of the contract tables against EOSIO's db_*_i64 / db_idx* semantics: RAM billing and its
 * order, table lifetime, iterator numbering and edge cases (empty tables, end iterators, previous
 * from end, duplicate secondary keys), access rules, key orderings of every index kind, undo, and
 * the invariant checker. */
#include "state_test.h"

#include <lmdb.h>
#include <math.h>

#define N(x) ((uint64_t)(x)) /* names are opaque uint64 here */
#define ALICE N(0xA11CE)
#define BOB N(0xB0B)
#define TOKEN N(0x70C3E)
#define OTHER N(0x07E3)
#define SCOPE N(100)
#define TBL N(200)

/* RAM hook that records every call and can be told to refuse. */
struct ram_log {
    int n;
    uint64_t payer[16];
    int64_t delta[16];
    int refuse; /* error code to return, 0 to accept */
};

static int ram_hook(void *user, uint64_t payer, int64_t delta)
{
    struct ram_log *l = user;
    if (l->refuse) return l->refuse;
    if (l->n < 16) {
        l->payer[l->n] = payer;
        l->delta[l->n] = delta;
    }
    l->n++;
    return 0;
}

/* A database with one pending block and a context for `receiver`. */
struct fixture {
    tmpdb d;
    cps_state *st;
    cps_state_db *db;
    struct ram_log ram;
};

static int fx_open(struct fixture *f, uint64_t receiver)
{
    memset(f, 0, sizeof *f);
    int err;
    if (tmpdb_make(&f->d) || (err = tmpdb_open(&f->d, &f->st))) return -1;
    if ((err = cps_state_block_begin(f->st, 0, NULL)) || (err = cps_state_db_create(&f->db)))
        return err;
    cps_state_db_reset(f->db, cps_state_pending_view(f->st), receiver, ram_hook, &f->ram);
    return 0;
}

static void fx_close(struct fixture *f)
{
    cps_state_db_destroy(f->db);
    cps_state_close(f->st);
    tmpdb_remove(&f->d);
}

static void ram_clear(struct ram_log *l)
{
    l->n = 0;
}

#define ASSERT_RAM(f, i, who, amount)                                                              \
    do {                                                                                           \
        ASSERT_U64_EQ((f)->ram.payer[i], who);                                                     \
        ASSERT_EQ((f)->ram.delta[i], amount);                                                      \
    } while (0)

static int row_equals(cps_state_db *db, int itr, const char *s)
{
    cps_bytes row;
    if (cps_state_db_get_i64(db, itr, &row)) return 0;
    return row.size == strlen(s) && memcmp(row.data, s, row.size) == 0;
}

TEST(store_update_remove_bill_ram_as_eosio)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "hello", 5, &it));
    ASSERT_EQ(it, 0);
    ASSERT_EQ(f.ram.n, 2); /* new table, then the row */
    ASSERT_RAM(&f, 0, ALICE, CPS_STATE_BILLABLE_TABLE);
    ASSERT_RAM(&f, 1, ALICE, 5 + CPS_STATE_BILLABLE_ROW);
    cps_state_table_info info;
    ASSERT_OK(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, TBL, &info));
    ASSERT_EQ(info.count, 1);
    ASSERT_U64_EQ(info.payer, ALICE);
    ram_clear(&f.ram);
    int it2;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, BOB, 2, "", 0, &it2));
    ASSERT_EQ(it2, 1);
    ASSERT_EQ(f.ram.n, 1);
    ASSERT_RAM(&f, 0, BOB, CPS_STATE_BILLABLE_ROW);
    ASSERT(row_equals(f.db, it2, ""));
    /* Same payer, longer row: the difference. */
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_update_i64(f.db, it, ALICE, "hello world", 11));
    ASSERT_EQ(f.ram.n, 1);
    ASSERT_RAM(&f, 0, ALICE, 6);
    ASSERT(row_equals(f.db, it, "hello world"));
    /* Same size and payer 0 (keep the payer): no call. */
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_update_i64(f.db, it, 0, "HELLO WORLD", 11));
    ASSERT_EQ(f.ram.n, 0);
    ASSERT(row_equals(f.db, it, "HELLO WORLD"));
    /* New payer: refund the old one all, charge the new one all. */
    ASSERT_OK(cps_state_db_update_i64(f.db, it, BOB, "hi", 2));
    ASSERT_EQ(f.ram.n, 2);
    ASSERT_RAM(&f, 0, ALICE, -(11 + CPS_STATE_BILLABLE_ROW));
    ASSERT_RAM(&f, 1, BOB, 2 + CPS_STATE_BILLABLE_ROW);
    /* Removing refunds the row's payer; the last row takes the table (refunded to its payer). */
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_remove_i64(f.db, it));
    ASSERT_EQ(f.ram.n, 1);
    ASSERT_RAM(&f, 0, BOB, -(2 + CPS_STATE_BILLABLE_ROW));
    ASSERT_OK(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, TBL, &info));
    ASSERT_EQ(info.count, 1);
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_remove_i64(f.db, it2));
    ASSERT_EQ(f.ram.n, 2);
    ASSERT_RAM(&f, 0, BOB, -CPS_STATE_BILLABLE_ROW);
    ASSERT_RAM(&f, 1, ALICE, -CPS_STATE_BILLABLE_TABLE);
    ASSERT_EQ(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, TBL, &info),
              CPS_ERR_NOT_FOUND);
    int found;
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 1, &found));
    ASSERT_EQ(found, -1); /* no table any more */
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    fx_close(&f);
}

TEST(store_rejects_payer_zero_duplicates_and_refused_ram_without_writing)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it;
    ASSERT_EQ(cps_state_db_store_i64(f.db, SCOPE, TBL, 0, 1, "x", 1, &it), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_INVALID_PAYER);
    ASSERT_CONTAINS(cps_last_error(), "valid account to pay");
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "x", 1, &it));
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NONE);
    ASSERT_EQ(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "y", 1, &it), CPS_ERR_EXISTS);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_DUPLICATE);
    f.ram.refuse = CPS_ERR_RESOURCE;
    ASSERT_EQ(cps_state_db_store_i64(f.db, SCOPE, N(201), ALICE, 1, "x", 1, &it), CPS_ERR_RESOURCE);
    cps_state_table_info info;
    ASSERT_EQ(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, N(201), &info),
              CPS_ERR_NOT_FOUND);
    ASSERT_EQ(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 2, "x", 1, &it), CPS_ERR_RESOURCE);
    ASSERT_OK(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, TBL, &info));
    ASSERT_EQ(info.count, 1);
    int found;
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 2, &found));
    ASSERT(found < -1);
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    fx_close(&f);
}

TEST(iterators_are_numbered_as_eosio_numbers_them)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it;
    for (uint64_t pk = 10; pk <= 30; pk += 10)
        ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, pk, "r", 1, &it));
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, N(300), ALICE, 5, "s", 1, &it));
    /* A new action: fresh iterators. */
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), TOKEN, ram_hook, &f.ram);
    int end_missing, a, b, c, end1, end2, again;
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, N(999), &end_missing));
    ASSERT_EQ(end_missing, -1);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, N(999), 1, &a));
    ASSERT_EQ(a, -1);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 20, &a));
    ASSERT_EQ(a, 0); /* the table got end iterator -2 first */
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, TBL, &end1));
    ASSERT_EQ(end1, -2);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 25, &b));
    ASSERT_EQ(b, -2); /* missing row: the table's end */
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, N(300), &end2));
    ASSERT_EQ(end2, -3);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 20, &again));
    ASSERT_EQ(again, a); /* the same row keeps its iterator */
    uint64_t pk = 0;
    ASSERT_OK(cps_state_db_next_i64(f.db, a, &b, &pk));
    ASSERT_EQ(b, 1);
    ASSERT_EQ(pk, 30);
    ASSERT_OK(cps_state_db_next_i64(f.db, b, &c, &pk));
    ASSERT_EQ(c, end1); /* past the last row: the end iterator, primary untouched */
    ASSERT_EQ(pk, 30);
    ASSERT_OK(cps_state_db_next_i64(f.db, end1, &c, &pk));
    ASSERT_EQ(c, -1); /* cannot increment past end */
    ASSERT_OK(cps_state_db_previous_i64(f.db, end1, &c, &pk));
    ASSERT_EQ(c, b); /* previous from end: the last row */
    ASSERT_EQ(pk, 30);
    ASSERT_OK(cps_state_db_previous_i64(f.db, a, &c, &pk));
    ASSERT_EQ(c, 2);
    ASSERT_EQ(pk, 10);
    ASSERT_OK(cps_state_db_previous_i64(f.db, c, &c, &pk));
    ASSERT_EQ(c, -1); /* before the first row */
    ASSERT_OK(cps_state_db_lowerbound_i64(f.db, TOKEN, SCOPE, TBL, 11, &c));
    ASSERT_EQ(c, a);
    ASSERT_OK(cps_state_db_lowerbound_i64(f.db, TOKEN, SCOPE, TBL, 20, &c));
    ASSERT_EQ(c, a);
    ASSERT_OK(cps_state_db_upperbound_i64(f.db, TOKEN, SCOPE, TBL, 20, &c));
    ASSERT_EQ(c, b);
    ASSERT_OK(cps_state_db_upperbound_i64(f.db, TOKEN, SCOPE, TBL, 30, &c));
    ASSERT_EQ(c, end1); /* the next table's rows are not this table's */
    ASSERT_OK(cps_state_db_upperbound_i64(f.db, TOKEN, SCOPE, TBL, UINT64_MAX, &c));
    ASSERT_EQ(c, end1);
    ASSERT_OK(cps_state_db_lowerbound_i64(f.db, TOKEN, SCOPE, TBL, 0, &c));
    ASSERT_EQ(c, 2);
    ASSERT_OK(cps_state_db_previous_i64(f.db, end2, &c, &pk));
    ASSERT_EQ(pk, 5);
    /* Another code's tables are readable. */
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), OTHER, NULL, NULL);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 10, &c));
    ASSERT_EQ(c, 0);
    ASSERT(row_equals(f.db, c, "r"));
    fx_close(&f);
}

TEST(iterator_misuse_raises_eosio_faults)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it, end, out;
    uint64_t pk;
    cps_bytes row;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "r", 1, &it));
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, TBL, &end));
    ASSERT_EQ(cps_state_db_get_i64(f.db, -1, &row), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_INVALID_ITERATOR);
    ASSERT_STR_EQ(cps_last_error(), "invalid iterator");
    ASSERT_EQ(cps_state_db_get_i64(f.db, end, &row), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NOT_PERMITTED);
    ASSERT_STR_EQ(cps_last_error(), "dereference of end iterator");
    ASSERT_EQ(cps_state_db_get_i64(f.db, 7, &row), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "iterator out of range");
    ASSERT_EQ(cps_state_db_next_i64(f.db, -1, &out, &pk), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_previous_i64(f.db, -9, &out, &pk), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "not a valid end iterator");
    ASSERT_EQ(cps_state_db_update_i64(f.db, end, ALICE, "x", 1), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_remove_i64(f.db, -1), CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_state_db_remove_i64(f.db, it));
    ASSERT_EQ(cps_state_db_get_i64(f.db, it, &row), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NOT_PERMITTED);
    ASSERT_STR_EQ(cps_last_error(), "dereference of deleted object");
    ASSERT_EQ(cps_state_db_remove_i64(f.db, it), CPS_ERR_INVALID_ARG);
    /* The table is gone, its end iterator stays valid and empty. */
    ASSERT_OK(cps_state_db_previous_i64(f.db, end, &out, &pk));
    ASSERT_EQ(out, -1);
    /* A re-created table is a new table with a new end iterator; the re-stored row a new iterator.
     */
    int it2, end2;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "again", 5, &it2));
    ASSERT_EQ(it2, 1);
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, TBL, &end2));
    ASSERT_EQ(end2, end - 1);
    /* After reset, old iterators are gone. */
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), TOKEN, NULL, NULL);
    ASSERT_EQ(cps_state_db_get_i64(f.db, 0, &row), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "iterator out of range");
    fx_close(&f);
}

TEST(only_the_receiver_writes_its_tables_and_read_only_views_refuse_writes)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it, sit;
    uint64_t v64 = 7;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "r", 1, &it));
    ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, 1, &v64, &sit));
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), OTHER, ram_hook, &f.ram);
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 1, &it));
    ASSERT_EQ(cps_state_db_update_i64(f.db, it, OTHER, "x", 1), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_ACCESS_VIOLATION);
    ASSERT_STR_EQ(cps_last_error(), "db access violation");
    ASSERT_EQ(cps_state_db_remove_i64(f.db, it), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_ACCESS_VIOLATION);
    uint64_t got;
    ASSERT_OK(
        cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &got, 1, &sit));
    ASSERT_EQ(got, 7);
    ASSERT_EQ(cps_state_db_idx_update(f.db, CPS_STATE_IDX64, sit, OTHER, &v64),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_ACCESS_VIOLATION);
    ASSERT_EQ(cps_state_db_idx_remove(f.db, CPS_STATE_IDX64, sit), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(f.ram.n, 0);
    ASSERT_OK(cps_state_block_commit(f.st));
    /* A read view: reads work, writes are refused. */
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(f.st, &v));
    cps_state_db_reset(f.db, v, TOKEN, NULL, NULL);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 1, &it));
    ASSERT(row_equals(f.db, it, "r"));
    ASSERT_EQ(cps_state_db_update_i64(f.db, it, ALICE, "x", 1), CPS_ERR_STATE);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_READ_ONLY);
    ASSERT_EQ(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 2, "x", 1, &it), CPS_ERR_STATE);
    cps_state_view_close(v);
    /* A context bound to a pending view that has since committed refuses everything. */
    ASSERT_OK(cps_state_block_begin(f.st, 0, NULL));
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), TOKEN, NULL, NULL);
    ASSERT_OK(cps_state_block_commit(f.st));
    ASSERT_EQ(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 1, &it), CPS_ERR_STATE);
    ASSERT_OK(cps_state_block_begin(f.st, 0, NULL));
    fx_close(&f);
}

TEST(a_table_with_only_secondary_rows_has_an_empty_primary_index)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it, end, out;
    uint64_t v64 = 5, pk = 99;
    ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, 1, &v64, &it));
    ASSERT_EQ(it, 0);
    ASSERT_EQ(f.ram.n, 2);
    ASSERT_RAM(&f, 0, ALICE, CPS_STATE_BILLABLE_TABLE);
    ASSERT_RAM(&f, 1, ALICE, CPS_STATE_BILLABLE_IDX64);
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, TBL, &end));
    ASSERT_EQ(end, -2);
    ASSERT_OK(cps_state_db_previous_i64(f.db, end, &out, &pk));
    ASSERT_EQ(out, -1);
    ASSERT_EQ(pk, 99);
    ASSERT_OK(cps_state_db_lowerbound_i64(f.db, TOKEN, SCOPE, TBL, 0, &out));
    ASSERT_EQ(out, end);
    /* Primary and secondary rows share the table and its count. */
    int pit;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, BOB, 1, "p", 1, &pit));
    cps_state_table_info info;
    ASSERT_OK(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, TBL, &info));
    ASSERT_EQ(info.count, 2);
    ASSERT_U64_EQ(info.payer, ALICE);
    ASSERT_OK(cps_state_db_remove_i64(f.db, pit));
    ASSERT_OK(cps_state_contract_table(cps_state_pending_view(f.st), TOKEN, SCOPE, TBL, &info));
    ASSERT_EQ(info.count, 1);
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_idx_remove(f.db, CPS_STATE_IDX64, it));
    ASSERT_EQ(f.ram.n, 2);
    ASSERT_RAM(&f, 0, ALICE, -CPS_STATE_BILLABLE_IDX64);
    ASSERT_RAM(&f, 1, ALICE, -CPS_STATE_BILLABLE_TABLE);
    ASSERT_OK(cps_state_db_idx_end(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &out));
    ASSERT_EQ(out, -1);
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    fx_close(&f);
}

TEST(idx64_bounds_and_steps_over_duplicate_secondary_keys)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    const uint64_t sec[] = {10, 20, 20, 20, 30}; /* primary keys 1..5 */
    int its[5];
    for (int i = 0; i < 5; i++)
        ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, (uint64_t)i + 1,
                                         &sec[i], &its[i]));
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), TOKEN, ram_hook, &f.ram);
    uint64_t key = 20, pk = 0;
    int it, end, out;
    ASSERT_OK(cps_state_db_idx_end(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &end));
    ASSERT_EQ(end, -2);
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &it));
    ASSERT_EQ(pk, 2);
    ASSERT_EQ(key, 20);
    ASSERT_EQ(it, 0);
    key = 15;
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(out, it);
    ASSERT_EQ(key, 20); /* written back */
    key = 20;
    ASSERT_OK(
        cps_state_db_idx_upperbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(pk, 5);
    ASSERT_EQ(key, 30);
    ASSERT_OK(cps_state_db_idx_find_secondary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL,
                                              &(uint64_t){20}, &pk, &out));
    ASSERT_EQ(pk, 2);
    ASSERT_EQ(out, it);
    ASSERT_OK(cps_state_db_idx_find_secondary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL,
                                              &(uint64_t){25}, &pk, &out));
    ASSERT_EQ(out, end);
    /* Walk forward through the duplicates in primary-key order. */
    uint64_t want[] = {3, 4, 5};
    int cur = it;
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, cur, &cur, &pk));
        ASSERT_EQ(pk, want[i]);
    }
    ASSERT_OK(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, cur, &out, &pk));
    ASSERT_EQ(out, end);
    ASSERT_OK(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, end, &out, &pk));
    ASSERT_EQ(out, -1);
    ASSERT_OK(cps_state_db_idx_previous(f.db, CPS_STATE_IDX64, end, &out, &pk));
    ASSERT_EQ(out, cur);
    ASSERT_EQ(pk, 5);
    ASSERT_OK(cps_state_db_idx_previous(f.db, CPS_STATE_IDX64, it, &out, &pk));
    ASSERT_EQ(pk, 1);
    ASSERT_OK(cps_state_db_idx_previous(f.db, CPS_STATE_IDX64, out, &out, &pk));
    ASSERT_EQ(out, -1);
    /* Nothing above 30; the key is left alone. */
    key = 31;
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(out, end);
    ASSERT_EQ(key, 31);
    key = 30;
    ASSERT_OK(
        cps_state_db_idx_upperbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(out, end);
    key = UINT64_MAX;
    ASSERT_OK(
        cps_state_db_idx_upperbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(out, end);
    /* find_primary returns the secondary key. */
    ASSERT_OK(
        cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, 4, &out));
    ASSERT_EQ(key, 20);
    key = 77;
    ASSERT_OK(
        cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, 9, &out));
    ASSERT_EQ(out, end);
    ASSERT_EQ(key, 77);
    /* Update moves a row in secondary order and keeps its iterator; a payer change bills. */
    ASSERT_OK(
        cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, 3, &cur));
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_idx_update(f.db, CPS_STATE_IDX64, cur, BOB, &(uint64_t){5}));
    ASSERT_EQ(f.ram.n, 2);
    ASSERT_RAM(&f, 0, ALICE, -CPS_STATE_BILLABLE_IDX64);
    ASSERT_RAM(&f, 1, BOB, CPS_STATE_BILLABLE_IDX64);
    key = 0;
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(pk, 3);
    ASSERT_EQ(out, cur);
    ASSERT_EQ(key, 5);
    ASSERT_OK(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, cur, &out, &pk));
    ASSERT_EQ(pk, 1);
    ram_clear(&f.ram);
    ASSERT_OK(cps_state_db_idx_update(f.db, CPS_STATE_IDX64, cur, 0, &(uint64_t){6}));
    ASSERT_EQ(f.ram.n, 0); /* payer 0 keeps BOB */
    /* Duplicate primary key in the same index is refused. */
    ASSERT_EQ(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, 3, &(uint64_t){1}, &out),
        CPS_ERR_EXISTS);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_DUPLICATE);
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    fx_close(&f);
}

TEST(each_index_kind_has_its_own_iterator_cache)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it, e64, e128, ep;
    uint8_t k128[16] = {1};
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, N(1), ALICE, 1, "a", 1, &it));
    ASSERT_OK(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, N(2), ALICE, 1, &(uint64_t){1}, &it));
    ASSERT_EQ(it, 0);
    ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX128, SCOPE, N(2), ALICE, 1, k128, &it));
    ASSERT_EQ(it, 0);
    ASSERT_OK(cps_state_db_end_i64(f.db, TOKEN, SCOPE, N(1), &ep));
    ASSERT_OK(cps_state_db_idx_end(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, N(2), &e64));
    ASSERT_OK(cps_state_db_idx_end(f.db, CPS_STATE_IDX128, TOKEN, SCOPE, N(2), &e128));
    ASSERT_EQ(ep, -2);
    ASSERT_EQ(e64, -2);
    ASSERT_EQ(e128, -2);
    ASSERT_EQ(cps_state_db_idx_remove(f.db, CPS_STATE_IDX256, 0), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "iterator out of range");
    fx_close(&f);
}

/* Stores keys in the given (shuffled) order as primary keys 0..n-1, then walks the index from
 * lowerbound(lowest) and checks the primary keys come out in `want` order. */
static int walk_order(struct fixture *f, enum cps_state_index kind, uint64_t table,
                      const uint8_t *keys, int n, const uint64_t *want)
{
    size_t s = cps_state_index_key_size(kind);
    int it;
    for (int i = 0; i < n; i++)
        if (cps_state_db_idx_store(f->db, kind, SCOPE, table, ALICE, (uint64_t)i, keys + i * s,
                                   &it))
            return -1;
    int end;
    if (cps_state_db_idx_end(f->db, kind, TOKEN, SCOPE, table, &end)) return -2;
    /* Start from the last row (previous from end) and walk backwards, then check forwards. */
    uint64_t pk;
    int cur;
    if (cps_state_db_idx_previous(f->db, kind, end, &cur, &pk) || pk != want[n - 1]) return -3;
    for (int i = n - 2; i >= 0; i--)
        if (cps_state_db_idx_previous(f->db, kind, cur, &cur, &pk) || pk != want[i])
            return -4 - i * 10;
    for (int i = 1; i < n; i++)
        if (cps_state_db_idx_next(f->db, kind, cur, &cur, &pk) || pk != want[i]) return -5 - i * 10;
    return 0;
}

static void u128_le(uint8_t *p, uint64_t hi, uint64_t lo)
{
    cps_store_u64(p, lo);
    cps_store_u64(p + 8, hi);
}

TEST(idx128_and_idx256_order_as_eosio_compares_them)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    uint8_t k128[4][16];
    u128_le(k128[0], 1, 0);          /* 2^64 */
    u128_le(k128[1], 0, UINT64_MAX); /* 2^64 - 1 */
    u128_le(k128[2], 0, 5);
    u128_le(k128[3], UINT64_MAX, 0); /* large */
    const uint64_t want128[] = {2, 1, 0, 3};
    ASSERT_OK(walk_order(&f, CPS_STATE_IDX128, N(1), &k128[0][0], 4, want128));
    /* key256 = std::array<uint128_t,2>: word 0 decides first. */
    uint8_t k256[4][32];
    u128_le(k256[0], 0, 1); /* w0 = 1, w1 = 0 */
    u128_le(k256[0] + 16, 0, 0);
    u128_le(k256[1], 0, 0); /* w0 = 0, w1 = max */
    u128_le(k256[1] + 16, UINT64_MAX, UINT64_MAX);
    u128_le(k256[2], 0, 1); /* w0 = 1, w1 = 1 */
    u128_le(k256[2] + 16, 0, 1);
    u128_le(k256[3], 1, 0); /* w0 = 2^64 */
    u128_le(k256[3] + 16, 0, 0);
    const uint64_t want256[] = {1, 0, 2, 3};
    ASSERT_OK(walk_order(&f, CPS_STATE_IDX256, N(2), &k256[0][0], 4, want256));
    /* lowerbound writes back the whole 32-byte key. */
    uint8_t probe[32] = {0};
    probe[0] = 1; /* w0 = 1 */
    uint64_t pk;
    int it;
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX256, TOKEN, SCOPE, N(2), probe, &pk, &it));
    ASSERT_EQ(pk, 0);
    ASSERT_MEM_EQ(probe, k256[0], 32);
    fx_close(&f);
}

static void f64_bytes(uint8_t *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    cps_store_u64(p, u);
}

TEST(idx_double_orders_ieee_with_zeroes_equal_and_refuses_nan)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    const double vals[] = {2.5, -INFINITY, 0.0, -1.5, 5e-324, -0.0, INFINITY, -5e-324, -1e300};
    /* Sorted by (value, primary): -inf(1) -1e300(8) -1.5(3) -5e-324(7) {0.0(2), -0.0(5)} 5e-324(4)
     * 2.5(0) inf(6) — the zeroes are equal, so their primary keys decide. */
    const uint64_t want[] = {1, 8, 3, 7, 2, 5, 4, 0, 6};
    uint8_t keys[9][8];
    for (int i = 0; i < 9; i++)
        f64_bytes(keys[i], vals[i]);
    ASSERT_OK(walk_order(&f, CPS_STATE_IDX_DOUBLE, N(1), &keys[0][0], 9, want));
    /* lowerbound(-0.0) finds the first zero, primary 2 (+0.0), and writes back its bits. */
    uint8_t probe[8];
    f64_bytes(probe, -0.0);
    uint64_t pk;
    int it;
    ASSERT_OK(cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), probe,
                                          &pk, &it));
    ASSERT_EQ(pk, 2);
    ASSERT_MEM_EQ(probe, keys[2], 8);
    f64_bytes(probe, 0.0);
    ASSERT_OK(cps_state_db_idx_upperbound(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), probe,
                                          &pk, &it));
    ASSERT_EQ(pk, 4);
    /* The stored bits of -0.0 survive. */
    ASSERT_OK(cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), probe,
                                            5, &it));
    ASSERT_MEM_EQ(probe, keys[5], 8);
    uint8_t nan[8];
    f64_bytes(nan, NAN);
    ASSERT_EQ(cps_state_db_idx_store(f.db, CPS_STATE_IDX_DOUBLE, SCOPE, N(1), ALICE, 50, nan, &it),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NAN);
    ASSERT_EQ(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), nan, &pk, &it),
        CPS_ERR_INVALID_ARG);
    ASSERT_EQ(
        cps_state_db_idx_upperbound(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), nan, &pk, &it),
        CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_idx_find_secondary(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), nan,
                                              &pk, &it),
              CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, N(1), probe,
                                            0, &it));
    ASSERT_EQ(cps_state_db_idx_update(f.db, CPS_STATE_IDX_DOUBLE, it, ALICE, nan),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NAN);
    uint8_t enc[8];
    ASSERT_EQ(cps_state_index_encode(CPS_STATE_IDX_DOUBLE, nan, enc), CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    fx_close(&f);
}

TEST(secondary_iterator_misuse_and_empty_indexes)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it, end, out;
    uint64_t pk = 77, key = 1;
    /* Missing table: -1 everywhere, no fault. */
    ASSERT_OK(cps_state_db_idx_end(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &out));
    ASSERT_EQ(out, -1);
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(out, -1);
    ASSERT_EQ(pk, 77);
    /* A table with a primary row only: the idx64 index is empty but has an end iterator. */
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "r", 1, &it));
    ASSERT_OK(cps_state_db_idx_end(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &end));
    ASSERT_EQ(end, -2);
    ASSERT_OK(cps_state_db_idx_previous(f.db, CPS_STATE_IDX64, end, &out, &pk));
    ASSERT_EQ(out, -1);
    ASSERT_OK(
        cps_state_db_idx_lowerbound(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL, &key, &pk, &out));
    ASSERT_EQ(out, end);
    ASSERT_OK(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, end, &out, &pk));
    ASSERT_EQ(out, -1);
    ASSERT_EQ(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, -1, &out, &pk), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_INVALID_ITERATOR);
    ASSERT_EQ(cps_state_db_idx_previous(f.db, CPS_STATE_IDX64, -3, &out, &pk), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "not a valid end iterator");
    ASSERT_EQ(cps_state_db_idx_update(f.db, CPS_STATE_IDX64, end, ALICE, &key),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NOT_PERMITTED);
    ASSERT_EQ(cps_state_db_idx_remove(f.db, CPS_STATE_IDX64, 3), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "iterator out of range");
    /* A removed secondary row's iterator is dead; the primary index is untouched. */
    ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, 1, &key, &it));
    ASSERT_OK(cps_state_db_idx_remove(f.db, CPS_STATE_IDX64, it));
    ASSERT_EQ(cps_state_db_idx_next(f.db, CPS_STATE_IDX64, it, &out, &pk), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "dereference of deleted object");
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 1, &out));
    ASSERT(out >= 0);
    ASSERT_EQ(
        cps_state_db_idx_store(f.db, (enum cps_state_index)5, SCOPE, TBL, ALICE, 1, &key, &it),
        CPS_ERR_INVALID_ARG);
    fx_close(&f);
}

TEST(find_secondary_treats_the_two_zeroes_as_one_key)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    uint8_t pos[8], neg[8];
    f64_bytes(pos, 0.0);
    f64_bytes(neg, -0.0);
    int it, out;
    uint64_t pk = 0;
    ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX_DOUBLE, SCOPE, TBL, ALICE, 9, neg, &it));
    ASSERT_OK(cps_state_db_idx_find_secondary(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, TBL, pos,
                                              &pk, &out));
    ASSERT_EQ(out, it);
    ASSERT_EQ(pk, 9);
    uint8_t lpos[16] = {0}, lneg[16] = {0};
    lneg[15] = 0x80;
    ASSERT_OK(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX_LONG_DOUBLE, SCOPE, TBL, ALICE, 4, lpos, &it));
    ASSERT_OK(cps_state_db_idx_find_secondary(f.db, CPS_STATE_IDX_LONG_DOUBLE, TOKEN, SCOPE, TBL,
                                              lneg, &pk, &out));
    ASSERT_EQ(out, it);
    ASSERT_EQ(pk, 4);
    /* An update from -0.0 to +0.0 changes the stored bits but not the order. */
    ASSERT_OK(
        cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, TBL, neg, 9, &it));
    ASSERT_OK(cps_state_db_idx_update(f.db, CPS_STATE_IDX_DOUBLE, it, 0, pos));
    uint8_t got[8];
    ASSERT_OK(
        cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX_DOUBLE, TOKEN, SCOPE, TBL, got, 9, &out));
    ASSERT_MEM_EQ(got, pos, 8);
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    fx_close(&f);
}

/* IEEE binary128 as 16 little-endian bytes. */
static void f128(uint8_t *p, int neg, uint32_t exp, uint64_t man_hi48, uint64_t man_lo)
{
    uint64_t hi = ((uint64_t)(neg != 0) << 63) | ((uint64_t)(exp & 0x7fff) << 48) |
                  (man_hi48 & ((UINT64_C(1) << 48) - 1));
    cps_store_u64(p, man_lo);
    cps_store_u64(p + 8, hi);
}

TEST(idx_long_double_orders_float128_and_refuses_nan)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    uint8_t keys[8][16];
    f128(keys[0], 0, 0x4000, 0, 0);                 /* 2.0 */
    f128(keys[1], 1, 0x3fff, 0, 0);                 /* -1.0 */
    f128(keys[2], 0, 0, 0, 0);                      /* +0 */
    f128(keys[3], 0, 0x3fff, UINT64_C(1) << 47, 0); /* 1.5 */
    f128(keys[4], 1, 0x7fff, 0, 0);                 /* -inf */
    f128(keys[5], 1, 0, 0, 0);                      /* -0 */
    f128(keys[6], 0, 0x3fff, 0, 1);                 /* 1 + 2^-112 */
    f128(keys[7], 1, 0, 0, 1);                      /* -smallest subnormal */
    const uint64_t want[] = {4, 1, 7, 2, 5, 6, 3, 0};
    ASSERT_OK(walk_order(&f, CPS_STATE_IDX_LONG_DOUBLE, N(1), &keys[0][0], 8, want));
    uint8_t nan[16];
    f128(nan, 0, 0x7fff, 0, 1);
    int it;
    ASSERT_EQ(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX_LONG_DOUBLE, SCOPE, N(1), ALICE, 9, nan, &it),
        CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_db_fault(f.db), CPS_STATE_FAULT_NAN);
    f128(nan, 1, 0x7fff, 1, 0);
    ASSERT_EQ(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX_LONG_DOUBLE, SCOPE, N(1), ALICE, 9, nan, &it),
        CPS_ERR_INVALID_ARG);
    uint8_t inf[16];
    f128(inf, 0, 0x7fff, 0, 0);
    ASSERT_OK(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX_LONG_DOUBLE, SCOPE, N(1), ALICE, 9, inf, &it));
    fx_close(&f);
}

/* Reference comparison of two non-NaN binary128 values by their meaning: sign, then magnitude as
 * (exponent, mantissa), zeroes equal. */
static int f128_cmp_ref(const uint8_t *a, const uint8_t *b)
{
    uint64_t alo = cps_load_u64(a), ahi = cps_load_u64(a + 8), blo = cps_load_u64(b),
             bhi = cps_load_u64(b + 8);
    int az = (ahi << 1) == 0 && alo == 0, bz = (bhi << 1) == 0 && blo == 0;
    if (az && bz) return 0;
    int an = (int)(ahi >> 63) && !az, bn = (int)(bhi >> 63) && !bz;
    if (an != bn) return an ? -1 : 1;
    uint64_t am = ahi & ~(UINT64_C(1) << 63), bm = bhi & ~(UINT64_C(1) << 63);
    int mag = am != bm ? (am < bm ? -1 : 1) : alo != blo ? (alo < blo ? -1 : 1) : 0;
    if (az) mag = -1;
    if (bz) mag = 1;
    return an ? -mag : mag;
}

TEST(float_encodings_preserve_order_on_random_values)
{
    rng r = rng_make(42);
    for (int i = 0; i < 20000; i++) {
        uint8_t a[16], b[16], ea[16], eb[16];
        /* Doubles: random bit patterns (NaNs skipped), sometimes equal or zero. */
        uint64_t ua = rng_next(&r), ub = (i % 7 == 0) ? ua : rng_next(&r);
        if (i % 11 == 0) ua = (ua & (UINT64_C(1) << 63));
        cps_store_u64(a, ua);
        cps_store_u64(b, ub);
        double da, db;
        memcpy(&da, &ua, 8);
        memcpy(&db, &ub, 8);
        if (!isnan(da) && !isnan(db)) {
            ASSERT_OK(cps_state_index_encode(CPS_STATE_IDX_DOUBLE, a, ea));
            ASSERT_OK(cps_state_index_encode(CPS_STATE_IDX_DOUBLE, b, eb));
            int c = memcmp(ea, eb, 8);
            int want = da < db ? -1 : da > db ? 1 : 0;
            ASSERT_MSG((c > 0) - (c < 0) == want, "double order wrong for %a vs %a", da, db);
        }
        /* Float128: random patterns with the exponent sometimes forced to the extremes. */
        for (int j = 0; j < 16; j++) {
            a[j] = (uint8_t)rng_next(&r);
            b[j] = (i % 5 == 0) ? a[j] : (uint8_t)rng_next(&r);
        }
        if (i % 13 == 0) memset(a, 0, 15);
        if (i % 17 == 0) memset(b, 0, 15), b[14] = 0, b[15] &= 0x80;
        uint8_t nan_a[16], nan_b[16];
        int a_nan = cps_state_index_encode(CPS_STATE_IDX_LONG_DOUBLE, a, nan_a) != 0;
        int b_nan = cps_state_index_encode(CPS_STATE_IDX_LONG_DOUBLE, b, nan_b) != 0;
        if (a_nan || b_nan) continue;
        int c = memcmp(nan_a, nan_b, 16);
        ASSERT_MSG((c > 0) - (c < 0) == f128_cmp_ref(a, b), "float128 order wrong at %d", i);
    }
}

TEST(integer_encodings_are_big_endian_words)
{
    uint8_t raw[32], enc[32];
    cps_store_u64(raw, UINT64_C(0x0102030405060708));
    ASSERT_OK(cps_state_index_encode(CPS_STATE_IDX64, raw, enc));
    const uint8_t want64[] = {1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_MEM_EQ(enc, want64, 8);
    u128_le(raw, UINT64_C(0x1112131415161718), UINT64_C(0x0102030405060708));
    ASSERT_OK(cps_state_index_encode(CPS_STATE_IDX128, raw, enc));
    const uint8_t want128[] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                               1,    2,    3,    4,    5,    6,    7,    8};
    ASSERT_MEM_EQ(enc, want128, 16);
    u128_le(raw + 16, 0, 9);
    ASSERT_OK(cps_state_index_encode(CPS_STATE_IDX256, raw, enc));
    ASSERT_MEM_EQ(enc, want128, 16);
    ASSERT_EQ(enc[31], 9);
    ASSERT_EQ(cps_state_index_encode((enum cps_state_index)9, raw, enc), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_index_key_size(CPS_STATE_IDX256), 32);
    ASSERT_EQ(cps_state_index_billable_size(CPS_STATE_IDX128), 144);
    ASSERT_EQ(cps_state_index_billable_size(CPS_STATE_IDX256), 160);
    ASSERT_EQ(cps_state_index_billable_size(CPS_STATE_IDX_DOUBLE), 128);
    ASSERT_EQ(cps_state_index_billable_size(CPS_STATE_IDX_LONG_DOUBLE), 144);
}

TEST(session_undo_restores_contract_tables_exactly)
{
    struct fixture f;
    ASSERT_OK(fx_open(&f, TOKEN));
    int it;
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 1, "one", 3, &it));
    ASSERT_OK(
        cps_state_db_idx_store(f.db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, 1, &(uint64_t){1}, &it));
    cps_buf before, after;
    uint8_t h1[32], h2[32];
    ASSERT_OK(dump_view(cps_state_pending_view(f.st), &before, h1));
    uint32_t l;
    ASSERT_OK(cps_state_session_push(f.st, &l));
    cps_state_db_reset(f.db, cps_state_pending_view(f.st), TOKEN, NULL, NULL);
    ASSERT_OK(cps_state_db_find_i64(f.db, TOKEN, SCOPE, TBL, 1, &it));
    ASSERT_OK(cps_state_db_update_i64(f.db, it, BOB, "uno", 3));
    ASSERT_OK(cps_state_db_store_i64(f.db, SCOPE, TBL, ALICE, 2, "two", 3, &it));
    ASSERT_OK(cps_state_db_store_i64(f.db, N(7), N(8), ALICE, 2, "new table", 9, &it));
    ASSERT_OK(cps_state_db_idx_find_primary(f.db, CPS_STATE_IDX64, TOKEN, SCOPE, TBL,
                                            &(uint64_t){0}, 1, &it));
    ASSERT_OK(cps_state_db_idx_remove(f.db, CPS_STATE_IDX64, it));
    ASSERT_OK(cps_state_db_idx_store(f.db, CPS_STATE_IDX_DOUBLE, SCOPE, TBL, ALICE, 3,
                                     &(double){1.0}, &it));
    ASSERT_OK(cps_state_contract_check(cps_state_pending_view(f.st)));
    ASSERT_OK(cps_state_session_undo(f.st, l));
    ASSERT_OK(dump_view(cps_state_pending_view(f.st), &after, h2));
    ASSERT(dumps_equal(&before, &after));
    ASSERT_MEM_EQ(h1, h2, 32);
    cps_buf_free(&before);
    cps_buf_free(&after);
    fx_close(&f);
}

/* Rewrites or deletes one row of an internal table through LMDB directly. */
static int poke(const char *path, const char *table, const void *key, size_t klen, const void *val,
                size_t vlen, int del)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    int rc = mdb_env_create(&env);
    if (rc) return rc;
    mdb_env_set_maxdbs(env, CPS_STATE_MAX_TABLES + 2);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    if ((rc = mdb_env_open(env, path, 0, 0644)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)))
        goto out;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    if ((rc = mdb_dbi_open(txn, table, 0, &dbi)) ||
        (rc = del ? mdb_del(txn, dbi, &k, NULL) : mdb_put(txn, dbi, &k, &v, 0))) {
        mdb_txn_abort(txn);
        goto out;
    }
    rc = mdb_txn_commit(txn);
out:
    mdb_env_close(env);
    return rc;
}

/* A committed database with one table holding a primary row and an idx64 row. */
static int small_db(struct fixture *f)
{
    int it, err;
    if ((err = fx_open(f, TOKEN)) ||
        (err = cps_state_db_store_i64(f->db, SCOPE, TBL, ALICE, 1, "one", 3, &it)) ||
        (err = cps_state_db_idx_store(f->db, CPS_STATE_IDX64, SCOPE, TBL, ALICE, 1, &(uint64_t){42},
                                      &it)) ||
        (err = cps_state_block_commit(f->st)))
        return err;
    cps_state_db_destroy(f->db);
    f->db = NULL;
    return 0;
}

TEST(the_checker_reports_each_broken_invariant)
{
    /* The first table has id 0: its rows are keyed 0 | primary, its idx64 rows 0 | 42 | primary. */
    uint8_t row_key[16] = {0}, sec_key[24] = {0}, tab_key[24];
    row_key[15] = 1;
    sec_key[15] = 42;
    sec_key[23] = 1;
    for (int i = 0; i < 8; i++) {
        tab_key[i] = (uint8_t)(TOKEN >> (56 - 8 * i));
        tab_key[8 + i] = (uint8_t)(SCOPE >> (56 - 8 * i));
        tab_key[16 + i] = (uint8_t)(TBL >> (56 - 8 * i));
    }
    uint8_t bad_count[20] = {0};
    cps_store_u64(bad_count + 8, ALICE);
    bad_count[16] = 3;
    uint8_t zero_payer[11] = {0};
    struct {
        const char *table;
        const void *key;
        size_t klen;
        const void *val;
        size_t vlen;
        int del;
        const char *says;
    } cases[] = {
        {"_c.idx64", sec_key, 24, NULL, 0, 1, "no matching secondary-order row"},
        {"_c.tables", tab_key, 24, bad_count, 20, 0, "counts 1 rows more"},
        {"_c.i64", row_key, 16, zero_payer, sizeof zero_payer, 0, "payer 0"},
        {"_c.tables", tab_key, 24, NULL, 0, 1, "missing table"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        struct fixture f;
        ASSERT_OK(small_db(&f));
        cps_state_view *v;
        ASSERT_OK(cps_state_view_open(f.st, &v));
        ASSERT_OK(cps_state_contract_check(v));
        cps_state_view_close(v);
        cps_state_close(f.st);
        ASSERT_OK(poke(f.d.path, cases[i].table, cases[i].key, cases[i].klen, cases[i].val,
                       cases[i].vlen, cases[i].del));
        ASSERT_OK(tmpdb_open(&f.d, &f.st));
        ASSERT_OK(cps_state_view_open(f.st, &v));
        int err = cps_state_contract_check(v);
        cps_state_view_close(v);
        ASSERT_MSG(err == CPS_ERR_DB_CORRUPT, "case %zu: check returned %d", i, err);
        ASSERT_MSG(test_contains(cps_last_error(), cases[i].says), "case %zu: \"%s\"", i,
                   cps_last_error());
        fx_close(&f);
    }
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
