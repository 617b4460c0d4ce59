/* vm: the interpreter. Runs the threaded code of compile.c with computed goto (a GNU C extension
 * that gcc and clang both provide): every operation ends by jumping straight to the next one's
 * handler, and the hot state (pc, frame pointer, memory base and size, budget) lives in local
 * variables the compiler keeps in registers. Wasm calls do not recurse on the C stack: frames go
 * on an explicit frame stack bounded by the call-depth limit, values on a value stack bounded by
 * the slot limit, so nothing a module does can overflow the host's stack. */
#include "vm/vm_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the VM stores wasm values in slots assuming a little-endian host"
#endif

/* ---- float helpers: canonical NaNs make results identical on every machine ------------------ */

static inline float canon32(float x)
{
    if (CPS_UNLIKELY(x != x)) {
        uint32_t bits = 0x7fc00000u;
        memcpy(&x, &bits, 4);
    }
    return x;
}

static inline double canon64(double x)
{
    if (CPS_UNLIKELY(x != x)) {
        uint64_t bits = 0x7ff8000000000000ull;
        memcpy(&x, &bits, 8);
    }
    return x;
}

static inline float f32_of(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static inline double f64_of(uint64_t b)
{
    double f;
    memcpy(&f, &b, 8);
    return f;
}

/* min/max on bits: NaN if either is NaN, and -0 < +0. */
static inline uint32_t fmin32(uint32_t a, uint32_t b)
{
    float x = f32_of(a), y = f32_of(b);
    if (x != x || y != y) return 0x7fc00000u;
    if (x == y) return a | b; /* equal: only ±0 differ, and min prefers -0 */
    return x < y ? a : b;
}

static inline uint32_t fmax32(uint32_t a, uint32_t b)
{
    float x = f32_of(a), y = f32_of(b);
    if (x != x || y != y) return 0x7fc00000u;
    if (x == y) return a & b;
    return x > y ? a : b;
}

static inline uint64_t fmin64(uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);
    if (x != x || y != y) return 0x7ff8000000000000ull;
    if (x == y) return a | b;
    return x < y ? a : b;
}

static inline uint64_t fmax64(uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);
    if (x != x || y != y) return 0x7ff8000000000000ull;
    if (x == y) return a & b;
    return x > y ? a : b;
}

/* Saturating truncations (non-trapping float-to-int). */
#define SAT_(name, ft, it, lo, hi, minv, maxv)                                                     \
    static inline it name(ft a)                                                                    \
    {                                                                                              \
        if (a != a) return 0;                                                                      \
        if (!(a > (lo))) return (it)(minv);                                                        \
        if (!(a < (hi))) return (it)(maxv);                                                        \
        return (it)a;                                                                              \
    }
SAT_(sat_f32_i32_, float, int32_t, -2147483904.0f, 2147483648.0f, INT32_MIN, INT32_MAX)
SAT_(sat_f32_u32_, float, uint32_t, -1.0f, 4294967296.0f, 0, UINT32_MAX)
SAT_(sat_f64_i32_, double, int32_t, -2147483649.0, 2147483648.0, INT32_MIN, INT32_MAX)
SAT_(sat_f64_u32_, double, uint32_t, -1.0, 4294967296.0, 0, UINT32_MAX)
SAT_(sat_f32_i64_, float, int64_t, -9223373136366403584.0f, 9223372036854775808.0f, INT64_MIN,
     INT64_MAX)
SAT_(sat_f32_u64_, float, uint64_t, -1.0f, 18446744073709551616.0f, 0, UINT64_MAX)
SAT_(sat_f64_i64_, double, int64_t, -9223372036854777856.0, 9223372036854775808.0, INT64_MIN,
     INT64_MAX)
SAT_(sat_f64_u64_, double, uint64_t, -1.0, 18446744073709551616.0, 0, UINT64_MAX)
#undef SAT_
#define sat_f32_i32(a) ((uint32_t)sat_f32_i32_(a))
#define sat_f32_u32(a) sat_f32_u32_(a)
#define sat_f64_i32(a) ((uint32_t)sat_f64_i32_(a))
#define sat_f64_u32(a) sat_f64_u32_(a)
#define sat_f32_i64(a) ((uint64_t)sat_f32_i64_(a))
#define sat_f32_u64(a) sat_f32_u64_(a)
#define sat_f64_i64(a) ((uint64_t)sat_f64_i64_(a))
#define sat_f64_u64(a) sat_f64_u64_(a)

