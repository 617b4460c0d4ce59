/* chain: BFT finality — vote digests, quorum certificates and their block extension, the
 * two-chain finality rule over the fork database, equivocation evidence, and the voter's safety
 * rules with their fsync'd state file. docs/finality.md explains the rule and its safety. */
#include "chain/finality.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ==========================================================================================
 * Votes
 * ========================================================================================== */

void cps_chain_vote_digest(const cps_checksum256 *chain_id, const cps_chain_vote *v,
                           cps_checksum256 *digest)
{
    cps_abi_vote_digest(chain_id, v->producer, &v->block_id, v->block_num, digest);
}

int cps_chain_vote_sign(const cps_checksum256 *chain_id, const cps_private_key *key,
                        cps_chain_vote *v)
{
    cps_checksum256 d;
    cps_chain_vote_digest(chain_id, v, &d);
    return cps_sign(key, d.b, &v->signature);
}

int cps_chain_vote_verify(const cps_checksum256 *chain_id, const cps_public_key *key,
                          const cps_chain_vote *v)
{
    cps_checksum256 d;
    cps_chain_vote_digest(chain_id, v, &d);
    return cps_verify(key, d.b, &v->signature);
}

/* ==========================================================================================
 * QC extension codec
 * ========================================================================================== */

static uint32_t popcount_bytes(const uint8_t *b, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint8_t x = b[i]; x; x &= (uint8_t)(x - 1))
            c++;
    return c;
}

static bool bit_get(const uint8_t *bits, uint32_t i)
{
    return (bits[i / 8] >> (i % 8)) & 1;
}

static void bit_set(uint8_t *bits, uint32_t i)
{
    bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static cps_chain_qc_part active_part(const cps_chain_qc *qc)
{
    cps_chain_qc_part p = {.schedule_version = qc->schedule_version,
                           .bitset_len = qc->bitset_len,
                           .signatures = qc->signatures,
                           .signature_count = qc->signature_count};
    memcpy(p.bitset, qc->bitset, sizeof p.bitset);
    return p;
}

static void set_active_part(cps_chain_qc *qc, const cps_chain_qc_part *p)
{
    qc->schedule_version = p->schedule_version;
    memcpy(qc->bitset, p->bitset, sizeof qc->bitset);
    qc->bitset_len = p->bitset_len;
    qc->signatures = p->signatures;
    qc->signature_count = p->signature_count;
}

static int part_encode(cps_buf *b, const cps_chain_qc_part *p)
{
    if (p->bitset_len > CPS_CHAIN_QC_BITSET_MAX ||
        (p->bitset_len && p->bitset[p->bitset_len - 1] == 0) ||
        popcount_bytes(p->bitset, p->bitset_len) != p->signature_count)
        return cps_fail(CPS_ERR_INVALID_ARG, "QC: bitset of %u bytes does not match %u signatures",
                        p->bitset_len, p->signature_count);
    cps_write_u32(b, p->schedule_version);
    cps_write_blob(b, p->bitset, p->bitset_len);
    cps_write_varuint32(b, p->signature_count);
    for (uint32_t i = 0; i < p->signature_count; i++)
        cps_signature_pack(b, &p->signatures[i]);
    return b->failed;
}

int cps_chain_qc_encode(cps_buf *b, const cps_chain_qc *qc)
{
    cps_chain_qc_part a = active_part(qc);
    cps_buf tmp = {0};
    int rc = part_encode(&tmp, &a);
    if (!rc && qc->has_pending) rc = part_encode(&tmp, &qc->pending);
    if (!rc) {
        cps_write_bytes(b, qc->block_id.b, 32);
        cps_write_bytes(b, tmp.data, tmp.size);
        rc = b->failed;
    }
    cps_buf_free(&tmp);
    return rc;
}

static int part_decode(cps_reader *r, cps_arena *a, const char *which, cps_chain_qc_part *out)
{
    const uint8_t *bits;
    size_t bits_n;
    uint32_t count;
    int rc = cps_read_u32(r, &out->schedule_version);
    if (rc) return cps_fail_prefix(rc, "QC %s header", which);
    rc = cps_read_blob(r, &bits, &bits_n);
    if (rc) return cps_fail_prefix(rc, "QC %s bitset", which);
    if (bits_n > CPS_CHAIN_QC_BITSET_MAX)
        return cps_fail(CPS_ERR_LIMIT, "QC %s bitset of %zu bytes (at most %u)", which, bits_n,
                        CPS_CHAIN_QC_BITSET_MAX);
    if (bits_n && bits[bits_n - 1] == 0)
        return cps_fail(CPS_ERR_FORMAT, "QC %s bitset ends with a zero byte (not minimal)", which);
    memcpy(out->bitset, bits, bits_n);
    out->bitset_len = (uint32_t)bits_n;
    rc = cps_read_varuint32(r, &count);
    if (rc) return cps_fail_prefix(rc, "QC %s signature count", which);
    uint32_t set = popcount_bytes(out->bitset, out->bitset_len);
    if (count != set)
        return cps_fail(CPS_ERR_FORMAT, "QC %s holds %u signatures for %u set bits", which, count,
                        set);
    if (count) {
        out->signatures = cps_abi_arena_alloc(a, sizeof *out->signatures * count);
        if (!out->signatures) return cps_fail_prefix(CPS_ERR_NOMEM, "QC signatures");
    }
    for (uint32_t i = 0; i < count; i++) {
        rc = cps_signature_unpack(r, &out->signatures[i]);
        if (rc) return cps_fail_prefix(rc, "QC %s signature %u at offset %zu", which, i, r->pos);
    }
    out->signature_count = count;
    return 0;
}

int cps_chain_qc_decode(const uint8_t *data, size_t n, cps_arena *a, cps_chain_qc *out)
{
    memset(out, 0, sizeof *out);
    cps_reader r = cps_reader_make(data, n);
    int rc = cps_read_bytes(&r, out->block_id.b, 32);
    if (rc) return cps_fail_prefix(rc, "QC header");
    cps_chain_qc_part act = {0};
    rc = part_decode(&r, a, "active", &act);
    if (rc) return rc;
    set_active_part(out, &act);
    if (cps_reader_left(&r)) {
        rc = part_decode(&r, a, "pending", &out->pending);
        if (rc) return rc;
        out->has_pending = true;
    }
    rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(rc, "QC");
    return 0;
}

static int part_verify(const cps_checksum256 *chain_id, const cps_chain_finality_schedule *s,
                       const cps_checksum256 *block_id, const cps_chain_qc_part *p,
                       const char *which)
{
    uint32_t num = cps_abi_block_num_from_id(block_id);
    if (p->schedule_version != s->version)
        return cps_fail(CPS_ERR_BLOCK, "QC on block %u names %s schedule %u, the block's is %u",
                        num, which, p->schedule_version, s->version);
    if (p->bitset_len > CPS_CHAIN_QC_BITSET_MAX)
        return cps_fail(CPS_ERR_BLOCK, "QC bitset too long");
    for (uint32_t i = s->producer_count; i < p->bitset_len * 8; i++)
        if (bit_get(p->bitset, i))
            return cps_fail(CPS_ERR_BLOCK,
                            "QC on block %u: bit %u but the %s schedule has %u producers", num, i,
                            which, s->producer_count);
    uint32_t set = popcount_bytes(p->bitset, p->bitset_len);
    if (set != p->signature_count)
        return cps_fail(CPS_ERR_BLOCK, "QC on block %u: %u bits, %u signatures", num, set,
                        p->signature_count);
    uint32_t need = cps_chain_quorum(s->producer_count);
    if (set < need)
        return cps_fail(CPS_ERR_BLOCK, "QC on block %u: %u of %u %s producers, %u needed", num,
                        set, s->producer_count, which, need);
    cps_chain_vote v = {.block_id = *block_id, .block_num = num};
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->producer_count; i++) {
        if (i / 8 >= p->bitset_len || !bit_get(p->bitset, i)) continue;
        v.producer = s->producers[i].producer_name;
        v.signature = p->signatures[k++];
        if (cps_chain_vote_verify(chain_id, &s->producers[i].block_signing_key, &v)) {
            char name[16];
            cps_abi_name_to_string(v.producer, name);
            return cps_fail(CPS_ERR_BLOCK,
                            "QC on block %u: the signature of %s (%s producer %u) does not verify",
                            num, name, which, i);
        }
    }
    return 0;
}

int cps_chain_qc_verify_joint(const cps_checksum256 *chain_id,
                              const cps_chain_finality_schedule *active,
                              const cps_chain_finality_schedule *pending, const cps_chain_qc *qc)
{
    uint32_t num = cps_abi_block_num_from_id(&qc->block_id);
    if (!pending && qc->has_pending)
        return cps_fail(CPS_ERR_BLOCK,
                        "QC on block %u has a pending schedule's part, the block has none", num);
    if (pending && !qc->has_pending)
        return cps_fail(CPS_ERR_BLOCK,
                        "QC on block %u lacks the part of pending schedule %u (a joint QC is "
                        "needed while a schedule is pending)",
                        num, pending->version);
    cps_chain_qc_part a = active_part(qc);
    int rc = part_verify(chain_id, active, &qc->block_id, &a, "active");
    if (!rc && pending) rc = part_verify(chain_id, pending, &qc->block_id, &qc->pending, "pending");
    return rc;
}

int cps_chain_qc_verify(const cps_checksum256 *chain_id, const cps_chain_finality_schedule *s,
                        const cps_chain_qc *qc)
{
    return cps_chain_qc_verify_joint(chain_id, s, NULL, qc);
}

/* ==========================================================================================
 * Evidence
 * ========================================================================================== */

