/* state core: the LMDB environment and table registry, pending blocks, nested undo sessions with
 * their in-memory undo log, durable per-block undo logs (pop, irreversible), views and the
 * generic key-value API. */
#include "state/state_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_VERSION 1u
#define ARENA_CHUNK (64u * 1024u)
#define ARENA_SPARE_KEEP 64

static const char *const internal_names[T_INTERNAL_COUNT] = {
    "_c.tables",    "_c.seq",       "_c.i64",        "_c.idx64",     "_c.idx64.pk",
    "_c.idx128",    "_c.idx128.pk", "_c.idx256",     "_c.idx256.pk", "_c.idxdbl",
    "_c.idxdbl.pk", "_c.idxldbl",   "_c.idxldbl.pk",
};

/* ---- small shared helpers -------------------------------------------------------------------- */

static uint8_t hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
    /* sodium_init is idempotent and thread-safe; randombytes works even if it reports failure. */
    if (sodium_init() < 0) cps_log_warn("state", "sodium_init failed");
    randombytes_buf(hash_key, sizeof hash_key);
}

const uint8_t *cps_state__hash_key(void)
{
    pthread_once(&hash_key_once, hash_key_init);
    return hash_key;
}

uint64_t cps_state__hash(const void *data, size_t n)
{
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)data, n, cps_state__hash_key());
    return cps_load_u64(out);
}

int cps_state__mdb_fail(int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return cps_fail(CPS_ERR_LIMIT, "%s: state map is full (raise map_size)", what);
    return cps_fail(CPS_ERR_DB, "%s: %s", what, mdb_strerror(rc));
}

bool cps_state__valid_name(const char *name, size_t len, bool allow_internal)
{
    if (len == 0 || len > CPS_STATE_NAME_MAX) return false;
    if (name[0] == '_' && !allow_internal) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

static void meta_table_key(char *out, const char *name)
{
    out[0] = 't';
    out[1] = ':';
    strcpy(out + 2, name);
}

static int meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v)
{
    uint8_t b[8];
    cps_store_u64(b, v);
    MDB_val k = {strlen(key), (void *)key}, d = {8, b};
    int rc = mdb_put(txn, dbi, &k, &d, 0);
    return rc ? cps_state__mdb_fail(rc, key) : 0;
}

static int meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *v)
{
    MDB_val k = {strlen(key), (void *)key}, d;
    int rc = mdb_get(txn, dbi, &k, &d);
    if (rc == MDB_NOTFOUND) return cps_fail(CPS_ERR_DB_CORRUPT, "state meta: \"%s\" missing", key);
    if (rc) return cps_state__mdb_fail(rc, key);
    if (d.mv_size != 8)
        return cps_fail(CPS_ERR_DB_CORRUPT, "state meta: \"%s\" has %zu bytes, expected 8", key,
                        d.mv_size);
    *v = cps_load_u64(d.mv_data);
    return 0;
}

int cps_state__register(cps_state *st, MDB_txn *txn, const char *name, uint32_t *id)
{
    uint32_t n = st->ntables_w;
    if (n >= CPS_STATE_MAX_TABLES)
        return cps_fail(CPS_ERR_LIMIT, "table \"%s\": at most %d tables", name,
                        CPS_STATE_MAX_TABLES);
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, name, MDB_CREATE, &dbi);
    if (rc) return cps_state__mdb_fail(rc, "create table");
    char mk[2 + CPS_STATE_NAME_MAX + 1];
    meta_table_key(mk, name);
    uint8_t b[4];
    cps_store_u32(b, n);
    MDB_val k = {strlen(mk), mk}, d = {4, b};
    rc = mdb_put(txn, st->meta_dbi, &k, &d, MDB_NOOVERWRITE);
    if (rc) return cps_state__mdb_fail(rc, "register table");
    strcpy(st->tables[n].name, name);
    st->tables[n].dbi = dbi;
    /* Readers learn of the table when the caller publishes the count after the commit. */
    st->ntables_w = n + 1;
    *id = n;
    return 0;
}

/* ---- opening -----------------------------------------------------------------------------------
 */

static int load_registry(cps_state *st, MDB_txn *txn)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, st->meta_dbi, &c);
    if (rc) return cps_state__mdb_fail(rc, "open meta cursor");
    bool seen[CPS_STATE_MAX_TABLES] = {false};
    uint32_t n = 0;
    MDB_val k = {2, "t:"}, d;
    int err = 0;
    for (rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
        const char *kb = k.mv_data;
        if (k.mv_size < 2 || kb[0] != 't' || kb[1] != ':') break;
        size_t len = k.mv_size - 2;
        if (!cps_state__valid_name(kb + 2, len, true) || d.mv_size != 4) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "state meta: malformed table entry");
            break;
        }
        uint32_t id = cps_load_u32(d.mv_data);
        if (id >= CPS_STATE_MAX_TABLES || seen[id]) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "state meta: table id %u out of range or repeated",
                           id);
            break;
        }
        seen[id] = true;
        memcpy(st->tables[id].name, kb + 2, len);
        st->tables[id].name[len] = 0;
        n++;
    }
    mdb_cursor_close(c);
    if (err) return err;
    if (rc != 0 && rc != MDB_NOTFOUND) return cps_state__mdb_fail(rc, "read table registry");
    for (uint32_t i = 0; i < n; i++)
        if (!seen[i]) return cps_fail(CPS_ERR_DB_CORRUPT, "state meta: table id %u missing", i);
    if (n < T_INTERNAL_COUNT)
        return cps_fail(CPS_ERR_DB_CORRUPT, "state meta: %u tables, expected at least %d", n,
                        T_INTERNAL_COUNT);
    for (uint32_t i = 0; i < n; i++) {
        if (i < T_INTERNAL_COUNT && strcmp(st->tables[i].name, internal_names[i]) != 0)
            return cps_fail(CPS_ERR_DB_CORRUPT, "state meta: table %u is \"%s\", expected \"%s\"",
                            i, st->tables[i].name, internal_names[i]);
        rc = mdb_dbi_open(txn, st->tables[i].name, 0, &st->tables[i].dbi);
        if (rc == MDB_NOTFOUND)
            return cps_fail(CPS_ERR_DB_CORRUPT, "table \"%s\" is registered but missing",
                            st->tables[i].name);
        if (rc) return cps_state__mdb_fail(rc, "open table");
    }
    st->ntables_w = n;
    atomic_store(&st->ntables, n);
    return 0;
}

