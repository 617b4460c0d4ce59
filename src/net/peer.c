/* net: one peer connection — frame reassembly from the TCP stream, the bounded write queue, the
 * handshake checks and the handling of every message (gossip with de-duplication, range
 * requests, keep-alive), and the orderly close (go_away, then shutdown, then close). */
#include "net/net_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct write_req {
    uv_write_t req;
    cps_net_peer *peer;
    size_t n;
    uint8_t data[];
} write_req;

static void peer_handle_closed(uv_handle_t *h)
{
    cps_net_peer *p = h->data;
    cps_net *net = p->net;
    cps_net__peer_gone(p);
    free(p->body);
    free(p);
    cps_net__handle_closed(net);
}

cps_net_peer *cps_net__peer_new(cps_net *net, bool outgoing, cps_net_out_addr *origin)
{
    cps_net_peer *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    if (uv_tcp_init(net->loop, &p->tcp) != 0) {
        free(p);
        return NULL;
    }
    p->net = net;
    p->id = ++net->next_peer_id;
    p->outgoing = outgoing;
    p->origin = origin;
    p->tcp.data = p;
    p->opened_ms = p->last_recv_ms = p->last_send_ms = cps_net__now_ms(net);
    p->next = net->peers;
    if (net->peers) net->peers->prev = p;
    net->peers = p;
    net->open_handles++;
    net->stats.peers_total++;
    return p;
}

void cps_net__peer_info(const cps_net_peer *p, cps_net_peer_info *info)
{
    memset(info, 0, sizeof *info);
    info->id = p->id;
    info->outgoing = p->outgoing;
    memcpy(info->address, p->address, sizeof info->address);
    info->handshake = p->handshake_received ? &p->hs : NULL;
}

void cps_net__peer_close_now(cps_net_peer *p)
{
    if (p->handle_closing) return;
    p->handle_closing = true;
    p->closing = true;
    uv_close((uv_handle_t *)&p->tcp, peer_handle_closed);
}

static void shutdown_done(uv_shutdown_t *req, int status)
{
    cps_net_peer *p = req->handle->data;
    (void)status;
    free(req);
    cps_net__peer_close_now(p);
}

void cps_net__peer_close(cps_net_peer *p, int reason, bool send_go_away, double penalty)
{
    if (p->closing) return;
    cps_net *net = p->net;
    if (penalty > 0) {
        net->stats.violations++;
        cps_net__penalize(net, p->host, penalty);
    }
    if (send_go_away && p->tcp_connected) {
        cps_net_message m = {.type = CPS_NET_MSG_GO_AWAY, .u.go_away_reason = (uint8_t)reason};
        cps_net__peer_send_message(p, &m);
    }
    if (p->closing) return; /* the go_away overflowed the queue and closed it */
    p->closing = true;
    p->close_reason = reason;
    p->close_started_ms = cps_net__now_ms(net);
    if (p->active) net->stats.peers_active--;
    p->active = false;
    cps_log_debug("net", "peer %s closing: %s", p->address, cps_net_go_away_reason_name(reason));
    if (p->tcp_connected && !p->refused && !net->closing && net->cb.peer_disconnected) {
        cps_net_peer_info info;
        cps_net__peer_info(p, &info);
        net->cb.peer_disconnected(net->ctx, &info, reason);
    }
    /* A slow peer's queue would never drain: cancel it rather than wait on it. */
    if (!p->tcp_connected || reason == CPS_NET_GO_AWAY_SLOW) {
        cps_net__peer_close_now(p);
        return;
    }
    uv_read_stop((uv_stream_t *)&p->tcp);
    /* Shut the write side down after the queued frames (the go_away) have gone; a peer that
     * does not read is closed by the tick after a grace period. */
    uv_shutdown_t *req = malloc(sizeof *req);
    if (!req || uv_shutdown(req, (uv_stream_t *)&p->tcp, shutdown_done) != 0) {
        free(req);
        cps_net__peer_close_now(p);
    }
}

static void write_done(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    cps_net_peer *p = w->peer;
    free(w);
    if (status < 0 && status != UV_ECANCELED && !p->closing) {
        cps_log_debug("net", "peer %s write failed: %s", p->address, uv_strerror(status));
        cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
    }
}

