/* Benchmark of the state module: rows written and read per second in blocks of N (generic tables
 * and eosio.token-style contract transfers, each operation in its own undo session), beside a raw
 * LMDB loop doing the same reads and writes in one transaction per block, measured in the same
 * run. The ratio is the cost of undo logging, sessions, key encoding and EOSIO semantics. */
#define _XOPEN_SOURCE 700
#include "state/state.h"

#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS 100000
#define VALUE 64
#define ACCOUNTS 10000
#define TOKEN UINT64_C(0x5530EA033482A600) /* eosio.token */
#define ACCOUNTS_TABLE UINT64_C(0x3230A3B3C0000000)

static char dir[64];

static int unlink_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_state: %s failed: %d %s\n", what, err, cps_last_error());
    nftw(dir, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
    exit(1);
}

#define CHECK(what, expr)                                                                          \
    do {                                                                                           \
        int err_ = (expr);                                                                         \
        if (err_) die(what, err_);                                                                 \
    } while (0)

static uint64_t xs = 88172645463325252ull;
static uint64_t rnd(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}

static double secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

/* ---- raw LMDB baseline ---------------------------------------------------------------------- */

struct raw {
    MDB_env *env;
    MDB_dbi dbi;
};

static void raw_open(struct raw *r, const char *path)
{
    mkdir(path, 0755);
    CHECK("raw env", mdb_env_create(&r->env));
    mdb_env_set_mapsize(r->env, (size_t)4 << 30);
    CHECK("raw open", mdb_env_open(r->env, path, MDB_NOTLS | MDB_NOSYNC, 0644));
    MDB_txn *txn;
    CHECK("raw txn", mdb_txn_begin(r->env, NULL, 0, &txn));
    CHECK("raw dbi", mdb_dbi_open(txn, NULL, 0, &r->dbi));
    CHECK("raw commit", mdb_txn_commit(txn));
}

/* Per block, for each of n operations: `gets` gets then `puts` puts of random keys (the same access
 * pattern the state benchmark makes, without undo, sessions or encodings). Returns ns. */
static uint64_t raw_blocks(struct raw *r, int blocks, int n, int gets, int puts, uint64_t keyspace)
{
    uint8_t val[VALUE];
    memset(val, 7, sizeof val);
    uint64_t t0 = cps_time_mono_ns();
    for (int b = 0; b < blocks; b++) {
        MDB_txn *txn;
        CHECK("raw begin", mdb_txn_begin(r->env, NULL, 0, &txn));
        for (int i = 0; i < n; i++) {
            for (int g = 0; g < gets; g++) {
                uint8_t k[16] = {0};
                cps_store_u64(k + 8, rnd() % keyspace);
                MDB_val key = {16, k}, d;
                int rc = mdb_get(txn, r->dbi, &key, &d);
                if (rc && rc != MDB_NOTFOUND) die("raw get", rc);
            }
            for (int p = 0; p < puts; p++) {
                uint8_t k[16] = {0};
                cps_store_u64(k + 8, rnd() % keyspace);
                uint8_t buf[VALUE + 8] = {0};
                memcpy(buf + 8, val, VALUE);
                MDB_val key = {16, k}, d = {VALUE + 8, buf};
                CHECK("raw put", mdb_put(txn, r->dbi, &key, &d, 0));
            }
        }
        CHECK("raw commit", mdb_txn_commit(txn));
    }
    return cps_time_mono_ns() - t0;
}

/* ---- state: generic tables ---------------------------------------------------------------------
 */

