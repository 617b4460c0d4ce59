/* net: CPS's peer-to-peer protocol — the wire messages and their strict codec, and a cps_net
 * object that keeps TCP connections to peers on a libuv loop (handshake, gossip with
 * de-duplication, block range sync, keep-alive, limits, bans) and hands what arrives to the node.
 *
 * The wire format is CPS's own (docs/p2p.md explains why it is not nodeos's net_plugin protocol):
 * CPS nodes talk to CPS nodes; blocks and transactions inside the messages are the EOSIO binary
 * forms of abi/abi.h, byte for byte.
 *
 * ---- framing --------------------------------------------------------------------------------
 *
 *   +----------------+---------+---------------------------------+
 *   | length u32 LE  | type u8 | payload (length - 1 bytes)      |
 *   +----------------+---------+---------------------------------+
 *   length counts type + payload: 1 <= length <= max_message_size (CPS_NET_MAX_MESSAGE_DEFAULT,
 *   never above CPS_NET_MAX_MESSAGE_LIMIT). A length of 0 or above the maximum, an unknown type,
 *   a payload that does not decode or leaves trailing bytes is a protocol violation: the
 *   connection is dropped and the sender's host scored down.
 *
 * ---- payloads (all integers little-endian, `string` = varuint32 length + bytes) ---------------
 *
 *   0 handshake      protocol_version u16 | chain_id [32] | node_id [32] |
 *                    head_num u32 | head_id [32] | lib_num u32 | lib_id [32] |
 *                    time_us i64 | listen_port u16 | agent string (<= 256 printable ASCII)
 *   1 go_away        reason u8 (enum cps_net_go_away_reason)
 *   2 time           kind u8 (0 ping, 1 pong) | origin_us i64 | sent_us i64
 *                    (a ping carries origin_us = sent_us; its pong echoes origin_us, so the
 *                    pinger measures the round trip on its own clock)
 *   3 request_blocks start_num u32 | end_num u32        1 <= start <= end,
 *                                                       end - start < CPS_NET_MAX_REQUEST_RANGE
 *   4 block          signed_block (EOSIO layout, abi.h)
 *   5 transaction    packed_transaction (EOSIO layout; the transaction inside must decode)
 *   6 vote           producer u64 (name) | block_id [32] | block_num u32 | signature
 *                    signature = cps_sign(producer's key, cps_net_vote_digest(chain_id, vote))
 *   7 notice         head_num u32 | head_id [32] | lib_num u32 | lib_id [32]
 *
 *   Every (num, id) pair must agree: num == the number carried in the id's first 4 bytes (a zero
 *   id for num 0), and lib_num <= head_num.
 *
 * ---- connection life -------------------------------------------------------------------------
 *
 *   connect/accept -> both send handshake -> check version, chain id, self, duplicate ->
 *   active (peer_connected) -> block / transaction / vote / notice / request_blocks / time ...
 *   -> go_away or close -> peer_disconnected (outgoing addresses reconnect with backoff)
 *
 * Threads: a cps_net and everything it hands out belong to the thread running its loop. */
#ifndef CPS_NET_H
#define CPS_NET_H

#include "base/base.h"
#include "abi/abi.h"
#include "crypto/crypto.h"

#include <uv.h>

#define CPS_NET_PROTOCOL_VERSION 1
#define CPS_NET_MAX_MESSAGE_DEFAULT (8u * 1024 * 1024)
#define CPS_NET_MAX_MESSAGE_LIMIT (64u * 1024 * 1024)
#define CPS_NET_FRAME_HEADER 4 /* the u32 length */
#define CPS_NET_AGENT_MAX 256
#define CPS_NET_MAX_REQUEST_RANGE 1000
#define CPS_NET_DEFAULT_PORT 9876

enum cps_net_msg_type {
    CPS_NET_MSG_HANDSHAKE = 0,
    CPS_NET_MSG_GO_AWAY = 1,
    CPS_NET_MSG_TIME = 2,
    CPS_NET_MSG_REQUEST_BLOCKS = 3,
    CPS_NET_MSG_BLOCK = 4,
    CPS_NET_MSG_TRANSACTION = 5,
    CPS_NET_MSG_VOTE = 6,
    CPS_NET_MSG_NOTICE = 7,
    CPS_NET_MSG_COUNT
};

