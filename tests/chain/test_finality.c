/* Tests of BFT finality: the vote digest, quorum arithmetic, QC formation with 4 and 21
 * producers, votes ignored with reasons, the two-chain rule (the child's QC is needed), finality
 * from blocks alone, the QC extension codec, evidence a third party can check, the voter's
 * persisted safety rules across restarts, and simulated partitions with equivocating producers. */
#include "test.h"
#include "fork_helpers.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXP 21

typedef struct sim {
    uint32_t n;
    cps_private_key keys[MAXP];
    cps_producer_key prods[MAXP];
    cps_checksum256 chain_id;
    cps_chain_block_facts root;
} sim;

static int sim_init(sim *s, uint32_t n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->chain_id = fh_chain_id();
    s->root = fh_root(1000, 5000);
    for (uint32_t i = 0; i < n; i++) {
        s->prods[i].producer_name = fh_producer_name(i);
        int rc = fh_producer_key(i, &s->keys[i], &s->prods[i].block_signing_key);
        if (rc) return rc;
    }
    return 0;
}

typedef struct node {
    cps_chain_fork_db *db;
    cps_chain_finality *fin;
} node;

static int node_open(const sim *s, node *nd)
{
    cps_chain_fork_db_options o = {0};
    cps_chain_finality_fork_db_options(&o);
    int rc = cps_chain_fork_db_open(&s->root, &o, &nd->db);
    if (!rc) rc = cps_chain_finality_open(&s->chain_id, nd->db, &nd->fin);
    cps_chain_finality_schedule sch = {1, s->prods, s->n};
    if (!rc) rc = cps_chain_finality_set_schedule(nd->fin, &sch);
    return rc;
}

static void node_close(node *nd)
{
    cps_chain_finality_close(nd->fin);
    cps_chain_fork_db_close(nd->db);
    memset(nd, 0, sizeof *nd);
}

static cps_chain_vote vote_of(const sim *s, uint32_t p, const cps_chain_block_facts *b)
{
    cps_chain_vote v = {
        .producer = s->prods[p].producer_name, .block_id = b->id, .block_num = b->block_num};
    if (cps_chain_vote_sign(&s->chain_id, &s->keys[p], &v)) abort();
    return v;
}

/* Adds b to nd with the QC its extension would carry (encoded by `from`'s tracker on qc_on,
 * decoded again: the same path as a block from the network). */
static int add_with_qc(node *nd, const cps_chain_block_facts *b, node *from,
                       const cps_checksum256 *qc_on, cps_chain_finality_result *res)
{
    cps_chain_block_facts bf = *b;
    bf.claims_qc = from && qc_on; /* the header claims the QC the block carries */
    int rc = cps_chain_fork_db_add(nd->db, &bf, NULL, 0, NULL);
    if (rc) return rc;
    cps_buf qb = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc qc, *qcp = NULL;
    if (from && qc_on) {
        rc = cps_chain_finality_encode_qc(from->fin, qc_on, &qb);
        if (!rc) rc = cps_chain_qc_decode(qb.data, qb.size, &a, &qc);
        qcp = &qc;
    }
    cps_chain_finality_result r;
    if (!rc) rc = cps_chain_finality_on_block(nd->fin, &b->id, qcp, NULL, res ? res : &r);
    cps_abi_arena_free(&a);
    cps_buf_free(&qb);
    return rc;
}

TEST(vote_digest_is_the_documented_one)
{
    /* the definition net's cps_net_vote_digest uses (docs/p2p.md): the two must agree */
    cps_chain_vote v = {.producer = cps_abi_name("proda"), .block_num = 0x01020304};
    for (int i = 0; i < 32; i++)
        v.block_id.b[i] = (uint8_t)(i * 7);
    cps_checksum256 chain = fh_chain_id(), d, want;
    cps_chain_vote_digest(&chain, &v, &d);
    uint8_t buf[11 + 32 + 32 + 4 + 8];
    memcpy(buf, "cps-vote-v1", 11);
    memcpy(buf + 11, chain.b, 32);
    memcpy(buf + 43, v.block_id.b, 32);
    cps_store_u32(buf + 75, v.block_num);
    cps_store_u64(buf + 79, v.producer);
    cps_sha256(buf, sizeof buf, want.b);
    ASSERT_MEM_EQ(d.b, want.b, 32);
    /* a vote for another chain does not verify */
    cps_private_key k;
    cps_public_key pub;
    ASSERT_OK(fh_producer_key(0, &k, &pub));
    ASSERT_OK(cps_chain_vote_sign(&chain, &k, &v));
    ASSERT_OK(cps_chain_vote_verify(&chain, &pub, &v));
    cps_checksum256 other = chain;
    other.b[5] ^= 1;
    ASSERT(cps_chain_vote_verify(&other, &pub, &v) != 0);
}

TEST(quorum_is_two_thirds_plus_one)
{
    ASSERT_EQ(cps_chain_quorum(1), 1);
    ASSERT_EQ(cps_chain_quorum(3), 3);
    ASSERT_EQ(cps_chain_quorum(4), 3);
    ASSERT_EQ(cps_chain_quorum(6), 5);
    ASSERT_EQ(cps_chain_quorum(21), 15);
    ASSERT_EQ(cps_chain_quorum(125), 84);
    /* two quorums always share more than a third of the producers: one honest in common */
    for (uint32_t n = 1; n <= CPS_CHAIN_MAX_PRODUCERS; n++) {
        uint32_t q = cps_chain_quorum(n), f = (n - 1) / 3; /* most faulty tolerated */
        ASSERT_MSG(2 * q > n + f, "n=%u q=%u f=%u", n, q, f);
        ASSERT_MSG(n - f >= q, "n=%u: the honest alone reach quorum", n);
    }
}

static void qc_formation(uint32_t n)
{
    sim s;
    ASSERT_OK(sim_init(&s, n));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    uint32_t q = cps_chain_quorum(n);
    cps_chain_finality_result r;
    for (uint32_t i = 0; i + 1 < q; i++) {
        cps_chain_vote v = vote_of(&s, i, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        ASSERT_MSG(r.accepted, "vote %u: %s", i, r.reason);
        ASSERT(!r.qc_formed);
    }
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    ASSERT_EQ(cps_chain_finality_vote_count(nd.fin, &b.id), q - 1);
    ASSERT(!cps_chain_finality_highest_qc(nd.fin, NULL, NULL));
    cps_chain_vote v = vote_of(&s, n - 1, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    ASSERT(r.accepted);
    ASSERT(r.qc_formed);
    ASSERT_MEM_EQ(r.qc_block.b, b.id.b, 32);
    ASSERT(cps_chain_finality_has_qc(nd.fin, &b.id));
    ASSERT(!r.new_final); /* a QC alone finalizes nothing */
    cps_checksum256 hid;
    uint32_t hslot;
    ASSERT(cps_chain_finality_highest_qc(nd.fin, &hid, &hslot));
    ASSERT_EQ(hslot, 5001);
    node_close(&nd);
}

TEST(qc_with_4_producers_needs_3)
{
    qc_formation(4);
}

TEST(qc_with_21_producers_needs_15_and_14_is_not_enough)
{
    qc_formation(21);
    /* exactly two thirds (14 of 21, 4 of 6) never certify */
    sim s;
    ASSERT_OK(sim_init(&s, 21));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    cps_chain_finality_result r;
    for (uint32_t i = 0; i < 14; i++) {
        cps_chain_vote v = vote_of(&s, i, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    }
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    node_close(&nd);
    ASSERT_OK(sim_init(&s, 6));
    ASSERT_OK(node_open(&s, &nd));
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    for (uint32_t i = 0; i < 4; i++) {
        cps_chain_vote v = vote_of(&s, i, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    }
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    cps_chain_vote v = vote_of(&s, 4, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    ASSERT(r.qc_formed);
    node_close(&nd);
}

TEST(bad_votes_are_ignored_with_a_reason)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    cps_chain_finality_result r;

    cps_chain_vote v = vote_of(&s, 0, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    ASSERT(r.accepted);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "duplicate");

    /* a name outside the schedule, with a key of its own */
    sim other;
    ASSERT_OK(sim_init(&other, 8));
    cps_chain_vote stranger = vote_of(&other, 7, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &stranger, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "not a producer");

    /* producer 1's name signed with producer 2's key */
    cps_chain_vote forged = {
        .producer = s.prods[1].producer_name, .block_id = b.id, .block_num = b.block_num};
    ASSERT_OK(cps_chain_vote_sign(&s.chain_id, &s.keys[2], &forged));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &forged, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "bad signature");
    /* a vote signed for another block number */
    cps_chain_vote wrong = vote_of(&s, 1, &b);
    wrong.block_num++;
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &wrong, &r));
    ASSERT_CONTAINS(r.reason, "disagrees");
    /* at the last irreversible block */
    cps_chain_vote old = vote_of(&s, 1, &s.root);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &old, &r));
    ASSERT_CONTAINS(r.reason, "irreversible");
    /* a block under a schedule nobody registered */
    cps_chain_block_facts odd = fh_child(&s.root, 5002, s.prods[1].producer_name, 0);
    odd.schedule_version = 9;
    ASSERT_OK(add_with_qc(&nd, &odd, NULL, NULL, NULL));
    cps_chain_vote ov = vote_of(&s, 1, &odd);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &ov, &r));
    ASSERT_CONTAINS(r.reason, "unknown schedule");
    ASSERT_EQ(cps_chain_finality_vote_count(nd.fin, &b.id), 1);

    /* votes ahead of their block are held, then counted when it comes */
    cps_chain_block_facts c = fh_child(&b, 5003, s.prods[1].producer_name, 0);
    for (uint32_t i = 0; i < 3; i++) {
        cps_chain_vote cv = vote_of(&s, i, &c);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &cv, &r));
        ASSERT(r.pending && !r.accepted);
    }
    ASSERT_OK(cps_chain_fork_db_add(nd.db, &c, NULL, 0, NULL));
    ASSERT_OK(cps_chain_finality_on_block(nd.fin, &c.id, NULL, NULL, &r));
    ASSERT(r.qc_formed);
    ASSERT(cps_chain_finality_has_qc(nd.fin, &c.id));
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 0);
    node_close(&nd);
}

/* B certified; C = child of B in the next slot, carrying QC(B). B is final exactly when C's QC
 * completes, not before. */
TEST(finality_needs_the_childs_qc)
{
    sim s;
    ASSERT_OK(sim_init(&s, 21));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    cps_chain_finality_result r;
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    for (uint32_t i = 0; i < 15; i++) {
        cps_chain_vote v = vote_of(&s, i, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        ASSERT(!r.new_final);
    }
    cps_chain_block_facts c = fh_child(&b, 5002, s.prods[1].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &c, &nd, &b.id, &r));
    ASSERT(!r.new_final);
    for (uint32_t i = 0; i < 14; i++) {
        cps_chain_vote v = vote_of(&s, 20 - i, &c);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        ASSERT(!r.new_final);
    }
    ASSERT_EQ(cps_chain_finality_lib_num(nd.fin), 1000);
    cps_chain_vote v = vote_of(&s, 0, &c);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    ASSERT(r.qc_formed);
    ASSERT(r.new_final);
    ASSERT_MEM_EQ(r.final_block.b, b.id.b, 32);
    ASSERT_EQ(r.final_num, 1001);
    ASSERT_EQ(cps_chain_finality_lib_num(nd.fin), 1001);
    /* votes for the now final block are ignored */
    cps_chain_vote late = vote_of(&s, 16, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &late, &r));
    ASSERT(!r.accepted);
    /* the node advances its fork db root to the LIB */
    cps_checksum256 *ids;
    size_t n;
    ASSERT_OK(cps_chain_fork_db_advance_root(nd.db, &b.id, &ids, &n));
    ASSERT_EQ(n, 1);
    free(ids);
    node_close(&nd);
}

