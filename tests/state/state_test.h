/* Helpers shared by the state tests: temporary databases, snapshots to memory, a seeded PRNG. */
#ifndef CPS_STATE_TEST_H
#define CPS_STATE_TEST_H

#define _XOPEN_SOURCE 700
#include "state/state.h"
#include "test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A temporary directory holding one state database ("<dir>/db"); removed by tmpdb_remove. */
typedef struct tmpdb {
    char dir[64];
    char path[96];
} tmpdb;

static inline int tmpdb_make(tmpdb *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/cps-state-XXXXXX");
    if (!mkdtemp(t->dir)) return -1;
    snprintf(t->path, sizeof t->path, "%s/db", t->dir);
    return 0;
}

static inline int tmpdb_unlink_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void tmpdb_remove(tmpdb *t)
{
    nftw(t->dir, tmpdb_unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens the state with test-friendly options (small map, no fsync: a killed process still leaves
 * its committed blocks in the page cache). */
static inline int tmpdb_open(const tmpdb *t, cps_state **st)
{
    cps_state_options o = {0};
    o.map_size = UINT64_C(1) << 30;
    o.sync = CPS_STATE_SYNC_NONE;
    return cps_state_open(t->path, &o, st);
}

static inline int buf_write_cb(void *user, const void *data, size_t n)
{
    return cps_write_bytes((cps_buf *)user, data, n);
}

/* Full dump of a view (the snapshot bytes) into *out, which the caller frees with cps_buf_free. */
static inline int dump_view(cps_state_view *v, cps_buf *out, uint8_t hash[32])
{
    cps_buf_init(out);
    return cps_state_snapshot_write(v, buf_write_cb, out, hash);
}

/* The dump of the last committed block. */
static inline int dump_committed(cps_state *st, cps_buf *out, uint8_t hash[32])
{
    cps_state_view *v;
    int err = cps_state_view_open(st, &v);
    if (err) return err;
    err = dump_view(v, out, hash);
    cps_state_view_close(v);
    return err;
}

/* Snapshot bytes without the 20-byte header (whose revision differs between equal states). */
static inline int dumps_equal(const cps_buf *a, const cps_buf *b)
{
    return a->size == b->size && a->size >= 20 &&
           memcmp(a->data + 20, b->data + 20, a->size - 20) == 0;
}

/* xorshift64* — deterministic across runs and machines. */
typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * UINT64_C(2685821657736338717);
}

static inline uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

static inline rng rng_make(uint64_t seed)
{
    rng r = {seed * UINT64_C(0x9E3779B97F4A7C15) + 0x1234567};
    if (!r.s) r.s = 1;
    for (int i = 0; i < 4; i++)
        rng_next(&r);
    return r;
}

#endif
