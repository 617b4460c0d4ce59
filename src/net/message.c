/* net: the P2P message codec — frames (length + type + payload) and the strict encoders and
 * decoders of every message drawn in net.h. Every decoder fails with a CPS_ERR_* code and a
 * detail naming the message and field; nothing here trusts the bytes it reads. */
#include "net/net.h"

#include <string.h>

static const char *const type_names[CPS_NET_MSG_COUNT] = {
    "handshake", "go_away", "time", "request_blocks", "block", "transaction", "vote", "notice",
};

static const char *const go_away_names[CPS_NET_GO_AWAY_COUNT] = {
    "none",      "self",    "duplicate", "wrong chain", "wrong version", "malformed",
    "invalid",   "limit",   "slow",      "timeout",     "shutdown",      "banned",
};

const char *cps_net_go_away_reason_name(int reason)
{
    if (reason < 0 || reason >= CPS_NET_GO_AWAY_COUNT) return "unknown";
    return go_away_names[reason];
}

/* ---- encoding -------------------------------------------------------------------------------- */

static void write_checksum(cps_buf *b, const cps_checksum256 *c)
{
    cps_write_bytes(b, c->b, sizeof c->b);
}

static int write_payload(cps_buf *b, const cps_net_message *m)
{
    switch (m->type) {
    case CPS_NET_MSG_HANDSHAKE: {
        const cps_net_handshake *h = &m->u.handshake;
        size_t agent_len = strnlen(h->agent, sizeof h->agent);
        if (agent_len > CPS_NET_AGENT_MAX)
            return cps_fail(CPS_ERR_INVALID_ARG, "handshake agent longer than %d bytes",
                            CPS_NET_AGENT_MAX);
        cps_write_u16(b, h->protocol_version);
        write_checksum(b, &h->chain_id);
        write_checksum(b, &h->node_id);
        cps_write_u32(b, h->head_num);
        write_checksum(b, &h->head_id);
        cps_write_u32(b, h->lib_num);
        write_checksum(b, &h->lib_id);
        cps_write_u64(b, (uint64_t)h->time_us);
        cps_write_u16(b, h->listen_port);
        cps_write_blob(b, h->agent, agent_len);
        return b->failed;
    }
    case CPS_NET_MSG_GO_AWAY:
        return cps_write_u8(b, m->u.go_away_reason);
    case CPS_NET_MSG_TIME:
        cps_write_u8(b, m->u.time.kind);
        cps_write_u64(b, (uint64_t)m->u.time.origin_us);
        return cps_write_u64(b, (uint64_t)m->u.time.sent_us);
    case CPS_NET_MSG_REQUEST_BLOCKS:
        cps_write_u32(b, m->u.request_blocks.start_num);
        return cps_write_u32(b, m->u.request_blocks.end_num);
    case CPS_NET_MSG_BLOCK:
        return cps_abi_signed_block_pack(b, &m->u.block.block);
    case CPS_NET_MSG_TRANSACTION:
        return cps_abi_packed_transaction_pack(b, &m->u.transaction.packed);
    case CPS_NET_MSG_VOTE:
        cps_write_u64(b, m->u.vote.producer);
        write_checksum(b, &m->u.vote.block_id);
        cps_write_u32(b, m->u.vote.block_num);
        return cps_signature_pack(b, &m->u.vote.signature);
    case CPS_NET_MSG_NOTICE:
        cps_write_u32(b, m->u.notice.head_num);
        write_checksum(b, &m->u.notice.head_id);
        cps_write_u32(b, m->u.notice.lib_num);
        write_checksum(b, &m->u.notice.lib_id);
        return b->failed;
    default:
        return cps_fail(CPS_ERR_INVALID_ARG, "unknown message type %u", m->type);
    }
}