static int init_or_load(cps_state *st)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc) return cps_state__mdb_fail(rc, "begin open transaction");
    int err = 0;
    if ((rc = mdb_dbi_open(txn, "_meta", MDB_CREATE, &st->meta_dbi)) ||
        (rc = mdb_dbi_open(txn, "_undo", MDB_CREATE, &st->undo_dbi))) {
        err = cps_state__mdb_fail(rc, "open meta tables");
        goto fail;
    }
    MDB_val k = {7, "version"}, d;
    rc = mdb_get(txn, st->meta_dbi, &k, &d);
    if (rc == MDB_NOTFOUND) {
        uint8_t b[4];
        cps_store_u32(b, FORMAT_VERSION);
        MDB_val v = {4, b};
        if ((rc = mdb_put(txn, st->meta_dbi, &k, &v, 0))) {
            err = cps_state__mdb_fail(rc, "write version");
            goto fail;
        }
        if ((err = meta_put_u64(txn, st->meta_dbi, "head", 0)) ||
            (err = meta_put_u64(txn, st->meta_dbi, "irreversible", 0)))
            goto fail;
        for (uint32_t i = 0; i < T_INTERNAL_COUNT; i++) {
            uint32_t id;
            if ((err = cps_state__register(st, txn, internal_names[i], &id))) goto fail;
        }
    } else if (rc) {
        err = cps_state__mdb_fail(rc, "read version");
        goto fail;
    } else {
        if (d.mv_size != 4 || cps_load_u32(d.mv_data) != FORMAT_VERSION) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "state files hold format version %u, expected %u",
                           d.mv_size == 4 ? cps_load_u32(d.mv_data) : 0, FORMAT_VERSION);
            goto fail;
        }
        if ((err = load_registry(st, txn))) goto fail;
    }
    if ((err = meta_get_u64(txn, st->meta_dbi, "head", &st->head)) ||
        (err = meta_get_u64(txn, st->meta_dbi, "irreversible", &st->irreversible)))
        goto fail;
    if (st->irreversible > st->head) {
        err = cps_fail(CPS_ERR_DB_CORRUPT, "irreversible revision %llu above head %llu",
                       (unsigned long long)st->irreversible, (unsigned long long)st->head);
        goto fail;
    }
    rc = mdb_txn_commit(txn);
    if (rc) return cps_state__mdb_fail(rc, "commit open transaction");
    atomic_store(&st->ntables, st->ntables_w);
    return 0;
fail:
    mdb_txn_abort(txn);
    return err;
}

/* LMDB lets several processes share an environment, but the state keeps the head and the undo
 * sessions in memory: a second process would work from a stale head. An exclusive flock on a
 * side file (released by the kernel when the process dies) keeps it out. */
