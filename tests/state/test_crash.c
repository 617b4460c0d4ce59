/* Crash consistency: a child process writes blocks (and sometimes pops them, as a fork switch
 * would) and is killed with SIGKILL at random moments. The parent reopens the database each time
 * and checks that the head is a committed block whose state hash equals a reference built from
 * the same blocks in a separate database, that the contract tables are intact, and that every
 * reversible block can be popped back to the irreversible revision with the right state at each
 * step. Block contents depend only on (revision, state before it), so the reference is exact. */
#include "state_test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define GTABLES 2
#define MAX_REV 200000

struct ctx {
    cps_state *st;
    cps_state_db *db;
    cps_state_table gt[GTABLES];
};

static int ctx_open(struct ctx *c, const char *path, bool write_map)
{
    cps_state_options o = {0};
    o.map_size = UINT64_C(1) << 30;
    o.sync = CPS_STATE_SYNC_NONE;
    o.write_map = write_map;
    int err = cps_state_open(path, &o, &c->st);
    for (int t = 0; t < GTABLES && !err; t++)
        err = cps_state_table_open(c->st, t ? "g1" : "g0", &c->gt[t]);
    if (!err) err = cps_state_db_create(&c->db);
    return err;
}

static void ctx_close(struct ctx *c)
{
    cps_state_db_destroy(c->db);
    cps_state_close(c->st);
}

/* One random operation; contract failures from duplicates are part of the workload. */
static int op(struct ctx *c, rng *r)
{
    uint8_t key = (uint8_t)(1 + rng_below(r, 40)), val[24];
    size_t len = rng_below(r, sizeof val + 1);
    for (size_t i = 0; i < len; i++)
        val[i] = (uint8_t)rng_next(r);
    cps_state_table t = c->gt[rng_below(r, GTABLES)];
    uint64_t code = 1 + rng_below(r, 2), scope = rng_below(r, 3), table = 7, pk = rng_below(r, 12);
    cps_state_db_reset(c->db, cps_state_pending_view(c->st), code, NULL, NULL);
    int it, err;
    uint8_t sec[32] = {0}, got[32];
    sec[0] = (uint8_t)rng_below(r, 4);
    switch (rng_below(r, 7)) {
    case 0:
        return cps_state_put(c->st, t, &key, 1, val, len);
    case 1:
        err = cps_state_remove(c->st, t, &key, 1);
        return err == CPS_ERR_NOT_FOUND ? 0 : err;
    case 2:
        err = cps_state_db_store_i64(c->db, scope, table, 1 + rng_below(r, 3), pk, val, len, &it);
        return err == CPS_ERR_EXISTS ? 0 : err;
    case 3:
        if ((err = cps_state_db_find_i64(c->db, code, scope, table, pk, &it)) || it < 0) return err;
        return rng_below(r, 2) ? cps_state_db_update_i64(c->db, it, 0, val, len)
                               : cps_state_db_remove_i64(c->db, it);
    case 4:
        err = cps_state_db_idx_store(c->db, CPS_STATE_IDX64, scope, table, 2, pk, sec, &it);
        return err == CPS_ERR_EXISTS ? 0 : err;
    case 5:
        if ((err = cps_state_db_idx_find_primary(c->db, CPS_STATE_IDX128, code, scope, table, got,
                                                 pk, &it)) ||
            it < 0) {
            if (err) return err;
            err = cps_state_db_idx_store(c->db, CPS_STATE_IDX128, scope, table, 3, pk, sec, &it);
            return err;
        }
        return cps_state_db_idx_update(c->db, CPS_STATE_IDX128, it, 0, sec);
    default:
        if ((err = cps_state_db_idx_find_primary(c->db, CPS_STATE_IDX64, code, scope, table, got,
                                                 pk, &it)) ||
            it < 0)
            return err;
        return cps_state_db_idx_remove(c->db, CPS_STATE_IDX64, it);
    }
}

/* Applies and commits block `rev` (= head + 1): a few transactions as sessions, some undone. Every
 * seventh block also makes rev - 6 irreversible. */
static int write_block(struct ctx *c, uint64_t rev)
{
    rng r = rng_make(rev * 7919 + 1);
    uint64_t got;
    int err = cps_state_block_begin(c->st, 0, &got);
    if (err) return err;
    if (got != rev) return -1;
    int trxs = 1 + (int)rng_below(&r, 5);
    for (int i = 0; i < trxs && !err; i++) {
        uint32_t level;
        if ((err = cps_state_session_push(c->st, &level))) break;
        int ops = 1 + (int)rng_below(&r, 15);
        for (int j = 0; j < ops && !err; j++)
            err = op(c, &r);
        if (err) break;
        err = rng_below(&r, 4) == 0 ? cps_state_session_undo(c->st, level)
                                    : cps_state_session_squash(c->st, level);
    }
    if (!err && rev % 7 == 0 && rev > 6) err = cps_state_set_irreversible(c->st, rev - 6);
    if (err) {
        cps_state_block_abort(c->st);
        return err;
    }
    return cps_state_block_commit(c->st);
}

