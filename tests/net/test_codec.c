/* net: the P2P message codec (round trips of every message, every decoder error path, frame
 * lengths), vote digests and signatures, the bounded LRU and the nodeos-named options. */
#include "net/net_fixtures.h"
#include "net/net_internal.h"
#include "test.h"

/* Encodes m, decodes the frame back and re-encodes: the bytes must be identical. */
static int round_trip(const cps_net_message *m, cps_net_message *back, cps_buf *frame,
                      cps_arena *a)
{
    int rc = cps_net_message_encode(frame, m);
    if (rc) return rc;
    size_t used = 0;
    rc = cps_net_frame_decode(frame->data, frame->size, CPS_NET_MAX_MESSAGE_DEFAULT, a, back, &used);
    if (rc) return rc;
    if (used != frame->size) return -1000;
    cps_buf again;
    cps_buf_init(&again);
    rc = cps_net_message_encode(&again, back);
    if (rc == 0 && (again.size != frame->size || memcmp(again.data, frame->data, again.size)))
        rc = -1001;
    cps_buf_free(&again);
    return rc;
}

/* Decodes a body given as type + payload bytes. */
static int decode_body(uint8_t type, const uint8_t *payload, size_t n, cps_net_message *out)
{
    uint8_t body[4096];
    body[0] = type;
    if (n) memcpy(body + 1, payload, n);
    cps_arena a;
    cps_abi_arena_init(&a);
    int rc = cps_net_message_decode(body, n + 1, &a, out);
    cps_abi_arena_free(&a);
    return rc;
}

static cps_net_message sample_handshake(void)
{
    cps_net_message m;
    memset(&m, 0, sizeof m);
    m.type = CPS_NET_MSG_HANDSHAKE;
    m.u.handshake.protocol_version = CPS_NET_PROTOCOL_VERSION;
    m.u.handshake.chain_id = fixture_chain_id(0xaa);
    m.u.handshake.node_id = fixture_chain_id(0x17);
    m.u.handshake.head_num = 120;
    m.u.handshake.head_id = fixture_block_id(120, 3);
    m.u.handshake.lib_num = 100;
    m.u.handshake.lib_id = fixture_block_id(100, 4);
    m.u.handshake.time_us = -5; /* any value travels */
    m.u.handshake.listen_port = 9876;
    strcpy(m.u.handshake.agent, "CPS test agent");
    return m;
}

TEST(handshake_round_trip)
{
    cps_net_message m = sample_handshake(), back;
    cps_buf f;
    cps_buf_init(&f);
    cps_arena a;
    cps_abi_arena_init(&a);
    ASSERT_OK(round_trip(&m, &back, &f, &a));
    ASSERT_EQ(back.type, CPS_NET_MSG_HANDSHAKE);
    ASSERT_EQ(cps_load_u32(f.data), f.size - 4);
    ASSERT_EQ(f.data[4], CPS_NET_MSG_HANDSHAKE);
    ASSERT_EQ(back.u.handshake.head_num, 120);
    ASSERT_EQ(back.u.handshake.lib_num, 100);
    ASSERT_EQ(back.u.handshake.time_us, -5);
    ASSERT_EQ(back.u.handshake.listen_port, 9876);
    ASSERT_MEM_EQ(back.u.handshake.node_id.b, m.u.handshake.node_id.b, 32);
    ASSERT_STR_EQ(back.u.handshake.agent, "CPS test agent");
    /* 2 + 32*2 + (4+32)*2 + 8 + 2 + 1 + 14 bytes of payload, plus the type byte. */
    ASSERT_EQ(f.size, 4 + 1 + 2 + 64 + 72 + 8 + 2 + 1 + 14);
    cps_abi_arena_free(&a);
    cps_buf_free(&f);
}

