/* The undo property: thousands of random operations on generic tables and on contract tables (all
 * index kinds), in randomly nested sessions that are randomly squashed or undone. Every undone
 * session must leave the state byte-identical to how it found it (full dump and state hash); the
 * generic tables must match an in-memory model with chainbase's squash/undo semantics at every
 * step; the contract tables must keep their invariants; and popping the committed block must give
 * back the previous block's state exactly. */
#include "state_test.h"

#include <math.h>

#define GTABLES 3
#define GKEYS 48
#define GVAL_MAX 40
#define CODE_A UINT64_C(0xAAAA)
#define CODE_B UINT64_C(0xBBBB)
#define MAX_DEPTH 6

/* ---- the model of the generic tables -------------------------------------------------------- */

struct model {
    uint8_t present[GTABLES][GKEYS];
    uint8_t len[GTABLES][GKEYS];
    uint8_t val[GTABLES][GKEYS][GVAL_MAX];
};

struct world {
    cps_state *st;
    cps_state_db *db;
    cps_state_table gt[GTABLES];
    struct model model;
    struct model saved[MAX_DEPTH + 1]; /* model at each session's start */
    rng r;
    long ops, failures_expected, sessions_undone, sessions_squashed;
};

static int model_matches_state(struct world *w)
{
    cps_state_view *v = cps_state_pending_view(w->st);
    for (int t = 0; t < GTABLES; t++) {
        cps_bytes k, val;
        int err = cps_state_seek(v, w->gt[t], CPS_STATE_FIRST, NULL, 0, &k, &val);
        for (int key = 0; key < GKEYS; key++) {
            if (!w->model.present[t][key]) continue;
            if (err) return -1; /* the state has fewer rows */
            if (k.size != 1 || k.data[0] != key + 1) return -2;
            if (val.size != w->model.len[t][key] ||
                memcmp(val.data, w->model.val[t][key], val.size))
                return -3;
            uint8_t kb = (uint8_t)(key + 1);
            err = cps_state_seek(v, w->gt[t], CPS_STATE_GT, &kb, 1, &k, &val);
        }
        if (err != CPS_ERR_NOT_FOUND) return -4; /* the state has more rows */
    }
    return 0;
}

/* ---- random operations -------------------------------------------------------------------------
 */

static int generic_op(struct world *w)
{
    int t = (int)rng_below(&w->r, GTABLES), key = (int)rng_below(&w->r, GKEYS);
    uint8_t kb = (uint8_t)(key + 1), val[GVAL_MAX];
    size_t len = rng_below(&w->r, GVAL_MAX + 1);
    for (size_t i = 0; i < len; i++)
        val[i] = (uint8_t)rng_next(&w->r);
    uint8_t *present = &w->model.present[t][key];
    int err, want;
    switch (rng_below(&w->r, 4)) {
    case 0:
        err = cps_state_put(w->st, w->gt[t], &kb, 1, val, len);
        want = 0;
        break;
    case 1:
        err = cps_state_insert(w->st, w->gt[t], &kb, 1, val, len);
        want = *present ? CPS_ERR_EXISTS : 0;
        break;
    case 2:
        err = cps_state_update(w->st, w->gt[t], &kb, 1, val, len);
        want = *present ? 0 : CPS_ERR_NOT_FOUND;
        break;
    default:
        err = cps_state_remove(w->st, w->gt[t], &kb, 1);
        want = *present ? 0 : CPS_ERR_NOT_FOUND;
        if (!err) *present = 0;
        return err == want ? 0 : -100;
    }
    if (err != want) return -101;
    if (err) {
        w->failures_expected++;
        return 0;
    }
    *present = 1;
    w->model.len[t][key] = (uint8_t)len;
    memcpy(w->model.val[t][key], val, len);
    return 0;
}

static void random_secondary(struct world *w, enum cps_state_index kind, uint8_t *out)
{
    static const double doubles[] = {-1.5, -0.0, 0.0, 2.0, 1e10, -INFINITY};
    memset(out, 0, 32);
    uint32_t pick = rng_below(&w->r, 6);
    switch (kind) {
    case CPS_STATE_IDX_DOUBLE: {
        uint64_t u;
        memcpy(&u, &doubles[pick], 8);
        cps_store_u64(out, u);
        break;
    }
    case CPS_STATE_IDX_LONG_DOUBLE:
        out[15] = (uint8_t)((pick & 1) ? 0xbf : 0x3f); /* sign and high exponent bits */
        out[14] = (uint8_t)(0xf0 + pick);
        break;
    default: /* small values so secondary keys repeat */
        out[0] = (uint8_t)pick;
        if (kind == CPS_STATE_IDX256 && rng_below(&w->r, 2)) out[16] = (uint8_t)pick;
        break;
    }
}

/* Contract failures the workload may provoke on purpose; all are refused before any write. */
static int expected_fault(struct world *w, int err)
{
    if (err == CPS_ERR_EXISTS && cps_state_db_fault(w->db) == CPS_STATE_FAULT_DUPLICATE) {
        w->failures_expected++;
        return 0;
    }
    return err;
}