/* Two near misses: a child one slot late, and a child that does not carry the parent's QC. */
TEST(no_finality_with_a_slot_gap_or_without_the_carried_qc)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    for (int variant = 0; variant < 2; variant++) {
        node nd;
        ASSERT_OK(node_open(&s, &nd));
        cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
        cps_chain_finality_result r;
        ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
        for (uint32_t i = 0; i < 3; i++) {
            cps_chain_vote v = vote_of(&s, i, &b);
            ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        }
        cps_chain_block_facts c =
            fh_child(&b, variant == 0 ? 5003 : 5002, s.prods[1].producer_name, 0);
        ASSERT_OK(add_with_qc(&nd, &c, variant == 0 ? &nd : NULL, variant == 0 ? &b.id : NULL, &r));
        for (uint32_t i = 0; i < 4; i++) {
            cps_chain_vote v = vote_of(&s, i, &c);
            ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
            ASSERT(!r.new_final);
        }
        ASSERT(cps_chain_finality_has_qc(nd.fin, &c.id));
        ASSERT_EQ(cps_chain_finality_lib_num(nd.fin), 1000);
        /* the next consecutive pair that carries its QC finalizes c, hence b */
        cps_chain_block_facts d = fh_child(&c, c.timestamp + 1, s.prods[2].producer_name, 0);
        ASSERT_OK(add_with_qc(&nd, &d, &nd, &c.id, &r));
        for (uint32_t i = 0; i < 3; i++) {
            cps_chain_vote v = vote_of(&s, i, &d);
            ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        }
        ASSERT(r.new_final);
        ASSERT_MEM_EQ(r.final_block.b, c.id.b, 32);
        node_close(&nd);
    }
}

/* A late-syncing node sees no votes: the QCs in the blocks prove finality. */
TEST(finality_from_blocks_alone)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node live, late;
    ASSERT_OK(node_open(&s, &live));
    ASSERT_OK(node_open(&s, &late));
    cps_chain_block_facts chain[4];
    cps_chain_block_facts prev = s.root;
    cps_chain_finality_result r;
    for (int i = 0; i < 4; i++) {
        chain[i] = fh_child(&prev, 5001 + (uint32_t)i, s.prods[i % 4].producer_name, 0);
        ASSERT_OK(add_with_qc(&live, &chain[i], i ? &live : NULL, i ? &prev.id : NULL, NULL));
        for (uint32_t p = 0; p < 3; p++) {
            cps_chain_vote v = vote_of(&s, p, &chain[i]);
            ASSERT_OK(cps_chain_finality_on_vote(live.fin, &v, &r));
        }
        /* the late node gets the block with its carried QC, never a vote */
        ASSERT_OK(add_with_qc(&late, &chain[i], i ? &live : NULL, i ? &prev.id : NULL, &r));
        prev = chain[i];
    }
    /* chain[3] carries QC(chain[2]), which completes the rule for chain[1] */
    ASSERT_EQ(cps_chain_finality_lib_num(late.fin), 1002);
    ASSERT_EQ(cps_chain_finality_lib_num(live.fin), 1003);
    node_close(&live);
    node_close(&late);
}

TEST(qc_codec_and_verification)
{
    sim s;
    ASSERT_OK(sim_init(&s, 21));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    cps_chain_finality_result r;
    cps_buf enc = {0};
    ASSERT_EQ(cps_chain_finality_encode_qc(nd.fin, &b.id, &enc), CPS_ERR_NOT_FOUND);
    for (uint32_t i = 20; i >= 4; i--) { /* producers 4..20, out of order */
        cps_chain_vote v = vote_of(&s, i, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    }
    ASSERT_OK(cps_chain_finality_encode_qc(nd.fin, &b.id, &enc));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc qc;
    ASSERT_OK(cps_chain_qc_decode(enc.data, enc.size, &a, &qc));
    ASSERT_EQ(qc.signature_count, 17);
    ASSERT_EQ(qc.bitset_len, 3);
    ASSERT_EQ(qc.bitset[0], 0xf0);
    ASSERT_EQ(qc.schedule_version, 1);
    ASSERT_MEM_EQ(qc.block_id.b, b.id.b, 32);
    cps_chain_finality_schedule sch = {1, s.prods, 21};
    ASSERT_OK(cps_chain_qc_verify(&s.chain_id, &sch, &qc));
    /* re-encoding gives the same bytes */
    cps_buf again = {0};
    ASSERT_OK(cps_chain_qc_encode(&again, &qc));
    ASSERT_EQ(again.size, enc.size);
    ASSERT_MEM_EQ(again.data, enc.data, enc.size);
    /* a bad signature, a short quorum, another schedule, a bit beyond the producers */
    cps_chain_qc bad = qc;
    cps_signature sigs[21];
    memcpy(sigs, qc.signatures, sizeof *sigs * qc.signature_count);
    bad.signatures = sigs;
    sigs[3] = sigs[4];
    ASSERT_EQ(cps_chain_qc_verify(&s.chain_id, &sch, &bad), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "does not verify");
    bad = qc;
    bad.bitset[0] = 0x10;
    bad.signature_count = 14;
    bad.signatures = qc.signatures + 3;
    ASSERT_EQ(cps_chain_qc_verify(&s.chain_id, &sch, &bad), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "15 needed");
    bad = qc;
    bad.schedule_version = 2;
    ASSERT_EQ(cps_chain_qc_verify(&s.chain_id, &sch, &bad), CPS_ERR_BLOCK);
    cps_chain_finality_schedule small = {1, s.prods, 20};
    ASSERT_EQ(cps_chain_qc_verify(&s.chain_id, &small, &qc), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "bit 20");

    /* the decoder refuses every truncation, trailing bytes and inconsistent counts */
    for (size_t cut = 0; cut < enc.size; cut++) {
        ASSERT_MSG(cps_chain_qc_decode(enc.data, cut, &a, &qc) == CPS_ERR_TRUNCATED, "cut at %zu",
                   cut);
    }
    /* bytes after the active part are a pending schedule's part: a stray byte is a truncated
     * one; an empty part decodes (verification then refuses it), and a byte after it trails */
    cps_buf longer = {0};
    ASSERT_OK(cps_write_bytes(&longer, enc.data, enc.size));
    ASSERT_OK(cps_write_u8(&longer, 0));
    ASSERT_EQ(cps_chain_qc_decode(longer.data, longer.size, &a, &qc), CPS_ERR_TRUNCATED);
    ASSERT_CONTAINS(cps_last_error(), "pending");
    uint8_t empty_part[6] = {2, 0, 0, 0, 0, 0}; /* version 2, no bitset, no signature */
    cps_buf_reset(&longer);
    ASSERT_OK(cps_write_bytes(&longer, enc.data, enc.size));
    ASSERT_OK(cps_write_bytes(&longer, empty_part, sizeof empty_part));
    ASSERT_OK(cps_chain_qc_decode(longer.data, longer.size, &a, &qc));
    ASSERT(qc.has_pending);
    ASSERT_EQ(qc.pending.schedule_version, 2);
    ASSERT_EQ(qc.pending.signature_count, 0);
    ASSERT_EQ(cps_chain_qc_verify(&s.chain_id, &sch, &qc), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "the block has none");
    ASSERT_OK(cps_write_u8(&longer, 0));
    ASSERT_EQ(cps_chain_qc_decode(longer.data, longer.size, &a, &qc), CPS_ERR_TRAILING);
    uint8_t m[64] = {0};
    m[36] = 1;    /* bitset of 1 byte */
    m[37] = 0x03; /* two bits */
    m[38] = 1;    /* but one signature */
    ASSERT_EQ(cps_chain_qc_decode(m, 39 + 66, &a, &qc), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "1 signatures for 2 set bits");
    m[36] = 2; /* bitset [0x03, 0x00]: not minimal */
    m[38] = 0;
    ASSERT_EQ(cps_chain_qc_decode(m, 39, &a, &qc), CPS_ERR_FORMAT);
    m[36] = 17; /* longer than 125 producers need */
    ASSERT_EQ(cps_chain_qc_decode(m, 64, &a, &qc), CPS_ERR_LIMIT);
    cps_abi_arena_free(&a);
    cps_buf_free(&enc);
    cps_buf_free(&again);
    cps_buf_free(&longer);
    node_close(&nd);
}

/* Raw signed blocks with the QC extension inside, through cps_chain_finality_on_raw_block. */
TEST(qc_extension_in_real_blocks)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_buf rb = {0}, rc_ = {0}, rd = {0}, qb = {0};
    cps_checksum256 bid, cid, did;
    ASSERT_OK(fh_raw_block(&s.root.id, 5001, s.prods[0].producer_name, 1, NULL, &s.keys[0], &rb,
                           &bid, NULL, NULL));
    ASSERT_OK(cps_chain_fork_db_add_block(nd.db, rb.data, rb.size, NULL));
    cps_chain_finality_result r;
    ASSERT_OK(cps_chain_finality_on_raw_block(nd.fin, rb.data, rb.size, NULL, &r));
    cps_chain_block_facts bf = *(&cps_chain_fork_db_get(nd.db, &bid)->facts);
    for (uint32_t i = 0; i < 3; i++) {
        cps_chain_vote v = vote_of(&s, i, &bf);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
    }
    ASSERT_OK(cps_chain_finality_encode_qc(nd.fin, &bid, &qb));
    cps_extension ext = {CPS_CHAIN_QC_EXTENSION_ID, {qb.data, qb.size}};
    ASSERT_OK(fh_raw_block(&bid, 5002, s.prods[1].producer_name, 1, &ext, &s.keys[1], &rc_, &cid,
                           NULL, NULL));

    /* a second node learns QC(B) from C's bytes alone */
    node other;
    ASSERT_OK(node_open(&s, &other));
    ASSERT_OK(cps_chain_fork_db_add_block(other.db, rb.data, rb.size, NULL));
    ASSERT_OK(cps_chain_finality_on_raw_block(other.fin, rb.data, rb.size, NULL, &r));
    ASSERT_OK(cps_chain_fork_db_add_block(other.db, rc_.data, rc_.size, NULL));
    ASSERT_OK(cps_chain_finality_on_raw_block(other.fin, rc_.data, rc_.size, NULL, &r));
    ASSERT(cps_chain_finality_has_qc(other.fin, &bid));
    ASSERT_EQ(cps_chain_finality_vote_count(other.fin, &bid), 3);

    /* a QC on a block that is not an ancestor (C's QC given to a sibling of C) is invalid */
    ASSERT_OK(fh_raw_block(&s.root.id, 5003, s.prods[2].producer_name, 1, &ext, &s.keys[2], &rd,
                           &did, NULL, NULL));
    ASSERT_OK(cps_chain_fork_db_add_block(other.db, rd.data, rd.size, NULL));
    ASSERT_EQ(cps_chain_finality_on_raw_block(other.fin, rd.data, rd.size, NULL, &r),
              CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "not its ancestor");
    /* a garbled extension is invalid too */
    uint8_t junk[5] = {1, 2, 3, 4, 5};
    cps_extension bad = {CPS_CHAIN_QC_EXTENSION_ID, {junk, sizeof junk}};
    cps_buf re = {0};
    cps_checksum256 eid;
    ASSERT_OK(fh_raw_block(&cid, 5004, s.prods[3].producer_name, 1, &bad, &s.keys[3], &re, &eid,
                           NULL, NULL));
    ASSERT_OK(cps_chain_fork_db_add_block(other.db, re.data, re.size, NULL));
    ASSERT_EQ(cps_chain_finality_on_raw_block(other.fin, re.data, re.size, NULL, &r),
              CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "QC extension");
    cps_buf_free(&rb);
    cps_buf_free(&rc_);
    cps_buf_free(&rd);
    cps_buf_free(&re);
    cps_buf_free(&qb);
    node_close(&nd);
    node_close(&other);
}

