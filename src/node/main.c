/* node: cpsd's main — wires the controller, the HTTP chain API and block production onto one
 * libuv loop (DESIGN.md §4) and shuts them down cleanly on SIGINT/SIGTERM. */
#include "node.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    cps_node_options opt;
    uv_loop_t *loop;
    cps_chain_controller *ctl;
    cps_api_server *server;
    cps_chain_api *api;
    uv_timer_t block_timer;
    uv_signal_t sigint, sigterm;
    bool producing;
    bool is_producer;                 /* has producer names and keys (or the development key) */
    const cps_name *names;            /* the producers this node runs ... */
    size_t name_count;
    const cps_node_signer *signers;   /* ... and the keys it can sign with */
    size_t signer_count;
    uint32_t not_ours_logged_slot;    /* rate-limits "slot belongs to ...": once a minute */
    cps_name not_ours_logged_name;    /* ... or when the producer changes */
    cps_name producer;                /* of the pending block */
    const cps_private_key *key;       /* signs the pending block */
    uint32_t pending_slot;
    bool stopping;
    cps_node_p2p *p2p;          /* NULL without P2P options */
    cps_chain_consensus *cs;    /* fork db, finality, votes (consensus.h); NULL when stopped */
    uint64_t finals_logged;     /* final blocks since the last latency line */
    bool waiting_sync;          /* a producer waiting until no peer is ahead */
    cps_buf *set_aside;         /* pending transactions put aside for a peer's block */
    size_t set_aside_count;
} node;

/* ------------------------------------------------------------------------------------------
 * Block production: a timer aligned to 500 ms slots. A block is started as soon as the previous
 * one is committed, collects the transactions pushed meanwhile, and is finalized and committed
 * when its slot's time comes.
 * ------------------------------------------------------------------------------------------ */
static void schedule_slot(node *n);

/* The key this node signs a block at `slot` with, or NULL when the active schedule gives the
 * slot to a producer this node does not run (or whose scheduled key it lacks). *producer receives
 * the scheduled producer's name either way (0 if the schedule cannot be read). */
static const cps_private_key *our_turn(node *n, uint32_t slot, cps_name *producer)
{
    cps_public_key key;
    *producer = 0;
    if (cps_chain_controller_scheduled_producer(n->ctl, slot, producer, &key) != 0) return NULL;
    bool ours = false;
    for (size_t i = 0; i < n->name_count; i++)
        if (n->names[i] == *producer) ours = true;
    for (size_t i = 0; ours && i < n->signer_count; i++)
        if (cps_public_key_compare(&n->signers[i].pub, &key) == 0) return &n->signers[i].priv;
    return NULL;
}

/* Transactions set aside (a peer's block replaced the pending one, or a fork switch undid their
 * block) go into the pending block when there is one, else they are dropped: their senders
 * resubmit as for any transaction not in a block. */
static void push_set_aside(node *n, bool push)
{
    for (size_t i = 0; i < n->set_aside_count; i++) {
        if (push && cps_chain_controller_block_pending(n->ctl) &&
            cps_chain_controller_push_transaction(n->ctl, n->set_aside[i].data,
                                                  n->set_aside[i].size, NULL) != 0)
            cps_log_debug("producer", "a set-aside transaction no longer applies: %s",
                          cps_last_error());
        cps_buf_free(&n->set_aside[i]);
    }
    free(n->set_aside);
    n->set_aside = NULL;
    n->set_aside_count = 0;
}