void cps_chain_block_sig_digest(const cps_chain_signed_header_proof *p, cps_checksum256 *digest)
{
    uint8_t pair[64];
    cps_sha256(p->header.data, p->header.size, pair);
    memcpy(pair + 32, p->blockroot_merkle_root.b, 32);
    cps_sha256(pair, 64, pair);
    memcpy(pair + 32, p->schedule_hash.b, 32);
    cps_sha256(pair, 64, digest->b);
}

static int decode_header(const cps_bytes *raw, cps_arena *a, cps_block_header *h, char side)
{
    cps_reader r = cps_reader_make(raw->data, raw->size);
    int rc = cps_abi_block_header_unpack(&r, a, h);
    if (!rc) rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(CPS_ERR_FORMAT, "evidence header %c", side);
    return 0;
}

/* True when an honest voter could have cast both votes: one is after the other in both slot
 * and height. */
static bool votes_in_order(uint32_t slot_a, uint32_t num_a, uint32_t slot_b, uint32_t num_b)
{
    return (slot_a < slot_b && num_a < num_b) || (slot_b < slot_a && num_b < num_a);
}

/* What every record of two votes needs (kinds 1 and 3): both by e's producer, for two blocks,
 * each number matching its id, both signed by key. */
static int verify_vote_pair(const cps_checksum256 *chain_id, const cps_public_key *key,
                            const cps_chain_evidence *e)
{
    const cps_chain_vote *a = &e->vote[0], *b = &e->vote[1];
    if (a->producer != e->producer || b->producer != e->producer)
        return cps_fail(CPS_ERR_FORMAT, "evidence: a vote by another producer");
    if (memcmp(a->block_id.b, b->block_id.b, 32) == 0)
        return cps_fail(CPS_ERR_FORMAT, "evidence: both votes are for one block");
    if (cps_abi_block_num_from_id(&a->block_id) != a->block_num ||
        cps_abi_block_num_from_id(&b->block_id) != b->block_num)
        return cps_fail(CPS_ERR_FORMAT, "evidence: a vote's number disagrees with its block id");
    if (cps_chain_vote_verify(chain_id, key, a))
        return cps_fail(CPS_ERR_CRYPTO, "evidence: vote a is not signed by the key");
    if (cps_chain_vote_verify(chain_id, key, b))
        return cps_fail(CPS_ERR_CRYPTO, "evidence: vote b is not signed by the key");
    return 0;
}

/* Kind 3: each header is its vote's block; the votes are not in order by slot and height. */
static int verify_vote_order(const cps_checksum256 *chain_id, const cps_public_key *key,
                             const cps_chain_evidence *e)
{
    uint32_t slot[2];
    for (int i = 0; i < 2; i++) {
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_block_header h;
        cps_checksum256 id;
        int rc = decode_header(&e->block[i].header, &a, &h, (char)('a' + i));
        if (!rc) rc = cps_abi_block_id(&h, &id);
        slot[i] = h.timestamp;
        cps_abi_arena_free(&a);
        if (rc) return rc;
        if (memcmp(id.b, e->vote[i].block_id.b, 32) != 0)
            return cps_fail(CPS_ERR_FORMAT, "evidence: header %c is not the voted block's",
                            'a' + i);
    }
    int rc = verify_vote_pair(chain_id, key, e);
    if (rc) return rc;
    if (votes_in_order(slot[0], e->vote[0].block_num, slot[1], e->vote[1].block_num))
        return cps_fail(CPS_ERR_FORMAT,
                        "evidence: votes at (slot %u, block %u) and (slot %u, block %u) are in "
                        "order",
                        slot[0], e->vote[0].block_num, slot[1], e->vote[1].block_num);
    return 0;
}

/* Kind 4: header a is vote a's block and claims a QC on its parent J; the chain runs from vote
 * b's block down to a's height, parent by parent, claims no QC above a's height and does not
 * reach J. */
static int verify_lock_breach(const cps_checksum256 *chain_id, const cps_public_key *key,
                              const cps_chain_evidence *e)
{
    const cps_chain_vote *va = &e->vote[0], *vb = &e->vote[1];
    if (va->block_num >= vb->block_num)
        return cps_fail(CPS_ERR_FORMAT, "evidence: vote a (block %u) is not below vote b (%u)",
                        va->block_num, vb->block_num);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_block_header h;
    cps_chain_block_facts fa, fx; /* id, previous and QC claim of a header */
    int rc = decode_header(&e->block[0].header, &a, &h, 'a');
    if (!rc) rc = cps_chain_block_facts_from_header(&h, &fa);
    if (!rc && memcmp(fa.id.b, va->block_id.b, 32) != 0)
        rc = cps_fail(CPS_ERR_FORMAT, "evidence: header a is not the voted block's");
    if (!rc && !fa.claims_qc)
        rc = cps_fail(CPS_ERR_FORMAT, "evidence: block %u claims no QC", va->block_num);
    cps_checksum256 j = fa.previous;
    cps_abi_arena_free(&a);
    if (rc) return rc;
    cps_reader r = cps_reader_make(e->chain.data, e->chain.size);
    uint32_t count;
    rc = cps_read_varuint32(&r, &count);
    if (rc) return cps_fail_prefix(CPS_ERR_FORMAT, "evidence chain");
    if (count != vb->block_num - va->block_num + 1)
        return cps_fail(CPS_ERR_FORMAT, "evidence: %u headers for blocks %u down to %u", count,
                        vb->block_num, va->block_num);
    cps_checksum256 expect = vb->block_id;
    for (uint32_t i = 0; i < count && !rc; i++) {
        uint32_t num = vb->block_num - i;
        cps_bytes hb;
        rc = cps_read_blob(&r, &hb.data, &hb.size);
        if (rc) return cps_fail_prefix(CPS_ERR_FORMAT, "evidence chain header %u", i);
        cps_abi_arena_init(&a);
        rc = decode_header(&hb, &a, &h, 'b');
        if (!rc) rc = cps_chain_block_facts_from_header(&h, &fx);
        if (!rc && memcmp(fx.id.b, expect.b, 32) != 0)
            rc = cps_fail(CPS_ERR_FORMAT, "evidence: chain header %u is not block %u of b's branch",
                          i, num);
        if (!rc && num > va->block_num && fx.claims_qc)
            rc = cps_fail(CPS_ERR_FORMAT,
                          "evidence: block %u of b's branch claims a QC newer than a's", num);
        if (!rc && num == va->block_num && memcmp(fx.previous.b, j.b, 32) == 0)
            rc = cps_fail(CPS_ERR_FORMAT, "evidence: b extends the block a's QC is on");
        expect = fx.previous;
        cps_abi_arena_free(&a);
    }
    if (!rc) rc = cps_read_end(&r);
    if (rc) return rc;
    return verify_vote_pair(chain_id, key, e);
}

int cps_chain_evidence_verify(const cps_checksum256 *chain_id, const cps_public_key *key,
                              const cps_chain_evidence *e)
{
    if (cps_public_key_compare(key, &e->key) != 0)
        return cps_fail(CPS_ERR_CRYPTO, "evidence names another key than the one given");
    if (e->kind == CPS_CHAIN_EVIDENCE_DOUBLE_VOTE) {
        if (e->vote[0].block_num != e->vote[1].block_num)
            return cps_fail(CPS_ERR_FORMAT, "evidence: votes at blocks %u and %u",
                            e->vote[0].block_num, e->vote[1].block_num);
        return verify_vote_pair(chain_id, key, e);
    }
    if (e->kind == CPS_CHAIN_EVIDENCE_VOTE_ORDER) return verify_vote_order(chain_id, key, e);
    if (e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH) return verify_lock_breach(chain_id, key, e);
    if (e->kind != CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK)
        return cps_fail(CPS_ERR_FORMAT, "evidence kind %u unknown", e->kind);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_block_header h[2];
    int rc = decode_header(&e->block[0].header, &a, &h[0], 'a');
    if (!rc) rc = decode_header(&e->block[1].header, &a, &h[1], 'b');
    if (!rc && (h[0].producer != e->producer || h[1].producer != e->producer))
        rc = cps_fail(CPS_ERR_FORMAT, "evidence: a header by another producer");
    if (!rc && h[0].timestamp != h[1].timestamp)
        rc = cps_fail(CPS_ERR_FORMAT, "evidence: headers at slots %u and %u", h[0].timestamp,
                      h[1].timestamp);
    cps_abi_arena_free(&a);
    if (rc) return rc;
    if (e->block[0].header.size == e->block[1].header.size &&
        memcmp(e->block[0].header.data, e->block[1].header.data, e->block[0].header.size) == 0)
        return cps_fail(CPS_ERR_FORMAT, "evidence: both headers are the same");
    for (int i = 0; i < 2; i++) {
        cps_checksum256 d;
        cps_chain_block_sig_digest(&e->block[i], &d);
        if (cps_verify(key, d.b, &e->block[i].signature))
            return cps_fail(CPS_ERR_CRYPTO, "evidence: header %c is not signed by the key",
                            'a' + i);
    }
    return 0;
}

/* Kind 4's chain: a count within bounds, then that many headers of at most 64 KiB; *out spans
 * them (borrowed). */
