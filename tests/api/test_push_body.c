/* Tests of the direct reader of push bodies (src/api/chain_api_push_body.c): for every body it
 * accepts, its bytes must equal the general path's (jansson, cps_abi_packed_transaction_from_json,
 * cps_abi_packed_transaction_pack); every body outside the plain form must be refused with
 * CPS_ERR_UNSUPPORTED so the general path answers it as before. */
#include "api/chain_api_internal.h"
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char sig_a[CPS_SIGNATURE_STR_MAX], sig_b[CPS_SIGNATURE_STR_MAX];

static void make_signatures(void)
{
    if (sig_a[0]) return;
    cps_private_key k = {.type = CPS_KEY_K1};
    uint8_t digest[32];
    for (int i = 0; i < 32; i++) {
        k.secret[i] = (uint8_t)(i + 1);
        digest[i] = (uint8_t)(0xA0 + i);
    }
    cps_signature s;
    if (cps_sign(&k, digest, &s) || cps_signature_to_string(&s, sig_a, sizeof sig_a)) abort();
    digest[0] ^= 1;
    if (cps_sign(&k, digest, &s) || cps_signature_to_string(&s, sig_b, sizeof sig_b)) abort();
}

/* The general path's packed bytes of one transaction JSON value; 0 or its error. */
static int general_pack(const json_t *v, cps_buf *out)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_packed_transaction p;
    int rc = cps_abi_packed_transaction_from_json(v, NULL, NULL, &a, &p);
    if (!rc) rc = cps_abi_packed_transaction_pack(out, &p);
    cps_abi_arena_free(&a);
    return rc;
}

/* Reads `body` both ways; when the direct reader accepts it, the general path must accept it
 * too with the same bytes, transaction by transaction. Returns the direct reader's result. */
static int compare(const char *body, enum chain_api_push_shape shape, size_t max_count)
{
    chain_api_push_body pb;
    int rc = chain_api_push_body_read(body, strlen(body), shape, max_count, &pb);
    if (rc) {
        if (rc != CPS_ERR_UNSUPPORTED) {
            fprintf(stderr, "direct reader failed with %d on %s\n", rc, body);
            abort();
        }
        return rc;
    }
    json_error_t err;
    json_t *root = json_loads(body, JSON_DECODE_ANY, &err);
    if (!root) {
        fprintf(stderr, "direct reader accepted invalid JSON: %s\n", body);
        abort();
    }
    size_t n = shape == CHAIN_API_PUSH_MANY ? json_array_size(root) : 1;
    if (n != pb.count) abort();
    for (size_t i = 0; i < n; i++) {
        const json_t *v = shape == CHAIN_API_PUSH_MANY   ? json_array_get(root, i)
                          : shape == CHAIN_API_PUSH_SEND2 ? json_object_get(root, "transaction")
                                                          : root;
        cps_buf want = {0};
        if (general_pack(v, &want)) {
            fprintf(stderr, "general path refused what the direct reader took: %s (%s)\n", body,
                    cps_last_error());
            abort();
        }
        cps_bytes got = chain_api_push_body_get(&pb, i);
        if (got.size != want.size || memcmp(got.data, want.data, want.size) != 0) {
            fprintf(stderr, "bytes differ for transaction %zu of %s\n", i, body);
            abort();
        }
        cps_buf_free(&want);
    }
    json_decref(root);
    chain_api_push_body_free(&pb);
    return 0;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    static char bufs[4][8192];
    static int next;
    char *b = bufs[next++ % 4];
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, sizeof bufs[0], f, ap);
    va_end(ap);
    return b;
}

#define TRX_HEX "a1b2c3d4e5f60718293a4b5c6d7e8f90"

TEST(plain_bodies_give_the_general_paths_bytes)
{
    make_signatures();
    const char *bodies[] = {
        fmt("{\"signatures\":[\"%s\"],\"compression\":0,\"packed_context_free_data\":\"\","
            "\"packed_trx\":\"" TRX_HEX "\"}", sig_a),
        fmt("{\"packed_trx\":\"" TRX_HEX "\",\"compression\":\"zlib\",\"signatures\":[\"%s\","
            "\"%s\"]}", sig_a, sig_b),
        fmt(" \r\n{ \"signatures\" : [ \"%s\" ] ,\t\"compression\" : \"none\" , "
            "\"packed_context_free_data\" : \"00ff\", \"packed_trx\" : \"A1B2c3D4\" } \n",
            sig_b),
        "{\"signatures\":[],\"compression\":1,\"packed_trx\":\"00\"}",
        "{\"packed_trx\":\"00\"}",
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(bodies); i++)
        ASSERT_MSG(compare(bodies[i], CHAIN_API_PUSH_ONE, 1) == 0, "body %zu refused: %s", i,
                   cps_last_error());
}