/* The length is written last (patched in), so the payload is packed once, straight into b. */
int cps_net_message_encode(cps_buf *b, const cps_net_message *m)
{
    if (b->failed) return b->failed;
    size_t start = b->size;
    cps_write_u32(b, 0);
    cps_write_u8(b, m->type);
    int rc = write_payload(b, m);
    if (rc == 0) rc = b->failed;
    if (rc != 0) {
        if (!b->failed) b->size = start;
        return rc;
    }
    size_t len = b->size - start - CPS_NET_FRAME_HEADER;
    if (len > CPS_NET_MAX_MESSAGE_LIMIT) {
        b->size = start;
        return cps_fail(CPS_ERR_LIMIT, "%s message of %zu bytes exceeds the %u-byte limit",
                        m->type < CPS_NET_MSG_COUNT ? type_names[m->type] : "?", len,
                        CPS_NET_MAX_MESSAGE_LIMIT);
    }
    cps_store_u32(b->data + start, (uint32_t)len);
    return 0;
}

int cps_net_frame_encode(cps_buf *b, uint8_t type, const void *payload, size_t n)
{
    if (type >= CPS_NET_MSG_COUNT) return cps_fail(CPS_ERR_INVALID_ARG, "unknown type %u", type);
    if (n >= CPS_NET_MAX_MESSAGE_LIMIT)
        return cps_fail(CPS_ERR_LIMIT, "payload of %zu bytes exceeds the message limit", n);
    cps_write_u32(b, (uint32_t)(n + 1));
    cps_write_u8(b, type);
    return cps_write_bytes(b, payload, n);
}

/* ---- decoding -------------------------------------------------------------------------------- */

int cps_net_frame_length(const uint8_t header[CPS_NET_FRAME_HEADER], uint32_t max_message_size,
                         uint32_t *length)
{
    uint32_t len = cps_load_u32(header);
    if (len == 0) return cps_fail(CPS_ERR_FORMAT, "frame length 0 (a frame holds a type byte)");
    if (len > max_message_size)
        return cps_fail(CPS_ERR_LIMIT, "frame length %u exceeds the maximum message size %u", len,
                        max_message_size);
    *length = len;
    return 0;
}

static int read_checksum(cps_reader *r, cps_checksum256 *c)
{
    return cps_read_bytes(r, c->b, sizeof c->b);
}

/* A (num, id) pair is consistent when the id carries the number (block ids do, in their first
 * four bytes); a zero id stands for "no block" and goes with num 0. */
static int check_block_ref(const char *what, uint32_t num, const cps_checksum256 *id)
{
    uint32_t in_id = cps_abi_block_num_from_id(id);
    if (in_id != num)
        return cps_fail(CPS_ERR_FORMAT, "%s: block number %u but the id carries %u", what, num,
                        in_id);
    return 0;
}

static int check_head_lib(uint32_t head_num, const cps_checksum256 *head_id, uint32_t lib_num,
                          const cps_checksum256 *lib_id)
{
    int rc = check_block_ref("head", head_num, head_id);
    if (rc == 0) rc = check_block_ref("last irreversible", lib_num, lib_id);
    if (rc == 0 && lib_num > head_num)
        rc = cps_fail(CPS_ERR_FORMAT, "last irreversible block %u is above head %u", lib_num,
                      head_num);
    return rc;
}

static int decode_handshake(cps_reader *r, cps_net_handshake *h)
{
    uint64_t t;
    const uint8_t *agent;
    size_t agent_len;
    int rc;
    memset(h, 0, sizeof *h);
    if ((rc = cps_read_u16(r, &h->protocol_version)) || (rc = read_checksum(r, &h->chain_id)) ||
        (rc = read_checksum(r, &h->node_id)) || (rc = cps_read_u32(r, &h->head_num)) ||
        (rc = read_checksum(r, &h->head_id)) || (rc = cps_read_u32(r, &h->lib_num)) ||
        (rc = read_checksum(r, &h->lib_id)) || (rc = cps_read_u64(r, &t)) ||
        (rc = cps_read_u16(r, &h->listen_port)) || (rc = cps_read_blob(r, &agent, &agent_len)))
        return rc;
    h->time_us = (int64_t)t;
    if (agent_len > CPS_NET_AGENT_MAX)
        return cps_fail(CPS_ERR_LIMIT, "agent of %zu bytes (at most %d)", agent_len,
                        CPS_NET_AGENT_MAX);
    for (size_t i = 0; i < agent_len; i++)
        if (agent[i] < 0x20 || agent[i] > 0x7e)
            return cps_fail(CPS_ERR_FORMAT, "agent byte %zu is 0x%02x (printable ASCII only)", i,
                            agent[i]);
    memcpy(h->agent, agent, agent_len);
    h->agent[agent_len] = 0;
    return check_head_lib(h->head_num, &h->head_id, h->lib_num, &h->lib_id);
}

