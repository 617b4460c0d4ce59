/* node: cpsd's P2P side — src/net's cps_net on the node's loop, fed by the controller: blocks from
 * peers applied in order, range sync of a node behind its peers, requests served from the block
 * log, transactions gossiped both ways (node.h, docs/p2p.md "In cpsd"). */
#include "node.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Blocks asked for in one request: small enough that a reply (at most this many blocks) never
 * fills a peer's write queue, large enough that a late node syncs thousands of blocks a second. */
#define SYNC_CHUNK 200
/* A range request without progress for this long goes to another peer (or again). */
#define SYNC_STALL_MS 4000
/* A node with peers to dial waits this long for one to answer before it may produce alone. */
#define STARTUP_GRACE_MS 2000
/* Bytes of blocks sent for one request; the requester asks again for the rest. */
#define SERVE_BYTES_MAX ((size_t)8 << 20)
#define MAX_TRACKED_PEERS 128
#define TICK_MS 250
/* Peers' transactions being prepared on libuv's workers at once; beyond it a producer drops
 * what arrives (as a full queue does) and a follower relays without keeping the keys. */
#define MAX_PREPARING 16384u

typedef struct peer_head {
    uint64_t id;
    uint32_t head_num;
    bool used;
} peer_head;

struct cps_node_p2p {
    uv_loop_t *loop;
    cps_chain_controller *ctl;
    cps_chain_api *api;
    cps_node_p2p_hooks hooks;
    cps_net *net;
    uv_timer_t tick;
    bool tick_open;
    peer_head peers[MAX_TRACKED_PEERS];
    uint64_t started_ms;
    bool dials;   /* has peer addresses to dial */
    bool settled; /* heard from a peer, or the start-up grace passed */
    /* The range request in flight (sync_end == 0: none). */
    uint64_t sync_peer;
    uint32_t sync_end;
    uint32_t sync_received; /* blocks the sync peer sent since the request (linking or not) */
    uint32_t sync_from_head; /* our head when the request went out */
    uint64_t sync_deadline_ms;
    uint32_t sync_logged_head;
    cps_chain_consensus *cs; /* the fork database's owner (consensus.h), or NULL */
    /* P2P transaction ingress: prepared on libuv's workers (decode, checks, key recovery) so the
     * loop only queues them; p is freed by the last of the tick's close and these works. */
    uint32_t preparing;
    bool closed, tick_closed;
    struct {
        cps_api_metric *prepared, *refused, *preparing, *recovered, *cache_hits;
        uint64_t recovered_seen, cache_hits_seen;
    } m;
};

static void update_signature_metrics(cps_node_p2p *p);

static uint64_t now_ms(const cps_node_p2p *p)
{
    return uv_now(p->loop);
}

static peer_head *find_peer(cps_node_p2p *p, uint64_t id, bool create)
{
    peer_head *free_slot = NULL;
    for (size_t i = 0; i < MAX_TRACKED_PEERS; i++) {
        if (p->peers[i].used && p->peers[i].id == id) return &p->peers[i];
        if (!p->peers[i].used && !free_slot) free_slot = &p->peers[i];
    }
    if (!create || !free_slot) return NULL;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->used = true;
    free_slot->id = id;
    return free_slot;
}

static void peer_saw(cps_node_p2p *p, uint64_t id, uint32_t head_num)
{
    peer_head *h = find_peer(p, id, true);
    if (h && head_num > h->head_num) h->head_num = head_num;
}

/* The peer with the highest head above ours, or NULL. */
static const peer_head *best_peer_ahead(const cps_node_p2p *p)
{
    uint32_t head = cps_chain_controller_head_num(p->ctl);
    const peer_head *best = NULL;
    for (size_t i = 0; i < MAX_TRACKED_PEERS; i++) {
        const peer_head *h = &p->peers[i];
        if (h->used && h->head_num > head && (!best || h->head_num > best->head_num)) best = h;
    }
    return best;
}