TEST(push_transactions_and_send_transaction2_shapes)
{
    make_signatures();
    const char *one = fmt("{\"signatures\":[\"%s\"],\"compression\":0,\"packed_trx\":\"" TRX_HEX
                          "\"}", sig_a);
    char many[4096];
    snprintf(many, sizeof many, "[%s, %s,%s]", one, one,
             "{\"packed_trx\":\"0102\",\"signatures\":[]}");
    ASSERT_EQ(compare(many, CHAIN_API_PUSH_MANY, 1000), 0);
    ASSERT_EQ(compare(" [ ] ", CHAIN_API_PUSH_MANY, 1000), 0);
    /* more than allowed: the general path gives "too many transactions at once" */
    ASSERT_EQ(compare(many, CHAIN_API_PUSH_MANY, 2), CPS_ERR_UNSUPPORTED);
    char send2[4096];
    snprintf(send2, sizeof send2,
             "{\"return_failure_trace\":true,\"retry_trx\":false,\"retry_trx_num_blocks\":12,"
             "\"transaction\":%s}", one);
    ASSERT_EQ(compare(send2, CHAIN_API_PUSH_SEND2, 1), 0);
    snprintf(send2, sizeof send2, "{\"transaction\":%s}", one);
    ASSERT_EQ(compare(send2, CHAIN_API_PUSH_SEND2, 1), 0);
    /* a send2 body is not a push body and the other way round */
    ASSERT_EQ(compare(send2, CHAIN_API_PUSH_ONE, 1), CPS_ERR_UNSUPPORTED);
    ASSERT_EQ(compare(one, CHAIN_API_PUSH_SEND2, 1), CPS_ERR_UNSUPPORTED);
    ASSERT_EQ(compare(one, CHAIN_API_PUSH_MANY, 1000), CPS_ERR_UNSUPPORTED);
    const char *bad_send2[] = {
        fmt("{\"transaction\":%s,\"transaction\":%s}", one, one),
        fmt("{\"retry_trx_num_blocks\":012,\"transaction\":%s}", one),
        fmt("{\"retry_trx_num_blocks\":1.5,\"transaction\":%s}", one),
        fmt("{\"retry_trx\":1,\"transaction\":%s}", one),
        fmt("{\"other\":true,\"transaction\":%s}", one),
        "{\"retry_trx\":true}",
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(bad_send2); i++)
        ASSERT_MSG(compare(bad_send2[i], CHAIN_API_PUSH_SEND2, 1) == CPS_ERR_UNSUPPORTED,
                   "send2 body %zu accepted", i);
}

