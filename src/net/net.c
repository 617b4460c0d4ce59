/* net: the cps_net object — the listening socket and its limits, the outgoing peer addresses
 * with reconnect backoff, the periodic tick (keep-alive, timeouts), host scores and bans, and the
 * gossip entry points the node calls. Per-connection work is in peer.c. */
#include "net/net_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>

uint64_t cps_net__now_ms(const cps_net *net)
{
    return uv_now(net->loop);
}

static void random_bytes(void *out, size_t n)
{
    uint8_t *p = out;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) {
            /* getrandom only fails before the kernel's pool is ready or on EINTR: fall back to
             * mixing the clocks, which is enough to tell two processes apart. */
            uint64_t mix[2] = {cps_time_mono_ns(), (uint64_t)cps_time_now_us()};
            uint8_t h[32];
            cps_sha256(mix, sizeof mix, h);
            size_t take = n < 32 ? n : 32;
            memcpy(p, h, take);
            got = (ssize_t)take;
        }
        p += got;
        n -= (size_t)got;
    }
}

/* ---- lifetime --------------------------------------------------------------------------------- */

static void free_net(cps_net *net)
{
    cps_net_out_addr *a = net->addrs;
    while (a) {
        cps_net_out_addr *next = a->next;
        free(a->text);
        free(a);
        a = next;
    }
    cps_net__lru_free(&net->seen_blocks);
    cps_net__lru_free(&net->seen_trxs);
    cps_net__lru_free(&net->seen_votes);
    cps_net_config_free(&net->cfg);
    free(net);
}

static void maybe_free(cps_net *net)
{
    if (net->closing && net->open_handles == 0 && net->pending_reqs == 0) free_net(net);
}

void cps_net__handle_closed(cps_net *net)
{
    net->open_handles--;
    maybe_free(net);
}

static void handle_closed_cb(uv_handle_t *h)
{
    cps_net__handle_closed(h->data);
}

/* An address's timer carries the address, not the net (the address is freed with the net). */
static void addr_timer_closed_cb(uv_handle_t *h)
{
    cps_net__handle_closed(((cps_net_out_addr *)h->data)->net);
}

/* ---- scores and bans ---------------------------------------------------------------------- */

static cps_net_host_score *score_of(cps_net *net, const char *host, bool create)
{
    uint64_t now = cps_net__now_ms(net);
    cps_net_host_score *oldest = NULL;
    for (uint32_t i = 0; i < net->score_count; i++) {
        cps_net_host_score *s = &net->scores[i];
        if (strcmp(s->host, host) == 0) {
            /* Scores fade linearly to zero over one ban length, so old offences are forgiven. */
            if (net->cfg.ban_ms) {
                double fade = (double)net->cfg.ban_threshold * (double)(now - s->updated_ms) /
                              (double)net->cfg.ban_ms;
                s->score = s->score > fade ? s->score - fade : 0;
            }
            s->updated_ms = now;
            return s;
        }
        if (!oldest || s->updated_ms < oldest->updated_ms) oldest = s;
    }
    if (!create) return NULL;
    cps_net_host_score *s = net->score_count < CPS_NET_MAX_HOST_SCORES
                                ? &net->scores[net->score_count++]
                                : oldest; /* the table is bounded: forget the stalest host */
    memset(s, 0, sizeof *s);
    snprintf(s->host, sizeof s->host, "%s", host);
    s->updated_ms = now;
    return s;
}

void cps_net__penalize(cps_net *net, const char *host, double penalty)
{
    if (!host[0] || net->cfg.ban_ms == 0) return;
    cps_net_host_score *s = score_of(net, host, true);
    s->score += penalty * (double)net->cfg.ban_threshold;
    if (s->score >= (double)net->cfg.ban_threshold) {
        s->banned_until_ms = cps_net__now_ms(net) + net->cfg.ban_ms;
        cps_log_warn("net", "host %s banned for %u ms", host, net->cfg.ban_ms);
    }
}

