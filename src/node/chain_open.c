/* node: opening the chain's data directory — a new chain from a genesis (or the development
 * genesis), an existing one at its head, or a rebuilt one (--delete-all-blocks, --replay-blockchain
 * with a progress line, resumed after a crash). */
#define _XOPEN_SOURCE 700
#include "node.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int remove_tree(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return errno == ENOENT ? 0 : cps_fail(CPS_ERR_IO, "%s: %s", path, strerror(errno));
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return cps_fail(CPS_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    return 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The genesis of a new chain: --genesis-json, or the development genesis (EOSIO's public
 * development key, timestamp now) that must never carry value. */
static int new_chain_genesis(const cps_node_options *o, cps_chain_genesis *g, bool *dev)
{
    int rc;
    *dev = false;
    if (o->genesis_json) {
        rc = cps_chain_genesis_from_file(o->genesis_json, g);
        if (rc) return cps_fail_prefix(rc, "--genesis-json %s", o->genesis_json);
    } else {
        cps_chain_genesis_development(g);
        *dev = true;
        g->initial_timestamp = cps_time_now_us() / 1000 * 1000;
    }
    if (o->genesis_timestamp) {
        int64_t us;
        if (!strcmp(o->genesis_timestamp, "now")) us = cps_time_now_us();
        else if (cps_time_parse(o->genesis_timestamp, strlen(o->genesis_timestamp), &us))
            return cps_fail_prefix(CPS_ERR_INVALID_ARG, "--genesis-timestamp");
        /* nodeos rounds to a block slot. */
        g->initial_timestamp = cps_block_timestamp_to_us(cps_block_timestamp_from_us(us));
    }
    if (*dev) {
        cps_log_warn("node", "**************************************************************");
        cps_log_warn("node", "DEVELOPMENT CHAIN: its genesis key is EOSIO's public development "
                             "key %s,", CPS_NODE_DEV_PUBLIC_KEY);
        cps_log_warn("node", "whose private key is published. Never hold anything of value on "
                             "it. Pass --genesis-json for a real chain.");
        cps_log_warn("node", "**************************************************************");
    }
    return 0;
}

/* Replays blocks.replay (the block log moved aside) into a chain rebuilt from its genesis. */
static int replay_from(const cps_node_options *o, const char *old_dir, cps_chain_controller **ctl)
{
    cps_chain_block_log *old = NULL;
    cps_chain_controller *c = NULL;
    cps_chain_genesis g;
    char path[4200];
    int rc = cps_chain_block_log_open(old_dir, NULL, &old);
    if (!rc) rc = cps_chain_block_log_genesis(old, &g);
    if (rc) {
        cps_chain_block_log_close(old);
        return cps_fail_prefix(rc, "replay: block log %s", old_dir);
    }
    snprintf(path, sizeof path, "%s/state", o->data_dir);
    if (!rc) rc = remove_tree(path);
    snprintf(path, sizeof path, "%s/blocks", o->data_dir);
    if (!rc) rc = remove_tree(path);
    cps_chain_controller_options co = {0};
    co.data_dir = o->data_dir;
    co.genesis = &g;
    /* Block log and state are synced on close, not per block: a crash restarts the replay from
     * the log moved aside, so nothing acknowledged depends on the per-block syncs. */
    co.block_log_no_sync = true;
    co.state_sync = CPS_STATE_SYNC_NONE;
    if (!rc) rc = cps_chain_controller_open(&co, &c);
    uint32_t last = cps_chain_block_log_head_num(old);
    cps_log_info("node", "replay: %u blocks from %s", last, old_dir);
    cps_chain_block_log_iter it = {0};
    if (!rc) cps_chain_block_log_iter_begin(old, cps_chain_controller_head_num(c) + 1, &it);
    cps_buf raw = {0};
    uint32_t num = 0, done_since = 0;
    uint64_t t0 = cps_time_mono_ns(), tlast = t0;
    while (!rc) {
        rc = cps_chain_block_log_iter_next(&it, &raw, &num);
        if (rc == CPS_ERR_NOT_FOUND) {
            rc = 0;
            break;
        }
        if (!rc) rc = cps_chain_controller_push_block(c, raw.data, raw.size);
        if (rc) {
            cps_fail_prefix(rc, "replay: block %u", num);
            break;
        }
        done_since++;
        uint64_t now = cps_time_mono_ns();
        if (now - tlast >= 1000000000ull || num == last) {
            double rate = (double)done_since * 1e9 / (double)(now - tlast);
            cps_log_info("node", "replay: block %u of %u (%.1f%%), %.0f blocks/s", num, last,
                         last ? 100.0 * num / last : 100.0, rate);
            tlast = now;
            done_since = 0;
        }
    }
    cps_buf_free(&raw);
    cps_chain_block_log_close(old);
    if (rc) {
        cps_chain_controller_close(c);
        return rc;
    }
    /* Close and reopen so the new log is synced before the old one goes. */
    cps_chain_controller_close(c);
    c = NULL;
    co.block_log_no_sync = false;
    co.state_sync = CPS_STATE_SYNC_FULL;
    co.genesis = NULL;
    rc = cps_chain_controller_open(&co, &c);
    if (!rc) rc = remove_tree(old_dir);
    if (rc) {
        cps_chain_controller_close(c);
        return rc;
    }
    cps_log_info("node", "replay: done in %.1f s, head %u", (double)(cps_time_mono_ns() - t0) / 1e9,
                 cps_chain_controller_head_num(c));
    *ctl = c;
    return 0;
}

int cps_node_open_chain(const cps_node_options *o, cps_chain_controller **ctl)
{
    *ctl = NULL;
    char blocks[4200], state[4200], aside[4200];
    snprintf(blocks, sizeof blocks, "%s/blocks", o->data_dir);
    snprintf(state, sizeof state, "%s/state", o->data_dir);
    snprintf(aside, sizeof aside, "%s/blocks.replay", o->data_dir);
    int rc;
    if (o->snapshot) {
        /* nodeos's rule: a snapshot starts an empty data directory; later starts need none. */
        if (exists(state) || exists(blocks))
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "--snapshot: %s already holds a chain (use an empty --data-dir)",
                            o->data_dir);
        cps_chain_controller_options so = {0};
        so.data_dir = o->data_dir;
        so.snapshot = o->snapshot;
        cps_log_info("node", "starting from snapshot %s", o->snapshot);
        rc = cps_chain_controller_open(&so, ctl);
        if (rc) return cps_fail_prefix(rc, "--snapshot %s", o->snapshot);
        return 0;
    }
    if (o->delete_all_blocks) {
        cps_log_warn("node", "--delete-all-blocks: removing %s and %s", state, blocks);
        if ((rc = remove_tree(state)) || (rc = remove_tree(blocks)) || (rc = remove_tree(aside)))
            return rc;
    }
    if ((o->replay || o->hard_replay) && !exists(aside)) {
        if (!exists(blocks)) return cps_fail(CPS_ERR_NOT_FOUND, "replay: no block log in %s", blocks);
        /* The log moves aside first, so a crash mid-replay keeps every block. */
        if (rename(blocks, aside) != 0)
            return cps_fail(CPS_ERR_IO, "replay: cannot move %s: %s", blocks, strerror(errno));
    }
    if (exists(aside)) {
        if (!o->replay && !o->hard_replay)
            cps_log_warn("node", "resuming an interrupted replay of %s", aside);
        return replay_from(o, aside, ctl);
    }
    cps_chain_genesis g;
    bool dev = false, fresh = !exists(blocks);
    cps_chain_controller_options co = {0};
    co.data_dir = o->data_dir;
    if (fresh) {
        if ((rc = new_chain_genesis(o, &g, &dev))) return rc;
        co.genesis = &g;
    } else if (o->genesis_json) {
        if ((rc = cps_chain_genesis_from_file(o->genesis_json, &g)))
            return cps_fail_prefix(rc, "--genesis-json %s", o->genesis_json);
        co.genesis = &g;
    }
    rc = cps_chain_controller_open(&co, ctl);
    if (rc) return cps_fail_prefix(rc, "opening the chain in %s", o->data_dir);
    return 0;
}
