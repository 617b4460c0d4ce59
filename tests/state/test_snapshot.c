/* Tests of the state hash and snapshots: round trips through a file and through memory, the hash
 * equal to the trailer, and a loader that refuses every malformed, truncated, reordered,
 * tampered or inconsistent snapshot while leaving the target state empty and usable. */
#include "state_test.h"

#include <openssl/evp.h>

#define TOKEN UINT64_C(0x70C3E)

/* A state with generic rows, contract rows of every index kind and a few blocks. */
static int build_state(cps_state *st)
{
    cps_state_table a, b;
    cps_state_db *db;
    int err, it;
    if ((err = cps_state_table_open(st, "accounts", &a)) ||
        (err = cps_state_table_open(st, "blocks", &b)) ||
        (err = cps_state_table_open(st, "empty", &b)) || (err = cps_state_db_create(&db)))
        return err;
    if ((err = cps_state_table_open(st, "blocks", &b))) return err;
    for (int blk = 0; blk < 3 && !err; blk++) {
        if ((err = cps_state_block_begin(st, 0, NULL))) break;
        cps_state_db_reset(db, cps_state_pending_view(st), TOKEN, NULL, NULL);
        for (int i = 0; i < 20 && !err; i++) {
            char key[16], val[32];
            snprintf(key, sizeof key, "acct%02d", i + blk);
            snprintf(val, sizeof val, "balance %d", i * blk);
            err = cps_state_put(st, a, key, strlen(key), val, strlen(val));
            if (!err) err = cps_state_put(st, b, &(uint8_t){(uint8_t)blk}, 1, "", 0);
            uint64_t pk = (uint64_t)(i + 20 * blk);
            uint8_t sec[32] = {(uint8_t)i};
            if (!err)
                err = cps_state_db_store_i64(db, (uint64_t)blk, 1, 5, pk, val, strlen(val), &it);
            if (!err)
                err = cps_state_db_idx_store(db, (enum cps_state_index)(i % CPS_STATE_INDEX_COUNT),
                                             (uint64_t)blk, 2, 6, pk, sec, &it);
        }
        if (!err) err = cps_state_block_commit(st);
    }
    cps_state_db_destroy(db);
    return err;
}

