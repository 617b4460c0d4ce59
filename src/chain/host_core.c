/* host_core: the intrinsics every contract needs — action data, authorization and
 * notifications, assertions, console, memory helpers, time, the transaction's fields, inline
 * actions, the privileged resource calls — and the db_*_i64 primary-table group. */
#include "chain/intrinsics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CTX cps_chain__apply_from_vm(vm)
#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user, (void)vm

/* Reads a NUL-terminated string from wasm memory (at most `max` bytes are looked at). */
static int read_cstr(cps_vm_ctx *vm, uint32_t addr, size_t max, const char **s, size_t *len)
{
    uint64_t size = cps_vm_mem_size(vm);
    if (addr >= size) return cps_vm_trap(vm, "string at 0x%x is out of bounds", addr);
    uint64_t avail = size - addr;
    if (avail > max) avail = max;
    uint8_t *p;
    int rc = cps_vm_mem(vm, addr, (uint32_t)avail, &p);
    if (rc) return rc;
    const uint8_t *z = memchr(p, 0, (size_t)avail);
    if (!z) return cps_vm_trap(vm, "unterminated string at 0x%x", addr);
    *s = (const char *)p;
    *len = (size_t)(z - p);
    return 0;
}

/* Charges host work proportional to `bytes` (one unit per 16 bytes). */
static int charge(cps_vm_ctx *vm, uint64_t bytes)
{
    return cps_vm_budget_charge(vm, 1 + bytes / 16);
}

/* ---- action ---------------------------------------------------------------------------- */
HOST(read_action_data)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint32_t ptr = a[0].i32, len = a[1].i32;
    size_t size = ctx->act->data.size;
    if (len == 0) {
        a[0].i32 = (uint32_t)size;
        return 0;
    }
    uint32_t n = len < size ? len : (uint32_t)size;
    int rc = charge(vm, n);
    if (!rc && n) rc = cps_vm_mem_write(vm, ptr, ctx->act->data.data, n);
    a[0].i32 = n;
    return rc;
}
HOST(action_data_size)
{
    UNUSED;
    a[0].i32 = (uint32_t)CTX->act->data.size;
    return 0;
}
HOST(current_receiver)
{
    UNUSED;
    a[0].i64 = CTX->receiver;
    return 0;
}
HOST(set_action_return_value)
{
    UNUSED;
    uint8_t *p;
    int rc = cps_vm_mem(vm, a[0].i32, a[1].i32, &p);
    if (!rc) rc = charge(vm, a[1].i32);
    if (!rc) rc = cps_chain__set_return_value(CTX, p, a[1].i32);
    return rc;
}

/* ---- authorization ----------------------------------------------------------------------- */
HOST(require_auth)
{
    UNUSED;
    return cps_chain__require_auth(CTX, a[0].i64, 0);
}
HOST(require_auth2)
{
    UNUSED;
    return cps_chain__require_auth(CTX, a[0].i64, a[1].i64);
}
HOST(has_auth)
{
    UNUSED;
    a[0].i32 = cps_chain__has_auth(CTX, a[0].i64) ? 1 : 0;
    return 0;
}
HOST(require_recipient)
{
    UNUSED;
    return cps_chain__require_recipient(CTX, a[0].i64);
}
HOST(is_account)
{
    UNUSED;
    bool exists;
    int rc = cps_chain__is_account(CTX, a[0].i64, &exists);
    a[0].i32 = exists ? 1 : 0;
    return rc;
}

