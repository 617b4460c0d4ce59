/* test_db: the primary-index database intrinsics (db_*_i64) and the SDK's table layer over them.
 * Scenario actions leave no rows behind, so they can run again; the other actions let the
 * chain's tests check persistence, rollback and access rules across transactions and contracts.
 *
 *   primary()                    raw db_*_i64 scenario in scope "primary": missing table (-1),
 *                                store, find, end iterators, db_get_i64 sizes, next/previous,
 *                                lower/upper bound, update, remove, table removal when empty
 *   table()                      the same through cps_table (emplace, get, modify, iterate,
 *                                available primary key, erase) in scope "table"
 *   store(scope, id, value, payer)   stores a row of table "kv" (string value) billed to payer
 *   update(scope, id, value, payer)  replaces it (payer "" keeps the payer)
 *   erase(scope, id)                 removes it
 *   expect(code, scope, id, value, exists)  reads contract `code`'s "kv" row and checks it
 *   badwrite(code, scope, id)    db_update_i64 on `code`'s row: must abort (db access violation)
 *                                unless code is this contract
 *   dupkey()                     stores the same primary key twice: must abort
 *   changekey()                  cps_table_modify changing the key: must abort ("updater cannot
 *                                change primary key when modifying an object")
 *   foreign(code)                cps_table_emplace into `code`'s table: must abort ("cannot create
 *                                objects in table of another contract")
 */
#include "cps/sdk.h"

#define KV N("kv")

static void expect_bytes(int32_t itr, const char *want, const char *what)
{
    uint32_t len = (uint32_t)strlen(want);
    check(db_get_i64(itr, NULL, 0) == (int32_t)len, what);
    char buffer[32];
    check(db_get_i64(itr, buffer, sizeof buffer) == (int32_t)len, what);
    check(memcmp(buffer, want, len) == 0, what);
}

CPS_ABI_EMPTY_STRUCT(empty)

static void on_primary(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    const uint64_t scope = N("primary");
    const cps_name table = N("rows");
    uint64_t pk = 0;

    check(db_end_i64(self, scope, table) == -1, "end of a missing table is not -1");
    check(db_find_i64(self, scope, table, 10) == -1, "find in a missing table is not -1");
    check(db_lowerbound_i64(self, scope, table, 0) == -1,
          "lowerbound in a missing table is not -1");

    int32_t i10 = db_store_i64(scope, table, self, 10, "ten", 3);
    int32_t i30 = db_store_i64(scope, table, self, 30, "thirty", 6);
    int32_t i20 = db_store_i64(scope, table, self, 20, "twenty", 6);
    check(i10 >= 0 && i20 >= 0 && i30 >= 0, "store returned an end iterator");
    check(i10 != i20 && i20 != i30 && i10 != i30, "stored rows share an iterator");

    int32_t end = db_end_i64(self, scope, table);
    check(end < -1, "end iterator of an existing table is not < -1");
    check(db_find_i64(self, scope, table, 20) == i20, "find does not return the row's iterator");
    check(db_find_i64(self, scope, table, 25) == end,
          "find of a missing key is not the end iterator");

    expect_bytes(i20, "twenty", "db_get_i64 size or bytes differ");
    char part[3];
    check(db_get_i64(i20, part, sizeof part) == 3 && memcmp(part, "twe", 3) == 0,
          "db_get_i64 with a short buffer does not copy its length");

    check(db_next_i64(i10, &pk) == i20 && pk == 20, "next of 10 is not 20");
    check(db_next_i64(i20, &pk) == i30 && pk == 30, "next of 20 is not 30");
    check(db_next_i64(i30, &pk) == end, "next of the last row is not the end iterator");
    check(db_next_i64(end, &pk) == -1, "next of the end iterator is not -1");
    check(db_previous_i64(end, &pk) == i30 && pk == 30, "previous of end is not the last row");
    check(db_previous_i64(i20, &pk) == i10 && pk == 10, "previous of 20 is not 10");
    check(db_previous_i64(i10, &pk) == -1, "previous of the first row is not -1");

    check(db_lowerbound_i64(self, scope, table, 0) == i10, "lowerbound(0) is not the first row");
    check(db_lowerbound_i64(self, scope, table, 15) == i20, "lowerbound(15) is not 20");
    check(db_lowerbound_i64(self, scope, table, 20) == i20, "lowerbound(20) is not 20");
    check(db_upperbound_i64(self, scope, table, 20) == i30, "upperbound(20) is not 30");
    check(db_upperbound_i64(self, scope, table, 30) == end, "upperbound(30) is not end");

    db_update_i64(i20, 0, "TWENTY!", 7);
    expect_bytes(i20, "TWENTY!", "update did not replace the bytes");

    db_remove_i64(i20);
    check(db_find_i64(self, scope, table, 20) == end, "removed row still found");
    check(db_next_i64(i10, &pk) == i30 && pk == 30, "next skips the removed row");

    db_remove_i64(i10);
    db_remove_i64(i30);
    check(db_end_i64(self, scope, table) == -1, "a table without rows still exists");
}