static uint64_t state_generic_blocks(cps_state *st, cps_state_table t, int blocks, int n, int gets,
                                     int puts, uint64_t keyspace)
{
    uint8_t val[VALUE + 8];
    memset(val, 7, sizeof val);
    uint64_t t0 = cps_time_mono_ns();
    for (int b = 0; b < blocks; b++) {
        CHECK("begin", cps_state_block_begin(st, 0, NULL));
        cps_state_view *v = cps_state_pending_view(st);
        for (int i = 0; i < n; i++) {
            uint32_t level;
            CHECK("push", cps_state_session_push(st, &level));
            for (int g = 0; g < gets; g++) {
                uint8_t k[16] = {0};
                cps_store_u64(k + 8, rnd() % keyspace);
                cps_bytes out;
                int err = cps_state_get(v, t, k, 16, &out);
                if (err && err != CPS_ERR_NOT_FOUND) die("get", err);
            }
            for (int p = 0; p < puts; p++) {
                uint8_t k[16] = {0};
                cps_store_u64(k + 8, rnd() % keyspace);
                CHECK("put", cps_state_put(st, t, k, 16, val, sizeof val));
            }
            CHECK("squash", cps_state_session_squash(st, level));
        }
        CHECK("commit", cps_state_block_commit(st));
        if (cps_state_head(st) > 3)
            CHECK("irreversible", cps_state_set_irreversible(st, cps_state_head(st) - 3));
    }
    return cps_time_mono_ns() - t0;
}

/* ---- state: token transfers
 * ----------------------------------------------------------------------- */

/* One eosio.token transfer as the contract does it: sub_balance (find + get + update the sender's
 * row in scope `from`) and add_balance (find + get + update, or store, in scope `to`). */
static void transfer(cps_state_db *db, uint64_t from, uint64_t to)
{
    const uint64_t sym = 0x535043; /* "CPS" symbol code as the primary key */
    int it;
    cps_bytes row;
    uint8_t bal[16];
    CHECK("find from", cps_state_db_find_i64(db, TOKEN, from, ACCOUNTS_TABLE, sym, &it));
    if (it < 0) die("sender has no balance", -1);
    CHECK("get from", cps_state_db_get_i64(db, it, &row));
    memcpy(bal, row.data, 16);
    cps_store_u64(bal, cps_load_u64(bal) - 1);
    CHECK("update from", cps_state_db_update_i64(db, it, from, bal, 16));
    CHECK("find to", cps_state_db_find_i64(db, TOKEN, to, ACCOUNTS_TABLE, sym, &it));
    if (it >= 0) {
        CHECK("get to", cps_state_db_get_i64(db, it, &row));
        memcpy(bal, row.data, 16);
        cps_store_u64(bal, cps_load_u64(bal) + 1);
        CHECK("update to", cps_state_db_update_i64(db, it, 0, bal, 16));
    } else {
        cps_store_u64(bal, 1);
        cps_store_u64(bal + 8, sym);
        CHECK("store to", cps_state_db_store_i64(db, to, ACCOUNTS_TABLE, from, sym, bal, 16, &it));
    }
}

static int count_ram(void *user, uint64_t payer, int64_t delta)
{
    (void)payer;
    *(int64_t *)user += delta;
    return 0;
}

static uint64_t state_transfer_blocks(cps_state *st, cps_state_db *db, int blocks, int n)
{
    int64_t ram = 0;
    uint64_t t0 = cps_time_mono_ns();
    for (int b = 0; b < blocks; b++) {
        CHECK("begin", cps_state_block_begin(st, 0, NULL));
        for (int i = 0; i < n; i++) {
            uint32_t trx, act;
            CHECK("push trx", cps_state_session_push(st, &trx));
            CHECK("push action", cps_state_session_push(st, &act));
            cps_state_db_reset(db, cps_state_pending_view(st), TOKEN, count_ram, &ram);
            uint64_t from = 1 + rnd() % ACCOUNTS, to = 1 + rnd() % ACCOUNTS;
            transfer(db, from, to);
            CHECK("squash action", cps_state_session_squash(st, act));
            CHECK("squash trx", cps_state_session_squash(st, trx));
        }
        CHECK("commit", cps_state_block_commit(st));
        if (cps_state_head(st) > 3)
            CHECK("irreversible", cps_state_set_irreversible(st, cps_state_head(st) - 3));
    }
    return cps_time_mono_ns() - t0;
}