/* ---- assertions ---------------------------------------------------------------------------- */
HOST(eosio_assert)
{
    UNUSED;
    if (a[0].i32) return 0;
    const char *s;
    size_t n;
    int rc = read_cstr(vm, a[1].i32, 1024, &s, &n);
    if (rc) return rc;
    return cps_fail(CPS_ERR_ASSERT, "assertion failure with message: %.*s", (int)n, s);
}
HOST(eosio_assert_message)
{
    UNUSED;
    if (a[0].i32) return 0;
    uint32_t len = a[2].i32 > 1024 ? 1024 : a[2].i32;
    uint8_t *p;
    int rc = cps_vm_mem(vm, a[1].i32, len, &p);
    if (rc) return rc;
    return cps_fail(CPS_ERR_ASSERT, "assertion failure with message: %.*s", (int)len, (const char *)p);
}
HOST(eosio_assert_code)
{
    UNUSED;

    if (a[0].i32) return 0;
    return cps_fail(CPS_ERR_ASSERT, "assertion failure with error code: %" PRIu64, a[1].i64);
}
HOST(abort)
{
    UNUSED;
    (void)a;
    return cps_fail(CPS_ERR_ASSERT, "abort() called");
}

/* ---- console ------------------------------------------------------------------------------- */
HOST(prints)
{
    UNUSED;
    const char *s;
    size_t n;
    int rc = read_cstr(vm, a[0].i32, 1u << 20, &s, &n);
    if (!rc) rc = charge(vm, n);
    if (!rc) cps_chain__console_append(CTX, s, n);
    return rc;
}
HOST(prints_l)
{
    UNUSED;
    uint8_t *p;
    int rc = cps_vm_mem(vm, a[0].i32, a[1].i32, &p);
    if (!rc) rc = charge(vm, a[1].i32);
    if (!rc) cps_chain__console_append(CTX, p, a[1].i32);
    return rc;
}
HOST(printi)
{
    UNUSED;
    char b[32];
    int n = snprintf(b, sizeof b, "%" PRId64, (int64_t)a[0].i64);
    cps_chain__console_append(CTX, b, (size_t)n);
    return 0;
}
HOST(printui)
{
    UNUSED;
    char b[32];
    int n = snprintf(b, sizeof b, "%" PRIu64, a[0].i64);
    cps_chain__console_append(CTX, b, (size_t)n);
    return 0;
}
HOST(printn)
{
    UNUSED;
    char b[CPS_NAME_STR_MAX];
    size_t n = cps_abi_name_to_string(a[0].i64, b);
    cps_chain__console_append(CTX, b, n);
    return 0;
}
HOST(printhex)
{
    UNUSED;
    uint8_t *p;
    uint32_t len = a[1].i32;
    int rc = cps_vm_mem(vm, a[0].i32, len, &p);
    if (!rc) rc = charge(vm, len);
    static const char digits[] = "0123456789abcdef";
    for (uint32_t i = 0; !rc && i < len; i++) {
        char h[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        cps_chain__console_append(CTX, h, 2);
    }
    return rc;
}

/* ---- memory -------------------------------------------------------------------------------- */
HOST(memcpy)
{
    UNUSED;
    uint32_t dst = a[0].i32, src = a[1].i32, n = a[2].i32;
    uint8_t *d, *s;
    int rc = cps_vm_mem(vm, dst, n, &d);
    if (!rc) rc = cps_vm_mem(vm, src, n, &s);
    if (rc) return rc;
    /* EOSIO refuses overlapping memcpy (memmove is for that) */
    if ((uint64_t)(dst > src ? dst - src : src - dst) < n)
        return cps_fail(CPS_ERR_ASSERT, "memcpy can only accept non-aliasing pointers");
    if ((rc = charge(vm, n))) return rc;
    memcpy(d, s, n);
    a[0].i32 = dst;
    return 0;
}
HOST(memmove)
{
    UNUSED;
    uint32_t dst = a[0].i32, src = a[1].i32, n = a[2].i32;
    uint8_t *d, *s;
    int rc = cps_vm_mem(vm, dst, n, &d);
    if (!rc) rc = cps_vm_mem(vm, src, n, &s);
    if (!rc) rc = charge(vm, n);
    if (rc) return rc;
    memmove(d, s, n);
    a[0].i32 = dst;
    return 0;
}
HOST(memset)
{
    UNUSED;
    uint32_t dst = a[0].i32, n = a[2].i32;
    uint8_t *d;
    int rc = cps_vm_mem(vm, dst, n, &d);
    if (!rc) rc = charge(vm, n);
    if (rc) return rc;
    memset(d, (int)(a[1].i32 & 0xff), n);
    a[0].i32 = dst;
    return 0;
}
HOST(memcmp)
{
    UNUSED;
    uint32_t n = a[2].i32;
    uint8_t *x, *y;
    int rc = cps_vm_mem(vm, a[0].i32, n, &x);
    if (!rc) rc = cps_vm_mem(vm, a[1].i32, n, &y);
    if (!rc) rc = charge(vm, n);
    if (rc) return rc;
    int r = memcmp(x, y, n);
    a[0].i32 = (uint32_t)(r < 0 ? -1 : r > 0 ? 1 : 0);
    return 0;
}

/* ---- time and transaction ---------------------------------------------------------------- */
HOST(current_time)
{
    UNUSED;
    a[0].i64 = (uint64_t)CTX->trx->block_time_us;
    return 0;
}
HOST(publication_time)
{
    UNUSED;
    a[0].i64 = (uint64_t)CTX->trx->published_us;
    return 0;
}
HOST(read_transaction)
{
    UNUSED;
    cps_chain_trx_context *tc = CTX->trx;
    uint32_t len = a[1].i32;
    size_t size = tc->raw_trx.size;
    if (len == 0) {
        a[0].i32 = (uint32_t)size;
        return 0;
    }
    uint32_t n = len < size ? len : (uint32_t)size;
    int rc = charge(vm, n);
    if (!rc) rc = cps_vm_mem_write(vm, a[0].i32, tc->raw_trx.data, n);
    a[0].i32 = n;
    return rc;
}
HOST(transaction_size)
{
    UNUSED;
    a[0].i32 = (uint32_t)CTX->trx->raw_trx.size;
    return 0;
}
HOST(expiration)
{
    UNUSED;
    a[0].i32 = CTX->trx->trx->header.expiration;
    return 0;
}
HOST(tapos_block_num)
{
    UNUSED;
    a[0].i32 = CTX->trx->trx->header.ref_block_num;
    return 0;
}
HOST(tapos_block_prefix)
{
    UNUSED;
    a[0].i32 = CTX->trx->trx->header.ref_block_prefix;
    return 0;
}
HOST(send_inline)
{
    UNUSED;
    uint8_t *p;
    int rc = cps_vm_mem(vm, a[0].i32, a[1].i32, &p);
    if (!rc) rc = charge(vm, a[1].i32);
    if (!rc) rc = cps_chain__send_inline(CTX, p, a[1].i32, false);
    return rc;
}
HOST(send_context_free_inline)
{
    UNUSED;
    uint8_t *p;
    int rc = cps_vm_mem(vm, a[0].i32, a[1].i32, &p);
    if (!rc) rc = charge(vm, a[1].i32);
    if (!rc) rc = cps_chain__send_inline(CTX, p, a[1].i32, true);
    return rc;
}

/* ---- privileged ---------------------------------------------------------------------------- */
HOST(set_resource_limits)
{
    UNUSED;

    return cps_chain__set_resource_limits(CTX, a[0].i64, (int64_t)a[1].i64, (int64_t)a[2].i64,
                                          (int64_t)a[3].i64);
}
HOST(get_resource_limits)
{
    UNUSED;
    int64_t ram, net, cpu;
    int rc = cps_chain__get_resource_limits(CTX, a[0].i64, &ram, &net, &cpu);
    uint8_t b[8];
    cps_store_u64(b, (uint64_t)ram);
    if (!rc) rc = cps_vm_mem_write(vm, a[1].i32, b, 8);
    cps_store_u64(b, (uint64_t)net);
    if (!rc) rc = cps_vm_mem_write(vm, a[2].i32, b, 8);
    cps_store_u64(b, (uint64_t)cpu);
    if (!rc) rc = cps_vm_mem_write(vm, a[3].i32, b, 8);
    return rc;
}
HOST(is_privileged)
{
    UNUSED;

    bool p = false;
    int rc = cps_chain__is_privileged(CTX, a[0].i64, &p);
    a[0].i32 = p ? 1 : 0;
    return rc;
}
HOST(set_privileged)
{
    UNUSED;

    return cps_chain__set_privileged(CTX, a[0].i64, a[1].i32 != 0);
}

#define F(name, sig) {"env", #name, sig, host_##name, NULL}
static const cps_vm_host_func core_funcs[] = {
    F(read_action_data, "(ii)i"),
    F(action_data_size, "()i"),
    F(current_receiver, "()I"),
    F(set_action_return_value, "(ii)"),
    F(require_auth, "(I)"),
    F(require_auth2, "(II)"),
    F(has_auth, "(I)i"),
    F(require_recipient, "(I)"),
    F(is_account, "(I)i"),
    F(eosio_assert, "(ii)"),
    F(eosio_assert_message, "(iii)"),
    F(eosio_assert_code, "(iI)"),
    F(abort, "()"),
    F(prints, "(i)"),
    F(prints_l, "(ii)"),
    F(printi, "(I)"),
    F(printui, "(I)"),
    F(printn, "(I)"),
    F(printhex, "(ii)"),
    F(memcpy, "(iii)i"),
    F(memmove, "(iii)i"),
    F(memset, "(iii)i"),
    F(memcmp, "(iii)i"),
    F(current_time, "()I"),
    F(publication_time, "()I"),
    F(read_transaction, "(ii)i"),
    F(transaction_size, "()i"),
    F(expiration, "()i"),
    F(tapos_block_num, "()i"),
    F(tapos_block_prefix, "()i"),
    F(send_inline, "(ii)"),
    F(send_context_free_inline, "(ii)"),
    F(set_resource_limits, "(IIII)"),
    F(get_resource_limits, "(Iiii)"),
    F(is_privileged, "(I)i"),
    F(set_privileged, "(Ii)"),
};
const cps_chain_intrinsic_group cps_chain__host_core = {"core", core_funcs,
                                                       CPS_ARRAY_LEN(core_funcs)};

/* ---- db_*_i64 -------------------------------------------------------------------------------- */

/* A failing table call is the contract's fault: EOSIO raises it as an exception that aborts the
 * transaction; the message says which call. */
static int db_error(int rc, const char *call)
{
    return cps_fail_prefix(rc, "%s", call);
}

HOST(db_store_i64)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *p;
    int itr;
    int rc = cps_vm_mem(vm, a[4].i32, a[5].i32, &p);
    if (!rc) rc = charge(vm, a[5].i32);
    if (rc) return rc;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db_store_i64 in a context-free action");
    rc = cps_state_db_store_i64(ctx->db, a[0].i64, a[1].i64, a[2].i64, a[3].i64, p, a[5].i32, &itr);
    if (rc) return db_error(rc, "db_store_i64");
    a[0].i32 = (uint32_t)itr;
    return 0;
}
HOST(db_update_i64)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *p;
    int rc = cps_vm_mem(vm, a[2].i32, a[3].i32, &p);
    if (!rc) rc = charge(vm, a[3].i32);
    if (rc) return rc;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db_update_i64 in a context-free action");
    rc = cps_state_db_update_i64(ctx->db, (int)a[0].i32, a[1].i64, p, a[3].i32);
    return rc ? db_error(rc, "db_update_i64") : 0;
}
HOST(db_remove_i64)
{
    UNUSED;

    cps_chain_apply_context *ctx = CTX;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db_remove_i64 in a context-free action");
    int rc = cps_state_db_remove_i64(ctx->db, (int)a[0].i32);
    return rc ? db_error(rc, "db_remove_i64") : 0;
}
HOST(db_get_i64)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db_get_i64 in a context-free action");
    cps_bytes row;
    int rc = cps_state_db_get_i64(ctx->db, (int)a[0].i32, &row);
    if (rc) return db_error(rc, "db_get_i64");
    uint32_t len = a[2].i32;
    if (len == 0) {
        a[0].i32 = (uint32_t)row.size;
        return 0;
    }
    uint32_t n = len < row.size ? len : (uint32_t)row.size;
    rc = charge(vm, n);
    if (!rc && n) rc = cps_vm_mem_write(vm, a[1].i32, row.data, n);
    a[0].i32 = n;
    return rc;
}
static int db_step(cps_vm_ctx *vm, cps_vm_slot *a, bool next)
{
    cps_chain_apply_context *ctx = CTX;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db iteration in a context-free action");
    int out;
    uint64_t primary = 0;
    int rc = next ? cps_state_db_next_i64(ctx->db, (int)a[0].i32, &out, &primary)
                  : cps_state_db_previous_i64(ctx->db, (int)a[0].i32, &out, &primary);
    if (rc) return db_error(rc, next ? "db_next_i64" : "db_previous_i64");
    if (out >= 0) {
        uint8_t b[8];
        cps_store_u64(b, primary);
        if ((rc = cps_vm_mem_write(vm, a[1].i32, b, 8))) return rc;
    }
    a[0].i32 = (uint32_t)out;
    return 0;
}
HOST(db_next_i64)
{
    UNUSED;
    return db_step(vm, a, true);
}
HOST(db_previous_i64)
{
    UNUSED;
    return db_step(vm, a, false);
}
enum find_kind { FIND, LOWER, UPPER };
static int db_find(cps_vm_ctx *vm, cps_vm_slot *a, enum find_kind k)
{
    cps_chain_apply_context *ctx = CTX;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db lookup in a context-free action");
    int out, rc;
    if (k == FIND) rc = cps_state_db_find_i64(ctx->db, a[0].i64, a[1].i64, a[2].i64, a[3].i64, &out);
    else if (k == LOWER)
        rc = cps_state_db_lowerbound_i64(ctx->db, a[0].i64, a[1].i64, a[2].i64, a[3].i64, &out);
    else rc = cps_state_db_upperbound_i64(ctx->db, a[0].i64, a[1].i64, a[2].i64, a[3].i64, &out);
    if (rc) return db_error(rc, "db lookup");
    a[0].i32 = (uint32_t)out;
    return 0;
}
HOST(db_find_i64)
{
    UNUSED;
    return db_find(vm, a, FIND);
}
HOST(db_lowerbound_i64)
{
    UNUSED;
    return db_find(vm, a, LOWER);
}
HOST(db_upperbound_i64)
{
    UNUSED;
    return db_find(vm, a, UPPER);
}
HOST(db_end_i64)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    if (!ctx->db) return cps_fail(CPS_ERR_STATE, "db_end_i64 in a context-free action");
    int out;
    int rc = cps_state_db_end_i64(ctx->db, a[0].i64, a[1].i64, a[2].i64, &out);
    if (rc) return db_error(rc, "db_end_i64");
    a[0].i32 = (uint32_t)out;
    return 0;
}

static const cps_vm_host_func db_funcs[] = {
    F(db_store_i64, "(IIIIii)i"),
    F(db_update_i64, "(iIii)"),
    F(db_remove_i64, "(i)"),
    F(db_get_i64, "(iii)i"),
    F(db_next_i64, "(ii)i"),
    F(db_previous_i64, "(ii)i"),
    F(db_find_i64, "(IIII)i"),
    F(db_lowerbound_i64, "(IIII)i"),
    F(db_upperbound_i64, "(IIII)i"),
    F(db_end_i64, "(III)i"),
};
const cps_chain_intrinsic_group cps_chain__host_db_i64 = {"db_i64", db_funcs,
                                                         CPS_ARRAY_LEN(db_funcs)};
