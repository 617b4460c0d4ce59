/* Tests of the secondary-index intrinsics through the VM over a real state (LMDB in a temporary
 * directory): iterator order, find/lower/upper bound with the key and primary key written back,
 * update and remove, end iterators, RAM billing, the idx256 word layout and size check, NaN keys
 * refused for double/long double, -0 == +0, pointers validated even when nothing is found, and
 * refusal in context-free actions. */
#include <stdlib.h>

#include "host_harness.h"

static const cps_chain_intrinsic_group *const groups[] = {&cps_chain__host_db_idx, NULL};

typedef struct fixture {
    harness h;
    char dir[64];
    cps_state *st;
    cps_state_db *db;
    int64_t ram; /* net RAM charged through the hook */
} fixture;

static int count_ram(void *user, uint64_t payer, int64_t delta)
{
    (void)payer;
    ((fixture *)user)->ram += delta;
    return 0;
}

static int fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cps-dbidx-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    cps_state_options o = {0};
    o.map_size = 64u << 20;
    o.sync = CPS_STATE_SYNC_NONE;
    int rc = cps_state_open(f->dir, &o, &f->st);
    if (!rc) rc = cps_state_block_begin(f->st, 0, NULL);
    if (!rc) rc = cps_state_db_create(&f->db);
    if (rc) return rc;
    cps_state_db_reset(f->db, cps_state_pending_view(f->st), cps_abi_name("alice"), count_ram, f);
    rc = harness_open(&f->h, groups);
    f->h.ctx.db = f->db;
    return rc;
}

static void fixture_close(fixture *f)
{
    harness_close(&f->h);
    cps_state_db_destroy(f->db);
    cps_state_close(f->st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", f->dir);
}

#define ALICE cps_abi_name("alice")
#define SCOPE cps_abi_name("scope")
#define TABLE cps_abi_name("keys")
#define KEY_AT 1000u /* where the tests put a key */
#define PK_AT 2000u  /* where a primary key is written back */

static uint8_t *mem(fixture *f)
{
    return harness_mem(&f->h);
}

static int call_i(fixture *f, const char *fn, const cps_vm_value *args, size_t n, int *out)
{
    cps_vm_value res;
    int rc = harness_call(&f->h, fn, args, n, &res);
    *out = (int32_t)res.v.i32;
    return rc;
}

static int store64(fixture *f, uint64_t id, uint64_t key, int *itr)
{
    cps_store_u64(mem(f) + KEY_AT, key);
    cps_vm_value a[5] = {HV_I64(SCOPE), HV_I64(TABLE), HV_I64(ALICE), HV_I64(id), HV_I32(KEY_AT)};
    return call_i(f, "db_idx64_store", a, 5, itr);
}

static int query(fixture *f, const char *fn, uint64_t key, int *itr)
{
    cps_store_u64(mem(f) + KEY_AT, key);
    cps_vm_value a[5] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE), HV_I32(KEY_AT),
                         HV_I32(PK_AT)};
    return call_i(f, fn, a, 5, itr);
}

static int step(fixture *f, const char *fn, int itr, int *out)
{
    cps_vm_value a[2] = {HV_I32(itr), HV_I32(PK_AT)};
    return call_i(f, fn, a, 2, out);
}

