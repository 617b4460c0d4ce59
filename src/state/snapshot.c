/* state snapshots: the canonical serialization of a state (format drawn in state.h), its SHA-256
 * state hash, streaming a snapshot out of a view and loading one, fully checked, into an empty
 * state. */
#include "state/state_internal.h"

#include <errno.h>
#include "crypto/crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "CPSSTATE"
#define HEADER_SIZE 20
#define OUT_BUFFER (64 * 1024)
#define IN_CHUNK (64 * 1024)

/* ---- SHA-256 through the crypto module's streaming API ---------------------------------------- */

struct sha {
    cps_sha256_ctx ctx;
    bool live; /* false once finished: the trailer is not part of its own hash */
};

static int sha_init(struct sha *h)
{
    cps_sha256_init(&h->ctx);
    h->live = true;
    return 0;
}

static void sha_update(struct sha *h, const void *data, size_t n)
{
    if (n && h->live) cps_sha256_update(&h->ctx, data, n);
}

static void sha_final(struct sha *h, uint8_t out[32])
{
    cps_sha256_final(&h->ctx, out);
}

static void sha_free(struct sha *h)
{
    h->live = false;
}

/* ---- writing ------------------------------------------------------------------------------------
 */

/* Buffers output for `write` (may be NULL: state hash only), hashing the body (state hash) and,
 * when writing, everything (file hash). */
struct out {
    cps_state_write_fn write;
    void *user;
    struct sha sha, file;
    bool hashing;
    size_t n;
    int err;
    uint8_t buf[OUT_BUFFER];
};

static void out_flush(struct out *o)
{
    if (o->n && o->write && !o->err) {
        int rc = o->write(o->user, o->buf, o->n);
        if (rc) o->err = rc < 0 ? rc : CPS_ERR_IO;
    }
    o->n = 0;
}

static void out_bytes(struct out *o, const void *data, size_t n)
{
    if (o->hashing) sha_update(&o->sha, data, n);
    if (!o->write) return;
    sha_update(&o->file, data, n);
    const uint8_t *p = data;
    while (n) {
        if (o->n == OUT_BUFFER) out_flush(o);
        size_t k = OUT_BUFFER - o->n < n ? OUT_BUFFER - o->n : n;
        memcpy(o->buf + o->n, p, k);
        o->n += k;
        p += k;
        n -= k;
    }
}