static int read_chain(cps_reader *r, cps_bytes *out)
{
    size_t start = r->pos;
    uint32_t count;
    int rc = cps_read_varuint32(r, &count);
    if (rc) return cps_fail_prefix(rc, "evidence side b: chain");
    if (count < 2 || count > CPS_CHAIN_EVIDENCE_CHAIN_MAX)
        return cps_fail(CPS_ERR_LIMIT, "evidence side b: %u chain headers (2 to %u)", count,
                        CPS_CHAIN_EVIDENCE_CHAIN_MAX);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *d;
        size_t n;
        rc = cps_read_blob(r, &d, &n);
        if (rc) return cps_fail_prefix(rc, "evidence side b: chain header %u", i);
        if (n > CPS_CHAIN_EVIDENCE_HEADER_MAX)
            return cps_fail(CPS_ERR_LIMIT, "evidence side b: chain header %u of %zu bytes", i, n);
    }
    out->data = r->data + start;
    out->size = r->pos - start;
    return 0;
}

int cps_chain_evidence_encode(cps_buf *b, const cps_chain_evidence *e)
{
    if (e->kind < CPS_CHAIN_EVIDENCE_DOUBLE_VOTE || e->kind > CPS_CHAIN_EVIDENCE_LOCK_BREACH)
        return cps_fail(CPS_ERR_INVALID_ARG, "evidence kind %u", e->kind);
    cps_write_u8(b, e->kind);
    cps_write_u64(b, e->producer);
    cps_public_key_pack(b, &e->key);
    for (int i = 0; i < 2; i++) {
        if (e->kind != CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK) {
            cps_write_bytes(b, e->vote[i].block_id.b, 32);
            cps_write_u32(b, e->vote[i].block_num);
            cps_signature_pack(b, &e->vote[i].signature);
            if (e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH && i == 1) {
                cps_reader cr = cps_reader_make(e->chain.data, e->chain.size);
                cps_bytes span;
                if (read_chain(&cr, &span) || cr.pos != e->chain.size)
                    return cps_fail(CPS_ERR_INVALID_ARG, "evidence: malformed chain of headers");
                cps_write_bytes(b, e->chain.data, e->chain.size); /* count and headers */
            } else if (e->kind != CPS_CHAIN_EVIDENCE_DOUBLE_VOTE) {
                if (e->block[i].header.size > CPS_CHAIN_EVIDENCE_HEADER_MAX)
                    return cps_fail(CPS_ERR_INVALID_ARG, "evidence header of %zu bytes",
                                    e->block[i].header.size);
                cps_write_blob(b, e->block[i].header.data, e->block[i].header.size);
            }
        } else {
            if (e->block[i].header.size > CPS_CHAIN_EVIDENCE_HEADER_MAX)
                return cps_fail(CPS_ERR_INVALID_ARG, "evidence header of %zu bytes",
                                e->block[i].header.size);
            cps_write_blob(b, e->block[i].header.data, e->block[i].header.size);
            cps_signature_pack(b, &e->block[i].signature);
            cps_write_bytes(b, e->block[i].blockroot_merkle_root.b, 32);
            cps_write_bytes(b, e->block[i].schedule_hash.b, 32);
        }
    }
    return b->failed;
}

int cps_chain_evidence_decode(const uint8_t *data, size_t n, cps_chain_evidence *out)
{
    memset(out, 0, sizeof *out);
    cps_reader r = cps_reader_make(data, n);
    int rc = cps_read_u8(&r, &out->kind);
    if (!rc) rc = cps_read_u64(&r, &out->producer);
    if (!rc) rc = cps_public_key_unpack(&r, &out->key);
    if (rc) return cps_fail_prefix(rc, "evidence header");
    if (out->kind < CPS_CHAIN_EVIDENCE_DOUBLE_VOTE || out->kind > CPS_CHAIN_EVIDENCE_LOCK_BREACH)
        return cps_fail(CPS_ERR_FORMAT, "evidence kind %u unknown", out->kind);
    for (int i = 0; i < 2 && !rc; i++) {
        if (out->kind != CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK) {
            cps_chain_vote *v = &out->vote[i];
            v->producer = out->producer;
            rc = cps_read_bytes(&r, v->block_id.b, 32);
            if (!rc) rc = cps_read_u32(&r, &v->block_num);
            if (!rc) rc = cps_signature_unpack(&r, &v->signature);
            cps_bytes *hb = &out->block[i].header;
            if (!rc && out->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH && i == 1) {
                rc = read_chain(&r, &out->chain);
                if (rc) return rc;
            } else if (!rc && out->kind != CPS_CHAIN_EVIDENCE_DOUBLE_VOTE) {
                rc = cps_read_blob(&r, &hb->data, &hb->size);
            }
            if (!rc && hb->size > CPS_CHAIN_EVIDENCE_HEADER_MAX)
                return cps_fail(CPS_ERR_LIMIT, "evidence side %c: header of %zu bytes", 'a' + i,
                                hb->size);
        } else {
            cps_chain_signed_header_proof *p = &out->block[i];
            rc = cps_read_blob(&r, &p->header.data, &p->header.size);
            if (!rc && p->header.size > CPS_CHAIN_EVIDENCE_HEADER_MAX)
                return cps_fail(CPS_ERR_LIMIT, "evidence side %c: header of %zu bytes", 'a' + i,
                                p->header.size);
            if (!rc) rc = cps_signature_unpack(&r, &p->signature);
            if (!rc) rc = cps_read_bytes(&r, p->blockroot_merkle_root.b, 32);
            if (!rc) rc = cps_read_bytes(&r, p->schedule_hash.b, 32);
        }
        if (rc) return cps_fail_prefix(rc, "evidence side %c", 'a' + i);
    }
    rc = cps_read_end(&r);
    if (rc) return cps_fail_prefix(rc, "evidence");
    return 0;
}

/* ==========================================================================================
 * The tracker
 * ========================================================================================== */

typedef struct schedule_copy {
    bool used;
    uint32_t version;
    uint32_t count;
    cps_producer_key producers[CPS_CHAIN_MAX_PRODUCERS];
} schedule_copy;

#define NO_INDEX 0xFFu /* above CPS_CHAIN_MAX_PRODUCERS */

typedef struct tally_vote {
    cps_name producer;
    uint8_t index;  /* in the block's active schedule, NO_INDEX: not counted there */
    uint8_t pindex; /* in the block's pending schedule, NO_INDEX: not counted there */
    cps_public_key key; /* the key the signature recovers to */
    cps_signature sig;
} tally_vote;

/* What the tracker keeps per fork db entry (its `user` slot). */
typedef struct tally {
    uint8_t voted[CPS_CHAIN_QC_BITSET_MAX];  /* active schedule indexes counted */
    uint8_t pvoted[CPS_CHAIN_QC_BITSET_MAX]; /* pending schedule indexes counted */
    uint32_t active_count, pending_count;
    tally_vote *votes; /* one per producer */
    uint32_t count, cap;
    bool carries_parent_qc; /* its block extension holds a valid QC on its parent */
    bool has_proof;
    uint8_t *header;
    size_t header_size;
    cps_signature producer_sig;
    cps_checksum256 bmroot, schedule_hash;
} tally;

/* Evidence records own their header bytes (block[i].header.data points into header_copy[i]). */
typedef struct evidence_rec {
    cps_chain_evidence e;
    uint8_t *header_copy[2];
    uint8_t *chain_copy; /* kind 4's headers */
} evidence_rec;

#define EVIDENCE_MAX 1024

/* A producer's (key's) most recent counted votes, to spot votes out of order (evidence kind 3). */
#define RECENT_VOTES 16
#define HISTORY_MAX 256 /* producer-key pairs followed: two schedules of at most 125 */
typedef struct recent_vote {
    cps_checksum256 id;
    uint32_t slot, num;
    cps_signature sig;
} recent_vote;
typedef struct voter_history {
    cps_name producer;
    cps_public_key key;
    uint32_t next, count;
    recent_vote v[RECENT_VOTES];
    /* the highest vote on a block that claims a QC, kept past the window: a lock breach pairs a
     * vote with the last such vote below it (docs/finality.md "Evidence") */
    bool has_claimed;
    recent_vote claimed;
} voter_history;

struct cps_chain_finality {
    cps_checksum256 chain_id;
    cps_chain_fork_db *db;
    schedule_copy schedules[CPS_CHAIN_FINALITY_SCHEDULES];
    uint32_t lib_num;
    cps_checksum256 lib_id;
    bool have_qc;
    cps_checksum256 highest_qc_id;
    uint32_t highest_qc_slot;
    cps_chain_vote *pending; /* votes for blocks not yet known: a ring */
    uint32_t pending_count, pending_next;
    evidence_rec *evidence;
    uint32_t evidence_count;
    voter_history *history; /* HISTORY_MAX entries, allocated on first use */
    uint32_t history_count;
};

static void tally_free(void *ctx, void *user)
{
    (void)ctx;
    tally *t = user;
    free(t->votes);
    free(t->header);
    free(t);
}

void cps_chain_finality_fork_db_options(cps_chain_fork_db_options *opt)
{
    opt->release_user = tally_free;
    opt->release_ctx = NULL;
}

int cps_chain_finality_open(const cps_checksum256 *chain_id, cps_chain_fork_db *db,
                            cps_chain_finality **out)
{
    *out = NULL;
    cps_chain_finality *f = calloc(1, sizeof *f);
    if (!f) return cps_fail(CPS_ERR_NOMEM, "finality tracker");
    f->pending = calloc(CPS_CHAIN_FINALITY_PENDING_VOTES, sizeof *f->pending);
    if (!f->pending) {
        free(f);
        return cps_fail(CPS_ERR_NOMEM, "finality tracker");
    }
    f->chain_id = *chain_id;
    f->db = db;
    const cps_chain_fork_entry *root = cps_chain_fork_db_root(db);
    f->lib_num = root->facts.block_num;
    f->lib_id = root->facts.id;
    *out = f;
    return 0;
}