enum cps_net_go_away_reason {
    CPS_NET_GO_AWAY_NONE = 0,      /* closed without a stated reason (or by the other side) */
    CPS_NET_GO_AWAY_SELF = 1,      /* connected to itself */
    CPS_NET_GO_AWAY_DUPLICATE = 2, /* already connected to that node */
    CPS_NET_GO_AWAY_WRONG_CHAIN = 3,
    CPS_NET_GO_AWAY_WRONG_VERSION = 4,
    CPS_NET_GO_AWAY_MALFORMED = 5, /* undecodable message or protocol violation */
    CPS_NET_GO_AWAY_INVALID = 6,   /* well-formed data the node rejected as invalid */
    CPS_NET_GO_AWAY_LIMIT = 7,     /* too many peers (in total or from that host) */
    CPS_NET_GO_AWAY_SLOW = 8,      /* write queue overflowed */
    CPS_NET_GO_AWAY_TIMEOUT = 9,   /* silent for too long / no handshake in time */
    CPS_NET_GO_AWAY_SHUTDOWN = 10,
    CPS_NET_GO_AWAY_BANNED = 11, /* the host is temporarily banned */
    CPS_NET_GO_AWAY_COUNT
};

/* "wrong chain" etc.; "unknown" for a value outside the enum. */
const char *cps_net_go_away_reason_name(int reason);

/* ==========================================================================================
 * Messages: plain values. Decoded block/transaction structures borrow from the decoded bytes
 * and from the arena given to the decoder (abi.h conventions).
 * ========================================================================================== */
typedef struct cps_net_handshake {
    uint16_t protocol_version;
    cps_checksum256 chain_id;
    cps_checksum256 node_id; /* random per process: detects self and duplicate connections */
    uint32_t head_num;
    cps_checksum256 head_id;
    uint32_t lib_num;
    cps_checksum256 lib_id;
    int64_t time_us;
    uint16_t listen_port; /* 0: the sender does not listen (behind NAT) */
    char agent[CPS_NET_AGENT_MAX + 1]; /* NUL-terminated */
} cps_net_handshake;

enum cps_net_time_kind { CPS_NET_TIME_PING = 0, CPS_NET_TIME_PONG = 1 };

typedef struct cps_net_time {
    uint8_t kind; /* enum cps_net_time_kind */
    int64_t origin_us;
    int64_t sent_us;
} cps_net_time;

typedef struct cps_net_block_range {
    uint32_t start_num;
    uint32_t end_num; /* inclusive */
} cps_net_block_range;

typedef struct cps_net_block {
    cps_signed_block block;
    cps_checksum256 id; /* computed by the decoder */
    uint32_t num;
    cps_bytes raw; /* the packed signed_block (borrowed from the decoded bytes) */
} cps_net_block;

typedef struct cps_net_transaction {
    cps_packed_transaction packed;
    cps_transaction trx;  /* decoded from packed (arena) */
    cps_checksum256 id;   /* transaction id, computed by the decoder */
    cps_bytes raw;        /* the packed_transaction bytes (borrowed) */
} cps_net_transaction;

typedef struct cps_net_vote {
    cps_name producer;
    cps_checksum256 block_id;
    uint32_t block_num;
    cps_signature signature;
} cps_net_vote;

typedef struct cps_net_notice {
    uint32_t head_num;
    cps_checksum256 head_id;
    uint32_t lib_num;
    cps_checksum256 lib_id;
} cps_net_notice;

typedef struct cps_net_message {
    uint8_t type; /* enum cps_net_msg_type */
    union {
        cps_net_handshake handshake;
        uint8_t go_away_reason;
        cps_net_time time;
        cps_net_block_range request_blocks;
        cps_net_block block;
        cps_net_transaction transaction;
        cps_net_vote vote;
        cps_net_notice notice;
    } u;
} cps_net_message;