static void start_next_block(node *n)
{
    if (n->p2p && cps_node_p2p_behind(n->p2p)) {
        /* nodeos's rule: never produce on a head the network has moved past; the P2P side
         * syncs and calls on_synced when no peer is ahead any more. */
        n->pending_slot = 0;
        n->waiting_sync = true;
        uv_timer_stop(&n->block_timer);
        return;
    }
    n->waiting_sync = false;
    uint32_t slot = cps_block_timestamp_from_us(cps_time_now_us()) + 1;
    uint32_t head_slot = cps_chain_controller_head_timestamp(n->ctl);
    if (slot <= head_slot) slot = head_slot + 1;
    n->key = our_turn(n, slot, &n->producer);
    if (!n->key) {
        /* Another producer's slot: follow its block (P2P) and look again at the next slot. */
        if (slot >= n->not_ours_logged_slot + 120 || n->producer != n->not_ours_logged_name) {
            char pn[CPS_NAME_STR_MAX];
            cps_abi_name_to_string(n->producer, pn);
            cps_log_info("producer", "slot %u belongs to %s: not producing until our turn", slot,
                         pn);
            n->not_ours_logged_slot = slot;
            n->not_ours_logged_name = n->producer;
        }
        n->pending_slot = 0;
        schedule_slot(n);
        return;
    }
    int rc = cps_chain_controller_start_block(n->ctl, slot, n->producer);
    if (rc) {
        cps_log_error("producer", "cannot start block %u: %s",
                      cps_chain_controller_head_num(n->ctl) + 1, cps_last_error());
        n->pending_slot = 0;
    } else {
        n->pending_slot = slot;
        /* transactions undone by a fork switch first, then those queued while the previous
         * block was full or closing */
        if (n->set_aside_count) push_set_aside(n, true);
        cps_chain_api_block_started(n->api);
    }
    schedule_slot(n);
}

static void on_block_time(uv_timer_t *t)
{
    node *n = t->data;
    if (n->stopping) return;
    if (cps_chain_controller_block_pending(n->ctl)) {
        cps_buf raw = {0};
        /* the voter's guard against signing a slot twice, and the QC on the head */
        int rc = cps_chain_consensus_prepare_block(n->cs, n->producer, n->pending_slot);
        if (!rc) rc = cps_chain_controller_finalize_block(n->ctl, n->key);
        if (!rc) rc = cps_chain_controller_commit_block(n->ctl, &raw);
        if (rc) {
            cps_log_error("producer", "block %u failed: %s; dropping it",
                          cps_chain_controller_head_num(n->ctl) + 1, cps_last_error());
            size_t count = 0;
            cps_buf *unapplied = NULL;
            cps_chain_controller_abort_block(n->ctl, &unapplied, &count);
            cps_chain_api_block_aborted(n->api, cps_last_error());
            for (size_t i = 0; i < count; i++) cps_buf_free(&unapplied[i]);
            free(unapplied);
        } else {
            cps_checksum256 id;
            char hex[65];
            cps_chain_controller_head_id(n->ctl, &id);
            cps_hex_encode(hex, id.b, 32);
            cps_log_debug("producer", "produced block %u %.16s (%zu bytes)",
                          cps_chain_controller_head_num(n->ctl), hex, raw.size);
            /* into the fork db, voted on; LIB may move (one producer: at once) */
            if (cps_chain_consensus_block_produced(n->cs, raw.data, raw.size) != 0)
                cps_log_error("producer", "consensus: %s", cps_last_error());
            cps_chain_api_head_changed(n->api, &raw);
            cps_node_p2p_block_committed(n->p2p, &raw);
        }
        cps_buf_free(&raw);
    }
    start_next_block(n);
}

/* Fires at the end of the pending block's slot (or at the next slot boundary when none). */
static void schedule_slot(node *n)
{
    int64_t now_ms = cps_time_now_us() / 1000;
    uint32_t slot = n->pending_slot ? n->pending_slot
                                    : cps_block_timestamp_from_us(cps_time_now_us()) + 1;
    int64_t due_ms = cps_block_timestamp_to_us(slot) / 1000;
    uint64_t delay = due_ms > now_ms ? (uint64_t)(due_ms - now_ms) : 0;
    uv_timer_start(&n->block_timer, on_block_time, delay, 0);
}

/* ------------------------------------------------------------------------------------------
 * P2P hooks (net_glue.c): a block from a peer replaces the producer's pending block, whose
 * transactions go into the next one; transactions from peers go into the pending block.
 * ------------------------------------------------------------------------------------------ */