bool cps_node_p2p_behind(const cps_node_p2p *p)
{
    return p && (!p->settled || best_peer_ahead(p) != NULL);
}

static void publish_head(cps_node_p2p *p, bool announce)
{
    cps_checksum256 id, lib_id;
    cps_chain_controller_head_id(p->ctl, &id);
    cps_chain_controller_lib_id(p->ctl, &lib_id);
    cps_net_set_head(p->net, cps_chain_controller_head_num(p->ctl), &id,
                     cps_chain_controller_lib_num(p->ctl), &lib_id, announce);
}

/* The sync policy: while a peer is ahead, one range request at a time to the peer with the
 * highest head, SYNC_CHUNK blocks from our head + 1. A request that stops making progress for
 * SYNC_STALL_MS is sent again (a reply may stop short at SERVE_BYTES_MAX); a peer that sent
 * nothing at all for it is disconnected and scored down: it claimed a head it does not serve,
 * which would otherwise keep a producer from producing forever. */
static void maybe_sync(cps_node_p2p *p)
{
    uint32_t head = cps_chain_controller_head_num(p->ctl);
    if (p->sync_end > head && now_ms(p) >= p->sync_deadline_ms && p->sync_received == 0) {
        uint64_t silent = p->sync_peer;
        p->sync_end = 0;
        cps_log_warn("p2p", "peer %" PRIu64 " sent none of the blocks it announced: dropping it",
                     silent);
        if (cps_net_disconnect(p->net, silent, CPS_NET_GO_AWAY_TIMEOUT, true) != 0)
            cps_log_debug("p2p", "peer %" PRIu64 " already gone", silent);
        head = cps_chain_controller_head_num(p->ctl);
    }
    const peer_head *best = best_peer_ahead(p);
    if (!best) {
        p->sync_end = 0;
        if (p->sync_logged_head) {
            cps_log_info("p2p", "in sync with the peers at block %u", head);
            p->sync_logged_head = 0;
        }
        if (p->settled && p->hooks.synced) p->hooks.synced(p->hooks.ctx);
        return;
    }
    if (p->sync_end > head && now_ms(p) < p->sync_deadline_ms) return; /* in flight */
    /* The last request brought blocks but our head did not move: they are on a fork whose
     * branch point is below our head, so this time ask from above LIB (the fork database links
     * them from there). */
    uint32_t start = head + 1;
    if (p->sync_end && p->sync_received > 0 && head == p->sync_from_head)
        start = cps_chain_controller_lib_num(p->ctl) + 1;
    uint32_t end = best->head_num;
    if (end - start >= SYNC_CHUNK) end = start + SYNC_CHUNK - 1;
    if (cps_net_request_blocks(p->net, best->id, start, end) != 0) {
        p->sync_end = 0;
        return;
    }
    /* A gap of one block is the normal race of gossip; log real catch-ups (and every 1000). */
    if ((!p->sync_logged_head && end > head + 1) ||
        (p->sync_logged_head && head >= p->sync_logged_head + 1000)) {
        cps_log_info("p2p", "syncing: head %u, peer %" PRIu64 " has %u; asking for %u..%u", head,
                     best->id, best->head_num, start, end);
        p->sync_logged_head = head ? head : 1;
    }
    p->sync_peer = best->id;
    p->sync_end = end;
    p->sync_received = 0;
    p->sync_from_head = head;
    p->sync_deadline_ms = now_ms(p) + SYNC_STALL_MS;
}

/* ---- cps_net callbacks ------------------------------------------------------------------------ */

static void on_peer_connected(void *ctx, const cps_net_peer_info *peer)
{
    cps_node_p2p *p = ctx;
    cps_log_info("p2p", "peer %" PRIu64 " %s (%s, %s) head %u", peer->id, peer->address,
                 peer->outgoing ? "dialled" : "inbound", peer->handshake->agent,
                 peer->handshake->head_num);
    peer_saw(p, peer->id, peer->handshake->head_num);
    p->settled = true;
    maybe_sync(p);
}