static int decode_payload(cps_reader *r, cps_arena *a, cps_net_message *m)
{
    int rc;
    switch (m->type) {
    case CPS_NET_MSG_HANDSHAKE:
        return decode_handshake(r, &m->u.handshake);
    case CPS_NET_MSG_GO_AWAY:
        if ((rc = cps_read_u8(r, &m->u.go_away_reason))) return rc;
        if (m->u.go_away_reason >= CPS_NET_GO_AWAY_COUNT)
            return cps_fail(CPS_ERR_FORMAT, "unknown reason %u", m->u.go_away_reason);
        return 0;
    case CPS_NET_MSG_TIME: {
        uint64_t o, s;
        if ((rc = cps_read_u8(r, &m->u.time.kind)) || (rc = cps_read_u64(r, &o)) ||
            (rc = cps_read_u64(r, &s)))
            return rc;
        if (m->u.time.kind > CPS_NET_TIME_PONG)
            return cps_fail(CPS_ERR_FORMAT, "unknown kind %u (0 ping, 1 pong)", m->u.time.kind);
        m->u.time.origin_us = (int64_t)o;
        m->u.time.sent_us = (int64_t)s;
        return 0;
    }
    case CPS_NET_MSG_REQUEST_BLOCKS: {
        cps_net_block_range *q = &m->u.request_blocks;
        if ((rc = cps_read_u32(r, &q->start_num)) || (rc = cps_read_u32(r, &q->end_num))) return rc;
        if (q->start_num == 0 || q->start_num > q->end_num)
            return cps_fail(CPS_ERR_FORMAT, "empty or inverted range %u..%u", q->start_num,
                            q->end_num);
        if (q->end_num - q->start_num >= CPS_NET_MAX_REQUEST_RANGE)
            return cps_fail(CPS_ERR_LIMIT, "range %u..%u longer than %d blocks", q->start_num,
                            q->end_num, CPS_NET_MAX_REQUEST_RANGE);
        return 0;
    }
    case CPS_NET_MSG_BLOCK: {
        cps_net_block *b = &m->u.block;
        size_t start = r->pos;
        if ((rc = cps_abi_signed_block_unpack(r, a, &b->block))) return rc;
        b->raw.data = r->data + start;
        b->raw.size = r->pos - start;
        if ((rc = cps_abi_block_id(&b->block.signed_header.header, &b->id))) return rc;
        b->num = cps_abi_block_num_from_id(&b->id);
        return 0;
    }
    case CPS_NET_MSG_TRANSACTION: {
        cps_net_transaction *t = &m->u.transaction;
        size_t start = r->pos;
        cps_bytes raw_trx;
        if ((rc = cps_abi_packed_transaction_unpack(r, a, &t->packed))) return rc;
        t->raw.data = r->data + start;
        t->raw.size = r->pos - start;
        if ((rc = cps_abi_packed_transaction_get(&t->packed, a, &t->trx, &raw_trx)))
            return cps_fail_prefix(rc, "packed_trx");
        cps_abi_transaction_id_raw(raw_trx.data, raw_trx.size, &t->id);
        return 0;
    }
    case CPS_NET_MSG_VOTE: {
        cps_net_vote *v = &m->u.vote;
        if ((rc = cps_read_u64(r, &v->producer)) || (rc = read_checksum(r, &v->block_id)) ||
            (rc = cps_read_u32(r, &v->block_num)) || (rc = cps_signature_unpack(r, &v->signature)))
            return rc;
        if (v->block_num == 0) return cps_fail(CPS_ERR_FORMAT, "vote for block number 0");
        return check_block_ref("voted block", v->block_num, &v->block_id);
    }
    case CPS_NET_MSG_NOTICE: {
        cps_net_notice *n = &m->u.notice;
        if ((rc = cps_read_u32(r, &n->head_num)) || (rc = read_checksum(r, &n->head_id)) ||
            (rc = cps_read_u32(r, &n->lib_num)) || (rc = read_checksum(r, &n->lib_id)))
            return rc;
        return check_head_lib(n->head_num, &n->head_id, n->lib_num, &n->lib_id);
    }
    default:
        return cps_fail(CPS_ERR_UNSUPPORTED, "unknown message type %u", m->type);
    }
}