/* ---- the same through cps_table ---- */

#define ITEM_FIELDS(X) X(id, uint64) X(owner, name) X(note, string)
CPS_ABI_STRUCT(item, ITEM_FIELDS)

static uint64_t item_key(const void *row)
{
    return ((const item_t *)row)->id;
}
CPS_TABLE(items, item, item_key);

static void on_table(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_table t = cps_table_open(&items_table, self, N("table"));
    check(cps_table_end(&t) == -1, "items table is not empty at start");
    check(cps_table_available_primary_key(&t) == 0, "available key of an empty table is not 0");

    item_t row = {5, N("alice"), CPS_STR("five")};
    int32_t i5 = cps_table_emplace(&t, self, &row);
    row = (item_t){7, N("bob"), CPS_STR("seven")};
    cps_table_emplace(&t, self, &row);
    row = (item_t){6, N("carol"), CPS_STR("six")};
    cps_table_emplace(&t, self, &row);
    check(cps_table_available_primary_key(&t) == 8, "available key is not last + 1");

    item_t got;
    check(cps_table_get(&t, 5, &got, NULL) == i5, "get does not return the row's iterator");
    check(got.id == 5 && got.owner == N("alice") && got.note.size == 4 &&
              memcmp(got.note.data, "five", 4) == 0,
          "get does not read the stored row");

    /* Iteration in key order: 5, 6, 7. */
    uint64_t expected[] = {5, 6, 7}, pk = 0;
    int32_t itr = cps_table_begin(&t);
    for (int i = 0; i < 3; i++) {
        check(itr >= 0, "iteration ended early");
        cps_table_load(&t, itr, &got);
        check(got.id == expected[i], "iteration out of key order");
        itr = cps_table_next(&t, itr, &pk);
    }
    check(itr == cps_table_end(&t), "iteration does not end at the end iterator");
    check(cps_table_lower_bound(&t, 6) == cps_table_find(&t, 6), "lower_bound(6) is not 6");
    check(cps_table_upper_bound(&t, 6) == cps_table_find(&t, 7), "upper_bound(6) is not 7");
    check(cps_table_prev(&t, cps_table_end(&t), &pk) >= 0 && pk == 7, "prev of end is not 7");

    cps_table_load(&t, i5, &got);
    got.note = CPS_STR("five, changed");
    cps_table_modify(&t, i5, 0, &got);
    cps_table_get(&t, 5, &got, NULL);
    check(got.note.size == 13 && memcmp(got.note.data, "five, changed", 13) == 0,
          "modify did not store the new row");

    for (uint64_t id = 5; id <= 7; id++)
        cps_table_erase(&t, cps_table_find(&t, id));
    check(cps_table_end(&t) == -1, "erase left rows behind");
}

/* ---- cross-transaction rows ---- */

