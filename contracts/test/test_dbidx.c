/* test_dbidx: the five secondary index families (db_idx64_*, db_idx128_*, db_idx256_*,
 * db_idx_double_*, db_idx_long_double_*) and the SDK's indexed tables. Scenario actions leave
 * nothing behind, so they can run again.
 *
 *   idxsmall() idxwide() idxhash() idxdouble() idxldouble()
 *       (idx64, idx128, idx256, idx_double, idx_long_double: EOSIO names cannot hold the digits
 *       6 to 9) — for keys k0 < k1 < k2 < k3 of the family, rows (1,k1) (2,k0) (3,k2) (4,k1):
 *       missing table (-1); find_secondary picks the lowest primary key among equal keys;
 *       lower/upper bound write back the key and primary key found; iteration runs in
 *       (key, primary) order 2,1,4,3 and ends at the end iterator, whose next is -1 and previous
 *       the last entry; find_primary; update moves an entry (order becomes 2,1,3,4); removing
 *       every entry removes the table. idx128 keys differ in their high word, idx256 keys in
 *       either word, double and long double keys include negatives and zero.
 *   table()
 *       cps_table with one index of each family: emplace keeps all five in step; modify changes
 *       only the index whose key changed; erase removes the row from every index.
 */
#include "cps/sdk.h"

CPS_ABI_EMPTY_STRUCT(empty)

static cps_uint128 u128(uint64_t hi, uint64_t lo)
{
    cps_uint128 v = {lo, hi};
    return v;
}

static bool same_key(const cps_index_ops *ops, const cps_index_key *a, const cps_index_key *b)
{
    return memcmp(a, b, ops->key_size) == 0;
}

/* Runs the scenario of the file comment for one family; k[0] < k[1] < k[2] < k[3]. */
static void family_scenario(cps_name self, const cps_index_ops *ops, const cps_index_key k[4])
{
    const uint64_t scope = N("idx");
    const cps_name table = N("keys");
    uint64_t pk = 0;
    cps_index_key key;

    check(ops->end(self, scope, table) == -1, "end of a missing index is not -1");
    int32_t i1 = ops->store(scope, table, self, 1, &k[1]);
    int32_t i2 = ops->store(scope, table, self, 2, &k[0]);
    int32_t i3 = ops->store(scope, table, self, 3, &k[2]);
    int32_t i4 = ops->store(scope, table, self, 4, &k[1]);
    check(i1 >= 0 && i2 >= 0 && i3 >= 0 && i4 >= 0, "store returned an end iterator");
    int32_t end = ops->end(self, scope, table);
    check(end < -1, "end iterator is not < -1");

    check(ops->find_secondary(self, scope, table, &k[1], &pk) == i1 && pk == 1,
          "find_secondary does not find the lowest primary key of equal keys");
    check(ops->find_secondary(self, scope, table, &k[3], &pk) == end,
          "find_secondary of a missing key is not the end iterator");

    key = k[1];
    check(ops->lower_bound(self, scope, table, &key, &pk) == i1 && pk == 1 &&
              same_key(ops, &key, &k[1]),
          "lower_bound(k1) is not (k1, 1)");
    key = k[1];
    check(ops->upper_bound(self, scope, table, &key, &pk) == i3 && pk == 3 &&
              same_key(ops, &key, &k[2]),
          "upper_bound(k1) is not (k2, 3)");
    key = k[2];
    check(ops->upper_bound(self, scope, table, &key, &pk) == end, "upper_bound(k2) is not end");
    key = k[0];
    check(ops->lower_bound(self, scope, table, &key, &pk) == i2 && pk == 2,
          "lower_bound(k0) is not (k0, 2)");

    /* (key, primary) order: 2 (k0), 1 (k1), 4 (k1), 3 (k2). */
    check(ops->next(i2, &pk) == i1 && pk == 1, "next of 2 is not 1");
    check(ops->next(i1, &pk) == i4 && pk == 4, "next of 1 is not 4");
    check(ops->next(i4, &pk) == i3 && pk == 3, "next of 4 is not 3");
    check(ops->next(i3, &pk) == end, "next of the last entry is not end");
    check(ops->next(end, &pk) == -1, "next of end is not -1");
    check(ops->prev(end, &pk) == i3 && pk == 3, "previous of end is not the last entry");
    check(ops->prev(i1, &pk) == i2 && pk == 2, "previous of 1 is not 2");
    check(ops->prev(i2, &pk) == -1, "previous of the first entry is not -1");

    memset(&key, 0, sizeof key);
    check(ops->find_primary(self, scope, table, &key, 4) == i4 && same_key(ops, &key, &k[1]),
          "find_primary(4) does not give entry 4 with key k1");
    check(ops->find_primary(self, scope, table, &key, 99) == end,
          "find_primary of a missing primary key is not end");

    ops->update(i4, 0, &k[3]);
    check(ops->next(i3, &pk) == i4 && pk == 4, "after update, 4 does not follow 3");
    check(ops->prev(end, &pk) == i4, "after update, 4 is not last");

    ops->remove(i1);
    ops->remove(i2);
    ops->remove(i3);
    ops->remove(i4);
    check(ops->end(self, scope, table) == -1, "an index without entries still exists");
}