TEST(small_messages_round_trip)
{
    cps_net_message ms[5];
    memset(ms, 0, sizeof ms);
    ms[0].type = CPS_NET_MSG_GO_AWAY;
    ms[0].u.go_away_reason = CPS_NET_GO_AWAY_WRONG_CHAIN;
    ms[1].type = CPS_NET_MSG_TIME;
    ms[1].u.time.kind = CPS_NET_TIME_PONG;
    ms[1].u.time.origin_us = 1700000000000000;
    ms[1].u.time.sent_us = 1700000000000123;
    ms[2].type = CPS_NET_MSG_REQUEST_BLOCKS;
    ms[2].u.request_blocks.start_num = 5;
    ms[2].u.request_blocks.end_num = 5 + CPS_NET_MAX_REQUEST_RANGE - 1;
    ms[3].type = CPS_NET_MSG_NOTICE;
    ms[3].u.notice.head_num = 9;
    ms[3].u.notice.head_id = fixture_block_id(9, 1);
    ms[4].type = CPS_NET_MSG_VOTE;
    ms[4].u.vote.producer = cps_abi_name("producer1");
    ms[4].u.vote.block_num = 77;
    ms[4].u.vote.block_id = fixture_block_id(77, 9);
    ms[4].u.vote.signature.type = CPS_KEY_K1;
    ms[4].u.vote.signature.data[0] = 32;
    for (size_t i = 0; i < CPS_ARRAY_LEN(ms); i++) {
        cps_net_message back;
        cps_buf f;
        cps_buf_init(&f);
        cps_arena a;
        cps_abi_arena_init(&a);
        ASSERT_OK(round_trip(&ms[i], &back, &f, &a));
        ASSERT_EQ(back.type, ms[i].type);
        cps_abi_arena_free(&a);
        cps_buf_free(&f);
    }
}

TEST(block_message_carries_id_number_and_raw_bytes)
{
    cps_buf raw, f;
    cps_buf_init(&raw);
    cps_buf_init(&f);
    ASSERT_OK(fixture_block(&raw, 42, 5));
    ASSERT_OK(cps_net_frame_encode(&f, CPS_NET_MSG_BLOCK, raw.data, raw.size));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_net_message m, back;
    size_t used;
    ASSERT_OK(cps_net_frame_decode(f.data, f.size, CPS_NET_MAX_MESSAGE_DEFAULT, &a, &m, &used));
    ASSERT_EQ(used, f.size);
    ASSERT_EQ(m.u.block.num, 42);
    ASSERT_EQ(cps_abi_block_num_from_id(&m.u.block.id), 42);
    ASSERT_EQ(m.u.block.raw.size, raw.size);
    ASSERT_MEM_EQ(m.u.block.raw.data, raw.data, raw.size);
    cps_checksum256 id;
    ASSERT_OK(cps_abi_block_id(&m.u.block.block.signed_header.header, &id));
    ASSERT_MEM_EQ(id.b, m.u.block.id.b, 32);
    /* Encoding the structure gives the same frame as relaying the raw bytes. */
    cps_buf f2;
    cps_buf_init(&f2);
    ASSERT_OK(round_trip(&m, &back, &f2, &a));
    ASSERT_EQ(f2.size, f.size);
    ASSERT_MEM_EQ(f2.data, f.data, f.size);
    cps_buf_free(&f2);
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    cps_buf_free(&f);
}

TEST(transaction_message_computes_the_transaction_id)
{
    for (int comp = 0; comp <= 1; comp++) {
        cps_buf raw, f;
        cps_buf_init(&raw);
        cps_buf_init(&f);
        ASSERT_OK(fixture_transaction(&raw, 7, (enum cps_compression)comp));
        ASSERT_OK(cps_net_frame_encode(&f, CPS_NET_MSG_TRANSACTION, raw.data, raw.size));
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_net_message m;
        size_t used;
        ASSERT_OK(cps_net_frame_decode(f.data, f.size, CPS_NET_MAX_MESSAGE_DEFAULT, &a, &m, &used));
        ASSERT_EQ(m.u.transaction.trx.action_count, 1);
        cps_checksum256 id;
        ASSERT_OK(cps_abi_transaction_id(&m.u.transaction.trx, &id));
        ASSERT_MEM_EQ(id.b, m.u.transaction.id.b, 32);
        ASSERT_EQ(m.u.transaction.raw.size, raw.size);
        cps_abi_arena_free(&a);
        cps_buf_free(&raw);
        cps_buf_free(&f);
    }
}

