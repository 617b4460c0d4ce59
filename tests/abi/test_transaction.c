/* Transactions end to end: the eosjs-signed transfer from shared/reference/transfer_offline.json
 * packed from its JSON through an eosio.token ABI, its id, signing digest, signature recovery,
 * packed-transaction JSON both ways, zlib compression and context-free data. */
#include "abi/abi.h"
#include "test.h"

#include <zlib.h>

/* The reference vector (generated and signed by eosjs). */
static const char *chain_id_hex =
    "cf057bbfb72640471fd910bcb67639c22df9f92470936cddc1ade0e2f2e7dc4f";
static const char *trx_json =
    "{\"expiration\":\"2030-01-01T00:00:00\",\"ref_block_num\":1,\"ref_block_prefix\":0,"
    "\"max_net_usage_words\":0,\"max_cpu_usage_ms\":0,\"delay_sec\":0,"
    "\"context_free_actions\":[],\"transaction_extensions\":[],"
    "\"actions\":[{\"account\":\"eosio.token\",\"name\":\"transfer\","
    "\"authorization\":[{\"actor\":\"alice\",\"permission\":\"active\"}],"
    "\"data\":{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 SYS\",\"memo\":\"test\"}}]}";
static const char *packed_trx_hex =
    "80d8db70010000000000000000000100a6823403ea3055000000572d3ccdcd010000000000855c3400000000a8ed"
    "3232250000000000855c340000000000000e3d10270000000000000453595300000000047465737400";
static const char *trx_id_hex = "0e2c363bd2397dac723b096a499221e1f2bd5b9a8a9c175467eb2825e1ad7289";
static const char *digest_hex = "829fbd7a167214fde340654958c18a599d06ecf833578fbedd61f400717813d1";
static const char *signing_key = "PUB_K1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63";
static const char *signature =
    "SIG_K1_K5sfcJAgZJYa4mTnz7778LNSN9q7qn2hD5jvfj6K28GfWUJ2rdSNA3cX4oPBEFHp6S3RUpTnYAYbA1sSrhSgU2"
    "eRCECYoE";

/* eosio.token's ABI, written for this test (the parts a transfer needs plus its tables). */
static const char *token_abi_json =
    "{\"version\":\"eosio::abi/1.1\",\"types\":[],\"structs\":["
    "{\"name\":\"transfer\",\"base\":\"\",\"fields\":[{\"name\":\"from\",\"type\":\"name\"},"
    "{\"name\":\"to\",\"type\":\"name\"},{\"name\":\"quantity\",\"type\":\"asset\"},"
    "{\"name\":\"memo\",\"type\":\"string\"}]},"
    "{\"name\":\"issue\",\"base\":\"\",\"fields\":[{\"name\":\"to\",\"type\":\"name\"},"
    "{\"name\":\"quantity\",\"type\":\"asset\"},{\"name\":\"memo\",\"type\":\"string\"}]},"
    "{\"name\":\"account\",\"base\":\"\",\"fields\":[{\"name\":\"balance\",\"type\":\"asset\"}]},"
    "{\"name\":\"currency_stats\",\"base\":\"\",\"fields\":[{\"name\":\"supply\",\"type\":"
    "\"asset\"},"
    "{\"name\":\"max_supply\",\"type\":\"asset\"},{\"name\":\"issuer\",\"type\":\"name\"}]}],"
    "\"actions\":[{\"name\":\"transfer\",\"type\":\"transfer\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"issue\",\"type\":\"issue\",\"ricardian_contract\":\"\"}],"
    "\"tables\":[{\"name\":\"accounts\",\"index_type\":\"i64\",\"key_names\":[],\"key_types\":[],"
    "\"type\":\"account\"},{\"name\":\"stat\",\"index_type\":\"i64\",\"key_names\":[],"
    "\"key_types\":[],\"type\":\"currency_stats\"}],\"ricardian_clauses\":[],"
    "\"error_messages\":[],\"abi_extensions\":[],\"variants\":[]}";

static cps_abi *token_abi;

static const cps_abi *resolver(void *ctx, cps_name account)
{
    (void)ctx;
    return account == cps_abi_name("eosio.token") ? token_abi : NULL;
}

static void load_token_abi(void)
{
    if (!token_abi) {
        int rc = cps_abi_from_json(token_abi_json, strlen(token_abi_json), &token_abi);
        if (rc) fprintf(stderr, "token ABI: %s\n", cps_last_error());
    }
}

static void hex_of(cps_buf *b, char *out, size_t cap)
{
    size_t n = b->size * 2 + 1 <= cap ? b->size : (cap - 1) / 2;
    cps_hex_encode(out, b->data, n);
}

static void checksum_of_hex(const char *hex, cps_checksum256 *out)
{
    size_t n;
    if (cps_hex_decode(out->b, 32, &n, hex, 64)) memset(out, 0, sizeof *out);
}