void cps_chain_finality_close(cps_chain_finality *f)
{
    if (!f) return;
    for (uint32_t i = 0; i < f->evidence_count; i++) {
        free(f->evidence[i].header_copy[0]);
        free(f->evidence[i].header_copy[1]);
        free(f->evidence[i].chain_copy);
    }
    free(f->evidence);
    free(f->history);
    free(f->pending);
    free(f);
}

int cps_chain_finality_set_schedule(cps_chain_finality *f, const cps_chain_finality_schedule *s)
{
    if (!s->producer_count || s->producer_count > CPS_CHAIN_MAX_PRODUCERS)
        return cps_fail(CPS_ERR_INVALID_ARG, "schedule %u: %u producers (1..%u)", s->version,
                        s->producer_count, CPS_CHAIN_MAX_PRODUCERS);
    for (uint32_t i = 0; i < s->producer_count; i++)
        for (uint32_t j = 0; j < i; j++)
            if (s->producers[i].producer_name == s->producers[j].producer_name)
                return cps_fail(CPS_ERR_INVALID_ARG, "schedule %u names producer %u twice",
                                s->version, i);
    schedule_copy *slot = NULL;
    for (int i = 0; i < CPS_CHAIN_FINALITY_SCHEDULES; i++) {
        schedule_copy *c = &f->schedules[i];
        if (!c->used) continue;
        if (c->version != s->version) continue;
        bool same = c->count == s->producer_count;
        for (uint32_t k = 0; same && k < c->count; k++)
            same = c->producers[k].producer_name == s->producers[k].producer_name &&
                   cps_public_key_compare(&c->producers[k].block_signing_key,
                                          &s->producers[k].block_signing_key) == 0;
        if (same) return 0;
        return cps_fail(CPS_ERR_EXISTS,
                        "schedule version %u is already registered with other producers",
                        s->version);
    }
    for (int i = 0; i < CPS_CHAIN_FINALITY_SCHEDULES && !slot; i++)
        if (!f->schedules[i].used) slot = &f->schedules[i];
    if (!slot) { /* replace the lowest version: schedules only move forward */
        slot = &f->schedules[0];
        for (int i = 1; i < CPS_CHAIN_FINALITY_SCHEDULES; i++)
            if (f->schedules[i].version < slot->version) slot = &f->schedules[i];
    }
    slot->used = true;
    slot->version = s->version;
    slot->count = s->producer_count;
    memcpy(slot->producers, s->producers, sizeof *s->producers * s->producer_count);
    return 0;
}

static const schedule_copy *find_schedule(const cps_chain_finality *f, uint32_t version)
{
    for (int i = 0; i < CPS_CHAIN_FINALITY_SCHEDULES; i++)
        if (f->schedules[i].used && f->schedules[i].version == version) return &f->schedules[i];
    return NULL;
}

static int schedule_index(const schedule_copy *s, cps_name producer)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (s->producers[i].producer_name == producer) return (int)i;
    return -1;
}

static cps_chain_finality_schedule view_of(const schedule_copy *s)
{
    cps_chain_finality_schedule v = {s->version, s->producers, s->count};
    return v;
}

/* The schedules a block's votes count against: *s its active one, *ps its pending one (NULL
 * when it has none). CPS_ERR_NOT_FOUND (no failure recorded) with reason when either is not
 * registered. */
static int block_schedules(const cps_chain_finality *f, const cps_chain_fork_entry *e,
                           const schedule_copy **s, const schedule_copy **ps, char *reason,
                           size_t cap)
{
    *s = find_schedule(f, e->facts.schedule_version);
    *ps = e->facts.pending_version ? find_schedule(f, e->facts.pending_version) : NULL;
    if (!*s) {
        snprintf(reason, cap, "unknown schedule version %u", e->facts.schedule_version);
        return CPS_ERR_NOT_FOUND;
    }
    if (e->facts.pending_version && !*ps) {
        snprintf(reason, cap, "unknown pending schedule version %u", e->facts.pending_version);
        return CPS_ERR_NOT_FOUND;
    }
    return 0;
}

static bool quorum_reached(const tally *t, const schedule_copy *s, const schedule_copy *ps)
{
    return t->active_count >= cps_chain_quorum(s->count) &&
           (!ps || t->pending_count >= cps_chain_quorum(ps->count));
}

/* The producer's counted vote signed with key (a producer whose key differs between the two
 * schedules may have one vote per key). */
static const tally_vote *vote_with_key(const tally *t, cps_name producer,
                                       const cps_public_key *key)
{
    for (uint32_t i = 0; t && i < t->count; i++)
        if (t->votes[i].producer == producer && !cps_public_key_compare(&t->votes[i].key, key))
            return &t->votes[i];
    return NULL;
}

static tally *tally_of(cps_chain_finality *f, const cps_chain_fork_entry *e, int *rc)
{
    *rc = 0;
    if (e->user) return e->user;
    tally *t = calloc(1, sizeof *t);
    if (!t) {
        *rc = cps_fail(CPS_ERR_NOMEM, "tally");
        return NULL;
    }
    *rc = cps_chain_fork_db_set_user(f->db, &e->facts.id, t);
    if (*rc) {
        tally_free(NULL, t);
        return NULL;
    }
    return t;
}

static void set_reason(cps_chain_finality_result *res, const char *reason)
{
    snprintf(res->reason, sizeof res->reason, "%s", reason);
}

/* ---- evidence collection ---------------------------------------------------------------- */

static bool same_pair(const cps_chain_evidence *x, const cps_chain_evidence *y)
{
    if (x->kind != y->kind || x->producer != y->producer) return false;
    if (x->kind != CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK) {
        const uint8_t *a0 = x->vote[0].block_id.b, *a1 = x->vote[1].block_id.b;
        const uint8_t *b0 = y->vote[0].block_id.b, *b1 = y->vote[1].block_id.b;
        return (!memcmp(a0, b0, 32) && !memcmp(a1, b1, 32)) ||
               (!memcmp(a0, b1, 32) && !memcmp(a1, b0, 32));
    }
    /* double block: one record per producer and slot is enough to prove the equivocation */
    /* the timestamp is the header's first field */
    return x->block[0].header.size >= 4 && y->block[0].header.size >= 4 &&
           cps_load_u32(x->block[0].header.data) == cps_load_u32(y->block[0].header.data);
}

/* Takes ownership of nothing: header bytes are copied. */
static void add_evidence(cps_chain_finality *f, const cps_chain_evidence *e,
                         cps_chain_finality_result *res)
{
    for (uint32_t i = 0; i < f->evidence_count; i++)
        if (same_pair(&f->evidence[i].e, e)) return;
    if (f->evidence_count >= EVIDENCE_MAX) {
        cps_log_warn("finality", "evidence store full (%u records); new evidence dropped",
                     EVIDENCE_MAX);
        return;
    }
    if (f->evidence_count % 16 == 0) {
        evidence_rec *n = realloc(f->evidence, sizeof *n * (f->evidence_count + 16));
        if (!n) return; /* evidence is best effort under memory pressure */
        f->evidence = n;
    }
    evidence_rec *r = &f->evidence[f->evidence_count];
    memset(r, 0, sizeof *r);
    r->e = *e;
    if (e->kind != CPS_CHAIN_EVIDENCE_DOUBLE_VOTE) {
        for (int i = 0; i < 2; i++) {
            r->header_copy[i] = malloc(e->block[i].header.size ? e->block[i].header.size : 1);
            if (!r->header_copy[i]) {
                free(r->header_copy[0]);
                return;
            }
            if (e->block[i].header.size) /* kind 4's side b has none */
                memcpy(r->header_copy[i], e->block[i].header.data, e->block[i].header.size);
            r->e.block[i].header.data = r->header_copy[i];
        }
    }
    if (e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH) {
        r->chain_copy = malloc(e->chain.size ? e->chain.size : 1);
        if (!r->chain_copy) {
            free(r->header_copy[0]);
            free(r->header_copy[1]);
            return;
        }
        memcpy(r->chain_copy, e->chain.data, e->chain.size);
        r->e.chain.data = r->chain_copy;
    }
    f->evidence_count++;
    char name[16];
    cps_abi_name_to_string(e->producer, name);
    cps_log_warn("finality", "evidence: %s signed two %s", name,
                 e->kind == CPS_CHAIN_EVIDENCE_DOUBLE_VOTE    ? "votes at one height"
                 : e->kind == CPS_CHAIN_EVIDENCE_VOTE_ORDER  ? "votes out of order"
                 : e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH ? "votes across its lock"
                                                              : "blocks for one slot");
    if (res) res->evidence = true;
}

/* A new vote by producer (signed with key) on entry e: look for its vote on another block at the
 * same height, signed with the same key (the record names one key). */
static void check_double_vote(cps_chain_finality *f, const cps_chain_fork_entry *e,
                              cps_name producer, const cps_public_key *key,
                              const cps_signature *sig, cps_chain_finality_result *res)
{
    size_t n = cps_chain_fork_db_at_num(f->db, e->facts.block_num, NULL, 0);
    const cps_chain_fork_entry **same = n > 1 ? malloc(sizeof *same * n) : NULL;
    if (!same) return; /* alone at its height (or out of memory: evidence is best effort) */
    n = cps_chain_fork_db_at_num(f->db, e->facts.block_num, same, n);
    for (size_t i = 0; i < n; i++) {
        const cps_chain_fork_entry *o = same[i];
        if (o == e || !o->user) continue;
        const tally_vote *ov = vote_with_key(o->user, producer, key);
        if (!ov) continue;
        cps_chain_evidence ev = {
            .kind = CPS_CHAIN_EVIDENCE_DOUBLE_VOTE, .producer = producer, .key = *key};
        ev.vote[0] = (cps_chain_vote){producer, o->facts.id, o->facts.block_num, ov->sig};
        ev.vote[1] = (cps_chain_vote){producer, e->facts.id, e->facts.block_num, *sig};
        add_evidence(f, &ev, res);
    }
    free(same);
}