static void out_varuint32(struct out *o, uint32_t v)
{
    uint8_t b[5];
    size_t n = 0;
    do {
        b[n] = v & 0x7f;
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    out_bytes(o, b, n);
}

/* The non-empty tables of a view in name order, with their row counts. */
static int list_tables(cps_state_view *v, uint32_t *ids, uint64_t *rows, uint32_t *n)
{
    uint32_t k = 0;
    for (uint32_t t = 0; t < v->ntables; t++) {
        uint64_t r;
        int err = cps_state_count(v, t, &r);
        if (err) return err;
        if (r) ids[k++] = t;
    }
    /* Insertion sort by name (at most CPS_STATE_MAX_TABLES; names are unique, so the order is
     * total). Views hash concurrently, so no global comparator state. */
    const struct state_table *tabs = v->st->tables;
    for (uint32_t i = 1; i < k; i++) {
        uint32_t id = ids[i], j = i;
        for (; j > 0 && strcmp(tabs[ids[j - 1]].name, tabs[id].name) > 0; j--)
            ids[j] = ids[j - 1];
        ids[j] = id;
    }
    for (uint32_t i = 0; i < k; i++) {
        int err = cps_state_count(v, ids[i], &rows[i]);
        if (err) return err;
    }
    *n = k;
    return 0;
}

static int serialize(cps_state_view *v, struct out *o, uint8_t hash[32])
{
    uint32_t ids[CPS_STATE_MAX_TABLES], n;
    uint64_t rows[CPS_STATE_MAX_TABLES];
    int err = list_tables(v, ids, rows, &n);
    if (err) return err;
    if ((err = sha_init(&o->sha))) return err;
    if (o->write && (err = sha_init(&o->file))) {
        sha_free(&o->sha);
        return err;
    }
    uint8_t head[HEADER_SIZE];
    memcpy(head, MAGIC, 8);
    cps_store_u32(head + 8, CPS_STATE_SNAPSHOT_VERSION);
    cps_store_u64(head + 12, v->revision);
    out_bytes(o, head, sizeof head);
    o->hashing = true;
    uint8_t b[8];
    cps_store_u32(b, n);
    out_bytes(o, b, 4);
    for (uint32_t i = 0; i < n && !o->err; i++) {
        const char *name = v->st->tables[ids[i]].name;
        uint8_t len = (uint8_t)strlen(name);
        out_bytes(o, &len, 1);
        out_bytes(o, name, len);
        cps_store_u64(b, rows[i]);
        out_bytes(o, b, 8);
        MDB_val k, d;
        uint64_t seen = 0;
        for (err = cps_state__seek(v, ids[i], CPS_STATE_FIRST, NULL, 0, &k, &d); err == 0;
             err = cps_state__next(v, ids[i], &k, &d)) {
            out_varuint32(o, (uint32_t)k.mv_size);
            out_bytes(o, k.mv_data, k.mv_size);
            out_varuint32(o, (uint32_t)d.mv_size);
            out_bytes(o, d.mv_data, d.mv_size);
            seen++;
        }
        if (err != CPS_ERR_NOT_FOUND) goto fail;
        if (seen != rows[i]) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "table %s: %llu rows counted, %llu read", name,
                           (unsigned long long)rows[i], (unsigned long long)seen);
            goto fail;
        }
    }
    o->hashing = false;
    uint8_t digest[32];
    sha_final(&o->sha, digest);
    sha_free(&o->sha);
    if (o->write) {
        uint8_t file_digest[32];
        sha_final(&o->file, file_digest);
        sha_free(&o->file);
        out_bytes(o, file_digest, 32);
        out_flush(o);
        if (o->err) return cps_fail(o->err, "snapshot write failed");
    }
    if (hash) memcpy(hash, digest, 32);
    return 0;
fail:
    sha_free(&o->sha);
    sha_free(&o->file);
    return err;
}

int cps_state_snapshot_write(cps_state_view *v, cps_state_write_fn write, void *user,
                             uint8_t hash[32])
{
    if (!v) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_snapshot_write: NULL view");
    struct out *o = calloc(1, sizeof *o);
    if (!o) return cps_fail(CPS_ERR_NOMEM, "snapshot buffer");
    o->write = write;
    o->user = user;
    int err = serialize(v, o, hash);
    free(o);
    return err;
}

