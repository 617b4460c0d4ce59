/* net: two and three cps_net instances in one process on a loopback libuv loop (ephemeral
 * ports): handshake, chain-id mismatch, gossip with de-duplication, range sync through the
 * callbacks, misbehaving raw peers (garbage, oversized lengths, unknown types, silence), bans,
 * peer limits, self and duplicate connections, reconnect after the other side restarts. */
#include "net/net_fixtures.h"
#include "test.h"

#include <time.h>

/* ---- a node as the tests see it: counters filled by the callbacks ---------------------------- */
typedef struct node {
    uv_loop_t *loop;
    cps_net *net;
    cps_checksum256 chain_id;
    int connected, disconnected;
    int reasons[CPS_NET_GO_AWAY_COUNT];
    int blocks, trxs, votes, notices, requests, send_errors;
    uint32_t block_nums[32];
    uint64_t last_peer_id;
    char last_agent[CPS_NET_AGENT_MAX + 1];
    int block_verdict;   /* what block_received answers */
    int trx_verdict;     /* what transaction_received answers */
    bool serve_ranges;   /* answer block requests with fixture blocks */
    bool request_on_connect;
    cps_net_vote last_vote;
} node;

static void on_connected(void *ctx, const cps_net_peer_info *peer)
{
    node *n = ctx;
    n->connected++;
    n->last_peer_id = peer->id;
    snprintf(n->last_agent, sizeof n->last_agent, "%s", peer->handshake->agent);
    if (n->request_on_connect && cps_net_request_blocks(n->net, peer->id, 2, 4) != 0)
        n->send_errors++;
}

static void on_disconnected(void *ctx, const cps_net_peer_info *peer, int reason)
{
    node *n = ctx;
    (void)peer;
    n->disconnected++;
    if (reason >= 0 && reason < CPS_NET_GO_AWAY_COUNT) n->reasons[reason]++;
}

static int on_block(void *ctx, const cps_net_peer_info *peer, const cps_net_block *b)
{
    node *n = ctx;
    (void)peer;
    if (n->blocks < (int)CPS_ARRAY_LEN(n->block_nums)) n->block_nums[n->blocks] = b->num;
    n->blocks++;
    return n->block_verdict;
}

static int on_trx(void *ctx, const cps_net_peer_info *peer, const cps_net_transaction *t)
{
    (void)peer;
    (void)t;
    ((node *)ctx)->trxs++;
    return ((node *)ctx)->trx_verdict;
}

static int on_vote(void *ctx, const cps_net_peer_info *peer, const cps_net_vote *v)
{
    (void)peer;
    ((node *)ctx)->votes++;
    ((node *)ctx)->last_vote = *v;
    return 0;
}

static void on_request(void *ctx, const cps_net_peer_info *peer, uint32_t start, uint32_t end)
{
    node *n = ctx;
    n->requests++;
    if (!n->serve_ranges) return;
    for (uint32_t num = start; num <= end; num++) {
        cps_buf b;
        cps_buf_init(&b);
        if (fixture_block(&b, num, 0) != 0 || cps_net_send_block(n->net, peer->id, b.data, b.size))
            n->send_errors++;
        cps_buf_free(&b);
    }
}

static void on_notice(void *ctx, const cps_net_peer_info *peer, const cps_net_notice *nt)
{
    (void)peer;
    (void)nt;
    ((node *)ctx)->notices++;
}

static const cps_net_callbacks callbacks = {on_connected, on_disconnected, on_block, on_trx,
                                            on_vote,      on_request,      on_notice};

static void test_config(cps_net_config *c, bool listen, uint16_t port)
{
    cps_net_config_init(c);
    if (listen) {
        char ep[32];
        snprintf(ep, sizeof ep, "127.0.0.1:%u", port);
        c->listen_endpoint = strdup(ep);
    }
    c->keepalive_ms = 40;
    c->timeout_ms = 250;
    c->handshake_timeout_ms = 250;
    c->reconnect_min_ms = 20;
    c->reconnect_max_ms = 200;
    c->max_nodes_per_host = 16;
}

static void add_peer(cps_net_config *c, uint16_t port)
{
    char a[32];
    snprintf(a, sizeof a, "127.0.0.1:%u", port);
    if (cps_net_config_set(c, "p2p-peer-address", a) != 0) abort();
}

/* Starts a node from a config (which it frees). */
static int node_start(node *n, uv_loop_t *loop, uint8_t chain, cps_net_config *c, const char *agent)
{
    memset(n, 0, sizeof *n);
    n->loop = loop;
    n->chain_id = fixture_chain_id(chain);
    snprintf(c->agent_name, sizeof c->agent_name, "%s", agent);
    int rc = cps_net_create(loop, c, &n->chain_id, &callbacks, n, &n->net);
    cps_net_config_free(c);
    if (rc == 0) rc = cps_net_start(n->net);
    return rc;
}

