/* host_privileged: the privileged intrinsics the core group leaves out (nodeos privileged.cpp,
 * producer.cpp) — get/set_blockchain_parameters_packed, get/set_parameters_packed (Leap's
 * blockchain_parameters, by parameter id), get/set_wasm_parameters_packed (the chain's wasm
 * limits, wasm_config.c), set_proposed_producers(_ex), preactivate_feature —
 * and get_active_producers (not privileged).
 *
 * Each privileged call first applies EOSIO's checks in EOSIO's order (not in a context-free
 * action; receiver privileged: "<receiver> does not have permission to call this API"), then
 * decodes and validates its input exactly as nodeos does, and only then asks the controller to
 * act (host_groups.h lists those services). BLS finalizer calls (set_finalizers) are not part of
 * CPS. */
#include "chain/controller_internal.h" /* the wasm configuration record (wasm_config.c) */
#include "chain/host_groups.h"

#include <string.h>

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user
#define CTX cps_chain__apply_from_vm(vm)

#define MAX_PRODUCERS 125 /* config::max_producers */

/* The prologue of the (buffer, size) privileged calls: the buffer in the contract's memory, then
 * EOSIO's privilege check, in nodeos's order. */
static int privileged_buffer(cps_vm_ctx *vm, const cps_vm_slot *a, uint8_t **buf, uint32_t *size)
{
    *size = a[1].i32;
    int rc = cps_vm_mem(vm, a[0].i32, *size, buf);
    return rc ? rc : cps_chain__check_privileged(cps_chain__apply_from_vm(vm));
}

/* get_blockchain_parameters_packed(buffer, size) -> 68 when size is 0; 68 after writing the
 * packed chain_config_v0 when it fits; 0 when the buffer is too small. */
HOST(get_blockchain_parameters_packed)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *out;
    uint32_t size;
    int rc = privileged_buffer(vm, a, &out, &size);
    if (rc) return rc;
    cps_buf packed = {0};
    if ((rc = cps_chain_config_pack(&packed, ctx->trx->config))) {
        cps_buf_free(&packed);
        return cps_fail(rc, "get_blockchain_parameters_packed: packing the configuration");
    }
    uint32_t s = (uint32_t)packed.size, result = s;
    if (size != 0) {
        if (s <= size)
            memcpy(out, packed.data, s);
        else
            result = 0;
    }
    cps_buf_free(&packed);
    a[0].i64 = result;
    return 0;
}

/* set_blockchain_parameters_packed(data, size): chain_config_v0, validated as nodeos does. */
HOST(set_blockchain_parameters_packed)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *data;
    uint32_t size;
    int rc = privileged_buffer(vm, a, &data, &size);
    if (rc) return rc;
    cps_chain_config cfg;
    cps_reader r = cps_reader_make(data, size);
    if ((rc = cps_chain_config_unpack(&r, &cfg)))
        return cps_fail_prefix(rc, "set_blockchain_parameters_packed");
    if ((rc = cps_chain_config_validate(&cfg))) return rc;
    return cps_chain__set_chain_config(ctx, &cfg, CPS_CHAIN_MAX_ACTION_RETURN_VALUE);
}

/* ---- blockchain_parameters: the configuration by parameter id --------------------------------
 * chain_config_v1's fields in FC_REFLECT order are ids 0..17; a selection is packed as
 * varuint32 count, then for each: varuint32 id | the field's fixed-width value. */

#define PARAMS_COUNT 18
#define MAX_SIZE_OF_BYTE_ARRAYS (20u * 1024u * 1024u)

/* Width in bytes of parameter `id` (< PARAMS_COUNT). */
static unsigned param_width(uint32_t id)
{
    if (id == 0) return 8;              /* max_block_net_usage */
    if (id == 15 || id == 16) return 2; /* max_inline_action_depth, max_authority_depth */
    return 4;
}

