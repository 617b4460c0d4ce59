/* net tests: builders of valid signed blocks, packed transactions and votes (EOSIO binary forms)
 * that the P2P tests send around; each call with different arguments gives a different id. */
#ifndef CPS_TEST_NET_FIXTURES_H
#define CPS_TEST_NET_FIXTURES_H

#include "net/net.h"

#include <string.h>

/* A block id carrying `num` in its first four bytes (as real block ids do), the rest from salt. */
static inline cps_checksum256 fixture_block_id(uint32_t num, uint8_t salt)
{
    cps_checksum256 id;
    memset(id.b, salt, sizeof id.b);
    id.b[0] = (uint8_t)(num >> 24);
    id.b[1] = (uint8_t)(num >> 16);
    id.b[2] = (uint8_t)(num >> 8);
    id.b[3] = (uint8_t)num;
    return id;
}

/* Appends a packed signed_block with block number `num` (previous carries num - 1) to b. */
static inline int fixture_block(cps_buf *b, uint32_t num, uint8_t salt)
{
    cps_signed_block blk;
    memset(&blk, 0, sizeof blk);
    cps_block_header *h = &blk.signed_header.header;
    h->timestamp = 1000 + num;
    h->producer = cps_abi_name("eosio");
    h->previous = fixture_block_id(num - 1, salt);
    h->schedule_version = salt;
    blk.signed_header.producer_signature.type = CPS_KEY_K1;
    blk.signed_header.producer_signature.data[0] = 31;
    return cps_abi_signed_block_pack(b, &blk);
}

/* Appends a packed_transaction with one eosio.token transfer-like action whose data is `tag`. */
static inline int fixture_transaction(cps_buf *b, uint32_t tag, enum cps_compression comp)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    uint8_t data[4];
    cps_store_u32(data, tag);
    cps_permission_level auth = {cps_abi_name("alice"), cps_abi_name("active")};
    cps_action act = {cps_abi_name("eosio.token"), cps_abi_name("transfer"), &auth, 1,
                      {data, sizeof data}};
    cps_signed_transaction st;
    memset(&st, 0, sizeof st);
    st.trx.header.expiration = 1700000000;
    st.trx.header.ref_block_num = 7;
    st.trx.actions = &act;
    st.trx.action_count = 1;
    cps_packed_transaction p;
    int rc = cps_abi_packed_transaction_make(&st, comp, &a, &p);
    if (rc == 0) rc = cps_abi_packed_transaction_pack(b, &p);
    cps_abi_arena_free(&a);
    return rc;
}

static inline cps_checksum256 fixture_chain_id(uint8_t v)
{
    cps_checksum256 c;
    memset(c.b, v, sizeof c.b);
    return c;
}

#endif