/* Every strict prefix of a valid message fails to decode (and never reads past its end: the
 * copies are exactly sized, so ASan sees an overrun). */
TEST(every_truncation_fails)
{
    cps_net_message hs = sample_handshake();
    cps_buf frames[3];
    for (int i = 0; i < 3; i++) cps_buf_init(&frames[i]);
    ASSERT_OK(cps_net_message_encode(&frames[0], &hs));
    cps_buf raw;
    cps_buf_init(&raw);
    ASSERT_OK(fixture_block(&raw, 3, 1));
    ASSERT_OK(cps_net_frame_encode(&frames[1], CPS_NET_MSG_BLOCK, raw.data, raw.size));
    cps_buf_reset(&raw);
    ASSERT_OK(fixture_transaction(&raw, 1, CPS_COMPRESSION_NONE));
    ASSERT_OK(cps_net_frame_encode(&frames[2], CPS_NET_MSG_TRANSACTION, raw.data, raw.size));
    cps_buf_free(&raw);
    for (int i = 0; i < 3; i++) {
        const cps_buf *f = &frames[i];
        for (size_t n = 0; n < f->size - 4; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, f->data + 4, n);
            cps_arena a;
            cps_abi_arena_init(&a);
            cps_net_message m;
            int rc = cps_net_message_decode(copy, n, &a, &m);
            cps_abi_arena_free(&a);
            free(copy);
            ASSERT_MSG(rc < 0, "frame %d decoded from %zu of %zu bytes", i, n, f->size - 4);
        }
        /* and whole frames cut short report TRUNCATED */
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_net_message m;
        size_t used;
        ASSERT_EQ(cps_net_frame_decode(f->data, f->size - 1, CPS_NET_MAX_MESSAGE_DEFAULT, &a, &m,
                                       &used),
                  CPS_ERR_TRUNCATED);
        ASSERT_EQ(cps_net_frame_decode(f->data, 3, CPS_NET_MAX_MESSAGE_DEFAULT, &a, &m, &used),
                  CPS_ERR_TRUNCATED);
        cps_abi_arena_free(&a);
    }
    for (int i = 0; i < 3; i++) cps_buf_free(&frames[i]);
}

TEST(trailing_byte_is_rejected_in_every_message)
{
    cps_net_message m = sample_handshake();
    cps_buf f;
    cps_buf_init(&f);
    ASSERT_OK(cps_net_message_encode(&f, &m));
    cps_write_u8(&f, 0);
    cps_net_message out;
    ASSERT_EQ(decode_body(f.data[4], f.data + 5, f.size - 5, &out), CPS_ERR_TRAILING);
    ASSERT_CONTAINS(cps_last_error(), "handshake message");
    uint8_t go_away[2] = {1, 0};
    ASSERT_EQ(decode_body(CPS_NET_MSG_GO_AWAY, go_away, 2, &out), CPS_ERR_TRAILING);
    cps_buf raw;
    cps_buf_init(&raw);
    ASSERT_OK(fixture_block(&raw, 3, 1));
    cps_write_u8(&raw, 0);
    ASSERT_EQ(decode_body(CPS_NET_MSG_BLOCK, raw.data, raw.size, &out), CPS_ERR_TRAILING);
    cps_buf_free(&raw);
    cps_buf_free(&f);
}