static int contract_op(struct world *w)
{
    uint64_t receiver = rng_below(&w->r, 2) ? CODE_A : CODE_B;
    cps_state_db_reset(w->db, cps_state_pending_view(w->st), receiver, NULL, NULL);
    uint64_t scope = 1 + rng_below(&w->r, 2), table = 1 + rng_below(&w->r, 3);
    uint64_t pk = rng_below(&w->r, 16), payer = 1 + rng_below(&w->r, 3);
    uint8_t data[64];
    size_t len = rng_below(&w->r, sizeof data + 1);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)rng_next(&w->r);
    enum cps_state_index kind = (enum cps_state_index)rng_below(&w->r, CPS_STATE_INDEX_COUNT);
    uint8_t sec[32], got[32];
    random_secondary(w, kind, sec);
    int it, err = 0;
    switch (rng_below(&w->r, 6)) {
    case 0:
        err = expected_fault(
            w, cps_state_db_store_i64(w->db, scope, table, payer, pk, data, len, &it));
        break;
    case 1:
        if ((err = cps_state_db_find_i64(w->db, receiver, scope, table, pk, &it)) || it < 0) break;
        err = cps_state_db_update_i64(w->db, it, rng_below(&w->r, 2) ? payer : 0, data, len);
        break;
    case 2:
        if ((err = cps_state_db_find_i64(w->db, receiver, scope, table, pk, &it)) || it < 0) break;
        err = cps_state_db_remove_i64(w->db, it);
        break;
    case 3:
        err = expected_fault(
            w, cps_state_db_idx_store(w->db, kind, scope, table, payer, pk, sec, &it));
        break;
    case 4:
        if ((err = cps_state_db_idx_find_primary(w->db, kind, receiver, scope, table, got, pk,
                                                 &it)) ||
            it < 0)
            break;
        err = cps_state_db_idx_update(w->db, kind, it, rng_below(&w->r, 2) ? payer : 0, sec);
        break;
    default:
        if ((err = cps_state_db_idx_find_primary(w->db, kind, receiver, scope, table, got, pk,
                                                 &it)) ||
            it < 0)
            break;
        err = cps_state_db_idx_remove(w->db, kind, it);
        break;
    }
    return err;
}

static int random_op(struct world *w)
{
    w->ops++;
    return rng_below(&w->r, 3) == 0 ? generic_op(w) : contract_op(w);
}

/* ---- nested sessions
 * ------------------------------------------------------------------------------- */

static int run_session(struct world *w, int depth, int budget, char *why, size_t why_cap)
{
    uint32_t level;
    int err = cps_state_session_push(w->st, &level);
    if (err) return snprintf(why, why_cap, "push: %s", cps_last_error()), err;
    if (level != (uint32_t)depth)
        return snprintf(why, why_cap, "level %u at depth %d", level, depth), -1;
    cps_buf before;
    uint8_t hash_before[32];
    if ((err = dump_view(cps_state_pending_view(w->st), &before, hash_before)))
        return snprintf(why, why_cap, "dump: %s", cps_last_error()), err;
    w->saved[depth] = w->model;
    int ops = 1 + (int)rng_below(&w->r, (uint32_t)budget);
    for (int i = 0; i < ops && !err; i++) {
        if (depth < MAX_DEPTH && rng_below(&w->r, 12) == 0)
            err = run_session(w, depth + 1, budget / 2 + 1, why, why_cap);
        else if ((err = random_op(w)))
            snprintf(why, why_cap, "op %ld at depth %d: %d %s", w->ops, depth, err,
                     cps_last_error());
    }
    if (!err && (err = model_matches_state(w)))
        snprintf(why, why_cap, "model differs (%d) at depth %d after op %ld", err, depth, w->ops);
    if (!err && rng_below(&w->r, 5) == 0 &&
        (err = cps_state_contract_check(cps_state_pending_view(w->st))))
        snprintf(why, why_cap, "contract check at depth %d: %s", depth, cps_last_error());
    if (!err) {
        if (rng_below(&w->r, 5) < 2) {
            w->sessions_undone++;
            if ((err = cps_state_session_undo(w->st, level))) {
                snprintf(why, why_cap, "undo: %s", cps_last_error());
            } else {
                w->model = w->saved[depth];
                cps_buf after;
                uint8_t hash_after[32];
                if ((err = dump_view(cps_state_pending_view(w->st), &after, hash_after))) {
                    snprintf(why, why_cap, "dump: %s", cps_last_error());
                } else if (!dumps_equal(&before, &after) || memcmp(hash_before, hash_after, 32)) {
                    err = -2;
                    snprintf(why, why_cap,
                             "undo at depth %d (after op %ld) did not restore the state", depth,
                             w->ops);
                }
                cps_buf_free(&after);
            }
        } else {
            w->sessions_squashed++;
            if ((err = cps_state_session_squash(w->st, level)))
                snprintf(why, why_cap, "squash: %s", cps_last_error());
        }
        if (!err && (err = model_matches_state(w)))
            snprintf(why, why_cap, "model differs (%d) after closing depth %d", err, depth);
    }
    cps_buf_free(&before);
    return err;
}