/* The packed header at the start of an entry's raw signed block (borrowed), or false. */
static bool entry_header(const cps_chain_fork_entry *e, cps_bytes *out)
{
    if (!e || !e->block) return false;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_reader r = cps_reader_make(e->block, e->block_size);
    cps_block_header h;
    bool ok = cps_abi_block_header_unpack(&r, &a, &h) == 0;
    cps_abi_arena_free(&a);
    cps_clear_error();
    out->data = e->block;
    out->size = r.pos;
    return ok;
}

/* Votes by producer (key) on a (lower) and b (higher): a lock breach (evidence kind 4) when a
 * claims a QC on its parent J, b does not extend J and no block of b's branch above a's height
 * claims a QC. The record carries a's header and b's branch down to a's height. */
static void check_lock_breach(cps_chain_finality *f, cps_name producer, const cps_public_key *key,
                              const cps_chain_fork_entry *a, const cps_signature *sig_a,
                              const cps_chain_fork_entry *b, const cps_signature *sig_b,
                              cps_chain_finality_result *res)
{
    if (!a->facts.claims_qc || a->facts.block_num >= b->facts.block_num) return;
    /* b's branch claims a QC above a's parent (the usual case: b claims its own parent) */
    if (b->claim_num >= a->facts.block_num) return;
    uint32_t count = b->facts.block_num - a->facts.block_num + 1;
    if (count > CPS_CHAIN_EVIDENCE_CHAIN_MAX) return; /* too long to record (docs: known limits) */
    if (cps_chain_fork_db_extends(f->db, &b->facts.id, &a->facts.previous)) return;
    cps_bytes ah;
    if (!entry_header(a, &ah)) return;
    cps_buf chain = {0};
    cps_write_varuint32(&chain, count);
    const cps_chain_fork_entry *x = b;
    bool ok = true;
    /* claim_num above says no block of b's branch above a's height claims a QC */
    for (uint32_t i = 0; i < count && ok; i++) {
        cps_bytes xh;
        ok = x && entry_header(x, &xh);
        if (ok) {
            cps_write_blob(&chain, xh.data, xh.size);
            x = cps_chain_fork_db_get(f->db, &x->facts.previous);
        }
    }
    if (ok && !chain.failed) {
        cps_chain_evidence ev = {
            .kind = CPS_CHAIN_EVIDENCE_LOCK_BREACH, .producer = producer, .key = *key};
        ev.vote[0] = (cps_chain_vote){producer, a->facts.id, a->facts.block_num, *sig_a};
        ev.vote[1] = (cps_chain_vote){producer, b->facts.id, b->facts.block_num, *sig_b};
        ev.block[0].header = ah;
        ev.chain = (cps_bytes){chain.data, chain.size};
        add_evidence(f, &ev, res);
    }
    cps_buf_free(&chain);
}

/* One of a producer's earlier votes (rv) against its new vote on e: kind 3 when they are out of
 * order, else kind 4 when the pair breaks the lock rule (votes at one height are kind 1's). */
static void check_vote_pair(cps_chain_finality *f, const recent_vote *rv,
                            const cps_chain_fork_entry *e, cps_name producer,
                            const cps_public_key *key, const cps_signature *sig,
                            cps_chain_finality_result *res)
{
    if (rv->num == e->facts.block_num) return;
    const cps_chain_fork_entry *o = cps_chain_fork_db_get(f->db, &rv->id);
    if (!o) return;
    if (votes_in_order(rv->slot, rv->num, e->facts.timestamp, e->facts.block_num)) {
        if (rv->num < e->facts.block_num)
            check_lock_breach(f, producer, key, o, &rv->sig, e, sig, res);
        else
            check_lock_breach(f, producer, key, e, sig, o, &rv->sig, res);
        return;
    }
    cps_bytes oh, eh;
    if (!entry_header(o, &oh) || !entry_header(e, &eh)) return;
    cps_chain_evidence ev = {
        .kind = CPS_CHAIN_EVIDENCE_VOTE_ORDER, .producer = producer, .key = *key};
    ev.vote[0] = (cps_chain_vote){producer, rv->id, rv->num, rv->sig};
    ev.vote[1] = (cps_chain_vote){producer, e->facts.id, e->facts.block_num, *sig};
    ev.block[0].header = oh;
    ev.block[1].header = eh;
    add_evidence(f, &ev, res);
}

/* A new vote by producer (signed with key) on entry e against its recent votes and its highest
 * vote on a claiming block (evidence kinds 3 and 4). */
static void check_vote_history(cps_chain_finality *f, const cps_chain_fork_entry *e,
                               cps_name producer, const cps_public_key *key,
                               const cps_signature *sig, cps_chain_finality_result *res)
{
    voter_history *h = NULL;
    for (uint32_t i = 0; i < f->history_count && !h; i++)
        if (f->history[i].producer == producer && !cps_public_key_compare(&f->history[i].key, key))
            h = &f->history[i];
    if (!h) {
        if (!f->history) f->history = calloc(HISTORY_MAX, sizeof *f->history);
        if (!f->history || f->history_count == HISTORY_MAX) return; /* best effort */
        h = &f->history[f->history_count++];
        h->producer = producer;
        h->key = *key;
    }
    bool claimed_seen = false;
    for (uint32_t i = 0; i < h->count; i++) {
        check_vote_pair(f, &h->v[i], e, producer, key, sig, res);
        if (h->has_claimed && !memcmp(h->v[i].id.b, h->claimed.id.b, 32)) claimed_seen = true;
    }
    if (h->has_claimed && !claimed_seen) check_vote_pair(f, &h->claimed, e, producer, key, sig, res);
    recent_vote now = {e->facts.id, e->facts.timestamp, e->facts.block_num, *sig};
    h->v[h->next] = now;
    h->next = (h->next + 1) % RECENT_VOTES;
    if (h->count < RECENT_VOTES) h->count++;
    if (e->facts.claims_qc && (!h->has_claimed || e->facts.block_num > h->claimed.num)) {
        h->claimed = now;
        h->has_claimed = true;
    }
}

static void check_double_block(cps_chain_finality *f, const cps_chain_fork_entry *e, const tally *t,
                               cps_chain_finality_result *res)
{
    size_t n = cps_chain_fork_db_at_slot(f->db, e->facts.timestamp, NULL, 0);
    const cps_chain_fork_entry **same = n > 1 ? malloc(sizeof *same * n) : NULL;
    if (!same) return;
    n = cps_chain_fork_db_at_slot(f->db, e->facts.timestamp, same, n);
    const schedule_copy *s = find_schedule(f, e->facts.schedule_version);
    int idx = s ? schedule_index(s, e->facts.producer) : -1;
    for (size_t i = 0; i < n; i++) {
        const cps_chain_fork_entry *o = same[i];
        const tally *ot = o->user;
        if (o == e || !ot || !ot->has_proof || o->facts.producer != e->facts.producer) continue;
        cps_chain_evidence ev = {.kind = CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK,
                                 .producer = e->facts.producer};
        if (idx >= 0) ev.key = s->producers[idx].block_signing_key;
        ev.block[0] = (cps_chain_signed_header_proof){
            {ot->header, ot->header_size}, ot->producer_sig, ot->bmroot, ot->schedule_hash};
        ev.block[1] = (cps_chain_signed_header_proof){
            {t->header, t->header_size}, t->producer_sig, t->bmroot, t->schedule_hash};
        add_evidence(f, &ev, res);
    }
    free(same);
}

/* ---- the rule -------------------------------------------------------------------------- */

static void drop_pending_below(cps_chain_finality *f, uint32_t num)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < f->pending_count; i++)
        if (f->pending[i].block_num > num) f->pending[w++] = f->pending[i];
    f->pending_count = w;
    f->pending_next = w % CPS_CHAIN_FINALITY_PENDING_VOTES;
}

static void make_final(cps_chain_finality *f, const cps_chain_fork_entry *b,
                       cps_chain_finality_result *res)
{
    if (b->facts.block_num <= f->lib_num) return;
    if (!cps_chain_fork_db_extends(f->db, &b->facts.id, &f->lib_id)) {
        /* Only possible with a third or more of the producers equivocating: keep the old LIB and
         * let the evidence speak; never finalize a second branch. */
        cps_log_error("finality", "block %u meets the rule but conflicts with final block %u",
                      b->facts.block_num, f->lib_num);
        return;
    }
    f->lib_num = b->facts.block_num;
    f->lib_id = b->facts.id;
    res->new_final = true;
    res->final_block = b->facts.id;
    res->final_num = b->facts.block_num;
    drop_pending_below(f, f->lib_num);
}

/* C certifies B: C's QC is known, C carries B's QC and follows it in the next slot. */
static bool certifies_parent(const cps_chain_fork_entry *c, const cps_chain_fork_entry *b)
{
    const tally *t = c->user;
    return c->qc && t && t->carries_parent_qc && b->qc &&
           c->facts.timestamp == b->facts.timestamp + 1 &&
           memcmp(c->facts.previous.b, b->facts.id.b, 32) == 0;
}