static void on_peer_block_before(void *ctx)
{
    node *n = ctx;
    if (!cps_chain_controller_block_pending(n->ctl)) return;
    cps_chain_controller_abort_block(n->ctl, &n->set_aside, &n->set_aside_count);
    cps_chain_api_block_aborted(n->api, "a peer's block came first");
    n->pending_slot = 0;
}

static void on_peer_block_after(void *ctx, int rc)
{
    node *n = ctx;
    (void)rc;
    if (n->producing && !n->stopping) {
        uv_timer_stop(&n->block_timer);
        start_next_block(n);
    }
    push_set_aside(n, true);
}

/* A peer's transaction, prepared on a worker (net_glue.c): the same queue as the API's pushes,
 * so peers and HTTP clients share the block fairly per account; the ingress applies it on the
 * loop in turn and gossips it once it is in the block. */
static int on_peer_transaction(void *ctx, cps_chain_trx_meta *meta)
{
    node *n = ctx;
    return cps_chain_api_queue_prepared(n->api, meta);
}

static void on_synced(void *ctx)
{
    node *n = ctx;
    if (!n->producing || !n->waiting_sync || n->stopping ||
        cps_chain_controller_block_pending(n->ctl))
        return;
    n->waiting_sync = false;
    cps_log_info("producer", "no peer is ahead: producing on block %u",
                 cps_chain_controller_head_num(n->ctl));
    start_next_block(n);
}

/* Which key signs: the signature provider for the genesis key (the single-producer schedule),
 * else the only provider given. */
/* ------------------------------------------------------------------------------------------
 * Consensus callbacks (consensus.h): votes go out through P2P, blocks applied or undone by a fork
 * switch update the API, undone transactions wait for the next block, LIB moves are announced.
 * ------------------------------------------------------------------------------------------ */
static void cs_vote(void *ctx, const cps_chain_vote *v)
{
    node *n = ctx;
    cps_node_p2p_broadcast_vote(n->p2p, v);
}

static void cs_applied(void *ctx, const uint8_t *raw, size_t size)
{
    node *n = ctx;
    cps_buf b = {.data = (uint8_t *)raw, .size = size, .cap = 0};
    cps_chain_api_head_changed(n->api, &b);
}

static void cs_popped(void *ctx, uint32_t num)
{
    node *n = ctx;
    cps_log_info("consensus", "block %u undone for a better fork", num);
    cps_chain_api_head_changed(n->api, NULL);
}

static void cs_unapplied(void *ctx, const uint8_t *packed, size_t size)
{
    node *n = ctx;
    /* pushed into the next block with the transactions set aside for the peer's block */
    cps_buf *list = realloc(n->set_aside, (n->set_aside_count + 1) * sizeof *list);
    if (!list) return;
    n->set_aside = list;
    cps_buf b = {0};
    if (cps_write_bytes(&b, packed, size) == 0) list[n->set_aside_count++] = b;
    else cps_buf_free(&b);
}

static void cs_final(void *ctx, uint32_t num, const cps_checksum256 *id)
{
    node *n = ctx;
    (void)id;
    if (!n->cs) return; /* still opening */
    cps_chain_api_head_changed(n->api, NULL); /* get_info's LIB */
    cps_node_p2p_head_changed(n->p2p);
    cps_chain_consensus_stats st;
    cps_chain_consensus_get_stats(n->cs, &st);
    if (st.finality_samples >= n->finals_logged + 20) {
        n->finals_logged = st.finality_samples;
        cps_log_info("consensus", "block %u final; finality latency %.0f ms (last), %.0f ms "
                                  "(average of %llu)", num, st.last_finality_us / 1000.0,
                     st.sum_finality_us / 1000.0 / (double)st.finality_samples,
                     (unsigned long long)st.finality_samples);
    }
}