TEST(double_vote_evidence_checks_with_the_public_key_only)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b1 = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    cps_chain_block_facts b2 =
        fh_child(&s.root, 5002, s.prods[1].producer_name, 0); /* same height */
    ASSERT_OK(add_with_qc(&nd, &b1, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &b2, NULL, NULL, NULL));
    cps_chain_finality_result r;
    cps_chain_vote v1 = vote_of(&s, 3, &b1), v2 = vote_of(&s, 3, &b2), honest = vote_of(&s, 0, &b1);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &honest, &r));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v1, &r));
    ASSERT(!r.evidence);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v2, &r));
    ASSERT(r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 1);
    const cps_chain_evidence *e = cps_chain_finality_evidence_at(nd.fin, 0);
    ASSERT_EQ(e->kind, CPS_CHAIN_EVIDENCE_DOUBLE_VOTE);
    ASSERT_U64_EQ(e->producer, s.prods[3].producer_name);

    /* the third party: the bytes, the chain id and the producer's public key */
    cps_buf enc = {0};
    ASSERT_OK(cps_chain_evidence_encode(&enc, e));
    cps_chain_evidence got;
    ASSERT_OK(cps_chain_evidence_decode(enc.data, enc.size, &got));
    ASSERT_OK(cps_chain_evidence_verify(&s.chain_id, &s.prods[3].block_signing_key, &got));
    ASSERT(cps_chain_evidence_verify(&s.chain_id, &s.prods[0].block_signing_key, &got) != 0);
    cps_checksum256 other_chain = s.chain_id;
    other_chain.b[0] ^= 1;
    ASSERT(cps_chain_evidence_verify(&other_chain, &s.prods[3].block_signing_key, &got) != 0);
    /* any flipped byte of the record breaks it (or makes it undecodable) */
    for (size_t i = 0; i < enc.size; i++) {
        enc.data[i] ^= 0x40;
        cps_chain_evidence t;
        int rc = cps_chain_evidence_decode(enc.data, enc.size, &t);
        if (!rc) rc = cps_chain_evidence_verify(&s.chain_id, &s.prods[3].block_signing_key, &t);
        ASSERT_MSG(rc != 0, "flipping byte %zu still verifies", i);
        enc.data[i] ^= 0x40;
    }
    /* two votes on one block are no evidence */
    got.vote[1] = got.vote[0];
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[3].block_signing_key, &got),
              CPS_ERR_FORMAT);
    /* the truncated record never decodes */
    for (size_t cut = 0; cut < enc.size; cut++)
        ASSERT(cps_chain_evidence_decode(enc.data, cut, &got) != 0);
    cps_buf_free(&enc);
    node_close(&nd);
}

TEST(double_block_evidence_checks_with_the_public_key_only)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_buf r1 = {0}, r2 = {0}, h1 = {0}, h2 = {0}, r0 = {0};
    cps_checksum256 id0, id1, id2;
    cps_chain_signed_header_proof p1, p2;
    cps_chain_finality_result r;
    ASSERT_OK(fh_raw_block(&s.root.id, 5001, s.prods[0].producer_name, 1, NULL, &s.keys[0], &r0,
                           &id0, NULL, NULL));
    /* producer 2 signs two blocks for slot 5005 on different parents */
    ASSERT_OK(fh_raw_block(&s.root.id, 5005, s.prods[2].producer_name, 1, NULL, &s.keys[2], &r1,
                           &id1, &p1, &h1));
    ASSERT_OK(fh_raw_block(&id0, 5005, s.prods[2].producer_name, 1, NULL, &s.keys[2], &r2, &id2,
                           &p2, &h2));
    ASSERT_OK(cps_chain_fork_db_add_block(nd.db, r0.data, r0.size, NULL));
    ASSERT_OK(cps_chain_finality_on_raw_block(nd.fin, r0.data, r0.size, NULL, &r));
    ASSERT_OK(cps_chain_fork_db_add_block(nd.db, r1.data, r1.size, NULL));
    ASSERT_OK(cps_chain_finality_on_raw_block(nd.fin, r1.data, r1.size, &p1, &r));
    ASSERT(!r.evidence);
    ASSERT_OK(cps_chain_fork_db_add_block(nd.db, r2.data, r2.size, NULL));
    /* a proof whose header is another block's is refused */
    ASSERT_EQ(cps_chain_finality_on_raw_block(nd.fin, r2.data, r2.size, &p1, &r), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "another block's header");
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 0);
    ASSERT_OK(cps_chain_finality_on_raw_block(nd.fin, r2.data, r2.size, &p2, &r));
    ASSERT(r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 1);
    const cps_chain_evidence *e = cps_chain_finality_evidence_at(nd.fin, 0);
    ASSERT_EQ(e->kind, CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK);
    cps_buf enc = {0};
    ASSERT_OK(cps_chain_evidence_encode(&enc, e));
    /* the tracker's copies outlive the caller's buffers */
    cps_buf_free(&h1);
    cps_buf_free(&h2);
    cps_chain_evidence got;
    ASSERT_OK(cps_chain_evidence_decode(enc.data, enc.size, &got));
    ASSERT_OK(cps_chain_evidence_verify(&s.chain_id, &s.prods[2].block_signing_key, &got));
    ASSERT(cps_chain_evidence_verify(&s.chain_id, &s.prods[1].block_signing_key, &got) != 0);
    /* a different schedule hash is a different signed digest: no longer verifies */
    got.block[1].schedule_hash.b[0] ^= 1;
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[2].block_signing_key, &got),
              CPS_ERR_CRYPTO);
    /* the same header twice is no evidence */
    ASSERT_OK(cps_chain_evidence_decode(enc.data, enc.size, &got));
    got.block[1] = got.block[0];
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[2].block_signing_key, &got),
              CPS_ERR_FORMAT);
    cps_buf_free(&enc);
    cps_buf_free(&r0);
    cps_buf_free(&r1);
    cps_buf_free(&r2);
    node_close(&nd);
}

/* ---- the voter ------------------------------------------------------------------------------ */

static char tmpdir[128];

static const char *make_tmpdir(void)
{
    struct stat st;
    snprintf(tmpdir, sizeof tmpdir, "%s/cps-finality-XXXXXX",
             stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
    return mkdtemp(tmpdir);
}

static void remove_tmpdir(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
}

TEST(voter_state_survives_a_restart)
{
    ASSERT(make_tmpdir() != NULL);
    char path[200];
    snprintf(path, sizeof path, "%s/vote-safety.dat", tmpdir);
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[1].producer_name, 0);
    cps_chain_block_facts b_twin = fh_child(&s.root, 5002, s.prods[2].producer_name, 0);
    cps_chain_block_facts c = fh_child(&b, 5003, s.prods[1].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &b_twin, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &c, NULL, NULL, NULL));

    cps_chain_voter *v;
    ASSERT_OK(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v));
    cps_chain_vote vote;
    ASSERT_OK(cps_chain_voter_decide(v, nd.fin, &b.id, &vote));
    ASSERT_OK(cps_chain_vote_verify(&s.chain_id, &s.prods[0].block_signing_key, &vote));
    ASSERT_MEM_EQ(vote.block_id.b, b.id.b, 32);
    ASSERT_EQ(cps_chain_voter_decide(v, nd.fin, &b.id, &vote), CPS_ERR_STATE);
    ASSERT_OK(cps_chain_voter_may_sign_block(v, 5001));
    cps_chain_voter_close(v);

    /* "restart": the same height (even at a later slot) and the same slot stay refused */
    ASSERT_OK(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v));
    cps_chain_voter_state st;
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.last_vote_num, 1001);
    ASSERT_EQ(st.last_vote_slot, 5001);
    ASSERT_EQ(st.last_signed_block_slot, 5001);
    ASSERT_EQ(cps_chain_voter_decide(v, nd.fin, &b_twin.id, &vote), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "not after the last vote");
    ASSERT_EQ(cps_chain_voter_may_sign_block(v, 5001), CPS_ERR_STATE);
    ASSERT_OK(cps_chain_voter_may_sign_block(v, 5002));
    ASSERT_OK(cps_chain_voter_decide(v, nd.fin, &c.id, &vote));
    cps_chain_voter_close(v);

    /* a file of another producer, or a damaged one, stops the node rather than guessing */
    ASSERT_EQ(cps_chain_voter_open(path, s.prods[1].producer_name, &s.keys[1], &v),
              CPS_ERR_DB_CORRUPT);
    FILE *fp = fopen(path, "r+b");
    ASSERT(fp != NULL);
    fseek(fp, 20, SEEK_SET);
    fputc('x', fp);
    fclose(fp);
    ASSERT_EQ(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v),
              CPS_ERR_DB_CORRUPT);
    ASSERT_CONTAINS(cps_last_error(), "checksum");
    fp = fopen(path, "ab");
    fputc(0, fp);
    fclose(fp);
    ASSERT_EQ(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v),
              CPS_ERR_DB_CORRUPT);
    node_close(&nd);
    remove_tmpdir();
}

/* Counts votes by producers [from, to) on b. */
static void votes_on(const sim *s, node *nd, uint32_t from, uint32_t to,
                     const cps_chain_block_facts *b, cps_chain_finality_result *r)
{
    for (uint32_t i = from; i < to; i++) {
        cps_chain_vote v = vote_of(s, i, b);
        ASSERT_OK(cps_chain_finality_on_vote(nd->fin, &v, r));
        ASSERT(r->accepted);
    }
}

/* Three votes by producers 1..3 on b: a QC the next block can carry. */
static void certify(const sim *s, node *nd, const cps_chain_block_facts *b)
{
    cps_chain_finality_result r;
    votes_on(s, nd, 1, 4, b, &r);
}