TEST(frame_length_limits)
{
    uint8_t h[4];
    uint32_t len;
    cps_store_u32(h, 0);
    ASSERT_EQ(cps_net_frame_length(h, 1000, &len), CPS_ERR_FORMAT);
    cps_store_u32(h, 1001);
    ASSERT_EQ(cps_net_frame_length(h, 1000, &len), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "1001");
    cps_store_u32(h, 0xffffffffu);
    ASSERT_EQ(cps_net_frame_length(h, CPS_NET_MAX_MESSAGE_LIMIT, &len), CPS_ERR_LIMIT);
    cps_store_u32(h, 1000);
    ASSERT_OK(cps_net_frame_length(h, 1000, &len));
    ASSERT_EQ(len, 1000);
    /* frame_decode applies the same checks */
    uint8_t frame[8] = {0, 0, 0, 0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_net_message m;
    size_t used;
    ASSERT_EQ(cps_net_frame_decode(frame, sizeof frame, 1000, &a, &m, &used), CPS_ERR_FORMAT);
    cps_abi_arena_free(&a);
}

TEST(unknown_type_and_empty_body)
{
    cps_net_message out;
    ASSERT_EQ(decode_body(CPS_NET_MSG_COUNT, NULL, 0, &out), CPS_ERR_UNSUPPORTED);
    ASSERT_EQ(decode_body(0xff, NULL, 0, &out), CPS_ERR_UNSUPPORTED);
    ASSERT_CONTAINS(cps_last_error(), "unknown message type 255");
    cps_arena a;
    cps_abi_arena_init(&a);
    ASSERT_EQ(cps_net_message_decode((const uint8_t *)"", 0, &a, &out), CPS_ERR_TRUNCATED);
    cps_abi_arena_free(&a);
    cps_buf b;
    cps_buf_init(&b);
    out.type = 99;
    ASSERT_EQ(cps_net_message_encode(&b, &out), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(b.size, 0);
    ASSERT_EQ(cps_net_frame_encode(&b, 99, "", 0), CPS_ERR_INVALID_ARG);
    cps_buf_free(&b);
}

/* Re-encodes a handshake after `mutate` and expects the decoder to fail with `code`. */
static int handshake_error(void (*mutate)(cps_net_message *), int code, const char *needle)
{
    cps_net_message m = sample_handshake(), out;
    mutate(&m);
    cps_buf f;
    cps_buf_init(&f);
    int rc = cps_net_message_encode(&f, &m);
    if (rc == 0) rc = decode_body(f.data[4], f.data + 5, f.size - 5, &out);
    cps_buf_free(&f);
    if (rc != code) return 1;
    return test_contains(cps_last_error(), needle) ? 0 : 2;
}
static void hs_bad_head(cps_net_message *m)
{
    m->u.handshake.head_num = 121;
}
static void hs_bad_lib(cps_net_message *m)
{
    m->u.handshake.lib_id = fixture_block_id(99, 1);
}
static void hs_lib_above_head(cps_net_message *m)
{
    m->u.handshake.lib_num = 130;
    m->u.handshake.lib_id = fixture_block_id(130, 1);
}
static void hs_control_char(cps_net_message *m)
{
    m->u.handshake.agent[3] = '\n';
}

TEST(handshake_field_errors)
{
    ASSERT_OK(handshake_error(hs_bad_head, CPS_ERR_FORMAT, "head: block number 121"));
    ASSERT_OK(handshake_error(hs_bad_lib, CPS_ERR_FORMAT, "last irreversible"));
    ASSERT_OK(handshake_error(hs_lib_above_head, CPS_ERR_FORMAT, "above head"));
    ASSERT_OK(handshake_error(hs_control_char, CPS_ERR_FORMAT, "agent byte 3"));
    /* An agent longer than the limit, written by hand (the encoder refuses it). */
    cps_net_message m = sample_handshake(), out;
    cps_buf f;
    cps_buf_init(&f);
    ASSERT_OK(cps_net_message_encode(&f, &m));
    size_t fixed = 2 + 64 + 72 + 8 + 2;
    cps_buf body;
    cps_buf_init(&body);
    cps_write_bytes(&body, f.data + 5, fixed);
    char agent[CPS_NET_AGENT_MAX + 1];
    memset(agent, 'x', sizeof agent);
    cps_write_blob(&body, agent, sizeof agent);
    ASSERT_EQ(decode_body(CPS_NET_MSG_HANDSHAKE, body.data, body.size, &out), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "agent of 257 bytes");
    cps_buf_free(&body);
    cps_buf_free(&f);
}

TEST(small_message_field_errors)
{
    cps_net_message out;
    uint8_t reason = CPS_NET_GO_AWAY_COUNT;
    ASSERT_EQ(decode_body(CPS_NET_MSG_GO_AWAY, &reason, 1, &out), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown reason");
    uint8_t time[17] = {2};
    ASSERT_EQ(decode_body(CPS_NET_MSG_TIME, time, sizeof time, &out), CPS_ERR_FORMAT);
    uint8_t range[8];
    cps_store_u32(range, 0);
    cps_store_u32(range + 4, 5);
    ASSERT_EQ(decode_body(CPS_NET_MSG_REQUEST_BLOCKS, range, 8, &out), CPS_ERR_FORMAT);
    cps_store_u32(range, 6);
    ASSERT_EQ(decode_body(CPS_NET_MSG_REQUEST_BLOCKS, range, 8, &out), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "inverted range 6..5");
    cps_store_u32(range, 1);
    cps_store_u32(range + 4, 1 + CPS_NET_MAX_REQUEST_RANGE);
    ASSERT_EQ(decode_body(CPS_NET_MSG_REQUEST_BLOCKS, range, 8, &out), CPS_ERR_LIMIT);
    /* votes: number 0, number disagreeing with the id, unknown signature type */
    cps_net_message v;
    memset(&v, 0, sizeof v);
    v.type = CPS_NET_MSG_VOTE;
    v.u.vote.signature.type = CPS_KEY_K1;
    cps_buf f;
    cps_buf_init(&f);
    ASSERT_OK(cps_net_message_encode(&f, &v));
    ASSERT_EQ(decode_body(f.data[4], f.data + 5, f.size - 5, &out), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "block number 0");
    v.u.vote.block_num = 5;
    v.u.vote.block_id = fixture_block_id(6, 0);
    cps_buf_reset(&f);
    ASSERT_OK(cps_net_message_encode(&f, &v));
    ASSERT_EQ(decode_body(f.data[4], f.data + 5, f.size - 5, &out), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "voted block");
    v.u.vote.block_id = fixture_block_id(5, 0);
    cps_buf_reset(&f);
    ASSERT_OK(cps_net_message_encode(&f, &v));
    ASSERT_OK(decode_body(f.data[4], f.data + 5, f.size - 5, &out));
    f.data[5 + 44] = 7; /* the signature's type byte */
    ASSERT(decode_body(f.data[4], f.data + 5, f.size - 5, &out) < 0);
    /* notice: lib above head */
    cps_net_message n;
    memset(&n, 0, sizeof n);
    n.type = CPS_NET_MSG_NOTICE;
    n.u.notice.lib_num = 1;
    n.u.notice.lib_id = fixture_block_id(1, 0);
    cps_buf_reset(&f);
    ASSERT_OK(cps_net_message_encode(&f, &n));
    ASSERT_EQ(decode_body(f.data[4], f.data + 5, f.size - 5, &out), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "notice message");
    cps_buf_free(&f);
}

TEST(transaction_whose_inner_transaction_does_not_decode_is_rejected)
{
    /* A packed_transaction shell around 3 bytes that are no transaction. */
    cps_buf b;
    cps_buf_init(&b);
    cps_write_varuint32(&b, 0); /* signatures */
    cps_write_u8(&b, 0);        /* compression none */
    cps_write_blob(&b, "", 0);  /* cfd */
    cps_write_blob(&b, "abc", 3);
    cps_net_message out;
    ASSERT(decode_body(CPS_NET_MSG_TRANSACTION, b.data, b.size, &out) < 0);
    ASSERT_CONTAINS(cps_last_error(), "packed_trx");
    /* unknown compression */
    cps_buf_reset(&b);
    ASSERT_OK(fixture_transaction(&b, 1, CPS_COMPRESSION_NONE));
    b.data[1] = 9;
    ASSERT(decode_body(CPS_NET_MSG_TRANSACTION, b.data, b.size, &out) < 0);
    cps_buf_free(&b);
}

TEST(vote_sign_verify_and_id)
{
    cps_private_key key, other;
    cps_public_key pub, other_pub;
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &key));
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &other));
    ASSERT_OK(cps_key_public(&key, &pub));
    ASSERT_OK(cps_key_public(&other, &other_pub));
    cps_checksum256 chain = fixture_chain_id(1), chain2 = fixture_chain_id(2);
    cps_net_vote v = {cps_abi_name("prod.a"), fixture_block_id(10, 2), 10, {0}};
    ASSERT_OK(cps_net_vote_sign(&chain, &key, &v));
    ASSERT_OK(cps_net_vote_verify(&chain, &pub, &v));
    ASSERT_EQ(cps_net_vote_verify(&chain, &other_pub, &v), CPS_ERR_CRYPTO);
    ASSERT_EQ(cps_net_vote_verify(&chain2, &pub, &v), CPS_ERR_CRYPTO);
    cps_net_vote w = v;
    w.producer = cps_abi_name("prod.b");
    ASSERT_EQ(cps_net_vote_verify(&chain, &pub, &w), CPS_ERR_CRYPTO);
    cps_checksum256 id1, id2;
    cps_net_vote_id(&v, &id1);
    cps_net_vote_id(&w, &id2);
    ASSERT(memcmp(id1.b, id2.b, 32) != 0);
    cps_net_vote_id(&v, &id2);
    ASSERT_MEM_EQ(id1.b, id2.b, 32);
    cps_private_key_wipe(&key);
    cps_private_key_wipe(&other);
}