TEST(idx64_order_bounds_and_iteration)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    int itr, out;
    /* missing table: -1 everywhere, but the pointers are still checked */
    ASSERT_OK(query(&f, "db_idx64_lowerbound", 5, &itr));
    ASSERT_EQ(itr, -1);
    cps_vm_value end_args[3] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE)};
    ASSERT_OK(call_i(&f, "db_idx64_end", end_args, 3, &itr));
    ASSERT_EQ(itr, -1);
    /* rows (id, key): (1, 20) (2, 10) (3, 30) (4, 20) -> order by (key, id): 2, 1, 4, 3 */
    int it[5];
    ASSERT_OK(store64(&f, 1, 20, &it[1]));
    ASSERT_EQ(f.ram, 112 + 128); /* a new table, then one idx64 row */
    ASSERT_OK(store64(&f, 2, 10, &it[2]));
    ASSERT_OK(store64(&f, 3, 30, &it[3]));
    ASSERT_OK(store64(&f, 4, 20, &it[4]));
    ASSERT_EQ(f.ram, 112 + 4 * 128);
    ASSERT(it[1] >= 0 && it[2] >= 0 && it[3] >= 0 && it[4] >= 0);
    /* duplicate primary key */
    ASSERT_NE(store64(&f, 4, 99, &itr), 0);
    /* find_secondary picks the lowest primary among equal keys, writes only the primary */
    cps_store_u64(mem(&f) + PK_AT, 0);
    ASSERT_OK(query(&f, "db_idx64_find_secondary", 20, &itr));
    ASSERT_EQ(itr, it[1]);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), 1);
    ASSERT_OK(query(&f, "db_idx64_find_secondary", 25, &itr)); /* absent: the end iterator */
    int end;
    ASSERT_OK(call_i(&f, "db_idx64_end", end_args, 3, &end));
    ASSERT(end < -1);
    ASSERT_EQ(itr, end);
    /* lowerbound(15) finds (20, 1) and writes both back; upperbound(20) finds (30, 3) */
    cps_store_u64(mem(&f) + PK_AT, 777);
    ASSERT_OK(query(&f, "db_idx64_lowerbound", 15, &itr));
    ASSERT_EQ(itr, it[1]);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + KEY_AT), 20);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), 1);
    ASSERT_OK(query(&f, "db_idx64_upperbound", 20, &itr));
    ASSERT_EQ(itr, it[3]);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + KEY_AT), 30);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), 3);
    /* past the last key: the end iterator, and key and primary stay as they were */
    cps_store_u64(mem(&f) + PK_AT, 777);
    ASSERT_OK(query(&f, "db_idx64_upperbound", 30, &itr));
    ASSERT_EQ(itr, end);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + KEY_AT), 30);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), 777);
    /* forward iteration: 2, 1, 4, 3, end; next of end is -1 */
    uint64_t order[4] = {2, 1, 4, 3};
    ASSERT_OK(query(&f, "db_idx64_lowerbound", 0, &itr));
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), 2);
    for (int i = 1; i < 4; i++) {
        ASSERT_OK(step(&f, "db_idx64_next", itr, &itr));
        ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), order[i]);
    }
    ASSERT_OK(step(&f, "db_idx64_next", itr, &out));
    ASSERT_EQ(out, end);
    ASSERT_OK(step(&f, "db_idx64_next", end, &out));
    ASSERT_EQ(out, -1);
    /* backward from the end: 3, 4, 1, 2, then -1 */
    itr = end;
    for (int i = 3; i >= 0; i--) {
        ASSERT_OK(step(&f, "db_idx64_previous", itr, &itr));
        ASSERT(itr >= 0);
        ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), order[i]);
    }
    ASSERT_OK(step(&f, "db_idx64_previous", itr, &out));
    ASSERT_EQ(out, -1);
    /* find_primary writes the key of the row */
    cps_store_u64(mem(&f) + KEY_AT, 0);
    cps_vm_value fp[5] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE), HV_I32(KEY_AT), HV_I64(3)};
    ASSERT_OK(call_i(&f, "db_idx64_find_primary", fp, 5, &itr));
    ASSERT_EQ(itr, it[3]);
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + KEY_AT), 30);
    fp[4] = HV_I64(99);
    ASSERT_OK(call_i(&f, "db_idx64_find_primary", fp, 5, &itr));
    ASSERT_EQ(itr, end);
    /* update moves row 3 to key 5: order becomes 3, 2, 1, 4 */
    cps_store_u64(mem(&f) + KEY_AT, 5);
    cps_vm_value up[3] = {HV_I32(it[3]), HV_I64(0), HV_I32(KEY_AT)};
    ASSERT_OK(harness_call(&f.h, "db_idx64_update", up, 3, NULL));
    ASSERT_OK(query(&f, "db_idx64_lowerbound", 0, &itr));
    ASSERT_U64_EQ(cps_load_u64(mem(&f) + PK_AT), 3);
    /* remove every row: the table goes, and with it its RAM */
    for (int i = 1; i <= 4; i++) {
        cps_vm_value rm[1] = {HV_I32(it[i])};
        ASSERT_OK(harness_call(&f.h, "db_idx64_remove", rm, 1, NULL));
    }
    ASSERT_EQ(f.ram, 0);
    ASSERT_OK(call_i(&f, "db_idx64_end", end_args, 3, &itr));
    ASSERT_EQ(itr, -1);
    /* a removed iterator cannot be used again */
    cps_vm_value rm[1] = {HV_I32(it[1])};
    ASSERT_NE(harness_call(&f.h, "db_idx64_remove", rm, 1, NULL), 0);
    fixture_close(&f);
}