TEST(transfer_json_packs_to_reference_bytes_id_and_digest)
{
    load_token_abi();
    ASSERT(token_abi != NULL);
    json_t *v = json_loads(trx_json, 0, NULL);
    ASSERT(v != NULL);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_transaction st;
    int rc = cps_abi_signed_transaction_from_json(v, resolver, NULL, &a, &st);
    json_decref(v);
    ASSERT_MSG(rc == 0, "from_json: %s", cps_last_error());
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_transaction_pack(&b, &st.trx));
    char hex[1024];
    hex_of(&b, hex, sizeof hex);
    ASSERT_STR_EQ(hex, packed_trx_hex);

    cps_checksum256 id, want;
    ASSERT_OK(cps_abi_transaction_id(&st.trx, &id));
    checksum_of_hex(trx_id_hex, &want);
    ASSERT_MEM_EQ(id.b, want.b, 32);

    cps_checksum256 chain_id, digest;
    checksum_of_hex(chain_id_hex, &chain_id);
    ASSERT_OK(cps_abi_signing_digest(&chain_id, &st, &digest));
    checksum_of_hex(digest_hex, &want);
    ASSERT_MEM_EQ(digest.b, want.b, 32);

    /* The reference signature recovers to the reference key over our digest. */
    cps_signature sig;
    cps_public_key key, expect_key;
    ASSERT_OK(cps_signature_from_string(signature, strlen(signature), &sig));
    ASSERT_OK(cps_recover(&sig, digest.b, &key));
    ASSERT_OK(cps_public_key_from_string(signing_key, strlen(signing_key), &expect_key));
    ASSERT_EQ(cps_public_key_compare(&key, &expect_key), 0);
    cps_buf_free(&b);
    cps_abi_arena_free(&a);
}

TEST(packed_transaction_json_round_trip_and_decoded_form)
{
    load_token_abi();
    char body[2048];
    snprintf(body, sizeof body,
             "{\"signatures\":[\"%s\"],\"compression\":0,\"packed_context_free_data\":\"\","
             "\"packed_trx\":\"%s\"}",
             signature, packed_trx_hex);
    json_t *v = json_loads(body, 0, NULL);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_packed_transaction p;
    int rc = cps_abi_packed_transaction_from_json(v, resolver, NULL, &a, &p);
    json_decref(v);
    ASSERT_MSG(rc == 0, "%s", cps_last_error());
    ASSERT_EQ(p.signature_count, 1);
    ASSERT_EQ(p.compression, 0);

    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_packed_transaction_to_json(&p, false, resolver, NULL, &b));
    char expect[2048];
    snprintf(expect, sizeof expect,
             "{\"signatures\":[\"%s\"],\"compression\":\"none\",\"packed_context_free_data\":\"\","
             "\"packed_trx\":\"%s\"}",
             signature, packed_trx_hex);
    ASSERT_STR_EQ(cps_buf_cstr(&b), expect);

    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_packed_transaction_to_json(&p, true, resolver, NULL, &b));
    const char *s = cps_buf_cstr(&b);
    ASSERT_CONTAINS(s,
                    "\"id\":\"0e2c363bd2397dac723b096a499221e1f2bd5b9a8a9c175467eb2825e1ad7289\"");
    ASSERT_CONTAINS(s, "\"data\":{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 SYS\","
                       "\"memo\":\"test\"},\"hex_data\":\"0000000000855c34");
    ASSERT_CONTAINS(s, "\"expiration\":\"2030-01-01T00:00:00\"");

    /* Without an ABI the data stays hex and there is no hex_data. */
    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_packed_transaction_to_json(&p, true, NULL, NULL, &b));
    s = cps_buf_cstr(&b);
    ASSERT_CONTAINS(s, "\"data\":\"0000000000855c34");
    ASSERT(!test_contains(s, "hex_data"));

    /* The binary packed form round-trips. */
    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_packed_transaction_pack(&b, &p));
    cps_reader r = cps_reader_make(b.data, b.size);
    cps_packed_transaction q;
    ASSERT_OK(cps_abi_packed_transaction_unpack(&r, &a, &q));
    ASSERT_EQ(cps_reader_left(&r), 0);
    ASSERT_EQ(q.packed_trx.size, p.packed_trx.size);
    ASSERT_MEM_EQ(q.packed_trx.data, p.packed_trx.data, p.packed_trx.size);
    ASSERT_MEM_EQ(q.signatures[0].data, p.signatures[0].data, 65);
    cps_buf_free(&b);
    cps_abi_arena_free(&a);
}