static void on_peer_disconnected(void *ctx, const cps_net_peer_info *peer, int reason)
{
    cps_node_p2p *p = ctx;
    cps_log_info("p2p", "peer %" PRIu64 " %s gone: %s", peer->id, peer->address,
                 cps_net_go_away_reason_name(reason));
    peer_head *h = find_peer(p, peer->id, false);
    if (h) h->used = false;
    if (p->sync_peer == peer->id) p->sync_end = 0;
    maybe_sync(p);
}

/* With the consensus: every block goes to the fork database, which keeps the controller on the
 * best branch (switching forks itself). A block that does not link makes the node ask this peer
 * for the blocks above our LIB up to it (one request at a time). */
static int consensus_block(cps_node_p2p *p, const cps_net_peer_info *peer, const cps_net_block *b)
{
    uint32_t lib = cps_chain_controller_lib_num(p->ctl);
    if (b->num <= lib) return cps_fail(CPS_ERR_EXISTS, "block %u is at or below LIB %u", b->num, lib);
    if (cps_chain_fork_db_get(cps_chain_consensus_fork_db(p->cs), &b->id))
        return cps_fail(CPS_ERR_EXISTS, "block %u already known", b->num);
    if (p->hooks.before_block) p->hooks.before_block(p->hooks.ctx);
    bool changed = false;
    int rc = cps_chain_consensus_on_block(p->cs, b->raw.data, b->raw.size, &changed);
    char detail[512];
    snprintf(detail, sizeof detail, "%s", rc ? cps_last_error() : "");
    if (changed) publish_head(p, best_peer_ahead(p) == NULL);
    if (p->hooks.after_block) p->hooks.after_block(p->hooks.ctx, rc);
    if (rc == CPS_ERR_NOT_FOUND) {
        if (!(p->sync_end && now_ms(p) < p->sync_deadline_ms)) {
            uint32_t end = b->num - lib > SYNC_CHUNK ? lib + SYNC_CHUNK : b->num;
            if (cps_net_request_blocks(p->net, peer->id, lib + 1, end) == 0) {
                cps_log_info("p2p", "block %u from peer %" PRIu64 " does not link: asking for "
                                    "%u..%u", b->num, peer->id, lib + 1, end);
                p->sync_peer = peer->id;
                p->sync_end = end;
                p->sync_received = 0;
                p->sync_deadline_ms = now_ms(p) + SYNC_STALL_MS;
            }
        }
        return cps_fail(CPS_ERR_STATE, "block %u does not link yet", b->num);
    }
    if (rc == CPS_ERR_EXISTS || rc == CPS_ERR_STATE || rc == CPS_ERR_LIMIT)
        return cps_fail(CPS_ERR_EXISTS, "block %u: %s", b->num, detail);
    if (rc) {
        cps_log_warn("p2p", "block %u from peer %" PRIu64 " refused: %s", b->num, peer->id,
                     detail);
        return cps_fail(rc, "block %u: %s", b->num, detail);
    }
    cps_log_debug("p2p", "block %u from peer %" PRIu64 " stored%s", b->num, peer->id,
                  changed ? ", head moved" : "");
    update_signature_metrics(p);
    if (p->sync_end && b->num >= p->sync_end) p->sync_end = 0;
    else if (p->sync_end) p->sync_deadline_ms = now_ms(p) + SYNC_STALL_MS; /* progress */
    maybe_sync(p);
    return 0;
}

static int on_block_received(void *ctx, const cps_net_peer_info *peer, const cps_net_block *b)
{
    cps_node_p2p *p = ctx;
    peer_saw(p, peer->id, b->num);
    if (p->sync_end && peer->id == p->sync_peer) p->sync_received++;
    return consensus_block(p, peer, b);
}