static void node_stop(node *n)
{
    if (n->net) cps_net_close(n->net);
    n->net = NULL;
}

static uint32_t active(const node *n)
{
    cps_net_stats s;
    cps_net_get_stats(n->net, &s);
    return s.peers_active;
}

static uint64_t stat_duplicates(const node *n)
{
    cps_net_stats s;
    cps_net_get_stats(n->net, &s);
    return s.duplicates;
}

static uint64_t stat_violations(const node *n)
{
    cps_net_stats s;
    cps_net_get_stats(n->net, &s);
    return s.violations;
}

/* Runs the loop until pred holds or timeout_ms passes; a timer guarantees the loop wakes up. */
typedef bool (*pred_fn)(void *);
static void wake(uv_timer_t *t)
{
    (void)t;
}
static bool run_until(uv_loop_t *loop, pred_fn pred, void *ctx, uint64_t timeout_ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, wake, 5, 5);
    uint64_t end = cps_time_mono_ns() + timeout_ms * 1000000;
    bool ok = false;
    while (!(ok = pred ? pred(ctx) : false) && cps_time_mono_ns() < end) uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return ok;
}
static void run_for(uv_loop_t *loop, uint64_t ms)
{
    run_until(loop, NULL, NULL, ms);
}

/* Lets every handle close, then closes the loop: fails if anything is left open. */
static int finish_loop(uv_loop_t *loop)
{
    uint64_t end = cps_time_mono_ns() + 3000000000ull;
    while (uv_loop_alive(loop) && cps_time_mono_ns() < end) {
        uv_run(loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return uv_loop_close(loop);
}

typedef struct pair {
    node *a, *b, *c;
    int want;
} pair;
static bool both_connected(void *ctx)
{
    pair *p = ctx;
    return active(p->a) >= (uint32_t)p->want && active(p->b) >= (uint32_t)p->want &&
           (!p->c || active(p->c) >= (uint32_t)p->want);
}
static bool disconnected_both(void *ctx)
{
    pair *p = ctx;
    return p->a->disconnected > 0 && p->b->disconnected > 0;
}

/* ---- a raw TCP client that speaks bytes, not the protocol ------------------------------------- */
typedef struct raw_client {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    cps_buf tx, rx;
    bool connected, eof, closed;
    bool deaf; /* never reads: the node's writes to it pile up */
} raw_client;

static void raw_alloc(uv_handle_t *h, size_t s, uv_buf_t *b)
{
    (void)h;
    *b = uv_buf_init(malloc(s), (unsigned)s);
}
static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    raw_client *r = s->data;
    if (n > 0) cps_write_bytes(&r->rx, b->base, (size_t)n);
    if (n < 0) r->eof = true;
    free(b->base);
}
static void raw_written(uv_write_t *w, int status)
{
    (void)w;
    (void)status;
}
static void raw_connected(uv_connect_t *c, int status)
{
    raw_client *r = c->handle->data;
    if (status < 0) {
        r->eof = true;
        return;
    }
    r->connected = true;
    if (!r->deaf) uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read);
    if (r->tx.size) {
        uv_buf_t b = uv_buf_init((char *)r->tx.data, (unsigned)r->tx.size);
        uv_write(&r->wreq, (uv_stream_t *)&r->tcp, &b, 1, raw_written);
    }
}
static void raw_start_ex(raw_client *r, uv_loop_t *loop, uint16_t port, const void *bytes,
                         size_t n, bool deaf)
{
    memset(r, 0, sizeof *r);
    r->deaf = deaf;
    cps_write_bytes(&r->tx, bytes, n);
    uv_tcp_init(loop, &r->tcp);
    r->tcp.data = r;
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", port, &sa);
    uv_tcp_connect(&r->creq, &r->tcp, (const struct sockaddr *)&sa, raw_connected);
}
static void raw_start(raw_client *r, uv_loop_t *loop, uint16_t port, const void *bytes, size_t n)
{
    raw_start_ex(r, loop, port, bytes, n, false);
}
static void raw_closed(uv_handle_t *h)
{
    ((raw_client *)h->data)->closed = true;
}
static void raw_stop(raw_client *r)
{
    uv_close((uv_handle_t *)&r->tcp, raw_closed);
    while (!r->closed) uv_run(r->tcp.loop, UV_RUN_ONCE);
    cps_buf_free(&r->tx);
    cps_buf_free(&r->rx);
}
static bool raw_eof(void *ctx)
{
    return ((raw_client *)ctx)->eof;
}
/* The reason of the go_away the node sent (the last frame received), or -1. */
static int raw_go_away(const raw_client *r)
{
    size_t off = 0;
    int reason = -1;
    while (off < r->rx.size) {
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_net_message m;
        size_t used;
        int rc = cps_net_frame_decode(r->rx.data + off, r->rx.size - off,
                                      CPS_NET_MAX_MESSAGE_DEFAULT, &a, &m, &used);
        cps_abi_arena_free(&a);
        if (rc) break;
        if (m.type == CPS_NET_MSG_GO_AWAY) reason = m.u.go_away_reason;
        off += used;
    }
    return reason;
}
static void raw_handshake(cps_buf *b, const cps_checksum256 *chain)
{
    cps_net_message m;
    memset(&m, 0, sizeof m);
    m.type = CPS_NET_MSG_HANDSHAKE;
    m.u.handshake.protocol_version = CPS_NET_PROTOCOL_VERSION;
    m.u.handshake.chain_id = *chain;
    m.u.handshake.node_id = fixture_chain_id(0x5a);
    strcpy(m.u.handshake.agent, "raw");
    if (cps_net_message_encode(b, &m) != 0) abort();
}