TEST(snapshot_round_trips_through_a_file_with_the_same_hash)
{
    tmpdb d1, d2;
    cps_state *st1, *st2;
    ASSERT_OK(tmpdb_make(&d1));
    ASSERT_OK(tmpdb_make(&d2));
    ASSERT_OK(tmpdb_open(&d1, &st1));
    ASSERT_OK(build_state(st1));
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(st1, &v));
    uint8_t hash[32], written[32], loaded[32];
    ASSERT_OK(cps_state_hash(v, hash));
    char file[128];
    snprintf(file, sizeof file, "%s/snap.bin", d1.dir);
    ASSERT_OK(cps_state_snapshot_save_file(v, file, written));
    ASSERT_MEM_EQ(hash, written, 32);
    cps_buf dump1;
    ASSERT_OK(dump_view(v, &dump1, NULL));
    cps_state_view_close(v);
    ASSERT_OK(tmpdb_open(&d2, &st2));
    ASSERT_OK(cps_state_snapshot_load_file(st2, file, loaded));
    ASSERT_MEM_EQ(hash, loaded, 32);
    ASSERT_EQ(cps_state_head(st2), 3);
    ASSERT_EQ(cps_state_irreversible(st2), 3);
    ASSERT_EQ(cps_state_block_pop(st2), CPS_ERR_STATE); /* nothing reversible after a load */
    cps_state_table t;
    ASSERT_OK(cps_state_table_find(st2, "accounts", &t));
    ASSERT_EQ(cps_state_table_find(st2, "empty", &t),
              CPS_ERR_NOT_FOUND); /* empty tables are not state */
    cps_buf dump2;
    ASSERT_OK(dump_committed(st2, &dump2, loaded));
    ASSERT_EQ(dump1.size, dump2.size);
    ASSERT_MEM_EQ(dump1.data, dump2.data, dump1.size); /* header (revision) included */
    /* The loaded state carries on: contract tables keep working from the same table ids. */
    cps_state_db *db;
    ASSERT_OK(cps_state_db_create(&db));
    ASSERT_OK(cps_state_block_begin(st2, 0, NULL));
    ASSERT_OK(cps_state_block_begin(st1, 0, NULL));
    int it1, it2;
    cps_state_db_reset(db, cps_state_pending_view(st2), TOKEN, NULL, NULL);
    ASSERT_OK(cps_state_db_store_i64(db, 9, 9, 5, 1, "x", 1, &it2));
    cps_state_db_reset(db, cps_state_pending_view(st1), TOKEN, NULL, NULL);
    ASSERT_OK(cps_state_db_store_i64(db, 9, 9, 5, 1, "x", 1, &it1));
    ASSERT_OK(cps_state_block_commit(st1));
    ASSERT_OK(cps_state_block_commit(st2));
    uint8_t h1[32], h2[32];
    cps_buf x1, x2;
    ASSERT_OK(dump_committed(st1, &x1, h1));
    ASSERT_OK(dump_committed(st2, &x2, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    ASSERT_OK(cps_state_block_pop(st2)); /* the new block is reversible */
    cps_state_db_destroy(db);
    cps_buf_free(&x1);
    cps_buf_free(&x2);
    cps_buf_free(&dump1);
    cps_buf_free(&dump2);
    cps_state_close(st1);
    cps_state_close(st2);
    tmpdb_remove(&d1);
    tmpdb_remove(&d2);
}

TEST(hash_covers_the_pending_block_and_ignores_the_revision)
{
    tmpdb d;
    cps_state *st;
    ASSERT_OK(tmpdb_make(&d));
    ASSERT_OK(tmpdb_open(&d, &st));
    cps_state_table t;
    ASSERT_OK(cps_state_table_open(st, "kv", &t));
    uint8_t empty[32], h[32], h2[32];
    cps_state_view *v;
    ASSERT_OK(cps_state_view_open(st, &v));
    ASSERT_OK(cps_state_hash(v, empty));
    cps_state_view_close(v);
    /* The empty state's body is a zero table count. */
    uint8_t body[4] = {0}, want[32];
    unsigned len = 32;
    EVP_Digest(body, 4, want, &len, EVP_sha256(), NULL);
    ASSERT_MEM_EQ(empty, want, 32);
    ASSERT_OK(cps_state_block_begin(st, 0, NULL));
    ASSERT_OK(cps_state_put(st, t, "k", 1, "v", 1));
    ASSERT_OK(cps_state_hash(cps_state_pending_view(st), h));
    ASSERT(memcmp(h, empty, 32) != 0);
    ASSERT_OK(cps_state_remove(st, t, "k", 1));
    ASSERT_OK(cps_state_hash(cps_state_pending_view(st), h2));
    ASSERT_MEM_EQ(h2, empty, 32); /* same content, same hash, at another revision */
    cps_state_block_abort(st);
    cps_state_close(st);
    tmpdb_remove(&d);
}

/* ---- building snapshots by hand
 * ------------------------------------------------------------------ */

struct snap {
    cps_buf b;
    size_t body_at;
};

static void snap_begin(struct snap *s, uint64_t revision, uint32_t tables)
{
    cps_buf_init(&s->b);
    cps_write_bytes(&s->b, "CPSSTATE", 8);
    cps_write_u32(&s->b, 1);
    cps_write_u64(&s->b, revision);
    s->body_at = s->b.size;
    cps_write_u32(&s->b, tables);
}

static void snap_table(struct snap *s, const char *name, uint64_t rows)
{
    cps_write_u8(&s->b, (uint8_t)strlen(name));
    cps_write_bytes(&s->b, name, strlen(name));
    cps_write_u64(&s->b, rows);
}

static void snap_row(struct snap *s, const void *k, size_t kn, const void *v, size_t vn)
{
    cps_write_blob(&s->b, k, kn);
    cps_write_blob(&s->b, v, vn);
}

static void snap_end(struct snap *s)
{
    uint8_t h[32];
    unsigned len = 32;
    EVP_Digest(s->b.data, s->b.size, h, &len, EVP_sha256(), NULL);
    cps_write_bytes(&s->b, h, 32);
}

struct mem_in {
    const uint8_t *p;
    size_t n, pos;
};

static int mem_read(void *user, void *data, size_t n)
{
    struct mem_in *m = user;
    if (m->n - m->pos < n) return CPS_ERR_TRUNCATED;
    memcpy(data, m->p + m->pos, n);
    m->pos += n;
    return 0;
}

static int load_mem(cps_state *st, const uint8_t *p, size_t n)
{
    struct mem_in m = {p, n, 0};
    return cps_state_snapshot_load(st, mem_read, &m, NULL);
}

/* After a refused load the state is still empty, knows no new table, and takes a good snapshot. */
static int still_empty_and_loadable(cps_state *st)
{
    cps_state_table t;
    if (cps_state_head(st) != 0 || cps_state_table_find(st, "zeta", &t) != CPS_ERR_NOT_FOUND)
        return -1;
    uint8_t h[32], empty[32];
    cps_state_view *v;
    if (cps_state_view_open(st, &v)) return -2;
    int err = cps_state_hash(v, h);
    cps_state_view_close(v);
    uint8_t body[4] = {0};
    unsigned len = 32;
    EVP_Digest(body, 4, empty, &len, EVP_sha256(), NULL);
    if (err || memcmp(h, empty, 32)) return -3;
    return 0;
}

TEST(loader_refuses_malformed_snapshots_and_stays_empty)
{
    tmpdb d;
    cps_state *st;
    ASSERT_OK(tmpdb_make(&d));
    ASSERT_OK(tmpdb_open(&d, &st));
    struct snap s;
    const uint8_t k1[] = {1}, k2[] = {2};
    struct {
        const char *what;
        int code;
        const char *says;
    } expect[] = {
        {"bad magic", CPS_ERR_FORMAT, "magic"},
        {"version 2", CPS_ERR_UNSUPPORTED, "version 2"},
        {"names out of order", CPS_ERR_FORMAT, "out of order"},
        {"keys not ascending", CPS_ERR_FORMAT, "not strictly ascending"},
        {"unknown internal table", CPS_ERR_FORMAT, "unknown internal"},
        {"empty table", CPS_ERR_FORMAT, "empty"},
        {"zero-length key", CPS_ERR_FORMAT, "key of 0 bytes"},
        {"bad table name", CPS_ERR_FORMAT, "invalid name"},
        {"tampered body", CPS_ERR_CHECKSUM, "does not match"},
        {"row without its table", CPS_ERR_DB_CORRUPT, "missing table"},
        {"non-minimal varuint", CPS_ERR_FORMAT, "bad varuint32"},
        {"huge value", CPS_ERR_LIMIT, "value of"},
    };
    for (size_t c = 0; c < CPS_ARRAY_LEN(expect); c++) {
        switch (c) {
        case 0:
            snap_begin(&s, 1, 0);
            s.b.data[0] = 'X';
            snap_end(&s);
            break;
        case 1:
            snap_begin(&s, 1, 0);
            s.b.data[8] = 2;
            snap_end(&s);
            break;
        case 2:
            snap_begin(&s, 1, 2);
            snap_table(&s, "zeta", 1);
            snap_row(&s, k1, 1, "", 0);
            snap_table(&s, "alpha", 1);
            snap_row(&s, k1, 1, "", 0);
            snap_end(&s);
            break;
        case 3:
            snap_begin(&s, 1, 1);
            snap_table(&s, "zeta", 2);
            snap_row(&s, k2, 1, "", 0);
            snap_row(&s, k1, 1, "", 0);
            snap_end(&s);
            break;
        case 4:
            snap_begin(&s, 1, 1);
            snap_table(&s, "_evil", 1);
            snap_row(&s, k1, 1, "", 0);
            snap_end(&s);
            break;
        case 5:
            snap_begin(&s, 1, 1);
            snap_table(&s, "zeta", 0);
            snap_end(&s);
            break;
        case 6:
            snap_begin(&s, 1, 1);
            snap_table(&s, "zeta", 1);
            snap_row(&s, k1, 0, "", 0);
            snap_end(&s);
            break;
        case 7:
            snap_begin(&s, 1, 1);
            snap_table(&s, "ze ta", 1);
            snap_row(&s, k1, 1, "", 0);
            snap_end(&s);
            break;
        case 8:
            snap_begin(&s, 1, 1);
            snap_table(&s, "zeta", 1);
            snap_row(&s, k1, 1, "v", 1);
            snap_end(&s);
            s.b.data[s.b.size - 33] ^= 1; /* the value byte */
            break;
        case 9: {
            /* A primary row of table id 0 with no _c.tables entry (valid hash). */
            uint8_t key[16] = {0}, val[9] = {5};
            key[15] = 1;
            snap_begin(&s, 1, 2);
            snap_table(&s, "_c.i64", 1);
            snap_row(&s, key, 16, val, 9);
            snap_table(&s, "zeta", 1);
            snap_row(&s, k1, 1, "", 0);
            snap_end(&s);
            break;
        }
        case 10:
            snap_begin(&s, 1, 1);
            snap_table(&s, "zeta", 1);
            cps_write_bytes(&s.b, "\x81\x00\x01", 3); /* key length 1 in two bytes */
            snap_end(&s);
            break;
        default:
            snap_begin(&s, 1, 1);
            snap_table(&s, "zeta", 1);
            cps_write_blob(&s.b, k1, 1);
            cps_write_varuint32(&s.b, 0x7fffffff);
            snap_end(&s);
            break;
        }
        ASSERT_OK(s.b.failed);
        int err = load_mem(st, s.b.data, s.b.size);
        ASSERT_MSG(err == expect[c].code, "%s: returned %d (%s)", expect[c].what, err,
                   cps_last_error());
        ASSERT_MSG(test_contains(cps_last_error(), expect[c].says), "%s: \"%s\"", expect[c].what,
                   cps_last_error());
        ASSERT_MSG(still_empty_and_loadable(st) == 0, "%s: state changed", expect[c].what);
        cps_buf_free(&s.b);
    }
    /* Finally a good hand-made snapshot loads. */
    snap_begin(&s, 42, 1);
    snap_table(&s, "zeta", 2);
    snap_row(&s, k1, 1, "one", 3);
    snap_row(&s, k2, 1, "", 0);
    snap_end(&s);
    ASSERT_OK(load_mem(st, s.b.data, s.b.size));
    ASSERT_EQ(cps_state_head(st), 42);
    cps_state_table t;
    ASSERT_OK(cps_state_table_find(st, "zeta", &t));
    cps_buf_free(&s.b);
    /* A second load into the now non-empty state is refused. */
    snap_begin(&s, 1, 0);
    snap_end(&s);
    ASSERT_EQ(load_mem(st, s.b.data, s.b.size), CPS_ERR_STATE);
    cps_buf_free(&s.b);
    cps_state_close(st);
    tmpdb_remove(&d);
}

TEST(every_truncation_of_a_real_snapshot_is_refused)
{
    tmpdb d1, d2;
    cps_state *st1, *st2;
    ASSERT_OK(tmpdb_make(&d1));
    ASSERT_OK(tmpdb_make(&d2));
    ASSERT_OK(tmpdb_open(&d1, &st1));
    ASSERT_OK(build_state(st1));
    cps_buf snap;
    ASSERT_OK(dump_committed(st1, &snap, NULL));
    ASSERT_OK(tmpdb_open(&d2, &st2));
    /* Every prefix (stepping to keep the run short, but covering the first and last 300 bytes
     * byte by byte). */
    for (size_t n = 0; n < snap.size; n += (n < 300 || n > snap.size - 300) ? 1 : 37) {
        int err = load_mem(st2, snap.data, n);
        ASSERT_MSG(err == CPS_ERR_TRUNCATED, "prefix %zu: %d", n, err);
        ASSERT_EQ(cps_state_head(st2), 0);
    }
    /* Flipping a byte anywhere is caught (format, order, limits, or the file hash). */
    for (size_t i = 0; i < snap.size; i += (i < 40 ? 1 : 53)) {
        snap.data[i] ^= 0x40;
        ASSERT_NE(load_mem(st2, snap.data, snap.size), 0);
        snap.data[i] ^= 0x40;
        ASSERT_EQ(cps_state_head(st2), 0);
    }
    ASSERT_OK(load_mem(st2, snap.data, snap.size));
    ASSERT_EQ(cps_state_head(st2), 3);
    cps_buf_free(&snap);
    cps_state_close(st1);
    cps_state_close(st2);
    tmpdb_remove(&d1);
    tmpdb_remove(&d2);
}

TEST(a_snapshot_file_with_trailing_bytes_is_refused)
{
    tmpdb d;
    cps_state *st;
    ASSERT_OK(tmpdb_make(&d));
    ASSERT_OK(tmpdb_open(&d, &st));
    struct snap s;
    snap_begin(&s, 1, 0);
    snap_end(&s);
    cps_write_u8(&s.b, 0);
    char file[128];
    snprintf(file, sizeof file, "%s/trailing.bin", d.dir);
    FILE *f = fopen(file, "wb");
    ASSERT(f != NULL);
    ASSERT_EQ(fwrite(s.b.data, 1, s.b.size, f), s.b.size);
    fclose(f);
    ASSERT_EQ(cps_state_snapshot_load_file(st, file, NULL), CPS_ERR_TRAILING);
    ASSERT_EQ(cps_state_head(st), 0);
    snprintf(file, sizeof file, "%s/missing.bin", d.dir);
    ASSERT_EQ(cps_state_snapshot_load_file(st, file, NULL), CPS_ERR_IO);
    cps_buf_free(&s.b);
    cps_state_close(st);
    tmpdb_remove(&d);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