static int lock_state(cps_state *st, const char *path, bool no_subdir)
{
    size_t n = strlen(path) + 16;
    char *lock_path = malloc(n);
    if (!lock_path) return cps_fail(CPS_ERR_NOMEM, "lock path");
    snprintf(lock_path, n, no_subdir ? "%s-cps.lock" : "%s/cps.lock", path);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int err = 0;
    if (fd < 0) {
        err = cps_fail(CPS_ERR_IO, "open %s: %s", lock_path, strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        err = errno == EWOULDBLOCK
                  ? cps_fail(CPS_ERR_STATE,
                             "state %s is open elsewhere (another process or handle)", path)
                  : cps_fail(CPS_ERR_IO, "lock %s: %s", lock_path, strerror(errno));
        close(fd);
    } else {
        st->lock_fd = fd;
    }
    free(lock_path);
    return err;
}

int cps_state_open(const char *path, const cps_state_options *opt, cps_state **out)
{
    if (!path || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_open: NULL argument");
    *out = NULL;
    cps_state_options defaults = {0};
    if (!opt) opt = &defaults;
    cps_state *st = calloc(1, sizeof *st);
    if (!st) return cps_fail(CPS_ERR_NOMEM, "state handle");
    atomic_init(&st->ntables, 0);
    st->lock_fd = -1;
    (void)cps_state__hash_key();
    int err = 0, rc = mdb_env_create(&st->env);
    if (rc) {
        free(st);
        return cps_state__mdb_fail(rc, "mdb_env_create");
    }
    uint64_t map_size = opt->map_size ? opt->map_size : CPS_STATE_DEFAULT_MAP_SIZE;
    unsigned flags = MDB_NOTLS;
    if (opt->no_subdir) flags |= MDB_NOSUBDIR;
    if (opt->write_map) flags |= MDB_WRITEMAP;
    if (opt->sync == CPS_STATE_SYNC_META) flags |= MDB_NOMETASYNC;
    if (opt->sync == CPS_STATE_SYNC_NONE) flags |= MDB_NOSYNC;
    if ((rc = mdb_env_set_mapsize(st->env, (size_t)map_size)) ||
        (rc = mdb_env_set_maxdbs(st->env, CPS_STATE_MAX_TABLES + 2)) ||
        (rc = mdb_env_set_maxreaders(st->env, opt->max_readers ? opt->max_readers : 126))) {
        err = cps_state__mdb_fail(rc, "configure state environment");
        goto fail;
    }
    if (!opt->no_subdir && mkdir(path, 0755) != 0 && errno != EEXIST) {
        err = cps_fail(CPS_ERR_IO, "create state directory %s: %s", path, strerror(errno));
        goto fail;
    }
    if ((err = lock_state(st, path, opt->no_subdir))) goto fail;
    if ((rc = mdb_env_open(st->env, path, flags, 0644))) {
        err = cps_fail(rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ? CPS_ERR_DB_CORRUPT
                                                                       : CPS_ERR_IO,
                       "open state %s: %s", path, mdb_strerror(rc));
        goto fail;
    }
    int dead = 0;
    (void)mdb_reader_check(st->env, &dead); /* clear reader slots of killed processes */
    st->max_key = (size_t)mdb_env_get_maxkeysize(st->env);
    if ((err = init_or_load(st))) goto fail;
    *out = st;
    return 0;
fail:
    mdb_env_close(st->env);
    if (st->lock_fd >= 0) close(st->lock_fd);
    free(st);
    return err;
}

size_t cps_state_max_key_size(const cps_state *st)
{
    return st->max_key;
}

int cps_state_table_find(cps_state *st, const char *name, cps_state_table *out)
{
    if (!st || !name || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_table_find: NULL");
    uint32_t n = atomic_load(&st->ntables);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(st->tables[i].name, name) == 0) {
            *out = i;
            return 0;
        }
    return cps_fail(CPS_ERR_NOT_FOUND, "no table \"%s\"", name);
}

int cps_state_table_open(cps_state *st, const char *name, cps_state_table *out)
{
    if (!st || !name || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_table_open: NULL");
    if (!cps_state__valid_name(name, strlen(name), false))
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "table name \"%s\": 1..64 of [A-Za-z0-9._-], not starting with '_'", name);
    if (cps_state_table_find(st, name, out) == 0) return 0;
    cps_clear_error();
    if (st->pending)
        return cps_fail(CPS_ERR_STATE, "table \"%s\": cannot create a table in a block", name);
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc) return cps_state__mdb_fail(rc, "begin table creation");
    uint32_t id;
    int err = cps_state__register(st, txn, name, &id);
    if (err) {
        mdb_txn_abort(txn);
        st->ntables_w = atomic_load(&st->ntables);
        return err;
    }
    if ((rc = mdb_txn_commit(txn))) {
        st->ntables_w = atomic_load(&st->ntables);
        return cps_state__mdb_fail(rc, "commit table creation");
    }
    atomic_store(&st->ntables, st->ntables_w);
    *out = id;
    return 0;
}

/* ---- the undo log in memory
 * ---------------------------------------------------------------------- */

static void *arena_alloc(cps_state *st, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    struct arena_chunk *c = st->arena;
    if (c && c->cap - c->used >= size) {
        void *p = c->data + c->used;
        c->used += size;
        return p;
    }
    struct arena_chunk *n = NULL;
    if (size <= ARENA_CHUNK && st->arena_spare) {
        n = st->arena_spare;
        st->arena_spare = n->prev;
    } else {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        n = malloc(sizeof *n + cap);
        if (!n) return NULL;
        n->cap = cap;
    }
    n->prev = c;
    n->used = size;
    st->arena = n;
    return n->data;
}

static struct arena_mark arena_mark(const cps_state *st)
{
    struct arena_mark m = {st->arena, st->arena ? st->arena->used : 0};
    return m;
}

static void arena_release(cps_state *st, struct arena_mark m)
{
    while (st->arena && st->arena != m.chunk) {
        struct arena_chunk *c = st->arena;
        st->arena = c->prev;
        if (c->cap == ARENA_CHUNK) {
            c->prev = st->arena_spare;
            st->arena_spare = c;
        } else {
            free(c);
        }
    }
    if (st->arena) st->arena->used = m.used;
}

static void arena_trim_spares(cps_state *st, int keep)
{
    struct arena_chunk **p = &st->arena_spare;
    for (int i = 0; *p && i < keep; i++)
        p = &(*p)->prev;
    while (*p) {
        struct arena_chunk *c = *p;
        *p = c->prev;
        free(c);
    }
}

static uint64_t undo_hash(uint32_t t, const void *key, size_t len)
{
    return cps_state__hash(key, len) ^ ((uint64_t)(t + 1) * UINT64_C(0x9E3779B97F4A7C15));
}

/* Slot holding the newest record of (t, key), or the empty slot where it would go. */
static undo_rec **map_slot(cps_state *st, uint64_t h, uint32_t t, const void *key, size_t len)
{
    size_t mask = st->map.cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        undo_rec *r = st->map.slots[i];
        if (!r) return &st->map.slots[i];
        if (r->hash == h && r->table == t && r->key_len == len && memcmp(r->bytes, key, len) == 0)
            return &st->map.slots[i];
    }
}

static int map_grow(cps_state *st)
{
    size_t cap = st->map.cap ? st->map.cap * 2 : 1024;
    undo_rec **slots = calloc(cap, sizeof *slots);
    if (!slots) return cps_fail(CPS_ERR_NOMEM, "undo map of %zu slots", cap);
    for (size_t i = 0; i < st->map.cap; i++) {
        undo_rec *r = st->map.slots[i];
        if (!r) continue;
        size_t j = r->hash & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = r;
    }
    free(st->map.slots);
    st->map.slots = slots;
    st->map.cap = cap;
    return 0;
}

/* Removes the record in slot (linear probing with backward shift, so no tombstones). */
static void map_remove_slot(cps_state *st, undo_rec **slot)
{
    size_t mask = st->map.cap - 1;
    size_t i = (size_t)(slot - st->map.slots);
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        undo_rec *r = st->map.slots[j];
        if (!r) break;
        size_t home = r->hash & mask;
        /* r may move to the hole at i if its home is not cyclically within (i, j]. */
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            st->map.slots[i] = r;
            i = j;
        }
    }
    st->map.slots[i] = NULL;
    st->map.count--;
}