TEST(lru_evicts_least_recently_used)
{
    cps_net_lru l;
    ASSERT_OK(cps_net__lru_init(&l, 3, 12345));
    cps_checksum256 ids[5];
    for (int i = 0; i < 5; i++) ids[i] = fixture_block_id((uint32_t)i, (uint8_t)i);
    ASSERT(cps_net__lru_add(&l, &ids[0]));
    ASSERT(cps_net__lru_add(&l, &ids[1]));
    ASSERT(cps_net__lru_add(&l, &ids[2]));
    ASSERT(!cps_net__lru_add(&l, &ids[0])); /* seen: refreshed, now the newest */
    ASSERT(cps_net__lru_add(&l, &ids[3]));  /* evicts ids[1], the least recent */
    ASSERT(cps_net__lru_contains(&l, &ids[0]));
    ASSERT(!cps_net__lru_contains(&l, &ids[1]));
    ASSERT(cps_net__lru_contains(&l, &ids[2]));
    ASSERT_EQ(l.count, 3);
    cps_net__lru_remove(&l, &ids[2]);
    ASSERT(!cps_net__lru_contains(&l, &ids[2]));
    ASSERT_EQ(l.count, 2);
    ASSERT(cps_net__lru_add(&l, &ids[4]));
    ASSERT(cps_net__lru_add(&l, &ids[2])); /* evicts ids[0]: order was 0, 3, 4 */
    ASSERT(!cps_net__lru_contains(&l, &ids[0]));
    ASSERT(cps_net__lru_contains(&l, &ids[3]));
    ASSERT_EQ(l.count, 3);
    cps_net__lru_free(&l);
    ASSERT_EQ(cps_net__lru_init(&l, 0, 1), CPS_ERR_INVALID_ARG);
}

