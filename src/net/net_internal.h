/* net: internal structures shared by net.c (the cps_net object: listener, outgoing addresses,
 * timers, bans, gossip), peer.c (one connection: framing, write queue, message handling) and
 * dedup.c (the bounded LRU of seen ids). Not part of the public API. */
#ifndef CPS_NET_INTERNAL_H
#define CPS_NET_INTERNAL_H

#include "net/net.h"

/* ---- bounded LRU set of 32-byte ids --------------------------------------------------------- */
typedef struct cps_net_lru_entry {
    cps_checksum256 id;
    uint32_t bucket_next; /* index + 1 of the next entry in the same bucket, 0 = end */
    uint32_t newer, older; /* index + 1 in the recency list, 0 = end */
} cps_net_lru_entry;

typedef struct cps_net_lru {
    cps_net_lru_entry *entries;
    uint32_t *buckets; /* index + 1 of the first entry, 0 = empty */
    uint32_t capacity, count, bucket_mask;
    uint32_t newest, oldest, free_list; /* index + 1 */
    uint64_t hash_key; /* random, so that a peer cannot aim ids at one bucket */
} cps_net_lru;

CPS_MUST_USE int cps_net__lru_init(cps_net_lru *l, uint32_t capacity, uint64_t hash_key);
void cps_net__lru_free(cps_net_lru *l);
/* Inserts id as the most recent entry (evicting the least recent one when full) and returns
 * true; if it was already there, makes it the most recent and returns false. */
bool cps_net__lru_add(cps_net_lru *l, const cps_checksum256 *id);
bool cps_net__lru_contains(const cps_net_lru *l, const cps_checksum256 *id);
/* Forgets id (so the same item may be taken again later). */
void cps_net__lru_remove(cps_net_lru *l, const cps_checksum256 *id);

/* ---- connections ------------------------------------------------------------------------------ */
struct cps_net_out_addr;

typedef struct cps_net_peer {
    cps_net *net;
    uint64_t id;
    uv_tcp_t tcp;
    struct cps_net_peer *prev, *next;
    struct cps_net_out_addr *origin; /* the outgoing address it was dialled for, or NULL */
    bool outgoing;
    bool tcp_connected; /* the connection was established (so it counts as a peer) */
    bool active;        /* handshake received and accepted */
    bool closing;
    bool handle_closing;
    bool handshake_received;
    bool refused; /* turned away at accept: not reported to the node */
    int close_reason;
    char host[48]; /* numeric IP */
    char address[80];
    cps_net_handshake hs;
    /* frame reassembly */
    uint8_t header[CPS_NET_FRAME_HEADER];
    uint32_t header_have;
    uint8_t *body;
    uint32_t body_len, body_have;
    uint64_t opened_ms, last_recv_ms, last_send_ms, close_started_ms;
    int64_t rtt_us;
} cps_net_peer;

typedef struct cps_net_out_addr {
    cps_net *net;
    struct cps_net_out_addr *next;
    char *text;
    char host[256];
    uint16_t port;
    uv_timer_t timer;
    cps_net_peer *peer; /* the current connection (or attempt) */
    uint32_t attempts;
    bool resolving;
    bool stopped; /* connected to ourselves: never again */
} cps_net_out_addr;

typedef struct cps_net_host_score {
    char host[64];
    double score;
    uint64_t updated_ms;
    uint64_t banned_until_ms;
} cps_net_host_score;

#define CPS_NET_MAX_HOST_SCORES 256

#define CPS_NET_TRX_ORIGINS 4096u /* a power of two */

struct cps_net {
    uv_loop_t *loop;
    cps_net_config cfg; /* strings owned */
    cps_checksum256 chain_id;
    cps_checksum256 node_id;
    cps_net_callbacks cb;
    void *ctx;
    uv_tcp_t listener;
    bool listening;
    uint16_t listen_port;
    uv_timer_t tick;
    bool started, closing;
    uint32_t open_handles;   /* libuv handles not yet closed */
    uint32_t pending_reqs;   /* getaddrinfo requests in flight */
    cps_net_peer *peers;
    cps_net_out_addr *addrs;
    uint64_t next_peer_id;
    cps_net_lru seen_blocks, seen_trxs, seen_votes;
    /* The peer each recent transaction came from (direct-mapped by id), so that the node's own
     * broadcast of it once applied does not send it back there, as nodeos tracks per connection
     * what a peer already has. A slot taken over by another id only costs a redundant send. */
    struct {
        cps_checksum256 id;
        uint64_t peer_id; /* 0: empty */
    } trx_origin[CPS_NET_TRX_ORIGINS];
    cps_net_host_score scores[CPS_NET_MAX_HOST_SCORES];
    uint32_t score_count;
    /* head announced in handshakes */
    uint32_t head_num, lib_num;
    cps_checksum256 head_id, lib_id;
    cps_net_stats stats;
    uint8_t read_buf[64 * 1024]; /* one read at a time on the loop thread */
};

/* peer.c */
cps_net_peer *cps_net__peer_new(cps_net *net, bool outgoing, cps_net_out_addr *origin);
/* Marks the connection established and records the remote address (host, address). */
void cps_net__peer_fill_address(cps_net_peer *p);
/* Starts reading and sends our handshake (the TCP connection is established). */
void cps_net__peer_start(cps_net_peer *p);
/* Ends a connection: optionally sends go_away(reason) first, scores the host down with
 * `penalty` (0 for none), reports peer_disconnected. Safe to call twice. */
void cps_net__peer_close(cps_net_peer *p, int reason, bool send_go_away, double penalty);
/* Closes the handle now (net shutdown, stuck shutdown): pending writes are cancelled. */
void cps_net__peer_close_now(cps_net_peer *p);
/* Queues a whole frame (copied); drops the peer if its write queue would overflow. */
void cps_net__peer_send(cps_net_peer *p, const uint8_t *frame, size_t n);
void cps_net__peer_send_message(cps_net_peer *p, const cps_net_message *m);
void cps_net__peer_info(const cps_net_peer *p, cps_net_peer_info *info);

/* net.c */
void cps_net__handle_closed(cps_net *net);
void cps_net__peer_gone(cps_net_peer *p);
void cps_net__penalize(cps_net *net, const char *host, double penalty);
void cps_net__relay(cps_net *net, const cps_net_peer *except, const uint8_t *frame, size_t n);
/* The peer a transaction id came from (0: none known). */
void cps_net__trx_origin_set(cps_net *net, const cps_checksum256 *id, uint64_t peer_id);
uint64_t cps_net__trx_origin_get(const cps_net *net, const cps_checksum256 *id);
uint64_t cps_net__now_ms(const cps_net *net);

/* Penalties, in units of the ban threshold: a malformed message bans at once, invalid data on
 * the second offence within the decay window. */
#define CPS_NET_PENALTY_MALFORMED 1.0
#define CPS_NET_PENALTY_INVALID 0.5

#endif
