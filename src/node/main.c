/* node: cpsd's main — wires the controller, the HTTP chain API and block production onto one
 * libuv loop (DESIGN.md §4) and shuts them down cleanly on SIGINT/SIGTERM. */
#include "node.h"

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
    cps_name producer;
    const cps_private_key *key;
    uint32_t pending_slot;
    bool stopping;
} node;

/* ------------------------------------------------------------------------------------------
 * Block production: a timer aligned to 500 ms slots. A block is started as soon as the previous
 * one is committed, collects the transactions pushed meanwhile, and is finalized and committed
 * when its slot's time comes.
 * ------------------------------------------------------------------------------------------ */
static void schedule_slot(node *n);

static void start_next_block(node *n)
{
    uint32_t slot = cps_block_timestamp_from_us(cps_time_now_us()) + 1;
    uint32_t head_slot = cps_chain_controller_head_timestamp(n->ctl);
    if (slot <= head_slot) slot = head_slot + 1;
    int rc = cps_chain_controller_start_block(n->ctl, slot, n->producer);
    if (rc) {
        cps_log_error("producer", "cannot start block %u: %s",
                      cps_chain_controller_head_num(n->ctl) + 1, cps_last_error());
        n->pending_slot = 0;
    } else {
        n->pending_slot = slot;
    }
    schedule_slot(n);
}

static void on_block_time(uv_timer_t *t)
{
    node *n = t->data;
    if (n->stopping) return;
    if (cps_chain_controller_block_pending(n->ctl)) {
        cps_buf raw = {0};
        int rc = cps_chain_controller_finalize_block(n->ctl, n->key);
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
            cps_chain_api_head_changed(n->api, &raw);
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

/* Which key signs: the signature provider for the genesis key (the single-producer schedule),
 * else the only provider given. */
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
    if (!o->has_producer && o->signer_count == 0 && dev_chain) {
        /* A development chain produces out of the box, as nodeos's tutorials configure it. */
        if (cps_public_key_from_string(CPS_NODE_DEV_PUBLIC_KEY, strlen(CPS_NODE_DEV_PUBLIC_KEY),
                                       &dev_signer.pub) ||
            cps_private_key_from_string(CPS_NODE_DEV_PRIVATE_KEY,
                                        strlen(CPS_NODE_DEV_PRIVATE_KEY), &dev_signer.priv))
            return cps_fail(CPS_ERR_CRYPTO, "development key");
        n->producer = cps_abi_name("eosio");
        n->key = &dev_signer.priv;
        cps_log_warn("node", "development chain: producing as eosio with the public development "
                             "key (for development only)");
        return 0;
    }
    if (!o->has_producer) {
        cps_log_info("node", "no --producer-name: not producing blocks (read-only node)");
        return 0;
    }
    n->producer = o->producer;
    for (size_t i = 0; i < o->signer_count; i++)
        if (!have_genesis || cps_public_key_compare(&o->signers[i].pub, &g.initial_key) == 0)
            n->key = &o->signers[i].priv;
    if (!n->key)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "--producer-name given but no --signature-provider for the producer's key");
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
    if (n.opt.max_transaction_time_ms > 0)
        cps_log_debug("node", "max-transaction-time %lld ms: transactions are bounded by the "
                              "deterministic CPU limit of the chain configuration",
                      (long long)n.opt.max_transaction_time_ms);

    n.loop = uv_default_loop();
    cps_api_config cfg;
    if ((rc = configure_server(&n, &cfg))) goto fail;
    if ((rc = cps_api_server_create(&cfg, n.loop, &n.server))) goto fail;
    cps_chain_api_options ao = {n.ctl, n.server, NULL, "v0.1.0"};
    if ((rc = cps_chain_api_create(&ao, &n.api))) goto fail;
    if ((rc = choose_producer(&n))) goto fail;
    if ((rc = cps_api_server_start(n.server))) goto fail;
    cps_log_info("node", "HTTP API on port %u", cps_api_server_port(n.server));
    /* Tests read the bound port from this line on stdout (with --http-server-address :0). */
    printf("cpsd listening on port %u\n", cps_api_server_port(n.server));
    fflush(stdout);

    uv_timer_init(n.loop, &n.block_timer);
    n.block_timer.data = &n;
    uv_signal_init(n.loop, &n.sigint);
    uv_signal_init(n.loop, &n.sigterm);
    n.sigint.data = n.sigterm.data = &n;
    uv_signal_start(&n.sigint, on_signal, SIGINT);
    uv_signal_start(&n.sigterm, on_signal, SIGTERM);
    if (n.key) {
        if (!n.opt.enable_stale_production && !head_is_fresh(&n) &&
            cps_chain_controller_head_num(n.ctl) > 1) {
            cps_log_warn("node", "the head block is older than 10 minutes: not producing (pass "
                                 "--enable-stale-production to produce on top of it)");
        } else {
            n.producing = true;
            char pn[CPS_NAME_STR_MAX];
            cps_abi_name_to_string(n.producer, pn);
            cps_log_info("producer", "producing 500 ms blocks as %s", pn);
            start_next_block(&n);
        }
    }
    uv_run(n.loop, UV_RUN_DEFAULT);
    /* The pending block's transactions are dropped: they were never in a committed block (their
     * pushes were not answered yet: the server answered them 503 when it stopped). */
    cps_chain_api_destroy(n.api);
    cps_chain_controller_close(n.ctl);
    uv_loop_close(n.loop);
    cps_log_info("node", "stopped");
    cps_node_options_free(&n.opt);
    return 0;
fail:
    cps_log_error("node", "%s", cps_last_error());
    fprintf(stderr, "cpsd: %s\n", cps_last_error());
    if (n.server) cps_api_server_destroy(n.server);
    if (n.loop) {
        uv_run(n.loop, UV_RUN_NOWAIT);
        uv_loop_close(n.loop);
    }
    cps_chain_api_destroy(n.api);
    cps_chain_controller_close(n.ctl);
    cps_node_options_free(&n.opt);
    return 1;
}