/* ---- transactions from peers -------------------------------------------------------------------
 * Every peer's transaction is prepared (decoded, checked, its keys recovered) on libuv's worker
 * threads, never on the loop. At a producer with a pending block it then joins the API pushes'
 * bounded, per-account-fair queue (cps_chain_api_queue_prepared) and is gossiped once applied; a
 * follower relays it at once (toward the producers) and keeps its keys in the controller's
 * recovered-key cache, so the block that carries it later is validated without recovering them
 * again. */
typedef struct prep_work {
    uv_work_t work;
    cps_node_p2p *p;
    int64_t now_us;
    bool apply; /* for the pending block (producer); else only for the key cache */
    int rc;
    cps_chain_trx_meta *meta;
    char detail[256];
    size_t n;
    uint8_t bytes[];
} prep_work;

static void p2p_free_if_done(cps_node_p2p *p)
{
    if (p->closed && p->tick_closed && p->preparing == 0) free(p);
}

static void prep_on_worker(uv_work_t *w)
{
    prep_work *pw = w->data;
    pw->rc = cps_chain_controller_prepare_transaction(pw->p->ctl, pw->bytes, pw->n, pw->now_us,
                                                      &pw->meta);
    if (pw->rc) snprintf(pw->detail, sizeof pw->detail, "%s", cps_last_error());
}

static void prep_done(uv_work_t *w, int status)
{
    prep_work *pw = w->data;
    cps_node_p2p *p = pw->p;
    p->preparing--;
    cps_api_metric_set(p->m.preparing, p->preparing);
    if (p->closed || status != 0) {
        cps_chain_trx_meta_free(pw->meta);
    } else if (pw->rc) {
        /* expired, bad signature: refused without blaming the peer, who may only relay it */
        cps_api_metric_inc(p->m.refused);
        cps_log_debug("p2p", "transaction from a peer refused: %s", pw->detail);
    } else {
        cps_api_metric_inc(p->m.prepared);
        cps_chain_controller_remember_keys(p->ctl, pw->meta);
        if (pw->apply && cps_chain_controller_block_pending(p->ctl) && p->hooks.transaction) {
            /* the queue owns meta from here, and gossips it once it is in the block */
            cps_checksum256 id = *cps_chain_trx_meta_id(pw->meta);
            int qrc = p->hooks.transaction(p->hooks.ctx, pw->meta);
            if (qrc != 0) {
                cps_api_metric_inc(p->m.refused);
                cps_log_debug("p2p", "transaction from a peer not queued: %s", cps_last_error());
                /* the queue was full (or the block closed): let it come again, e.g. when its
                 * sender retries; a duplicate stays known */
                if (qrc != CPS_ERR_TX_DUPLICATE) cps_net_forget_transaction(p->net, &id);
            }
            pw->meta = NULL;
        } else if (pw->apply) {
            /* the block closed meanwhile (another producer's turn): on toward the producers */
            cps_bytes b = cps_chain_trx_meta_packed(pw->meta);
            if (cps_net_broadcast_transaction(p->net, b.data, b.size) != 0)
                cps_log_debug("p2p", "cannot relay a transaction: %s", cps_last_error());
        }
        cps_chain_trx_meta_free(pw->meta);
    }
    free(pw);
    p2p_free_if_done(p);
}