TEST(voter_locks_on_the_qcs_its_blocks_claim)
{
    ASSERT(make_tmpdir() != NULL);
    char path[200];
    snprintf(path, sizeof path, "%s/vote-safety.dat", tmpdir);
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    /* root(1000) <- a1 <- a2 (claims a1);  root <- y1 <- y2 <- y3 (no claims), y2 <- y3c (claims
     * y2) <- y4;  y2 <- z3 <- z4 <- z5 (no claims) */
    cps_chain_block_facts a1 = fh_child(&s.root, 5001, s.prods[1].producer_name, 0);
    cps_chain_block_facts a2 = fh_child(&a1, 5002, s.prods[2].producer_name, 0);
    cps_chain_block_facts y1 = fh_child(&s.root, 5003, s.prods[3].producer_name, 0);
    cps_chain_block_facts y2 = fh_child(&y1, 5004, s.prods[3].producer_name, 0);
    cps_chain_block_facts y3 = fh_child(&y2, 5005, s.prods[3].producer_name, 0);
    cps_chain_block_facts y3c = fh_child(&y2, 5005, s.prods[3].producer_name, 1);
    cps_chain_block_facts z3 = fh_child(&y2, 5006, s.prods[1].producer_name, 0);
    cps_chain_block_facts z4 = fh_child(&z3, 5007, s.prods[1].producer_name, 0);
    cps_chain_block_facts z5 = fh_child(&z4, 5008, s.prods[1].producer_name, 0);
    cps_chain_block_facts y4 = fh_child(&y3c, 5010, s.prods[2].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &a1, NULL, NULL, NULL));
    certify(&s, &nd, &a1);
    ASSERT_OK(add_with_qc(&nd, &a2, &nd, &a1.id, NULL));
    ASSERT_EQ(cps_chain_fork_db_get(nd.db, &a2.id)->claim_num, 1001);
    ASSERT_OK(add_with_qc(&nd, &y1, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &y2, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &y3, NULL, NULL, NULL));
    ASSERT_EQ(cps_chain_fork_db_get(nd.db, &y3.id)->claim_num, 0);

    cps_chain_voter *v;
    ASSERT_OK(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v));
    cps_chain_vote vote;
    cps_chain_voter_state st;
    /* a2 claims a1: the vote locks on a1 */
    ASSERT_OK(cps_chain_voter_decide(v, nd.fin, &a2.id, &vote));
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.lock_num, 1001);
    ASSERT_MEM_EQ(st.lock_id.b, a1.id.b, 32);
    ASSERT_EQ(st.abandoned_num, 0);
    /* y3 neither extends a1 nor claims a QC above it; gossip does not change that: y2's QC is
     * known, but no header of y3's branch claims it */
    certify(&s, &nd, &y2);
    ASSERT_EQ(cps_chain_voter_decide(v, nd.fin, &y3.id, &vote), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "does not extend the lock");
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.lock_num, 1001); /* nothing persisted for a refused vote */
    /* y3c claims y2 (1002 > 1001): allowed; the lock moves to y2 and a1's branch is abandoned */
    ASSERT_OK(add_with_qc(&nd, &y3c, &nd, &y2.id, NULL));
    ASSERT_OK(cps_chain_voter_decide(v, nd.fin, &y3c.id, &vote));
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.lock_num, 1002);
    ASSERT_MEM_EQ(st.lock_id.b, y2.id.b, 32);
    ASSERT_EQ(st.abandoned_num, 1001);
    cps_chain_voter_close(v);
    /* after a restart: z5 extends the lock y2, but its branch claims nothing above the
     * abandoned a1, so a vote would pair with the one on a2 as a lock breach */
    ASSERT_OK(add_with_qc(&nd, &z3, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &z4, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &z5, NULL, NULL, NULL));
    ASSERT_OK(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v));
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.lock_num, 1002);
    ASSERT_EQ(st.abandoned_num, 1001);
    ASSERT_EQ(cps_chain_voter_decide(v, nd.fin, &z5.id, &vote), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "extends the lock");
    /* y4 extends y3c, whose claim of y2 is above the abandoned a1 */
    ASSERT_OK(add_with_qc(&nd, &y4, NULL, NULL, NULL));
    ASSERT_OK(cps_chain_voter_decide(v, nd.fin, &y4.id, &vote));
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.lock_num, 1002); /* y4 claims nothing itself */
    /* not in the schedule: no vote */
    cps_chain_voter *outsider;
    char path2[200];
    snprintf(path2, sizeof path2, "%s/outsider.dat", tmpdir);
    ASSERT_OK(cps_chain_voter_open(path2, cps_abi_name("nobody"), &s.keys[0], &outsider));
    ASSERT_EQ(cps_chain_voter_decide(outsider, nd.fin, &y4.id, &vote), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "not a producer");
    cps_chain_voter_close(outsider);
    cps_chain_voter_close(v);
    node_close(&nd);
    remove_tmpdir();
}

/* An earlier build's file ("CPSVOTE1", its lock from gossip) opens: monotony is kept and every
 * QC its votes could have claimed counts as abandoned. */
TEST(voter_reads_an_earlier_builds_state_file)
{
    ASSERT(make_tmpdir() != NULL);
    char path[200];
    snprintf(path, sizeof path, "%s/vote-safety.dat", tmpdir);
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    uint8_t buf[136] = {0};
    memcpy(buf, "CPSVOTE1", 8);
    cps_store_u64(buf + 8, s.prods[0].producer_name);
    cps_store_u32(buf + 16, 5004); /* last vote slot */
    cps_store_u32(buf + 20, 1003); /* last vote num */
    cps_store_u32(buf + 56, 5003); /* lock slot */
    cps_store_u32(buf + 60, 1002); /* lock num */
    cps_store_u32(buf + 96, 5004); /* last signed block slot */
    cps_sha256(buf, 104, buf + 104);
    FILE *fp = fopen(path, "wb");
    ASSERT(fp != NULL);
    ASSERT_EQ(fwrite(buf, 1, sizeof buf, fp), sizeof buf);
    fclose(fp);
    cps_chain_voter *v;
    ASSERT_OK(cps_chain_voter_open(path, s.prods[0].producer_name, &s.keys[0], &v));
    cps_chain_voter_state st;
    cps_chain_voter_get_state(v, &st);
    ASSERT_EQ(st.last_vote_num, 1003);
    ASSERT_EQ(st.last_vote_slot, 5004);
    ASSERT_EQ(st.last_signed_block_slot, 5004);
    ASSERT_EQ(st.lock_num, 0);
    ASSERT_EQ(st.abandoned_num, 1003);
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    /* root <- b1 .. b4 (no claims) <- b5 (claims b4, 1004 > 1003) */
    cps_chain_block_facts b[5];
    cps_chain_block_facts prev = s.root;
    for (int i = 0; i < 5; i++) {
        b[i] = fh_child(&prev, 5001 + (uint32_t)i, s.prods[1].producer_name, 0);
        if (i == 4) certify(&s, &nd, &b[3]);
        ASSERT_OK(add_with_qc(&nd, &b[i], i == 4 ? &nd : NULL, i == 4 ? &b[3].id : NULL, NULL));
        prev = b[i];
    }
    cps_chain_vote vote;
    ASSERT_EQ(cps_chain_voter_decide(v, nd.fin, &b[3].id, &vote), CPS_ERR_STATE);
    ASSERT_OK(cps_chain_voter_decide(v, nd.fin, &b[4].id, &vote));
    cps_chain_voter_close(v);
    /* written back in the current format */
    fp = fopen(path, "rb");
    ASSERT(fp != NULL);
    ASSERT_EQ(fread(buf, 1, sizeof buf, fp), sizeof buf);
    fclose(fp);
    ASSERT_MEM_EQ(buf, "CPSVOTE2", 8);
    node_close(&nd);
    remove_tmpdir();
}

/* ---- partitions ------------------------------------------------------------------------------
 * One node per honest producer (with a voter and its safety file) on its side of the partition;
 * byzantine producers run a node on each side, produce on both and sign every block they see.
 * Blocks and votes reach only the nodes of the side they were made on until the partition heals;
 * then everything is delivered everywhere and production continues together. */

#define MAX_NODES 40
#define MAX_BLOCKS 400
#define MAX_VOTES 30000

typedef struct pnode {
    node nd;
    cps_chain_voter *voter; /* NULL: byzantine */
    uint32_t producer;
    int side;
} pnode;

typedef struct world {
    sim s;
    bool byz[MAXP];
    pnode nodes[MAX_NODES];
    uint32_t node_count;
    cps_chain_fork_db *global; /* every block made anywhere */
    cps_chain_block_facts blocks[MAX_BLOCKS];
    cps_buf qcs[MAX_BLOCKS]; /* the QC extension each block carried (empty: none) */
    int block_side[MAX_BLOCKS];
    uint32_t block_count;
    cps_chain_vote *votes;
    int *vote_side;
    uint32_t vote_count;
} world;

static bool on_side(const pnode *p, int side)
{
    return side < 0 || p->side == side;
}

static int world_open(world *w, uint32_t n, const uint32_t *byz, uint32_t byz_n, const int *side_of)
{
    memset(w, 0, sizeof *w);
    int rc = sim_init(&w->s, n);
    if (rc) return rc;
    w->votes = calloc(MAX_VOTES, sizeof *w->votes);
    w->vote_side = calloc(MAX_VOTES, sizeof *w->vote_side);
    if (!w->votes || !w->vote_side) return CPS_ERR_NOMEM;
    for (uint32_t i = 0; i < byz_n; i++)
        w->byz[byz[i]] = true;
    cps_chain_fork_db_options big = {.max_entries = 4096};
    rc = cps_chain_fork_db_open(&w->s.root, &big, &w->global);
    for (uint32_t p = 0; p < n && !rc; p++) {
        for (int side = 0; side < 2 && !rc; side++) {
            if (!w->byz[p] && side_of[p] != side) continue;
            pnode *pn = &w->nodes[w->node_count++];
            pn->producer = p;
            pn->side = side;
            rc = node_open(&w->s, &pn->nd);
            if (!rc && !w->byz[p]) {
                char path[200];
                snprintf(path, sizeof path, "%s/voter-%u.dat", tmpdir, p);
                rc = cps_chain_voter_open(path, w->s.prods[p].producer_name, &w->s.keys[p],
                                          &pn->voter);
            }
        }
    }
    return rc;
}

static void world_close(world *w)
{
    for (uint32_t i = 0; i < w->node_count; i++) {
        cps_chain_voter_close(w->nodes[i].voter);
        node_close(&w->nodes[i].nd);
    }
    for (uint32_t i = 0; i < w->block_count; i++)
        cps_buf_free(&w->qcs[i]);
    cps_chain_fork_db_close(w->global);
    free(w->votes);
    free(w->vote_side);
}

static int broadcast_vote(world *w, const cps_chain_vote *v, int side)
{
    if (w->vote_count < MAX_VOTES) {
        w->votes[w->vote_count] = *v;
        w->vote_side[w->vote_count++] = side;
    }
    for (uint32_t i = 0; i < w->node_count; i++) {
        if (!on_side(&w->nodes[i], side)) continue;
        cps_chain_finality_result r;
        int rc = cps_chain_finality_on_vote(w->nodes[i].nd.fin, v, &r);
        if (rc) return rc;
    }
    return 0;
}

/* Delivers block k to one node (if it lacks it). */
static int deliver_block(pnode *pn, const world *w, uint32_t k)
{
    const cps_chain_block_facts *b = &w->blocks[k];
    if (cps_chain_fork_db_get(pn->nd.db, &b->id)) return 0;
    int rc = cps_chain_fork_db_add(pn->nd.db, b, NULL, 0, NULL);
    if (rc) return rc;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc qc, *qcp = NULL;
    if (w->qcs[k].size) {
        rc = cps_chain_qc_decode(w->qcs[k].data, w->qcs[k].size, &a, &qc);
        qcp = &qc;
    }
    cps_chain_finality_result r;
    if (!rc) rc = cps_chain_finality_on_block(pn->nd.fin, &b->id, qcp, NULL, &r);
    cps_abi_arena_free(&a);
    return rc;
}

/* Voting on block k by every node of `side` that has it. */
static int vote_on(world *w, uint32_t k, int side)
{
    const cps_chain_block_facts *b = &w->blocks[k];
    for (uint32_t i = 0; i < w->node_count; i++) {
        pnode *pn = &w->nodes[i];
        if (!on_side(pn, side)) continue;
        cps_chain_vote v;
        if (pn->voter) {
            if (cps_chain_voter_decide(pn->voter, pn->nd.fin, &b->id, &v))
                continue; /* the rules said no */
        } else {
            v = vote_of(&w->s, pn->producer, b); /* byzantine: signs whatever it sees */
        }
        int rc = broadcast_vote(w, &v, side);
        if (rc) return rc;
    }
    return 0;
}