static void fund_accounts(cps_state *st, cps_state_db *db)
{
    CHECK("irreversible", cps_state_set_irreversible(st, cps_state_head(st)));
    CHECK("begin", cps_state_block_begin(st, CPS_STATE_BLOCK_IRREVERSIBLE, NULL));
    cps_state_db_reset(db, cps_state_pending_view(st), TOKEN, NULL, NULL);
    for (uint64_t a = 1; a <= ACCOUNTS; a++) {
        uint8_t bal[16];
        cps_store_u64(bal, 1000000);
        cps_store_u64(bal + 8, 0x535043);
        int it;
        CHECK("fund", cps_state_db_store_i64(db, a, ACCOUNTS_TABLE, a, 0x535043, bal, 16, &it));
    }
    CHECK("commit", cps_state_block_commit(st));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/cps-bench-state-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    char spath[128], rpath[128];
    snprintf(spath, sizeof spath, "%s/state", dir);
    snprintf(rpath, sizeof rpath, "%s/raw", dir);
    cps_state_options o = {0};
    o.map_size = UINT64_C(4) << 30;
    o.sync = CPS_STATE_SYNC_NONE; /* measure CPU cost; fsync is the disk's business */
    cps_state *st;
    CHECK("open", cps_state_open(spath, &o, &st));
    cps_state_table t;
    CHECK("table", cps_state_table_open(st, "bench", &t));
    cps_state_db *db;
    CHECK("db", cps_state_db_create(&db));
    struct raw raw;
    raw_open(&raw, rpath);

    printf("state benchmark (LMDB without fsync; state and raw loops in this process)\n");
    /* Warm both databases to the same key population. */
    state_generic_blocks(st, t, 10, 10000, 0, 1, KEYS);
    raw_blocks(&raw, 10, 10000, 0, 1, KEYS);

    const int sizes[] = {100, 1000, 10000};
    for (size_t s = 0; s < 3; s++) {
        int n = sizes[s], blocks = 200000 / n;
        uint64_t rows = (uint64_t)blocks * (uint64_t)n;
        uint64_t ns_w = state_generic_blocks(st, t, blocks, n, 0, 1, KEYS);
        uint64_t ns_rw = raw_blocks(&raw, blocks, n, 0, 1, KEYS);
        uint64_t ns_r = state_generic_blocks(st, t, blocks, n, 1, 0, KEYS);
        uint64_t ns_rr = raw_blocks(&raw, blocks, n, 1, 0, KEYS);
        printf(
            "  blocks of %5d: write %9.0f rows/s (raw LMDB %9.0f, ratio %.2f)   read %9.0f rows/s "
            "(raw LMDB %9.0f, ratio %.2f)\n",
            n, rows / secs(ns_w), rows / secs(ns_rw), (double)ns_w / (double)ns_rw,
            rows / secs(ns_r), rows / secs(ns_rr), (double)ns_r / (double)ns_rr);
    }

    fund_accounts(st, db);
    for (size_t s = 0; s < 3; s++) {
        int n = sizes[s], blocks = 100000 / n;
        uint64_t transfers = (uint64_t)blocks * (uint64_t)n;
        uint64_t ns = state_transfer_blocks(st, db, blocks, n);
        /* Raw equivalent per transfer: 2 table lookups + 2 row reads, 2 row writes. */
        uint64_t ns_raw = raw_blocks(&raw, blocks, n, 4, 2, ACCOUNTS);
        printf("  token transfers, blocks of %5d: %8.0f transfers/s = %8.0f row ops/s (raw LMDB "
               "equivalent %8.0f transfers/s, ratio %.2f)\n",
               n, transfers / secs(ns), 6.0 * transfers / secs(ns), transfers / secs(ns_raw),
               (double)ns / (double)ns_raw);
    }

    /* A durable commit (fsync) per block, for scale. */
    cps_state_close(st);
    o.sync = CPS_STATE_SYNC_FULL;
    CHECK("reopen", cps_state_open(spath, &o, &st));
    uint64_t ns = state_transfer_blocks(st, db, 20, 1000);
    printf("  with fsync per block: 20 blocks of 1000 transfers in %.3f s (%.0f transfers/s)\n",
           secs(ns), 20000 / secs(ns));

    cps_state_db_destroy(db);
    cps_state_close(st);
    mdb_env_close(raw.env);
    nftw(dir, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
