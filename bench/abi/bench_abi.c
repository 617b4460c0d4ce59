/* bench/abi: throughput of the abi module on a token transfer's action data and on a whole
 * transaction — struct pack/unpack, ABI-driven JSON -> binary and binary -> JSON, transaction
 * JSON — each beside baselines measured in the same run: memcpy of the same bytes and a
 * hand-coded packer of the transfer struct. Prints MB/s (of binary bytes) and ops/s. */
#include "abi/abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *token_abi_json =
    "{\"version\":\"eosio::abi/1.1\",\"structs\":[{\"name\":\"transfer\",\"base\":\"\",\"fields\":["
    "{\"name\":\"from\",\"type\":\"name\"},{\"name\":\"to\",\"type\":\"name\"},"
    "{\"name\":\"quantity\",\"type\":\"asset\"},{\"name\":\"memo\",\"type\":\"string\"}]}],"
    "\"actions\":[{\"name\":\"transfer\",\"type\":\"transfer\",\"ricardian_contract\":\"\"}]}";
static const char *transfer_json = "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 "
                                   "SYS\",\"memo\":\"payment for order 42\"}";

static cps_abi *token_abi;
static volatile uint64_t sink;

static const cps_abi *resolve(void *ctx, cps_name account)
{
    (void)ctx;
    (void)account;
    return token_abi;
}

struct result {
    double mb_s, ops_s;
    const char *label;
};

/* Runs fn repeatedly for about 0.3 s and reports throughput over `bytes` per call. */
static struct result measure(const char *label, size_t bytes, void (*fn)(void *), void *arg,
                             const struct result *base)
{
    uint64_t iters = 0, start = cps_time_mono_ns(), now;
    uint64_t batch = 64;
    do {
        for (uint64_t i = 0; i < batch; i++)
            fn(arg);
        iters += batch;
        now = cps_time_mono_ns();
        if (now - start < 20000000) batch *= 2;
    } while (now - start < 300000000);
    double secs = (double)(now - start) / 1e9;
    struct result r = {(double)bytes * (double)iters / secs / 1e6, (double)iters / secs, label};
    printf("  %-46s %8.1f MB/s %11.0f ops/s", label, r.mb_s, r.ops_s);
    if (base)
        printf("   x%.3f of %s", r.ops_s / base->ops_s,
               base->label + (strncmp(base->label, "baseline: ", 10) ? 0 : 10));
    printf("\n");
    return r;
}

/* ---- the transfer struct, hand-coded (baseline for the generic paths) --------------------- */
struct transfer {
    cps_name from, to;
    cps_asset quantity;
    const char *memo;
    size_t memo_len;
};

struct ctx {
    cps_buf out;
    const uint8_t *bin;
    size_t bin_len;
    uint8_t copy[4096];
    json_t *json;
    struct transfer t;
    cps_transaction trx;
    cps_arena arena;
};

static void bench_memcpy(void *p)
{
    struct ctx *c = p;
    memcpy(c->copy, c->bin, c->bin_len);
    sink += c->copy[c->bin_len - 1];
}

static void bench_hand_pack(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    cps_write_u64(&c->out, c->t.from);
    cps_write_u64(&c->out, c->t.to);
    cps_write_u64(&c->out, (uint64_t)c->t.quantity.amount);
    cps_write_u64(&c->out, c->t.quantity.symbol);
    cps_write_blob(&c->out, c->t.memo, c->t.memo_len);
    sink += c->out.size;
}

static void bench_hand_unpack(void *p)
{
    struct ctx *c = p;
    cps_reader r = cps_reader_make(c->bin, c->bin_len);
    struct transfer t;
    const uint8_t *memo;
    uint64_t amount;
    if (cps_read_u64(&r, &t.from) || cps_read_u64(&r, &t.to) || cps_read_u64(&r, &amount) ||
        cps_read_u64(&r, &t.quantity.symbol) || cps_read_blob(&r, &memo, &t.memo_len))
        abort();
    sink += t.from + t.memo_len;
}

static void bench_json_to_bin(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_json_value_to_bin(token_abi, "transfer", c->json, &c->out)) abort();
    sink += c->out.size;
}

static void bench_text_to_bin(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_json_to_bin(token_abi, "transfer", transfer_json, strlen(transfer_json), &c->out))
        abort();
    sink += c->out.size;
}

static void bench_bin_to_json(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_bin_to_json(token_abi, "transfer", c->bin, c->bin_len, &c->out)) abort();
    sink += c->out.size;
}

static void bench_trx_pack(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_transaction_pack(&c->out, &c->trx)) abort();
    sink += c->out.size;
}

static void bench_trx_unpack(void *p)
{
    struct ctx *c = p;
    cps_transaction t;
    if (cps_abi_transaction_decode(c->bin, c->bin_len, &c->arena, &t)) abort();
    sink += t.action_count;
    cps_abi_arena_reset(&c->arena); /* one arena reused, as a decode loop would */
}

static void bench_trx_abi_bin_to_json(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_bin_to_json(cps_abi_eosio_native(), "transaction", c->bin, c->bin_len, &c->out))
        abort();
    sink += c->out.size;
}

static void bench_trx_abi_json_to_bin(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_json_value_to_bin(cps_abi_eosio_native(), "transaction", c->json, &c->out)) abort();
    sink += c->out.size;
}