/* The producer of `slot` builds on its node's best head on `side` (side -1: healed network). */
static int produce(world *w, uint32_t slot, int side)
{
    uint32_t p = slot % w->s.n;
    for (int sd = 0; sd < 2; sd++) {
        if (side >= 0 && sd != side) continue;
        pnode *maker = NULL;
        for (uint32_t i = 0; i < w->node_count && !maker; i++)
            if (w->nodes[i].producer == p && (side < 0 || w->nodes[i].side == sd))
                maker = &w->nodes[i];
        if (!maker) continue;
        if (w->block_count >= MAX_BLOCKS) return CPS_ERR_LIMIT;
        const cps_chain_fork_entry *head = cps_chain_fork_db_best_head(maker->nd.db);
        uint32_t k = w->block_count++;
        w->blocks[k] = fh_child(&head->facts, slot, w->s.prods[p].producer_name, (uint32_t)sd);
        w->block_side[k] = side;
        cps_buf_reset(&w->qcs[k]);
        if (cps_chain_finality_encode_qc(maker->nd.fin, &head->facts.id, &w->qcs[k]))
            cps_buf_reset(&w->qcs[k]);
        w->blocks[k].claims_qc = w->qcs[k].size > 0; /* the header says what the block carries */
        int rc = cps_chain_fork_db_add(w->global, &w->blocks[k], NULL, 0, NULL);
        for (uint32_t i = 0; i < w->node_count && !rc; i++)
            if (on_side(&w->nodes[i], side)) rc = deliver_block(&w->nodes[i], w, k);
        if (!rc) rc = vote_on(w, k, side);
        if (rc) return rc;
        if (side < 0) break; /* healed: one block per slot */
    }
    return 0;
}

/* Every node gets every block (in production order) and every vote. */
static int heal(world *w)
{
    for (uint32_t k = 0; k < w->block_count; k++)
        for (uint32_t i = 0; i < w->node_count; i++) {
            int rc = deliver_block(&w->nodes[i], w, k);
            if (rc) return rc;
        }
    uint32_t n = w->vote_count;
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t i = 0; i < w->node_count; i++) {
            cps_chain_finality_result r;
            int rc = cps_chain_finality_on_vote(w->nodes[i].nd.fin, &w->votes[j], &r);
            if (rc) return rc;
        }
    return 0;
}

/* True if every pair of LIBs lies on one chain. */
static bool libs_consistent(const world *w)
{
    for (uint32_t i = 0; i < w->node_count; i++)
        for (uint32_t j = 0; j < i; j++) {
            cps_checksum256 a, b;
            cps_chain_finality_lib_id(w->nodes[i].nd.fin, &a);
            cps_chain_finality_lib_id(w->nodes[j].nd.fin, &b);
            if (!cps_chain_fork_db_extends(w->global, &a, &b) &&
                !cps_chain_fork_db_extends(w->global, &b, &a))
                return false;
        }
    return true;
}

static uint32_t max_lib(const world *w, int side)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < w->node_count; i++)
        if (on_side(&w->nodes[i], side) && cps_chain_finality_lib_num(w->nodes[i].nd.fin) > m)
            m = cps_chain_finality_lib_num(w->nodes[i].nd.fin);
    return m;
}

static uint32_t min_lib(const world *w)
{
    uint32_t m = UINT32_MAX;
    for (uint32_t i = 0; i < w->node_count; i++)
        if (cps_chain_finality_lib_num(w->nodes[i].nd.fin) < m)
            m = cps_chain_finality_lib_num(w->nodes[i].nd.fin);
    return m;
}

/* Every evidence record on every node names a byzantine producer and verifies; returns the set
 * of producers named (bit i = producer i). */
static uint32_t check_evidence(const world *w, bool *all_valid)
{
    uint32_t named = 0;
    *all_valid = true;
    for (uint32_t i = 0; i < w->node_count; i++) {
        const cps_chain_finality *f = w->nodes[i].nd.fin;
        for (size_t k = 0; k < cps_chain_finality_evidence_count(f); k++) {
            const cps_chain_evidence *e = cps_chain_finality_evidence_at(f, k);
            uint32_t p = 0;
            while (p < w->s.n && w->s.prods[p].producer_name != e->producer)
                p++;
            if (p == w->s.n || !w->byz[p])
                *all_valid = false;
            else
                named |= 1u << p;
            cps_buf enc = {0};
            cps_chain_evidence got;
            if (cps_chain_evidence_encode(&enc, e) ||
                cps_chain_evidence_decode(enc.data, enc.size, &got) || p == w->s.n ||
                cps_chain_evidence_verify(&w->s.chain_id, &w->s.prods[p].block_signing_key, &got))
                *all_valid = false;
            cps_buf_free(&enc);
        }
    }
    return named;
}

static void partition_run(uint32_t n, const uint32_t *byz, uint32_t byz_n, const int *side_of,
                          bool expect_safe, uint32_t partition_slots, uint32_t healed_slots)
{
    ASSERT(make_tmpdir() != NULL);
    world w;
    ASSERT_OK(world_open(&w, n, byz, byz_n, side_of));
    uint32_t slot = 5001;
    for (uint32_t i = 0; i < partition_slots; i++, slot++) {
        ASSERT_OK(produce(&w, slot, 0));
        ASSERT_OK(produce(&w, slot, 1));
        if (expect_safe) ASSERT_MSG(libs_consistent(&w), "conflicting finality at slot %u", slot);
    }
    uint32_t lib0 = max_lib(&w, 0), lib1 = max_lib(&w, 1);
    ASSERT_OK(heal(&w));
    if (expect_safe) ASSERT(libs_consistent(&w));
    bool valid;
    uint32_t named = check_evidence(&w, &valid);
    ASSERT_MSG(valid, "evidence against an honest producer, or evidence that does not verify");
    uint32_t byz_mask = 0;
    for (uint32_t i = 0; i < byz_n; i++)
        byz_mask |= 1u << byz[i];
    if (expect_safe) {
        /* liveness after the heal: finality resumes for everyone, on one chain */
        uint32_t before = min_lib(&w);
        for (uint32_t i = 0; i < healed_slots; i++, slot++) {
            ASSERT_OK(produce(&w, slot, -1));
            ASSERT_MSG(libs_consistent(&w), "conflicting finality at slot %u after the heal", slot);
        }
        ASSERT_MSG(min_lib(&w) > before + healed_slots / 2,
                   "finality stalled after the heal: %u -> %u", before, min_lib(&w));
        ASSERT_MSG(min_lib(&w) > lib0 && min_lib(&w) > lib1,
                   "LIB %u not past the partition's %u/%u", min_lib(&w), lib0, lib1);
    } else {
        /* with a third or more equivocating, both halves finalized conflicting blocks; the
         * evidence names every byzantine producer that signed on both sides */
        ASSERT(lib0 > 1000 && lib1 > 1000);
        ASSERT(!libs_consistent(&w));
        ASSERT_EQ(named, byz_mask);
    }
    world_close(&w);
    remove_tmpdir();
}

TEST(partition_4_producers_one_equivocator_stays_safe)
{
    /* producers 0, 1 on side 0; 2 on side 1; 3 byzantine on both: side 0 has a quorum (3 of 4),
     * side 1 does not */
    const uint32_t byz[] = {3};
    const int side_of[] = {0, 0, 1, 0};
    partition_run(4, byz, 1, side_of, true, 24, 24);
}

TEST(partition_21_producers_six_equivocators_stays_safe)
{
    /* 6 byzantine (< 21/3) on both sides, 8 + 7 honest: neither side reaches 15 */
    const uint32_t byz[] = {1, 4, 8, 12, 16, 20};
    int side_of[21];
    for (int i = 0; i < 21; i++)
        side_of[i] = i % 2;
    partition_run(21, byz, 6, side_of, true, 21, 42);
}

TEST(partition_4_producers_two_equivocators_leave_evidence)
{
    /* 2 of 4 byzantine: 1 honest + 2 byzantine is a quorum on each side */
    const uint32_t byz[] = {2, 3};
    const int side_of[] = {0, 1, 0, 0};
    partition_run(4, byz, 2, side_of, false, 16, 0);
}

TEST(partition_21_producers_nine_equivocators_leave_evidence)
{
    const uint32_t byz[] = {0, 2, 4, 6, 8, 10, 12, 14, 16};
    int side_of[21];
    for (int i = 0; i < 21; i++)
        side_of[i] = (i / 2) % 2; /* 6 honest per side */
    partition_run(21, byz, 9, side_of, false, 21, 0);
}

/* ---- latency -----------------------------------------------------------------------------------
 * A deterministic event simulation of 21 producer nodes in a full mesh: each produces 12
 * consecutive 500 ms blocks, a message from node i to node j takes 40..200 ms (fixed per pair),
 * validating a block 10 ms. Blocks carry the QC of their parent when the producer has it; votes
 * are gossiped and counted on arrival. The time from a block's production to each node seeing it
 * final must have a median of at most 1 s (the goal): it would be about 1.5 s if the
 * second QC had to travel inside a block too. Simulated time, not wall time. */

enum { LN = 21, LBLOCKS = 48 };

typedef struct lat_event {
    uint32_t time_ms;
    uint32_t seq; /* ties broken by creation order: deterministic */
    uint8_t kind; /* 0 block, 1 vote */
    uint8_t to;
    uint32_t item; /* block index, or vote index */
} lat_event;

typedef struct lat_world {
    sim s;
    pnode nodes[LN];
    cps_chain_block_facts blocks[LBLOCKS];
    cps_buf qcs[LBLOCKS];
    uint32_t made_ms[LBLOCKS];
    uint32_t final_ms[LBLOCKS][LN]; /* 0: not yet */
    cps_chain_vote *votes;
    uint32_t vote_count;
    lat_event *heap;
    uint32_t heap_n, seq;
} lat_world;

static bool ev_before(const lat_event *a, const lat_event *b)
{
    return a->time_ms != b->time_ms ? a->time_ms < b->time_ms : a->seq < b->seq;
}

static void ev_push(lat_world *w, lat_event e)
{
    e.seq = w->seq++;
    uint32_t i = w->heap_n++;
    w->heap[i] = e;
    while (i && ev_before(&w->heap[i], &w->heap[(i - 1) / 2])) {
        lat_event t = w->heap[i];
        w->heap[i] = w->heap[(i - 1) / 2];
        w->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static lat_event ev_pop(lat_world *w)
{
    lat_event top = w->heap[0];
    w->heap[0] = w->heap[--w->heap_n];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < w->heap_n && ev_before(&w->heap[l], &w->heap[m])) m = l;
        if (r < w->heap_n && ev_before(&w->heap[r], &w->heap[m])) m = r;
        if (m == i) break;
        lat_event t = w->heap[i];
        w->heap[i] = w->heap[m];
        w->heap[m] = t;
        i = m;
    }
    return top;
}

static uint32_t delay_ms(uint32_t from, uint32_t to)
{
    return 40 + ((from * 7 + to * 13) % 9) * 20;
}

static void note_final(lat_world *w, uint32_t node_i, uint32_t now, uint32_t nblocks)
{
    uint32_t lib = cps_chain_finality_lib_num(w->nodes[node_i].nd.fin);
    for (uint32_t k = 0; k < nblocks; k++)
        if (w->blocks[k].block_num <= lib && !w->final_ms[k][node_i]) w->final_ms[k][node_i] = now;
}