static int open_consensus(node *n)
{
    cps_chain_consensus_callbacks cb = {n, cs_vote, cs_applied, cs_popped, cs_unapplied, cs_final};
    /* the development chain's producer signs with the development key */
    const cps_node_signer *dev = n->is_producer && n->signers != n->opt.signers ? n->signers : NULL;
    int rc = cps_node_consensus_open(&n->opt, n->ctl, n->is_producer ? n->names : NULL,
                                     n->is_producer ? n->name_count : 0, dev, &cb, &n->cs);
    if (rc) return cps_fail_prefix(rc, "consensus");
    cps_node_p2p_set_consensus(n->p2p, n->cs);
    cps_log_info("consensus", "fork database at LIB %u, head %u", cps_chain_controller_lib_num(n->ctl),
                 cps_chain_controller_head_num(n->ctl));
    return 0;
}

static int choose_producer(node *n)
{
    cps_node_options *o = &n->opt;
    static cps_node_signer dev_signer;
    cps_chain_genesis g;
    bool have_genesis =
        cps_chain_block_log_genesis(cps_chain_controller_block_log(n->ctl), &g) == 0;
    bool dev_chain = false;
    cps_public_key dev;
    if (cps_public_key_from_string(CPS_NODE_DEV_PUBLIC_KEY, strlen(CPS_NODE_DEV_PUBLIC_KEY),
                                   &dev) == 0) {
        if (have_genesis) {
            dev_chain = cps_public_key_compare(&dev, &g.initial_key) == 0;
        } else {
            /* A chain started from a snapshot has no genesis in its log: it is a development
             * chain when eosio's owner is still the development key alone, as genesis made it. */
            cps_arena a;
            cps_abi_arena_init(&a);
            cps_name parent;
            cps_authority auth;
            int64_t last_used;
            if (cps_chain_controller_get_permission(n->ctl, cps_abi_name("eosio"),
                                                    cps_abi_name("owner"), &a, &parent, &auth,
                                                    &last_used) == 0)
                dev_chain = auth.threshold == 1 && auth.key_count == 1 &&
                            auth.account_count == 0 && auth.wait_count == 0 &&
                            cps_public_key_compare(&dev, &auth.keys[0].key) == 0;
            cps_abi_arena_free(&a);
        }
    }
    if (!o->has_producer && o->signer_count == 0 && dev_chain && o->p2p.peer_address_count == 0) {
        /* A development chain produces out of the box, as nodeos's tutorials configure it. */
        if (cps_public_key_from_string(CPS_NODE_DEV_PUBLIC_KEY, strlen(CPS_NODE_DEV_PUBLIC_KEY),
                                       &dev_signer.pub) ||
            cps_private_key_from_string(CPS_NODE_DEV_PRIVATE_KEY,
                                        strlen(CPS_NODE_DEV_PRIVATE_KEY), &dev_signer.priv))
            return cps_fail(CPS_ERR_CRYPTO, "development key");
        static cps_name eosio_name;
        eosio_name = cps_abi_name("eosio");
        n->names = &eosio_name;
        n->name_count = 1;
        n->signers = &dev_signer;
        n->signer_count = 1;
        n->is_producer = true;
        cps_log_warn("node", "development chain: producing as eosio with the public development "
                             "key (for development only)");
        return 0;
    }
    if (!o->has_producer) {
        cps_log_info("node", "no --producer-name: not producing blocks (%s)",
                     o->p2p_enabled ? "following the peers" : "read-only node");
        return 0;
    }
    if (o->signer_count == 0)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "--producer-name given but no --signature-provider for the producer's key");
    n->names = o->producer_names;
    n->name_count = o->producer_name_count;
    n->signers = o->signers;
    n->signer_count = o->signer_count;
    n->is_producer = true;
    /* Which of them the active schedule has now (others may be elected later). */
    cps_chain_schedules sch;
    if (cps_chain_controller_get_schedules(n->ctl, &sch) == 0) {
        size_t scheduled = 0;
        for (uint32_t i = 0; i < sch.active.producer_count; i++)
            for (size_t j = 0; j < n->name_count; j++)
                if (sch.active.producers[i].name == n->names[j]) scheduled++;
        if (!scheduled)
            cps_log_warn("node", "none of this node's %zu producer(s) is in the active schedule "
                                 "(version %u): it follows until one is scheduled",
                         n->name_count, sch.active.version);
        cps_chain_schedules_free(&sch);
    }
    return 0;
}