int cps_state_hash(cps_state_view *v, uint8_t out[32])
{
    if (!out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_hash: NULL output");
    return cps_state_snapshot_write(v, NULL, NULL, out);
}

static int file_write(void *user, const void *data, size_t n)
{
    return fwrite(data, 1, n, (FILE *)user) == n
               ? 0
               : cps_fail(CPS_ERR_IO, "write: %s", strerror(errno));
}

int cps_state_snapshot_save_file(cps_state_view *v, const char *path, uint8_t hash[32])
{
    if (!v || !path) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_snapshot_save_file: NULL");
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp) return cps_fail(CPS_ERR_NOMEM, "path");
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int err = 0;
    if (!f) {
        err = cps_fail(CPS_ERR_IO, "create %s: %s", tmp, strerror(errno));
        goto done;
    }
    err = cps_state_snapshot_write(v, file_write, f, hash);
    if (!err && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        err = cps_fail(CPS_ERR_IO, "flush %s: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && !err) err = cps_fail(CPS_ERR_IO, "close %s: %s", tmp, strerror(errno));
    if (!err && rename(tmp, path) != 0)
        err = cps_fail(CPS_ERR_IO, "rename to %s: %s", path, strerror(errno));
    if (err) remove(tmp);
done:
    free(tmp);
    return err;
}

/* ---- loading ------------------------------------------------------------------------------------
 */

struct in {
    cps_state_read_fn read;
    void *user;
    struct sha sha, file; /* body (state hash), everything (file hash) */
    bool hashing;
    uint64_t pos; /* bytes consumed, for error details */
};

static int in_bytes(struct in *i, void *data, size_t n, const char *what)
{
    if (!n) return 0;
    int rc = i->read(i->user, data, n);
    if (rc) {
        cps_fail_prefix(rc < 0 ? rc : CPS_ERR_IO, "snapshot %s at offset %llu", what,
                        (unsigned long long)i->pos);
        return rc < 0 ? rc : CPS_ERR_IO;
    }
    if (i->hashing) sha_update(&i->sha, data, n);
    sha_update(&i->file, data, n);
    i->pos += n;
    return 0;
}

/* EOSIO varuint32, strict as cps_read_varuint32: at most 5 bytes, fits 32 bits, minimal. */
static int in_varuint32(struct in *i, uint32_t *v, const char *what)
{
    uint64_t at = i->pos, r = 0;
    for (int n = 0; n < 5; n++) {
        uint8_t b;
        int err = in_bytes(i, &b, 1, what);
        if (err) return err;
        r |= (uint64_t)(b & 0x7f) << (7 * n);
        if (!(b & 0x80)) {
            if (r > UINT32_MAX || (n > 0 && b == 0))
                return cps_fail(CPS_ERR_FORMAT, "snapshot %s at offset %llu: bad varuint32", what,
                                (unsigned long long)at);
            *v = (uint32_t)r;
            return 0;
        }
    }
    return cps_fail(CPS_ERR_FORMAT, "snapshot %s at offset %llu: varuint32 longer than 5 bytes",
                    what, (unsigned long long)at);
}

static int state_is_empty(cps_state *st)
{
    if (st->pending) return cps_fail(CPS_ERR_STATE, "snapshot load with a pending block");
    if (st->head != 0)
        return cps_fail(CPS_ERR_STATE, "snapshot load into a state at revision %llu",
                        (unsigned long long)st->head);
    cps_state_view *v;
    int err = cps_state_view_open(st, &v);
    if (err) return err;
    for (uint32_t t = 0; t < v->ntables && !err; t++) {
        uint64_t rows;
        if ((err = cps_state_count(v, t, &rows))) break;
        if (rows)
            err = cps_fail(CPS_ERR_STATE, "snapshot load into a state with rows in %s",
                           st->tables[t].name);
    }
    cps_state_view_close(v);
    return err;
}

/* Reads n bytes into b (replacing its contents) a chunk at a time, so a length claimed by the
 * input costs memory only as its bytes actually arrive. */
static int in_value(struct in *in, cps_buf *b, uint32_t n)
{
    cps_buf_reset(b);
    while (b->size < n) {
        size_t k = n - b->size < IN_CHUNK ? n - b->size : IN_CHUNK;
        if (cps_buf_reserve(b, k)) return cps_fail(CPS_ERR_NOMEM, "snapshot value buffer");
        int err = in_bytes(in, b->data + b->size, k, "value");
        if (err) return err;
        b->size += k;
    }
    return 0;
}

static int load_table_rows(cps_state *st, MDB_txn *txn, struct in *in, uint32_t t, uint64_t rows,
                           cps_buf *val)
{
    uint8_t key[1024];
    for (uint64_t r = 0; r < rows; r++) {
        uint32_t key_len, val_len;
        int err = in_varuint32(in, &key_len, "key length");
        if (err) return err;
        if (key_len == 0 || key_len > st->max_key)
            return cps_fail(CPS_ERR_FORMAT, "snapshot table %s row %llu: key of %u bytes (1..%zu)",
                            st->tables[t].name, (unsigned long long)r, key_len, st->max_key);
        if ((err = in_bytes(in, key, key_len, "key")) ||
            (err = in_varuint32(in, &val_len, "value length")))
            return err;
        if (val_len > CPS_STATE_MAX_VALUE)
            return cps_fail(
                CPS_ERR_LIMIT, "snapshot table %s row %llu: value of %u bytes (at most %u)",
                st->tables[t].name, (unsigned long long)r, val_len, CPS_STATE_MAX_VALUE);
        if ((err = in_value(in, val, val_len))) return err;
        /* APPEND makes LMDB reject a key that does not follow the previous one. */
        MDB_val k = {key_len, key}, d = {val->size, val->data};
        int rc = mdb_put(txn, st->tables[t].dbi, &k, &d, MDB_APPEND);
        if (rc == MDB_KEYEXIST)
            return cps_fail(CPS_ERR_FORMAT,
                            "snapshot table %s row %llu: keys not strictly ascending",
                            st->tables[t].name, (unsigned long long)r);
        if (rc) return cps_state__mdb_fail(rc, "load snapshot row");
    }
    return 0;
}

struct load_opts {
    int (*at_end)(void *user); /* optional: fails if input remains after the trailer */
};

static int load(cps_state *st, cps_state_read_fn read, void *user, uint8_t hash[32],
                const struct load_opts *lo)
{
    int err = state_is_empty(st);
    if (err) return err;
    struct in in = {.read = read, .user = user, .hashing = false, .pos = 0};
    cps_buf val = {0};
    if ((err = sha_init(&in.file))) return err;
    uint8_t head[HEADER_SIZE];
    if ((err = in_bytes(&in, head, sizeof head, "header"))) {
        sha_free(&in.file);
        return err;
    }
    uint32_t version = cps_load_u32(head + 8);
    uint64_t revision = cps_load_u64(head + 12);
    MDB_txn *txn = NULL;
    int rc;
    if (memcmp(head, MAGIC, 8) != 0) {
        err = cps_fail(CPS_ERR_FORMAT, "not a CPS state snapshot (bad magic)");
        goto fail;
    }
    if (version != CPS_STATE_SNAPSHOT_VERSION) {
        err = cps_fail(CPS_ERR_UNSUPPORTED, "snapshot format version %u (this node reads %u)",
                       version, CPS_STATE_SNAPSHOT_VERSION);
        goto fail;
    }
    if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn))) {
        err = cps_state__mdb_fail(rc, "begin snapshot load");
        goto fail;
    }
    if ((err = sha_init(&in.sha))) goto fail;
    in.hashing = true;
    uint8_t b[8];
    if ((err = in_bytes(&in, b, 4, "table count"))) goto fail;
    uint32_t ntab = cps_load_u32(b);
    if (ntab > CPS_STATE_MAX_TABLES) {
        err = cps_fail(CPS_ERR_LIMIT, "snapshot has %u tables (at most %d)", ntab,
                       CPS_STATE_MAX_TABLES);
        goto fail;
    }
    char prev[CPS_STATE_NAME_MAX + 1] = "";
    for (uint32_t i = 0; i < ntab; i++) {
        uint8_t len;
        char name[CPS_STATE_NAME_MAX + 1];
        if ((err = in_bytes(&in, &len, 1, "table name length"))) goto fail;
        if (len == 0 || len > CPS_STATE_NAME_MAX) {
            err = cps_fail(CPS_ERR_FORMAT, "snapshot table %u: name of %u bytes", i, len);
            goto fail;
        }
        if ((err = in_bytes(&in, name, len, "table name"))) goto fail;
        name[len] = 0;
        if (!cps_state__valid_name(name, len, true) || strlen(name) != len) {
            err = cps_fail(CPS_ERR_FORMAT, "snapshot table %u: invalid name", i);
            goto fail;
        }
        if (i > 0 && strcmp(prev, name) >= 0) {
            err = cps_fail(CPS_ERR_FORMAT, "snapshot table \"%s\" out of order", name);
            goto fail;
        }
        strcpy(prev, name);
        cps_state_table t;
        if (cps_state_table_find(st, name, &t) != 0) {
            cps_clear_error();
            /* Internal tables all exist already: an unknown '_' name is not ours. */
            if (name[0] == '_') {
                err =
                    cps_fail(CPS_ERR_FORMAT, "snapshot table \"%s\": unknown internal table", name);
                goto fail;
            }
            bool registered = false;
            for (uint32_t j = atomic_load(&st->ntables); j < st->ntables_w; j++)
                if (strcmp(st->tables[j].name, name) == 0) registered = true;
            if (registered) {
                err = cps_fail(CPS_ERR_FORMAT, "snapshot table \"%s\" repeated", name);
                goto fail;
            }
            if ((err = cps_state__register(st, txn, name, &t))) goto fail;
        }
        if ((err = in_bytes(&in, b, 8, "row count"))) goto fail;
        uint64_t rows = cps_load_u64(b);
        if (rows == 0) {
            err = cps_fail(CPS_ERR_FORMAT,
                           "snapshot table \"%s\" is empty (empty tables are left out)", name);
            goto fail;
        }
        if ((err = load_table_rows(st, txn, &in, t, rows, &val))) goto fail;
    }
    in.hashing = false;
    uint8_t digest[32], file_digest[32], trailer[32];
    sha_final(&in.sha, digest);
    sha_final(&in.file, file_digest);
    sha_free(&in.file);
    if ((err = in_bytes(&in, trailer, 32, "file hash"))) goto fail;
    if (memcmp(file_digest, trailer, 32) != 0) {
        err = cps_fail(CPS_ERR_CHECKSUM, "snapshot file hash does not match its contents");
        goto fail;
    }
    if (lo && lo->at_end && (err = lo->at_end(user))) goto fail;
    /* The rows are well-formed bytes; now check they make sense as contract tables. */
    cps_state_view check = {0};
    check.st = st;
    check.txn = txn;
    check.revision = revision;
    check.ntables = st->ntables_w;
    err = cps_state_contract_check(&check);
    for (uint32_t t = 0; t < CPS_STATE_MAX_TABLES; t++)
        if (check.cur[t]) mdb_cursor_close(check.cur[t]);
    if (err) {
        cps_fail_prefix(err, "snapshot");
        goto fail;
    }
    uint8_t v[8];
    cps_store_u64(v, revision);
    MDB_val hk = {4, "head"}, ik = {12, "irreversible"}, d = {8, v};
    if ((rc = mdb_put(txn, st->meta_dbi, &hk, &d, 0)) ||
        (rc = mdb_put(txn, st->meta_dbi, &ik, &d, 0))) {
        err = cps_state__mdb_fail(rc, "write snapshot revision");
        goto fail;
    }
    sha_free(&in.sha);
    sha_free(&in.file);
    cps_buf_free(&val);
    if ((rc = mdb_txn_commit(txn))) {
        st->ntables_w = atomic_load(&st->ntables);
        return cps_state__mdb_fail(rc, "commit snapshot load");
    }
    atomic_store(&st->ntables, st->ntables_w);
    st->head = st->irreversible = revision;
    if (hash) memcpy(hash, digest, 32);
    return 0;