static void map_clear(cps_state *st)
{
    if (st->map.count) memset(st->map.slots, 0, st->map.cap * sizeof *st->map.slots);
    st->map.count = 0;
}

/* Puts back the value a record saved (LMDB calls only: restoring is not itself logged). */
static int restore_record(cps_state *st, MDB_txn *txn, const undo_rec *r)
{
    MDB_val k = {r->key_len, (void *)r->bytes};
    int rc;
    if (r->had_value) {
        MDB_val d = {r->val_len, (void *)(r->bytes + r->key_len)};
        rc = mdb_put(txn, st->tables[r->table].dbi, &k, &d, 0);
    } else {
        rc = mdb_del(txn, st->tables[r->table].dbi, &k, NULL);
        if (rc == MDB_NOTFOUND) rc = 0; /* inserted then removed within the session */
    }
    return rc ? cps_state__mdb_fail(rc, "restore undo record") : 0;
}

/* ---- pending block
 * ------------------------------------------------------------------------------- */

static void close_view_cursors(cps_state_view *v)
{
    for (uint32_t i = 0; i < CPS_STATE_MAX_TABLES; i++)
        if (v->cur[i]) {
            mdb_cursor_close(v->cur[i]);
            v->cur[i] = NULL;
        }
}

static void reset_pending(cps_state *st)
{
    close_view_cursors(&st->wview);
    st->wview.txn = NULL;
    st->pending = false;
    st->failed = 0;
    st->level = 0;
    st->nrecs = 0;
    arena_release(st, (struct arena_mark){NULL, 0});
    arena_trim_spares(st, ARENA_SPARE_KEEP);
    map_clear(st);
}

uint64_t cps_state_head(const cps_state *st)
{
    return st->head;
}

uint64_t cps_state_irreversible(const cps_state *st)
{
    return st->irreversible;
}

bool cps_state_block_pending(const cps_state *st)
{
    return st->pending;
}

cps_state_view *cps_state_pending_view(cps_state *st)
{
    return st->pending ? &st->wview : NULL;
}

int cps_state_block_begin(cps_state *st, unsigned flags, uint64_t *revision)
{
    if (st->pending) return cps_fail(CPS_ERR_STATE, "a block is already pending");
    if ((flags & CPS_STATE_BLOCK_IRREVERSIBLE) && st->head != st->irreversible)
        return cps_fail(CPS_ERR_STATE,
                        "irreversible block on top of reversible ones (head %llu, "
                        "irreversible %llu)",
                        (unsigned long long)st->head, (unsigned long long)st->irreversible);
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc) return cps_state__mdb_fail(rc, "begin block");
    memset(&st->wview, 0, sizeof st->wview);
    st->wview.st = st;
    st->wview.txn = txn;
    st->wview.revision = st->head + 1;
    st->wview.ntables = atomic_load(&st->ntables);
    st->wview.writable = true;
    st->pending = true;
    st->block_flags = flags;
    st->failed = 0;
    st->level = 0;
    st->nrecs = 0;
    st->pending_irreversible = st->irreversible;
    if (revision) *revision = st->wview.revision;
    return 0;
}

void cps_state_block_abort(cps_state *st)
{
    if (!st->pending) return;
    MDB_txn *txn = st->wview.txn;
    close_view_cursors(&st->wview);
    mdb_txn_abort(txn);
    reset_pending(st);
}

/* Serialized undo log of a block (little-endian):
 *   u32 record count, then per record:
 *   u32 table | u8 had_value | varuint32 key length | key | [varuint32 value length | value] */
