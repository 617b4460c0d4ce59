/* Helpers shared by the fork database and finality tests: synthetic block facts with ids that
 * carry their numbers, deterministic producer keys, and real signed blocks for raw-byte paths. */
#ifndef CPS_TEST_FORK_HELPERS_H
#define CPS_TEST_FORK_HELPERS_H

#include "chain/finality.h"

#include <stdio.h>
#include <string.h>

/* A block id for (parent, slot, producer, salt): sha256 of them with the number in bytes 0..3. */
static inline cps_chain_block_facts fh_child(const cps_chain_block_facts *parent, uint32_t slot,
                                             cps_name producer, uint32_t salt)
{
    cps_chain_block_facts f = {0};
    uint8_t seed[32 + 4 + 8 + 4];
    memcpy(seed, parent->id.b, 32);
    cps_store_u32(seed + 32, slot);
    cps_store_u64(seed + 36, producer);
    cps_store_u32(seed + 44, salt);
    cps_sha256(seed, sizeof seed, f.id.b);
    f.block_num = parent->block_num + 1;
    f.id.b[0] = (uint8_t)(f.block_num >> 24);
    f.id.b[1] = (uint8_t)(f.block_num >> 16);
    f.id.b[2] = (uint8_t)(f.block_num >> 8);
    f.id.b[3] = (uint8_t)f.block_num;
    f.previous = parent->id;
    f.timestamp = slot;
    f.producer = producer;
    f.schedule_version = parent->schedule_version;
    return f;
}

static inline cps_chain_block_facts fh_root(uint32_t num, uint32_t slot)
{
    cps_chain_block_facts f = {0};
    uint8_t seed[8];
    cps_store_u32(seed, num);
    cps_store_u32(seed + 4, slot);
    cps_sha256(seed, sizeof seed, f.id.b);
    f.block_num = num;
    f.id.b[0] = (uint8_t)(num >> 24);
    f.id.b[1] = (uint8_t)(num >> 16);
    f.id.b[2] = (uint8_t)(num >> 8);
    f.id.b[3] = (uint8_t)num;
    f.timestamp = slot;
    f.schedule_version = 1;
    return f;
}

/* Producer i: name "prod" + letter(s), key from sha256("cps test producer" || i). */
static inline cps_name fh_producer_name(uint32_t i)
{
    char name[16];
    snprintf(name, sizeof name, "prod%c%c", 'a' + (int)(i / 5) % 26, 'a' + (int)(i % 5));
    return cps_abi_name(name);
}

static inline int fh_producer_key(uint32_t i, cps_private_key *key, cps_public_key *pub)
{
    uint8_t seed[20] = "cps test producer";
    cps_store_u32(seed + 16, i);
    key->type = CPS_KEY_K1;
    cps_sha256(seed, sizeof seed, key->secret);
    return cps_key_public(key, pub);
}

static inline cps_checksum256 fh_chain_id(void)
{
    cps_checksum256 c;
    cps_sha256("cps finality test chain", 23, c.b);
    return c;
}

/* A real signed block on `previous` (num = previous's + 1), signed over a fixed-root digest,
 * packed into out; extension (may be NULL) goes into block_extensions. *id gets its id. */
static inline int fh_raw_block(const cps_checksum256 *previous, uint32_t slot, cps_name producer,
                               uint32_t schedule_version, const cps_extension *extension,
                               const cps_private_key *key, cps_buf *out, cps_checksum256 *id,
                               cps_chain_signed_header_proof *proof, cps_buf *header_bytes)
{
    cps_signed_block b;
    memset(&b, 0, sizeof b);
    b.signed_header.header.timestamp = slot;
    b.signed_header.header.producer = producer;
    b.signed_header.header.previous = *previous;
    b.signed_header.header.schedule_version = schedule_version;
    cps_sha256(&slot, sizeof slot, b.signed_header.header.transaction_mroot.b);
    /* a QC extension comes with its header claim (finality.h): the number of the block its QC
     * names, when the bytes are long enough to name one */
    uint8_t claim_num[4];
    cps_extension claim = {CPS_CHAIN_QC_CLAIM_EXTENSION_ID, {claim_num, 4}};
    if (extension && extension->type == CPS_CHAIN_QC_EXTENSION_ID) {
        cps_checksum256 qid = {{0}};
        if (extension->data.size >= 32) memcpy(qid.b, extension->data.data, 32);
        cps_store_u32(claim_num, cps_abi_block_num_from_id(&qid));
        b.signed_header.header.header_extensions = &claim;
        b.signed_header.header.header_extension_count = 1;
    }
    cps_buf hb = {0};
    int rc = cps_abi_block_header_pack(&hb, &b.signed_header.header);
    cps_chain_signed_header_proof p = {0};
    p.header.data = hb.data;
    p.header.size = hb.size;
    cps_sha256("bmroot", 6, p.blockroot_merkle_root.b);
    cps_sha256("schedule", 8, p.schedule_hash.b);
    cps_checksum256 d;
    if (!rc) {
        cps_chain_block_sig_digest(&p, &d);
        rc = cps_sign(key, d.b, &b.signed_header.producer_signature);
    }
    p.signature = b.signed_header.producer_signature;
    if (extension) {
        b.block_extensions = (cps_extension *)extension;
        b.block_extension_count = 1;
    }
    if (!rc) rc = cps_abi_signed_block_pack(out, &b);
    if (!rc) rc = cps_abi_block_id(&b.signed_header.header, id);
    if (proof && header_bytes) {
        cps_buf_reset(header_bytes);
        rc = rc ? rc : cps_write_bytes(header_bytes, hb.data, hb.size);
        *proof = p;
        proof->header.data = header_bytes->data;
    }
    cps_buf_free(&hb);
    return rc;
}

#endif