TEST(transaction_to_json_reads_back_identically)
{
    load_token_abi();
    json_t *v = json_loads(trx_json, 0, NULL);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_transaction t, t2;
    ASSERT_OK(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t));
    json_decref(v);
    cps_buf b, b1, b2;
    cps_buf_init(&b);
    cps_buf_init(&b1);
    cps_buf_init(&b2);
    ASSERT_OK(cps_abi_transaction_to_json(&t, resolver, NULL, &b));
    json_t *back = json_loadb((const char *)b.data, b.size, 0, NULL);
    ASSERT(back != NULL);
    ASSERT_OK(cps_abi_transaction_from_json(back, resolver, NULL, &a, &t2));
    json_decref(back);
    ASSERT_OK(cps_abi_transaction_pack(&b1, &t));
    ASSERT_OK(cps_abi_transaction_pack(&b2, &t2));
    ASSERT_EQ(b1.size, b2.size);
    ASSERT_MEM_EQ(b1.data, b2.data, b1.size);
    cps_buf_free(&b);
    cps_buf_free(&b1);
    cps_buf_free(&b2);
    cps_abi_arena_free(&a);
}

TEST(transaction_json_errors_name_the_path)
{
    load_token_abi();
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_transaction t;
    const char *bad_actor =
        "{\"actions\":[{\"account\":\"eosio.token\",\"name\":\"transfer\",\"authorization\":"
        "[{\"actor\":\"alice\",\"permission\":\"active\"},{\"actor\":\"Bob\",\"permission\":"
        "\"active\"}],\"data\":\"\"}]}";
    json_t *v = json_loads(bad_actor, 0, NULL);
    ASSERT_EQ(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t), CPS_ERR_FORMAT);
    json_decref(v);
    ASSERT_CONTAINS(cps_last_error(),
                    "actions[0].authorization[1].actor: name \"Bob\" is not a valid name");

    const char *bad_qty =
        "{\"actions\":[{\"account\":\"eosio.token\",\"name\":\"transfer\",\"authorization\":[],"
        "\"data\":{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":5,\"memo\":\"\"}}]}";
    v = json_loads(bad_qty, 0, NULL);
    ASSERT_EQ(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t), CPS_ERR_TYPE);
    json_decref(v);
    ASSERT_CONTAINS(cps_last_error(),
                    "actions[0].data.quantity: expected an asset string, got integer");

    const char *no_abi =
        "{\"actions\":[{\"account\":\"other\",\"name\":\"transfer\",\"data\":{\"a\":1}}]}";
    v = json_loads(no_abi, 0, NULL);
    ASSERT_EQ(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t), CPS_ERR_NOT_FOUND);
    json_decref(v);
    ASSERT_CONTAINS(cps_last_error(), "actions[0].data: no ABI of other declares action transfer");

    const char *hex_fallback =
        "{\"actions\":[{\"account\":\"other\",\"name\":\"transfer\",\"data\":{\"a\":1},"
        "\"hex_data\":\"0a0b\"}]}";
    v = json_loads(hex_fallback, 0, NULL);
    ASSERT_OK(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t));
    json_decref(v);
    ASSERT_EQ(t.actions[0].data.size, 2);
    ASSERT_EQ(t.actions[0].data.data[1], 0x0b);

    const char *bad_exp = "{\"expiration\":\"2030-13-01T00:00:00\"}";
    v = json_loads(bad_exp, 0, NULL);
    ASSERT_NE(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t), 0);
    json_decref(v);
    ASSERT_CONTAINS(cps_last_error(), "expiration: ");

    const char *bad_num = "{\"ref_block_num\":70000}";
    v = json_loads(bad_num, 0, NULL);
    ASSERT_EQ(cps_abi_transaction_from_json(v, resolver, NULL, &a, &t), CPS_ERR_OVERFLOW);
    json_decref(v);
    ASSERT_CONTAINS(cps_last_error(), "ref_block_num: value 70000 is out of range");
    cps_abi_arena_free(&a);
}