static int open_world(struct world *w, tmpdb *d, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    w->r = rng_make(seed);
    int err;
    if (tmpdb_make(d) || (err = tmpdb_open(d, &w->st))) return -1;
    for (int t = 0; t < GTABLES; t++) {
        char name[8];
        snprintf(name, sizeof name, "g%d", t);
        if ((err = cps_state_table_open(w->st, name, &w->gt[t]))) return err;
    }
    return cps_state_db_create(&w->db);
}

static void close_world(struct world *w, tmpdb *d)
{
    cps_state_db_destroy(w->db);
    cps_state_close(w->st);
    tmpdb_remove(d);
}

TEST(nested_sessions_undo_to_identical_state_and_pop_restores_the_block)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        tmpdb d;
        struct world w;
        char why[512] = "";
        ASSERT_OK(open_world(&w, &d, seed));
        /* Block 1: a base state built outside any session. */
        ASSERT_OK(cps_state_block_begin(w.st, 0, NULL));
        for (int i = 0; i < 1500; i++) {
            int err = random_op(&w);
            ASSERT_MSG(err == 0, "seed %llu base op %d: %d %s", (unsigned long long)seed, i, err,
                       cps_last_error());
        }
        ASSERT_OK(cps_state_block_commit(w.st));
        cps_buf base;
        uint8_t base_hash[32];
        ASSERT_OK(dump_committed(w.st, &base, base_hash));
        /* Block 2: transactions and actions as nested sessions; then one outer session holding
         * thousands of operations that is undone as a whole. */
        ASSERT_OK(cps_state_block_begin(w.st, 0, NULL));
        long ops_before = w.ops;
        for (int trx = 0; trx < 40; trx++) {
            int err = run_session(&w, 1, 80, why, sizeof why);
            ASSERT_MSG(err == 0, "seed %llu: %s", (unsigned long long)seed, why);
        }
        cps_buf mid;
        uint8_t mid_hash[32];
        ASSERT_OK(dump_view(cps_state_pending_view(w.st), &mid, mid_hash));
        struct model mid_model = w.model;
        uint32_t outer;
        ASSERT_OK(cps_state_session_push(w.st, &outer));
        for (int i = 0; i < 30; i++) {
            int err = run_session(&w, 2, 120, why, sizeof why);
            ASSERT_MSG(err == 0, "seed %llu: %s", (unsigned long long)seed, why);
        }
        for (int i = 0; i < 500; i++)
            ASSERT_OK(random_op(&w));
        ASSERT_OK(cps_state_session_undo(w.st, outer));
        w.model = mid_model;
        cps_buf now;
        uint8_t now_hash[32];
        ASSERT_OK(dump_view(cps_state_pending_view(w.st), &now, now_hash));
        ASSERT_MSG(dumps_equal(&mid, &now), "seed %llu: outer undo left a different state",
                   (unsigned long long)seed);
        ASSERT_MEM_EQ(mid_hash, now_hash, 32);
        ASSERT_OK(model_matches_state(&w));
        cps_buf_free(&now);
        ASSERT(w.ops - ops_before > 2000); /* thousands of operations in block 2 */
        ASSERT_OK(cps_state_contract_check(cps_state_pending_view(w.st)));
        ASSERT_OK(cps_state_block_commit(w.st));
        /* The committed block 2 is the pending state we checked... */
        ASSERT_OK(dump_committed(w.st, &now, now_hash));
        ASSERT(dumps_equal(&mid, &now));
        cps_buf_free(&now);
        /* ...and popping it gives back block 1 byte for byte. */
        ASSERT_OK(cps_state_block_pop(w.st));
        ASSERT_OK(dump_committed(w.st, &now, now_hash));
        ASSERT_MSG(dumps_equal(&base, &now), "seed %llu: pop did not restore block 1",
                   (unsigned long long)seed);
        ASSERT_MEM_EQ(base_hash, now_hash, 32);
        cps_buf_free(&now);
        ASSERT(w.sessions_undone > 10 && w.sessions_squashed > 10 && w.failures_expected > 10);
        cps_buf_free(&base);
        cps_buf_free(&mid);
        close_world(&w, &d);
    }
}

TEST(the_same_operations_give_the_same_state_hash_on_two_databases)
{
    uint8_t hashes[2][32];
    cps_buf dumps[2];
    for (int n = 0; n < 2; n++) {
        tmpdb d;
        struct world w;
        char why[512] = "";
        ASSERT_OK(open_world(&w, &d, 99));
        ASSERT_OK(cps_state_block_begin(w.st, 0, NULL));
        for (int trx = 0; trx < 30; trx++) {
            int err = run_session(&w, 1, 60, why, sizeof why);
            ASSERT_MSG(err == 0, "%s", why);
        }
        ASSERT_OK(cps_state_block_commit(w.st));
        ASSERT_OK(dump_committed(w.st, &dumps[n], hashes[n]));
        close_world(&w, &d);
    }
    ASSERT(dumps_equal(&dumps[0], &dumps[1]));
    ASSERT_MEM_EQ(hashes[0], hashes[1], 32);
    cps_buf_free(&dumps[0]);
    cps_buf_free(&dumps[1]);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