static int committed_hash(cps_state *st, uint8_t out[32])
{
    cps_state_view *v;
    int err = cps_state_view_open(st, &v);
    if (err) return err;
    err = cps_state_hash(v, out);
    if (!err) err = cps_state_contract_check(v);
    cps_state_view_close(v);
    return err;
}

/* The child: writes blocks forever, popping one now and then (never below irreversible). */
static void child_main(const char *path, uint64_t seed, bool write_map)
{
    struct ctx c;
    if (ctx_open(&c, path, write_map)) _exit(2);
    rng r = rng_make(seed);
    for (;;) {
        uint64_t head = cps_state_head(c.st);
        if (head > cps_state_irreversible(c.st) && rng_below(&r, 6) == 0) {
            if (cps_state_block_pop(c.st)) _exit(3);
        } else if (head + 1 >= MAX_REV || write_block(&c, head + 1)) {
            _exit(4);
        }
    }
}

/* Reference hashes, built lazily in a database that only ever moves forward. */
struct reference {
    struct ctx c;
    uint64_t built;
    uint8_t (*hash)[32];
};

static int reference_upto(struct reference *ref, uint64_t rev)
{
    while (ref->built < rev) {
        int err = write_block(&ref->c, ref->built + 1);
        if (err) return err;
        ref->built++;
        if ((err = committed_hash(ref->c.st, ref->hash[ref->built]))) return err;
    }
    return 0;
}

TEST(a_killed_writer_leaves_a_consistent_head_that_can_pop_to_irreversible)
{
    tmpdb d, refdb;
    ASSERT_OK(tmpdb_make(&d));
    ASSERT_OK(tmpdb_make(&refdb));
    struct reference ref = {0};
    ref.hash = calloc(MAX_REV + 1, 32);
    ASSERT(ref.hash != NULL);
    ASSERT_OK(ctx_open(&ref.c, refdb.path, false));
    ASSERT_OK(committed_hash(ref.c.st, ref.hash[0]));
    /* Kill moments vary from run to run; CPS_CRASH_SEED replays a run. */
    const char *env_seed = getenv("CPS_CRASH_SEED");
    uint64_t seed = env_seed ? strtoull(env_seed, NULL, 10) : (uint64_t)time(NULL);
    printf("crash test: kill-timing seed %llu\n", (unsigned long long)seed);
    rng r = rng_make(seed);
    uint64_t total_popped = 0, max_head = 0;
    int killed_mid_run = 0;
    for (int cycle = 0; cycle < 12; cycle++) {
        bool write_map = cycle % 3 == 2;
        pid_t pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) child_main(d.path, (uint64_t)cycle * 31 + 5, write_map);
        struct timespec ts = {0, (long)(2 + rng_below(&r, 120)) * 1000000L};
        nanosleep(&ts, NULL);
        ASSERT_OK(kill(pid, SIGKILL));
        int status;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        /* A child that exited on its own failed (codes 2..4). */
        ASSERT_MSG(WIFSIGNALED(status), "child exited with %d",
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        killed_mid_run++;
        struct ctx c;
        ASSERT_OK(ctx_open(&c, d.path, write_map));
        uint64_t head = cps_state_head(c.st), irr = cps_state_irreversible(c.st);
        ASSERT(irr <= head);
        if (head > max_head) max_head = head;
        ASSERT_OK(reference_upto(&ref, head));
        uint8_t h[32];
        ASSERT_OK(committed_hash(c.st, h));
        ASSERT_MSG(memcmp(h, ref.hash[head], 32) == 0,
                   "cycle %d: head %llu differs from the reference", cycle,
                   (unsigned long long)head);
        /* Pop every reversible block, checking each revision on the way down. */
        while (cps_state_head(c.st) > irr) {
            ASSERT_OK(cps_state_block_pop(c.st));
            total_popped++;
            ASSERT_OK(committed_hash(c.st, h));
            ASSERT_MSG(memcmp(h, ref.hash[cps_state_head(c.st)], 32) == 0,
                       "cycle %d: revision %llu after pop differs", cycle,
                       (unsigned long long)cps_state_head(c.st));
        }
        ASSERT_EQ(cps_state_block_pop(c.st), CPS_ERR_STATE);
        ctx_close(&c);
    }
    ASSERT_EQ(killed_mid_run, 12);
    ASSERT(max_head > 20);    /* the children did write blocks */
    ASSERT(total_popped > 0); /* and there were reversible blocks to undo */
    printf("crash test: highest head %llu, %llu blocks popped after kills\n",
           (unsigned long long)max_head, (unsigned long long)total_popped);
    ctx_close(&ref.c);
    free(ref.hash);
    tmpdb_remove(&d);
    tmpdb_remove(&refdb);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