TEST(bodies_outside_the_plain_form_are_left_to_the_general_path)
{
    make_signatures();
    char bad_check[CPS_SIGNATURE_STR_MAX];
    strcpy(bad_check, sig_a);
    size_t last = strlen(bad_check) - 1;
    bad_check[last] = bad_check[last] == 'z' ? 'y' : 'z'; /* checksum mismatch */
    char bad_char[CPS_SIGNATURE_STR_MAX];
    strcpy(bad_char, sig_a);
    bad_char[10] = '0'; /* not in the base58 alphabet */
    const char *bodies[] = {
        /* duplicated members (jansson keeps the last) */
        "{\"packed_trx\":\"00\",\"packed_trx\":\"01\"}",
        "{\"compression\":0,\"compression\":1,\"packed_trx\":\"00\"}",
        "{\"signatures\":[],\"signatures\":[],\"packed_trx\":\"00\"}",
        /* other members */
        "{\"packed_trx\":\"00\",\"context_free_data\":[]}",
        "{\"packed_trx\":\"00\",\"transaction\":{}}",
        "{\"packed_trx\":\"00\",\"extra\":1}",
        /* wrong types and values */
        "{\"packed_trx\":1}",
        "{\"packed_trx\":\"\"}",
        "{\"packed_trx\":null}",
        "{\"signatures\":null,\"packed_trx\":\"00\"}",
        "{\"signatures\":\"x\",\"packed_trx\":\"00\"}",
        "{\"signatures\":[1],\"packed_trx\":\"00\"}",
        "{\"compression\":2,\"packed_trx\":\"00\"}",
        "{\"compression\":01,\"packed_trx\":\"00\"}",
        "{\"compression\":1.0,\"packed_trx\":\"00\"}",
        "{\"compression\":1e0,\"packed_trx\":\"00\"}",
        "{\"compression\":-0,\"packed_trx\":\"00\"}",
        "{\"compression\":\"gzip\",\"packed_trx\":\"00\"}",
        "{\"compression\":\"zlib2\",\"packed_trx\":\"00\"}",
        "{\"compression\":true,\"packed_trx\":\"00\"}",
        "{\"packed_context_free_data\":null,\"packed_trx\":\"00\"}",
        /* hex */
        "{\"packed_trx\":\"0\"}",
        "{\"packed_trx\":\"0g\"}",
        "{\"packed_context_free_data\":\"abc\",\"packed_trx\":\"00\"}",
        /* escapes and characters outside printable ASCII */
        "{\"packed_trx\":\"\\u0030\\u0030\"}",
        "{\"packed\\u005ftrx\":\"00\"}",
        "{\"packed_trx\":\"00\xc3\xa9\"}",
        "{\"packed_trx\":\"00\t\"}",
        /* structure */
        "{\"packed_trx\":\"00\"} x",
        "{\"packed_trx\":\"00\"}}",
        "{\"packed_trx\":\"00\",}",
        "{,\"packed_trx\":\"00\"}",
        "{}",
        "[]",
        "",
        "\"packed_trx\"",
        /* signatures that do not decode */
        fmt("{\"signatures\":[\"%s\"],\"packed_trx\":\"00\"}", bad_check),
        fmt("{\"signatures\":[\"%s\"],\"packed_trx\":\"00\"}", bad_char),
        fmt("{\"signatures\":[\"%s\",\"SIG_K1_\"],\"packed_trx\":\"00\"}", sig_a),
        "{\"signatures\":[\"SIG_WA_11111\"],\"packed_trx\":\"00\"}",
        "{\"signatures\":[\"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\"],"
        "\"packed_trx\":\"00\"}",
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(bodies); i++)
        ASSERT_MSG(compare(bodies[i], CHAIN_API_PUSH_ONE, 1) == CPS_ERR_UNSUPPORTED,
                   "body %zu accepted: %s", i, bodies[i]);
    /* a NUL inside the body */
    chain_api_push_body pb;
    static const char with_nul[] = "{\"packed_trx\":\"00\"}\0";
    ASSERT_EQ(chain_api_push_body_read(with_nul, sizeof with_nul - 1, CHAIN_API_PUSH_ONE, 1, &pb),
              CPS_ERR_UNSUPPORTED);
    static const char nul_in_string[] = "{\"packed_trx\":\"0\0000\"}";
    ASSERT_EQ(chain_api_push_body_read(nul_in_string, sizeof nul_in_string - 1,
                                       CHAIN_API_PUSH_ONE, 1, &pb),
              CPS_ERR_UNSUPPORTED);
}

TEST(every_truncation_of_a_body_is_refused)
{
    make_signatures();
    char many[8192];
    snprintf(many, sizeof many,
             "[{\"signatures\":[\"%s\",\"%s\"],\"compression\":\"none\","
             "\"packed_context_free_data\":\"00\",\"packed_trx\":\"" TRX_HEX "\"},"
             "{\"packed_trx\":\"0102\",\"compression\":1}]",
             sig_a, sig_b);
    size_t n = strlen(many);
    ASSERT_EQ(compare(many, CHAIN_API_PUSH_MANY, 1000), 0);
    for (size_t len = 0; len < n; len++) {
        /* a heap copy of exactly len bytes, so a read past the end shows under ASan */
        char *cut = malloc(len ? len : 1);
        ASSERT(cut);
        memcpy(cut, many, len);
        chain_api_push_body pb;
        int rc = chain_api_push_body_read(cut, len, CHAIN_API_PUSH_MANY, 1000, &pb);
        free(cut);
        ASSERT_MSG(rc == CPS_ERR_UNSUPPORTED, "prefix of %zu bytes: %d", len, rc);
    }
}

TEST(a_large_body_is_read_whole)
{
    make_signatures();
    /* 1000 transactions of 4 KiB each: the output grows past its first reservation */
    size_t hex_len = 8192, per = hex_len + 300;
    char *body = malloc(1000 * per + 16);
    ASSERT(body);
    size_t at = 0;
    body[at++] = '[';
    for (int i = 0; i < 1000; i++) {
        at += (size_t)sprintf(body + at, "%s{\"signatures\":[\"%s\"],\"packed_trx\":\"",
                              i ? "," : "", i % 2 ? sig_a : sig_b);
        for (size_t j = 0; j < hex_len; j++) body[at++] = "0123456789abcdef"[(j * 7 + (size_t)i) % 16];
        body[at++] = '"';
        body[at++] = '}';
    }
    body[at++] = ']';
    body[at] = 0;
    ASSERT_EQ(compare(body, CHAIN_API_PUSH_MANY, 1000), 0);
    ASSERT_EQ(compare(body, CHAIN_API_PUSH_MANY, 999), CPS_ERR_UNSUPPORTED);
    free(body);
}

int main(int c, char **v)
{
    return test_main(c, v);
}