void cps_net__peer_send(cps_net_peer *p, const uint8_t *frame, size_t n)
{
    cps_net *net = p->net;
    if (p->closing || !p->tcp_connected) return;
    /* The queue limit counts bytes libuv has not yet handed to the kernel: a peer that stops
     * reading makes it grow, and is dropped instead of making us buffer without bound. */
    if (uv_stream_get_write_queue_size((uv_stream_t *)&p->tcp) + n > net->cfg.write_queue_max) {
        cps_log_info("net", "peer %s: write queue full, dropping it", p->address);
        cps_net__peer_close(p, CPS_NET_GO_AWAY_SLOW, false, 0);
        return;
    }
    write_req *w = malloc(sizeof *w + n);
    if (!w) {
        cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
        return;
    }
    w->peer = p;
    w->n = n;
    memcpy(w->data, frame, n);
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)n);
    if (uv_write(&w->req, (uv_stream_t *)&p->tcp, &buf, 1, write_done) != 0) {
        free(w);
        cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
        return;
    }
    p->last_send_ms = cps_net__now_ms(net);
    net->stats.messages_out++;
    net->stats.bytes_out += n;
}

void cps_net__peer_send_message(cps_net_peer *p, const cps_net_message *m)
{
    cps_buf b;
    cps_buf_init(&b);
    if (cps_net_message_encode(&b, m) == 0) cps_net__peer_send(p, b.data, b.size);
    cps_buf_free(&b);
}

static void send_handshake(cps_net_peer *p)
{
    cps_net *net = p->net;
    cps_net_message m;
    memset(&m, 0, sizeof m);
    m.type = CPS_NET_MSG_HANDSHAKE;
    cps_net_handshake *h = &m.u.handshake;
    h->protocol_version = CPS_NET_PROTOCOL_VERSION;
    h->chain_id = net->chain_id;
    h->node_id = net->node_id;
    h->head_num = net->head_num;
    h->head_id = net->head_id;
    h->lib_num = net->lib_num;
    h->lib_id = net->lib_id;
    h->time_us = cps_time_now_us();
    h->listen_port = net->listen_port;
    memcpy(h->agent, net->cfg.agent_name, sizeof h->agent);
    cps_net__peer_send_message(p, &m);
}

/* A protocol violation: say why, drop the connection and score the host down. */
static void violation(cps_net_peer *p, int reason, double penalty, const char *why)
{
    cps_log_info("net", "peer %s (%s): %s", p->address, cps_net_go_away_reason_name(reason), why);
    cps_net__peer_close(p, reason, true, penalty);
}

static cps_net_peer *find_active_node(cps_net *net, const cps_checksum256 *node_id,
                                      const cps_net_peer *except)
{
    for (cps_net_peer *q = net->peers; q; q = q->next)
        if (q != except && q->active && memcmp(q->hs.node_id.b, node_id->b, 32) == 0) return q;
    return NULL;
}

static void on_handshake(cps_net_peer *p, const cps_net_handshake *h)
{
    cps_net *net = p->net;
    if (p->handshake_received) {
        violation(p, CPS_NET_GO_AWAY_MALFORMED, CPS_NET_PENALTY_MALFORMED, "second handshake");
        return;
    }
    p->hs = *h;
    p->handshake_received = true;
    if (h->protocol_version != CPS_NET_PROTOCOL_VERSION) {
        cps_net__peer_close(p, CPS_NET_GO_AWAY_WRONG_VERSION, true, 0);
        return;
    }
    if (memcmp(h->chain_id.b, net->chain_id.b, 32) != 0) {
        cps_log_info("net", "peer %s is on another chain", p->address);
        cps_net__peer_close(p, CPS_NET_GO_AWAY_WRONG_CHAIN, true, 0);
        return;
    }
    if (memcmp(h->node_id.b, net->node_id.b, 32) == 0) {
        if (p->origin) p->origin->stopped = true;
        cps_net__peer_close(p, CPS_NET_GO_AWAY_SELF, true, 0);
        return;
    }
    cps_net_peer *other = find_active_node(net, &h->node_id, p);
    if (other) {
        /* Two connections to one node (each dialled the other): both ends must keep the same
         * one, so the rule depends only on the pair: keep the connection dialled by the node with
         * the smaller id; between two of the same direction keep the older. */
        bool keep_new = false;
        if (other->outgoing != p->outgoing) {
            bool we_dial = memcmp(net->node_id.b, h->node_id.b, 32) < 0;
            keep_new = p->outgoing == we_dial;
        }
        if (!keep_new) {
            cps_net__peer_close(p, CPS_NET_GO_AWAY_DUPLICATE, true, 0);
            return;
        }
        cps_net__peer_close(other, CPS_NET_GO_AWAY_DUPLICATE, true, 0);
    }
    p->active = true;
    net->stats.peers_active++;
    if (p->origin) p->origin->attempts = 0;
    cps_log_info("net", "peer %s connected (%s, head %u)", p->address, h->agent, h->head_num);
    if (net->cb.peer_connected) {
        cps_net_peer_info info;
        cps_net__peer_info(p, &info);
        net->cb.peer_connected(net->ctx, &info);
    }
}