static size_t put_varuint32(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static int write_block_undo(cps_state *st, MDB_txn *txn, uint64_t revision)
{
    size_t size = 4, count = 0;
    for (size_t i = 0; i < st->nrecs; i++) {
        const undo_rec *r = st->recs[i];
        if (r->dead) continue;
        count++;
        size += 5 + cps_varuint32_size(r->key_len) + r->key_len;
        if (r->had_value) size += cps_varuint32_size(r->val_len) + r->val_len;
    }
    if (count > UINT32_MAX) return cps_fail(CPS_ERR_LIMIT, "undo log of %zu records", count);
    uint8_t kb[8];
    be64_store(kb, revision);
    MDB_val k = {8, kb}, d = {size, NULL};
    int rc = mdb_put(txn, st->undo_dbi, &k, &d, MDB_RESERVE);
    if (rc) return cps_state__mdb_fail(rc, "store undo log");
    uint8_t *p = d.mv_data;
    cps_store_u32(p, (uint32_t)count);
    p += 4;
    /* Newest first: each key has one live record, but if it ever had more, applying the log in
     * order would still leave the oldest saved value. */
    for (size_t i = st->nrecs; i-- > 0;) {
        const undo_rec *r = st->recs[i];
        if (r->dead) continue;
        cps_store_u32(p, r->table);
        p[4] = r->had_value;
        p += 5;
        p += put_varuint32(p, r->key_len);
        memcpy(p, r->bytes, r->key_len);
        p += r->key_len;
        if (r->had_value) {
            p += put_varuint32(p, r->val_len);
            memcpy(p, r->bytes + r->key_len, r->val_len);
            p += r->val_len;
        }
    }
    return 0;
}

int cps_state_block_commit(cps_state *st)
{
    if (!st->pending) return cps_fail(CPS_ERR_STATE, "no pending block to commit");
    if (st->level != 0)
        return cps_fail(CPS_ERR_STATE, "commit with session level %u still open", st->level);
    int err = 0;
    if (st->failed) {
        err = cps_fail(CPS_ERR_STATE, "the pending block failed earlier (%s); it was aborted",
                       cps_strerror(st->failed));
        goto fail;
    }
    MDB_txn *txn = st->wview.txn;
    uint64_t rev = st->wview.revision;
    uint64_t irr = st->pending_irreversible;
    if (st->block_flags & CPS_STATE_BLOCK_IRREVERSIBLE) {
        irr = rev;
    } else if ((err = write_block_undo(st, txn, rev))) {
        goto fail;
    }
    if ((err = meta_put_u64(txn, st->meta_dbi, "head", rev)) ||
        (err = meta_put_u64(txn, st->meta_dbi, "irreversible", irr)))
        goto fail;
    close_view_cursors(&st->wview);
    int rc = mdb_txn_commit(txn);
    st->wview.txn = NULL; /* freed by LMDB whether or not the commit succeeded */
    reset_pending(st);
    if (rc) return cps_state__mdb_fail(rc, "commit block");
    st->head = rev;
    st->irreversible = irr;
    return 0;
fail:
    cps_state_block_abort(st);
    return err;
}

/* ---- sessions
 * ---------------------------------------------------------------------------------------- */

static int check_writable(cps_state *st)
{
    if (!st->pending) return cps_fail(CPS_ERR_STATE, "no pending block");
    if (st->failed)
        return cps_fail(CPS_ERR_STATE, "the pending block failed (%s); it must be aborted",
                        cps_strerror(st->failed));
    return 0;
}

int cps_state_session_push(cps_state *st, uint32_t *level)
{
    int err = check_writable(st);
    if (err) return err;
    if (st->level == st->sessions_cap) {
        uint32_t cap = st->sessions_cap ? st->sessions_cap * 2 : 16;
        struct session *s = realloc(st->sessions, cap * sizeof *s);
        if (!s) return cps_fail(CPS_ERR_NOMEM, "session stack");
        st->sessions = s;
        st->sessions_cap = cap;
    }
    st->sessions[st->level].rec_start = st->nrecs;
    st->sessions[st->level].mark = arena_mark(st);
    st->level++;
    if (level) *level = st->level;
    return 0;
}

uint32_t cps_state_session_level(const cps_state *st)
{
    return st->level;
}

static int check_top(cps_state *st, uint32_t level)
{
    if (!st->pending) return cps_fail(CPS_ERR_STATE, "no pending block");
    if (level == 0 || level != st->level)
        return cps_fail(CPS_ERR_STATE, "session %u is not the innermost open session (%u)", level,
                        st->level);
    return 0;
}

int cps_state_session_squash(cps_state *st, uint32_t level)
{
    int err = check_top(st, level);
    if (err) return err;
    size_t start = st->sessions[level - 1].rec_start, kept = start;
    if (level == 1 && start == 0 && (st->block_flags & CPS_STATE_BLOCK_IRREVERSIBLE)) {
        /* An irreversible block keeps no undo log (level 0 logs nothing; an abort drops the
         * whole LMDB transaction), so what the outermost session saved is needed by nobody once
         * it is squashed into the block. Dropping it keeps the undo map at one transaction's
         * size instead of a whole block's (a hot, cache-missing table) and frees its memory. */
        for (size_t i = 0; i < st->nrecs; i++) {
            undo_rec *r = st->recs[i];
            if (r->dead) continue;
            undo_rec **slot = map_slot(st, r->hash, r->table, r->bytes, r->key_len);
            if (*slot == r) map_remove_slot(st, slot);
        }
        if (st->map.count) map_clear(st); /* nothing else can be in it: be safe all the same */
        st->nrecs = 0;
        arena_release(st, st->sessions[0].mark);
        st->level = 0;
        return 0;
    }
    for (size_t i = start; i < st->nrecs; i++) {
        undo_rec *r = st->recs[i];
        if (r->dead) continue;
        if (r->older && r->older->level == level - 1) {
            /* The enclosing session already saved an older value of this key: that one wins. */
            r->dead = 1;
            *map_slot(st, r->hash, r->table, r->bytes, r->key_len) = r->older;
            continue;
        }
        r->level = level - 1;
        st->recs[kept++] = r;
    }
    st->nrecs = kept;
    st->level--;
    return 0;
}

int cps_state_session_undo(cps_state *st, uint32_t level)
{
    int err = check_top(st, level);
    if (err) return err;
    size_t start = st->sessions[level - 1].rec_start;
    MDB_txn *txn = st->wview.txn;
    for (size_t i = st->nrecs; i-- > start;) {
        undo_rec *r = st->recs[i];
        if (r->dead) continue;
        if (!st->failed && (err = restore_record(st, txn, r))) st->failed = err;
        undo_rec **slot = map_slot(st, r->hash, r->table, r->bytes, r->key_len);
        if (r->older)
            *slot = r->older;
        else
            map_remove_slot(st, slot);
    }
    st->nrecs = start;
    arena_release(st, st->sessions[level - 1].mark);
    st->level--;
    if (st->failed)
        return cps_fail(CPS_ERR_STATE, "undo failed: %s; abort the block",
                        cps_strerror(st->failed));
    return 0;
}

/* ---- views
 * ------------------------------------------------------------------------------------------- */

static int view_cursor(cps_state_view *v, uint32_t t, MDB_cursor **out)
{
    if (!v->cur[t]) {
        int rc = mdb_cursor_open(v->txn, v->st->tables[t].dbi, &v->cur[t]);
        if (rc) {
            v->cur[t] = NULL;
            *out = NULL;
            return cps_state__mdb_fail(rc, "open cursor");
        }
    }
    *out = v->cur[t];
    return 0;
}

int cps_state_view_open(cps_state *st, cps_state_view **out)
{
    if (!st || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_state_view_open: NULL");
    *out = NULL;
    cps_state_view *v = calloc(1, sizeof *v);
    if (!v) return cps_fail(CPS_ERR_NOMEM, "state view");
    v->st = st;
    /* Load the table count before beginning: every table counted was committed before then. */
    v->ntables = atomic_load(&st->ntables);
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &v->txn);
    if (rc) {
        free(v);
        return cps_state__mdb_fail(rc, "begin read view");
    }
    int err = meta_get_u64(v->txn, st->meta_dbi, "head", &v->revision);
    if (err) {
        mdb_txn_abort(v->txn);
        free(v);
        return err;
    }
    *out = v;
    return 0;
}

void cps_state_view_close(cps_state_view *v)
{
    if (!v) return;
    if (v->writable) return; /* the pending view belongs to the state */
    close_view_cursors(v);
    mdb_txn_abort(v->txn);
    free(v);
}

uint64_t cps_state_view_revision(const cps_state_view *v)
{
    return v->revision;
}

static int check_key(const cps_state_view *v, uint32_t t, size_t key_len)
{
    if (t >= v->ntables) return cps_fail(CPS_ERR_INVALID_ARG, "table handle %u unknown", t);
    if (key_len == 0 || key_len > v->st->max_key)
        return cps_fail(CPS_ERR_INVALID_ARG, "key of %zu bytes (1..%zu)", key_len, v->st->max_key);
    return 0;
}

int cps_state__get(cps_state_view *v, uint32_t t, const void *key, size_t key_len, MDB_val *out)
{
    MDB_val k = {key_len, (void *)key};
    int rc = mdb_get(v->txn, v->st->tables[t].dbi, &k, out);
    if (rc == MDB_NOTFOUND) return CPS_ERR_NOT_FOUND;
    return rc ? cps_state__mdb_fail(rc, "read") : 0;
}

int cps_state_get(cps_state_view *v, cps_state_table t, const void *key, size_t key_len,
                  cps_bytes *val)
{
    int err = check_key(v, t, key_len);
    if (err) return err;
    MDB_val d;
    err = cps_state__get(v, t, key, key_len, &d);
    if (err == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_NOT_FOUND, "key not in table %s", v->st->tables[t].name);
    if (err) return err;
    val->data = d.mv_data;
    val->size = d.mv_size;
    return 0;
}

static bool val_eq(const MDB_val *a, const void *b, size_t n)
{
    return a->mv_size == n && memcmp(a->mv_data, b, n) == 0;
}

int cps_state__seek(cps_state_view *v, uint32_t t, enum cps_state_seek mode, const void *key,
                    size_t key_len, MDB_val *k_out, MDB_val *v_out)
{
    MDB_cursor *c = NULL;
    int err = view_cursor(v, t, &c);
    if (err) return err;
    MDB_val k = {key_len, (void *)key}, d;
    int rc;
    switch (mode) {
    case CPS_STATE_FIRST:
        rc = mdb_cursor_get(c, &k, &d, MDB_FIRST);
        break;
    case CPS_STATE_LAST:
        rc = mdb_cursor_get(c, &k, &d, MDB_LAST);
        break;
    case CPS_STATE_GE:
        rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
        break;
    case CPS_STATE_GT:
        rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
        if (rc == 0 && val_eq(&k, key, key_len)) rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
        break;
    case CPS_STATE_LE:
        rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(c, &k, &d, MDB_LAST);
        else if (rc == 0 && !val_eq(&k, key, key_len))
            rc = mdb_cursor_get(c, &k, &d, MDB_PREV);
        break;
    case CPS_STATE_LT:
        rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(c, &k, &d, MDB_LAST);
        else if (rc == 0)
            rc = mdb_cursor_get(c, &k, &d, MDB_PREV);
        break;
    default:
        return cps_fail(CPS_ERR_INVALID_ARG, "seek mode %d", (int)mode);
    }
    if (rc == MDB_NOTFOUND) return CPS_ERR_NOT_FOUND;
    if (rc) return cps_state__mdb_fail(rc, "seek");
    *k_out = k;
    *v_out = d;
    return 0;
}

int cps_state__next(cps_state_view *v, uint32_t t, MDB_val *k_out, MDB_val *v_out)
{
    MDB_cursor *c = NULL;
    int err = view_cursor(v, t, &c);
    if (err) return err;
    int rc = mdb_cursor_get(c, k_out, v_out, MDB_NEXT);
    if (rc == MDB_NOTFOUND) return CPS_ERR_NOT_FOUND;
    return rc ? cps_state__mdb_fail(rc, "next row") : 0;
}

int cps_state_seek(cps_state_view *v, cps_state_table t, enum cps_state_seek mode, const void *key,
                   size_t key_len, cps_bytes *key_out, cps_bytes *val_out)
{
    int err;
    if (mode == CPS_STATE_FIRST || mode == CPS_STATE_LAST) {
        if (t >= v->ntables) return cps_fail(CPS_ERR_INVALID_ARG, "table handle %u unknown", t);
    } else if ((err = check_key(v, t, key_len))) {
        return err;
    }
    MDB_val k, d;
    err = cps_state__seek(v, t, mode, key, key_len, &k, &d);
    if (err == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_NOT_FOUND, "no such row in table %s", v->st->tables[t].name);
    if (err) return err;
    if (key_out) *key_out = (cps_bytes){k.mv_data, k.mv_size};
    if (val_out) *val_out = (cps_bytes){d.mv_data, d.mv_size};
    return 0;
}

int cps_state_count(cps_state_view *v, cps_state_table t, uint64_t *rows)
{
    if (t >= v->ntables) return cps_fail(CPS_ERR_INVALID_ARG, "table handle %u unknown", t);
    MDB_stat ms;
    int rc = mdb_stat(v->txn, v->st->tables[t].dbi, &ms);
    if (rc) return cps_state__mdb_fail(rc, "table stat");
    *rows = ms.ms_entries;
    return 0;
}

/* ---- the logged write path
 * ------------------------------------------------------------------------ */

static int poison(cps_state *st, int err)
{
    if (!st->failed) st->failed = err;
    return err;
}

/* Saves the current value of (t, key) for the innermost session unless it already holds one. */
static int log_before_write(cps_state *st, uint32_t t, const void *key, size_t key_len, bool found,
                            const MDB_val *old)
{
    if (st->level == 0 && (st->block_flags & CPS_STATE_BLOCK_IRREVERSIBLE)) return 0;
    if ((st->map.count + 1) * 2 > st->map.cap) {
        int err = map_grow(st);
        if (err) return err;
    }
    uint64_t h = undo_hash(t, key, key_len);
    undo_rec **slot = map_slot(st, h, t, key, key_len);
    undo_rec *newest = *slot;
    if (newest && newest->level == st->level) return 0;
    if (st->nrecs == st->recs_cap) {
        size_t cap = st->recs_cap ? st->recs_cap * 2 : 4096;
        undo_rec **recs = realloc(st->recs, cap * sizeof *recs);
        if (!recs) return cps_fail(CPS_ERR_NOMEM, "undo record list");
        st->recs = recs;
        st->recs_cap = cap;
    }
    size_t val_len = found ? old->mv_size : 0;
    undo_rec *r = arena_alloc(st, sizeof *r + key_len + val_len);
    if (!r) return cps_fail(CPS_ERR_NOMEM, "undo record of %zu bytes", key_len + val_len);
    r->older = newest;
    r->hash = h;
    r->table = t;
    r->level = st->level;
    r->key_len = (uint32_t)key_len;
    r->val_len = (uint32_t)val_len;
    r->had_value = found;
    r->dead = 0;
    memcpy(r->bytes, key, key_len);
    if (val_len) memcpy(r->bytes + key_len, old->mv_data, val_len);
    if (!newest) st->map.count++;
    *slot = r;
    st->recs[st->nrecs++] = r;
    return 0;
}

int cps_state__write(cps_state *st, uint32_t t, const void *key, size_t key_len, const void *val,
                     size_t val_len, enum kv_mode mode)
{
    int err = check_writable(st);
    if (err) return err;
    if ((err = check_key(&st->wview, t, key_len))) return err;
    if (val_len > CPS_STATE_MAX_VALUE)
        return cps_fail(CPS_ERR_LIMIT, "value of %zu bytes (at most %u)", val_len,
                        CPS_STATE_MAX_VALUE);
    MDB_cursor *c = NULL;
    if ((err = view_cursor(&st->wview, t, &c))) return err;
    MDB_val k = {key_len, (void *)key}, old;
    int rc = mdb_cursor_get(c, &k, &old, MDB_SET_KEY);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return poison(st, cps_state__mdb_fail(rc, "read before write"));
    bool found = rc == 0;
    if (mode == KV_INSERT && found)
        return cps_fail(CPS_ERR_EXISTS, "key already in table %s", st->tables[t].name);
    if ((mode == KV_UPDATE || mode == KV_REMOVE) && !found)
        return cps_fail(CPS_ERR_NOT_FOUND, "key not in table %s", st->tables[t].name);
    if ((err = log_before_write(st, t, key, key_len, found, &old))) return err;
    /* Pass the caller's key, not the one LMDB returned: that one points into a page the write may
     * copy. */
    MDB_val kq = {key_len, (void *)key}, d = {val_len, (void *)val};
    if (mode == KV_REMOVE)
        rc = mdb_cursor_del(c, 0);
    else
        rc = mdb_cursor_put(c, &kq, &d, found ? MDB_CURRENT : 0);
    if (rc) return poison(st, cps_state__mdb_fail(rc, "write"));
    return 0;
}

static int check_user_table(cps_state *st, cps_state_table t)
{
    if (t < T_INTERNAL_COUNT)
        return cps_fail(CPS_ERR_INVALID_ARG, "table %s is written only through the contract API",
                        st->tables[t].name);
    return 0;
}

int cps_state_put(cps_state *st, cps_state_table t, const void *key, size_t key_len,
                  const void *val, size_t val_len)
{
    int err = check_user_table(st, t);
    return err ? err : cps_state__write(st, t, key, key_len, val, val_len, KV_PUT);
}

int cps_state_insert(cps_state *st, cps_state_table t, const void *key, size_t key_len,
                     const void *val, size_t val_len)
{
    int err = check_user_table(st, t);
    return err ? err : cps_state__write(st, t, key, key_len, val, val_len, KV_INSERT);
}

int cps_state_update(cps_state *st, cps_state_table t, const void *key, size_t key_len,
                     const void *val, size_t val_len)
{
    int err = check_user_table(st, t);
    return err ? err : cps_state__write(st, t, key, key_len, val, val_len, KV_UPDATE);
}

int cps_state_remove(cps_state *st, cps_state_table t, const void *key, size_t key_len)
{
    int err = check_user_table(st, t);
    return err ? err : cps_state__write(st, t, key, key_len, NULL, 0, KV_REMOVE);
}

/* ---- durable undo logs: pop and irreversible
 * ------------------------------------------------------ */

static int apply_block_undo(cps_state *st, MDB_txn *txn, const uint8_t *blob, size_t size,
                            uint64_t revision)
{
    cps_reader r = cps_reader_make(blob, size);
    uint32_t count, ntables = atomic_load(&st->ntables);
    int err = cps_read_u32(&r, &count);
    for (uint32_t i = 0; !err && i < count; i++) {
        uint32_t t, key_len, val_len = 0;
        uint8_t had;
        const uint8_t *key, *val = NULL;
        if ((err = cps_read_u32(&r, &t)) || (err = cps_read_u8(&r, &had)) ||
            (err = cps_read_varuint32(&r, &key_len)) || (err = cps_read_span(&r, key_len, &key)))
            break;
        if (had == 1 &&
            ((err = cps_read_varuint32(&r, &val_len)) || (err = cps_read_span(&r, val_len, &val))))
            break;
        if (t >= ntables || had > 1 || key_len == 0 || key_len > st->max_key) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "record %u: table %u, flag %u, key of %u bytes", i,
                           t, had, key_len);
            break;
        }
        MDB_val k = {key_len, (void *)key}, d = {val_len, (void *)val};
        int rc = had ? mdb_put(txn, st->tables[t].dbi, &k, &d, 0)
                     : mdb_del(txn, st->tables[t].dbi, &k, NULL);
        if (rc && !(rc == MDB_NOTFOUND && !had)) err = cps_state__mdb_fail(rc, "apply undo record");
    }
    if (!err) err = cps_read_end(&r);
    if (err)
        return cps_fail_prefix(err == CPS_ERR_DB || err == CPS_ERR_LIMIT ? err : CPS_ERR_DB_CORRUPT,
                               "undo log of revision %llu", (unsigned long long)revision);
    return 0;
}

