/* state internals shared by the module's files (state.c: environment, blocks, sessions and undo;
 * contract.c: contract tables; snapshot.c: hash and snapshots). Not part of the public API. */
#ifndef CPS_STATE_INTERNAL_H
#define CPS_STATE_INTERNAL_H

#include "state/state.h"

#include <lmdb.h>
#include <stdatomic.h>

/* Internal tables, created first in this order, so their handles are these constants. */
enum {
    T_CTABLES = 0,
    T_CSEQ,
    T_CI64,
    T_CIDX_FIRST, /* per kind k: sec order T_CIDX_FIRST + 2k, primary order T_CIDX_FIRST + 2k + 1 */
    T_INTERNAL_COUNT = T_CIDX_FIRST + 2 * CPS_STATE_INDEX_COUNT
};

struct state_table {
    char name[CPS_STATE_NAME_MAX + 1];
    MDB_dbi dbi;
};

struct cps_state_view {
    cps_state *st;
    MDB_txn *txn;
    uint64_t revision;
    uint32_t ntables; /* tables known when the view began */
    bool writable;    /* the pending block's view */
    MDB_cursor *cur[CPS_STATE_MAX_TABLES];
};

/* One undo record: the value a key had before the session that owns it first touched it. Records
 * live in an arena that grows and shrinks with the session stack. */
typedef struct undo_rec {
    struct undo_rec *older; /* record of the same key in an enclosing session, or NULL */
    uint64_t hash;
    uint32_t table;
    uint32_t level; /* owning session level */
    uint32_t key_len;
    uint32_t val_len;
    uint8_t had_value;
    uint8_t dead;    /* superseded by an older record of the enclosing session after a squash */
    uint8_t bytes[]; /* key, then the old value */
} undo_rec;

struct arena_chunk {
    struct arena_chunk *prev;
    size_t cap, used;
    _Alignas(16) uint8_t data[];
};
struct arena_mark {
    struct arena_chunk *chunk;
    size_t used;
};
struct session {
    size_t rec_start;
    struct arena_mark mark;
};

struct cps_state {
    MDB_env *env;
    int lock_fd; /* flock held while open: one process per state */
    MDB_dbi meta_dbi, undo_dbi;
    struct state_table tables[CPS_STATE_MAX_TABLES];
    atomic_uint ntables; /* published after a table's DBI is usable by other transactions */
    uint32_t ntables_w;  /* the writer's count, ahead of ntables while a registration is open */
    size_t max_key;
    uint64_t head, irreversible;

    /* pending block */
    bool pending;
    unsigned block_flags;
    int failed; /* first LMDB error in the pending block: it can only be aborted */
    uint64_t pending_irreversible;
    cps_state_view wview;

    /* sessions and the undo log of the pending block */
    struct session *sessions;
    uint32_t level, sessions_cap;
    undo_rec **recs;
    size_t nrecs, recs_cap;
    struct arena_chunk *arena, *arena_spare;
    struct {
        undo_rec **slots;
        size_t cap, count; /* cap is a power of two */
    } map;
};

/* Process-wide random key for the hash tables (keys come from contracts: keep collisions
 * unpredictable). */
const uint8_t *cps_state__hash_key(void);
uint64_t cps_state__hash(const void *data, size_t n);

/* Maps an LMDB error to CPS_ERR_DB with a detail naming what failed. */
int cps_state__mdb_fail(int rc, const char *what);

/* Ordered lookup on a view's table (the public cps_state_seek without argument checks). */
int cps_state__seek(cps_state_view *v, uint32_t t, enum cps_state_seek mode, const void *key,
                    size_t key_len, MDB_val *k_out, MDB_val *v_out);
int cps_state__get(cps_state_view *v, uint32_t t, const void *key, size_t key_len, MDB_val *out);
/* Moves the table's view cursor (positioned by a seek) to the next row: CPS_ERR_NOT_FOUND at the
 * end. Point reads (cps_state__get) do not move cursors; seeks on the same table do. */
int cps_state__next(cps_state_view *v, uint32_t t, MDB_val *k_out, MDB_val *v_out);

/* Write modes of the undo-logged write path. */
enum kv_mode { KV_PUT, KV_INSERT, KV_UPDATE, KV_REMOVE };
/* Writes to the pending block with undo logging, for any table (internal ones included). */
int cps_state__write(cps_state *st, uint32_t t, const void *key, size_t key_len, const void *val,
                     size_t val_len, enum kv_mode mode);

/* Registers a table name in the given write txn (creating its DBI); *id receives its handle. The
 * caller publishes st->ntables = st->ntables_w after the txn commits, or resets ntables_w to
 * ntables if it aborts. */
int cps_state__register(cps_state *st, MDB_txn *txn, const char *name, uint32_t *id);

/* True for the names of state tables (everything registered: user tables and _c.*). */
bool cps_state__valid_name(const char *name, size_t len, bool allow_internal);

/* Big-endian helpers for keys. */
static inline void be64_store(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}
static inline uint64_t be64_load(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

#endif