TEST(lru_many_ids_stay_bounded)
{
    cps_net_lru l;
    ASSERT_OK(cps_net__lru_init(&l, 1000, 99));
    for (uint32_t i = 0; i < 50000; i++) {
        cps_checksum256 id;
        uint8_t seed[4];
        cps_store_u32(seed, i);
        cps_sha256(seed, 4, id.b);
        ASSERT(cps_net__lru_add(&l, &id));
    }
    ASSERT_EQ(l.count, 1000);
    for (uint32_t i = 49000; i < 50000; i++) {
        cps_checksum256 id;
        uint8_t seed[4];
        cps_store_u32(seed, i);
        cps_sha256(seed, 4, id.b);
        ASSERT(cps_net__lru_contains(&l, &id));
    }
    cps_net__lru_free(&l);
}

TEST(endpoint_parsing)
{
    char host[64];
    uint16_t port;
    ASSERT_OK(cps_net_parse_endpoint("0.0.0.0:9876", 1, host, sizeof host, &port));
    ASSERT_STR_EQ(host, "0.0.0.0");
    ASSERT_EQ(port, 9876);
    ASSERT_OK(cps_net_parse_endpoint("peer.example.com", 1234, host, sizeof host, &port));
    ASSERT_STR_EQ(host, "peer.example.com");
    ASSERT_EQ(port, 1234);
    ASSERT_OK(cps_net_parse_endpoint("[::1]:80", 1, host, sizeof host, &port));
    ASSERT_STR_EQ(host, "::1");
    ASSERT_EQ(port, 80);
    ASSERT_OK(cps_net_parse_endpoint("[fe80::1]", 7, host, sizeof host, &port));
    ASSERT_EQ(port, 7);
    ASSERT_EQ(cps_net_parse_endpoint("host:65536", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("host:", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("host:12a", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint(":80", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("[::1:80", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("::1:80", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("[::1]x", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("a b:1", 1, host, sizeof host, &port), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_parse_endpoint("averyveryverylonghostname:1", 1, host, 8, &port),
              CPS_ERR_LIMIT);
}

TEST(nodeos_named_options)
{
    cps_net_config c;
    cps_net_config_init(&c);
    ASSERT_EQ(c.max_nodes_per_host, 1);
    ASSERT_OK(cps_net_config_set(&c, "p2p-listen-endpoint", "0.0.0.0:9877"));
    ASSERT_STR_EQ(c.listen_endpoint, "0.0.0.0:9877");
    ASSERT_OK(cps_net_config_set(&c, "p2p-peer-address", "a.example:9876"));
    ASSERT_OK(cps_net_config_set(&c, "p2p-peer-address", "b.example:9876"));
    ASSERT_EQ(c.peer_address_count, 2);
    ASSERT_STR_EQ(c.peer_addresses[1], "b.example:9876");
    ASSERT_OK(cps_net_config_set(&c, "p2p-max-nodes-per-host", "4"));
    ASSERT_EQ(c.max_nodes_per_host, 4);
    ASSERT_OK(cps_net_config_set(&c, "agent-name", "My Node"));
    ASSERT_STR_EQ(c.agent_name, "My Node");
    ASSERT_EQ(cps_net_config_set(&c, "p2p-max-nodes-per-host", "-1"), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_net_config_set(&c, "p2p-max-nodes-per-host", "99999999999"), CPS_ERR_OVERFLOW);
    ASSERT_EQ(cps_net_config_set(&c, "p2p-peer-address", "x:99999"), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "--p2p-peer-address");
    ASSERT_EQ(c.peer_address_count, 2);
    ASSERT_EQ(cps_net_config_set(&c, "agent-name", "tab\there"), CPS_ERR_FORMAT);
    char long_agent[CPS_NET_AGENT_MAX + 2];
    memset(long_agent, 'a', sizeof long_agent - 1);
    long_agent[sizeof long_agent - 1] = 0;
    ASSERT_EQ(cps_net_config_set(&c, "agent-name", long_agent), CPS_ERR_LIMIT);
    ASSERT_STR_EQ(c.agent_name, "My Node");
    ASSERT_EQ(cps_net_config_set(&c, "p2p-bogus", "1"), CPS_ERR_NOT_FOUND);
    cps_net_config_free(&c);
    ASSERT_EQ(c.peer_address_count, 0);
}

TEST(go_away_reason_names)
{
    ASSERT_STR_EQ(cps_net_go_away_reason_name(CPS_NET_GO_AWAY_WRONG_CHAIN), "wrong chain");
    ASSERT_STR_EQ(cps_net_go_away_reason_name(CPS_NET_GO_AWAY_BANNED), "banned");
    ASSERT_STR_EQ(cps_net_go_away_reason_name(-1), "unknown");
    ASSERT_STR_EQ(cps_net_go_away_reason_name(CPS_NET_GO_AWAY_COUNT), "unknown");
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