/* Appends one whole frame (length, type, payload) for m to b. For a block or transaction the
 * payload is packed from the structure (`raw` is ignored). Returns 0 or b's error;
 * CPS_ERR_INVALID_ARG for an unknown type or an agent longer than CPS_NET_AGENT_MAX. */
CPS_MUST_USE int cps_net_message_encode(cps_buf *b, const cps_net_message *m);
/* Appends a frame whose payload is given as bytes already packed (for relaying a block or a
 * transaction without re-packing it). */
CPS_MUST_USE int cps_net_frame_encode(cps_buf *b, uint8_t type, const void *payload, size_t n);

/* Reads a frame's length from its 4-byte header and checks it: CPS_ERR_FORMAT for 0,
 * CPS_ERR_LIMIT above max_message_size. */
CPS_MUST_USE int cps_net_frame_length(const uint8_t header[CPS_NET_FRAME_HEADER],
                                      uint32_t max_message_size, uint32_t *length);

/* Decodes a frame's body (type byte + payload, `n` = the frame's length). Strict: unknown type
 * (CPS_ERR_UNSUPPORTED), truncated (CPS_ERR_TRUNCATED), trailing bytes (CPS_ERR_TRAILING),
 * inconsistent fields (CPS_ERR_FORMAT), abi's errors inside blocks and transactions; the detail
 * names the message and field. `out` borrows `body` and arrays from `a` (caller frees `a`). */
CPS_MUST_USE int cps_net_message_decode(const uint8_t *body, size_t n, cps_arena *a,
                                        cps_net_message *out);

/* Decodes one whole frame from the start of data; *consumed = bytes used. CPS_ERR_TRUNCATED
 * when data holds less than one frame. */
CPS_MUST_USE int cps_net_frame_decode(const uint8_t *data, size_t n, uint32_t max_message_size,
                                      cps_arena *a, cps_net_message *out, size_t *consumed);

/* The digest a producer signs for a finality vote:
 * sha256("cps-vote-v1" || chain_id || block_id || block_num u32 LE || producer u64 LE). */
void cps_net_vote_digest(const cps_checksum256 *chain_id, const cps_net_vote *v,
                         cps_checksum256 *digest);
/* Signs v (fills v->signature) with the producer's key. */
CPS_MUST_USE int cps_net_vote_sign(const cps_checksum256 *chain_id, const cps_private_key *key,
                                   cps_net_vote *v);
/* 0 if v's signature recovers to `key`, CPS_ERR_CRYPTO otherwise. */
CPS_MUST_USE int cps_net_vote_verify(const cps_checksum256 *chain_id, const cps_public_key *key,
                                     const cps_net_vote *v);
/* The de-duplication id of a vote: sha256 of its payload. */
void cps_net_vote_id(const cps_net_vote *v, cps_checksum256 *id);

/* ==========================================================================================
 * Options, named as nodeos names them. The node fills a cps_net_config with
 * cps_net_config_init, then cps_net_config_set for each option given, and frees it with
 * cps_net_config_free (the config owns copies of every string).
 * ========================================================================================== */

/* Splits "host:port", "[v6addr]:port" or "host" (port = default_port) into host (NUL-terminated,
 * host_cap bytes with the NUL) and port. Errors: CPS_ERR_FORMAT (bad port, empty host, unclosed
 * bracket), CPS_ERR_LIMIT (host too long). */
CPS_MUST_USE int cps_net_parse_endpoint(const char *s, uint16_t default_port, char *host,
                                        size_t host_cap, uint16_t *port);

struct cps_net_callbacks;