/* What the node's verdict on a gossiped item means for the peer and for the gossip. */
static void judge(cps_net_peer *p, int verdict, cps_net_lru *seen, const cps_checksum256 *id,
                  uint8_t type, cps_bytes payload)
{
    if (verdict == 0) {
        cps_buf b;
        cps_buf_init(&b);
        if (cps_net_frame_encode(&b, type, payload.data, payload.size) == 0)
            cps_net__relay(p->net, p, b.data, b.size);
        cps_buf_free(&b);
    } else if (verdict == CPS_ERR_STATE) {
        cps_net__lru_remove(seen, id); /* not usable now (e.g. unlinkable): may come again */
    } else if (verdict != CPS_ERR_EXISTS) {
        violation(p, CPS_NET_GO_AWAY_INVALID, CPS_NET_PENALTY_INVALID, cps_strerror(verdict));
    }
}

static void on_message(cps_net_peer *p, const cps_net_message *m, const uint8_t *body,
                       uint32_t len)
{
    cps_net *net = p->net;
    cps_net_peer_info info;
    if (m->type == CPS_NET_MSG_GO_AWAY) {
        if (m->u.go_away_reason == CPS_NET_GO_AWAY_SELF && p->origin) p->origin->stopped = true;
        cps_net__peer_close(p, m->u.go_away_reason, false, 0);
        return;
    }
    if (m->type == CPS_NET_MSG_HANDSHAKE) {
        on_handshake(p, &m->u.handshake);
        return;
    }
    if (!p->active) {
        violation(p, CPS_NET_GO_AWAY_MALFORMED, CPS_NET_PENALTY_MALFORMED,
                  "message before the handshake");
        return;
    }
    cps_net__peer_info(p, &info);
    cps_bytes payload = {body + 1, len - 1};
    switch (m->type) {
    case CPS_NET_MSG_TIME:
        if (m->u.time.kind == CPS_NET_TIME_PING) {
            cps_net_message pong = {.type = CPS_NET_MSG_TIME};
            pong.u.time.kind = CPS_NET_TIME_PONG;
            pong.u.time.origin_us = m->u.time.origin_us;
            pong.u.time.sent_us = cps_time_now_us();
            cps_net__peer_send_message(p, &pong);
        } else {
            p->rtt_us = cps_time_now_us() - m->u.time.origin_us;
        }
        break;
    case CPS_NET_MSG_REQUEST_BLOCKS:
        if (net->cb.blocks_requested)
            net->cb.blocks_requested(net->ctx, &info, m->u.request_blocks.start_num,
                                     m->u.request_blocks.end_num);
        break;
    case CPS_NET_MSG_BLOCK:
        if (!cps_net__lru_add(&net->seen_blocks, &m->u.block.id)) {
            net->stats.duplicates++;
            break;
        }
        judge(p, net->cb.block_received ? net->cb.block_received(net->ctx, &info, &m->u.block) : 0,
              &net->seen_blocks, &m->u.block.id, m->type, payload);
        break;
    case CPS_NET_MSG_TRANSACTION:
        if (!cps_net__lru_add(&net->seen_trxs, &m->u.transaction.id)) {
            net->stats.duplicates++;
            break;
        }
        cps_net__trx_origin_set(net, &m->u.transaction.id, p->id);
        judge(p,
              net->cb.transaction_received
                  ? net->cb.transaction_received(net->ctx, &info, &m->u.transaction)
                  : 0,
              &net->seen_trxs, &m->u.transaction.id, m->type, payload);
        break;
    case CPS_NET_MSG_VOTE: {
        cps_checksum256 id;
        cps_net_vote_id(&m->u.vote, &id);
        if (!cps_net__lru_add(&net->seen_votes, &id)) {
            net->stats.duplicates++;
            break;
        }
        judge(p, net->cb.vote_received ? net->cb.vote_received(net->ctx, &info, &m->u.vote) : 0,
              &net->seen_votes, &id, m->type, payload);
        break;
    }
    case CPS_NET_MSG_NOTICE:
        p->hs.head_num = m->u.notice.head_num;
        p->hs.head_id = m->u.notice.head_id;
        p->hs.lib_num = m->u.notice.lib_num;
        p->hs.lib_id = m->u.notice.lib_id;
        if (net->cb.notice_received) net->cb.notice_received(net->ctx, &info, &m->u.notice);
        break;
    default:
        break;
    }
}