static uint64_t ban_left_ms(const cps_net *net, const char *host)
{
    uint64_t now = cps_net__now_ms(net);
    for (uint32_t i = 0; i < net->score_count; i++)
        if (strcmp(net->scores[i].host, host) == 0)
            return net->scores[i].banned_until_ms > now ? net->scores[i].banned_until_ms - now : 0;
    return 0;
}

bool cps_net_is_banned(const cps_net *net, const char *host)
{
    return ban_left_ms(net, host) > 0;
}

/* ---- outgoing addresses ------------------------------------------------------------------- */

static void addr_dial(cps_net_out_addr *a);

static void addr_timer_cb(uv_timer_t *t)
{
    addr_dial(t->data);
}

static void addr_retry(cps_net_out_addr *a, uint64_t extra_ms)
{
    cps_net *net = a->net;
    if (net->closing || a->stopped) return;
    uint64_t delay = net->cfg.reconnect_min_ms;
    for (uint32_t i = 0; i < a->attempts && delay < net->cfg.reconnect_max_ms; i++) delay *= 2;
    if (delay > net->cfg.reconnect_max_ms) delay = net->cfg.reconnect_max_ms;
    if (a->attempts < 32) a->attempts++;
    uv_timer_start(&a->timer, addr_timer_cb, delay + extra_ms, 0);
}

static void on_connected(uv_connect_t *req, int status)
{
    cps_net_peer *p = req->handle->data;
    free(req);
    if (p->closing) return;
    if (status < 0) {
        cps_log_debug("net", "connect to %s failed: %s", p->origin ? p->origin->text : "?",
                      uv_strerror(status));
        cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
        return;
    }
    cps_net__peer_start(p);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    cps_net_out_addr *a = req->data;
    cps_net *net = a->net;
    free(req);
    net->pending_reqs--;
    a->resolving = false;
    if (net->closing) {
        if (res) uv_freeaddrinfo(res);
        maybe_free(net);
        return;
    }
    if (status < 0 || !res) {
        cps_log_info("net", "cannot resolve %s: %s", a->text, uv_strerror(status));
        addr_retry(a, 0);
        return;
    }
    cps_net_peer *p = cps_net__peer_new(net, true, a);
    uv_connect_t *creq = p ? malloc(sizeof *creq) : NULL;
    if (!creq || uv_tcp_connect(creq, &p->tcp, res->ai_addr, on_connected) != 0) {
        free(creq);
        if (p) {
            a->peer = p;
            cps_net__peer_close_now(p); /* peer_gone schedules the retry */
        } else {
            addr_retry(a, 0);
        }
        uv_freeaddrinfo(res);
        return;
    }
    snprintf(p->address, sizeof p->address, "%s", a->text);
    a->peer = p;
    net->stats.connects++;
    uv_freeaddrinfo(res);
}