static int on_transaction_received(void *ctx, const cps_net_peer_info *peer,
                                   const cps_net_transaction *t)
{
    cps_node_p2p *p = ctx;
    (void)peer;
    bool apply = p->hooks.transaction && cps_chain_controller_block_pending(p->ctl);
    int64_t now_us = cps_time_now_us();
    /* Refused before any recovery: expired (the header is decoded already) ... */
    if ((int64_t)t->trx.header.expiration * 1000000 < now_us) {
        cps_api_metric_inc(p->m.refused);
        return cps_fail(CPS_ERR_EXISTS, "transaction expired");
    }
    /* ... or too many in preparation: a producer drops it (its id is forgotten, so that it may
     * come again), a follower relays it without keeping its keys. */
    prep_work *pw = p->preparing < MAX_PREPARING ? malloc(sizeof *pw + t->raw.size) : NULL;
    if (!pw) {
        if (!apply) return 0;
        cps_api_metric_inc(p->m.refused);
        return cps_fail(CPS_ERR_STATE, "too many transactions in preparation");
    }
    memset(pw, 0, sizeof *pw);
    pw->work.data = pw;
    pw->p = p;
    pw->now_us = now_us;
    pw->apply = apply;
    pw->n = t->raw.size;
    memcpy(pw->bytes, t->raw.data, t->raw.size);
    if (uv_queue_work(p->loop, &pw->work, prep_on_worker, prep_done) != 0) {
        free(pw);
        return apply ? cps_fail(CPS_ERR_STATE, "cannot queue the transaction's preparation") : 0;
    }
    p->preparing++;
    cps_api_metric_set(p->m.preparing, p->preparing);
    /* A follower relays toward the producers now; a producer gossips it once applied. */
    return apply ? cps_fail(CPS_ERR_EXISTS, "taken for the pending block") : 0;
}

static int on_vote_received(void *ctx, const cps_net_peer_info *peer, const cps_net_vote *v)
{
    cps_node_p2p *p = ctx;
    (void)peer;
    cps_chain_vote cv = {v->producer, v->block_id, v->block_num, v->signature};
    cps_chain_finality_result res;
    uint32_t lib0 = cps_chain_controller_lib_num(p->ctl);
    int rc = cps_chain_consensus_on_vote(p->cs, &cv, &res);
    if (rc) {
        cps_log_error("p2p", "vote: %s", cps_last_error());
        return CPS_ERR_EXISTS; /* our failure (disk), not the peer's */
    }
    if (cps_chain_controller_lib_num(p->ctl) != lib0) publish_head(p, false);
    /* counted or held for a block not seen yet: relay; else (duplicate, not in the schedule,
     * a bad signature) keep it here without blaming the peer, who may just relay it */
    if (res.accepted || res.pending) return 0;
    return cps_fail(CPS_ERR_EXISTS, "vote not counted: %s", res.reason);
}

static void on_blocks_requested(void *ctx, const cps_net_peer_info *peer, uint32_t start,
                                uint32_t end)
{
    cps_node_p2p *p = ctx;
    uint32_t head = cps_chain_controller_head_num(p->ctl);
    if (end > head) end = head;
    cps_buf raw = {0};
    size_t sent = 0;
    for (uint32_t num = start; num <= end && sent < SERVE_BYTES_MAX; num++) {
        /* Irreversible blocks from the log, reversible ones from the controller's store; none
         * before a snapshot's head. */
        if (cps_chain_controller_read_block(p->ctl, num, &raw) != 0) break;
        if (cps_net_send_block(p->net, peer->id, raw.data, raw.size) != 0) break;
        sent += raw.size;
    }
    cps_buf_free(&raw);
}

static void on_notice(void *ctx, const cps_net_peer_info *peer, const cps_net_notice *n)
{
    cps_node_p2p *p = ctx;
    /* A notice is the peer's own word on its head (which may have gone down on a fork switch). */
    peer_head *h = find_peer(p, peer->id, true);
    if (h) h->head_num = n->head_num;
    maybe_sync(p);
}

/* The controller's signature counters into /metrics (counters move by their deltas). */
static void update_signature_metrics(cps_node_p2p *p)
{
    uint64_t recovered, hits;
    cps_chain_controller_signature_stats(p->ctl, &recovered, &hits);
    cps_api_metric_add(p->m.recovered, (double)(recovered - p->m.recovered_seen));
    cps_api_metric_add(p->m.cache_hits, (double)(hits - p->m.cache_hits_seen));
    p->m.recovered_seen = recovered;
    p->m.cache_hits_seen = hits;
}