TEST(zlib_packed_transaction_has_the_same_id_and_context_free_data)
{
    load_token_abi();
    json_t *v = json_loads(trx_json, 0, NULL);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_transaction st;
    ASSERT_OK(cps_abi_signed_transaction_from_json(v, resolver, NULL, &a, &st));
    json_decref(v);
    uint8_t cfd0[] = {1, 2, 3}, cfd1[] = {0xff};
    cps_bytes cfd[2] = {{cfd0, 3}, {cfd1, 1}};
    st.context_free_data = cfd;
    st.context_free_data_count = 2;

    cps_packed_transaction plain, zipped;
    ASSERT_OK(cps_abi_packed_transaction_make(&st, CPS_COMPRESSION_NONE, &a, &plain));
    ASSERT_OK(cps_abi_packed_transaction_make(&st, CPS_COMPRESSION_ZLIB, &a, &zipped));
    ASSERT_EQ(zipped.compression, 1);
    /* packed cfd = raw vector<bytes>: 02 03 010203 01 ff */
    ASSERT_EQ(plain.packed_context_free_data.size, 7);
    ASSERT_EQ(plain.packed_context_free_data.data[0], 2);

    cps_transaction t1, t2;
    cps_bytes raw1, raw2;
    ASSERT_OK(cps_abi_packed_transaction_get(&plain, &a, &t1, &raw1));
    ASSERT_OK(cps_abi_packed_transaction_get(&zipped, &a, &t2, &raw2));
    ASSERT_EQ(raw1.size, raw2.size);
    ASSERT_MEM_EQ(raw1.data, raw2.data, raw1.size);
    cps_bytes *items;
    uint32_t count;
    ASSERT_OK(cps_abi_packed_transaction_cfd(&zipped, &a, &items, &count));
    ASSERT_EQ(count, 2);
    ASSERT_EQ(items[0].size, 3);
    ASSERT_EQ(items[1].data[0], 0xff);

    /* With context-free data the digest covers sha256(packed cfd) instead of zeros. */
    cps_checksum256 chain_id, d_with, d_without;
    checksum_of_hex(chain_id_hex, &chain_id);
    ASSERT_OK(cps_abi_signing_digest(&chain_id, &st, &d_with));
    cps_checksum256 cfd_hash;
    cps_sha256(plain.packed_context_free_data.data, plain.packed_context_free_data.size,
               cfd_hash.b);
    cps_abi_signing_digest_raw(&chain_id, raw1.data, raw1.size, plain.packed_context_free_data.data,
                               plain.packed_context_free_data.size, &d_without);
    ASSERT_MEM_EQ(d_with.b, d_without.b, 32);
    cps_sha256_ctx c;
    cps_sha256_init(&c);
    cps_sha256_update(&c, chain_id.b, 32);
    cps_sha256_update(&c, raw1.data, raw1.size);
    cps_sha256_update(&c, cfd_hash.b, 32);
    cps_sha256_final(&c, d_without.b);
    ASSERT_MEM_EQ(d_with.b, d_without.b, 32);

    /* packed_digest differs between the two encodings (it covers the compressed bytes). */
    cps_checksum256 pd1, pd2;
    ASSERT_OK(cps_abi_packed_transaction_digest(&plain, &pd1));
    ASSERT_OK(cps_abi_packed_transaction_digest(&zipped, &pd2));
    ASSERT(memcmp(pd1.b, pd2.b, 32) != 0);
    cps_abi_arena_free(&a);
}

TEST(packed_digest_matches_its_definition)
{
    /* sha256(compression || bytes packed_trx || sha256(vector<signature> || bytes packed_cfd)) */
    uint8_t trx[] = {9, 8, 7};
    cps_packed_transaction p = {0};
    p.packed_trx = (cps_bytes){trx, 3};
    cps_checksum256 got;
    ASSERT_OK(cps_abi_packed_transaction_digest(&p, &got));
    uint8_t prunable_in[] = {0x00, 0x00}, prunable[32];
    cps_sha256(prunable_in, 2, prunable);
    uint8_t outer[1 + 1 + 3 + 32] = {0x00, 0x03, 9, 8, 7};
    memcpy(outer + 5, prunable, 32);
    cps_checksum256 want;
    cps_sha256(outer, sizeof outer, want.b);
    ASSERT_MEM_EQ(got.b, want.b, 32);
}

TEST(zlib_bomb_and_corrupt_streams_are_rejected)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    /* 2 MiB of zeros compresses to a few KiB: more than the 1 MiB limit once inflated. */
    size_t big = 2 * 1024 * 1024;
    uint8_t *zeros = calloc(1, big);
    uLongf clen = compressBound(big);
    uint8_t *comp = malloc(clen);
    ASSERT_EQ(compress2(comp, &clen, zeros, big, 9), Z_OK);
    cps_packed_transaction p = {0};
    p.compression = CPS_COMPRESSION_ZLIB;
    p.packed_trx = (cps_bytes){comp, clen};
    cps_transaction t;
    ASSERT_EQ(cps_abi_packed_transaction_get(&p, &a, &t, NULL), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "limit");

    /* Cut-off stream. */
    p.packed_trx.size = clen / 2;
    ASSERT_NE(cps_abi_packed_transaction_get(&p, &a, &t, NULL), 0);
    /* Garbage. */
    uint8_t junk[16] = {0x78, 0x9c, 0xff, 0xff, 0xff};
    p.packed_trx = (cps_bytes){junk, sizeof junk};
    ASSERT_EQ(cps_abi_packed_transaction_get(&p, &a, &t, NULL), CPS_ERR_FORMAT);
    free(zeros);
    free(comp);
    cps_abi_arena_free(&a);
}

int main(int argc, char **argv)
{
    int rc = test_main(argc, argv);
    cps_abi_free(token_abi);
    return rc;
}
