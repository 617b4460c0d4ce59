/* digest: transaction ids, signing digests, packed-transaction digests, block ids and numbers,
 * TaPoS fields and EOSIO's canonical-pair merkle root. */
#include "abi/abi.h"

#include <stdlib.h>
#include <string.h>

void cps_abi_transaction_id_raw(const uint8_t *raw_trx, size_t n, cps_checksum256 *id)
{
    cps_sha256(raw_trx, n, id->b);
}

int cps_abi_transaction_id(const cps_transaction *t, cps_checksum256 *id)
{
    cps_buf b;
    cps_buf_init(&b);
    int rc = cps_abi_transaction_pack(&b, t);
    if (!rc) cps_abi_transaction_id_raw(b.data, b.size, id);
    cps_buf_free(&b);
    return rc;
}

void cps_abi_signing_digest_raw(const cps_checksum256 *chain_id, const uint8_t *raw_trx,
                                size_t raw_n, const uint8_t *packed_cfd, size_t cfd_n,
                                cps_checksum256 *digest)
{
    uint8_t cfd_hash[32] = {0};
    if (cfd_n) cps_sha256(packed_cfd, cfd_n, cfd_hash);
    cps_sha256_ctx c;
    cps_sha256_init(&c);
    cps_sha256_update(&c, chain_id->b, 32);
    cps_sha256_update(&c, raw_trx, raw_n);
    cps_sha256_update(&c, cfd_hash, 32);
    cps_sha256_final(&c, digest->b);
}

int cps_abi_signing_digest(const cps_checksum256 *chain_id, const cps_signed_transaction *t,
                           cps_checksum256 *digest)
{
    cps_buf trx, cfd;
    cps_buf_init(&trx);
    cps_buf_init(&cfd);
    int rc = cps_abi_transaction_pack(&trx, &t->trx);
    /* nodeos hashes the packed vector<bytes> only when it is not empty. */
    if (!rc && t->context_free_data_count)
        rc = cps_abi_bytes_vector_pack(&cfd, t->context_free_data, t->context_free_data_count);
    if (!rc) cps_abi_signing_digest_raw(chain_id, trx.data, trx.size, cfd.data, cfd.size, digest);
    cps_buf_free(&trx);
    cps_buf_free(&cfd);
    return rc;
}

int cps_abi_packed_transaction_digest(const cps_packed_transaction *p, cps_checksum256 *digest)
{
    cps_buf b;
    cps_buf_init(&b);
    uint8_t prunable[32];
    cps_write_varuint32(&b, p->signature_count);
    for (uint32_t i = 0; i < p->signature_count; i++)
        cps_signature_pack(&b, &p->signatures[i]);
    int rc = cps_write_blob(&b, p->packed_context_free_data.data, p->packed_context_free_data.size);
    if (rc) goto done;
    cps_sha256(b.data, b.size, prunable);
    cps_buf_reset(&b);
    cps_write_u8(&b, p->compression);
    cps_write_blob(&b, p->packed_trx.data, p->packed_trx.size);
    rc = cps_write_bytes(&b, prunable, 32);
    if (!rc) cps_sha256(b.data, b.size, digest->b);
done:
    cps_buf_free(&b);
    return rc;
}

uint32_t cps_abi_block_num_from_id(const cps_checksum256 *id)
{
    return ((uint32_t)id->b[0] << 24) | ((uint32_t)id->b[1] << 16) | ((uint32_t)id->b[2] << 8) |
           id->b[3];
}

uint32_t cps_abi_block_header_num(const cps_block_header *h)
{
    return cps_abi_block_num_from_id(&h->previous) + 1;
}

int cps_abi_block_id(const cps_block_header *h, cps_checksum256 *id)
{
    cps_buf b;
    cps_buf_init(&b);
    int rc = cps_abi_block_header_pack(&b, h);
    if (!rc) {
        cps_sha256(b.data, b.size, id->b);
        uint32_t num = cps_abi_block_header_num(h);
        id->b[0] = (uint8_t)(num >> 24);
        id->b[1] = (uint8_t)(num >> 16);
        id->b[2] = (uint8_t)(num >> 8);
        id->b[3] = (uint8_t)num;
    }
    cps_buf_free(&b);
    return rc;
}

void cps_abi_tapos_from_block_id(const cps_checksum256 *id, uint16_t *ref_block_num,
                                 uint32_t *ref_block_prefix)
{
    *ref_block_num = (uint16_t)(cps_abi_block_num_from_id(id) & 0xffff);
    *ref_block_prefix = cps_load_u32(id->b + 8);
}

/* The pair is made "canonical" so that a proof needs no left/right flags: the left node's top
 * bit is cleared and the right node's set before hashing. */
void cps_abi_merkle_pair(const cps_checksum256 *l, const cps_checksum256 *r,
                         cps_checksum256 *out)
{
    uint8_t buf[64];
    memcpy(buf, l->b, 32);
    memcpy(buf + 32, r->b, 32);
    buf[0] &= 0x7f;
    buf[32] |= 0x80;
    cps_sha256(buf, sizeof buf, out->b);
}

int cps_abi_merkle_root(const cps_checksum256 *leaves, size_t n, cps_checksum256 *root)
{
    if (n == 0) {
        memset(root, 0, sizeof *root);
        return 0;
    }
    if (n == 1) {
        *root = leaves[0];
        return 0;
    }
    size_t cap = n + 1;
    cps_checksum256 *level = malloc(cap * sizeof *level);
    if (!level) return cps_fail(CPS_ERR_NOMEM, "merkle: out of memory for %zu leaves", n);
    memcpy(level, leaves, n * sizeof *level);
    while (n > 1) {
        if (n % 2) {
            level[n] = level[n - 1];
            n++;
        }
        for (size_t i = 0; i < n / 2; i++)
            cps_abi_merkle_pair(&level[2 * i], &level[2 * i + 1], &level[i]);
        n /= 2;
    }
    *root = level[0];
    free(level);
    return 0;
}

void cps_abi_vote_digest(const cps_checksum256 *chain_id, cps_name producer,
                         const cps_checksum256 *block_id, uint32_t block_num,
                         cps_checksum256 *digest)
{
    static const char tag[] = "cps-vote-v1";
    uint8_t tail[12];
    cps_store_u32(tail, block_num);
    cps_store_u64(tail + 4, producer);
    cps_sha256_ctx c;
    cps_sha256_init(&c);
    cps_sha256_update(&c, tag, sizeof tag - 1);
    cps_sha256_update(&c, chain_id->b, 32);
    cps_sha256_update(&c, block_id->b, 32);
    cps_sha256_update(&c, tail, sizeof tail);
    cps_sha256_final(&c, digest->b);
}