static void on_tick(uv_timer_t *t)
{
    cps_node_p2p *p = t->data;
    update_signature_metrics(p);
    if (!p->settled && now_ms(p) - p->started_ms >= STARTUP_GRACE_MS) {
        p->settled = true;
        if (p->dials) cps_log_warn("p2p", "no peer answered yet: going on with head %u",
                                   cps_chain_controller_head_num(p->ctl));
    }
    maybe_sync(p);
}

/* A follower's check of a transaction pushed to it, as nodeos's speculative execution: applied
 * in a block started for the next slot's scheduled producer, then the block is dropped. A
 * transaction that fails here (authority, assertion, resources, expired, duplicate) is answered
 * with its error at once instead of travelling to a producer that would drop it silently. */
static int speculative_check(cps_node_p2p *p, const uint8_t *packed, size_t n,
                             cps_chain_transaction_trace **trace)
{
    uint32_t slot = cps_block_timestamp_from_us(cps_time_now_us()) + 1;
    uint32_t head_slot = cps_chain_controller_head_timestamp(p->ctl);
    if (slot <= head_slot) slot = head_slot + 1;
    cps_name producer;
    int rc = cps_chain_controller_scheduled_producer(p->ctl, slot, &producer, NULL);
    if (!rc) rc = cps_chain_controller_start_block(p->ctl, slot, producer);
    if (rc) return cps_fail_prefix(rc, "speculative block");
    rc = cps_chain_controller_push_transaction(p->ctl, packed, n, trace);
    if (rc && trace) {
        cps_chain_transaction_trace_free(*trace);
        *trace = NULL;
    }
    char detail[1024];
    snprintf(detail, sizeof detail, "%s", rc ? cps_last_error() : "");
    cps_chain_controller_abort_block(p->ctl, NULL, NULL);
    return rc ? cps_fail(rc, "%s", detail) : 0;
}

/* The API's relay: gossip of a transaction the node applied, or a follower's forward. */
static int api_relay(void *ctx, const uint8_t *packed, size_t n,
                     cps_chain_transaction_trace **trace)
{
    cps_node_p2p *p = ctx;
    cps_net_stats st;
    cps_net_get_stats(p->net, &st);
    int rc = 0;
    if (!cps_chain_controller_block_pending(p->ctl)) rc = speculative_check(p, packed, n, trace);
    if (rc) return rc;
    rc = cps_net_broadcast_transaction(p->net, packed, n);
    if (rc) return rc;
    if (st.peers_active == 0)
        return cps_fail(CPS_ERR_STATE, "this node does not produce blocks and has no peer to "
                                       "forward the transaction to");
    return 0;
}

/* ---- lifecycle -------------------------------------------------------------------------------- */

int cps_node_p2p_create(uv_loop_t *loop, const cps_node_options *o, cps_chain_controller *ctl,
                        cps_chain_api *api, const cps_node_p2p_hooks *hooks, cps_node_p2p **out)
{
    *out = NULL;
    cps_node_p2p *p = calloc(1, sizeof *p);
    if (!p) return cps_fail(CPS_ERR_NOMEM, "p2p");
    p->loop = loop;
    p->ctl = ctl;
    p->api = api;
    if (hooks) p->hooks = *hooks;
    p->dials = o->p2p.peer_address_count > 0;
    p->settled = !p->dials;
    cps_net_callbacks cb = {
        .peer_connected = on_peer_connected,
        .peer_disconnected = on_peer_disconnected,
        .block_received = on_block_received,
        .transaction_received = on_transaction_received,
        .vote_received = on_vote_received,
        .blocks_requested = on_blocks_requested,
        .notice_received = on_notice,
    };
    int rc = cps_net_create(loop, &o->p2p, cps_chain_controller_chain_id(ctl), &cb, p, &p->net);
    if (rc) {
        free(p);
        return cps_fail_prefix(rc, "p2p");
    }
    publish_head(p, false);
    uv_timer_init(loop, &p->tick);
    p->tick.data = p;
    p->tick_open = true;
    cps_chain_api_set_relay(api, api_relay, p);
    *out = p;
    return 0;
}

