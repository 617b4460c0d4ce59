/* host_system: the system intrinsics the core group leaves out (nodeos cf_system.cpp, system.cpp,
 * authorization.cpp) — eosio_exit, is_feature_activated, get_sender, get_code_hash (Leap) and
 * get_block_num (Leap).
 *
 * eosio_exit ends the running action successfully, keeping what it did: the host function
 * returns CPS_CHAIN_WASM_EXIT, which stops the interpreter like any host error, and the controller
 * treats that code as a normal return (EOSIO throws wasm_exit and catches it the same way). */
#include "chain/host_groups.h"

#include <string.h>

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user
#define CTX cps_chain__apply_from_vm(vm)

HOST(eosio_exit)
{
    UNUSED;
    (void)vm;
    return cps_fail(CPS_CHAIN_WASM_EXIT, "eosio_exit(%d) called", (int32_t)a[0].i32);
}

/* is_feature_activated(&digest) -> bool */
HOST(is_feature_activated)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    cps_checksum256 digest;
    bool active = false;
    int rc = cps_vm_mem_read(vm, a[0].i32, digest.b, 32);
    if (!rc) rc = cps_chain__check_context_aware(ctx);
    if (!rc) rc = cps_chain__is_feature_activated(ctx, &digest, &active);
    if (rc) return rc;
    a[0].i64 = active;
    return 0;
}

/* get_sender() -> the receiver of the action that sent this one inline, or 0 for an action of
 * the transaction itself (apply_context::get_sender: the creator action's receiver). */
HOST(get_sender)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    int rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    const cps_chain_transaction_trace *t = ctx->trx->trace;
    cps_name sender = 0;
    if (t && ctx->action_ordinal >= 1 && ctx->action_ordinal <= t->action_count) {
        uint32_t creator = t->actions[ctx->action_ordinal - 1].creator_action_ordinal;
        if (creator >= 1 && creator <= t->action_count) sender = t->actions[creator - 1].receiver;
    }
    a[0].i64 = sender;
    return 0;
}

/* get_code_hash(account, struct_version, result, size) -> packed size (43). The result is
 * get_code_hash_result version 0: varuint32 struct_version | u64 code_sequence | checksum256
 * code_hash | u8 vm_type | u8 vm_version, written only if it fits. An account without code (or
 * without existence) gives a zero hash, and its code_sequence (0 for no account). */
HOST(get_code_hash)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *out;
    uint32_t size = a[3].i32;
    int rc = cps_vm_mem(vm, a[2].i32, size, &out);
    if (!rc) rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    cps_chain_account_info info;
    memset(&info, 0, sizeof info);
    rc = cps_chain_controller_get_account(ctx->trx->chain, a[0].i64, &info);
    if (rc == CPS_ERR_NOT_FOUND)
        memset(&info, 0, sizeof info);
    else if (rc)
        return rc;
    uint8_t packed[1 + 8 + 32 + 2];
    packed[0] = 0; /* struct_version: min(requested, 0) as a varuint32 */
    cps_store_u64(packed + 1, info.code_sequence);
    memcpy(packed + 9, info.code_hash.b, 32);
    /* setcode accepts only vm_type 0 / vm_version 0, so these are 0 whether or not code exists */
    packed[41] = 0;
    packed[42] = 0;
    if (sizeof packed <= size) memcpy(out, packed, sizeof packed);
    a[0].i64 = (uint32_t)sizeof packed;
    return 0;
}

/* get_block_num() -> the number of the block being built or applied (pending_block_num). */
HOST(get_block_num)
{
    UNUSED;
    a[0].i64 = CTX->trx->block_num;
    return 0;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func system_funcs[] = {
    F(eosio_exit, "(i)"),        F(is_feature_activated, "(i)i"), F(get_sender, "()I"),
    F(get_code_hash, "(Iiii)i"), F(get_block_num, "()i"),
};
const cps_chain_intrinsic_group cps_chain__host_system = {"system", system_funcs,
                                                          CPS_ARRAY_LEN(system_funcs)};