static uint64_t param_get(const cps_chain_config *c, uint32_t id)
{
    switch (id) {
    case 0:
        return c->max_block_net_usage;
    case 1:
        return c->target_block_net_usage_pct;
    case 2:
        return c->max_transaction_net_usage;
    case 3:
        return c->base_per_transaction_net_usage;
    case 4:
        return c->net_usage_leeway;
    case 5:
        return c->context_free_discount_net_usage_num;
    case 6:
        return c->context_free_discount_net_usage_den;
    case 7:
        return c->max_block_cpu_usage;
    case 8:
        return c->target_block_cpu_usage_pct;
    case 9:
        return c->max_transaction_cpu_usage;
    case 10:
        return c->min_transaction_cpu_usage;
    case 11:
        return c->max_transaction_lifetime;
    case 12:
        return c->deferred_trx_expiration_window;
    case 13:
        return c->max_transaction_delay;
    case 14:
        return c->max_inline_action_size;
    case 15:
        return c->max_inline_action_depth;
    case 16:
        return c->max_authority_depth;
    default:
        return CPS_CHAIN_MAX_ACTION_RETURN_VALUE;
    }
}

static void param_set(cps_chain_config *c, uint32_t *ret_size, uint32_t id, uint64_t v)
{
    switch (id) {
    case 0:
        c->max_block_net_usage = v;
        break;
    case 1:
        c->target_block_net_usage_pct = (uint32_t)v;
        break;
    case 2:
        c->max_transaction_net_usage = (uint32_t)v;
        break;
    case 3:
        c->base_per_transaction_net_usage = (uint32_t)v;
        break;
    case 4:
        c->net_usage_leeway = (uint32_t)v;
        break;
    case 5:
        c->context_free_discount_net_usage_num = (uint32_t)v;
        break;
    case 6:
        c->context_free_discount_net_usage_den = (uint32_t)v;
        break;
    case 7:
        c->max_block_cpu_usage = (uint32_t)v;
        break;
    case 8:
        c->target_block_cpu_usage_pct = (uint32_t)v;
        break;
    case 9:
        c->max_transaction_cpu_usage = (uint32_t)v;
        break;
    case 10:
        c->min_transaction_cpu_usage = (uint32_t)v;
        break;
    case 11:
        c->max_transaction_lifetime = (uint32_t)v;
        break;
    case 12:
        c->deferred_trx_expiration_window = (uint32_t)v;
        break;
    case 13:
        c->max_transaction_delay = (uint32_t)v;
        break;
    case 14:
        c->max_inline_action_size = (uint32_t)v;
        break;
    case 15:
        c->max_inline_action_depth = (uint16_t)v;
        break;
    case 16:
        c->max_authority_depth = (uint16_t)v;
        break;
    default:
        *ret_size = (uint32_t)v;
        break;
    }
}

/* An id read from a selection: in range and not seen before (data_range's checks). */
static int param_id(cps_reader *r, bool *seen, uint32_t *id)
{
    int rc = cps_read_varuint32(r, id);
    if (rc) return rc;
    if (*id >= PARAMS_COUNT)
        return cps_fail(CPS_ERR_INVALID_ARG, "provided id %u should be less than %u", *id,
                        PARAMS_COUNT);
    if (seen[*id]) return cps_fail(CPS_ERR_INVALID_ARG, "duplicate id provided: %u", *id);
    seen[*id] = true;
    return 0;
}

/* EOSIO's core precondition for span arguments: two buffers may not overlap. */
static int no_alias(cps_vm_ctx *vm, uint32_t p1, uint32_t n1, uint32_t p2, uint32_t n2)
{
    uint64_t a1 = (uint64_t)p1 + n1, b1 = (uint64_t)p2 + n2;
    uint64_t lo = p1 > p2 ? p1 : p2, hi = a1 < b1 ? a1 : b1;
    if (lo < hi) return cps_vm_trap(vm, "pointers not allowed to alias");
    return 0;
}

/* get_parameters_packed(ids, ids_size, out, out_size) -> packed size; out_size 0 asks for the
 * size, a non-zero size that is too small fails. */