/* A QC on e has just become known: mark it and apply the rule with e as either block. */
static int on_qc(cps_chain_finality *f, const cps_checksum256 *id, cps_chain_finality_result *res)
{
    int rc = cps_chain_fork_db_mark_qc(f->db, id);
    if (rc) return rc;
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, id);
    if (!f->have_qc || e->facts.timestamp > f->highest_qc_slot) {
        f->have_qc = true;
        f->highest_qc_id = e->facts.id;
        f->highest_qc_slot = e->facts.timestamp;
    }
    const cps_chain_fork_entry *parent = cps_chain_fork_db_get(f->db, &e->facts.previous);
    if (parent && certifies_parent(e, parent)) make_final(f, parent, res);
    /* all children: a byzantine producer may add many siblings next to the certifying one */
    size_t n = cps_chain_fork_db_children(f->db, id, NULL, 0);
    if (!n) return 0;
    const cps_chain_fork_entry **kids = malloc(sizeof *kids * n);
    if (!kids) return cps_fail(CPS_ERR_NOMEM, "children of block %u", e->facts.block_num);
    n = cps_chain_fork_db_children(f->db, id, kids, n);
    for (size_t i = 0; i < n; i++)
        if (certifies_parent(kids[i], e)) make_final(f, e, res);
    free(kids);
    return 0;
}

/* Counts one verified vote: idx / pidx are the producer's indexes in the block's active and
 * pending schedules whose key the signature recovers to (NO_INDEX where it does not count). */
static int add_vote(cps_chain_finality *f, const cps_chain_fork_entry *e, tally *t,
                    const schedule_copy *s, const schedule_copy *ps, uint32_t idx, uint32_t pidx,
                    const cps_signature *sig, cps_chain_finality_result *res)
{
    if (t->count == t->cap) {
        uint32_t max = s->count + (ps ? ps->count : 0);
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        if (cap > max) cap = max;
        tally_vote *v = realloc(t->votes, sizeof *v * cap);
        if (!v) return cps_fail(CPS_ERR_NOMEM, "votes");
        t->votes = v;
        t->cap = cap;
    }
    const cps_producer_key *pk = idx != NO_INDEX ? &s->producers[idx] : &ps->producers[pidx];
    check_double_vote(f, e, pk->producer_name, &pk->block_signing_key, sig, res);
    check_vote_history(f, e, pk->producer_name, &pk->block_signing_key, sig, res);
    tally_vote *tv = &t->votes[t->count++];
    tv->producer = pk->producer_name;
    tv->index = (uint8_t)idx;
    tv->pindex = (uint8_t)pidx;
    tv->key = pk->block_signing_key;
    tv->sig = *sig;
    if (idx != NO_INDEX) {
        bit_set(t->voted, idx);
        t->active_count++;
    }
    if (pidx != NO_INDEX) {
        bit_set(t->pvoted, pidx);
        t->pending_count++;
    }
    if (!e->qc && quorum_reached(t, s, ps)) {
        cps_checksum256 id = e->facts.id;
        int rc = on_qc(f, &id, res);
        if (rc) return rc;
        res->qc_formed = true;
        res->qc_block = id;
    }
    return 0;
}

static void add_pending(cps_chain_finality *f, const cps_chain_vote *v)
{
    for (uint32_t i = 0; i < f->pending_count; i++)
        if (f->pending[i].producer == v->producer &&
            !memcmp(f->pending[i].block_id.b, v->block_id.b, 32))
            return;
    /* Full: the oldest slot is overwritten (bounded memory against floods of votes for blocks
     * that never come). */
    f->pending[f->pending_next] = *v;
    f->pending_next = (f->pending_next + 1) % CPS_CHAIN_FINALITY_PENDING_VOTES;
    if (f->pending_count < CPS_CHAIN_FINALITY_PENDING_VOTES) f->pending_count++;
}

int cps_chain_finality_on_vote(cps_chain_finality *f, const cps_chain_vote *v,
                               cps_chain_finality_result *res)
{
    memset(res, 0, sizeof *res);
    if (v->block_num != cps_abi_block_num_from_id(&v->block_id)) {
        set_reason(res, "block_num disagrees with the block id");
        return 0;
    }
    if (v->block_num <= f->lib_num) {
        set_reason(res, "block at or below the last irreversible block");
        return 0;
    }
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, &v->block_id);
    if (!e) {
        add_pending(f, v);
        res->pending = true;
        set_reason(res, "block not known yet: vote held");
        return 0;
    }
    const schedule_copy *s, *ps;
    if (block_schedules(f, e, &s, &ps, res->reason, sizeof res->reason)) return 0;
    int idx = schedule_index(s, v->producer);
    int pidx = ps ? schedule_index(ps, v->producer) : -1;
    if (idx < 0 && pidx < 0) {
        set_reason(res, "not a producer of the block's schedules");
        return 0;
    }
    /* the signature counts in each schedule, not yet counted for the producer, whose key for it
     * the signature recovers to */
    const tally *seen = e->user;
    bool need_a = idx >= 0 && !(seen && bit_get(seen->voted, (uint32_t)idx));
    bool need_p = pidx >= 0 && !(seen && bit_get(seen->pvoted, (uint32_t)pidx));
    if (!need_a && !need_p) {
        set_reason(res, "duplicate vote");
        return 0;
    }
    for (uint32_t k = 0; seen && k < seen->count; k++)
        if (seen->votes[k].producer == v->producer &&
            !memcmp(&seen->votes[k].sig, &v->signature, sizeof v->signature)) {
            set_reason(res, "duplicate vote");
            return 0;
        }
    bool in_a = need_a && !cps_chain_vote_verify(&f->chain_id,
                                                 &s->producers[idx].block_signing_key, v);
    cps_clear_error();
    bool in_p = false;
    if (need_p) {
        const cps_public_key *pk = &ps->producers[pidx].block_signing_key;
        in_p = in_a && !cps_public_key_compare(pk, &s->producers[idx].block_signing_key)
                   ? true
                   : !cps_chain_vote_verify(&f->chain_id, pk, v);
        cps_clear_error();
    }
    if (!in_a && !in_p) {
        set_reason(res, "bad signature");
        return 0;
    }
    int rc;
    tally *t = tally_of(f, e, &rc);
    if (!t) return rc;
    rc = add_vote(f, e, t, s, ps, in_a ? (uint32_t)idx : NO_INDEX, in_p ? (uint32_t)pidx : NO_INDEX,
                  &v->signature, res);
    if (rc) return rc;
    res->accepted = true;
    return 0;
}

static void merge_result(cps_chain_finality_result *into, const cps_chain_finality_result *r)
{
    if (r->qc_formed) {
        into->qc_formed = true;
        into->qc_block = r->qc_block;
    }
    if (r->new_final) {
        into->new_final = true;
        into->final_block = r->final_block;
        into->final_num = r->final_num;
    }
    if (r->evidence) into->evidence = true;
}

/* The verified signatures of one part of a carried QC into target's tally. A signature counts in
 * the other schedule too when the producer has the same key there. */
static int merge_part(cps_chain_finality *f, const cps_chain_fork_entry *target, tally *tt,
                      const schedule_copy *s, const schedule_copy *ps, const uint8_t *bitset,
                      uint32_t bitset_len, const cps_signature *sigs, bool pending_part,
                      cps_chain_finality_result *res)
{
    const schedule_copy *own = pending_part ? ps : s, *other = pending_part ? s : ps;
    uint32_t k = 0;
    for (uint32_t i = 0; i < own->count; i++) {
        if (i / 8 >= bitset_len || !bit_get(bitset, i)) continue;
        const cps_signature *sig = &sigs[k++];
        const cps_producer_key *pk = &own->producers[i];
        if (bit_get(pending_part ? tt->pvoted : tt->voted, i)) continue;
        int j = other ? schedule_index(other, pk->producer_name) : -1;
        uint32_t oj = j >= 0 && !bit_get(pending_part ? tt->voted : tt->pvoted, (uint32_t)j) &&
                              !cps_public_key_compare(&other->producers[j].block_signing_key,
                                                      &pk->block_signing_key)
                          ? (uint32_t)j
                          : NO_INDEX;
        int rc = add_vote(f, target, tt, s, ps, pending_part ? oj : i, pending_part ? i : oj, sig,
                          res);
        if (rc) return rc;
    }
    return 0;
}

/* The header in a proof must be the block's own (its id is the block id), so evidence never
 * holds a header that belongs to nothing. */
static int check_proof_matches(const cps_chain_signed_header_proof *proof,
                               const cps_checksum256 *id)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_block_header h;
    cps_checksum256 hid;
    int rc = decode_header(&proof->header, &a, &h, 'p');
    if (!rc) rc = cps_abi_block_id(&h, &hid);
    cps_abi_arena_free(&a);
    if (rc)
        return cps_fail_prefix(CPS_ERR_BLOCK, "block %u: header proof",
                               cps_abi_block_num_from_id(id));
    if (memcmp(hid.b, id->b, 32) != 0)
        return cps_fail(CPS_ERR_BLOCK, "block %u: the header proof is another block's header",
                        cps_abi_block_num_from_id(id));
    return 0;
}