static void bench_trx_to_json(void *p)
{
    struct ctx *c = p;
    cps_buf_reset(&c->out);
    if (cps_abi_transaction_to_json(&c->trx, resolve, NULL, &c->out)) abort();
    sink += c->out.size;
}

static void bench_trx_from_json(void *p)
{
    struct ctx *c = p;
    cps_transaction t;
    if (cps_abi_transaction_from_json(c->json, resolve, NULL, &c->arena, &t)) abort();
    sink += t.action_count;
    cps_abi_arena_reset(&c->arena);
}

int main(void)
{
    if (cps_abi_from_json(token_abi_json, strlen(token_abi_json), &token_abi)) {
        fprintf(stderr, "bench_abi: %s\n", cps_last_error());
        return 1;
    }
    struct ctx c;
    memset(&c, 0, sizeof c);
    cps_buf_init(&c.out);
    cps_buf bin;
    cps_buf_init(&bin);
    if (cps_abi_json_to_bin(token_abi, "transfer", transfer_json, strlen(transfer_json), &bin))
        abort();
    c.bin = bin.data;
    c.bin_len = bin.size;
    c.t.from = cps_abi_name("alice");
    c.t.to = cps_abi_name("bob");
    if (cps_abi_asset_from_string("1.0000 SYS", 10, &c.t.quantity)) abort();
    c.t.memo = "payment for order 42";
    c.t.memo_len = strlen(c.t.memo);
    c.json = json_loads(transfer_json, 0, NULL);

    printf("transfer action data (%zu bytes)\n", bin.size);
    struct result base = measure("baseline: memcpy", bin.size, bench_memcpy, &c, NULL);
    struct result hand = measure("baseline: hand-coded pack", bin.size, bench_hand_pack, &c, &base);
    measure("baseline: hand-coded unpack", bin.size, bench_hand_unpack, &c, &base);
    struct result j2b = measure("ABI JSON value -> binary", bin.size, bench_json_to_bin, &c, &hand);
    measure("ABI JSON text -> binary (incl. jansson parse)", bin.size, bench_text_to_bin, &c,
            &hand);
    struct result b2j = measure("ABI binary -> JSON text", bin.size, bench_bin_to_json, &c, &hand);
    (void)j2b;
    (void)b2j;

    /* A transaction with four transfers, parsed from JSON once. */
    char trx_json[4096];
    size_t n =
        (size_t)snprintf(trx_json, sizeof trx_json,
                         "{\"expiration\":\"2030-01-01T00:00:00\",\"ref_block_num\":1234,"
                         "\"ref_block_prefix\":987654321,\"max_net_usage_words\":0,"
                         "\"max_cpu_usage_ms\":0,\"delay_sec\":0,\"context_free_actions\":[],"
                         "\"transaction_extensions\":[],\"actions\":[");
    for (int i = 0; i < 4; i++)
        n += (size_t)snprintf(
            trx_json + n, sizeof trx_json - n,
            "%s{\"account\":\"eosio.token\",\"name\":\"transfer\",\"authorization\":"
            "[{\"actor\":\"alice\",\"permission\":\"active\"}],\"data\":%s}",
            i ? "," : "", transfer_json);
    snprintf(trx_json + n, sizeof trx_json - n, "]}");
    json_t *tv = json_loads(trx_json, 0, NULL);
    cps_arena keep;
    cps_abi_arena_init(&keep);
    if (cps_abi_transaction_from_json(tv, resolve, NULL, &keep, &c.trx)) abort();
    cps_buf tbin;
    cps_buf_init(&tbin);
    if (cps_abi_transaction_pack(&tbin, &c.trx)) abort();
    c.bin = tbin.data;
    c.bin_len = tbin.size;

    printf("transaction with 4 transfers (%zu bytes)\n", tbin.size);
    base = measure("baseline: memcpy", tbin.size, bench_memcpy, &c, NULL);
    measure("struct pack", tbin.size, bench_trx_pack, &c, &base);
    measure("struct unpack (with arena)", tbin.size, bench_trx_unpack, &c, &base);
    /* Through the native ABI's "transaction" struct (data stays hex). */
    cps_buf native_json;
    cps_buf_init(&native_json);
    if (cps_abi_bin_to_json(cps_abi_eosio_native(), "transaction", tbin.data, tbin.size,
                            &native_json))
        abort();
    json_decref(c.json);
    c.json = json_loadb((const char *)native_json.data, native_json.size, 0, NULL);
    measure("ABI binary -> JSON (native \"transaction\")", tbin.size, bench_trx_abi_bin_to_json, &c,
            &base);
    measure("ABI JSON -> binary (native \"transaction\")", tbin.size, bench_trx_abi_json_to_bin, &c,
            &base);
    json_decref(c.json);
    c.json = tv;
    measure("transaction JSON -> struct (data via ABI)", tbin.size, bench_trx_from_json, &c, &base);
    measure("struct -> transaction JSON (data via ABI)", tbin.size, bench_trx_to_json, &c, &base);

    json_decref(tv);
    cps_buf_free(&native_json);
    cps_buf_free(&tbin);
    cps_buf_free(&bin);
    cps_buf_free(&c.out);
    cps_abi_arena_free(&keep);
    cps_abi_arena_free(&c.arena);
    cps_abi_free(token_abi);
    return sink == 42 ? 1 : 0;
}