static int lat_vote(lat_world *w, uint32_t node_i, uint32_t k, uint32_t now)
{
    cps_chain_vote v;
    if (cps_chain_voter_decide(w->nodes[node_i].voter, w->nodes[node_i].nd.fin, &w->blocks[k].id,
                               &v))
        return 0;
    uint32_t vi = w->vote_count++;
    w->votes[vi] = v;
    for (uint32_t j = 0; j < LN; j++)
        ev_push(w, (lat_event){.time_ms = now + (j == node_i ? 0 : delay_ms(node_i, j)),
                               .kind = 1,
                               .to = (uint8_t)j,
                               .item = vi});
    return 0;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

TEST(median_finality_under_one_second_with_gossiped_votes)
{
    ASSERT(make_tmpdir() != NULL);
    lat_world *w = calloc(1, sizeof *w);
    ASSERT(w != NULL);
    w->votes = calloc(LBLOCKS * LN, sizeof *w->votes);
    w->heap = calloc(LBLOCKS * LN * (LN + 1) + LBLOCKS * LN, sizeof *w->heap);
    ASSERT(w->votes && w->heap);
    ASSERT_OK(sim_init(&w->s, LN));
    for (uint32_t i = 0; i < LN; i++) {
        ASSERT_OK(node_open(&w->s, &w->nodes[i].nd));
        char path[200];
        snprintf(path, sizeof path, "%s/lat-%u.dat", tmpdir, i);
        ASSERT_OK(cps_chain_voter_open(path, w->s.prods[i].producer_name, &w->s.keys[i],
                                       &w->nodes[i].voter));
    }
    uint32_t next_block = 0;
    uint32_t next_production = 500;
    while (next_block < LBLOCKS || w->heap_n) {
        bool produce_now =
            next_block < LBLOCKS && (!w->heap_n || next_production <= w->heap[0].time_ms);
        if (produce_now) {
            uint32_t k = next_block++, now = next_production;
            next_production += 500;
            uint32_t slot = 5000 + now / 500;
            uint32_t p = (slot / 12) % LN;
            node *maker = &w->nodes[p].nd;
            const cps_chain_fork_entry *head = cps_chain_fork_db_best_head(maker->db);
            w->blocks[k] = fh_child(&head->facts, slot, w->s.prods[p].producer_name, 0);
            w->made_ms[k] = now;
            if (cps_chain_finality_encode_qc(maker->fin, &head->facts.id, &w->qcs[k]))
                cps_buf_reset(&w->qcs[k]);
            w->blocks[k].claims_qc = w->qcs[k].size > 0;
            for (uint32_t j = 0; j < LN; j++)
                ev_push(w, (lat_event){.time_ms = now + (j == p ? 0 : delay_ms(p, j)),
                                       .kind = 0,
                                       .to = (uint8_t)j,
                                       .item = k});
            continue;
        }
        lat_event e = ev_pop(w);
        pnode *pn = &w->nodes[e.to];
        if (e.kind == 0) {
            /* the block arrives, is validated (10 ms), then voted on */
            int rc = cps_chain_fork_db_add(pn->nd.db, &w->blocks[e.item], NULL, 0, NULL);
            ASSERT_MSG(rc == 0, "node %u block %u: %s", e.to, e.item, cps_last_error());
            cps_arena a;
            cps_abi_arena_init(&a);
            cps_chain_qc qc, *qcp = NULL;
            if (w->qcs[e.item].size) {
                ASSERT_OK(cps_chain_qc_decode(w->qcs[e.item].data, w->qcs[e.item].size, &a, &qc));
                qcp = &qc;
            }
            cps_chain_finality_result r;
            ASSERT_OK(
                cps_chain_finality_on_block(pn->nd.fin, &w->blocks[e.item].id, qcp, NULL, &r));
            cps_abi_arena_free(&a);
            note_final(w, e.to, e.time_ms, next_block);
            ASSERT_OK(lat_vote(w, e.to, e.item, e.time_ms + 10));
        } else {
            cps_chain_finality_result r;
            ASSERT_OK(cps_chain_finality_on_vote(pn->nd.fin, &w->votes[e.item], &r));
            if (r.new_final) note_final(w, e.to, e.time_ms, next_block);
        }
    }
    /* every block but the last two (which have no successor pair yet) is final everywhere */
    uint32_t *lat = calloc(LBLOCKS * LN, sizeof *lat);
    ASSERT(lat != NULL);
    uint32_t n = 0;
    for (uint32_t k = 0; k + 2 < LBLOCKS; k++)
        for (uint32_t j = 0; j < LN; j++) {
            ASSERT_MSG(w->final_ms[k][j], "block %u never final on node %u", k, j);
            lat[n++] = w->final_ms[k][j] - w->made_ms[k];
        }
    qsort(lat, n, sizeof *lat, by_u32);
    uint32_t median = lat[n / 2], p90 = lat[n * 9 / 10];
    printf("  simulated production->finality (21 producers, 40-200 ms links): median %u ms, p90 %u "
           "ms\n",
           median, p90);
    ASSERT_MSG(median <= 1000, "median %u ms", median);
    free(lat);
    for (uint32_t i = 0; i < LN; i++) {
        cps_chain_voter_close(w->nodes[i].voter);
        node_close(&w->nodes[i].nd);
    }
    for (uint32_t k = 0; k < LBLOCKS; k++)
        cps_buf_free(&w->qcs[k]);
    free(w->votes);
    free(w->heap);
    free(w);
    remove_tmpdir();
}

/* ---- joint QCs across a schedule change -------------------------------------------------------
 * 8 keyed producers: version 1 (active) = producers 0..3, version 2 (pending at the root) =
 * producers 2..6; 2 and 3 are in both with the same keys, 7 is in neither. */

static int joint_sim_init(sim *s)
{
    int rc = sim_init(s, 8);
    s->n = 4; /* node_open registers version 1 with the first n producers */
    s->root.pending_version = 2;
    return rc;
}

static int joint_node_open(const sim *s, node *nd)
{
    int rc = node_open(s, nd);
    cps_chain_finality_schedule v2 = {2, s->prods + 2, 5};
    if (!rc) rc = cps_chain_finality_set_schedule(nd->fin, &v2);
    return rc;
}

TEST(joint_qc_needs_both_schedules)
{
    sim s;
    ASSERT_OK(joint_sim_init(&s));
    node nd;
    ASSERT_OK(joint_node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    const cps_chain_fork_entry *be = cps_chain_fork_db_get(nd.db, &b.id);
    ASSERT(be != NULL);
    ASSERT_EQ(be->facts.schedule_version, 1);
    ASSERT_EQ(be->facts.pending_version, 2);
    cps_chain_finality_result r;

    /* 0 and 1: active only */
    for (uint32_t p = 0; p < 2; p++) {
        cps_chain_vote v = vote_of(&s, p, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        ASSERT_MSG(r.accepted, "vote %u: %s", p, r.reason);
        ASSERT(!r.qc_formed);
    }
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    /* 2, in both: the active schedule has its quorum (3 of 4), the pending one 1 of 5 */
    cps_chain_vote v2 = vote_of(&s, 2, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v2, &r));
    ASSERT(r.accepted);
    ASSERT(!r.qc_formed);
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    ASSERT(!cps_chain_finality_highest_qc(nd.fin, NULL, NULL));
    ASSERT_EQ(cps_chain_finality_encode_qc(nd.fin, &b.id, &(cps_buf){0}), CPS_ERR_NOT_FOUND);
    /* a pending-only producer's name signed with another pending producer's key */
    cps_chain_vote forged = {
        .producer = s.prods[4].producer_name, .block_id = b.id, .block_num = b.block_num};
    ASSERT_OK(cps_chain_vote_sign(&s.chain_id, &s.keys[5], &forged));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &forged, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "bad signature");
    /* 4 and 5: pending only, 3 of 5 is short of q(5) = 4 */
    for (uint32_t p = 4; p < 6; p++) {
        cps_chain_vote v = vote_of(&s, p, &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        ASSERT_MSG(r.accepted, "vote %u: %s", p, r.reason);
        ASSERT(!r.qc_formed);
    }
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    ASSERT_EQ(cps_chain_finality_vote_count(nd.fin, &b.id), 5);
    /* 6: pending 4 of 5, both quorums */
    cps_chain_vote v6 = vote_of(&s, 6, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v6, &r));
    ASSERT(r.accepted);
    ASSERT(r.qc_formed);
    ASSERT_MEM_EQ(r.qc_block.b, b.id.b, 32);
    ASSERT(cps_chain_finality_has_qc(nd.fin, &b.id));
    /* 7 is in neither schedule */
    cps_chain_vote v7 = vote_of(&s, 7, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v7, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "not a producer");
    ASSERT_EQ(cps_chain_finality_vote_count(nd.fin, &b.id), 6);

    /* the encoded QC has both parts */
    cps_buf enc = {0};
    ASSERT_OK(cps_chain_finality_encode_qc(nd.fin, &b.id, &enc));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc qc;
    ASSERT_OK(cps_chain_qc_decode(enc.data, enc.size, &a, &qc));
    ASSERT_MEM_EQ(qc.block_id.b, b.id.b, 32);
    ASSERT_EQ(qc.schedule_version, 1);
    ASSERT_EQ(qc.signature_count, 3);
    ASSERT_EQ(qc.bitset_len, 1);
    ASSERT_EQ(qc.bitset[0], 0x07); /* producers 0, 1, 2 */
    ASSERT(qc.has_pending);
    ASSERT_EQ(qc.pending.schedule_version, 2);
    ASSERT_EQ(qc.pending.signature_count, 4);
    ASSERT_EQ(qc.pending.bitset_len, 1);
    ASSERT_EQ(qc.pending.bitset[0], 0x1d); /* producers 2, 4, 5, 6 = version 2's 0, 2, 3, 4 */
    cps_chain_finality_schedule act = {1, s.prods, 4}, pen = {2, s.prods + 2, 5};
    ASSERT_OK(cps_chain_qc_verify_joint(&s.chain_id, &act, &pen, &qc));
    ASSERT_EQ(cps_chain_qc_verify_joint(&s.chain_id, &act, NULL, &qc), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "the block has none");
    ASSERT_EQ(cps_chain_qc_verify(&s.chain_id, &act, &qc), CPS_ERR_BLOCK);
    cps_chain_qc active_only = qc;
    active_only.has_pending = false;
    ASSERT_EQ(cps_chain_qc_verify_joint(&s.chain_id, &act, &pen, &active_only), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "lacks the part");
    /* the pending part's signatures are checked against the pending schedule's keys */
    cps_chain_qc swapped = qc;
    cps_signature psigs[4];
    memcpy(psigs, qc.pending.signatures, sizeof psigs);
    psigs[1] = qc.pending.signatures[2];
    psigs[2] = qc.pending.signatures[1];
    swapped.pending.signatures = psigs;
    ASSERT_EQ(cps_chain_qc_verify_joint(&s.chain_id, &act, &pen, &swapped), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "pending producer 2");
    /* the pending part against the active schedule (versions swapped) is refused */
    ASSERT_EQ(cps_chain_qc_verify_joint(&s.chain_id, &pen, &act, &qc), CPS_ERR_BLOCK);

    /* a second node learns QC(B) from a child carrying it, with its 6 voters */
    node n2;
    ASSERT_OK(joint_node_open(&s, &n2));
    ASSERT_OK(add_with_qc(&n2, &b, NULL, NULL, NULL));
    cps_chain_block_facts c = fh_child(&b, 5002, s.prods[1].producer_name, 0);
    ASSERT_OK(add_with_qc(&n2, &c, &nd, &b.id, &r));
    ASSERT(r.qc_formed);
    ASSERT_MEM_EQ(r.qc_block.b, b.id.b, 32);
    ASSERT(cps_chain_finality_has_qc(n2.fin, &b.id));
    ASSERT_EQ(cps_chain_fork_db_get(n2.db, &c.id)->facts.pending_version, 2);
    ASSERT_EQ(cps_chain_finality_vote_count(n2.fin, &b.id), 6);
    /* the merged signatures re-encode to the same QC */
    cps_buf enc2 = {0};
    ASSERT_OK(cps_chain_finality_encode_qc(n2.fin, &b.id, &enc2));
    ASSERT_EQ(enc2.size, enc.size);
    ASSERT_MEM_EQ(enc2.data, enc.data, enc.size);
    /* exactly 0, 1, 2, 4, 5, 6 were counted: their votes are duplicates, 3's is new */
    const uint32_t counted[] = {0, 1, 2, 4, 5, 6};
    for (size_t i = 0; i < CPS_ARRAY_LEN(counted); i++) {
        cps_chain_vote v = vote_of(&s, counted[i], &b);
        ASSERT_OK(cps_chain_finality_on_vote(n2.fin, &v, &r));
        ASSERT_MSG(!r.accepted, "producer %u counted twice", counted[i]);
        ASSERT_CONTAINS(r.reason, "duplicate");
    }
    cps_chain_vote v3 = vote_of(&s, 3, &b);
    ASSERT_OK(cps_chain_finality_on_vote(n2.fin, &v3, &r));
    ASSERT(r.accepted);
    ASSERT_EQ(cps_chain_finality_vote_count(n2.fin, &b.id), 7);

    /* a third node refuses a child carrying only the active part of QC(B) */
    node n3;
    ASSERT_OK(joint_node_open(&s, &n3));
    ASSERT_OK(add_with_qc(&n3, &b, NULL, NULL, NULL));
    cps_buf enc3 = {0};
    ASSERT_OK(cps_chain_qc_encode(&enc3, &active_only));
    ASSERT(enc3.size < enc.size);
    cps_chain_qc q3;
    ASSERT_OK(cps_chain_qc_decode(enc3.data, enc3.size, &a, &q3));
    ASSERT(!q3.has_pending);
    ASSERT_OK(cps_chain_fork_db_add(n3.db, &c, NULL, 0, NULL));
    ASSERT_EQ(cps_chain_finality_on_block(n3.fin, &c.id, &q3, NULL, &r), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "lacks the part");
    ASSERT(!cps_chain_finality_has_qc(n3.fin, &b.id));
    ASSERT_EQ(cps_chain_finality_vote_count(n3.fin, &b.id), 0);

    cps_abi_arena_free(&a);
    cps_buf_free(&enc);
    cps_buf_free(&enc2);
    cps_buf_free(&enc3);
    node_close(&nd);
    node_close(&n2);
    node_close(&n3);
}

TEST(voter_votes_when_only_in_the_pending_schedule)
{
    ASSERT(make_tmpdir() != NULL);
    char path5[200], path7[200], path0[200];
    snprintf(path5, sizeof path5, "%s/vote-5.dat", tmpdir);
    snprintf(path7, sizeof path7, "%s/vote-7.dat", tmpdir);
    snprintf(path0, sizeof path0, "%s/vote-0.dat", tmpdir);
    sim s;
    ASSERT_OK(joint_sim_init(&s));
    node nd;
    ASSERT_OK(joint_node_open(&s, &nd));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    cps_chain_block_facts d = fh_child(&b, 5002, s.prods[1].producer_name, 0);
    d.schedule_version = 2; /* activates version 2: no pending schedule any more */
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    ASSERT_OK(add_with_qc(&nd, &d, NULL, NULL, NULL));
    ASSERT_EQ(cps_chain_fork_db_get(nd.db, &b.id)->facts.pending_version, 2);
    ASSERT_EQ(cps_chain_fork_db_get(nd.db, &d.id)->facts.pending_version, 0);

    /* producer 5 is only in B's pending schedule: it votes, and the vote counts */
    cps_chain_voter *v5, *v7, *v0;
    ASSERT_OK(cps_chain_voter_open(path5, s.prods[5].producer_name, &s.keys[5], &v5));
    cps_chain_vote vote;
    ASSERT_OK(cps_chain_voter_decide(v5, nd.fin, &b.id, &vote));
    ASSERT_U64_EQ(vote.producer, s.prods[5].producer_name);
    ASSERT_MEM_EQ(vote.block_id.b, b.id.b, 32);
    ASSERT_EQ(vote.block_num, 1001);
    ASSERT_OK(cps_chain_vote_verify(&s.chain_id, &s.prods[5].block_signing_key, &vote));
    cps_chain_voter_state st;
    cps_chain_voter_get_state(v5, &st);
    ASSERT_EQ(st.last_vote_num, 1001);
    cps_chain_finality_result r;
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &vote, &r));
    ASSERT_MSG(r.accepted, "%s", r.reason);
    ASSERT_EQ(cps_chain_finality_vote_count(nd.fin, &b.id), 1);
    /* and in D's active schedule (version 2) as well */
    ASSERT_OK(cps_chain_voter_decide(v5, nd.fin, &d.id, &vote));
    ASSERT_MEM_EQ(vote.block_id.b, d.id.b, 32);

    /* producer 7 is in neither: refused, nothing persisted */
    ASSERT_OK(cps_chain_voter_open(path7, s.prods[7].producer_name, &s.keys[7], &v7));
    ASSERT_EQ(cps_chain_voter_decide(v7, nd.fin, &b.id, &vote), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "not a producer");
    cps_chain_voter_get_state(v7, &st);
    ASSERT_EQ(st.last_vote_num, 0);
    ASSERT(access(path7, F_OK) != 0);

    /* producer 0 (only in version 1) may vote on B but not on D, which has no pending schedule */
    ASSERT_OK(cps_chain_voter_open(path0, s.prods[0].producer_name, &s.keys[0], &v0));
    ASSERT_EQ(cps_chain_voter_decide(v0, nd.fin, &d.id, &vote), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "not a producer");
    ASSERT_OK(cps_chain_voter_decide(v0, nd.fin, &b.id, &vote));

    cps_chain_voter_close(v5);
    cps_chain_voter_close(v7);
    cps_chain_voter_close(v0);
    node_close(&nd);
    remove_tmpdir();
}