int cps_state_block_pop(cps_state *st)
{
    if (st->pending) return cps_fail(CPS_ERR_STATE, "cannot pop a block while one is pending");
    if (st->head <= st->irreversible)
        return cps_fail(CPS_ERR_STATE, "head %llu is irreversible", (unsigned long long)st->head);
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc) return cps_state__mdb_fail(rc, "begin pop");
    int err = 0;
    uint8_t kb[8];
    be64_store(kb, st->head);
    MDB_val k = {8, kb}, d;
    rc = mdb_get(txn, st->undo_dbi, &k, &d);
    if (rc) {
        err = rc == MDB_NOTFOUND ? cps_fail(CPS_ERR_DB_CORRUPT, "undo log of revision %llu missing",
                                            (unsigned long long)st->head)
                                 : cps_state__mdb_fail(rc, "read undo log");
        goto fail;
    }
    /* The log must outlive the writes it drives (LMDB values are valid only until a write). */
    uint8_t *copy = malloc(d.mv_size ? d.mv_size : 1);
    if (!copy) {
        err = cps_fail(CPS_ERR_NOMEM, "undo log of %zu bytes", d.mv_size);
        goto fail;
    }
    memcpy(copy, d.mv_data, d.mv_size);
    err = apply_block_undo(st, txn, copy, d.mv_size, st->head);
    free(copy);
    if (err) goto fail;
    if ((rc = mdb_del(txn, st->undo_dbi, &k, NULL))) {
        err = cps_state__mdb_fail(rc, "delete undo log");
        goto fail;
    }
    if ((err = meta_put_u64(txn, st->meta_dbi, "head", st->head - 1))) goto fail;
    if ((rc = mdb_txn_commit(txn))) return cps_state__mdb_fail(rc, "commit pop");
    st->head--;
    return 0;