#define STORE_FIELDS(X) X(scope, name) X(id, uint64) X(value, string) X(payer, name)
CPS_ABI_STRUCT(store, STORE_FIELDS)

static void on_store(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const store_t *s = args;
    int32_t itr = db_store_i64(s->scope, KV, s->payer, s->id, s->value.data, s->value.size);
    check(itr >= 0, "store returned an end iterator");
    check(db_find_i64(self, s->scope, KV, s->id) == itr, "stored row not found");
}

static void on_update(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const store_t *s = args;
    int32_t itr = db_find_i64(self, s->scope, KV, s->id);
    check(itr >= 0, "row to update not found");
    db_update_i64(itr, s->payer, s->value.data, s->value.size);
}

#define ERASE_FIELDS(X) X(scope, name) X(id, uint64)
CPS_ABI_STRUCT(erase, ERASE_FIELDS)

static void on_erase(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const erase_t *e = args;
    int32_t itr = db_find_i64(self, e->scope, KV, e->id);
    check(itr >= 0, "row to erase not found");
    db_remove_i64(itr);
}

#define EXPECT_FIELDS(X) X(code, name) X(scope, name) X(id, uint64) X(value, string) X(exists, bool)
CPS_ABI_STRUCT(expect, EXPECT_FIELDS)

static void on_expect(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const expect_t *e = args;
    int32_t itr = db_find_i64(e->code, e->scope, KV, e->id);
    if (!e->exists) {
        check(itr < 0, "row exists but should not");
        return;
    }
    check(itr >= 0, "row does not exist");
    int32_t size = db_get_i64(itr, NULL, 0);
    check(size == (int32_t)e->value.size, "row size differs");
    char *buffer = malloc((size_t)size);
    db_get_i64(itr, buffer, (uint32_t)size);
    check(memcmp(buffer, e->value.data, e->value.size) == 0, "row bytes differ");
}

#define BADWRITE_FIELDS(X) X(code, name) X(scope, name) X(id, uint64)
CPS_ABI_STRUCT(badwrite, BADWRITE_FIELDS)

static void on_badwrite(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const badwrite_t *b = args;
    int32_t itr = db_find_i64(b->code, b->scope, KV, b->id);
    check(itr >= 0, "row to overwrite not found");
    db_update_i64(itr, 0, "overwritten", 11);
}

static void on_dupkey(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    db_store_i64(N("dup"), KV, self, 1, "a", 1);
    db_store_i64(N("dup"), KV, self, 1, "b", 1);
    check(false, "storing a primary key twice did not abort");
}

static void on_changekey(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_table t = cps_table_open(&items_table, self, N("changekey"));
    item_t row = {1, N("alice"), CPS_STR("one")};
    int32_t itr = cps_table_emplace(&t, self, &row);
    row.id = 2;
    cps_table_modify(&t, itr, 0, &row);
    check(false, "changing the primary key did not abort");
}

#define FOREIGN_FIELDS(X) X(code, name)
CPS_ABI_STRUCT(foreign, FOREIGN_FIELDS)

static void on_foreign(cps_name self, cps_name code, const void *args)
{
    (void)code;
    cps_table t = cps_table_open(&items_table, ((const foreign_t *)args)->code, self);
    item_t row = {1, N("alice"), CPS_STR("one")};
    cps_table_emplace(&t, self, &row);
}

static const cps_action_def db_actions[] = {
    CPS_ACTION(primary, empty, on_primary),      CPS_ACTION(table, empty, on_table),
    CPS_ACTION(store, store, on_store),          CPS_ACTION(update, store, on_update),
    CPS_ACTION(erase, erase, on_erase),          CPS_ACTION(expect, expect, on_expect),
    CPS_ACTION(badwrite, badwrite, on_badwrite), CPS_ACTION(dupkey, empty, on_dupkey),
    CPS_ACTION(changekey, empty, on_changekey),  CPS_ACTION(foreign, foreign, on_foreign),
};
CPS_CONTRACT(db_actions)
