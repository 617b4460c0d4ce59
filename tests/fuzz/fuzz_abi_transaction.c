/* Fuzz target for the protocol decoders of untrusted bytes: the first byte picks packed
 * transaction, signed transaction or signed block. Anything that decodes must pack back to the
 * very bytes it was read from (the decoders accept canonical encodings only), and a transaction
 * must survive a trip through its JSON form. */
#include "abi/abi.h"

#include <stdlib.h>
#include <string.h>

static void check_repack(const uint8_t *in, size_t consumed, cps_buf *b)
{
    if (b->failed || b->size != consumed || memcmp(b->data, in, consumed) != 0) __builtin_trap();
}

static void json_round_trip(const cps_transaction *t)
{
    cps_buf j, p1, p2;
    cps_buf_init(&j);
    cps_buf_init(&p1);
    cps_buf_init(&p2);
    if (cps_abi_transaction_to_json(t, NULL, NULL, &j) != 0) __builtin_trap();
    json_t *v = json_loadb((const char *)j.data, j.size, 0, NULL);
    if (!v) __builtin_trap();
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_transaction back;
    if (cps_abi_transaction_from_json(v, NULL, NULL, &a, &back) != 0) __builtin_trap();
    if (cps_abi_transaction_pack(&p1, t) || cps_abi_transaction_pack(&p2, &back) ||
        p1.size != p2.size || memcmp(p1.data, p2.data, p1.size) != 0)
        __builtin_trap();
    json_decref(v);
    cps_abi_arena_free(&a);
    cps_buf_free(&j);
    cps_buf_free(&p1);
    cps_buf_free(&p2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    cps_reader r = cps_reader_make(data + 1, size - 1);
    cps_arena a;
    cps_abi_arena_init(&a);
    a.limit = 64u << 20;
    cps_buf b;
    cps_buf_init(&b);
    switch (data[0] % 3) {
    case 0: {
        cps_packed_transaction p;
        if (cps_abi_packed_transaction_unpack(&r, &a, &p) != 0) break;
        cps_abi_packed_transaction_pack(&b, &p);
        check_repack(data + 1, r.pos, &b);
        cps_transaction t;
        cps_bytes raw, *cfd;
        uint32_t n;
        cps_checksum256 digest;
        if (cps_abi_packed_transaction_digest(&p, &digest) != 0) __builtin_trap();
        if (cps_abi_packed_transaction_get(&p, &a, &t, &raw) == 0) json_round_trip(&t);
        (void)cps_abi_packed_transaction_cfd(&p, &a, &cfd, &n);
        cps_buf_reset(&b);
        (void)cps_abi_packed_transaction_to_json(&p, true, NULL, NULL, &b);
        break;
    }
    case 1: {
        cps_signed_transaction t;
        if (cps_abi_signed_transaction_unpack(&r, &a, &t) != 0) break;
        cps_abi_signed_transaction_pack(&b, &t);
        check_repack(data + 1, r.pos, &b);
        json_round_trip(&t.trx);
        cps_checksum256 chain = {{0}}, digest;
        if (cps_abi_signing_digest(&chain, &t, &digest) != 0) __builtin_trap();
        break;
    }
    case 2: {
        cps_signed_block blk;
        if (cps_abi_signed_block_unpack(&r, &a, &blk) != 0) break;
        cps_abi_signed_block_pack(&b, &blk);
        check_repack(data + 1, r.pos, &b);
        cps_checksum256 id;
        if (cps_abi_block_id(&blk.signed_header.header, &id) != 0) __builtin_trap();
        for (uint32_t i = 0; i < blk.transaction_count; i++) {
            if (!blk.transactions[i].is_packed) continue;
            cps_transaction t;
            if (cps_abi_packed_transaction_get(&blk.transactions[i].packed, &a, &t, NULL) == 0)
                json_round_trip(&t);
        }
        break;
    }
    }
    cps_buf_free(&b);
    cps_abi_arena_free(&a);
    return 0;
}
