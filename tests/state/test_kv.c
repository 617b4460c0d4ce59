/* Tests of the state core: opening and table registry, generic key-value operations, seeks,
 * blocks, nested sessions, popping blocks, irreversibility, read views (also from other threads),
 * poisoned blocks and corrupt undo logs. */
#include "state_test.h"

#include <lmdb.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define S(x) x, sizeof(x) - 1 /* string literal as (pointer, length) without the NUL */

static int get_str(cps_state_view *v, cps_state_table t, const char *key, char *out, size_t cap)
{
    cps_bytes val;
    int err = cps_state_get(v, t, key, strlen(key), &val);
    if (err) return err;
    if (val.size >= cap) return -1000;
    memcpy(out, val.data, val.size);
    out[val.size] = 0;
    return 0;
}

/* Value of key in the pending view, or "-" if absent. */
static const char *pend(cps_state *st, cps_state_table t, const char *key)
{
    static char buf[256];
    if (get_str(cps_state_pending_view(st), t, key, buf, sizeof buf) != 0) strcpy(buf, "-");
    return buf;
}

static int put_str(cps_state *st, cps_state_table t, const char *key, const char *val)
{
    return cps_state_put(st, t, key, strlen(key), val, strlen(val));
}

TEST(open_creates_and_reopens_with_same_table_handles)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    ASSERT_EQ(cps_state_head(st), 0);
    ASSERT_EQ(cps_state_irreversible(st), 0);
    cps_state_table a, b, again, internal;
    ASSERT_OK(cps_state_table_open(st, "accounts", &a));
    ASSERT_OK(cps_state_table_open(st, "permissions", &b));
    ASSERT_OK(cps_state_table_open(st, "accounts", &again));
    ASSERT_EQ(a, again);
    ASSERT_NE(a, b);
    ASSERT_OK(cps_state_table_find(st, "_c.i64", &internal));
    ASSERT(internal < a);
    ASSERT_EQ(cps_state_table_find(st, "nothere", &again), CPS_ERR_NOT_FOUND);
    ASSERT(cps_state_max_key_size(st) >= 64);
    cps_state_close(st);
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table a2, b2;
    ASSERT_OK(cps_state_table_find(st, "accounts", &a2));
    ASSERT_OK(cps_state_table_open(st, "permissions", &b2));
    ASSERT_EQ(a2, a);
    ASSERT_EQ(b2, b);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(a_state_is_open_once_at_a_time)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st, *second;
    ASSERT_OK(tmpdb_open(&d, &st));
    ASSERT_EQ(tmpdb_open(&d, &second), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "open elsewhere");
    cps_state_close(st);
    ASSERT_OK(tmpdb_open(&d, &second));
    cps_state_close(second);
    /* A file path instead of a directory. */
    char file[128];
    snprintf(file, sizeof file, "%s/single.mdb", d.dir);
    cps_state_options o = {0};
    o.map_size = 1u << 24;
    o.no_subdir = true;
    ASSERT_OK(cps_state_open(file, &o, &st));
    ASSERT_EQ(cps_state_open(file, &o, &second), CPS_ERR_STATE);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(table_names_are_checked_and_tables_are_not_created_in_a_block)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_EQ(cps_state_table_open(st, "", &t), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_table_open(st, "_mine", &t), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_table_open(st, "has space", &t), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_table_open(st, "x/y", &t), CPS_ERR_INVALID_ARG);
    char longname[80];
    memset(longname, 'a', 65);
    longname[65] = 0;
    ASSERT_EQ(cps_state_table_open(st, longname, &t), CPS_ERR_INVALID_ARG);
    longname[64] = 0;
    ASSERT_OK(cps_state_table_open(st, longname, &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_EQ(cps_state_table_open(st, "late", &t), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "in a block");
    ASSERT_OK(cps_state_table_open(st, longname, &t)); /* existing tables may still be looked up */
    cps_state_block_abort(st);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(insert_update_put_remove_follow_their_contracts)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_EQ(put_str(st, t, "a", "1"), CPS_ERR_STATE); /* no pending block */
    ASSERT_CONTAINS(cps_last_error(), "no pending block");
    uint64_t rev;
    ASSERT_OK(cps_state_block_begin(st, 0, &rev));
    ASSERT_EQ(rev, 1);
    ASSERT_EQ(cps_state_block_begin(st, 0, &rev), CPS_ERR_STATE);
    ASSERT_OK(cps_state_insert(st, t, S("a"), S("1")));
    ASSERT_EQ(cps_state_insert(st, t, S("a"), S("2")), CPS_ERR_EXISTS);
    ASSERT_EQ(cps_state_update(st, t, S("b"), S("2")), CPS_ERR_NOT_FOUND);
    ASSERT_OK(cps_state_update(st, t, S("a"), S("11")));
    ASSERT_OK(put_str(st, t, "b", "2"));
    ASSERT_OK(put_str(st, t, "b", "22"));
    ASSERT_OK(cps_state_put(st, t, S("empty"), NULL, 0));
    ASSERT_EQ(cps_state_remove(st, t, S("zz")), CPS_ERR_NOT_FOUND);
    ASSERT_OK(put_str(st, t, "c", "3"));
    ASSERT_OK(cps_state_remove(st, t, S("c")));
    ASSERT_STR_EQ(pend(st, t, "a"), "11");
    ASSERT_STR_EQ(pend(st, t, "b"), "22");
    ASSERT_STR_EQ(pend(st, t, "c"), "-");
    ASSERT_STR_EQ(pend(st, t, "empty"), "");
    uint64_t rows;
    ASSERT_OK(cps_state_count(cps_state_pending_view(st), t, &rows));
    ASSERT_EQ(rows, 3);
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_EQ(cps_state_head(st), 1);
    ASSERT(cps_state_pending_view(st) == NULL);
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(st, &v));
    ASSERT_EQ(cps_state_view_revision(v), 1);
    char buf[16];
    ASSERT_OK(get_str(v, t, "b", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "22");
    ASSERT_EQ(get_str(v, t, "c", buf, sizeof buf), CPS_ERR_NOT_FOUND);
    cps_state_view_close(v);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(generic_writes_reject_internal_tables_and_bad_keys)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t, internal;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_table_find(st, "_c.tables", &internal));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_EQ(cps_state_put(st, internal, S("x"), S("y")), CPS_ERR_INVALID_ARG);
    ASSERT_CONTAINS(cps_last_error(), "contract API");
    ASSERT_EQ(cps_state_put(st, t, "", 0, S("y")), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_state_put(st, 999, S("x"), S("y")), CPS_ERR_INVALID_ARG);
    size_t max = cps_state_max_key_size(st);
    uint8_t *key = calloc(1, max + 1);
    ASSERT_OK(cps_state_put(st, t, key, max, S("max")));
    ASSERT_EQ(cps_state_put(st, t, key, max + 1, S("max")), CPS_ERR_INVALID_ARG);
    cps_bytes val;
    ASSERT_EQ(cps_state_get(cps_state_pending_view(st), t, key, max + 1, &val),
              CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_state_get(cps_state_pending_view(st), t, key, max, &val));
    ASSERT_EQ(val.size, 3);
    free(key);
    cps_state_block_abort(st);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(seek_finds_each_mode_including_edges)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    cps_state_view *v = cps_state_pending_view(st);
    cps_bytes k, val;
    ASSERT_EQ(cps_state_seek(v, t, CPS_STATE_FIRST, NULL, 0, &k, &val), CPS_ERR_NOT_FOUND);
    ASSERT_EQ(cps_state_seek(v, t, CPS_STATE_LAST, NULL, 0, &k, &val), CPS_ERR_NOT_FOUND);
    ASSERT_EQ(cps_state_seek(v, t, CPS_STATE_LE, S("m"), &k, &val), CPS_ERR_NOT_FOUND);
    ASSERT_OK(put_str(st, t, "b", "B"));
    ASSERT_OK(put_str(st, t, "d", "D"));
    ASSERT_OK(put_str(st, t, "dd", "DD"));
    ASSERT_OK(put_str(st, t, "f", "F"));
    struct {
        enum cps_state_seek mode;
        const char *key, *want;
    } cases[] = {
        {CPS_STATE_FIRST, "", "b"}, {CPS_STATE_LAST, "", "f"}, {CPS_STATE_GE, "a", "b"},
        {CPS_STATE_GE, "c", "d"},   {CPS_STATE_GE, "d", "d"},  {CPS_STATE_GE, "g", NULL},
        {CPS_STATE_GT, "d", "dd"},  {CPS_STATE_GT, "dd", "f"}, {CPS_STATE_GT, "f", NULL},
        {CPS_STATE_GT, "a", "b"},   {CPS_STATE_LE, "e", "dd"}, {CPS_STATE_LE, "d", "d"},
        {CPS_STATE_LE, "a", NULL},  {CPS_STATE_LE, "z", "f"},  {CPS_STATE_LT, "d", "b"},
        {CPS_STATE_LT, "b", NULL},  {CPS_STATE_LT, "z", "f"},  {CPS_STATE_LT, "ddd", "dd"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        int err = cps_state_seek(v, t, cases[i].mode, cases[i].key, strlen(cases[i].key), &k, &val);
        if (!cases[i].want) {
            ASSERT_MSG(err == CPS_ERR_NOT_FOUND, "case %zu: expected no row, got %d", i, err);
            continue;
        }
        ASSERT_MSG(err == 0, "case %zu: error %d", i, err);
        ASSERT_MSG(k.size == strlen(cases[i].want) && memcmp(k.data, cases[i].want, k.size) == 0,
                   "case %zu: wrong key", i);
        ASSERT_EQ(val.size, k.size); /* values are the upper-case keys */
    }
    ASSERT_EQ(cps_state_seek(v, t, CPS_STATE_GE, "", 0, &k, &val), CPS_ERR_INVALID_ARG);
    cps_state_block_abort(st);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(session_undo_restores_inserts_updates_and_removes)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "a", "1"));
    ASSERT_OK(put_str(st, t, "c", "3"));
    uint32_t l1, l2;
    ASSERT_OK(cps_state_session_push(st, &l1));
    ASSERT_EQ(l1, 1);
    ASSERT_OK(put_str(st, t, "a", "2"));
    ASSERT_OK(
        put_str(st, t, "a", "22")); /* second write in the session keeps the first saved value */
    ASSERT_OK(put_str(st, t, "b", "new"));
    ASSERT_OK(cps_state_remove(st, t, S("c")));
    ASSERT_OK(put_str(st, t, "e", "x"));
    ASSERT_OK(cps_state_remove(st, t, S("e"))); /* inserted and removed in the session */
    ASSERT_OK(cps_state_session_push(st, &l2));
    ASSERT_EQ(l2, 2);
    ASSERT_OK(put_str(st, t, "c", "again"));
    ASSERT_EQ(cps_state_session_level(st), 2);
    ASSERT_OK(cps_state_session_undo(st, l2));
    ASSERT_STR_EQ(pend(st, t, "c"), "-");
    ASSERT_STR_EQ(pend(st, t, "a"), "22");
    ASSERT_OK(cps_state_session_undo(st, l1));
    ASSERT_STR_EQ(pend(st, t, "a"), "1");
    ASSERT_STR_EQ(pend(st, t, "b"), "-");
    ASSERT_STR_EQ(pend(st, t, "c"), "3");
    ASSERT_STR_EQ(pend(st, t, "e"), "-");
    ASSERT_EQ(cps_state_session_level(st), 0);
    ASSERT_OK(cps_state_block_commit(st));
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(squash_merges_into_the_enclosing_session_which_undoes_everything)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "a", "base"));
    ASSERT_OK(put_str(st, t, "k", "base"));
    uint32_t l1, l2, l3;
    ASSERT_OK(cps_state_session_push(st, &l1)); /* transaction */
    ASSERT_OK(put_str(st, t, "a", "t1"));
    ASSERT_OK(cps_state_session_push(st, &l2)); /* action */
    ASSERT_OK(put_str(st, t, "a", "a1"));
    ASSERT_OK(put_str(st, t, "b", "a1"));
    ASSERT_OK(cps_state_remove(st, t, S("k")));
    ASSERT_OK(cps_state_session_squash(st, l2));
    ASSERT_STR_EQ(pend(st, t, "a"), "a1");
    ASSERT_OK(cps_state_session_push(st, &l3)); /* next action fails */
    ASSERT_OK(put_str(st, t, "b", "a2"));
    ASSERT_OK(put_str(st, t, "k", "a2"));
    ASSERT_OK(cps_state_session_undo(st, l3));
    ASSERT_STR_EQ(pend(st, t, "b"), "a1"); /* back to the squashed state */
    ASSERT_STR_EQ(pend(st, t, "k"), "-");
    ASSERT_OK(cps_state_session_undo(st, l1)); /* the transaction fails: all of it goes */
    ASSERT_STR_EQ(pend(st, t, "a"), "base");
    ASSERT_STR_EQ(pend(st, t, "b"), "-");
    ASSERT_STR_EQ(pend(st, t, "k"), "base");
    /* A squashed transaction stays in the block. */
    ASSERT_OK(cps_state_session_push(st, &l1));
    ASSERT_OK(put_str(st, t, "a", "kept"));
    ASSERT_OK(cps_state_session_squash(st, l1));
    ASSERT_OK(cps_state_block_commit(st));
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(st, &v));
    char buf[16];
    ASSERT_OK(get_str(v, t, "a", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "kept");
    cps_state_view_close(v);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(sessions_catch_unbalanced_use)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    uint32_t l1, l2;
    ASSERT_EQ(cps_state_session_push(st, &l1), CPS_ERR_STATE); /* no block */
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_EQ(cps_state_session_undo(st, 0), CPS_ERR_STATE); /* the block is not a session */
    ASSERT_OK(cps_state_session_push(st, &l1));
    ASSERT_OK(cps_state_session_push(st, &l2));
    ASSERT_EQ(cps_state_session_squash(st, l1), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "innermost");
    ASSERT_OK(put_str(st, t, "x", "1"));
    ASSERT_EQ(cps_state_block_commit(st), CPS_ERR_STATE);
    ASSERT(cps_state_block_pending(st)); /* misuse leaves the block pending */
    ASSERT_OK(cps_state_session_squash(st, l2));
    ASSERT_OK(cps_state_session_squash(st, l1));
    ASSERT_EQ(cps_state_session_squash(st, l1), CPS_ERR_STATE);
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_EQ(cps_state_head(st), 1);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(block_abort_discards_everything)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "a", "1"));
    ASSERT_OK(cps_state_block_commit(st));
    cps_buf before, after;
    uint8_t h1[32], h2[32];
    ASSERT_OK(dump_committed(st, &before, h1));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    uint32_t l;
    ASSERT_OK(cps_state_session_push(st, &l));
    ASSERT_OK(put_str(st, t, "a", "2"));
    ASSERT_OK(put_str(st, t, "b", "2"));
    cps_state_block_abort(st);
    ASSERT(!cps_state_block_pending(st));
    ASSERT_EQ(cps_state_head(st), 1);
    ASSERT_OK(dump_committed(st, &after, h2));
    ASSERT(dumps_equal(&before, &after));
    ASSERT_MEM_EQ(h1, h2, 32);
    /* The next block starts clean at the same revision. */
    uint64_t rev;
    ASSERT_OK(cps_state_block_begin(st, 0, &rev));
    ASSERT_EQ(rev, 2);
    ASSERT_EQ(cps_state_session_level(st), 0);
    ASSERT_STR_EQ(pend(st, t, "b"), "-");
    cps_state_block_abort(st);
    cps_buf_free(&before);
    cps_buf_free(&after);
    cps_state_close(st);
    tmpdb_remove(&d);
}

