/* Protocol structures: pack/unpack round trips for blocks (with both receipt forms, a producer
 * schedule and extensions), every truncation and corruption of untrusted bytes failing cleanly,
 * block ids and numbers, TaPoS, merkle roots and authority validation. */
#include "abi/abi.h"
#include "test.h"

static cps_private_key test_key(uint8_t seed)
{
    cps_private_key k;
    memset(&k, 0, sizeof k);
    k.type = CPS_KEY_K1;
    for (int i = 0; i < 32; i++)
        k.secret[i] = (uint8_t)(seed + i);
    return k;
}

/* A block with one receipt of each kind and everything optional present. */
struct block_fixture {
    cps_arena arena;
    cps_signed_block block;
    cps_buf bytes;
};

static int make_block(struct block_fixture *f)
{
    memset(f, 0, sizeof *f);
    cps_arena *a = &f->arena;
    cps_private_key k = test_key(1);
    cps_public_key pub;
    if (cps_key_public(&k, &pub)) return -1;
    uint8_t digest[32] = {7};
    cps_signature sig;
    if (cps_sign(&k, digest, &sig)) return -1;

    cps_block_header *h = &f->block.signed_header.header;
    h->timestamp = 1162339201;
    h->producer = cps_abi_name("eosio");
    h->confirmed = 3;
    h->previous.b[3] = 41; /* block 41 */
    memset(h->transaction_mroot.b, 0xaa, 32);
    memset(h->action_mroot.b, 0xbb, 32);
    h->schedule_version = 2;
    h->has_new_producers = true;
    h->new_producers.version = 3;
    h->new_producers.producer_count = 2;
    h->new_producers.producers = cps_abi_arena_alloc(a, 2 * sizeof(cps_producer_key));
    h->new_producers.producers[0] = (cps_producer_key){cps_abi_name("alice"), pub};
    h->new_producers.producers[1] = (cps_producer_key){cps_abi_name("bob"), pub};
    static uint8_t ext_data[] = {1, 2, 3};
    h->header_extension_count = 1;
    h->header_extensions = cps_abi_arena_alloc(a, sizeof(cps_extension));
    h->header_extensions[0] = (cps_extension){1, {ext_data, 3}};
    f->block.signed_header.producer_signature = sig;

    static uint8_t trx[] = {0x80, 0xd8, 0xdb, 0x70, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    f->block.transaction_count = 2;
    f->block.transactions = cps_abi_arena_alloc(a, 2 * sizeof(cps_transaction_receipt));
    cps_transaction_receipt *r = f->block.transactions;
    r[0].status = CPS_TRX_EXECUTED;
    r[0].cpu_usage_us = 150;
    r[0].net_usage_words = 300; /* two-byte varuint32 */
    r[0].is_packed = true;
    r[0].packed.signature_count = 1;
    r[0].packed.signatures = cps_abi_arena_alloc(a, sizeof(cps_signature));
    r[0].packed.signatures[0] = sig;
    r[0].packed.packed_trx = (cps_bytes){trx, sizeof trx};
    r[1].status = CPS_TRX_DELAYED;
    r[1].is_packed = false;
    memset(r[1].trx_id.b, 0x11, 32);
    cps_buf_init(&f->bytes);
    return cps_abi_signed_block_pack(&f->bytes, &f->block);
}

static void free_block(struct block_fixture *f)
{
    cps_abi_arena_free(&f->arena);
    cps_buf_free(&f->bytes);
}

TEST(signed_block_round_trips)
{
    struct block_fixture f;
    ASSERT_OK(make_block(&f));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block out;
    ASSERT_OK(cps_abi_signed_block_decode(f.bytes.data, f.bytes.size, &a, &out));
    const cps_block_header *h = &out.signed_header.header;
    ASSERT_EQ(h->timestamp, 1162339201);
    ASSERT_U64_EQ(h->producer, cps_abi_name("eosio"));
    ASSERT_EQ(h->confirmed, 3);
    ASSERT(h->has_new_producers);
    ASSERT_EQ(h->new_producers.producer_count, 2);
    ASSERT_U64_EQ(h->new_producers.producers[1].producer_name, cps_abi_name("bob"));
    ASSERT_EQ(h->header_extension_count, 1);
    ASSERT_EQ(h->header_extensions[0].data.size, 3);
    ASSERT_EQ(out.transaction_count, 2);
    ASSERT(out.transactions[0].is_packed);
    ASSERT_EQ(out.transactions[0].net_usage_words, 300);
    ASSERT_EQ(out.transactions[0].packed.packed_trx.size, 16);
    ASSERT(!out.transactions[1].is_packed);
    ASSERT_EQ(out.transactions[1].status, CPS_TRX_DELAYED);
    ASSERT_EQ(out.transactions[1].trx_id.b[31], 0x11);
    cps_buf again;
    cps_buf_init(&again);
    ASSERT_OK(cps_abi_signed_block_pack(&again, &out));
    ASSERT_EQ(again.size, f.bytes.size);
    ASSERT_MEM_EQ(again.data, f.bytes.data, f.bytes.size);
    cps_buf_free(&again);
    cps_abi_arena_free(&a);
    free_block(&f);
}

TEST(every_truncated_block_fails_cleanly)
{
    struct block_fixture f;
    ASSERT_OK(make_block(&f));
    for (size_t n = 0; n < f.bytes.size; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, f.bytes.data, n);
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_signed_block out;
        cps_clear_error();
        int rc = cps_abi_signed_block_decode(copy, n, &a, &out);
        ASSERT_MSG(rc != 0, "prefix of %zu bytes accepted", n);
        ASSERT_MSG(cps_last_error()[0] != 0, "prefix %zu: no detail", n);
        cps_abi_arena_free(&a);
        free(copy);
    }
    /* And trailing data is refused. */
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block out;
    ASSERT_OK(cps_write_u8(&f.bytes, 0));
    ASSERT_EQ(cps_abi_signed_block_decode(f.bytes.data, f.bytes.size, &a, &out), CPS_ERR_TRAILING);
    cps_abi_arena_free(&a);
    free_block(&f);
}