HOST(get_parameters_packed)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *ids, *out;
    uint32_t ids_size = a[1].i32, out_size = a[3].i32;
    int rc = cps_vm_mem(vm, a[0].i32, ids_size, &ids);
    if (!rc) rc = cps_vm_mem(vm, a[2].i32, out_size, &out);
    if (!rc) rc = no_alias(vm, a[0].i32, ids_size, a[2].i32, out_size);
    if (!rc) rc = cps_chain__check_privileged(ctx);
    if (rc) return rc;
    cps_reader r = cps_reader_make(ids, ids_size);
    uint32_t n;
    if ((rc = cps_read_varuint32(&r, &n))) return cps_fail_prefix(rc, "get_parameters_packed: ids");
    if (n > cps_reader_left(&r))
        return cps_fail(CPS_ERR_TRUNCATED, "get_parameters_packed: %u ids in %zu bytes", n,
                        cps_reader_left(&r));
    /* nodeos decodes the whole id list before looking at any id */
    size_t first = r.pos;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id;
        if ((rc = cps_read_varuint32(&r, &id)))
            return cps_fail_prefix(rc, "get_parameters_packed: id %u", i);
    }
    r.pos = first;
    bool seen[PARAMS_COUNT] = {false};
    cps_buf packed = {0};
    cps_write_varuint32(&packed, n);
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t id;
        if ((rc = param_id(&r, seen, &id))) break;
        uint64_t v = param_get(ctx->trx->config, id);
        cps_write_varuint32(&packed, id);
        unsigned w = param_width(id);
        if (w == 8)
            cps_write_u64(&packed, v);
        else if (w == 4)
            cps_write_u32(&packed, (uint32_t)v);
        else
            cps_write_u16(&packed, (uint16_t)v);
    }
    if (!rc) rc = packed.failed;
    uint32_t size = (uint32_t)packed.size;
    if (!rc && out_size != 0) {
        if (size > out_size)
            rc = cps_fail(CPS_ERR_LIMIT, "get_parameters_packed: buffer size is smaller than %u",
                          size);
        else
            memcpy(out, packed.data, size);
    }
    cps_buf_free(&packed);
    if (rc) return rc;
    a[0].i64 = size;
    return 0;
}

/* set_parameters_packed(data, size): the selected parameters replace those of the current
 * configuration, which must then validate. */
HOST(set_parameters_packed)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *data;
    uint32_t size;
    int rc = privileged_buffer(vm, a, &data, &size);
    if (rc) return rc;
    cps_chain_config cfg = *ctx->trx->config;
    uint32_t ret_size = CPS_CHAIN_MAX_ACTION_RETURN_VALUE;
    cps_reader r = cps_reader_make(data, size);
    uint32_t n;
    bool seen[PARAMS_COUNT] = {false};
    if ((rc = cps_read_varuint32(&r, &n))) return cps_fail_prefix(rc, "set_parameters_packed");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id;
        if ((rc = param_id(&r, seen, &id))) return rc;
        unsigned w = param_width(id);
        uint64_t v;
        if (w == 8)
            rc = cps_read_u64(&r, &v);
        else if (w == 4) {
            uint32_t x;
            rc = cps_read_u32(&r, &x);
            v = x;
        } else {
            uint16_t x;
            rc = cps_read_u16(&r, &x);
            v = x;
        }
        if (rc) return cps_fail_prefix(rc, "set_parameters_packed: parameter %u", id);
        param_set(&cfg, &ret_size, id, v);
    }
    if ((rc = cps_chain_config_validate(&cfg))) return rc;
    if (ret_size > MAX_SIZE_OF_BYTE_ARRAYS)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "max action return value size should be less than MAX_SIZE_OF_BYTE_ARRAYS");
    return cps_chain__set_chain_config(ctx, &cfg, ret_size);
}

/* ---- wasm parameters (configurable_wasm_limits) ----------------------------------------------
 * packed: u32 version (0) | wasm_config's 11 u32 fields (wasm_config.c). */