/* ---- tests ------------------------------------------------------------------------------------ */

TEST(handshake_connects_two_nodes)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "node A"));
    uint16_t port = cps_net_listen_port(a.net);
    ASSERT(port != 0);
    cps_checksum256 head = fixture_block_id(12, 1), lib = fixture_block_id(10, 1);
    cps_net_set_head(a.net, 12, &head, 10, &lib, false);
    test_config(&c, false, 0);
    add_peer(&c, port);
    ASSERT_OK(node_start(&b, &loop, 1, &c, "node B"));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    ASSERT_EQ(a.connected, 1);
    ASSERT_EQ(b.connected, 1);
    ASSERT_STR_EQ(b.last_agent, "node A");
    ASSERT_STR_EQ(a.last_agent, "node B");
    cps_net_peer_info info[4];
    ASSERT_EQ(cps_net_peers(b.net, info, 4), 1);
    ASSERT(info[0].outgoing);
    ASSERT_EQ(info[0].handshake->head_num, 12);
    ASSERT_EQ(info[0].handshake->lib_num, 10);
    ASSERT_EQ(info[0].handshake->listen_port, port);
    ASSERT_MEM_EQ(info[0].handshake->node_id.b, cps_net_node_id(a.net)->b, 32);
    ASSERT_EQ(cps_net_peers(a.net, info, 4), 1);
    ASSERT(!info[0].outgoing);
    ASSERT_EQ(info[0].handshake->listen_port, 0); /* B does not listen (NAT): still connected */
    /* a notice moves the head the other side sees */
    head = fixture_block_id(13, 1);
    cps_net_set_head(a.net, 13, &head, 10, &lib, true);
    run_for(&loop, 100);
    ASSERT_EQ(b.notices, 1);
    ASSERT_EQ(cps_net_peers(b.net, info, 4), 1);
    ASSERT_EQ(info[0].handshake->head_num, 13);
    /* keep-alive holds an idle connection well past the timeout */
    run_for(&loop, 700);
    ASSERT_EQ(a.disconnected + b.disconnected, 0);
    ASSERT_EQ(active(&a), 1);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

TEST(chain_id_mismatch_is_rejected)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 2, &c, "B"));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, disconnected_both, &p, 3000));
    ASSERT_EQ(a.connected + b.connected, 0);
    ASSERT(a.reasons[CPS_NET_GO_AWAY_WRONG_CHAIN] >= 1);
    ASSERT(b.reasons[CPS_NET_GO_AWAY_WRONG_CHAIN] >= 1);
    ASSERT(!cps_net_is_banned(a.net, "127.0.0.1")); /* a misconfiguration, not an attack */
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

typedef struct gossip_wait {
    node **nodes;
    int count;
    int want_blocks, want_trxs, want_votes;
} gossip_wait;
static bool gossip_done(void *ctx)
{
    gossip_wait *g = ctx;
    for (int i = 0; i < g->count; i++)
        if (g->nodes[i]->blocks < g->want_blocks || g->nodes[i]->trxs < g->want_trxs ||
            g->nodes[i]->votes < g->want_votes)
            return false;
    return true;
}