int cps_net_message_decode(const uint8_t *body, size_t n, cps_arena *a, cps_net_message *out)
{
    if (n < 1) return cps_fail(CPS_ERR_TRUNCATED, "message without a type byte");
    memset(out, 0, sizeof *out);
    out->type = body[0];
    if (out->type >= CPS_NET_MSG_COUNT)
        return cps_fail(CPS_ERR_UNSUPPORTED, "unknown message type %u", out->type);
    cps_reader r = cps_reader_make(body + 1, n - 1);
    int rc = decode_payload(&r, a, out);
    if (rc == 0) rc = cps_read_end(&r);
    if (rc != 0)
        return cps_fail_prefix(rc, "%s message (payload offset %zu)", type_names[out->type],
                               r.pos);
    return 0;
}

int cps_net_frame_decode(const uint8_t *data, size_t n, uint32_t max_message_size, cps_arena *a,
                         cps_net_message *out, size_t *consumed)
{
    uint32_t len;
    if (n < CPS_NET_FRAME_HEADER)
        return cps_fail(CPS_ERR_TRUNCATED, "frame header needs 4 bytes, %zu given", n);
    int rc = cps_net_frame_length(data, max_message_size, &len);
    if (rc) return rc;
    if (n - CPS_NET_FRAME_HEADER < len)
        return cps_fail(CPS_ERR_TRUNCATED, "frame of %u bytes, %zu given", len,
                        n - CPS_NET_FRAME_HEADER);
    if ((rc = cps_net_message_decode(data + CPS_NET_FRAME_HEADER, len, a, out))) return rc;
    *consumed = CPS_NET_FRAME_HEADER + (size_t)len;
    return 0;
}

/* ---- votes ----------------------------------------------------------------------------------- */

void cps_net_vote_digest(const cps_checksum256 *chain_id, const cps_net_vote *v,
                         cps_checksum256 *digest)
{
    cps_abi_vote_digest(chain_id, v->producer, &v->block_id, v->block_num, digest);
}

int cps_net_vote_sign(const cps_checksum256 *chain_id, const cps_private_key *key, cps_net_vote *v)
{
    cps_checksum256 d;
    cps_net_vote_digest(chain_id, v, &d);
    return cps_sign(key, d.b, &v->signature);
}

int cps_net_vote_verify(const cps_checksum256 *chain_id, const cps_public_key *key,
                        const cps_net_vote *v)
{
    cps_checksum256 d;
    cps_net_vote_digest(chain_id, v, &d);
    return cps_verify(key, d.b, &v->signature);
}

void cps_net_vote_id(const cps_net_vote *v, cps_checksum256 *id)
{
    uint8_t buf[8 + 32 + 4 + 1 + 65];
    cps_store_u64(buf, v->producer);
    memcpy(buf + 8, v->block_id.b, 32);
    cps_store_u32(buf + 40, v->block_num);
    buf[44] = v->signature.type;
    memcpy(buf + 45, v->signature.data, 65);
    cps_sha256(buf, sizeof buf, id->b);
}