bool cps_vm__functype_equal(const vm_functype *a, const vm_functype *b)
{
    if (a == b) return true;
    if (a->hash != b->hash || a->nparams != b->nparams || a->nresults != b->nresults) return false;
    return memcmp(a->params, b->params, a->nparams) == 0 &&
           memcmp(a->results, b->results, a->nresults) == 0;
}

uint64_t cps_vm__hash_type(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (uint32_t i = 0; i < np; i++)
        h = (h ^ params[i]) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (uint32_t i = 0; i < nr; i++)
        h = (h ^ results[i]) * 1099511628211ull;
    return h;
}

/* ---- access kinds of vm_ops.h ------------------------------------------------------------ */
/* Results are always stored as whole 8-byte slots (32-bit values zero-extended): a later 8-byte
 * copy of the slot (MOV, calls, select) then forwards from the store instead of stalling on a
 * partial one. */
#define PUT_U32(s, v) ((s).i64 = (uint32_t)(v))
#define PUT_U64(s, v) ((s).i64 = (v))
#define PUT_F64(s, v) ((s).f64 = (v))
#define PUT_F32(s, v)                                                                              \
    do {                                                                                           \
        float f_ = (v);                                                                            \
        uint32_t b_;                                                                               \
        memcpy(&b_, &f_, 4);                                                                       \
        (s).i64 = b_;                                                                              \
    } while (0)
#define AK_U32 i32
#define AK_U64 i64
#define AK_F32 f32
#define AK_F64 f64
#define CT_U32 uint32_t
#define CT_U64 uint64_t
#define CT_F32 float
#define CT_F64 double

/* Budget slices: with a wall-clock deadline, the budget register holds at most one slice, so the
 * clock is read once per slice rather than per check. */
#define SLICE (INT64_C(1) << 16)

typedef struct run_budget {
    int64_t reserve; /* units not in the register */
    uint64_t deadline_ns;
} run_budget;

/* Called when the budget register went negative: true if the call must stop. */
static bool refill(int64_t *budget, run_budget *rb)
{
    int64_t total = rb->reserve + *budget;
    if (total < 0) {
        *budget = total;
        rb->reserve = 0;
        return true;
    }
    if (rb->deadline_ns && cps_time_mono_ns() >= rb->deadline_ns) {
        *budget = total;
        rb->reserve = 0;
        return true;
    }
    int64_t take = rb->deadline_ns ? (total < SLICE ? total : SLICE) : total;
    *budget = take;
    rb->reserve = total - take;
    return false;
}

static _Thread_local int nesting; /* host -> cps_vm_call -> host ... on the C stack */
#define MAX_NESTING 8