TEST(gossip_reaches_every_node_once_in_a_triangle)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b, n3;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, true, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    add_peer(&c, cps_net_listen_port(b.net));
    ASSERT_OK(node_start(&n3, &loop, 1, &c, "C"));
    pair p = {&a, &b, &n3, 2};
    ASSERT(run_until(&loop, both_connected, &p, 3000));

    cps_buf blk, trx;
    cps_buf_init(&blk);
    cps_buf_init(&trx);
    ASSERT_OK(fixture_block(&blk, 5, 9));
    ASSERT_OK(fixture_transaction(&trx, 77, CPS_COMPRESSION_ZLIB));
    ASSERT_OK(cps_net_broadcast_block(a.net, blk.data, blk.size));
    ASSERT_OK(cps_net_broadcast_transaction(b.net, trx.data, trx.size));
    cps_private_key key;
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &key));
    cps_net_vote v = {cps_abi_name("producer1"), fixture_block_id(5, 9), 5, {0}};
    ASSERT_OK(cps_net_vote_sign(&a.chain_id, &key, &v));
    ASSERT_OK(cps_net_broadcast_vote(n3.net, &v));

    node *others_blk[] = {&b, &n3};
    gossip_wait g = {others_blk, 2, 1, 0, 0};
    ASSERT(run_until(&loop, gossip_done, &g, 3000));
    run_for(&loop, 150); /* time for relayed copies to arrive */
    /* each node took each item exactly once; the copies relayed to it were dropped */
    ASSERT_EQ(a.blocks, 0);
    ASSERT_EQ(b.blocks, 1);
    ASSERT_EQ(n3.blocks, 1);
    ASSERT_EQ(b.block_nums[0], 5);
    ASSERT_EQ(a.trxs, 1);
    ASSERT_EQ(b.trxs, 0);
    ASSERT_EQ(n3.trxs, 1);
    ASSERT_EQ(a.votes, 1);
    ASSERT_EQ(b.votes, 1);
    ASSERT_EQ(n3.votes, 0);
    cps_public_key pub;
    ASSERT_OK(cps_key_public(&key, &pub));
    ASSERT_OK(cps_net_vote_verify(&b.chain_id, &pub, &b.last_vote));
    /* in a triangle each item reaches the two others directly and once more through the relay
     * of the third: 3 items x 2 receivers = 6 duplicates dropped in total */
    ASSERT_EQ(stat_duplicates(&a) + stat_duplicates(&b) + stat_duplicates(&n3), 6);
    /* broadcasting it again does not reach anyone's callback a second time */
    ASSERT_OK(cps_net_broadcast_block(b.net, blk.data, blk.size));
    run_for(&loop, 100);
    ASSERT_EQ(a.blocks, 0); /* A made it: its own broadcast put it in A's dedup set */
    ASSERT_EQ(n3.blocks, 1);
    ASSERT_EQ(stat_duplicates(&a) + stat_duplicates(&b) + stat_duplicates(&n3), 8);
    /* invalid bytes are refused before anything is sent */
    ASSERT(cps_net_broadcast_block(a.net, trx.data, trx.size) < 0);
    cps_private_key_wipe(&key);
    cps_buf_free(&blk);
    cps_buf_free(&trx);
    node_stop(&a);
    node_stop(&b);
    node_stop(&n3);
    ASSERT_OK(finish_loop(&loop));
}

TEST(gossip_is_relayed_along_a_line)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b, n3;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, true, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(b.net));
    ASSERT_OK(node_start(&n3, &loop, 1, &c, "C"));
    pair p = {&a, &n3, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    ASSERT_EQ(active(&b), 2);
    cps_buf blk;
    cps_buf_init(&blk);
    for (uint32_t num = 1; num <= 3; num++) {
        cps_buf_reset(&blk);
        ASSERT_OK(fixture_block(&blk, num, 2));
        ASSERT_OK(cps_net_broadcast_block(a.net, blk.data, blk.size));
    }
    node *far[] = {&n3};
    gossip_wait g = {far, 1, 3, 0, 0};
    ASSERT(run_until(&loop, gossip_done, &g, 3000));
    ASSERT_EQ(b.blocks, 3);
    ASSERT_EQ(n3.block_nums[0], 1);
    ASSERT_EQ(n3.block_nums[2], 3);
    cps_buf_free(&blk);
    node_stop(&a);
    node_stop(&b);
    node_stop(&n3);
    ASSERT_OK(finish_loop(&loop));
}

static bool got_one_trx(void *ctx)
{
    return ((node *)ctx)->trxs >= 1;
}

/* A producer takes a peer's transaction for its block (verdict "exists": not relayed now) and
 * broadcasts it once applied: every peer gets it but the one it came from. */
TEST(an_applied_transaction_is_not_sent_back_to_its_sender)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b, n3;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    b.trx_verdict = CPS_ERR_EXISTS;
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(b.net));
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(b.net));
    ASSERT_OK(node_start(&n3, &loop, 1, &c, "C"));
    pair p = {&a, &n3, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    ASSERT(run_until(&loop, both_connected, &(pair){&b, &b, NULL, 2}, 3000));
    cps_buf trx;
    cps_buf_init(&trx);
    ASSERT_OK(fixture_transaction(&trx, 78, CPS_COMPRESSION_NONE));
    ASSERT_OK(cps_net_broadcast_transaction(a.net, trx.data, trx.size));
    ASSERT(run_until(&loop, got_one_trx, &b, 3000));
    run_for(&loop, 100);
    ASSERT_EQ(n3.trxs, 0); /* B kept it for its block: nothing relayed yet */
    ASSERT_OK(cps_net_broadcast_transaction(b.net, trx.data, trx.size)); /* applied */
    ASSERT(run_until(&loop, got_one_trx, &n3, 3000));
    run_for(&loop, 150);
    ASSERT_EQ(n3.trxs, 1);
    ASSERT_EQ(a.trxs, 0);
    ASSERT_EQ(stat_duplicates(&a), 0); /* A never saw its own transaction come back */
    cps_buf_free(&trx);
    node_stop(&a);
    node_stop(&b);
    node_stop(&n3);
    ASSERT_OK(finish_loop(&loop));
}