/* get_wasm_parameters_packed(buffer, size, max_version) -> packed size (48). Unlike
 * get_blockchain_parameters_packed it returns the size even when the buffer is too small (and
 * writes nothing then); size 0 asks for the size. The version written is min(max_version, 0). */
HOST(get_wasm_parameters_packed)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *out;
    uint32_t size;
    int rc = privileged_buffer(vm, a, &out, &size);
    if (rc) return rc;
    cps_chain_wasm_config cfg;
    if ((rc = cps_chain__wasm_config_load(ctx->trx->chain, NULL, &cfg))) return rc;
    cps_buf packed = {0};
    cps_write_u32(&packed, 0); /* min(max_version, 0): the only version there is */
    cps_chain__wasm_config_pack(&packed, &cfg);
    if (packed.failed) {
        cps_buf_free(&packed);
        return cps_fail(CPS_ERR_NOMEM, "get_wasm_parameters_packed");
    }
    uint32_t s = (uint32_t)packed.size;
    if (size != 0 && s <= size) memcpy(out, packed.data, s);
    cps_buf_free(&packed);
    a[0].i64 = s;
    return 0;
}

/* set_wasm_parameters_packed(data, size): version 0 and a wasm_config that validates; the new
 * limits apply to the contracts set and run from then on (later actions of this transaction
 * included), and go with the transaction if it fails. */
HOST(set_wasm_parameters_packed)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *data;
    uint32_t size;
    int rc = privileged_buffer(vm, a, &data, &size);
    if (rc) return rc;
    cps_reader r = cps_reader_make(data, size);
    uint32_t version;
    if ((rc = cps_read_u32(&r, &version)))
        return cps_fail_prefix(rc, "set_wasm_parameters_packed: version");
    if (version != 0)
        return cps_fail(CPS_ERR_INVALID_ARG, "set_wasm_parameters_packed: Unknown version: %u",
                        version);
    cps_chain_wasm_config cfg;
    if ((rc = cps_chain__wasm_config_unpack(&r, &cfg)))
        return cps_fail_prefix(rc, "set_wasm_parameters_packed");
    /* fc::raw::unpack reads what it needs: bytes after the fields are ignored, as in nodeos */
    if ((rc = cps_chain__wasm_config_validate(&cfg))) return rc;
    return cps_chain__wasm_config_store(ctx->trx->chain, &cfg);
}

/* ---- producer schedules ------------------------------------------------------------------- */

/* set_proposed_producers_common: the checks nodeos makes before handing the list over. */
static int validate_producers(cps_chain_apply_context *ctx, const cps_chain_producer_authority *p,
                              size_t n, bool validate_keys)
{
    if (n > MAX_PRODUCERS)
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "Producer schedule exceeds the maximum producer count for this chain");
    /* disallow_empty_producer_schedule is part of CPS's protocol */
    if (n == 0) return cps_fail(CPS_ERR_INVALID_ARG, "Producer schedule cannot be empty");
    for (size_t i = 0; i < n; i++) {
        char name[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(p[i].producer_name, name);
        bool exists = false;
        int rc = cps_chain__is_account(ctx, p[i].producer_name, &exists);
        if (rc) return rc;
        if (!exists)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "producer schedule includes a nonexisting account");
        uint32_t sum = 0;
        bool duplicate = false;
        for (uint32_t k = 0; k < p[i].key_count; k++) {
            const cps_key_weight *kw = &p[i].keys[k];
            if (validate_keys && !cps_public_key_is_valid(&kw->key))
                return cps_fail(CPS_ERR_INVALID_ARG, "producer schedule includes an invalid key");
            sum = UINT32_MAX - sum <= kw->weight ? UINT32_MAX : sum + kw->weight;
            for (uint32_t j = 0; j < k; j++)
                if (cps_public_key_compare(&p[i].keys[j].key, &kw->key) == 0) duplicate = true;
        }
        if (duplicate)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "producer schedule includes a duplicated key for %s", name);
        if (p[i].threshold == 0)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "producer schedule includes an authority with a threshold of 0 for %s",
                            name);
        if (sum < p[i].threshold)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "producer schedule includes an unsatisfiable authority for %s", name);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (p[i].producer_name == p[j].producer_name)
                return cps_fail(CPS_ERR_INVALID_ARG,
                                "duplicate producer name in producer schedule");
    return 0;
}