int cps_chain_finality_on_block(cps_chain_finality *f, const cps_checksum256 *id,
                                const cps_chain_qc *qc, const cps_chain_signed_header_proof *proof,
                                cps_chain_finality_result *res)
{
    memset(res, 0, sizeof *res);
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, id);
    if (!e)
        return cps_fail(CPS_ERR_NOT_FOUND, "finality: block %u not in the fork db",
                        cps_abi_block_num_from_id(id));
    int rc;
    tally *t = tally_of(f, e, &rc);
    if (!t) return rc;
    if (proof && !t->has_proof) {
        if (proof->header.size > CPS_CHAIN_EVIDENCE_HEADER_MAX)
            return cps_fail(CPS_ERR_BLOCK, "block %u: header of %zu bytes", e->facts.block_num,
                            proof->header.size);
        rc = check_proof_matches(proof, id);
        if (rc) return rc;
        t->header = malloc(proof->header.size ? proof->header.size : 1);
        if (!t->header) return cps_fail(CPS_ERR_NOMEM, "header proof");
        memcpy(t->header, proof->header.data, proof->header.size);
        t->header_size = proof->header.size;
        t->producer_sig = proof->signature;
        t->bmroot = proof->blockroot_merkle_root;
        t->schedule_hash = proof->schedule_hash;
        t->has_proof = true;
        check_double_block(f, e, t, res);
    }
    if (qc) {
        uint32_t qnum = cps_abi_block_num_from_id(&qc->block_id);
        const cps_chain_fork_entry *target = cps_chain_fork_db_get(f->db, &qc->block_id);
        const cps_chain_fork_entry *root = cps_chain_fork_db_root(f->db);
        if (!target && qnum <= root->facts.block_num) {
            /* a QC on a block already final here: nothing to learn */
        } else if (!target || target == e || !cps_chain_fork_db_extends(f->db, id, &qc->block_id)) {
            return cps_fail(CPS_ERR_BLOCK,
                            "block %u carries a QC on block %u, which is not its ancestor",
                            e->facts.block_num, qnum);
        } else if (target != root) {
            const schedule_copy *s, *ps;
            char why[96];
            if (block_schedules(f, target, &s, &ps, why, sizeof why))
                return cps_fail(CPS_ERR_BLOCK, "block %u carries a QC under an %s",
                                e->facts.block_num, why);
            cps_chain_finality_schedule sv = view_of(s), pv = ps ? view_of(ps) : sv;
            rc = cps_chain_qc_verify_joint(&f->chain_id, &sv, ps ? &pv : NULL, qc);
            if (rc) return cps_fail_prefix(rc, "block %u", e->facts.block_num);
            bool is_parent = !memcmp(qc->block_id.b, e->facts.previous.b, 32);
            /* merge the signatures: the QC can then be re-encoded and equivocations spotted */
            tally *tt = tally_of(f, target, &rc);
            if (!tt) return rc;
            cps_chain_finality_result sub = {0};
            rc = merge_part(f, target, tt, s, ps, qc->bitset, qc->bitset_len, qc->signatures,
                            false, &sub);
            if (!rc && qc->has_pending)
                rc = merge_part(f, target, tt, s, ps, qc->pending.bitset, qc->pending.bitset_len,
                                qc->pending.signatures, true, &sub);
            if (rc) return rc;
            if (is_parent) t->carries_parent_qc = true;
            merge_result(res, &sub);
            /* the carried QC may complete the rule with e as the second block (e's own QC comes
             * from votes, possibly already counted) */
            if (e->qc) {
                cps_chain_finality_result r2 = {0};
                rc = on_qc(f, id, &r2);
                if (rc) return rc;
                merge_result(res, &r2);
            }
        }
    }
    /* votes that arrived before the block */
    for (uint32_t i = 0; i < f->pending_count;) {
        if (memcmp(f->pending[i].block_id.b, id->b, 32) != 0) {
            i++;
            continue;
        }
        cps_chain_vote v = f->pending[i];
        f->pending[i] = f->pending[--f->pending_count];
        f->pending_next = f->pending_count % CPS_CHAIN_FINALITY_PENDING_VOTES;
        cps_chain_finality_result r = {0};
        rc = cps_chain_finality_on_vote(f, &v, &r);
        if (rc) return rc;
        merge_result(res, &r);
    }
    return 0;
}

int cps_chain_finality_on_raw_block(cps_chain_finality *f, const uint8_t *raw, size_t n,
                                    const cps_chain_signed_header_proof *proof,
                                    cps_chain_finality_result *res)
{
    memset(res, 0, sizeof *res);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block blk;
    cps_checksum256 id;
    int rc = cps_abi_signed_block_decode(raw, n, &a, &blk);
    if (!rc) rc = cps_abi_block_id(&blk.signed_header.header, &id);
    cps_chain_qc qc, *qcp = NULL;
    bool claims = false;
    uint32_t claim_num = 0;
    const cps_block_header *h = &blk.signed_header.header;
    for (uint32_t i = 0; !rc && i < h->header_extension_count; i++) {
        const cps_extension *x = &h->header_extensions[i];
        if (x->type != CPS_CHAIN_QC_CLAIM_EXTENSION_ID) continue;
        if (claims || x->data.size != 4)
            rc = cps_fail(CPS_ERR_BLOCK, "block header: malformed QC claim");
        else claim_num = cps_load_u32(x->data.data);
        claims = true;
    }
    for (uint32_t i = 0; !rc && i < blk.block_extension_count; i++) {
        const cps_extension *x = &blk.block_extensions[i];
        if (x->type != CPS_CHAIN_QC_EXTENSION_ID) continue;
        if (qcp) {
            rc = cps_fail(CPS_ERR_BLOCK, "block carries two QC extensions");
            break;
        }
        rc = cps_chain_qc_decode(x->data.data, x->data.size, &a, &qc);
        if (rc) rc = cps_fail_prefix(CPS_ERR_BLOCK, "QC extension");
        qcp = &qc;
    }
    if (!rc && (claims != (qcp != NULL) ||
                (qcp && claim_num != cps_abi_block_num_from_id(&qc.block_id))))
        rc = cps_fail(CPS_ERR_BLOCK, "block %u: its header's QC claim and its QC extension "
                                     "disagree", cps_abi_block_num_from_id(&id));
    if (!rc) rc = cps_chain_finality_on_block(f, &id, qcp, proof, res);
    cps_abi_arena_free(&a);
    return rc;
}

void cps_chain_finality_follow_root(cps_chain_finality *f)
{
    const cps_chain_fork_entry *r = cps_chain_fork_db_root(f->db);
    if (r->facts.block_num <= f->lib_num) return;
    f->lib_num = r->facts.block_num;
    f->lib_id = r->facts.id;
    drop_pending_below(f, f->lib_num);
}

uint32_t cps_chain_finality_lib_num(const cps_chain_finality *f)
{
    return f->lib_num;
}

void cps_chain_finality_lib_id(const cps_chain_finality *f, cps_checksum256 *out)
{
    *out = f->lib_id;
}

bool cps_chain_finality_highest_qc(const cps_chain_finality *f, cps_checksum256 *id, uint32_t *slot)
{
    if (!f->have_qc) return false;
    if (id) *id = f->highest_qc_id;
    if (slot) *slot = f->highest_qc_slot;
    return true;
}

bool cps_chain_finality_has_qc(const cps_chain_finality *f, const cps_checksum256 *id)
{
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, id);
    return e && e->qc;
}

uint32_t cps_chain_finality_vote_count(const cps_chain_finality *f, const cps_checksum256 *id)
{
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, id);
    return e && e->user ? ((const tally *)e->user)->count : 0;
}

/* One part of a QC from the tally's votes counted in that schedule, in index order. */
static void build_part(const tally *t, bool pending_part, uint32_t version, cps_signature *sigs,
                       cps_chain_qc_part *out)
{
    memset(out, 0, sizeof *out);
    out->schedule_version = version;
    out->signatures = sigs;
    for (uint32_t i = 0; i < CPS_CHAIN_MAX_PRODUCERS; i++) {
        if (!bit_get(pending_part ? t->pvoted : t->voted, i)) continue;
        for (uint32_t k = 0; k < t->count; k++) {
            if ((pending_part ? t->votes[k].pindex : t->votes[k].index) != i) continue;
            sigs[out->signature_count++] = t->votes[k].sig;
            break;
        }
        bit_set(out->bitset, i);
        out->bitset_len = i / 8u + 1u;
    }
}

int cps_chain_finality_encode_qc(const cps_chain_finality *f, const cps_checksum256 *id,
                                 cps_buf *out)
{
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, id);
    const tally *t = e ? e->user : NULL;
    const schedule_copy *s = NULL, *ps = NULL;
    char why[96];
    if (!e || !e->qc || !t || block_schedules(f, e, &s, &ps, why, sizeof why) ||
        !quorum_reached(t, s, ps))
        return cps_fail(CPS_ERR_NOT_FOUND, "no QC on block %u", cps_abi_block_num_from_id(id));
    cps_signature *sigs = malloc(sizeof *sigs * 2 * t->count);
    if (!sigs) return cps_fail(CPS_ERR_NOMEM, "QC encoding");
    cps_chain_qc qc = {.block_id = e->facts.id};
    cps_chain_qc_part a;
    build_part(t, false, s->version, sigs, &a);
    set_active_part(&qc, &a);
    if (ps) {
        qc.has_pending = true;
        build_part(t, true, ps->version, sigs + t->count, &qc.pending);
    }
    int rc = cps_chain_qc_encode(out, &qc);
    free(sigs);
    return rc;
}

size_t cps_chain_finality_evidence_count(const cps_chain_finality *f)
{
    return f->evidence_count;
}

const cps_chain_evidence *cps_chain_finality_evidence_at(const cps_chain_finality *f, size_t i)
{
    return i < f->evidence_count ? &f->evidence[i].e : NULL;
}

/* ==========================================================================================
 * The voter
 * ========================================================================================== */

#define SAFETY_MAGIC "CPSVOTE2"
#define SAFETY_MAGIC_V1 "CPSVOTE1" /* lock from gossip (an earlier build): read, never written */
#define SAFETY_BODY 104
#define SAFETY_SIZE (SAFETY_BODY + 32)