static void on_idx64(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_index_key k[4];
    memset(k, 0, sizeof k);
    for (int i = 0; i < 4; i++)
        k[i].idx64 = 100 * (uint64_t)(i + 1);
    family_scenario(self, &cps_idx64_ops, k);
}

static void on_idx128(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_index_key k[4];
    memset(k, 0, sizeof k);
    k[0].idx128 = u128(0, 5);
    k[1].idx128 = u128(0, UINT64_MAX);
    k[2].idx128 = u128(1, 0); /* larger only through the high word */
    k[3].idx128 = u128(1, 1);
    family_scenario(self, &cps_idx128_ops, k);
}

static void on_idx256(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_index_key k[4];
    memset(k, 0, sizeof k);
    k[0].idx256[0] = u128(0, 0), k[0].idx256[1] = u128(0, 5);
    k[1].idx256[0] = u128(0, 0), k[1].idx256[1] = u128(1, 0);
    k[2].idx256[0] = u128(0, 1), k[2].idx256[1] = u128(0, 0); /* word 0 decides first */
    k[3].idx256[0] = u128(0, 1), k[3].idx256[1] = u128(0, 1);
    family_scenario(self, &cps_idx256_ops, k);
}

static void on_idxdouble(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_index_key k[4];
    memset(k, 0, sizeof k);
    k[0].idx_double = -1.5;
    k[1].idx_double = 0.0;
    k[2].idx_double = 0.25;
    k[3].idx_double = 3.0;
    family_scenario(self, &cps_idx_double_ops, k);
}

static void on_idxldouble(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_index_key k[4];
    memset(k, 0, sizeof k);
    k[0].idx_long_double = -1.5L;
    k[1].idx_long_double = 0.0L;
    k[2].idx_long_double = 0.25L;
    k[3].idx_long_double = 3.0L;
    family_scenario(self, &cps_idx_long_double_ops, k);
}

/* ---- an SDK table with one index of each family ---- */

#define RECORD_FIELDS(X)                                                                           \
    X(id, uint64)                                                                                  \
    X(owner, name) X(big, uint128) X(hash, checksum256) X(score, float64) X(weight, float128)
CPS_ABI_STRUCT(record, RECORD_FIELDS)

static uint64_t record_key(const void *row)
{
    return ((const record_t *)row)->id;
}
static void by_owner(const void *row, cps_index_key *key)
{
    key->idx64 = ((const record_t *)row)->owner;
}
static void by_big(const void *row, cps_index_key *key)
{
    key->idx128 = ((const record_t *)row)->big;
}
static void by_hash(const void *row, cps_index_key *key)
{
    cps_index_key_from_checksum256(&((const record_t *)row)->hash, key);
}
static void by_score(const void *row, cps_index_key *key)
{
    key->idx_double = ((const record_t *)row)->score;
}
static void by_weight(const void *row, cps_index_key *key)
{
    key->idx_long_double = ((const record_t *)row)->weight;
}

static const cps_index_def record_indexes[] = {
    CPS_INDEX("byowner", idx64, by_owner),
    CPS_INDEX("bybig", idx128, by_big),
    CPS_INDEX("byhash", idx256, by_hash),
    CPS_INDEX("byscore", idx_double, by_score),
    CPS_INDEX("byweight", idx_long_double, by_weight),
};
CPS_TABLE_INDEXED(records, record, record_key, record_indexes);