/* Leaves the reader's count of entries checked against the bytes left before allocating. */
static int read_count(cps_reader *r, size_t min_entry, uint32_t *n)
{
    int rc = cps_read_varuint32(r, n);
    if (rc) return rc;
    if ((uint64_t)*n * min_entry > cps_reader_left(r))
        return cps_fail(CPS_ERR_TRUNCATED, "%u entries cannot fit in the %zu bytes left", *n,
                        cps_reader_left(r));
    return 0;
}

/* vector<legacy::producer_key> {name, public_key}, each up-converted to a one-key authority. */
static int unpack_legacy(cps_reader *r, cps_arena *arena, cps_chain_producer_authority **out,
                         uint32_t *n)
{
    int rc = read_count(r, 8 + 34, n);
    if (rc) return rc;
    cps_chain_producer_authority *p = cps_abi_arena_alloc(arena, (*n ? *n : 1) * sizeof *p);
    cps_key_weight *kw = cps_abi_arena_alloc(arena, (*n ? *n : 1) * sizeof *kw);
    if (!p || !kw) return CPS_ERR_NOMEM;
    for (uint32_t i = 0; i < *n; i++) {
        if ((rc = cps_read_u64(r, &p[i].producer_name)) ||
            (rc = cps_public_key_unpack(r, &kw[i].key)))
            return cps_fail_prefix(rc, "producer %u", i);
        kw[i].weight = 1;
        p[i].threshold = 1;
        p[i].keys = &kw[i];
        p[i].key_count = 1;
    }
    *out = p;
    return 0;
}

/* vector<producer_authority> {name, variant<block_signing_authority_v0> {threshold u32,
 * vector<key_weight {public_key, u16 weight}>}}. */
static int unpack_authorities(cps_reader *r, cps_arena *arena, cps_chain_producer_authority **out,
                              uint32_t *n)
{
    int rc = read_count(r, 8 + 1 + 4 + 1, n);
    if (rc) return rc;
    cps_chain_producer_authority *p = cps_abi_arena_alloc(arena, (*n ? *n : 1) * sizeof *p);
    if (!p) return CPS_ERR_NOMEM;
    for (uint32_t i = 0; i < *n; i++) {
        uint32_t which, nk;
        if ((rc = cps_read_u64(r, &p[i].producer_name)) || (rc = cps_read_varuint32(r, &which)))
            return cps_fail_prefix(rc, "producer %u", i);
        if (which != 0)
            return cps_fail(CPS_ERR_FORMAT, "producer %u: unknown block signing authority type %u",
                            i, which);
        if ((rc = cps_read_u32(r, &p[i].threshold)) || (rc = read_count(r, 34 + 2, &nk)))
            return cps_fail_prefix(rc, "producer %u", i);
        cps_key_weight *kw = cps_abi_arena_alloc(arena, (nk ? nk : 1) * sizeof *kw);
        if (!kw) return CPS_ERR_NOMEM;
        for (uint32_t k = 0; k < nk; k++)
            if ((rc = cps_public_key_unpack(r, &kw[k].key)) ||
                (rc = cps_read_u16(r, &kw[k].weight)))
                return cps_fail_prefix(rc, "producer %u key %u", i, k);
        p[i].keys = kw;
        p[i].key_count = nk;
    }
    *out = p;
    return 0;
}