static int run(cps_vm_instance *entry_inst, vm_func *entry, cps_vm_slot *stack, cps_vm_exec *exec,
               const void *const **table_out)
{
    static const void *const table[] = {
#define H1_(n) &&L_##n,
#define H_(n, ...) &&L_##n,
        CPS_VM_MISCOPS(H1_) CPS_VM_UNOPS(H_) CPS_VM_TRUNCOPS(H_) CPS_VM_BINOPS(H_) CPS_VM_DIVOPS(H_)
            CPS_VM_LOADS(H_) CPS_VM_STORES(H_)
#define HB_(n, e) &&L_BR_IF_##n,
                CPS_VM_CMPBR(HB_)
#undef HB_
#define HAB_(n, e) &&L_ADD_BR_IF_##n,
                    CPS_VM_CMPBR(HAB_)
#undef HAB_
#define HA_(n, ...) &&L_##n##_ADD,
                        CPS_VM_LOADS(HA_) CPS_VM_STORES(HA_)
#undef HA_
#undef H_
#undef H1_
    };
    _Static_assert(sizeof table / sizeof table[0] == OP__COUNT, "handler table");
    if (table_out) {
        *table_out = table;
        return 0;
    }

    cps_vm_instance *inst = entry_inst;
    const vm_cell *pc = NULL;
    cps_vm_slot *fp = stack;
    vm_frame *fr = inst->frames, *const fr_base = inst->frames;
    vm_frame *const fr_end = inst->frames + inst->limits.max_call_depth;
    /* compared as distances, never forming a pointer past the stack */
    cps_vm_slot *const stack_base = inst->stack;
    const size_t stack_slots = inst->limits.max_stack_slots;
#define STACK_FITS(p, n) ((size_t)((p)-stack_base) + (size_t)(n) <= stack_slots)
    uint8_t *mem = NULL;
    uint64_t memsize = 0;
    vm_global **globals = inst->globals;
    const char *trap = NULL;
    int rc = 0;
    run_budget rb;
    int64_t budget;
    uint64_t initial = exec->budget > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : exec->budget;
    rb.deadline_ns = exec->deadline_ns;
    rb.reserve = (int64_t)initial;
    budget = 0;
    if (refill(&budget, &rb)) goto deadline;

    vm_func *callee;
    cps_vm_slot *nfp;
    const vm_cell *ret;
    const vm_code *cd;

#define LOAD_MEM()                                                                                 \
    do {                                                                                           \
        if (inst->memory) {                                                                        \
            mem = inst->memory->data;                                                              \
            memsize = inst->memory->size;                                                          \
        } else {                                                                                   \
            mem = NULL;                                                                            \
            memsize = 0;                                                                           \
        }                                                                                          \
        globals = inst->globals;                                                                   \
    } while (0)
#define NEXT() goto * pc->h
#define D0 pc[1].u[0]
#define D1 pc[1].u[1]
#define D2 pc[2].u[0]
#define D3 pc[2].u[1]
#define D4 pc[3].u[0]
#define D5 pc[3].u[1]
#define TRAP(msg)                                                                                  \
    do {                                                                                           \
        trap = (msg);                                                                              \
        goto trapped;                                                                              \
    } while (0)
#define CHARGE_UNITS(n)                                                                            \
    do {                                                                                           \
        uint64_t units_ = (n);                                                                     \
        if (units_ > (uint64_t)INT64_MAX / 2) units_ = (uint64_t)INT64_MAX / 2;                    \
        budget -= (int64_t)units_;                                                                 \
        if (CPS_UNLIKELY(budget < 0) && refill(&budget, &rb)) goto deadline;                       \
    } while (0)

    LOAD_MEM();
    callee = entry;
    nfp = stack;
    ret = NULL;
    goto call_func;

    /* ---- control ---- */
L_UNREACHABLE:
    TRAP("unreachable");
L_CHARGE:
    budget -= (int64_t)D0;
    if (CPS_UNLIKELY(budget < 0) && refill(&budget, &rb)) goto deadline;
    pc += 2;
    NEXT();
L_BR:
    /* a loop back-edge charges the loop's first segment (0 for other branches) */
    budget -= (int64_t)pc[1].u[1];
    if (CPS_UNLIKELY(budget < 0) && refill(&budget, &rb)) goto deadline;
    pc += pc[1].s[0];
    NEXT();
L_BR_IF:
    if (fp[D0].i32)
        pc += pc[1].s[1];
    else
        pc += 2;
    NEXT();
L_BR_UNLESS:
    if (!fp[D0].i32)
        pc += pc[1].s[1];
    else
        pc += 2;
    NEXT();
#define CMPBR_(n, e)                                                                               \
    L_BR_IF_##n:                                                                                   \
    {                                                                                              \
        uint32_t a = fp[D0].i32, b = fp[D1].i32;                                                   \
        if (e) {                                                                                   \
            budget -= (int64_t)pc[2].u[1];                                                         \
            if (CPS_UNLIKELY(budget < 0) && refill(&budget, &rb)) goto deadline;                   \
            pc += pc[2].s[0];                                                                      \
        } else {                                                                                   \
            pc += 3;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    }
    CPS_VM_CMPBR(CMPBR_)
#undef CMPBR_
    /* [dst|x][y|b][off|cost]: dst = x + y, then branch if dst <cmp> b */
#define ADDBR_(n, e)                                                                               \
    L_ADD_BR_IF_##n:                                                                               \
    {                                                                                              \
        uint32_t a = fp[D1].i32 + fp[D2].i32;                                                      \
        PUT_U32(fp[D0], a);                                                                        \
        uint32_t b = fp[D3].i32;                                                                   \
        if (e) {                                                                                   \
            budget -= (int64_t)pc[3].u[1];                                                         \
            if (CPS_UNLIKELY(budget < 0) && refill(&budget, &rb)) goto deadline;                   \
            pc += pc[3].s[0];                                                                      \
        } else {                                                                                   \
            pc += 4;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    }
    CPS_VM_CMPBR(ADDBR_)
#undef ADDBR_
L_BR_TABLE : {
    uint32_t i = fp[D0].i32, n = D1;
    if (i > n) i = n;
    pc += pc[2 + i].s[0];
    NEXT();
}
L_MOV:
    fp[D0] = fp[D1];
    pc += 2;
    NEXT();
L_SELECT:
    fp[D0] = fp[D3].i32 ? fp[D1] : fp[D2];
    pc += 3;
    NEXT();
L_RETURN:
do_return:
    fr--;
    if (CPS_UNLIKELY(fr == fr_base)) goto done;
    pc = fr->ret_pc;
    fp = fr->fp;
    if (CPS_UNLIKELY(fr->inst != inst)) {
        inst = fr->inst;
        LOAD_MEM();
    }
    NEXT();
L_RETURN_VAL:
    /* [src|-]: the single result moves to slot 0, then as RETURN */
    fp[0] = fp[D0];
    goto do_return;
L_CALL:
    cd = (const vm_code *)pc[2].p;
    nfp = fp + D0;
    ret = pc + 3;
    goto enter;
L_CALL_ARGS : {
    /* [base|n][code][src0|src1]...: copies the arguments into place, then calls */
    uint32_t n = D1;
    cd = (const vm_code *)pc[2].p;
    nfp = fp + D0;
    for (uint32_t i = 0; i < n; i++)
        nfp[i] = fp[pc[3 + i / 2].u[i % 2]];
    ret = pc + 3 + (n + 1) / 2;
    goto enter;
}
L_CALL_IMPORT:
    callee = inst->funcs[D1];
    nfp = fp + D0;
    ret = pc + 2;
    goto call_func;
L_CALL_IMPORT_ARGS : {
    /* [base|func][n|-][src0|src1]... */
    uint32_t n = D2;
    callee = inst->funcs[D1];
    nfp = fp + D0;
    for (uint32_t i = 0; i < n; i++)
        nfp[i] = fp[pc[3 + i / 2].u[i % 2]];
    ret = pc + 3 + (n + 1) / 2;
    goto call_func;
}
L_CALL_INDIRECT : {
    uint32_t idx = fp[D1].i32;
    vm_table *t = inst->tables[D3];
    if (idx >= t->size) TRAP("undefined element");
    callee = (vm_func *)t->elems[idx];
    if (!callee) TRAP("uninitialized element");
    const vm_functype *want = &inst->module->types[D2];
    if (callee->type != want && !cps_vm__functype_equal(callee->type, want))
        TRAP("indirect call type mismatch");
    nfp = fp + D0;
    ret = pc + 3;
    goto call_func;
}

call_func:
    if (callee->host) {
        uint32_t n = callee->type->nparams > callee->type->nresults ? callee->type->nparams
                                                                    : callee->type->nresults;
        if (CPS_UNLIKELY(!STACK_FITS(nfp, n))) goto exhausted;
        if (CPS_UNLIKELY(nesting >= MAX_NESTING)) goto exhausted;
        cps_vm_ctx ctx;
        ctx.inst = inst;
        ctx.exec = exec;
        ctx.budget = rb.reserve + budget;
        nesting++;
        int hrc = callee->host(&ctx, callee->host_user, nfp);
        nesting--;
        rb.reserve = ctx.budget;
        budget = 0;
        if (hrc) {
            rc = hrc;
            goto out;
        }
        if (refill(&budget, &rb)) goto deadline;
        LOAD_MEM();
        if (CPS_UNLIKELY(ret == NULL)) goto done_host;
        pc = ret;
        NEXT();
    }
    cd = callee->code;
    if (CPS_UNLIKELY(callee->inst != inst)) {
        /* cross-instance call: push the frame with the caller's instance, then switch */
        if (CPS_UNLIKELY(fr == fr_end)) goto exhausted;
        if (CPS_UNLIKELY(!STACK_FITS(nfp, cd->frame_size))) goto exhausted;
        fr->ret_pc = ret;
        fr->fp = fp;
        fr->inst = inst;
        fr++;
        inst = callee->inst;
        LOAD_MEM();
        goto enter_frame;
    }
enter:
    if (CPS_UNLIKELY(fr == fr_end)) goto exhausted;
    if (CPS_UNLIKELY(!STACK_FITS(nfp, cd->frame_size))) goto exhausted;
    fr->ret_pc = ret;
    fr->fp = fp;
    fr->inst = inst;
    fr++;
enter_frame:
    fp = nfp;
    for (uint32_t i = 0, n = cd->nlocals; i < n; i++)
        fp[cd->nparams + i].i64 = 0;
    for (uint32_t i = 0, n = cd->nconsts; i < n; i++)
        fp[cd->const_base + i] = cd->consts[i];
    /* the call pays the callee's first segment and skips its CHARGE (one dispatch less) */
    budget -= (int64_t)cd->entry_charge;
    if (CPS_UNLIKELY(budget < 0) && refill(&budget, &rb)) goto deadline;
    pc = cd->entry + cd->entry_skip;
    NEXT();

    /* ---- variables ---- */
L_GLOBAL_GET:
    fp[D0] = globals[D1]->value;
    pc += 2;
    NEXT();
L_GLOBAL_SET:
    globals[D1]->value = fp[D0];
    pc += 2;
    NEXT();

    /* ---- references and tables ---- */
L_REF_IS_NULL : {
    uint64_t isnull = fp[D1].ref == NULL;
    fp[D0].i64 = isnull;
}
    pc += 2;
    NEXT();
L_REF_FUNC:
    fp[D0].ref = inst->funcs[D1];
    pc += 2;
    NEXT();
L_TABLE_GET : {
    vm_table *t = inst->tables[D2];
    uint32_t i = fp[D1].i32;
    if (i >= t->size) TRAP("out of bounds table access");
    fp[D0].ref = t->elems[i];
    pc += 3;
    NEXT();
}
L_TABLE_SET : {
    vm_table *t = inst->tables[D2];
    uint32_t i = fp[D0].i32;
    if (i >= t->size) TRAP("out of bounds table access");
    t->elems[i] = fp[D1].ref;
    pc += 3;
    NEXT();
}
L_TABLE_SIZE:
    PUT_U32(fp[D0], inst->tables[D1]->size);
    pc += 2;
    NEXT();
L_TABLE_GROW : {
    vm_table *t = inst->tables[D3];
    uint32_t n = fp[D2].i32, old;
    CHARGE_UNITS(cps_vm__bulk_cost((uint64_t)n * 8));
    void *init = fp[D1].ref;
    PUT_U32(fp[D0], cps_vm__table_grow(t, n, init, &old) == 0 ? old : UINT32_MAX);
    pc += 3;
    NEXT();
}
L_TABLE_FILL : {
    vm_table *t = inst->tables[D3];
    uint32_t i = fp[D0].i32, n = fp[D2].i32;
    void *v = fp[D1].ref;
    CHARGE_UNITS(cps_vm__bulk_cost((uint64_t)n * 8));
    if ((uint64_t)i + n > t->size) TRAP("out of bounds table access");
    for (uint32_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    pc += 3;
    NEXT();
}
L_TABLE_COPY : {
    vm_table *td = inst->tables[D4], *ts = inst->tables[D5];
    uint32_t d = fp[D0].i32, s = fp[D1].i32, n = fp[D2].i32;
    CHARGE_UNITS(cps_vm__bulk_cost((uint64_t)n * 8));
    if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size)
        TRAP("out of bounds table access");
    if (n) memmove(td->elems + d, ts->elems + s, (size_t)n * sizeof(void *));
    pc += 4;
    NEXT();
}
L_TABLE_INIT : {
    vm_table *t = inst->tables[D4];
    const vm_elem_seg *seg = &inst->module->elems[D5];
    uint32_t d = fp[D0].i32, s = fp[D1].i32, n = fp[D2].i32;
    uint32_t segsize = inst->dropped_elems[D5] ? 0 : seg->count;
    CHARGE_UNITS(cps_vm__bulk_cost((uint64_t)n * 8));
    if ((uint64_t)s + n > segsize || (uint64_t)d + n > t->size) TRAP("out of bounds table access");
    for (uint32_t k = 0; k < n; k++)
        t->elems[d + k] = cps_vm__eval_const(inst, &seg->items[s + k]).ref;
    pc += 4;
    NEXT();
}
L_ELEM_DROP:
    inst->dropped_elems[D0] = 1;
    pc += 2;
    NEXT();

    /* ---- memory ---- */
#define LOAD_(name, wasm, vt, nbytes)                                                              \
    L_##name:                                                                                      \
    {                                                                                              \
        uint64_t ea = (uint64_t)fp[D1].i32 + D2;                                                   \
        if (CPS_UNLIKELY(ea + (nbytes) > memsize)) TRAP("out of bounds memory access");            \
        LOADV_##name(fp[D0], mem + ea);                                                            \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
/* LOADV_<op>(slot, address): little-endian load with the op's width and extension. */
#define LDX_(T, W, dst, p)                                                                         \
    do {                                                                                           \
        T v_;                                                                                      \
        memcpy(&v_, (p), sizeof v_);                                                               \
        dst = (uint64_t)(W)v_;                                                                     \
    } while (0)
#define LOADV_I32_LOAD(s, p) LDX_(uint32_t, uint32_t, (s).i64, p)
#define LOADV_F32_LOAD(s, p) LDX_(uint32_t, uint32_t, (s).i64, p)
#define LOADV_I64_LOAD(s, p) LDX_(uint64_t, uint64_t, (s).i64, p)
#define LOADV_F64_LOAD(s, p) LDX_(uint64_t, uint64_t, (s).i64, p)
#define LOADV_I32_LOAD8_S(s, p) LDX_(int8_t, uint32_t, (s).i64, p)
#define LOADV_I32_LOAD8_U(s, p) LDX_(uint8_t, uint32_t, (s).i64, p)
#define LOADV_I32_LOAD16_S(s, p) LDX_(int16_t, uint32_t, (s).i64, p)
#define LOADV_I32_LOAD16_U(s, p) LDX_(uint16_t, uint32_t, (s).i64, p)
#define LOADV_I64_LOAD8_S(s, p) LDX_(int8_t, uint64_t, (s).i64, p)
#define LOADV_I64_LOAD8_U(s, p) LDX_(uint8_t, uint64_t, (s).i64, p)
#define LOADV_I64_LOAD16_S(s, p) LDX_(int16_t, uint64_t, (s).i64, p)
#define LOADV_I64_LOAD16_U(s, p) LDX_(uint16_t, uint64_t, (s).i64, p)
#define LOADV_I64_LOAD32_S(s, p) LDX_(int32_t, uint64_t, (s).i64, p)
#define LOADV_I64_LOAD32_U(s, p) LDX_(uint32_t, uint64_t, (s).i64, p)
    CPS_VM_LOADS(LOAD_)
#undef LOAD_
    /* [dst|x][y|off]: the address is the i32.add x + y (wrapping), then the offset */
#define LOADA_(name, wasm, vt, nbytes)                                                             \
    L_##name##_ADD:                                                                                \
    {                                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)(fp[D1].i32 + fp[D2].i32) + D3;                          \
        if (CPS_UNLIKELY(ea + (nbytes) > memsize)) TRAP("out of bounds memory access");            \
        LOADV_##name(fp[D0], mem + ea);                                                            \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
    CPS_VM_LOADS(LOADA_)
#undef LOADA_
#define STORE_(name, wasm, vt, nbytes)                                                             \
    L_##name:                                                                                      \
    {                                                                                              \
        uint64_t ea = (uint64_t)fp[D0].i32 + D2;                                                   \
        if (CPS_UNLIKELY(ea + (nbytes) > memsize)) TRAP("out of bounds memory access");            \
        uint64_t v_ = fp[D1].i64;                                                                  \
        memcpy(mem + ea, &v_, (nbytes));                                                           \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
    CPS_VM_STORES(STORE_)
#undef STORE_
    /* [x|y][val|off]: the address is the i32.add x + y (wrapping), then the offset */
#define STOREA_(name, wasm, vt, nbytes)                                                            \
    L_##name##_ADD:                                                                                \
    {                                                                                              \
        uint64_t ea = (uint64_t)(uint32_t)(fp[D0].i32 + fp[D1].i32) + D3;                          \
        if (CPS_UNLIKELY(ea + (nbytes) > memsize)) TRAP("out of bounds memory access");            \
        uint64_t v_ = fp[D2].i64;                                                                  \
        memcpy(mem + ea, &v_, (nbytes));                                                           \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
    CPS_VM_STORES(STOREA_)
#undef STOREA_
L_MEMORY_SIZE:
    PUT_U32(fp[D0], inst->memory->pages);
    pc += 2;
    NEXT();
L_MEMORY_GROW : {
    uint32_t delta = fp[D1].i32, old;
    CHARGE_UNITS(cps_vm__bulk_cost((uint64_t)delta * 1024));
    PUT_U32(fp[D0], cps_vm__memory_grow(inst->memory, delta, &old) == 0 ? old : UINT32_MAX);
    LOAD_MEM();
    pc += 2;
    NEXT();
}
L_MEMORY_FILL : {
    uint32_t d = fp[D0].i32, v = fp[D1].i32, n = fp[D2].i32;
    CHARGE_UNITS(cps_vm__bulk_cost(n));
    if ((uint64_t)d + n > memsize) TRAP("out of bounds memory access");
    memset(mem + d, (int)(uint8_t)v, n);
    pc += 3;
    NEXT();
}
L_MEMORY_COPY : {
    uint32_t d = fp[D0].i32, s = fp[D1].i32, n = fp[D2].i32;
    CHARGE_UNITS(cps_vm__bulk_cost(n));
    if ((uint64_t)d + n > memsize || (uint64_t)s + n > memsize) TRAP("out of bounds memory access");
    memmove(mem + d, mem + s, n);
    pc += 3;
    NEXT();
}
L_MEMORY_INIT : {
    const vm_data_seg *seg = &inst->module->datas[D3];
    uint32_t d = fp[D0].i32, s = fp[D1].i32, n = fp[D2].i32;
    uint32_t segsize = inst->dropped_datas[D3] ? 0 : seg->size;
    CHARGE_UNITS(cps_vm__bulk_cost(n));
    if ((uint64_t)s + n > segsize || (uint64_t)d + n > memsize) TRAP("out of bounds memory access");
    if (n) memcpy(mem + d, seg->bytes + s, n);
    pc += 3;
    NEXT();
}
L_DATA_DROP:
    inst->dropped_datas[D0] = 1;
    pc += 2;
    NEXT();

    /* ---- numeric ---- */
#define UN_(name, wasm, vin, vout, cin, cout, expr)                                                \
    L_##name:                                                                                      \
    {                                                                                              \
        CT_##cin a = fp[D1].AK_##cin;                                                              \
        PUT_##cout(fp[D0], (CT_##cout)(expr));                                                     \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
    CPS_VM_UNOPS(UN_)
#undef UN_
#define TR_(name, wasm, vin, vout, cin, cout, ctype, lo, hi)                                       \
    L_##name:                                                                                      \
    {                                                                                              \
        CT_##cin a = fp[D1].AK_##cin;                                                              \
        if (a != a) TRAP("invalid conversion to integer");                                         \
        if (!(a > (lo) && a < (hi))) TRAP("integer overflow");                                     \
        PUT_##cout(fp[D0], (CT_##cout)(ctype)a);                                                   \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    }
    CPS_VM_TRUNCOPS(TR_)
#undef TR_
#define BIN_(name, wasm, vin, vout, cin, cout, expr)                                               \
    L_##name:                                                                                      \
    {                                                                                              \
        CT_##cin a = fp[D1].AK_##cin, b = fp[D2].AK_##cin;                                         \
        PUT_##cout(fp[D0], (CT_##cout)(expr));                                                     \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
    CPS_VM_BINOPS(BIN_)
#undef BIN_
L_I32_DIV_S : {
    int32_t a = (int32_t)fp[D1].i32, b = (int32_t)fp[D2].i32;
    if (b == 0) TRAP("integer divide by zero");
    if (a == INT32_MIN && b == -1) TRAP("integer overflow");
    PUT_U32(fp[D0], a / b);
    pc += 3;
    NEXT();
}
L_I32_DIV_U : {
    uint32_t a = fp[D1].i32, b = fp[D2].i32;
    if (b == 0) TRAP("integer divide by zero");
    PUT_U32(fp[D0], a / b);
    pc += 3;
    NEXT();
}
L_I32_REM_S : {
    int32_t a = (int32_t)fp[D1].i32, b = (int32_t)fp[D2].i32;
    if (b == 0) TRAP("integer divide by zero");
    PUT_U32(fp[D0], b == -1 ? 0 : a % b);
    pc += 3;
    NEXT();
}
L_I32_REM_U : {
    uint32_t a = fp[D1].i32, b = fp[D2].i32;
    if (b == 0) TRAP("integer divide by zero");
    PUT_U32(fp[D0], a % b);
    pc += 3;
    NEXT();
}
L_I64_DIV_S : {
    int64_t a = (int64_t)fp[D1].i64, b = (int64_t)fp[D2].i64;
    if (b == 0) TRAP("integer divide by zero");
    if (a == INT64_MIN && b == -1) TRAP("integer overflow");
    fp[D0].i64 = (uint64_t)(a / b);
    pc += 3;
    NEXT();
}
L_I64_DIV_U : {
    uint64_t a = fp[D1].i64, b = fp[D2].i64;
    if (b == 0) TRAP("integer divide by zero");
    fp[D0].i64 = a / b;
    pc += 3;
    NEXT();
}
L_I64_REM_S : {
    int64_t a = (int64_t)fp[D1].i64, b = (int64_t)fp[D2].i64;
    if (b == 0) TRAP("integer divide by zero");
    fp[D0].i64 = b == -1 ? 0 : (uint64_t)(a % b);
    pc += 3;
    NEXT();
}
L_I64_REM_U : {
    uint64_t a = fp[D1].i64, b = fp[D2].i64;
    if (b == 0) TRAP("integer divide by zero");
    fp[D0].i64 = a % b;
    pc += 3;
    NEXT();
}

trapped:
    rc = cps_fail(CPS_ERR_TRAP, "%s", trap);
    goto out;
exhausted:
    rc = cps_fail(CPS_ERR_EXHAUSTION, "call stack exhausted (depth %td, limit %u calls / %u slots)",
                  fr - fr_base, entry_inst->limits.max_call_depth,
                  entry_inst->limits.max_stack_slots);
    goto out;
deadline:
    rc = cps_fail(CPS_ERR_DEADLINE, "deadline exceeded: %s",
                  rb.deadline_ns && rb.reserve + budget >= 0 ? "wall-clock limit reached"
                                                             : "instruction budget used up");
    budget = rb.reserve + budget < 0 ? -rb.reserve : budget;
    goto out;
done:
done_host:
    rc = 0;
out : {
    int64_t left = rb.reserve + budget;
    if (left < 0) left = 0;
    exec->used = initial - (uint64_t)left;
    return rc;
}
}

const void *const *cps_vm__handlers(void)
{
    const void *const *t = NULL;
    run(NULL, NULL, NULL, NULL, &t);
    return t;
}

int cps_vm__invoke(vm_func *f, cps_vm_slot *args, cps_vm_exec *exec)
{
    cps_vm_instance *inst = f->inst;
    if (!inst) {
        /* a host function called directly from the host */
        cps_vm_ctx ctx = {
            NULL, exec,
            (int64_t)(exec->budget > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : exec->budget)};
        int64_t before = ctx.budget;
        int rc = f->host(&ctx, f->host_user, args);
        exec->used = (uint64_t)(before - (ctx.budget < 0 ? 0 : ctx.budget));
        return rc;
    }
    if (inst->running) return cps_fail(CPS_ERR_STATE, "instance is already running a call");
    if (nesting >= MAX_NESTING)
        return cps_fail(CPS_ERR_EXHAUSTION, "call stack exhausted: host calls nested too deep");
    if (!inst->stack) {
        inst->stack = malloc((size_t)inst->limits.max_stack_slots * sizeof(cps_vm_slot));
        inst->frames = malloc(((size_t)inst->limits.max_call_depth + 1) * sizeof(vm_frame));
        if (!inst->stack || !inst->frames) {
            free(inst->stack);
            free(inst->frames);
            inst->stack = NULL;
            inst->frames = NULL;
            return cps_fail(CPS_ERR_NOMEM, "value stack of %u slots", inst->limits.max_stack_slots);
        }
    }
    uint32_t np = f->type->nparams, nr = f->type->nresults;
    uint32_t n = np > nr ? np : nr;
    if (n > inst->limits.max_stack_slots)
        return cps_fail(CPS_ERR_EXHAUSTION, "call stack exhausted: %u arguments", n);
    memcpy(inst->stack, args, np * sizeof(cps_vm_slot));
    inst->running = true;
    nesting++;
    int rc = run(inst, f, inst->stack, exec, NULL);
    nesting--;
    inst->running = false;
    if (rc == 0) memcpy(args, inst->stack, nr * sizeof(cps_vm_slot));
    return rc;
}