/* Blocks 1..3 with overlapping writes; returns the dumps after each in d[1..3]. */
static int three_blocks(cps_state *st, cps_state_table t, cps_buf dumps[4])
{
    const char *ops[3][4] = {
        {"a=1", "b=1", "c=1", NULL},
        {"a=2", "-b", "d=2", "a=22"},
        {"-a", "b=3", "e=3", "-d"},
    };
    int err = dump_committed(st, &dumps[0], NULL);
    for (int b = 0; b < 3 && !err; b++) {
        if ((err = cps_state_block_begin(st, 0, NULL))) break;
        for (int i = 0; i < 4 && ops[b][i] && !err; i++) {
            const char *op = ops[b][i];
            if (op[0] == '-')
                err = cps_state_remove(st, t, op + 1, 1);
            else
                err = cps_state_put(st, t, op, 1, op + 2, strlen(op + 2));
        }
        if (!err) err = cps_state_block_commit(st);
        if (!err) err = dump_committed(st, &dumps[b + 1], NULL);
    }
    return err;
}

TEST(pop_restores_each_previous_block_exactly)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    cps_buf dumps[4];
    ASSERT_OK(three_blocks(st, t, dumps));
    ASSERT_EQ(cps_state_head(st), 3);
    for (int rev = 2; rev >= 0; rev--) {
        ASSERT_OK(cps_state_block_pop(st));
        ASSERT_EQ(cps_state_head(st), rev);
        cps_buf now;
        ASSERT_OK(dump_committed(st, &now, NULL));
        ASSERT_MSG(dumps_equal(&now, &dumps[rev]), "state after popping to %d differs", rev);
        cps_buf_free(&now);
    }
    ASSERT_EQ(cps_state_block_pop(st), CPS_ERR_STATE);
    for (int i = 0; i < 4; i++)
        cps_buf_free(&dumps[i]);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(irreversible_discards_undo_logs_and_stops_pops)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    cps_buf dumps[4];
    ASSERT_OK(three_blocks(st, t, dumps));
    ASSERT_OK(cps_state_set_irreversible(st, 1));
    ASSERT_EQ(cps_state_irreversible(st), 1);
    ASSERT_OK(cps_state_set_irreversible(st, 0)); /* lower: nothing happens */
    ASSERT_EQ(cps_state_irreversible(st), 1);
    ASSERT_EQ(cps_state_undo_to(st, 0), CPS_ERR_STATE);
    ASSERT_OK(cps_state_undo_to(st, 1));
    ASSERT_EQ(cps_state_head(st), 1);
    cps_buf now;
    ASSERT_OK(dump_committed(st, &now, NULL));
    ASSERT(dumps_equal(&now, &dumps[1]));
    cps_buf_free(&now);
    ASSERT_EQ(cps_state_block_pop(st), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "irreversible");
    /* Clamped to the head. */
    ASSERT_OK(cps_state_set_irreversible(st, 100));
    ASSERT_EQ(cps_state_irreversible(st), 1);
    for (int i = 0; i < 4; i++)
        cps_buf_free(&dumps[i]);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(irreversible_inside_a_block_follows_the_block)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    cps_buf dumps[4];
    ASSERT_OK(three_blocks(st, t, dumps));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(cps_state_set_irreversible(st, 2));
    cps_state_block_abort(st);
    ASSERT_EQ(cps_state_irreversible(st), 0);
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(cps_state_set_irreversible(st, 2));
    ASSERT_EQ(cps_state_irreversible(st), 0); /* not until the commit */
    ASSERT_OK(put_str(st, t, "z", "4"));
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_EQ(cps_state_irreversible(st), 2);
    ASSERT_EQ(cps_state_head(st), 4);
    ASSERT_OK(cps_state_undo_to(st, 2));
    ASSERT_EQ(cps_state_block_pop(st), CPS_ERR_STATE);
    cps_buf now;
    ASSERT_OK(dump_committed(st, &now, NULL));
    ASSERT(dumps_equal(&now, &dumps[2]));
    cps_buf_free(&now);
    for (int i = 0; i < 4; i++)
        cps_buf_free(&dumps[i]);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(irreversible_blocks_keep_no_undo_log)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, CPS_STATE_BLOCK_IRREVERSIBLE, NULL));
    ASSERT_OK(put_str(st, t, "a", "1"));
    uint32_t l;
    ASSERT_OK(cps_state_session_push(st, &l)); /* sessions still undo */
    ASSERT_OK(put_str(st, t, "a", "2"));
    ASSERT_OK(cps_state_session_undo(st, l));
    ASSERT_STR_EQ(pend(st, t, "a"), "1");
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_EQ(cps_state_head(st), 1);
    ASSERT_EQ(cps_state_irreversible(st), 1);
    ASSERT_EQ(cps_state_block_pop(st), CPS_ERR_STATE);
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "a", "3"));
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_EQ(cps_state_block_begin(st, CPS_STATE_BLOCK_IRREVERSIBLE, NULL), CPS_ERR_STATE);
    ASSERT_OK(cps_state_block_pop(st));
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(st, &v));
    char buf[8];
    ASSERT_OK(get_str(v, t, "a", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "1");
    cps_state_view_close(v);
    cps_state_close(st);
    tmpdb_remove(&d);
}