struct cps_chain_voter {
    char *path;
    cps_name producer;
    cps_private_key key;
    cps_chain_voter_state st;
};

static void encode_state(const cps_chain_voter *v, const cps_chain_voter_state *st,
                         uint8_t out[SAFETY_SIZE])
{
    uint8_t *p = out;
    memcpy(p, SAFETY_MAGIC, 8);
    p += 8;
    cps_store_u64(p, v->producer);
    p += 8;
    cps_store_u32(p, st->last_vote_slot);
    cps_store_u32(p + 4, st->last_vote_num);
    memcpy(p + 8, st->last_vote_id.b, 32);
    p += 40;
    cps_store_u32(p, st->abandoned_num);
    cps_store_u32(p + 4, st->lock_num);
    memcpy(p + 8, st->lock_id.b, 32);
    p += 40;
    cps_store_u32(p, st->last_signed_block_slot);
    cps_store_u32(p + 4, 0);
    p += 8;
    cps_sha256(out, SAFETY_BODY, p);
}

/* Writes the state so that a crash at any instant leaves either the old or the new file. */
static int persist(const cps_chain_voter *v, const cps_chain_voter_state *st)
{
    uint8_t buf[SAFETY_SIZE];
    encode_state(v, st, buf);
    size_t plen = strlen(v->path);
    char *tmp = malloc(plen + 5);
    if (!tmp) return cps_fail(CPS_ERR_NOMEM, "voter state");
    memcpy(tmp, v->path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) rc = cps_fail(CPS_ERR_IO, "%s: %s", tmp, strerror(errno));
    if (!rc) {
        size_t off = 0;
        while (off < sizeof buf && !rc) {
            ssize_t w = write(fd, buf + off, sizeof buf - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0)
                rc = cps_fail(CPS_ERR_IO, "%s: write: %s", tmp, strerror(errno));
            else
                off += (size_t)w;
        }
        if (!rc && fsync(fd) != 0) rc = cps_fail(CPS_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
        close(fd);
    }
    if (!rc && rename(tmp, v->path) != 0)
        rc = cps_fail(CPS_ERR_IO, "rename to %s: %s", v->path, strerror(errno));
    if (!rc) {
        /* the rename itself must survive a power loss: sync the directory */
        char *dir = strdup(v->path);
        if (dir) {
            char *slash = strrchr(dir, '/');
            if (slash == dir)
                slash[1] = 0;
            else if (slash)
                *slash = 0;
            else
                strcpy(dir, ".");
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                if (fsync(dfd) != 0)
                    rc = cps_fail(CPS_ERR_IO, "%s: fsync: %s", dir, strerror(errno));
                close(dfd);
            }
            free(dir);
        }
    }
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

static int load(cps_chain_voter *v)
{
    FILE *fp = fopen(v->path, "rb");
    if (!fp) {
        if (errno == ENOENT) return 0; /* a new producer: nothing voted yet */
        return cps_fail(CPS_ERR_IO, "%s: %s", v->path, strerror(errno));
    }
    uint8_t buf[SAFETY_SIZE + 1];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    if (n != SAFETY_SIZE)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: %zu bytes, expected %d", v->path, n, SAFETY_SIZE);
    bool v1 = memcmp(buf, SAFETY_MAGIC_V1, 8) == 0;
    if (!v1 && memcmp(buf, SAFETY_MAGIC, 8) != 0)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: not a CPS voter state file", v->path);
    uint8_t sum[32];
    cps_sha256(buf, SAFETY_BODY, sum);
    if (memcmp(sum, buf + SAFETY_BODY, 32) != 0)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: checksum mismatch", v->path);
    if (cps_load_u64(buf + 8) != v->producer)
        return cps_fail(CPS_ERR_DB_CORRUPT, "%s: belongs to another producer", v->path);
    const uint8_t *p = buf + 16;
    v->st.last_vote_slot = cps_load_u32(p);
    v->st.last_vote_num = cps_load_u32(p + 4);
    memcpy(v->st.last_vote_id.b, p + 8, 32);
    p += 40;
    v->st.abandoned_num = cps_load_u32(p);
    v->st.lock_num = cps_load_u32(p + 4);
    memcpy(v->st.lock_id.b, p + 8, 32);
    p += 40;
    v->st.last_signed_block_slot = cps_load_u32(p);
    if (v1) {
        /* That lock was the newest QC known from gossip, not a QC its votes claimed. Every QC
         * a past vote's block claimed is below the last vote: abandoning them all keeps the
         * rule (the next vote claims a newer QC) without knowing them. */
        v->st.lock_num = 0;
        memset(v->st.lock_id.b, 0, 32);
        v->st.abandoned_num = v->st.last_vote_num;
    }
    return 0;
}

int cps_chain_voter_open(const char *path, cps_name producer, const cps_private_key *key,
                         cps_chain_voter **out)
{
    *out = NULL;
    cps_chain_voter *v = calloc(1, sizeof *v);
    if (!v) return cps_fail(CPS_ERR_NOMEM, "voter");
    v->path = strdup(path);
    if (!v->path) {
        free(v);
        return cps_fail(CPS_ERR_NOMEM, "voter");
    }
    v->producer = producer;
    v->key = *key;
    int rc = load(v);
    if (rc) {
        cps_chain_voter_close(v);
        return rc;
    }
    *out = v;
    return 0;
}

void cps_chain_voter_close(cps_chain_voter *v)
{
    if (!v) return;
    cps_wipe(&v->key, sizeof v->key);
    free(v->path);
    free(v);
}

void cps_chain_voter_get_state(const cps_chain_voter *v, cps_chain_voter_state *out)
{
    *out = v->st;
}

int cps_chain_voter_decide(cps_chain_voter *v, cps_chain_finality *f, const cps_checksum256 *id,
                           cps_chain_vote *vote)
{
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(f->db, id);
    if (!e)
        return cps_fail(CPS_ERR_NOT_FOUND, "vote: block %u not in the fork db",
                        cps_abi_block_num_from_id(id));
    const cps_chain_fork_entry *root = cps_chain_fork_db_root(f->db);
    if (e == root)
        return cps_fail(CPS_ERR_STATE, "vote: block %u is already irreversible",
                        e->facts.block_num);
    const schedule_copy *s = find_schedule(f, e->facts.schedule_version);
    const schedule_copy *ps =
        e->facts.pending_version ? find_schedule(f, e->facts.pending_version) : NULL;
    if ((!s || schedule_index(s, v->producer) < 0) && (!ps || schedule_index(ps, v->producer) < 0))
        return cps_fail(CPS_ERR_STATE, "vote: not a producer of block %u's schedules (%u, "
                                       "pending %u)",
                        e->facts.block_num, e->facts.schedule_version, e->facts.pending_version);
    cps_chain_voter_state next = v->st;
    if (e->facts.timestamp <= next.last_vote_slot || e->facts.block_num <= next.last_vote_num)
        return cps_fail(CPS_ERR_STATE,
                        "vote: block %u at slot %u is not after the last vote (block %u, slot %u)",
                        e->facts.block_num, e->facts.timestamp, next.last_vote_num,
                        next.last_vote_slot);
    /* The lock rule, on claimed QCs only (finality.h). A lock below the root is not in the db:
     * then X must claim a newer QC (the root's child on the final branch claims the root). */
    uint32_t claim = e->claim_num;
    uint32_t floor = next.lock_num > next.abandoned_num ? next.lock_num : next.abandoned_num;
    bool extends_lock =
        next.lock_num == 0 || cps_chain_fork_db_extends(f->db, id, &next.lock_id);
    bool claims_newer = claim > floor;
    bool lock_ok = extends_lock && (next.abandoned_num == 0 || claim > next.abandoned_num);
    if (!claims_newer && !lock_ok)
        return cps_fail(CPS_ERR_STATE,
                        "vote: block %u claims QCs up to block %u only and %s the lock (block "
                        "%u, abandoned up to %u)",
                        e->facts.block_num, claim, extends_lock ? "extends" : "does not extend",
                        next.lock_num, next.abandoned_num);
    /* the block's own claim becomes a J(V): raise the lock, abandoning the old one's branch when
     * the new lock is not on it */
    if (e->facts.claims_qc && e->facts.block_num - 1 > next.lock_num) {
        if (next.lock_num &&
            !cps_chain_fork_db_extends(f->db, &e->facts.previous, &next.lock_id) &&
            next.lock_num > next.abandoned_num)
            next.abandoned_num = next.lock_num;
        next.lock_num = e->facts.block_num - 1;
        next.lock_id = e->facts.previous;
    }
    cps_chain_vote out = {
        .producer = v->producer, .block_id = e->facts.id, .block_num = e->facts.block_num};
    int rc = cps_chain_vote_sign(&f->chain_id, &v->key, &out);
    if (rc) return rc;
    next.last_vote_slot = e->facts.timestamp;
    next.last_vote_num = e->facts.block_num;
    next.last_vote_id = e->facts.id;
    /* on disk before the vote leaves: a restart must remember it */
    rc = persist(v, &next);
    if (rc) return rc;
    v->st = next;
    *vote = out;
    return 0;
}

int cps_chain_voter_may_sign_block(cps_chain_voter *v, uint32_t slot)
{
    if (slot <= v->st.last_signed_block_slot)
        return cps_fail(CPS_ERR_STATE, "a block was already signed at slot %u (asked for %u)",
                        v->st.last_signed_block_slot, slot);
    cps_chain_voter_state next = v->st;
    next.last_signed_block_slot = slot;
    int rc = persist(v, &next);
    if (rc) return rc;
    v->st = next;
    return 0;
}