typedef struct cps_net_config {
    char *listen_endpoint;        /* --p2p-listen-endpoint; NULL: do not listen (NAT) */
    char **peer_addresses;        /* --p2p-peer-address, repeatable */
    size_t peer_address_count;
    char agent_name[CPS_NET_AGENT_MAX + 1]; /* --agent-name */
    uint32_t max_nodes_per_host;  /* --p2p-max-nodes-per-host (inbound), default 1 */
    uint32_t max_clients;         /* --max-clients: inbound connections, default 25; 0 = none */
    uint32_t max_message_size;    /* default CPS_NET_MAX_MESSAGE_DEFAULT */
    uint32_t keepalive_ms;        /* ping a peer we have not written to for this long (10 s) */
    uint32_t timeout_ms;          /* drop a peer we have not heard from for this long (30 s) */
    uint32_t handshake_timeout_ms;/* drop a connection that has not handshaken (5 s) */
    uint32_t reconnect_min_ms;    /* first reconnect delay (500 ms), doubling ... */
    uint32_t reconnect_max_ms;    /* ... up to this (30 s) */
    size_t write_queue_max;       /* bytes queued to one peer before it is dropped (32 MiB) */
    uint32_t dedup_capacity;      /* ids remembered per kind (blocks, trxs, votes): 16384 */
    uint32_t ban_threshold;       /* score at which a host is banned (100) */
    uint32_t ban_ms;              /* ban length; scores decay to zero over it (60 s); 0: never */
} cps_net_config;

void cps_net_config_init(cps_net_config *c);
void cps_net_config_free(cps_net_config *c);
/* Applies one option by its nodeos name without the dashes: "p2p-listen-endpoint",
 * "p2p-peer-address" (appends), "p2p-max-nodes-per-host", "max-clients", "agent-name".
 * Errors: CPS_ERR_NOT_FOUND (unknown option), CPS_ERR_FORMAT / CPS_ERR_OVERFLOW /
 * CPS_ERR_LIMIT (bad value, with a detail naming the option), CPS_ERR_NOMEM. */
CPS_MUST_USE int cps_net_config_set(cps_net_config *c, const char *option, const char *value);

/* ==========================================================================================
 * The P2P node object.
 * ========================================================================================== */
typedef struct cps_net cps_net;

/* What the node learns about a peer; valid for the duration of the callback it is passed to. */
typedef struct cps_net_peer_info {
    uint64_t id;          /* this process's handle for the peer: never reused */
    bool outgoing;        /* we connected to it */
    char address[80];     /* remote "ip:port" (or the dialled address) */
    const cps_net_handshake *handshake; /* NULL before the handshake */
} cps_net_peer_info;

/* Callbacks on the loop thread. The *_received ones return 0 if the item was accepted (it is then
 * relayed to the other peers), CPS_ERR_EXISTS if it was already known (not relayed, no penalty),
 * CPS_ERR_STATE if it cannot be used now, e.g. a block that does not link yet (not relayed, no
 * penalty, and its id is forgotten so it may be taken again), or another negative code if it is
 * invalid: the peer is sent go_away(invalid), disconnected and its host scored down.
 * peer_connected runs after an accepted handshake; peer_disconnected runs for every established
 * connection that ends (info.handshake NULL if it never handshook), but not for inbound
 * connections refused at once (limits, bans). Any callback may be NULL (then items are accepted). Callbacks may call
 * the send/broadcast functions below but must not close the cps_net. */
typedef struct cps_net_callbacks {
    void (*peer_connected)(void *ctx, const cps_net_peer_info *peer);
    /* reason: enum cps_net_go_away_reason (ours if we closed, theirs if they sent go_away). */
    void (*peer_disconnected)(void *ctx, const cps_net_peer_info *peer, int reason);
    int (*block_received)(void *ctx, const cps_net_peer_info *peer, const cps_net_block *block);
    int (*transaction_received)(void *ctx, const cps_net_peer_info *peer,
                                const cps_net_transaction *trx);
    int (*vote_received)(void *ctx, const cps_net_peer_info *peer, const cps_net_vote *vote);
    /* The peer asks for blocks start..end: the node answers with cps_net_send_block (now or
     * later) from its block log / fork database. */
    void (*blocks_requested)(void *ctx, const cps_net_peer_info *peer, uint32_t start_num,
                             uint32_t end_num);
    /* The peer's head moved (a notice). */
    void (*notice_received)(void *ctx, const cps_net_peer_info *peer, const cps_net_notice *n);
} cps_net_callbacks;

/* Creates a P2P object on `loop` (borrowed; must outlive it) for the chain `chain_id`. The
 * config is copied. If SIGPIPE has its default disposition it is set to ignored (process-wide),
 * so that a peer resetting its connection cannot kill the process. Nothing happens on the network until cps_net_start. Caller releases with
 * cps_net_close. Errors: CPS_ERR_INVALID_ARG (bad config values), CPS_ERR_NOMEM. */