/* nodeos refuses to produce on top of an old head unless --enable-stale-production; CPS does the
 * same with a 10-minute threshold, since a single-producer chain has no peer to catch up from
 * after a short stop. */
static bool head_is_fresh(node *n)
{
    int64_t head_us = cps_block_timestamp_to_us(cps_chain_controller_head_timestamp(n->ctl));
    return cps_time_now_us() - head_us < INT64_C(600) * 1000000;
}

/* ------------------------------------------------------------------------------------------
 * Shutdown.
 * ------------------------------------------------------------------------------------------ */
static void on_signal(uv_signal_t *h, int signum)
{
    node *n = h->data;
    if (n->stopping) return;
    n->stopping = true;
    cps_log_info("node", "%s: shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
    uv_timer_stop(&n->block_timer);
    uv_close((uv_handle_t *)&n->block_timer, NULL);
    uv_close((uv_handle_t *)&n->sigint, NULL);
    uv_close((uv_handle_t *)&n->sigterm, NULL);
    cps_node_p2p_close(n->p2p);
    n->p2p = NULL;
    cps_api_server_destroy(n->server);
    n->server = NULL;
}

static int configure_server(node *n, cps_api_config *cfg)
{
    cps_api_config_defaults(cfg);
    for (size_t i = 0; i < n->opt.api_count; i++) {
        int rc = cps_api_config_set(cfg, n->opt.api[i].name, n->opt.api[i].value);
        if (rc) return cps_fail_prefix(rc, "--%s", n->opt.api[i].name);
    }
    return 0;
}

int main(int argc, char **argv)
{
    node n;
    memset(&n, 0, sizeof n);
    bool exit_now;
    int rc = cps_node_options_parse(argc, argv, &n.opt, &exit_now);
    if (rc) {
        fprintf(stderr, "cpsd: %s\n", cps_last_error());
        cps_node_options_free(&n.opt);
        return 2;
    }
    if (exit_now) {
        cps_node_options_free(&n.opt);
        return 0;
    }
    cps_log_set_level(n.opt.log_level);
    cps_log_set_json(n.opt.log_json);
    signal(SIGPIPE, SIG_IGN);
    /* Request bodies, answers, blocks and traces are buffers of 100 KiB to a few MiB made and
     * freed thousands of times a second; glibc's defaults hand each to mmap/munmap or trim the
     * heap after it, so every one is page-faulted in again (≈ 10 % of cpsd's CPU per transfer in
     * bench/tps). Keep them in the heap and keep up to 256 MiB of freed heap. */
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);

    if ((rc = cps_node_open_chain(&n.opt, &n.ctl))) goto fail;
    cps_checksum256 id;
    char hex[65], chain[65];
    cps_chain_controller_head_id(n.ctl, &id);
    cps_hex_encode(hex, id.b, 32);
    cps_hex_encode(chain, cps_chain_controller_chain_id(n.ctl)->b, 32);
    if (n.opt.write_snapshot) {
        rc = cps_chain_controller_write_snapshot(n.ctl, n.opt.write_snapshot);
        if (rc) goto fail;
        printf("%u %s\n", cps_chain_controller_head_num(n.ctl), n.opt.write_snapshot);
        cps_chain_controller_close(n.ctl);
        cps_node_options_free(&n.opt);
        return 0;
    }
    if (n.opt.print_state_hash) {
        uint8_t h[32];
        char hh[65];
        if ((rc = cps_chain_controller_state_hash(n.ctl, h))) goto fail;
        cps_hex_encode(hh, h, 32);
        printf("%u %s\n", cps_chain_controller_head_num(n.ctl), hh);
        cps_chain_controller_close(n.ctl);
        cps_node_options_free(&n.opt);
        return 0;
    }
    cps_log_info("node", "chain %s open in %s: head %u %s", chain, n.opt.data_dir,
                 cps_chain_controller_head_num(n.ctl), hex);
    /* --max-transaction-time bounds the transactions this node is handed (API, peers), in the
     * chain's deterministic CPU units; blocks from others are validated under the chain's
     * limits only. */
    cps_chain_controller_set_max_transaction_time(n.ctl, n.opt.max_transaction_time_ms);

    n.loop = uv_default_loop();
    cps_api_config cfg;
    if ((rc = configure_server(&n, &cfg))) goto fail;
    if ((rc = cps_api_server_create(&cfg, n.loop, &n.server))) goto fail;
    cps_chain_api_options ao = {.controller = n.ctl, .server = n.server,
                                .server_version_string = "v0.1.0", .loop = n.loop};
    if ((rc = cps_chain_api_create(&ao, &n.api))) goto fail;
    if ((rc = choose_producer(&n))) goto fail;
    if (n.opt.p2p_enabled) {
        cps_node_p2p_hooks hooks = {&n, on_peer_block_before, on_peer_block_after,
                                    n.is_producer ? on_peer_transaction : NULL, on_synced};
        if ((rc = cps_node_p2p_create(n.loop, &n.opt, n.ctl, n.api, &hooks, &n.p2p))) goto fail;
        if ((rc = cps_node_p2p_set_metrics(n.p2p, cps_api_server_metrics(n.server)))) goto fail;
    }
    if ((rc = open_consensus(&n))) goto fail;
    if ((rc = cps_node_finality_api_register(n.server, &n.cs, n.ctl))) goto fail;
    if ((rc = cps_api_server_start(n.server))) goto fail;
    cps_log_info("node", "HTTP API on port %u", cps_api_server_port(n.server));
    /* Tests read the bound port from this line on stdout (with --http-server-address :0). */
    printf("cpsd listening on port %u\n", cps_api_server_port(n.server));
    fflush(stdout);
    if (n.p2p && (rc = cps_node_p2p_start(n.p2p))) goto fail;

    uv_timer_init(n.loop, &n.block_timer);
    n.block_timer.data = &n;
    uv_signal_init(n.loop, &n.sigint);
    uv_signal_init(n.loop, &n.sigterm);
    n.sigint.data = n.sigterm.data = &n;
    uv_signal_start(&n.sigint, on_signal, SIGINT);
    uv_signal_start(&n.sigterm, on_signal, SIGTERM);
    if (n.is_producer) {
        if (!n.opt.enable_stale_production && !head_is_fresh(&n) &&
            cps_chain_controller_head_num(n.ctl) > 1) {
            cps_log_warn("node", "the head block is older than 10 minutes: not producing (pass "
                                 "--enable-stale-production to produce on top of it)");
        } else {
            n.producing = true;
            char pn[CPS_NAME_STR_MAX];
            cps_abi_name_to_string(n.names[0], pn);
            cps_log_info("producer", "producing 500 ms blocks as %s%s in its schedule slots", pn,
                         n.name_count > 1 ? " and others" : "");
            start_next_block(&n);
        }
    }
    uv_run(n.loop, UV_RUN_DEFAULT);
    /* The pending block's transactions are dropped: they were never in a committed block (their
     * pushes were not answered yet: the server answered them 503 when it stopped); so are those
     * set aside for the next block. */
    push_set_aside(&n, false);
    cps_chain_api_destroy(n.api);
    cps_chain_consensus_close(n.cs);
    n.cs = NULL;
    cps_chain_controller_close(n.ctl);
    uv_loop_close(n.loop);
    cps_log_info("node", "stopped");
    cps_node_options_free(&n.opt);
    return 0;
fail:
    cps_log_error("node", "%s", cps_last_error());
    fprintf(stderr, "cpsd: %s\n", cps_last_error());
    cps_node_p2p_close(n.p2p);
    if (n.server) cps_api_server_destroy(n.server);
    if (n.loop) {
        uv_run(n.loop, UV_RUN_NOWAIT);
        uv_loop_close(n.loop);
    }
    push_set_aside(&n, false);
    cps_chain_api_destroy(n.api);
    cps_chain_consensus_close(n.cs);
    n.cs = NULL;
    cps_chain_controller_close(n.ctl);
    cps_node_options_free(&n.opt);
    return 1;
}