TEST(idx128_orders_by_the_high_word_first)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    uint8_t *m = mem(&f);
    int itr;
    /* (id 1: hi 1 lo 0) and (id 2: hi 0 lo ~0): id 2 is smaller */
    uint64_t keys[3][2] = {{0, 1}, {~0ull, 0}, {5, 1}}; /* {lo, hi} */
    for (int i = 0; i < 3; i++) {
        cps_store_u64(m + KEY_AT, keys[i][0]);
        cps_store_u64(m + KEY_AT + 8, keys[i][1]);
        cps_vm_value a[5] = {HV_I64(SCOPE), HV_I64(TABLE), HV_I64(ALICE), HV_I64(i + 1),
                             HV_I32(KEY_AT)};
        ASSERT_OK(call_i(&f, "db_idx128_store", a, 5, &itr));
    }
    memset(m + KEY_AT, 0, 16);
    cps_vm_value q[5] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE), HV_I32(KEY_AT),
                         HV_I32(PK_AT)};
    ASSERT_OK(call_i(&f, "db_idx128_lowerbound", q, 5, &itr));
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 2);
    ASSERT_U64_EQ(cps_load_u64(m + KEY_AT), ~0ull);
    ASSERT_U64_EQ(cps_load_u64(m + KEY_AT + 8), 0);
    ASSERT_OK(step(&f, "db_idx128_next", itr, &itr));
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 1);
    ASSERT_OK(step(&f, "db_idx128_next", itr, &itr));
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 3);
    fixture_close(&f);
}

TEST(idx256_words_and_size_check)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    uint8_t *m = mem(&f);
    int itr;
    /* word 0 compares first: (w0 = 1, w1 = 0) > (w0 = 0, w1 = max) */
    memset(m + KEY_AT, 0, 32);
    m[KEY_AT] = 1;
    cps_vm_value s[6] = {HV_I64(SCOPE), HV_I64(TABLE),  HV_I64(ALICE),
                         HV_I64(1),     HV_I32(KEY_AT), HV_I32(2)};
    ASSERT_OK(call_i(&f, "db_idx256_store", s, 6, &itr));
    memset(m + KEY_AT, 0, 32);
    memset(m + KEY_AT + 16, 0xFF, 16);
    s[3] = HV_I64(2);
    ASSERT_OK(call_i(&f, "db_idx256_store", s, 6, &itr));
    ASSERT_EQ(f.ram, 112 + 2 * 160);
    memset(m + KEY_AT, 0, 32);
    cps_vm_value q[6] = {HV_I64(ALICE),  HV_I64(SCOPE), HV_I64(TABLE),
                         HV_I32(KEY_AT), HV_I32(2),     HV_I32(PK_AT)};
    ASSERT_OK(call_i(&f, "db_idx256_lowerbound", q, 6, &itr));
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 2);
    ASSERT_EQ(m[KEY_AT + 16], 0xFF);
    ASSERT_OK(call_i(&f, "db_idx256_find_secondary", q, 6, &itr));
    ASSERT(itr >= 0);
    /* the key array must be 2 words; nodeos's message says "bytes" */
    s[5] = HV_I32(3);
    ASSERT_EQ(call_i(&f, "db_idx256_store", s, 6, &itr), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(
        cps_last_error(),
        "invalid size of secondary key array for idx256: given 3 bytes but expected 2 bytes");
    q[4] = HV_I32(1);
    ASSERT_EQ(call_i(&f, "db_idx256_upperbound", q, 6, &itr), CPS_ERR_INVALID_ARG);
    /* a word count reaching past memory traps before the size check */
    q[4] = HV_I32(0x10000000u);
    ASSERT_EQ(call_i(&f, "db_idx256_upperbound", q, 6, &itr), CPS_ERR_TRAP);
    fixture_close(&f);
}

