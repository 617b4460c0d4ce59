/* api (chain endpoints): a transaction trace written as nodeos's push_transaction /
 * send_transaction "processed" JSON straight into a cps_buf — no JSON tree — with action data
 * decoded through the contracts' ABIs, on whatever thread answers the push (never the loop). */
#include "api/chain_api_internal.h"

#include <string.h>

/* Literal text and decimal numbers without printf: the answers of a busy node are mostly
 * these (printf's parsing was the first hot spot left after the ingress pipeline). */
#define PUT(out, lit) cps_write_bytes((out), (lit), sizeof(lit) - 1)

static void put_u64(cps_buf *out, uint64_t v)
{
    char d[20];
    size_t n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    cps_write_bytes(out, d + sizeof d - n, n);
}

static void put_i64(cps_buf *out, int64_t v)
{
    if (v < 0) {
        cps_write_u8(out, '-');
        put_u64(out, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(out, (uint64_t)v);
    }
}

static void put_name(cps_buf *out, cps_name n)
{
    char s[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(n, s);
    cps_write_u8(out, '"');
    cps_write_bytes(out, s, strlen(s));
    cps_write_u8(out, '"');
}

static void put_hex_string(cps_buf *out, const void *data, size_t n)
{
    cps_write_u8(out, '"');
    cps_hex_append(out, data, n);
    cps_write_u8(out, '"');
}

/* "data" decoded through the action's ABI with the raw bytes as "hex_data" beside it, as nodeos
 * answers; data no ABI decodes stays hex (and has no hex_data). */
static void put_action_data(cps_buf *out, const cps_chain_action_trace *a,
                            cps_abi_resolver resolve, void *ctx)
{
    const cps_abi *abi = resolve ? resolve(ctx, a->account) : NULL;
    if (abi && !out->failed) {
        /* Decoded straight into the answer (no buffer per action); data the ABI does not decode
         * is cut off again. A write that failed (memory, the answer's limit) fails the answer
         * as a copy would have. */
        size_t mark = out->size;
        PUT(out, "\"data\":");
        size_t start = out->size;
        int rc = cps_abi_action_bin_to_json(abi, a->name, a->data, a->data_size, out);
        if (out->failed) return;
        if (rc == 0 && out->size > start) {
            PUT(out, ",\"hex_data\":");
            put_hex_string(out, a->data, a->data_size);
            return;
        }
        out->size = mark;
    }
    PUT(out, "\"data\":");
    put_hex_string(out, a->data, a->data_size);
}

static void put_action(cps_buf *out, const cps_chain_transaction_trace *t, uint32_t index,
                       bool nested, cps_abi_resolver resolve, void *ctx, unsigned depth);

/* The traces whose closest unnotified ancestor is `parent` (0: the top level), in order. A
 * parent that does not exist puts the trace at the top level, as nodeos does. */
static void put_children(cps_buf *out, const cps_chain_transaction_trace *t, uint32_t parent,
                         cps_abi_resolver resolve, void *ctx, unsigned depth)
{
    bool first = true;
    for (uint32_t i = 0; i < t->action_count; i++) {
        uint32_t p = t->actions[i].closest_unnotified_ancestor_action_ordinal;
        bool exists = false;
        for (uint32_t j = 0; p && j < t->action_count; j++)
            if (t->actions[j].action_ordinal == p) exists = true;
        if (parent == 0 ? (p != 0 && exists) : p != parent) continue;
        /* Ordinals grow with creation, so a well-formed trace nests strictly downward; the
         * depth bound only protects against a malformed one. */
        if (depth > t->action_count) break;
        if (!first) cps_write_u8(out, ',');
        first = false;
        put_action(out, t, i, true, resolve, ctx, depth + 1);
    }
}

static void put_action(cps_buf *out, const cps_chain_transaction_trace *t, uint32_t index,
                       bool nested, cps_abi_resolver resolve, void *ctx, unsigned depth)
{
    const cps_chain_action_trace *a = &t->actions[index];
    PUT(out, "{\"action_ordinal\":");
    put_u64(out, a->action_ordinal);
    PUT(out, ",\"creator_action_ordinal\":");
    put_u64(out, a->creator_action_ordinal);
    PUT(out, ",\"closest_unnotified_ancestor_action_ordinal\":");
    put_u64(out, a->closest_unnotified_ancestor_action_ordinal);
    PUT(out, ",\"receipt\":");
    if (a->has_receipt) {
        PUT(out, "{\"receiver\":");
        put_name(out, a->receiver);
        PUT(out, ",\"act_digest\":");
        put_hex_string(out, a->act_digest.b, 32);
        PUT(out, ",\"global_sequence\":");
        put_u64(out, a->global_sequence);
        PUT(out, ",\"recv_sequence\":");
        put_u64(out, a->recv_sequence);
        PUT(out, ",\"auth_sequence\":[");
        for (uint32_t k = 0; k < a->auth_sequence_count; k++) {
            if (k) cps_write_u8(out, ',');
            cps_write_u8(out, '[');
            put_name(out, a->auth_sequence[k].account);
            cps_write_u8(out, ',');
            put_u64(out, a->auth_sequence[k].sequence);
            cps_write_u8(out, ']');
        }
        PUT(out, "],\"code_sequence\":");
        put_u64(out, a->code_sequence);
        PUT(out, ",\"abi_sequence\":");
        put_u64(out, a->abi_sequence);
        cps_write_u8(out, '}');
    } else {
        PUT(out, "null");
    }
    PUT(out, ",\"receiver\":");
    put_name(out, a->receiver);
    PUT(out, ",\"act\":{\"account\":");
    put_name(out, a->account);
    PUT(out, ",\"name\":");
    put_name(out, a->name);
    PUT(out, ",\"authorization\":[");
    for (uint32_t k = 0; k < a->authorization_count; k++) {
        if (k) cps_write_u8(out, ',');
        PUT(out, "{\"actor\":");
        put_name(out, a->authorization[k].actor);
        PUT(out, ",\"permission\":");
        put_name(out, a->authorization[k].permission);
        cps_write_u8(out, '}');
    }
    PUT(out, "],");
    put_action_data(out, a, resolve, ctx);
    if (a->context_free) PUT(out, "},\"context_free\":true,\"elapsed\":");
    else PUT(out, "},\"context_free\":false,\"elapsed\":");
    put_u64(out, a->cpu_units / 100); /* µs of deterministic CPU (VM units / 100) */
    PUT(out, ",\"console\":");
    cps_json_quote(out, a->console ? a->console : "", a->console ? a->console_size : 0);
    /* nodeos's per-action copies of the transaction's fields */
    PUT(out, ",\"trx_id\":");
    put_hex_string(out, t->id.b, 32);
    PUT(out, ",\"block_num\":");
    put_u64(out, t->block_num);
    char ts[CPS_TIME_STR_MAX];
    cps_abi_block_timestamp_to_string(t->block_time, ts);
    PUT(out, ",\"block_time\":\"");
    cps_write_bytes(out, ts, strlen(ts));
    PUT(out, "\",\"producer_block_id\":null,\"except\":null,\"error_code\":null");
    PUT(out, ",\"return_value_hex_data\":");
    put_hex_string(out, a->return_value, a->return_value_size);
    if (nested) {
        PUT(out, ",\"inline_traces\":[");
        put_children(out, t, a->action_ordinal, resolve, ctx, depth);
        cps_write_u8(out, ']');
    }
    cps_write_u8(out, '}');
}

int chain_api_trace_json(cps_buf *out, const cps_chain_transaction_trace *t, bool nested,
                         cps_abi_resolver resolve, void *ctx)
{
    static const char *const status[] = {"executed", "soft_fail", "hard_fail", "delayed",
                                         "expired"};
    char ts[CPS_TIME_STR_MAX];
    cps_abi_block_timestamp_to_string(t->block_time, ts);
    const char *st = status[t->status < 5 ? t->status : 2];
    PUT(out, "{\"id\":");
    put_hex_string(out, t->id.b, 32);
    PUT(out, ",\"block_num\":");
    put_u64(out, t->block_num);
    PUT(out, ",\"block_time\":\"");
    cps_write_bytes(out, ts, strlen(ts));
    PUT(out, "\",\"producer_block_id\":null,\"receipt\":{\"status\":\"");
    cps_write_bytes(out, st, strlen(st));
    PUT(out, "\",\"cpu_usage_us\":");
    put_u64(out, t->cpu_usage_us);
    PUT(out, ",\"net_usage_words\":");
    put_u64(out, t->net_usage_words);
    PUT(out, "},\"elapsed\":");
    put_i64(out, t->elapsed_us);
    PUT(out, ",\"net_usage\":");
    put_u64(out, (uint64_t)t->net_usage_words * 8);
    PUT(out, ",\"scheduled\":false,\"action_traces\":[");
    if (nested) {
        put_children(out, t, 0, resolve, ctx, 0);
    } else {
        for (uint32_t i = 0; i < t->action_count; i++) {
            if (i) cps_write_u8(out, ',');
            put_action(out, t, i, false, resolve, ctx, 0);
        }
    }
    PUT(out, "],\"account_ram_delta\":null,\"except\":");
    if (t->error)
        cps_json_quote(out, t->error_message ? t->error_message : "",
                       t->error_message ? strlen(t->error_message) : 0);
    else PUT(out, "null");
    PUT(out, ",\"error_code\":null}");
    return out->failed;
}