int cps_node_p2p_start(cps_node_p2p *p)
{
    if (!p->cs) return cps_fail(CPS_ERR_STATE, "p2p: the consensus must be set before the start");
    int rc = cps_net_start(p->net);
    if (rc) return cps_fail_prefix(rc, "p2p");
    p->started_ms = now_ms(p);
    uv_timer_start(&p->tick, on_tick, TICK_MS, TICK_MS);
    if (cps_net_listen_port(p->net)) {
        cps_log_info("p2p", "listening on port %u", cps_net_listen_port(p->net));
        /* Tests read the bound port from this line (with --p2p-listen-endpoint 127.0.0.1:0). */
        printf("cpsd p2p on port %u\n", cps_net_listen_port(p->net));
        fflush(stdout);
    }
    return 0;
}

static void free_on_close(uv_handle_t *h)
{
    cps_node_p2p *p = h->data;
    p->tick_closed = true;
    p2p_free_if_done(p);
}

void cps_node_p2p_close(cps_node_p2p *p)
{
    if (!p) return;
    cps_chain_api_set_relay(p->api, NULL, NULL);
    cps_net_close(p->net);
    p->net = NULL;
    p->closed = true; /* transactions still in preparation are dropped when they come back */
    if (p->tick_open) {
        uv_timer_stop(&p->tick);
        uv_close((uv_handle_t *)&p->tick, free_on_close);
    } else {
        p->tick_closed = true;
        p2p_free_if_done(p);
    }
}

int cps_node_p2p_set_metrics(cps_node_p2p *p, cps_api_metrics *reg)
{
    int rc = cps_api_metrics_counter(reg, "cps_p2p_transactions_prepared_total",
                                     "Transactions from peers prepared (keys recovered) on the "
                                     "workers", NULL, &p->m.prepared);
    if (!rc)
        rc = cps_api_metrics_counter(reg, "cps_p2p_transactions_refused_total",
                                     "Transactions from peers refused (expired, bad signature, "
                                     "duplicate, queue full)", NULL, &p->m.refused);
    if (!rc)
        rc = cps_api_metrics_gauge(reg, "cps_p2p_transactions_preparing",
                                   "Transactions from peers being prepared now", NULL,
                                   &p->m.preparing);
    if (!rc)
        rc = cps_api_metrics_counter(reg, "cps_chain_signatures_recovered_total",
                                     "Signatures recovered while applying transactions and blocks "
                                     "(not counting those prepared on the workers)", NULL,
                                     &p->m.recovered);
    if (!rc)
        rc = cps_api_metrics_counter(reg, "cps_chain_signature_cache_hits_total",
                                     "Signature recoveries saved by the recovered-key cache",
                                     NULL, &p->m.cache_hits);
    if (rc) return cps_fail_prefix(rc, "p2p metrics");
    update_signature_metrics(p);
    return 0;
}

void cps_node_p2p_block_committed(cps_node_p2p *p, const cps_buf *raw)
{
    if (!p || !p->net) return;
    publish_head(p, false); /* the block itself tells the peers */
    if (cps_net_broadcast_block(p->net, raw->data, raw->size) != 0)
        cps_log_error("p2p", "cannot gossip block %u: %s", cps_chain_controller_head_num(p->ctl),
                      cps_last_error());
}

void cps_node_p2p_set_consensus(cps_node_p2p *p, cps_chain_consensus *cs)
{
    if (p) p->cs = cs;
}

void cps_node_p2p_broadcast_vote(cps_node_p2p *p, const cps_chain_vote *v)
{
    if (!p || !p->net) return;
    cps_net_vote nv = {v->producer, v->block_id, v->block_num, v->signature};
    if (cps_net_broadcast_vote(p->net, &nv) != 0)
        cps_log_error("p2p", "cannot gossip a vote on block %u: %s", v->block_num,
                      cps_last_error());
}

void cps_node_p2p_head_changed(cps_node_p2p *p)
{
    if (p && p->net) publish_head(p, false);
}