CPS_MUST_USE int cps_net_create(uv_loop_t *loop, const cps_net_config *config,
                                const cps_checksum256 *chain_id, const cps_net_callbacks *cb,
                                void *ctx, cps_net **out);
/* Binds the listen endpoint (if any) and starts connecting to the peer addresses. Errors:
 * CPS_ERR_NET with the libuv reason (address in use, ...), CPS_ERR_FORMAT (bad endpoint). */
CPS_MUST_USE int cps_net_start(cps_net *net);
/* Sends go_away(shutdown) to every peer and closes everything; the memory is freed from the
 * loop once the last handle has closed (run the loop until it returns). No callback runs after
 * this call. */
void cps_net_close(cps_net *net);

/* The port actually bound (for an endpoint with port 0), 0 when not listening. */
uint16_t cps_net_listen_port(const cps_net *net);
const cps_checksum256 *cps_net_node_id(const cps_net *net);
/* Adds an outgoing peer address at run time (as --p2p-peer-address). */
CPS_MUST_USE int cps_net_connect(cps_net *net, const char *address);

/* The head and last irreversible block put in handshakes; with `announce`, a notice goes to every
 * active peer. */
void cps_net_set_head(cps_net *net, uint32_t head_num, const cps_checksum256 *head_id,
                      uint32_t lib_num, const cps_checksum256 *lib_id, bool announce);

/* Gossip of the node's own items: the bytes are validated (decoded) and copied, the id is
 * remembered so that the item is not taken back from peers, and a frame goes to every active
 * peer. Errors: the decoder's (the bytes are not a valid signed_block / packed_transaction). */
CPS_MUST_USE int cps_net_broadcast_block(cps_net *net, const uint8_t *signed_block, size_t n);
CPS_MUST_USE int cps_net_broadcast_transaction(cps_net *net, const uint8_t *packed_trx, size_t n);
CPS_MUST_USE int cps_net_broadcast_vote(cps_net *net, const cps_net_vote *vote);
/* Forgets a transaction id taken from a peer (its callback returned 0 or CPS_ERR_EXISTS) that the
 * node later could not use after all (e.g. its queue was full): the same transaction is taken
 * again when a peer sends it once more. */
void cps_net_forget_transaction(cps_net *net, const cps_checksum256 *id);

/* To one peer by id: CPS_ERR_NOT_FOUND if it is gone (not an error for the node to worry
 * about), CPS_ERR_INVALID_ARG for a range the protocol does not allow. */
CPS_MUST_USE int cps_net_send_block(cps_net *net, uint64_t peer_id, const uint8_t *signed_block,
                                    size_t n);
CPS_MUST_USE int cps_net_request_blocks(cps_net *net, uint64_t peer_id, uint32_t start_num,
                                        uint32_t end_num);
/* Disconnects a peer with a reason (e.g. the node found its block invalid later); with
 * `penalize`, the host is scored down as for invalid data. */
CPS_MUST_USE int cps_net_disconnect(cps_net *net, uint64_t peer_id, int reason, bool penalize);

/* Counters, for tests, metrics and the node's status page. */
typedef struct cps_net_stats {
    uint32_t peers_active;   /* handshaken */
    uint32_t peers_total;    /* every open connection */
    uint64_t messages_in, messages_out;
    uint64_t bytes_in, bytes_out;
    uint64_t duplicates;     /* gossiped items dropped because already seen */
    uint64_t violations;     /* peers dropped for malformed or invalid data */
    uint64_t rejected;       /* inbound connections refused (limits, bans) */
    uint64_t connects;       /* outgoing connection attempts */
} cps_net_stats;
void cps_net_get_stats(const cps_net *net, cps_net_stats *out);

/* The active peers, at most `cap` written to out (handshake pointers valid until control returns
 * to the loop); returns the number of active peers. */
size_t cps_net_peers(const cps_net *net, cps_net_peer_info *out, size_t cap);

/* True if `host` (numeric IP text) is banned now. */
bool cps_net_is_banned(const cps_net *net, const char *host);

#endif