static void addr_dial(cps_net_out_addr *a)
{
    cps_net *net = a->net;
    if (net->closing || a->stopped || a->peer || a->resolving) return;
    char port[8];
    snprintf(port, sizeof port, "%u", a->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    uv_getaddrinfo_t *req = malloc(sizeof *req);
    if (!req) {
        addr_retry(a, 0);
        return;
    }
    req->data = a;
    a->resolving = true;
    net->pending_reqs++;
    if (uv_getaddrinfo(net->loop, req, on_resolved, a->host, port, &hints) != 0) {
        free(req);
        net->pending_reqs--;
        a->resolving = false;
        addr_retry(a, 0);
    }
}

static int add_address(cps_net *net, const char *text)
{
    cps_net_out_addr *a = calloc(1, sizeof *a);
    if (!a) return cps_fail(CPS_ERR_NOMEM, "peer address");
    int rc = cps_net_parse_endpoint(text, CPS_NET_DEFAULT_PORT, a->host, sizeof a->host, &a->port);
    if (rc) {
        free(a);
        return rc;
    }
    a->text = strdup(text);
    if (!a->text) {
        free(a);
        return cps_fail(CPS_ERR_NOMEM, "peer address");
    }
    a->net = net;
    uv_timer_init(net->loop, &a->timer);
    a->timer.data = a;
    net->open_handles++;
    a->next = net->addrs;
    net->addrs = a;
    return 0;
}

/* Called from a peer's close callback, just before it is freed. */
void cps_net__peer_gone(cps_net_peer *p)
{
    cps_net *net = p->net;
    if (p->prev) p->prev->next = p->next;
    else net->peers = p->next;
    if (p->next) p->next->prev = p->prev;
    net->stats.peers_total--;
    if (p->active) net->stats.peers_active--;
    cps_net_out_addr *a = p->origin;
    if (a && a->peer == p) {
        a->peer = NULL;
        addr_retry(a, ban_left_ms(net, p->host));
    }
}

/* ---- the tick: keep-alive, timeouts, stuck closes -------------------------------------------- */

static void tick_cb(uv_timer_t *t)
{
    cps_net *net = t->data;
    uint64_t now = cps_net__now_ms(net);
    for (cps_net_peer *p = net->peers; p; p = p->next) {
        if (p->closing) {
            if (!p->handle_closing && now - p->close_started_ms > 2000) cps_net__peer_close_now(p);
            continue;
        }
        if (!p->tcp_connected) continue;
        if (!p->active) {
            if (now - p->opened_ms >= net->cfg.handshake_timeout_ms)
                cps_net__peer_close(p, CPS_NET_GO_AWAY_TIMEOUT, true, 0);
            continue;
        }
        if (now - p->last_recv_ms >= net->cfg.timeout_ms) {
            cps_log_info("net", "peer %s silent for %" PRIu64 " ms", p->address,
                         now - p->last_recv_ms);
            cps_net__peer_close(p, CPS_NET_GO_AWAY_TIMEOUT, true, 0);
            continue;
        }
        if (now - p->last_send_ms >= net->cfg.keepalive_ms) {
            cps_net_message ping = {.type = CPS_NET_MSG_TIME};
            ping.u.time.kind = CPS_NET_TIME_PING;
            ping.u.time.origin_us = ping.u.time.sent_us = cps_time_now_us();
            cps_net__peer_send_message(p, &ping);
        }
    }
}

/* ---- accepting -------------------------------------------------------------------------------- */

static int refuse_reason(cps_net *net, const cps_net_peer *p)
{
    if (cps_net_is_banned(net, p->host)) return CPS_NET_GO_AWAY_BANNED;
    uint32_t inbound = 0, same_host = 0;
    for (const cps_net_peer *q = net->peers; q; q = q->next) {
        if (q == p || q->outgoing || q->closing) continue;
        inbound++;
        if (strcmp(q->host, p->host) == 0) same_host++;
    }
    if (inbound >= net->cfg.max_clients) return CPS_NET_GO_AWAY_LIMIT;
    if (same_host >= net->cfg.max_nodes_per_host) return CPS_NET_GO_AWAY_LIMIT;
    return -1;
}

static void on_connection(uv_stream_t *server, int status)
{
    cps_net *net = server->data;
    if (status < 0 || net->closing) return;
    cps_net_peer *p = cps_net__peer_new(net, false, NULL);
    if (!p) return;
    if (uv_accept(server, (uv_stream_t *)&p->tcp) != 0) {
        cps_net__peer_close_now(p);
        return;
    }
    cps_net__peer_fill_address(p);
    int reason = refuse_reason(net, p);
    if (reason >= 0) {
        cps_log_info("net", "refusing %s: %s", p->address, cps_net_go_away_reason_name(reason));
        p->refused = true;
        net->stats.rejected++;
        cps_net__peer_close(p, reason, true, 0);
        return;
    }
    cps_net__peer_start(p);
}

/* ---- public API ------------------------------------------------------------------------------- */

int cps_net_create(uv_loop_t *loop, const cps_net_config *config, const cps_checksum256 *chain_id,
                   const cps_net_callbacks *cb, void *ctx, cps_net **out)
{
    if (!loop || !config || !chain_id || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_net_create");
    const cps_net_config *c = config;
    if (c->max_message_size < 256 || c->max_message_size > CPS_NET_MAX_MESSAGE_LIMIT)
        return cps_fail(CPS_ERR_INVALID_ARG, "max_message_size %u (256..%u)", c->max_message_size,
                        CPS_NET_MAX_MESSAGE_LIMIT);
    if (!c->keepalive_ms || !c->timeout_ms || !c->handshake_timeout_ms || !c->reconnect_min_ms ||
        c->reconnect_max_ms < c->reconnect_min_ms)
        return cps_fail(CPS_ERR_INVALID_ARG, "timeouts must be positive, reconnect min <= max");
    if (c->write_queue_max < (size_t)c->max_message_size + 64)
        return cps_fail(CPS_ERR_INVALID_ARG, "write_queue_max must hold one maximum message");
    if (c->ban_threshold == 0) return cps_fail(CPS_ERR_INVALID_ARG, "ban_threshold 0");
    /* Check every address before anything is allocated, so a bad one leaves nothing to undo. */
    for (size_t i = 0; i < c->peer_address_count; i++) {
        char host[256];
        uint16_t port;
        int rc = cps_net_parse_endpoint(c->peer_addresses[i], CPS_NET_DEFAULT_PORT, host,
                                        sizeof host, &port);
        if (rc) return cps_fail_prefix(rc, "--p2p-peer-address");
    }
    /* A write to a peer that has just reset its connection raises SIGPIPE, whose default action
     * kills the process: a remote peer must never be able to do that. The error still comes
     * back as EPIPE on the write. Only the default disposition is replaced. */
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    cps_net *net = calloc(1, sizeof *net);
    if (!net) return cps_fail(CPS_ERR_NOMEM, "cps_net");
    net->loop = loop;
    net->cfg = *c;
    net->cfg.listen_endpoint = NULL;
    net->cfg.peer_addresses = NULL;
    net->cfg.peer_address_count = 0;
    net->chain_id = *chain_id;
    if (cb) net->cb = *cb;
    net->ctx = ctx;
    random_bytes(net->node_id.b, sizeof net->node_id.b);
    uint64_t key;
    random_bytes(&key, sizeof key);
    int rc;
    if ((rc = cps_net__lru_init(&net->seen_blocks, c->dedup_capacity, key)) ||
        (rc = cps_net__lru_init(&net->seen_trxs, c->dedup_capacity, key)) ||
        (rc = cps_net__lru_init(&net->seen_votes, c->dedup_capacity, key)))
        goto fail;
    if (c->listen_endpoint && !(net->cfg.listen_endpoint = strdup(c->listen_endpoint))) {
        rc = cps_fail(CPS_ERR_NOMEM, "listen endpoint");
        goto fail;
    }
    uv_timer_init(loop, &net->tick);
    net->tick.data = net;
    net->open_handles++;
    for (size_t i = 0; i < c->peer_address_count; i++)
        if ((rc = add_address(net, c->peer_addresses[i]))) {
            /* out of memory after handles exist: they close through the loop */
            cps_net_close(net);
            return rc;
        }
    *out = net;
    return 0;
fail:
    free_net(net);
    return rc;
}

static int listen_on(cps_net *net)
{
    char host[256], port_text[8];
    uint16_t port;
    int rc = cps_net_parse_endpoint(net->cfg.listen_endpoint, CPS_NET_DEFAULT_PORT, host,
                                    sizeof host, &port);
    if (rc) return cps_fail_prefix(rc, "--p2p-listen-endpoint");
    snprintf(port_text, sizeof port_text, "%u", port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    uv_getaddrinfo_t req;
    int err = uv_getaddrinfo(net->loop, &req, NULL, host, port_text, &hints);
    if (err) return cps_fail(CPS_ERR_NET, "cannot resolve %s: %s", host, uv_strerror(err));
    uv_tcp_init(net->loop, &net->listener);
    net->listener.data = net;
    net->open_handles++;
    net->listening = true;
    err = uv_tcp_bind(&net->listener, req.addrinfo->ai_addr, 0);
    uv_freeaddrinfo(req.addrinfo);
    if (!err) err = uv_listen((uv_stream_t *)&net->listener, 128, on_connection);
    if (err)
        return cps_fail(CPS_ERR_NET, "cannot listen on %s: %s", net->cfg.listen_endpoint,
                        uv_strerror(err));
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (uv_tcp_getsockname(&net->listener, (struct sockaddr *)&ss, &len) == 0)
        net->listen_port = ntohs(ss.ss_family == AF_INET6
                                     ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    cps_log_info("net", "listening on %s (port %u)", net->cfg.listen_endpoint, net->listen_port);
    return 0;
}

int cps_net_start(cps_net *net)
{
    if (!net || net->started || net->closing) return cps_fail(CPS_ERR_STATE, "cps_net_start");
    net->started = true;
    if (net->cfg.listen_endpoint) {
        int rc = listen_on(net);
        if (rc) return rc;
    }
    uint64_t interval = net->cfg.keepalive_ms;
    if (net->cfg.timeout_ms < interval) interval = net->cfg.timeout_ms;
    if (net->cfg.handshake_timeout_ms < interval) interval = net->cfg.handshake_timeout_ms;
    interval /= 4;
    if (interval < 5) interval = 5;
    if (interval > 1000) interval = 1000;
    uv_timer_start(&net->tick, tick_cb, interval, interval);
    for (cps_net_out_addr *a = net->addrs; a; a = a->next) addr_dial(a);
    return 0;
}

void cps_net_close(cps_net *net)
{
    if (!net || net->closing) return;
    net->closing = true;
    /* Best effort go_away: try_write does not queue, so nothing outlives the handle. */
    cps_buf b;
    cps_buf_init(&b);
    cps_net_message m = {.type = CPS_NET_MSG_GO_AWAY, .u.go_away_reason = CPS_NET_GO_AWAY_SHUTDOWN};
    if (cps_net_message_encode(&b, &m) != 0) cps_buf_reset(&b);
    for (cps_net_peer *p = net->peers; p; p = p->next) {
        if (p->tcp_connected && !p->closing && b.size &&
            uv_stream_get_write_queue_size((uv_stream_t *)&p->tcp) == 0) {
            uv_buf_t buf = uv_buf_init((char *)b.data, (unsigned)b.size);
            (void)uv_try_write((uv_stream_t *)&p->tcp, &buf, 1);
        }
        cps_net__peer_close_now(p);
    }
    cps_buf_free(&b);
    if (net->listening) uv_close((uv_handle_t *)&net->listener, handle_closed_cb);
    uv_close((uv_handle_t *)&net->tick, handle_closed_cb);
    for (cps_net_out_addr *a = net->addrs; a; a = a->next)
        uv_close((uv_handle_t *)&a->timer, addr_timer_closed_cb);
    maybe_free(net);
}

uint16_t cps_net_listen_port(const cps_net *net)
{
    return net->listen_port;
}

const cps_checksum256 *cps_net_node_id(const cps_net *net)
{
    return &net->node_id;
}

int cps_net_connect(cps_net *net, const char *address)
{
    if (!net || !address || net->closing) return cps_fail(CPS_ERR_INVALID_ARG, "cps_net_connect");
    int rc = add_address(net, address);
    if (rc == 0 && net->started) addr_dial(net->addrs);
    return rc;
}

void cps_net__relay(cps_net *net, const cps_net_peer *except, const uint8_t *frame, size_t n)
{
    for (cps_net_peer *p = net->peers; p; p = p->next)
        if (p != except && p->active && !p->closing) cps_net__peer_send(p, frame, n);
}

void cps_net_set_head(cps_net *net, uint32_t head_num, const cps_checksum256 *head_id,
                      uint32_t lib_num, const cps_checksum256 *lib_id, bool announce)
{
    net->head_num = head_num;
    net->head_id = *head_id;
    net->lib_num = lib_num;
    net->lib_id = *lib_id;
    if (!announce || net->closing) return;
    cps_net_message m = {.type = CPS_NET_MSG_NOTICE};
    m.u.notice.head_num = head_num;
    m.u.notice.head_id = *head_id;
    m.u.notice.lib_num = lib_num;
    m.u.notice.lib_id = *lib_id;
    cps_buf b;
    cps_buf_init(&b);
    if (cps_net_message_encode(&b, &m) == 0) cps_net__relay(net, NULL, b.data, b.size);
    cps_buf_free(&b);
}

/* Decodes `payload` as a message of `type` (the same strict decoder peers' bytes go through),
 * remembers its id in `seen` and sends the frame to every active peer. */
static cps_net_peer *active_peer(cps_net *net, uint64_t peer_id);

static uint32_t trx_origin_slot(const cps_checksum256 *id)
{
    return (uint32_t)cps_load_u64(id->b) & (CPS_NET_TRX_ORIGINS - 1);
}

void cps_net__trx_origin_set(cps_net *net, const cps_checksum256 *id, uint64_t peer_id)
{
    uint32_t i = trx_origin_slot(id);
    net->trx_origin[i].id = *id;
    net->trx_origin[i].peer_id = peer_id;
}

void cps_net_forget_transaction(cps_net *net, const cps_checksum256 *id)
{
    cps_net__lru_remove(&net->seen_trxs, id);
    uint32_t i = trx_origin_slot(id);
    if (!memcmp(net->trx_origin[i].id.b, id->b, 32)) net->trx_origin[i].peer_id = 0;
}

uint64_t cps_net__trx_origin_get(const cps_net *net, const cps_checksum256 *id)
{
    uint32_t i = trx_origin_slot(id);
    if (net->trx_origin[i].peer_id == 0 || memcmp(net->trx_origin[i].id.b, id->b, 32)) return 0;
    return net->trx_origin[i].peer_id;
}

static int broadcast(cps_net *net, uint8_t type, const uint8_t *payload, size_t n)
{
    if (!net || !payload || net->closing) return cps_fail(CPS_ERR_INVALID_ARG, "broadcast");
    cps_buf b;
    cps_buf_init(&b);
    int rc = cps_net_frame_encode(&b, type, payload, n);
    if (rc == 0 && b.size - CPS_NET_FRAME_HEADER > net->cfg.max_message_size)
        rc = cps_fail(CPS_ERR_LIMIT, "message of %zu bytes above the maximum %u",
                      b.size - CPS_NET_FRAME_HEADER, net->cfg.max_message_size);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_net_message m;
    if (rc == 0)
        rc = cps_net_message_decode(b.data + CPS_NET_FRAME_HEADER, b.size - CPS_NET_FRAME_HEADER,
                                    &a, &m);
    if (rc == 0) {
        if (type == CPS_NET_MSG_BLOCK) {
            cps_net__lru_add(&net->seen_blocks, &m.u.block.id);
        } else if (type == CPS_NET_MSG_TRANSACTION) {
            cps_net__lru_add(&net->seen_trxs, &m.u.transaction.id);
        } else if (type == CPS_NET_MSG_VOTE) {
            cps_checksum256 id;
            cps_net_vote_id(&m.u.vote, &id);
            cps_net__lru_add(&net->seen_votes, &id);
        }
        const cps_net_peer *except = NULL;
        if (type == CPS_NET_MSG_TRANSACTION)
            except = active_peer(net, cps_net__trx_origin_get(net, &m.u.transaction.id));
        cps_net__relay(net, except, b.data, b.size);
    }
    cps_abi_arena_free(&a);
    cps_buf_free(&b);
    return rc;
}

int cps_net_broadcast_block(cps_net *net, const uint8_t *signed_block, size_t n)
{
    return broadcast(net, CPS_NET_MSG_BLOCK, signed_block, n);
}

int cps_net_broadcast_transaction(cps_net *net, const uint8_t *packed_trx, size_t n)
{
    return broadcast(net, CPS_NET_MSG_TRANSACTION, packed_trx, n);
}

int cps_net_broadcast_vote(cps_net *net, const cps_net_vote *vote)
{
    cps_buf b;
    cps_buf_init(&b);
    cps_net_message m = {.type = CPS_NET_MSG_VOTE, .u.vote = *vote};
    int rc = cps_net_message_encode(&b, &m);
    if (rc == 0)
        rc = broadcast(net, CPS_NET_MSG_VOTE, b.data + CPS_NET_FRAME_HEADER + 1,
                       b.size - CPS_NET_FRAME_HEADER - 1);
    cps_buf_free(&b);
    return rc;
}

static cps_net_peer *active_peer(cps_net *net, uint64_t peer_id)
{
    for (cps_net_peer *p = net->peers; p; p = p->next)
        if (p->id == peer_id && p->active && !p->closing) return p;
    return NULL;
}

int cps_net_send_block(cps_net *net, uint64_t peer_id, const uint8_t *signed_block, size_t n)
{
    if (!net || !signed_block) return cps_fail(CPS_ERR_INVALID_ARG, "cps_net_send_block");
    cps_net_peer *p = active_peer(net, peer_id);
    if (!p) return cps_fail(CPS_ERR_NOT_FOUND, "peer %" PRIu64 " is gone", peer_id);
    if (n + 1 > net->cfg.max_message_size)
        return cps_fail(CPS_ERR_LIMIT, "block of %zu bytes above the maximum message", n);
    cps_buf b;
    cps_buf_init(&b);
    int rc = cps_net_frame_encode(&b, CPS_NET_MSG_BLOCK, signed_block, n);
    if (rc == 0) cps_net__peer_send(p, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

int cps_net_request_blocks(cps_net *net, uint64_t peer_id, uint32_t start_num, uint32_t end_num)
{
    if (!net) return cps_fail(CPS_ERR_INVALID_ARG, "cps_net_request_blocks");
    if (start_num == 0 || start_num > end_num || end_num - start_num >= CPS_NET_MAX_REQUEST_RANGE)
        return cps_fail(CPS_ERR_INVALID_ARG, "range %u..%u (1 <= start <= end, at most %d)",
                        start_num, end_num, CPS_NET_MAX_REQUEST_RANGE);
    cps_net_peer *p = active_peer(net, peer_id);
    if (!p) return cps_fail(CPS_ERR_NOT_FOUND, "peer %" PRIu64 " is gone", peer_id);
    cps_net_message m = {.type = CPS_NET_MSG_REQUEST_BLOCKS};
    m.u.request_blocks.start_num = start_num;
    m.u.request_blocks.end_num = end_num;
    cps_net__peer_send_message(p, &m);
    return 0;
}

int cps_net_disconnect(cps_net *net, uint64_t peer_id, int reason, bool penalize)
{
    if (!net || reason < 0 || reason >= CPS_NET_GO_AWAY_COUNT)
        return cps_fail(CPS_ERR_INVALID_ARG, "cps_net_disconnect");
    for (cps_net_peer *p = net->peers; p; p = p->next)
        if (p->id == peer_id && !p->closing) {
            cps_net__peer_close(p, reason, true, penalize ? CPS_NET_PENALTY_INVALID : 0);
            return 0;
        }
    return cps_fail(CPS_ERR_NOT_FOUND, "peer %" PRIu64 " is gone", peer_id);
}

void cps_net_get_stats(const cps_net *net, cps_net_stats *out)
{
    *out = net->stats;
}

size_t cps_net_peers(const cps_net *net, cps_net_peer_info *out, size_t cap)
{
    size_t n = 0;
    for (const cps_net_peer *p = net->peers; p; p = p->next) {
        if (!p->active || p->closing) continue;
        if (n < cap) cps_net__peer_info(p, &out[n]);
        n++;
    }
    return n;
}