TEST(double_keys_refuse_nan_and_treat_minus_zero_as_zero)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    uint8_t *m = mem(&f);
    int itr;
    cps_vm_value s[5] = {HV_I64(SCOPE), HV_I64(TABLE), HV_I64(ALICE), HV_I64(1), HV_I32(KEY_AT)};
    cps_store_u64(m + KEY_AT, 0x7FF8000000000000ull); /* NaN */
    ASSERT_NE(call_i(&f, "db_idx_double_store", s, 5, &itr), 0);
    ASSERT_STR_EQ(cps_last_error(), "NaN is not an allowed value for a secondary key");
    double vals[3] = {-2.5, 0.0, 7.25};
    for (int i = 0; i < 3; i++) {
        memcpy(m + KEY_AT, &vals[i], 8);
        s[3] = HV_I64(i + 1);
        ASSERT_OK(call_i(&f, "db_idx_double_store", s, 5, &itr));
    }
    cps_vm_value q[5] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE), HV_I32(KEY_AT),
                         HV_I32(PK_AT)};
    double mz = -0.0;
    memcpy(m + KEY_AT, &mz, 8);
    ASSERT_OK(call_i(&f, "db_idx_double_find_secondary", q, 5, &itr));
    ASSERT(itr >= 0);
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 2);
    double lo = -100;
    memcpy(m + KEY_AT, &lo, 8);
    ASSERT_OK(call_i(&f, "db_idx_double_lowerbound", q, 5, &itr));
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 1); /* negatives sort first */
    cps_store_u64(m + KEY_AT, 0xFFF8000000000001ull);
    ASSERT_NE(call_i(&f, "db_idx_double_upperbound", q, 5, &itr), 0);
    ASSERT_CONTAINS(cps_last_error(), "NaN");
    /* an update to NaN is refused too */
    cps_vm_value up[3] = {HV_I32(0), HV_I64(0), HV_I32(KEY_AT)};
    ASSERT_NE(harness_call(&f.h, "db_idx_double_update", up, 3, NULL), 0);
    ASSERT_CONTAINS(cps_last_error(), "NaN");
    /* long double: NaN refused, ordinary values kept in order */
    cps_store_u64(m + KEY_AT, 1);
    cps_store_u64(m + KEY_AT + 8, 0x7FFF000000000000ull); /* a binary128 NaN */
    ASSERT_NE(call_i(&f, "db_idx_long_double_store", s, 5, &itr), 0);
    ASSERT_STR_EQ(cps_last_error(), "NaN is not an allowed value for a secondary key");
    cps_store_u64(m + KEY_AT, 0);
    cps_store_u64(m + KEY_AT + 8, 0xBFFF000000000000ull); /* -1.0 */
    ASSERT_OK(call_i(&f, "db_idx_long_double_store", s, 5, &itr));
    cps_store_u64(m + KEY_AT + 8, 0x3FFF000000000000ull); /* 1.0 */
    s[3] = HV_I64(9);
    ASSERT_OK(call_i(&f, "db_idx_long_double_store", s, 5, &itr));
    cps_store_u64(m + KEY_AT + 8, 0x8000000000000000ull); /* -0.0 */
    ASSERT_OK(call_i(&f, "db_idx_long_double_lowerbound", q, 5, &itr));
    ASSERT_U64_EQ(cps_load_u64(m + PK_AT), 9);
    ASSERT_U64_EQ(cps_load_u64(m + KEY_AT + 8), 0x3FFF000000000000ull);
    fixture_close(&f);
}