/* Decodes, validates and proposes; the version (or -1) goes to a[0]. */
static int propose(cps_vm_ctx *vm, cps_vm_slot *a, uint64_t format, uint32_t ptr, uint32_t size)
{
    cps_chain_apply_context *ctx = CTX;
    uint8_t *data;
    int rc = cps_vm_mem(vm, ptr, size, &data);
    if (!rc) rc = cps_chain__check_privileged(ctx);
    if (rc) return rc;
    if (format > 1)
        return cps_fail(CPS_ERR_INVALID_ARG, "Producer schedule is in an unknown format!");
    rc = cps_vm_budget_charge(vm, 1 + size / 16);
    if (rc) return rc;
    cps_arena arena = {0};
    cps_chain_producer_authority *p = NULL;
    uint32_t n = 0;
    int64_t version = -1;
    cps_reader r = cps_reader_make(data, size);
    rc = format == 0 ? unpack_legacy(&r, &arena, &p, &n) : unpack_authorities(&r, &arena, &p, &n);
    if (rc) rc = cps_fail_prefix(rc, "set_proposed_producers");
    /* legacy schedules carry keys that must be valid points; the _ex format defers that check */
    if (!rc) rc = validate_producers(ctx, p, n, format == 0);
    if (!rc) rc = cps_chain__set_proposed_producers(ctx, p, n, &version);
    cps_abi_arena_free(&arena);
    if (rc) return rc;
    a[0].i64 = (uint64_t)version;
    return 0;
}

/* set_proposed_producers(data, size) -> version or -1 */
HOST(set_proposed_producers)
{
    UNUSED;
    return propose(vm, a, 0, a[0].i32, a[1].i32);
}

/* set_proposed_producers_ex(format, data, size) -> version or -1; format 0 = producer_key list,
 * 1 = producer_authority list */
HOST(set_proposed_producers_ex)
{
    UNUSED;
    return propose(vm, a, a[0].i64, a[1].i32, a[2].i32);
}

/* get_active_producers(buffer, len) -> bytes. nodeos validates the buffer as `len` names (8 bytes
 * each) but then compares and copies `len` as a byte count, so the contract libraries pass bytes;
 * kept as is: min(len, 8 * producers) bytes are copied, and len 0 asks for the size. */
HOST(get_active_producers)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint32_t len = a[1].i32;
    uint64_t span = (uint64_t)len * 8;
    uint8_t *out;
    if (span > UINT32_MAX) return cps_vm_trap(vm, "out of bounds memory access");
    int rc = cps_vm_mem(vm, a[0].i32, (uint32_t)span, &out);
    if (!rc) rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    cps_name names[MAX_PRODUCERS];
    size_t count = 0;
    if ((rc = cps_chain__get_active_producers(ctx, names, MAX_PRODUCERS, &count))) return rc;
    if (count > MAX_PRODUCERS) count = MAX_PRODUCERS;
    uint32_t s = (uint32_t)(count * 8);
    if (len == 0) {
        a[0].i64 = s;
        return 0;
    }
    uint32_t n = len < s ? len : s;
    uint8_t bytes[MAX_PRODUCERS * 8];
    for (size_t i = 0; i < count; i++)
        cps_store_u64(bytes + 8 * i, names[i]);
    memcpy(out, bytes, n);
    a[0].i64 = n;
    return 0;
}

/* preactivate_feature(&digest) */
HOST(preactivate_feature)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    cps_checksum256 digest;
    int rc = cps_vm_mem_read(vm, a[0].i32, digest.b, 32);
    if (!rc) rc = cps_chain__check_privileged(ctx);
    if (!rc) rc = cps_chain__preactivate_feature(ctx, &digest);
    return rc;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func privileged_funcs[] = {
    F(get_blockchain_parameters_packed, "(ii)i"),
    F(set_blockchain_parameters_packed, "(ii)"),
    F(set_proposed_producers, "(ii)I"),
    F(set_proposed_producers_ex, "(Iii)I"),
    F(get_active_producers, "(ii)i"),
    F(preactivate_feature, "(i)"),
    F(get_parameters_packed, "(iiii)i"),
    F(set_parameters_packed, "(ii)"),
    F(get_wasm_parameters_packed, "(iii)i"),
    F(set_wasm_parameters_packed, "(ii)"),
};
const cps_chain_intrinsic_group cps_chain__host_privileged = {"privileged", privileged_funcs,
                                                              CPS_ARRAY_LEN(privileged_funcs)};