static bool got_two_trxs(void *ctx)
{
    return ((node *)ctx)->trxs >= 2;
}

/* A transaction the node took but could not use (its queue was full) is forgotten: sent again,
 * it is taken again instead of being dropped as already seen. */
TEST(a_forgotten_transaction_is_taken_again)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    b.trx_verdict = CPS_ERR_EXISTS; /* taken (for a block that never holds it) */
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(b.net));
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    ASSERT(run_until(&loop, both_connected, &(pair){&a, &b, NULL, 1}, 3000));
    cps_buf trx;
    cps_buf_init(&trx);
    ASSERT_OK(fixture_transaction(&trx, 79, CPS_COMPRESSION_NONE));
    ASSERT_OK(cps_net_broadcast_transaction(a.net, trx.data, trx.size));
    ASSERT(run_until(&loop, got_one_trx, &b, 3000));
    /* sent again: already seen, dropped */
    ASSERT_OK(cps_net_broadcast_transaction(a.net, trx.data, trx.size));
    run_for(&loop, 200);
    ASSERT_EQ(b.trxs, 1);
    ASSERT_EQ(stat_duplicates(&b), 1);
    /* forgotten by B: the next copy is taken */
    cps_arena ar = {0};
    cps_reader r = cps_reader_make(trx.data, trx.size);
    cps_packed_transaction pt;
    ASSERT_OK(cps_abi_packed_transaction_unpack(&r, &ar, &pt));
    cps_checksum256 id;
    cps_abi_transaction_id_raw(pt.packed_trx.data, pt.packed_trx.size, &id);
    cps_abi_arena_free(&ar);
    cps_net_forget_transaction(b.net, &id);
    ASSERT_OK(cps_net_broadcast_transaction(a.net, trx.data, trx.size));
    ASSERT(run_until(&loop, got_two_trxs, &b, 3000));
    ASSERT_EQ(b.trxs, 2);
    cps_buf_free(&trx);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

static bool got_three_blocks(void *ctx)
{
    return ((node *)ctx)->blocks >= 3;
}

TEST(range_sync_through_callbacks)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    a.serve_ranges = true;
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    b.request_on_connect = true; /* asks 2..4 as soon as the handshake is done */
    ASSERT(run_until(&loop, got_three_blocks, &b, 3000));
    ASSERT_EQ(a.requests, 1);
    ASSERT_EQ(a.send_errors + b.send_errors, 0);
    ASSERT_EQ(b.blocks, 3);
    ASSERT_EQ(b.block_nums[0], 2);
    ASSERT_EQ(b.block_nums[1], 3);
    ASSERT_EQ(b.block_nums[2], 4);
    /* the API refuses ranges the protocol does not allow, and gone peers */
    ASSERT_EQ(cps_net_request_blocks(b.net, b.last_peer_id, 5, 4), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_net_request_blocks(b.net, b.last_peer_id, 1, CPS_NET_MAX_REQUEST_RANGE + 1),
              CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_net_request_blocks(b.net, 9999, 1, 2), CPS_ERR_NOT_FOUND);
    ASSERT_EQ(cps_net_send_block(a.net, 9999, (const uint8_t *)"x", 1), CPS_ERR_NOT_FOUND);
    /* the node can drop a peer later (say its block turned out invalid) and score it down */
    ASSERT_OK(cps_net_disconnect(a.net, a.last_peer_id, CPS_NET_GO_AWAY_INVALID, true));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, disconnected_both, &p, 3000));
    ASSERT_EQ(b.reasons[CPS_NET_GO_AWAY_INVALID], 1);
    ASSERT_EQ(stat_violations(&a), 1);
    ASSERT_EQ(cps_net_disconnect(a.net, a.last_peer_id, 0, false), CPS_ERR_NOT_FOUND);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

static bool reconnected(void *ctx)
{
    node *n = ctx;
    return n->connected >= 2 && active(n) == 1;
}

TEST(invalid_block_drops_the_sender_without_a_ban)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    b.block_verdict = CPS_ERR_BLOCK;
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    cps_buf blk;
    cps_buf_init(&blk);
    ASSERT_OK(fixture_block(&blk, 8, 1));
    ASSERT_OK(cps_net_broadcast_block(a.net, blk.data, blk.size));
    ASSERT(run_until(&loop, disconnected_both, &p, 3000));
    ASSERT_EQ(b.reasons[CPS_NET_GO_AWAY_INVALID], 1);
    ASSERT_EQ(a.reasons[CPS_NET_GO_AWAY_INVALID], 1);
    ASSERT_EQ(stat_violations(&b), 1);
    /* one invalid item is half a ban: B dials A again and is accepted */
    ASSERT(!cps_net_is_banned(b.net, "127.0.0.1"));
    ASSERT(run_until(&loop, reconnected, &b, 3000));
    cps_buf_free(&blk);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