/* Decodes hex as a signed block and returns the error code. */
static int decode_block_hex(const char *hex)
{
    uint8_t buf[1024];
    size_t n;
    if (cps_hex_decode(buf, sizeof buf, &n, hex, strlen(hex))) return 1;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block out;
    int rc = cps_abi_signed_block_decode(buf, n, &a, &out);
    cps_abi_arena_free(&a);
    return rc;
}

TEST(corrupt_block_fields_are_named)
{
    struct block_fixture f;
    ASSERT_OK(make_block(&f));
    char *hex = malloc(f.bytes.size * 2 + 1);
    cps_hex_encode(hex, f.bytes.data, f.bytes.size);
    /* offset of the new_producers flag: 4+8+2+32*3+4 = 114 */
    char *bad = strdup(hex);
    bad[2 * 114] = '0';
    bad[2 * 114 + 1] = '2';
    ASSERT_EQ(decode_block_hex(bad), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(),
                    "block_header.new_producers: boolean byte 0x02 at offset 114");
    free(bad);

    /* A header with no schedule, no extensions, then a producer signature and zero receipts
     * whose count is an overlong varuint32. */
    char hdr[1024];
    size_t k = 0;
    k += (size_t)snprintf(hdr + k, sizeof hdr - k, "%s",
                          "00000000"
                          "0000000000000000"
                          "0000");
    for (int i = 0; i < 3; i++)
        k += (size_t)snprintf(hdr + k, sizeof hdr - k, "%064d", 0);
    k += (size_t)snprintf(hdr + k, sizeof hdr - k, "%s",
                          "00000000"
                          "00"
                          "00");
    char sighex[200];
    cps_hex_encode(sighex, &f.block.signed_header.producer_signature.type, 1);
    cps_hex_encode(sighex + 2, f.block.signed_header.producer_signature.data, 65);
    char buf[2048];
    snprintf(buf, sizeof buf, "%s%s%s", hdr, sighex, "80808080808000");
    ASSERT_NE(decode_block_hex(buf), 0);
    ASSERT_CONTAINS(cps_last_error(), "signed_block.transactions: length");
    /* Receipts count beyond the buffer. */
    snprintf(buf, sizeof buf, "%s%s%s", hdr, sighex, "ffffffff0f");
    ASSERT_EQ(decode_block_hex(buf), CPS_ERR_TRUNCATED);
    ASSERT_CONTAINS(cps_last_error(), "4294967295 elements declared");
    /* A receipt with variant index 2. */
    snprintf(buf, sizeof buf, "%s%s%s", hdr, sighex,
             "01"
             "00"
             "00000000"
             "00"
             "02"
             "00000000000000000000000000000000");
    ASSERT_EQ(decode_block_hex(buf), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "signed_block.transactions[0]: trx: variant index 2");
    /* A packed transaction with compression 7. */
    snprintf(buf, sizeof buf, "%s%s%s", hdr, sighex,
             "01"
             "00"
             "00000000"
             "00"
             "01"
             "00"
             "07"
             "00"
             "00"
             "00");
    ASSERT_EQ(decode_block_hex(buf), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown compression 7");
    /* An unknown signature type (WebAuthn is 2). */
    char sig_wa[200];
    memcpy(sig_wa, sighex, sizeof sig_wa);
    sig_wa[1] = '2';
    snprintf(buf, sizeof buf, "%s%s%s", hdr, sig_wa, "0000");
    ASSERT_NE(decode_block_hex(buf), 0);
    ASSERT_CONTAINS(cps_last_error(), "producer_signature");
    /* The minimal block decodes. */
    snprintf(buf, sizeof buf, "%s%s%s", hdr, sighex, "0000");
    ASSERT_OK(decode_block_hex(buf));
    free(hex);
    free_block(&f);
}

TEST(transaction_decoding_errors)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_transaction t;
    /* header + 0 cfa + 1 action whose authorization count promises 1000 entries */
    uint8_t buf[64] = {0x80, 0xd8, 0xdb, 0x70, 1, 0, 0, 0, 0, 0, 0, 0, 0, /* header */
                       0,                                                 /* cfa */
                       1};                                                /* actions */
    size_t n = 15;
    memset(buf + n, 0, 16);
    n += 16;
    buf[n++] = 0xe8;
    buf[n++] = 0x07;
    ASSERT_EQ(cps_abi_transaction_decode(buf, n, &a, &t), CPS_ERR_TRUNCATED);
    ASSERT_CONTAINS(cps_last_error(),
                    "transaction: actions[0]: authorization: 1000 elements declared at offset 31");
    /* a non-minimal delay_sec */
    uint8_t nonmin[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0, 0, 0};
    ASSERT_EQ(cps_abi_transaction_decode(nonmin, sizeof nonmin, &a, &t), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(),
                    "transaction: delay_sec: varuint32 at offset 12 is not minimally encoded");
    /* the smallest transaction: header and three empty vectors */
    uint8_t empty[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ASSERT_OK(cps_abi_transaction_decode(empty, sizeof empty, &a, &t));
    ASSERT_EQ(t.action_count, 0);
    ASSERT_EQ(cps_abi_transaction_decode(empty, sizeof empty - 1, &a, &t), CPS_ERR_TRUNCATED);
    cps_abi_arena_free(&a);
}

TEST(block_id_carries_the_block_number)
{
    struct block_fixture f;
    ASSERT_OK(make_block(&f));
    const cps_block_header *h = &f.block.signed_header.header;
    ASSERT_EQ(cps_abi_block_header_num(h), 42);
    cps_checksum256 id, hash;
    ASSERT_OK(cps_abi_block_id(h, &id));
    ASSERT_EQ(cps_abi_block_num_from_id(&id), 42);
    ASSERT_EQ(id.b[0], 0);
    ASSERT_EQ(id.b[3], 42);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_block_header_pack(&b, h));
    cps_sha256(b.data, b.size, hash.b);
    ASSERT_MEM_EQ(id.b + 4, hash.b + 4, 28);
    /* the signed header's bytes are the header's followed by the signature */
    cps_buf sb;
    cps_buf_init(&sb);
    ASSERT_OK(cps_abi_signed_block_header_pack(&sb, &f.block.signed_header));
    ASSERT_EQ(sb.size, b.size + 66);
    ASSERT_MEM_EQ(sb.data, b.data, b.size);

    uint16_t num;
    uint32_t prefix;
    id.b[1] = 0x01; /* block 0x0001002a: only the low 16 bits go to ref_block_num */
    memcpy(id.b + 8, "\x78\x56\x34\x12", 4);
    cps_abi_tapos_from_block_id(&id, &num, &prefix);
    ASSERT_EQ(num, 0x002a);
    ASSERT_EQ(prefix, 0x12345678);
    cps_buf_free(&b);
    cps_buf_free(&sb);
    free_block(&f);
}