TEST(pointers_are_checked_even_when_nothing_is_found)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    int itr;
    /* no table: the primary-key pointer must still be valid (nodeos validates legacy_ptr) */
    cps_vm_value q[5] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE), HV_I32(KEY_AT),
                         HV_I32(131072 - 4)};
    ASSERT_EQ(call_i(&f, "db_idx64_find_secondary", q, 5, &itr), CPS_ERR_TRAP);
    ASSERT_EQ(call_i(&f, "db_idx64_lowerbound", q, 5, &itr), CPS_ERR_TRAP);
    q[3] = HV_I32(131072 - 4);
    q[4] = HV_I32(PK_AT);
    ASSERT_EQ(call_i(&f, "db_idx128_upperbound", q, 5, &itr), CPS_ERR_TRAP);
    cps_vm_value n[2] = {HV_I32(-1), HV_I32(0xFFFFFFFCu)};
    ASSERT_EQ(call_i(&f, "db_idx_double_next", n, 2, &itr), CPS_ERR_TRAP);
    cps_vm_value s[5] = {HV_I64(SCOPE), HV_I64(TABLE), HV_I64(ALICE), HV_I64(1),
                         HV_I32(131072 - 8)};
    ASSERT_EQ(call_i(&f, "db_idx_long_double_store", s, 5, &itr), CPS_ERR_TRAP);
    ASSERT_EQ(f.ram, 0);
    fixture_close(&f);
}

TEST(bad_iterators_and_payers_fail_cleanly)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    int itr, out;
    cps_vm_value rm[1] = {HV_I32(12345)};
    ASSERT_NE(harness_call(&f.h, "db_idx64_remove", rm, 1, NULL), 0);
    rm[0] = HV_I32(-1);
    ASSERT_NE(harness_call(&f.h, "db_idx128_remove", rm, 1, NULL), 0);
    ASSERT_NE(step(&f, "db_idx64_previous", -7, &out), 0); /* an end iterator never handed out */
    cps_store_u64(mem(&f) + KEY_AT, 1);
    cps_vm_value s[5] = {HV_I64(SCOPE), HV_I64(TABLE), HV_I64(0), HV_I64(1), HV_I32(KEY_AT)};
    ASSERT_NE(call_i(&f, "db_idx64_store", s, 5, &itr), 0);
    ASSERT_CONTAINS(cps_last_error(), "must specify a valid account to pay for new record");
    fixture_close(&f);
}

TEST(secondary_indexes_are_not_context_free)
{
    fixture f;
    ASSERT_OK(fixture_open(&f));
    f.h.ctx.context_free = true;
    int itr;
    ASSERT_EQ(store64(&f, 1, 1, &itr), CPS_ERR_STATE);
    ASSERT_STR_EQ(cps_last_error(), "only context free api's can be used in this context");
    cps_vm_value end_args[3] = {HV_I64(ALICE), HV_I64(SCOPE), HV_I64(TABLE)};
    ASSERT_EQ(call_i(&f, "db_idx256_end", end_args, 3, &itr), CPS_ERR_STATE);
    ASSERT_EQ(f.ram, 0);
    fixture_close(&f);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