/* A producer whose key differs between the two schedules: its vote signed with one key counts in
 * that schedule, a second vote with the other key counts in the other; a carried QC with both
 * signatures completes the quorum on a node that only sees the block. */
TEST(a_producer_with_another_key_in_the_pending_schedule_counts_in_both)
{
    sim s;
    ASSERT_OK(joint_sim_init(&s));
    /* version 2 lists producer 2 with producer 7's key */
    cps_producer_key v2p[5];
    memcpy(v2p, s.prods + 2, sizeof v2p);
    v2p[0].block_signing_key = s.prods[7].block_signing_key;
    node nd, n2;
    ASSERT_OK(node_open(&s, &nd));
    ASSERT_OK(node_open(&s, &n2));
    cps_chain_finality_schedule v2 = {2, v2p, 5};
    ASSERT_OK(cps_chain_finality_set_schedule(nd.fin, &v2));
    ASSERT_OK(cps_chain_finality_set_schedule(n2.fin, &v2));
    cps_chain_block_facts b = fh_child(&s.root, 5001, s.prods[0].producer_name, 0);
    ASSERT_OK(add_with_qc(&nd, &b, NULL, NULL, NULL));
    cps_chain_finality_result r;
    uint32_t order[] = {0, 1, 2, 4, 5, 6};
    for (size_t k = 0; k < 6; k++) {
        cps_chain_vote v = vote_of(&s, order[k], &b);
        ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &v, &r));
        ASSERT_MSG(r.accepted, "vote %u: %s", order[k], r.reason);
    }
    /* producer 2 counted in the active schedule only: pending 3 of 5, q(5) = 4 */
    ASSERT(!cps_chain_finality_has_qc(nd.fin, &b.id));
    cps_chain_vote again = vote_of(&s, 2, &b);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &again, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "duplicate");
    /* its vote signed with its version-2 key */
    cps_chain_vote other = {
        .producer = s.prods[2].producer_name, .block_id = b.id, .block_num = b.block_num};
    ASSERT_OK(cps_chain_vote_sign(&s.chain_id, &s.keys[7], &other));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &other, &r));
    ASSERT_MSG(r.accepted, "%s", r.reason);
    ASSERT(r.qc_formed);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &other, &r));
    ASSERT(!r.accepted);
    ASSERT_CONTAINS(r.reason, "duplicate");
    /* the QC carries each signature in its own part and verifies; a node that only sees the
     * child carrying it learns QC(B) */
    cps_buf enc = {0};
    ASSERT_OK(cps_chain_finality_encode_qc(nd.fin, &b.id, &enc));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc qc;
    ASSERT_OK(cps_chain_qc_decode(enc.data, enc.size, &a, &qc));
    cps_chain_finality_schedule v1 = {1, s.prods, 4};
    ASSERT_OK(cps_chain_qc_verify_joint(&s.chain_id, &v1, &v2, &qc));
    ASSERT_EQ(qc.pending.signature_count, 4);
    ASSERT_OK(add_with_qc(&n2, &b, NULL, NULL, NULL));
    cps_chain_block_facts c = fh_child(&b, 5002, s.prods[1].producer_name, 0);
    ASSERT_OK(add_with_qc(&n2, &c, &nd, &b.id, &r));
    ASSERT(r.qc_formed);
    ASSERT(cps_chain_finality_has_qc(n2.fin, &b.id));
    ASSERT_EQ(cps_chain_finality_vote_count(n2.fin, &b.id), 7);
    cps_abi_arena_free(&a);
    cps_buf_free(&enc);
    node_close(&nd);
    node_close(&n2);
}

/* Votes out of order (kind 3): a producer's two votes where neither is after the other in both
 * slot and height — a crossing pair and two votes at one slot — leave records anyone checks
 * with the headers, the chain id and the key; votes that rise in both leave none. */
/* A collected record survives its encoding, verifies with its producer's key and with no other
 * (producer 1's), and no flipped byte or cut encoding passes. */
static void check_record(const sim *s, const cps_chain_evidence *e, const cps_public_key *key,
                         size_t k)
{
    cps_buf enc = {0};
    ASSERT_OK(cps_chain_evidence_encode(&enc, e));
    cps_chain_evidence got;
    ASSERT_OK(cps_chain_evidence_decode(enc.data, enc.size, &got));
    ASSERT_OK(cps_chain_evidence_verify(&s->chain_id, key, &got));
    ASSERT(cps_chain_evidence_verify(&s->chain_id, &s->prods[1].block_signing_key, &got) != 0);
    for (size_t i = 0; i < enc.size; i++) {
        enc.data[i] ^= 0x40;
        cps_chain_evidence t;
        int rc = cps_chain_evidence_decode(enc.data, enc.size, &t);
        if (!rc) rc = cps_chain_evidence_verify(&s->chain_id, key, &t);
        ASSERT_MSG(rc != 0, "record %zu: flipping byte %zu still verifies", k, i);
        enc.data[i] ^= 0x40;
    }
    for (size_t cut = 0; cut < enc.size; cut++)
        ASSERT(cps_chain_evidence_decode(enc.data, cut, &got) != 0);
    cps_buf_free(&enc);
}

/* Adds a raw block to the node: fork db, then the tracker (its carried QC checked). */
static void add_raw(node *nd, const cps_buf *raw)
{
    cps_chain_finality_result r;
    ASSERT_OK(cps_chain_fork_db_add_block(nd->db, raw->data, raw->size, NULL));
    ASSERT_OK(cps_chain_finality_on_raw_block(nd->fin, raw->data, raw->size, NULL, &r));
}