typedef struct garbage_case {
    const char *what;
    uint8_t bytes[16];
    size_t n;
    bool after_handshake;
} garbage_case;

TEST(garbage_oversized_and_unknown_types_are_dropped)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    c.ban_ms = 0; /* count the drops without banning loopback between cases */
    c.max_message_size = 4096;
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    uint16_t port = cps_net_listen_port(a.net);
    test_config(&c, false, 0);
    add_peer(&c, port);
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));

    garbage_case cases[] = {
        {"oversized length", {0xff, 0xff, 0xff, 0x7f, 0}, 5, false},
        {"just over the maximum", {0x01, 0x10, 0, 0, 0}, 5, false}, /* 4097 */
        {"zero length", {0, 0, 0, 0}, 4, false},
        {"unknown type", {1, 0, 0, 0, 200}, 5, false},
        {"truncated handshake", {3, 0, 0, 0, 0, 1, 0}, 7, false},
        {"request before handshake", {9, 0, 0, 0, CPS_NET_MSG_REQUEST_BLOCKS, 1, 0, 0, 0, 2}, 13,
         false},
        {"unknown type after handshake", {1, 0, 0, 0, 0x7f}, 5, true},
        {"bad time kind after handshake", {18, 0, 0, 0, 2, 9}, 6, true},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        cps_buf bytes;
        cps_buf_init(&bytes);
        if (cases[i].after_handshake) raw_handshake(&bytes, &a.chain_id);
        cps_write_bytes(&bytes, cases[i].bytes, cases[i].n);
        if (i == CPS_ARRAY_LEN(cases) - 1) { /* pad the time message to its announced 18 bytes */
            uint8_t pad[16] = {0};
            cps_write_bytes(&bytes, pad, sizeof pad);
        }
        raw_client r;
        raw_start(&r, &loop, port, bytes.data, bytes.size);
        cps_buf_free(&bytes);
        ASSERT_MSG(run_until(&loop, raw_eof, &r, 3000), "%s: not dropped", cases[i].what);
        ASSERT_MSG(raw_go_away(&r) == CPS_NET_GO_AWAY_MALFORMED, "%s: go_away %d", cases[i].what,
                   raw_go_away(&r));
        raw_stop(&r);
        ASSERT_EQ(stat_violations(&a), i + 1);
    }
    /* the node keeps working: B still gets A's blocks */
    ASSERT_EQ(active(&a), 1);
    cps_buf blk;
    cps_buf_init(&blk);
    ASSERT_OK(fixture_block(&blk, 3, 3));
    ASSERT_OK(cps_net_broadcast_block(a.net, blk.data, blk.size));
    node *bs[] = {&b};
    gossip_wait g = {bs, 1, 1, 0, 0};
    ASSERT(run_until(&loop, gossip_done, &g, 3000));
    ASSERT_EQ(b.disconnected, 0);
    cps_buf_free(&blk);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

TEST(malformed_data_bans_the_host)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    uint16_t port = cps_net_listen_port(a.net);
    test_config(&c, false, 0);
    add_peer(&c, port);
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    raw_client r;
    raw_start(&r, &loop, port, "\x05\x00\x00\x00\x63garbage", 12);
    ASSERT(run_until(&loop, raw_eof, &r, 3000));
    ASSERT_EQ(raw_go_away(&r), CPS_NET_GO_AWAY_MALFORMED);
    raw_stop(&r);
    ASSERT(cps_net_is_banned(a.net, "127.0.0.1"));
    /* a new connection from the banned host is turned away at once */
    raw_start(&r, &loop, port, NULL, 0);
    ASSERT(run_until(&loop, raw_eof, &r, 3000));
    ASSERT_EQ(raw_go_away(&r), CPS_NET_GO_AWAY_BANNED);
    raw_stop(&r);
    cps_net_stats s;
    cps_net_get_stats(a.net, &s);
    ASSERT_EQ(s.rejected, 1);
    /* the established peer is not affected */
    ASSERT_EQ(active(&a), 1);
    ASSERT_EQ(b.disconnected, 0);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