fail:
    mdb_txn_abort(txn);
    return err;
}

int cps_state_undo_to(cps_state *st, uint64_t revision)
{
    if (revision < st->irreversible || revision > st->head)
        return cps_fail(CPS_ERR_STATE, "revision %llu outside the reversible range %llu..%llu",
                        (unsigned long long)revision, (unsigned long long)st->irreversible,
                        (unsigned long long)st->head);
    while (st->head > revision) {
        int err = cps_state_block_pop(st);
        if (err) return err;
    }
    return 0;
}

int cps_state_set_irreversible(cps_state *st, uint64_t revision)
{
    if (st->pending && st->failed) return check_writable(st);
    uint64_t current = st->pending ? st->pending_irreversible : st->irreversible;
    if (revision > st->head) revision = st->head;
    if (revision <= current) return 0;
    MDB_txn *txn = st->pending ? st->wview.txn : NULL;
    int rc;
    if (!txn && (rc = mdb_txn_begin(st->env, NULL, 0, &txn)))
        return cps_state__mdb_fail(rc, "begin irreversible");
    MDB_cursor *c;
    int err = 0;
    if ((rc = mdb_cursor_open(txn, st->undo_dbi, &c))) {
        err = cps_state__mdb_fail(rc, "open undo cursor");
        goto done;
    }
    MDB_val k, d;
    for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
        if (k.mv_size != 8) {
            err = cps_fail(CPS_ERR_DB_CORRUPT, "undo log key of %zu bytes", k.mv_size);
            break;
        }
        if (be64_load(k.mv_data) > revision) break;
        if ((rc = mdb_cursor_del(c, 0))) break;
    }
    mdb_cursor_close(c);
    if (!err && rc && rc != MDB_NOTFOUND) err = cps_state__mdb_fail(rc, "discard undo logs");
    if (!err) err = meta_put_u64(txn, st->meta_dbi, "irreversible", revision);
