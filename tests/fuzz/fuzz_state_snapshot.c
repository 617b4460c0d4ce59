/* Fuzz target for the state snapshot loader, the state module's decoder of untrusted bytes.
 * Input byte 0 picks the mode: even — the rest is a snapshot as is (exercises the framing and
 * the file hash); odd — the rest is a snapshot without its trailer and the correct file hash is
 * appended, so mutated rows get past the hash into ordering and contract-table checks. A load
 * that succeeds must give a state whose hash is the one reported, with intact contract tables. */
#define _XOPEN_SOURCE 700
#include "state/state.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], path[96];
static cps_state *st;

static int unlink_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void remove_dir(void)
{
    if (st) cps_state_close(st);
    st = NULL;
    if (dir[0]) nftw(dir, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void fresh_state(void)
{
    if (st) {
        cps_state_close(st);
        st = NULL;
        nftw(path, unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
    }
    cps_state_options o = {0};
    o.map_size = UINT64_C(1) << 30;
    o.sync = CPS_STATE_SYNC_NONE;
    if (cps_state_open(path, &o, &st) != 0) abort();
}

struct mem {
    const uint8_t *p;
    size_t n, pos;
};

static int mem_read(void *user, void *data, size_t n)
{
    struct mem *m = user;
    if (m->n - m->pos < n) return CPS_ERR_TRUNCATED;
    memcpy(data, m->p + m->pos, n);
    m->pos += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) {
        snprintf(dir, sizeof dir, "/tmp/cps-fuzz-state-XXXXXX");
        if (!mkdtemp(dir)) abort();
        snprintf(path, sizeof path, "%s/db", dir);
        atexit(remove_dir);
        fresh_state();
    }
    if (size == 0) return 0;
    uint8_t *input = malloc(size - 1 + 32);
    if (!input) return 0;
    size_t n = size - 1;
    memcpy(input, data + 1, n);
    if (data[0] & 1) {
        unsigned len = 32;
        EVP_Digest(input, n, input + n, &len, EVP_sha256(), NULL);
        n += 32;
    }
    struct mem m = {input, n, 0};
    uint8_t hash[32];
    if (cps_state_snapshot_load(st, mem_read, &m, hash) == 0) {
        cps_state_view *v;
        uint8_t again[32];
        if (cps_state_view_open(st, &v) != 0) abort();
        if (cps_state_hash(v, again) != 0 || memcmp(hash, again, 32) != 0) abort();
        if (cps_state_contract_check(v) != 0) abort();
        cps_state_view_close(v);
        fresh_state(); /* the next input needs an empty state */
    }
    free(input);
    return 0;
}