TEST(keepalive_timeout_drops_a_silent_peer)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    cps_buf hs;
    cps_buf_init(&hs);
    raw_handshake(&hs, &a.chain_id);
    raw_client r;
    uint64_t t0 = cps_time_mono_ns();
    raw_start(&r, &loop, cps_net_listen_port(a.net), hs.data, hs.size);
    cps_buf_free(&hs);
    ASSERT(run_until(&loop, raw_eof, &r, 3000));
    uint64_t waited_ms = (cps_time_mono_ns() - t0) / 1000000;
    ASSERT_EQ(a.connected, 1); /* the handshake was fine */
    ASSERT_EQ(a.reasons[CPS_NET_GO_AWAY_TIMEOUT], 1);
    ASSERT_EQ(raw_go_away(&r), CPS_NET_GO_AWAY_TIMEOUT);
    ASSERT(waited_ms >= 250); /* not before the timeout */
    /* the node pinged it before giving up */
    ASSERT(r.rx.size > hs.size);
    ASSERT(!cps_net_is_banned(a.net, "127.0.0.1"));
    raw_stop(&r);
    /* a connection that never handshakes is dropped too */
    raw_start(&r, &loop, cps_net_listen_port(a.net), NULL, 0);
    ASSERT(run_until(&loop, raw_eof, &r, 3000));
    ASSERT_EQ(raw_go_away(&r), CPS_NET_GO_AWAY_TIMEOUT);
    raw_stop(&r);
    node_stop(&a);
    ASSERT_OK(finish_loop(&loop));
}

static bool slow_dropped(void *ctx)
{
    return ((node *)ctx)->reasons[CPS_NET_GO_AWAY_SLOW] > 0;
}

TEST(a_peer_that_does_not_read_is_dropped_when_its_queue_fills)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a;
    cps_net_config c;
    test_config(&c, true, 0);
    c.max_message_size = 8192;
    c.write_queue_max = 64 * 1024;
    c.timeout_ms = 60000; /* only the queue may drop it */
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    cps_buf hs;
    cps_buf_init(&hs);
    raw_handshake(&hs, &a.chain_id);
    raw_client r;
    raw_start_ex(&r, &loop, cps_net_listen_port(a.net), hs.data, hs.size, true);
    cps_buf_free(&hs);
    ASSERT(run_until(&loop, both_connected, &(pair){&a, &a, NULL, 1}, 3000));
    /* 6 KiB blocks until the kernel's buffers and then the 64 KiB queue are full */
    cps_signed_block blk;
    memset(&blk, 0, sizeof blk);
    static uint8_t filler[6000];
    cps_extension ext = {1, {filler, sizeof filler}};
    blk.block_extensions = &ext;
    blk.block_extension_count = 1;
    blk.signed_header.producer_signature.type = CPS_KEY_K1;
    int sent = 0;
    for (; sent < 20000 && !slow_dropped(&a); sent++) {
        blk.signed_header.header.timestamp = (uint32_t)sent + 1;
        cps_buf b;
        cps_buf_init(&b);
        ASSERT_OK(cps_abi_signed_block_pack(&b, &blk));
        ASSERT_OK(cps_net_broadcast_block(a.net, b.data, b.size));
        cps_buf_free(&b);
        if (sent % 64 == 0) uv_run(&loop, UV_RUN_NOWAIT);
    }
    ASSERT(run_until(&loop, slow_dropped, &a, 3000));
    ASSERT_EQ(a.reasons[CPS_NET_GO_AWAY_SLOW], 1);
    ASSERT_EQ(active(&a), 0);
    ASSERT(!cps_net_is_banned(a.net, "127.0.0.1")); /* slow is not malicious */
    raw_stop(&r);
    node_stop(&a);
    ASSERT_OK(finish_loop(&loop));
}

TEST(reconnect_after_the_other_side_restarts)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    uint16_t port = cps_net_listen_port(a.net);
    test_config(&c, false, 0);
    add_peer(&c, port);
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    node_stop(&a);
    run_for(&loop, 100);
    ASSERT_EQ(b.disconnected, 1);
    ASSERT_EQ(b.reasons[CPS_NET_GO_AWAY_SHUTDOWN], 1);
    ASSERT_EQ(active(&b), 0);
    run_for(&loop, 200); /* B retries against a closed port meanwhile */
    test_config(&c, true, port);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A again"));
    ASSERT(run_until(&loop, reconnected, &b, 3000));
    ASSERT_STR_EQ(b.last_agent, "A again");
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

TEST(max_nodes_per_host_limits_inbound_peers)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b, n3;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(cps_net_config_set(&c, "p2p-max-nodes-per-host", "1"));
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, both_connected, &p, 3000));
    test_config(&c, false, 0);
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&n3, &loop, 1, &c, "C"));
    run_for(&loop, 300);
    ASSERT_EQ(n3.connected, 0);
    ASSERT(n3.reasons[CPS_NET_GO_AWAY_LIMIT] >= 1);
    ASSERT_EQ(active(&a), 1);
    ASSERT_EQ(a.disconnected, 0); /* refused connections are not reported as peers */
    node_stop(&a);
    node_stop(&b);
    node_stop(&n3);
    ASSERT_OK(finish_loop(&loop));
}

static bool self_done(void *ctx)
{
    return ((node *)ctx)->reasons[CPS_NET_GO_AWAY_SELF] >= 2;
}