done:
    if (st->pending) {
        if (err) return poison(st, err);
        st->pending_irreversible = revision;
        return 0;
    }
    if (err) {
        mdb_txn_abort(txn);
        return err;
    }
    if ((rc = mdb_txn_commit(txn))) return cps_state__mdb_fail(rc, "commit irreversible");
    st->irreversible = revision;
    return 0;
}

/* ---- closing ------------------------------------------------------------------------------------
 */

void cps_state_close(cps_state *st)
{
    if (!st) return;
    cps_state_block_abort(st);
    arena_release(st, (struct arena_mark){NULL, 0});
    arena_trim_spares(st, 0);
    free(st->map.slots);
    free(st->recs);
    free(st->sessions);
    uint32_t n = atomic_load(&st->ntables);
    for (uint32_t i = 0; i < n; i++)
        mdb_dbi_close(st->env, st->tables[i].dbi);
    /* A state opened without per-commit syncs (a replay) is made durable when it closes. */
    unsigned flags = 0;
    if (mdb_env_get_flags(st->env, &flags) == 0 && (flags & (MDB_NOSYNC | MDB_NOMETASYNC)) &&
        !(flags & MDB_RDONLY)) {
        int rc = mdb_env_sync(st->env, 1);
        if (rc) cps_log_error("state", "sync on close: %s", mdb_strerror(rc));
    }
    mdb_env_close(st->env);
    if (st->lock_fd >= 0) close(st->lock_fd); /* releases the flock */
    free(st);
}