TEST(votes_out_of_order_leave_checkable_evidence)
{
    sim s;
    ASSERT_OK(sim_init(&s, 4));
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    /* root(5000) <- a1(5001) <- a2(5002); root <- x(5003, height 1001); root <- y(5002, 1001) */
    cps_buf ra1 = {0}, ra2 = {0}, rx = {0}, ry = {0};
    cps_checksum256 a1, a2, x, y;
    ASSERT_OK(fh_raw_block(&s.root.id, 5001, s.prods[0].producer_name, 1, NULL, &s.keys[0], &ra1,
                           &a1, NULL, NULL));
    ASSERT_OK(fh_raw_block(&a1, 5002, s.prods[0].producer_name, 1, NULL, &s.keys[0], &ra2, &a2,
                           NULL, NULL));
    ASSERT_OK(fh_raw_block(&s.root.id, 5003, s.prods[1].producer_name, 1, NULL, &s.keys[1], &rx,
                           &x, NULL, NULL));
    ASSERT_OK(fh_raw_block(&s.root.id, 5002, s.prods[2].producer_name, 1, NULL, &s.keys[2], &ry,
                           &y, NULL, NULL));
    cps_chain_finality_result r;
    cps_buf *raws[] = {&ra1, &ra2, &rx, &ry};
    for (int i = 0; i < 4; i++)
        add_raw(&nd, raws[i]);
    const cps_chain_block_facts *fa1 = &cps_chain_fork_db_get(nd.db, &a1)->facts;
    const cps_chain_block_facts *fa2 = &cps_chain_fork_db_get(nd.db, &a2)->facts;
    const cps_chain_block_facts *fx = &cps_chain_fork_db_get(nd.db, &x)->facts;
    const cps_chain_block_facts *fy = &cps_chain_fork_db_get(nd.db, &y)->facts;
    /* honest: producer 0 votes a1, then a2 (both slot and height rise) */
    cps_chain_vote h1 = vote_of(&s, 0, fa1), h2 = vote_of(&s, 0, fa2);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &h1, &r));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &h2, &r));
    ASSERT(!r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 0);
    /* producer 3: a2 (5002, 1002), then x (5003, 1001): a later slot at a lower height */
    cps_chain_vote c1 = vote_of(&s, 3, fa2), c2 = vote_of(&s, 3, fx);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &c1, &r));
    ASSERT(!r.evidence);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &c2, &r));
    ASSERT(r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 1);
    /* producer 2: y (5002, 1001) and a2 (5002, 1002): one slot, two heights */
    cps_chain_vote d1 = vote_of(&s, 2, fy), d2 = vote_of(&s, 2, fa2);
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &d1, &r));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &d2, &r));
    ASSERT(r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 2);
    const uint32_t who[2] = {3, 2};
    for (size_t k = 0; k < 2; k++) {
        const cps_chain_evidence *e = cps_chain_finality_evidence_at(nd.fin, k);
        ASSERT_EQ(e->kind, CPS_CHAIN_EVIDENCE_VOTE_ORDER);
        ASSERT_U64_EQ(e->producer, s.prods[who[k]].producer_name);
        check_record(&s, e, &s.prods[who[k]].block_signing_key, k);
    }
    /* a pair in order is no evidence, even with valid signatures and headers: producer 0's */
    cps_chain_evidence fake = *cps_chain_finality_evidence_at(nd.fin, 0);
    fake.producer = s.prods[0].producer_name;
    fake.key = s.prods[0].block_signing_key;
    fake.vote[0] = h1;
    fake.vote[1] = h2;
    cps_arena ar;
    cps_abi_arena_init(&ar);
    cps_bytes hdr[2];
    const cps_buf *hraw[2] = {&ra1, &ra2};
    for (int i = 0; i < 2; i++) {
        cps_reader rd = cps_reader_make(hraw[i]->data, hraw[i]->size);
        cps_block_header hh;
        ASSERT_OK(cps_abi_block_header_unpack(&rd, &ar, &hh));
        hdr[i] = (cps_bytes){hraw[i]->data, rd.pos};
        fake.block[i].header = hdr[i];
    }
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[0].block_signing_key, &fake),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "are in order");
    /* a header that is not the voted block's */
    fake.block[1].header = hdr[0];
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[0].block_signing_key, &fake),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "not the voted block's");
    cps_abi_arena_free(&ar);
    for (int i = 0; i < 4; i++) cps_buf_free(raws[i]);
    node_close(&nd);
}

TEST(lock_breach_leaves_checkable_evidence)
{
    ASSERT(make_tmpdir() != NULL);
    sim s;
    ASSERT_OK(sim_init(&s, 7)); /* q = 5 */
    node nd;
    ASSERT_OK(node_open(&s, &nd));
    cps_chain_finality_result r;
    /* root(1000) <- a1 <- a2 (carries QC(a1));  root <- b1 <- b2 <- b3 <- c4 (carries QC(b3)) */
    cps_buf ra1 = {0}, ra2 = {0}, rb1 = {0}, rb2 = {0}, rb3 = {0}, rc4 = {0}, qc = {0};
    cps_checksum256 a1, a2, b1, b2, b3, c4;
    ASSERT_OK(fh_raw_block(&s.root.id, 5001, s.prods[0].producer_name, 1, NULL, &s.keys[0], &ra1,
                           &a1, NULL, NULL));
    add_raw(&nd, &ra1);
    votes_on(&s, &nd, 0, 5, &cps_chain_fork_db_get(nd.db, &a1)->facts, &r);
    ASSERT(r.qc_formed);
    ASSERT_OK(cps_chain_finality_encode_qc(nd.fin, &a1, &qc));
    cps_extension ext = {CPS_CHAIN_QC_EXTENSION_ID, {qc.data, qc.size}};
    ASSERT_OK(fh_raw_block(&a1, 5002, s.prods[1].producer_name, 1, &ext, &s.keys[1], &ra2, &a2,
                           NULL, NULL));
    add_raw(&nd, &ra2);
    ASSERT(cps_chain_fork_db_get(nd.db, &a2)->facts.claims_qc);
    ASSERT_OK(fh_raw_block(&s.root.id, 5003, s.prods[2].producer_name, 1, NULL, &s.keys[2], &rb1,
                           &b1, NULL, NULL));
    ASSERT_OK(fh_raw_block(&b1, 5004, s.prods[3].producer_name, 1, NULL, &s.keys[3], &rb2, &b2,
                           NULL, NULL));
    ASSERT_OK(fh_raw_block(&b2, 5005, s.prods[4].producer_name, 1, NULL, &s.keys[4], &rb3, &b3,
                           NULL, NULL));
    add_raw(&nd, &rb1);
    add_raw(&nd, &rb2);
    add_raw(&nd, &rb3);
    const cps_chain_block_facts *fa2 = &cps_chain_fork_db_get(nd.db, &a2)->facts;
    const cps_chain_block_facts *fb3 = &cps_chain_fork_db_get(nd.db, &b3)->facts;

    /* producer 4 votes by the rules: a2 locks it on a1, so it may not vote b3 (same branch as
     * its coming QC, but claiming nothing above a1) */
    char path[200];
    snprintf(path, sizeof path, "%s/voter-4.dat", tmpdir);
    cps_chain_voter *honest;
    ASSERT_OK(cps_chain_voter_open(path, s.prods[4].producer_name, &s.keys[4], &honest));
    cps_chain_vote hv;
    ASSERT_OK(cps_chain_voter_decide(honest, nd.fin, &a2, &hv));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &hv, &r));
    ASSERT_EQ(cps_chain_voter_decide(honest, nd.fin, &b3, &(cps_chain_vote){0}), CPS_ERR_STATE);
    /* producer 5 votes a2, then b3: a lock breach, recorded when the second vote arrives */
    votes_on(&s, &nd, 5, 6, fa2, &r);
    ASSERT(!r.evidence);
    votes_on(&s, &nd, 0, 4, fb3, &r);
    ASSERT(!r.evidence);
    votes_on(&s, &nd, 5, 6, fb3, &r);
    ASSERT(r.evidence);
    ASSERT(r.qc_formed); /* with it, b3 is certified: 0..3 and 5 */
    /* producer 6 the other way round: b3 first, then a2 */
    votes_on(&s, &nd, 6, 7, fb3, &r);
    ASSERT(!r.evidence);
    votes_on(&s, &nd, 6, 7, fa2, &r);
    ASSERT(r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 2);
    /* c4 claims b3 (1003 > 1001): producer 4 may vote it, and that pair is no evidence */
    cps_buf_reset(&qc);
    ASSERT_OK(cps_chain_finality_encode_qc(nd.fin, &b3, &qc));
    ext.data = (cps_bytes){qc.data, qc.size};
    ASSERT_OK(fh_raw_block(&b3, 5006, s.prods[5].producer_name, 1, &ext, &s.keys[5], &rc4, &c4,
                           NULL, NULL));
    add_raw(&nd, &rc4);
    ASSERT_OK(cps_chain_voter_decide(honest, nd.fin, &c4, &hv));
    ASSERT_OK(cps_chain_finality_on_vote(nd.fin, &hv, &r));
    ASSERT(r.accepted && !r.evidence);
    ASSERT_EQ(cps_chain_finality_evidence_count(nd.fin), 2);
    cps_chain_voter_close(honest);

    const uint32_t who[2] = {5, 6};
    for (size_t k = 0; k < 2; k++) {
        const cps_chain_evidence *e = cps_chain_finality_evidence_at(nd.fin, k);
        ASSERT_EQ(e->kind, CPS_CHAIN_EVIDENCE_LOCK_BREACH);
        ASSERT_U64_EQ(e->producer, s.prods[who[k]].producer_name);
        ASSERT_MEM_EQ(e->vote[0].block_id.b, a2.b, 32); /* the lower vote, whatever the order */
        ASSERT_MEM_EQ(e->vote[1].block_id.b, b3.b, 32);
        check_record(&s, e, &s.prods[who[k]].block_signing_key, k);
    }
    /* producer 4's pair (a2, c4) as a record: c4 claims b3, above a1 — refused */
    cps_chain_evidence fake = *cps_chain_finality_evidence_at(nd.fin, 0);
    fake.producer = s.prods[4].producer_name;
    fake.key = s.prods[4].block_signing_key;
    fake.vote[0] = vote_of(&s, 4, fa2);
    fake.vote[1] = vote_of(&s, 4, &cps_chain_fork_db_get(nd.db, &c4)->facts);
    cps_buf chain = {0};
    cps_write_varuint32(&chain, 3);
    const cps_buf *down[3] = {&rc4, &rb3, &rb2};
    cps_arena ar;
    cps_abi_arena_init(&ar);
    for (int i = 0; i < 3; i++) {
        cps_reader rd = cps_reader_make(down[i]->data, down[i]->size);
        cps_block_header hh;
        ASSERT_OK(cps_abi_block_header_unpack(&rd, &ar, &hh));
        cps_write_blob(&chain, down[i]->data, rd.pos);
    }
    fake.chain = (cps_bytes){chain.data, chain.size};
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[4].block_signing_key, &fake),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "claims a QC newer");
    /* a chain that is one header short */
    fake.vote[1] = vote_of(&s, 4, fb3);
    cps_buf_reset(&chain);
    cps_write_varuint32(&chain, 1);
    cps_reader rd = cps_reader_make(rb3.data, rb3.size);
    cps_block_header hh;
    ASSERT_OK(cps_abi_block_header_unpack(&rd, &ar, &hh));
    cps_write_blob(&chain, rb3.data, rd.pos);
    fake.chain = (cps_bytes){chain.data, chain.size};
    ASSERT_EQ(cps_chain_evidence_verify(&s.chain_id, &s.prods[4].block_signing_key, &fake),
              CPS_ERR_FORMAT);
    cps_abi_arena_free(&ar);
    cps_buf_free(&chain);
    cps_buf *raws[] = {&ra1, &ra2, &rb1, &rb2, &rb3, &rc4, &qc};
    for (int i = 0; i < 7; i++) cps_buf_free(raws[i]);
    node_close(&nd);
    remove_tmpdir();
}

int main(int argc, char **argv)
{
    cps_log_set_level(CPS_LOG_OFF);
    return test_main(argc, argv);
}
