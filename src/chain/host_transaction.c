/* host_transaction: the transaction intrinsics the core group leaves out (nodeos transaction.cpp,
 * cf_transaction.cpp, context_free.cpp) — send_deferred, cancel_deferred, get_action and
 * get_context_free_data.
 *
 * send_deferred decodes the transaction the contract hands over exactly as nodeos does before
 * scheduling it (fc::raw::unpack: malformed bytes fail the action; bytes after the transaction
 * are ignored) and passes its canonical bytes to cps_chain__send_deferred. get_action packs the
 * requested action of the running transaction; get_context_free_data copies one context-free
 * data item and, like nodeos, only works inside a context-free action. */
#include "chain/host_groups.h"

#include <string.h>

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user
#define CTX cps_chain__apply_from_vm(vm)

/* Host work proportional to the bytes handled (one unit per 16 bytes, as the core group). */
static int charge(cps_vm_ctx *vm, uint64_t bytes)
{
    return cps_vm_budget_charge(vm, 1 + bytes / 16);
}

static int read_sender_id(cps_vm_ctx *vm, uint32_t ptr, cps_uint128 *id)
{
    uint8_t b[16];
    int rc = cps_vm_mem_read(vm, ptr, b, 16);
    if (!rc) *id = ((cps_uint128)cps_load_u64(b + 8) << 64) | cps_load_u64(b);
    return rc;
}

/* send_deferred(&sender_id, payer, data, len, replace_existing) */
HOST(send_deferred)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    cps_uint128 id;
    uint8_t *data;
    uint32_t len = a[3].i32;
    int rc = read_sender_id(vm, a[0].i32, &id);
    if (!rc) rc = cps_vm_mem(vm, a[2].i32, len, &data);
    if (!rc) rc = cps_chain__check_context_aware(ctx);
    if (!rc) rc = charge(vm, len);
    if (rc) return rc;
    cps_arena arena = {0};
    cps_transaction trx;
    cps_reader r = cps_reader_make(data, len);
    rc = cps_abi_transaction_unpack(&r, &arena, &trx);
    cps_abi_arena_free(&arena);
    if (rc) return cps_fail_prefix(rc, "send_deferred: transaction");
    return cps_chain__send_deferred(ctx, id, a[1].i64, data, r.pos, a[4].i32 != 0);
}

/* cancel_deferred(&sender_id) -> 1 if a deferred transaction was cancelled, else 0 */
HOST(cancel_deferred)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    cps_uint128 id;
    bool cancelled = false;
    int rc = read_sender_id(vm, a[0].i32, &id);
    if (!rc) rc = cps_chain__check_context_aware(ctx);
    if (!rc) rc = cps_chain__cancel_deferred(ctx, id, &cancelled);
    if (rc) return rc;
    a[0].i64 = cancelled;
    return 0;
}

/* get_action(type, index, buffer, size) -> packed size of the action (written only if it fits),
 * or -1 for an index past the end; type 0 = context-free actions, 1 = actions, anything else
 * fails ("action is not found"), as apply_context::get_action. */
HOST(get_action)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint32_t type = a[0].i32, index = a[1].i32, size = a[3].i32;
    uint8_t *out;
    int rc = cps_vm_mem(vm, a[2].i32, size, &out);
    if (rc) return rc;
    const cps_transaction *t = ctx->trx->trx;
    const cps_action *act;
    if (type == 0) {
        if (index >= t->context_free_action_count) goto none;
        act = &t->context_free_actions[index];
    } else if (type == 1) {
        if (index >= t->action_count) goto none;
        act = &t->actions[index];
    } else {
        return cps_fail(CPS_ERR_NOT_FOUND, "action is not found");
    }
    cps_buf packed = {0};
    if ((rc = cps_abi_action_pack(&packed, act))) {
        cps_buf_free(&packed);
        return cps_fail(rc, "get_action: packing the action");
    }
    rc = charge(vm, packed.size);
    if (!rc && packed.size <= size) memcpy(out, packed.data, packed.size);
    a[0].i64 = (uint32_t)packed.size;
    cps_buf_free(&packed);
    return rc;
none:
    a[0].i64 = (uint32_t)-1;
    return 0;
}

/* get_context_free_data(index, buffer, size) -> the item's size when size is 0, else the bytes
 * copied (at most size); -1 for an index past the end. Context-free actions only. */
HOST(get_context_free_data)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint32_t index = a[0].i32, size = a[2].i32;
    uint8_t *out;
    int rc = cps_vm_mem(vm, a[1].i32, size, &out);
    if (!rc) rc = cps_chain__check_context_free(ctx);
    if (rc) return rc;
    const cps_chain_trx_context *tc = ctx->trx;
    if (index >= tc->cfd_count) {
        a[0].i64 = (uint32_t)-1;
        return 0;
    }
    cps_bytes item = tc->cfd[index];
    if (size == 0) {
        a[0].i64 = (uint32_t)item.size;
        return 0;
    }
    size_t n = item.size < size ? item.size : size;
    if ((rc = charge(vm, n))) return rc;
    if (n) memcpy(out, item.data, n);
    a[0].i64 = (uint32_t)n;
    return 0;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func transaction_funcs[] = {
    F(send_deferred, "(iIiii)"),
    F(cancel_deferred, "(i)i"),
    F(get_action, "(iiii)i"),
    F(get_context_free_data, "(iii)i"),
};
const cps_chain_intrinsic_group cps_chain__host_transaction = {"transaction", transaction_funcs,
                                                               CPS_ARRAY_LEN(transaction_funcs)};