static record_t make_record(uint64_t id, cps_name owner, uint8_t fill, double score,
                            long double weight)
{
    record_t r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.owner = owner;
    r.big = u128(fill, 0);
    memset(r.hash.hash, fill, sizeof r.hash.hash);
    r.score = score;
    r.weight = weight;
    return r;
}

/* Primary keys of the index in key order, as a number in base 10 (e.g. 213). */
static uint64_t index_order(const cps_table *t, uint32_t index)
{
    cps_index_key key;
    memset(&key, 0, sizeof key);
    if (t->def->indexes[index].ops == &cps_idx_double_ops) key.idx_double = -1e300;
    if (t->def->indexes[index].ops == &cps_idx_long_double_ops) key.idx_long_double = -1e300L;
    uint64_t pk = 0, order = 0;
    int32_t itr = cps_index_lower_bound(t, index, &key, &pk);
    while (itr >= 0) {
        order = order * 10 + pk;
        itr = cps_index_next(t, index, itr, &pk);
    }
    return order;
}

static void on_table(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_table t = cps_table_open(&records_table, self, N("records"));
    record_t r1 = make_record(1, N("carol"), 3, 0.5, 2.0L);
    record_t r2 = make_record(2, N("alice"), 1, 2.5, -1.0L);
    record_t r3 = make_record(3, N("bob"), 2, -7.0, 1.0L);
    cps_table_emplace(&t, self, &r1);
    cps_table_emplace(&t, self, &r2);
    cps_table_emplace(&t, self, &r3);

    check(index_order(&t, 0) == 231, "byowner order is not alice, bob, carol");
    check(index_order(&t, 1) == 231, "bybig order is not 1, 2, 3");
    check(index_order(&t, 2) == 231, "byhash order is not 0x01.., 0x02.., 0x03..");
    check(index_order(&t, 3) == 312, "byscore order is not -7, 0.5, 2.5");
    check(index_order(&t, 4) == 231, "byweight order is not -1, 1, 2");

    /* Give row 2 a new owner: only byowner changes. */
    cps_index_key before[5], after[5];
    for (uint32_t i = 0; i < 5; i++)
        cps_index_find_primary(&t, i, 2, &before[i]);
    r2.owner = N("dave");
    cps_table_modify(&t, cps_table_find(&t, 2), 0, &r2);
    for (uint32_t i = 0; i < 5; i++)
        cps_index_find_primary(&t, i, 2, &after[i]);
    check(after[0].idx64 == N("dave"), "byowner key not updated");
    for (uint32_t i = 1; i < 5; i++)
        check(same_key(t.def->indexes[i].ops, &before[i], &after[i]), "an unchanged key moved");
    check(index_order(&t, 0) == 312, "byowner order is not bob, carol, dave");
    cps_index_key wanted;
    memset(&wanted, 0, sizeof wanted);
    wanted.idx64 = N("dave");
    uint64_t pk = 0;
    check(cps_index_find(&t, 0, &wanted, &pk) >= 0 && pk == 2, "find(byowner, dave) is not row 2");

    cps_table_erase(&t, cps_table_find(&t, 1));
    for (uint32_t i = 0; i < 5; i++) {
        cps_index_key k;
        check(cps_index_find_primary(&t, i, 1, &k) < 0, "erased row still in an index");
    }
    cps_table_erase(&t, cps_table_find(&t, 2));
    cps_table_erase(&t, cps_table_find(&t, 3));
    for (uint32_t i = 0; i < 5; i++)
        check(cps_index_end(&t, i) == -1, "an index kept entries");
    check(cps_table_end(&t) == -1, "the table kept rows");
}

static const cps_action_def dbidx_actions[] = {
    CPS_ACTION(idxsmall, empty, on_idx64),        CPS_ACTION(idxwide, empty, on_idx128),
    CPS_ACTION(idxhash, empty, on_idx256),        CPS_ACTION(idxdouble, empty, on_idxdouble),
    CPS_ACTION(idxldouble, empty, on_idxldouble), CPS_ACTION(table, empty, on_table),
};
CPS_CONTRACT(dbidx_actions)