static void pair_hash(const cps_checksum256 *l, const cps_checksum256 *r, cps_checksum256 *out)
{
    uint8_t buf[64];
    memcpy(buf, l->b, 32);
    memcpy(buf + 32, r->b, 32);
    buf[0] &= 0x7f;
    buf[32] |= 0x80;
    cps_sha256(buf, 64, out->b);
}

TEST(merkle_root_uses_canonical_pairs)
{
    cps_checksum256 leaves[3], root, want, ab, cc;
    for (int i = 0; i < 3; i++)
        memset(leaves[i].b, 0xf0 + i, 32);
    ASSERT_OK(cps_abi_merkle_root(leaves, 0, &root));
    for (int i = 0; i < 32; i++)
        ASSERT_EQ(root.b[i], 0);
    ASSERT_OK(cps_abi_merkle_root(leaves, 1, &root));
    ASSERT_MEM_EQ(root.b, leaves[0].b, 32);
    ASSERT_OK(cps_abi_merkle_root(leaves, 2, &root));
    pair_hash(&leaves[0], &leaves[1], &want);
    ASSERT_MEM_EQ(root.b, want.b, 32);
    /* three leaves: the odd one is paired with itself */
    ASSERT_OK(cps_abi_merkle_root(leaves, 3, &root));
    pair_hash(&leaves[0], &leaves[1], &ab);
    pair_hash(&leaves[2], &leaves[2], &cc);
    pair_hash(&ab, &cc, &want);
    ASSERT_MEM_EQ(root.b, want.b, 32);
    /* the input is not modified */
    ASSERT_EQ(leaves[2].b[0], 0xf2);
}