fail:
    sha_free(&in.sha);
    sha_free(&in.file);
    cps_buf_free(&val);
    if (txn) mdb_txn_abort(txn);
    st->ntables_w = atomic_load(&st->ntables);
    return err;
}

int cps_state_snapshot_load(cps_state *st, cps_state_read_fn read, void *user, uint8_t hash[32])
{
    if (!st || !read) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_snapshot_load: NULL");
    return load(st, read, user, hash, NULL);
}

static int file_read(void *user, void *data, size_t n)
{
    FILE *f = user;
    if (fread(data, 1, n, f) == n) return 0;
    if (ferror(f)) return cps_fail(CPS_ERR_IO, "read: %s", strerror(errno));
    return cps_fail(CPS_ERR_TRUNCATED, "file ends early");
}

static int file_at_end(void *user)
{
    FILE *f = user;
    return fgetc(f) == EOF ? 0
                           : cps_fail(CPS_ERR_TRAILING, "snapshot file has data after its hash");
}

int cps_state_snapshot_load_file(cps_state *st, const char *path, uint8_t hash[32])
{
    if (!st || !path) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_snapshot_load_file: NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return cps_fail(CPS_ERR_IO, "open %s: %s", path, strerror(errno));
    struct load_opts lo = {file_at_end};
    int err = load(st, file_read, f, hash, &lo);
    fclose(f);
    if (err) cps_fail_prefix(err, "%s", path);
    return err;
}