/* A complete frame body is in p->body: decode it strictly and act on it. */
static void handle_body(cps_net_peer *p)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    a.limit = (size_t)p->body_len * 4 + (1u << 20); /* decoded arrays stay proportional */
    cps_net_message m;
    int rc = cps_net_message_decode(p->body, p->body_len, &a, &m);
    if (rc != 0) {
        char why[300];
        snprintf(why, sizeof why, "%s", cps_last_error());
        violation(p, CPS_NET_GO_AWAY_MALFORMED, CPS_NET_PENALTY_MALFORMED, why);
    } else {
        p->net->stats.messages_in++;
        on_message(p, &m, p->body, p->body_len);
    }
    cps_abi_arena_free(&a);
}

static void consume(cps_net_peer *p, const uint8_t *data, size_t n)
{
    cps_net *net = p->net;
    while (n > 0 && !p->closing) {
        if (p->header_have < CPS_NET_FRAME_HEADER) {
            size_t take = CPS_NET_FRAME_HEADER - p->header_have;
            if (take > n) take = n;
            memcpy(p->header + p->header_have, data, take);
            p->header_have += (uint32_t)take;
            data += take;
            n -= take;
            if (p->header_have < CPS_NET_FRAME_HEADER) return;
            uint32_t len;
            if (cps_net_frame_length(p->header, net->cfg.max_message_size, &len) != 0) {
                char why[300];
                snprintf(why, sizeof why, "%s", cps_last_error());
                violation(p, CPS_NET_GO_AWAY_MALFORMED, CPS_NET_PENALTY_MALFORMED, why);
                return;
            }
            p->body = malloc(len);
            if (!p->body) {
                cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
                return;
            }
            p->body_len = len;
            p->body_have = 0;
        }
        size_t take = p->body_len - p->body_have;
        if (take > n) take = n;
        memcpy(p->body + p->body_have, data, take);
        p->body_have += (uint32_t)take;
        data += take;
        n -= take;
        if (p->body_have < p->body_len) return;
        handle_body(p);
        free(p->body);
        p->body = NULL;
        p->header_have = 0;
    }
}

static void alloc_read(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    cps_net_peer *p = h->data;
    (void)suggested;
    *buf = uv_buf_init((char *)p->net->read_buf, sizeof p->net->read_buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    cps_net_peer *p = s->data;
    if (nread < 0) {
        if (nread != UV_EOF)
            cps_log_debug("net", "peer %s read: %s", p->address, uv_strerror((int)nread));
        cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
        return;
    }
    if (nread == 0) return;
    p->last_recv_ms = cps_net__now_ms(p->net);
    p->net->stats.bytes_in += (uint64_t)nread;
    consume(p, (const uint8_t *)buf->base, (size_t)nread);
}

void cps_net__peer_fill_address(cps_net_peer *p)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    p->tcp_connected = true;
    p->last_recv_ms = p->last_send_ms = p->opened_ms = cps_net__now_ms(p->net);
    if (uv_tcp_getpeername(&p->tcp, (struct sockaddr *)&ss, &len) == 0) {
        int port = 0;
        if (ss.ss_family == AF_INET) {
            uv_ip4_name((struct sockaddr_in *)&ss, p->host, sizeof p->host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, p->host, sizeof p->host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        snprintf(p->address, sizeof p->address, "%s:%d", p->host, port);
    }
}

void cps_net__peer_start(cps_net_peer *p)
{
    if (!p->tcp_connected) cps_net__peer_fill_address(p);
    uv_tcp_nodelay(&p->tcp, 1);
    if (uv_read_start((uv_stream_t *)&p->tcp, alloc_read, on_read) != 0) {
        cps_net__peer_close(p, CPS_NET_GO_AWAY_NONE, false, 0);
        return;
    }
    send_handshake(p);
}