TEST(authority_validation_follows_eosio)
{
    cps_private_key k1 = test_key(1), k2 = test_key(50);
    cps_public_key p1, p2;
    ASSERT_OK(cps_key_public(&k1, &p1));
    ASSERT_OK(cps_key_public(&k2, &p2));
    if (cps_public_key_compare(&p1, &p2) > 0) {
        cps_public_key t = p1;
        p1 = p2;
        p2 = t;
    }
    cps_key_weight keys[2] = {{p1, 1}, {p2, 1}};
    cps_permission_level_weight accts[2] = {{{cps_abi_name("alice"), cps_abi_name("active")}, 1},
                                            {{cps_abi_name("alice"), cps_abi_name("owner")}, 1}};
    cps_wait_weight waits[2] = {{10, 1}, {20, 1}};
    cps_authority a = {6, keys, 2, accts, 2, waits, 2};
    ASSERT_OK(cps_abi_authority_validate(&a));

    a.threshold = 7;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "weights add up to 6, below the threshold 7");
    a.threshold = 0;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "threshold is 0");
    a.threshold = 1;

    cps_key_weight swapped[2] = {{p2, 1}, {p1, 1}};
    a.keys = swapped;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "keys[1] is not after keys[0]");
    cps_key_weight dup[2] = {{p1, 1}, {p1, 1}};
    a.keys = dup;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    a.keys = keys;

    cps_permission_level_weight bad_accts[2] = {accts[1], accts[0]};
    a.accounts = bad_accts;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "accounts[1] is not after accounts[0]");
    a.accounts = accts;

    cps_wait_weight zero_wait[1] = {{0, 1}};
    a.waits = zero_wait;
    a.wait_count = 1;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "waits[0] has wait_sec 0");
    cps_wait_weight same[2] = {{5, 1}, {5, 1}};
    a.waits = same;
    a.wait_count = 2;
    ASSERT_EQ(cps_abi_authority_validate(&a), CPS_ERR_FORMAT);
    a.waits = waits;

    /* A weight sum beyond uint16 still counts (uint32 total in nodeos). */
    cps_key_weight heavy[2] = {{p1, 65535}, {p2, 65535}};
    cps_authority h = {131070, heavy, 2, NULL, 0, NULL, 0};
    ASSERT_OK(cps_abi_authority_validate(&h));

    /* More than 65536 entries. */
    cps_permission_level_weight *many = calloc(65537, sizeof *many);
    for (uint32_t i = 0; i < 65537; i++)
        many[i] = (cps_permission_level_weight){{i + 1, 0}, 1};
    cps_authority m = {1, NULL, 0, many, 65537, NULL, 0};
    ASSERT_EQ(cps_abi_authority_validate(&m), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "more than 65536 entries");
    m.account_count = 65536;
    ASSERT_OK(cps_abi_authority_validate(&m));
    free(many);

    /* Binary round trip. */
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_authority_pack(&b, &a));
    ASSERT_EQ(b.size, 4 + 1 + 2 * 36 + 1 + 2 * 18 + 1 + 2 * 6);
    cps_arena ar;
    cps_abi_arena_init(&ar);
    cps_reader r = cps_reader_make(b.data, b.size);
    cps_authority back;
    ASSERT_OK(cps_abi_authority_unpack(&r, &ar, &back));
    ASSERT_EQ(cps_reader_left(&r), 0);
    ASSERT_EQ(back.wait_count, 2);
    ASSERT_EQ(back.waits[1].wait_sec, 20);
    ASSERT_EQ(cps_public_key_compare(&back.keys[1].key, &p2), 0);
    cps_abi_arena_free(&ar);
    cps_buf_free(&b);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