/* In an irreversible block a squash into the block drops the session's undo records (nothing
 * can undo the block level): later sessions must still undo exactly their own writes, also on
 * keys the dropped sessions wrote, nested sessions included, and the block commits the result. */
TEST(irreversible_block_squash_drops_records_and_later_sessions_still_undo)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, CPS_STATE_BLOCK_IRREVERSIBLE, NULL));
    ASSERT_OK(put_str(st, t, "a", "0"));
    uint32_t l1, l2;
    for (int round = 0; round < 50; round++) {
        /* a "transaction" with a nested session, squashed twice into the block */
        char v[16];
        snprintf(v, sizeof v, "%d", round);
        ASSERT_OK(cps_state_session_push(st, &l1));
        ASSERT_EQ(l1, 1);
        ASSERT_OK(put_str(st, t, "a", v));
        ASSERT_OK(cps_state_session_push(st, &l2));
        ASSERT_OK(put_str(st, t, "a", "inner"));
        ASSERT_OK(put_str(st, t, v, "row"));
        ASSERT_OK(cps_state_session_squash(st, l2));
        ASSERT_OK(put_str(st, t, "a", v));
        ASSERT_OK(cps_state_session_squash(st, l1));
        ASSERT_EQ(cps_state_session_level(st), 0);
        /* a failing one on the same keys: undone back to what the squashed one left */
        ASSERT_OK(cps_state_session_push(st, &l1));
        ASSERT_OK(put_str(st, t, "a", "failed"));
        ASSERT_OK(cps_state_remove(st, t, v, strlen(v)));
        ASSERT_OK(put_str(st, t, "zz", "failed"));
        ASSERT_OK(cps_state_session_undo(st, l1));
        ASSERT_STR_EQ(pend(st, t, "a"), v);
        ASSERT_STR_EQ(pend(st, t, v), "row");
        ASSERT_STR_EQ(pend(st, t, "zz"), "-");
    }
    ASSERT_OK(cps_state_block_commit(st));
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(st, &v));
    char buf[8];
    ASSERT_OK(get_str(v, t, "a", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "49");
    ASSERT_OK(get_str(v, t, "17", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "row");
    uint64_t rows = 0;
    ASSERT_OK(cps_state_count(v, t, &rows));
    ASSERT_EQ(rows, 51);
    cps_state_view_close(v);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(reopen_keeps_head_data_and_undo_logs)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    cps_buf dumps[4];
    ASSERT_OK(three_blocks(st, t, dumps));
    ASSERT_OK(cps_state_set_irreversible(st, 1));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "pending", "lost"));
    cps_state_close(st); /* the pending block is aborted */
    ASSERT_OK(tmpdb_open(&d, &st));
    ASSERT_EQ(cps_state_head(st), 3);
    ASSERT_EQ(cps_state_irreversible(st), 1);
    cps_buf now;
    ASSERT_OK(dump_committed(st, &now, NULL));
    ASSERT(dumps_equal(&now, &dumps[3]));
    cps_buf_free(&now);
    ASSERT_OK(cps_state_block_pop(st));
    ASSERT_OK(dump_committed(st, &now, NULL));
    ASSERT(dumps_equal(&now, &dumps[2]));
    cps_buf_free(&now);
    for (int i = 0; i < 4; i++)
        cps_buf_free(&dumps[i]);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(views_see_the_committed_block_only)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "a", "1"));
    ASSERT_OK(cps_state_block_commit(st));
    cps_state_view *old;
    ASSERT_OK(cps_state_view_open(st, &old));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "a", "2"));
    cps_state_view *during;
    ASSERT_OK(cps_state_view_open(st, &during)); /* the pending block is not visible */
    char buf[8];
    ASSERT_OK(get_str(during, t, "a", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "1");
    ASSERT_EQ(cps_state_view_revision(during), 1);
    ASSERT_EQ(cps_state_view_revision(cps_state_pending_view(st)), 2);
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_OK(get_str(old, t, "a", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "1"); /* a view is a snapshot */
    cps_state_view *fresh;
    ASSERT_OK(cps_state_view_open(st, &fresh));
    ASSERT_OK(get_str(fresh, t, "a", buf, sizeof buf));
    ASSERT_STR_EQ(buf, "2");
    ASSERT_EQ(cps_state_view_revision(fresh), 2);
    /* A table created after a view began is unknown to it. */
    cps_state_table later;
    ASSERT_OK(cps_state_table_open(st, "later", &later));
    cps_bytes val;
    ASSERT_EQ(cps_state_get(fresh, later, S("a"), &val), CPS_ERR_INVALID_ARG);
    cps_state_view_close(old);
    cps_state_view_close(during);
    cps_state_view_close(fresh);
    cps_state_close(st);
    tmpdb_remove(&d);
}

/* Concurrency: the writer moves amounts between accounts in many blocks (the total never
 * changes); reader threads open views all along and must always see a consistent total and
 * revisions that never go back. */
#define ACCOUNTS 16
#define TOTAL 1600

struct reader_arg {
    cps_state *st;
    cps_state_table t;
    volatile int *stop;
    atomic_int views; /* read by the writer to know each reader has run (no timing assumed) */
    int errors;
};

static void *reader_main(void *p)
{
    struct reader_arg *a = p;
    uint64_t last_rev = 0;
    while (!*a->stop) {
        cps_state_view *v;
        if (cps_state_view_open(a->st, &v)) {
            a->errors++;
            continue;
        }
        uint64_t sum = 0, rev = cps_state_view_revision(v);
        cps_bytes k, val;
        int err = cps_state_seek(v, a->t, CPS_STATE_FIRST, NULL, 0, &k, &val);
        int rows = 0;
        while (err == 0) {
            sum += cps_load_u64(val.data);
            rows++;
            uint8_t key[8];
            memcpy(key, k.data, 8);
            err = cps_state_seek(v, a->t, CPS_STATE_GT, key, 8, &k, &val);
        }
        if (err != CPS_ERR_NOT_FOUND || rev < last_rev ||
            (rev > 0 && (sum != TOTAL || rows != ACCOUNTS)))
            a->errors++;
        last_rev = rev;
        a->views++;
        cps_state_view_close(v);
    }
    return NULL;
}

TEST(readers_on_other_threads_see_consistent_committed_blocks)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "balances", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    for (uint64_t i = 0; i < ACCOUNTS; i++) {
        uint8_t key[8], val[8];
        cps_store_u64(key, i);
        cps_store_u64(val, TOTAL / ACCOUNTS);
        ASSERT_OK(cps_state_put(st, t, key, 8, val, 8));
    }
    ASSERT_OK(cps_state_block_commit(st));
    volatile int stop = 0;
    struct reader_arg args[2] = {{st, t, &stop, 0, 0}, {st, t, &stop, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ASSERT_OK(pthread_create(&th[i], NULL, reader_main, &args[i]));
    rng r = rng_make(7);
    for (int b = 0; b < 300; b++) {
        ASSERT_OK(cps_state_block_begin(st, 0, NULL));
        for (int i = 0; i < 20; i++) {
            uint8_t kf[8], kt[8];
            cps_store_u64(kf, rng_below(&r, ACCOUNTS));
            cps_store_u64(kt, rng_below(&r, ACCOUNTS));
            cps_bytes vf, vt;
            ASSERT_OK(cps_state_get(cps_state_pending_view(st), t, kf, 8, &vf));
            uint64_t from = cps_load_u64(vf.data);
            ASSERT_OK(cps_state_get(cps_state_pending_view(st), t, kt, 8, &vt));
            uint64_t to = cps_load_u64(vt.data);
            uint64_t amount = from ? rng_below(&r, (uint32_t)from + 1) : 0;
            if (memcmp(kf, kt, 8) == 0) continue;
            uint8_t val[8];
            cps_store_u64(val, from - amount);
            ASSERT_OK(cps_state_put(st, t, kf, 8, val, 8));
            cps_store_u64(val, to + amount);
            ASSERT_OK(cps_state_put(st, t, kt, 8, val, 8));
        }
        ASSERT_OK(cps_state_block_commit(st));
        if (b % 50 == 49) ASSERT_OK(cps_state_set_irreversible(st, cps_state_head(st) - 10));
    }
    /* on a loaded machine a reader may not have been scheduled yet: wait for each to finish
     * views while blocks are still being committed, rather than assume it */
    for (int b = 0; atomic_load(&args[0].views) < 2 || atomic_load(&args[1].views) < 2; b++) {
        ASSERT_OK(cps_state_block_begin(st, 0, NULL));
        ASSERT_OK(cps_state_block_commit(st));
        if (b % 50 == 49) ASSERT_OK(cps_state_set_irreversible(st, cps_state_head(st) - 10));
        sched_yield();
    }
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    ASSERT_EQ(args[0].errors + args[1].errors, 0);
    ASSERT(args[0].views > 0 && args[1].views > 0);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(a_full_map_poisons_the_block_which_can_then_only_abort)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state_options o = {0};
    o.map_size = 2u << 20; /* 2 MiB */
    o.sync = CPS_STATE_SYNC_NONE;
    cps_state *st;
    ASSERT_OK(cps_state_open(d.path, &o, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(put_str(st, t, "keep", "yes"));
    ASSERT_OK(cps_state_block_commit(st));
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    static uint8_t big[64 * 1024];
    int err = 0;
    for (uint32_t i = 0; i < 1000 && !err; i++) {
        uint8_t key[4];
        cps_store_u32(key, i);
        err = cps_state_put(st, t, key, 4, big, sizeof big);
    }
    ASSERT_EQ(err, CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "map is full");
    ASSERT_EQ(put_str(st, t, "more", "x"), CPS_ERR_STATE);
    uint32_t l;
    ASSERT_EQ(cps_state_session_push(st, &l), CPS_ERR_STATE);
    ASSERT_EQ(cps_state_block_commit(st), CPS_ERR_STATE);
    ASSERT(!cps_state_block_pending(st)); /* the failed commit aborted it */
    ASSERT_EQ(cps_state_head(st), 1);
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_STR_EQ(pend(st, t, "keep"), "yes");
    ASSERT_OK(put_str(st, t, "after", "ok"));
    ASSERT_OK(cps_state_block_commit(st));
    cps_state_close(st);
    tmpdb_remove(&d);
}

/* Overwrites the stored undo log of `revision` with `bytes` through LMDB directly. */
static int corrupt_undo_log(const char *path, uint64_t revision, const void *bytes, size_t n)
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
    if ((rc = mdb_dbi_open(txn, "_undo", 0, &dbi))) {
        mdb_txn_abort(txn);
        goto out;
    }
    uint8_t kb[8];
    for (int i = 0; i < 8; i++)
        kb[i] = (uint8_t)(revision >> (56 - 8 * i));
    MDB_val k = {8, kb}, v = {n, (void *)bytes};
    if ((rc = mdb_put(txn, dbi, &k, &v, 0))) {
        mdb_txn_abort(txn);
        goto out;
    }
    rc = mdb_txn_commit(txn);
out:
    mdb_env_close(env);
    return rc;
}

TEST(a_corrupt_undo_log_fails_the_pop_cleanly)
{
    tmpdb d;
    ASSERT_OK(tmpdb_make(&d));
    cps_state *st;
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    cps_buf dumps[4];
    ASSERT_OK(three_blocks(st, t, dumps));
    cps_state_close(st);
    /* count 2, then a record with table 99 / a truncated record / a flag of 7 / trailing bytes */
    const uint8_t bad_table[] = {1, 0, 0, 0, 99, 0, 0, 0, 0, 1, 'a'};
    const uint8_t truncated[] = {2, 0, 0, 0, 13, 0, 0, 0, 1, 1, 'a', 5, 'x'};
    const uint8_t bad_flag[] = {1, 0, 0, 0, 13, 0, 0, 0, 7, 1, 'a'};
    const uint8_t trailing[] = {0, 0, 0, 0, 9};
    const struct {
        const uint8_t *b;
        size_t n;
    } cases[] = {{bad_table, sizeof bad_table},
                 {truncated, sizeof truncated},
                 {bad_flag, sizeof bad_flag},
                 {trailing, sizeof trailing}};
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        ASSERT_OK(corrupt_undo_log(d.path, 3, cases[i].b, cases[i].n));
        ASSERT_OK(tmpdb_open(&d, &st));
        int err = cps_state_block_pop(st);
        ASSERT_MSG(err == CPS_ERR_DB_CORRUPT, "case %zu: pop returned %d", i, err);
        ASSERT_CONTAINS(cps_last_error(), "undo log of revision 3");
        ASSERT_EQ(cps_state_head(st), 3);
        cps_buf now;
        ASSERT_OK(dump_committed(st, &now, NULL));
        ASSERT(dumps_equal(&now, &dumps[3])); /* nothing was applied */
        cps_buf_free(&now);
        cps_state_close(st);
    }
    for (int i = 0; i < 4; i++)
        cps_buf_free(&dumps[i]);
    tmpdb_remove(&d);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