TEST(connecting_to_itself_is_detected_and_not_retried)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a;
    cps_net_config c;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    ASSERT_OK(cps_net_connect(a.net, "127.0.0.1:1")); /* nothing listens there: retried quietly */
    char self[32];
    snprintf(self, sizeof self, "127.0.0.1:%u", cps_net_listen_port(a.net));
    ASSERT_OK(cps_net_connect(a.net, self));
    ASSERT(run_until(&loop, self_done, &a, 3000)); /* both ends of the one connection */
    run_for(&loop, 300);
    ASSERT_EQ(a.reasons[CPS_NET_GO_AWAY_SELF], 2);
    ASSERT_EQ(a.connected, 0);
    ASSERT_EQ(cps_net_connect(a.net, "bad:port:x"), CPS_ERR_FORMAT);
    node_stop(&a);
    ASSERT_OK(finish_loop(&loop));
}

static bool settled_single(void *ctx)
{
    pair *p = ctx;
    cps_net_stats sa, sb;
    cps_net_get_stats(p->a->net, &sa);
    cps_net_get_stats(p->b->net, &sb);
    return sa.peers_active == 1 && sb.peers_active == 1 && sa.peers_total == 1 &&
           sb.peers_total == 1;
}

TEST(two_nodes_dialling_each_other_keep_one_connection)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    node a, b;
    cps_net_config c;
    test_config(&c, true, 0);
    c.reconnect_min_ms = c.reconnect_max_ms = 5000; /* no redial during the test */
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, true, 0);
    c.reconnect_min_ms = c.reconnect_max_ms = 5000;
    add_peer(&c, cps_net_listen_port(a.net));
    ASSERT_OK(node_start(&b, &loop, 1, &c, "B"));
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", cps_net_listen_port(b.net));
    ASSERT_OK(cps_net_connect(a.net, addr));
    pair p = {&a, &b, NULL, 1};
    ASSERT(run_until(&loop, settled_single, &p, 3000));
    run_for(&loop, 200);
    ASSERT(settled_single(&p));
    /* and the survivor is the same connection on both ends: it carries gossip */
    cps_buf blk;
    cps_buf_init(&blk);
    ASSERT_OK(fixture_block(&blk, 4, 4));
    ASSERT_OK(cps_net_broadcast_block(a.net, blk.data, blk.size));
    node *bs[] = {&b};
    gossip_wait g = {bs, 1, 1, 0, 0};
    ASSERT(run_until(&loop, gossip_done, &g, 3000));
    cps_buf_free(&blk);
    node_stop(&a);
    node_stop(&b);
    ASSERT_OK(finish_loop(&loop));
}

TEST(create_rejects_bad_configs)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    cps_checksum256 chain = fixture_chain_id(1);
    cps_net *net;
    cps_net_config c;
    cps_net_config_init(&c);
    c.max_message_size = 10;
    ASSERT_EQ(cps_net_create(&loop, &c, &chain, NULL, NULL, &net), CPS_ERR_INVALID_ARG);
    cps_net_config_init(&c);
    c.timeout_ms = 0;
    ASSERT_EQ(cps_net_create(&loop, &c, &chain, NULL, NULL, &net), CPS_ERR_INVALID_ARG);
    cps_net_config_init(&c);
    c.write_queue_max = 100;
    ASSERT_EQ(cps_net_create(&loop, &c, &chain, NULL, NULL, &net), CPS_ERR_INVALID_ARG);
    cps_net_config_init(&c);
    ASSERT_OK(cps_net_config_set(&c, "p2p-peer-address", "ok:1"));
    c.peer_addresses[0][2] = ' '; /* "ok 1": a space where the colon was */
    ASSERT_EQ(cps_net_create(&loop, &c, &chain, NULL, NULL, &net), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "--p2p-peer-address");
    cps_net_config_free(&c);
    cps_net_config_init(&c);
    c.dedup_capacity = 0;
    ASSERT_EQ(cps_net_create(&loop, &c, &chain, NULL, NULL, &net), CPS_ERR_INVALID_ARG);
    /* a port already in use fails start with the reason */
    node a;
    test_config(&c, true, 0);
    ASSERT_OK(node_start(&a, &loop, 1, &c, "A"));
    test_config(&c, true, cps_net_listen_port(a.net));
    ASSERT_OK(cps_net_create(&loop, &c, &chain, NULL, NULL, &net));
    cps_net_config_free(&c);
    ASSERT_EQ(cps_net_start(net), CPS_ERR_NET);
    ASSERT_CONTAINS(cps_last_error(), "cannot listen");
    cps_net_close(net);
    node_stop(&a);
    ASSERT_OK(finish_loop(&loop));
}

int main(int argc, char **argv)
{
    cps_log_set_level(getenv("NET_LOG") ? CPS_LOG_DEBUG : CPS_LOG_OFF);
    return test_main(argc, argv);
}
