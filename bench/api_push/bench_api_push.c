/* bench/api_push: the HTTP push path's parsing per transaction (issue 8), without the network or
 * the recovery: a push_transactions body of 500 signed eosio.token transfers (the body bench/tps
 * sends) turned into packed_transaction bytes by the direct reader (chain_api_push_body.c) and by
 * the general path it falls back to (jansson tree, cps_abi_packed_transaction_from_json, decode,
 * re-pack — what the ingress did for every transaction before) as the baseline, in the same
 * process. Also SIG_K1_ decoding alone against the general base58 decoder. A few seconds. */
#include "api/chain_api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 500
#define ROUNDS 3

static double now_s(void)
{
    return (double)cps_time_mono_ns() / 1e9;
}

/* One transfer alice -> bob signed by a fixed key, as bench/tps writes it. */
static void put_transfer(cps_buf *body, const cps_private_key *key, uint32_t n)
{
    uint8_t data[8 + 8 + 16 + 1 + 8];
    cps_name from = cps_abi_name("alice"), to = cps_abi_name("bob");
    memcpy(data, &from, 8);
    memcpy(data + 8, &to, 8);
    int64_t amount = 1 + n;
    memcpy(data + 16, &amount, 8);
    memcpy(data + 24, "\4CPS\0\0\0\0", 8);
    data[32] = 8;
    memcpy(data + 33, &n, 4);
    memset(data + 37, 'm', 4);
    cps_permission_level auth = {from, cps_abi_name("active")};
    cps_action act = {cps_abi_name("eosio.token"), cps_abi_name("transfer"), &auth, 1,
                      {data, sizeof data}};
    cps_transaction trx = {{1900000000u + n, (uint16_t)n, 0x12345678u, 0, 0, 0}, NULL, 0, &act, 1,
                           NULL, 0};
    cps_buf raw = {0};
    if (cps_abi_transaction_pack(&raw, &trx)) abort();
    cps_checksum256 chain_id = {{1}}, digest;
    cps_abi_signing_digest_raw(&chain_id, raw.data, raw.size, NULL, 0, &digest);
    cps_signature sig;
    char sig_text[CPS_SIGNATURE_STR_MAX];
    if (cps_sign(key, digest.b, &sig) || cps_signature_to_string(&sig, sig_text, sizeof sig_text))
        abort();
    cps_buf_printf(body, "%s{\"signatures\":[\"%s\"],\"compression\":0,"
                         "\"packed_context_free_data\":\"\",\"packed_trx\":\"",
                   n ? "," : "", sig_text);
    cps_hex_append(body, raw.data, raw.size);
    cps_buf_printf(body, "\"}");
    cps_buf_free(&raw);
}

/* The general path for the whole body; returns the packed bytes' total size. */
static size_t general(const char *body, size_t n)
{
    json_error_t err;
    json_t *root = json_loadb(body, n, JSON_DECODE_ANY, &err);
    if (!root) abort();
    size_t total = 0;
    for (size_t i = 0; i < json_array_size(root); i++) {
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_packed_transaction p;
        cps_transaction trx;
        cps_bytes raw;
        cps_buf packed = {0};
        if (cps_abi_packed_transaction_from_json(json_array_get(root, i), NULL, NULL, &a, &p) ||
            cps_abi_packed_transaction_get(&p, &a, &trx, &raw) ||
            cps_abi_packed_transaction_pack(&packed, &p))
            abort();
        total += packed.size;
        cps_buf_free(&packed);
        cps_abi_arena_free(&a);
    }
    json_decref(root);
    return total;
}

static size_t direct(const char *body, size_t n)
{
    chain_api_push_body pb;
    if (chain_api_push_body_read(body, n, CHAIN_API_PUSH_MANY, 1000, &pb)) abort();
    size_t total = pb.packed.size;
    chain_api_push_body_free(&pb);
    return total;
}

/* The general decoder's SIG_K1_ read: base58 with the byte-wise loop, then the check. */
static int general_sig(const char *s, size_t len, uint8_t out[65])
{
    uint8_t buf[140], tmp[67], digest[20];
    size_t got;
    if (cps_base58_decode(buf, sizeof buf, &got, s + 7, len - 7) || got != 69) return -1;
    memcpy(tmp, buf, 65);
    memcpy(tmp + 65, "K1", 2);
    cps_ripemd160(tmp, 67, digest);
    if (memcmp(digest, buf + 65, 4)) return -1;
    memcpy(out, buf, 65);
    return 0;
}

int main(void)
{
    const char *env = getenv("BENCH_API_PUSH_ITERS");
    int iters = env ? atoi(env) : 20;
    if (iters < 1) iters = 1;
    cps_private_key key;
    if (cps_key_generate(CPS_KEY_K1, &key)) abort();
    cps_buf body = {0};
    cps_write_u8(&body, '[');
    for (uint32_t i = 0; i < BATCH; i++) put_transfer(&body, &key, i);
    cps_write_u8(&body, ']');
    const char *text = cps_buf_cstr(&body);
    size_t n = body.size;
    if (general(text, n) != direct(text, n)) {
        fprintf(stderr, "bench_api_push: the two paths disagree on the body's size\n");
        return 1;
    }
    printf("api_push: push_transactions body of %d transfers, %zu bytes\n", BATCH, n);
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now_s();
        for (int i = 0; i < iters; i++) (void)general(text, n);
        double t1 = now_s();
        for (int i = 0; i < iters; i++) (void)direct(text, n);
        double t2 = now_s();
        double g = (t1 - t0) / iters / BATCH * 1e6, d = (t2 - t1) / iters / BATCH * 1e6;
        printf("  round %d: general path %.2f us/transaction, direct reader %.2f us/transaction "
               "(ratio %.2fx)\n", round + 1, g, d, g / d);
    }
    /* the signature text alone */
    cps_signature sig = {.type = CPS_KEY_K1};
    for (int i = 0; i < 65; i++) sig.data[i] = (uint8_t)(i * 37 + 11);
    char st[CPS_SIGNATURE_STR_MAX];
    if (cps_signature_to_string(&sig, st, sizeof st)) abort();
    size_t sl = strlen(st);
    int sig_iters = iters * 2000;
    uint8_t out[65];
    double t0 = now_s();
    for (int i = 0; i < sig_iters; i++)
        if (general_sig(st, sl, out)) abort();
    double t1 = now_s();
    cps_signature back;
    for (int i = 0; i < sig_iters; i++)
        if (cps_signature_from_string(st, sl, &back)) abort();
    double t2 = now_s();
    if (memcmp(out, back.data, 65)) abort();
    double g = (t1 - t0) / sig_iters * 1e6, d = (t2 - t1) / sig_iters * 1e6;
    printf("  SIG_K1_ text: general base58 + check %.2f us, cps_signature_from_string %.2f us "
           "(ratio %.2fx)\n", g, d, g / d);
    cps_private_key_wipe(&key);
    cps_buf_free(&body);
    return 0;
}
