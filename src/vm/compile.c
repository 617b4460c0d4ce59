/* vm: the validator and translator. One pass over each function body checks it against the
 * WebAssembly 2.0 typing rules and emits threaded code for exec.c.
 *
 * Translation: every value of a frame lives in an 8-byte slot. Slots [0, L) are the parameters
 * and locals, slots [L, L+H) are the operand stack (the value at stack height i lives in slot
 * L+i, its "canonical" slot) and slots after that hold the function's constants. Because the
 * stack height is known at every instruction, each operation names its operand and result slots
 * directly: `local.get a; local.get b; i32.add; local.set c` becomes one operation
 * `i32.add c <- a, b`. To get there, local.get and constants are pushed lazily (the stack entry
 * refers to the local's or the constant's slot) and copied to their canonical slot only when
 * needed (before control flow merges, or before the local is overwritten); a local.set right
 * after the operation that produced its value retargets that operation. Compare-and-branch pairs
 * fuse into one operation. Calls place the arguments in the canonical slots at the top of the
 * caller's stack, which become the callee's first slots.
 *
 * Metering: the costs (vm_cost.c) of the wasm instructions of a straight-line segment are added
 * to one CHARGE operation at the segment's start; a segment ends at every branch and every
 * branch target (loop headers included), so every loop iteration and every call charges. */
#include "vm/vm_decode.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { E_SLOT, E_LOCAL, E_CONST };

typedef struct ventry {
    uint8_t type; /* value type, or VM_TYPE_UNKNOWN in unreachable code */
    uint8_t kind; /* E_SLOT: in its canonical slot; E_LOCAL: lazily the local `ref`;
                     E_CONST: lazily the constant `ref` */
    uint32_t ref;
} ventry;

enum { C_FUNC, C_BLOCK, C_LOOP, C_IF, C_ELSE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;     /* validator: the rest of this frame is unreachable */
    bool entry_reachable; /* codegen: the frame was entered on a reachable path */
    bool branched_to;     /* some branch targets this label */
    bool cg_dead;         /* codegen: the rest of this frame is unreachable (no code emitted),
                             e.g. after a block that nothing leaves */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint8_t single;    /* storage for a one-result block type */
    bool is_single;    /* results points at `single` (re-pointed whenever frames move) */
    uint32_t height;   /* stack height below the parameters */
    size_t loop_pc;    /* LOOP: the branch target */
    size_t else_site;  /* IF: the conditional jump to patch at else/end (0: none) */
    size_t patch_head; /* pending forward branches to this label: index + 1 into the patch
                          list (0: none), chained through patch.next */
} ctrl;

typedef struct patch {
    size_t next;  /* the frame's previous pending branch, index + 1 (0: none) */
    size_t op;    /* start of the branching operation */
    size_t cell;  /* cell holding the offset */
    uint8_t half; /* which 32-bit half */
} patch;

struct vm_compiler {
    cps_vm_module *m;
    const void *const *handlers;
    vm_rd r;
    size_t op_pos; /* offset of the current instruction in the body */
    char what[64];
    /* output */
    vm_cell *code;
    size_t ncode, capcode;
    /* current function */
    const vm_functype *ftype;
    uint8_t *local_types;
    uint32_t nlocals_total, caplocals;
    ventry *stack;
    uint32_t height, capstack, max_height;
    /* Positions of the E_LOCAL entries, ascending. Bounded, so that every scan for lazy locals
     * is short whatever the module: past the bound, local.get copies at once. */
    uint32_t lazy[64];
    uint32_t nlazy;
    ctrl *ctrls;
    uint32_t nctrl, capctrl;
    patch *patches;
    size_t npatch, cappatch;
    /* br_table: per label depth, the epoch it was last seen in and where its stub is, so each
     * distinct label is checked and given a stub once however many entries name it */
    uint32_t *bt_stamp;
    size_t *bt_where;
    uint32_t bt_cap, bt_epoch;
    /* translated code allowed for the current function (cells), against blow-up by huge
     * br_table payloads and the like */
    size_t func_entry, func_code_limit;
    uint32_t const_reserve; /* constants of the function (known from the first pass) */
    cps_vm_slot *consts;
    uint32_t nconsts, capconsts;
    /* peepholes */
    bool have_last_dst;   /* the last operation wrote the canonical slot of the stack top */
    size_t last_dst_cell; /* its dst field is cells[last_dst_cell].u[0] */
    uint32_t last_dst_pos;
    bool have_last_cmp; /* the last operation is an i32 comparison into the stack top */
    size_t last_cmp_op;
    int last_cmp_kind;  /* index in CPS_VM_CMPBR order, or -1 for eqz */
    bool cmp_after_add; /* that comparison directly follows an i32.add at cmp_add_op */
    size_t cmp_add_op;
    bool last_is_add; /* the last operation is an i32.add at last_add_op whose result was
                         at stack position last_add_pos */
    size_t last_add_op;
    uint32_t last_add_pos;
    /* metering */
    bool seg_open;
    size_t seg_charge; /* cell of the open segment's CHARGE amount */
    /* EOSIO's max_func_local_bytes, counted as eos-vm's parser counts it: the locals' bytes,
     * plus each value pushed while `lb_unreachable` is 0, less each value popped then. Entering
     * unreachable code (unreachable, br, br_table, return) adds one to `lb_unreachable` without
     * uncounting the values it discards; the end (or else) of a frame in unreachable code takes
     * one off. So a frame made unreachable twice leaves counting off for the rest of the
     * function — eos-vm's behaviour, which decides what a chain accepts. */
    uint64_t lb_bytes;
    uint32_t lb_unreachable;
};

/* ---- small helpers ----------------------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return cps_fail(CPS_ERR_NOMEM, "translator buffer of %zu entries", n);
    *p = q;
    *cap = n;
    return 0;
}

static int grow32(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    size_t c = *cap;
    int rc = grow(p, &c, need, elem);
    if (c > UINT32_MAX) c = UINT32_MAX;
    *cap = (uint32_t)c;
    return rc;
}

/* Errors of an instruction name the offset of its opcode. */
#define FAIL(code, ...) op_fail(c, code, __VA_ARGS__)
#define INVALID(...) FAIL(CPS_ERR_WASM_INVALID, __VA_ARGS__)
#define MALFORMED(...) FAIL(CPS_ERR_WASM_MALFORMED, __VA_ARGS__)
#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_) return rc_;                                                                       \
    } while (0)

static int op_fail(vm_compiler *c, int code, const char *fmt, ...) CPS_PRINTF(3, 4);
static int op_fail(vm_compiler *c, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cps_fail(code, "%s, offset 0x%zx: %s", c->r.what, c->r.base + c->op_pos, msg);
}

static const char *tn(uint8_t t)
{
    return t == VM_TYPE_UNKNOWN ? "any" : cps_vm__type_name(t);
}

static bool is_num(uint8_t t)
{
    return t == CPS_VM_I32 || t == CPS_VM_I64 || t == CPS_VM_F32 || t == CPS_VM_F64;
}

static bool is_ref(uint8_t t)
{
    return t == CPS_VM_FUNCREF || t == CPS_VM_EXTERNREF;
}

static ctrl *top_ctrl(vm_compiler *c)
{
    return &c->ctrls[c->nctrl - 1];
}

/* Code is emitted only on reachable paths: in unreachable code only validation runs. */
static bool dead(vm_compiler *c)
{
    ctrl *f = top_ctrl(c);
    return f->unreachable || f->cg_dead || !f->entry_reachable;
}

static uint32_t canon(vm_compiler *c, uint32_t pos)
{
    return c->nlocals_total + c->const_reserve + pos;
}

/* ---- emission ---------------------------------------------------------------------------- */

static int emit(vm_compiler *c, enum vm_op op, unsigned ncells, size_t *at)
{
    if (c->ncode + ncells - c->func_entry > c->func_code_limit)
        return FAIL(CPS_ERR_LIMIT, "translated code of the function over %zu cells",
                    c->func_code_limit);
    TRY(grow((void **)&c->code, &c->capcode, c->ncode + ncells, sizeof(vm_cell)));
    size_t p = c->ncode;
    memset(&c->code[p], 0, ncells * sizeof(vm_cell));
    c->code[p].h = c->handlers[op];
    c->ncode += ncells;
    c->have_last_dst = false;
    c->have_last_cmp = false;
    c->last_is_add = false;
    *at = p;
    return 0;
}

/* The slot an entry is read from; constants are marked and patched once the frame size is known. */
static int set_src(vm_compiler *c, size_t cell, int half, const ventry *e)
{
    uint32_t v;
    switch (e->kind) {
    case E_LOCAL:
        v = e->ref;
        break;
    case E_CONST:
        v = c->nlocals_total + e->ref;
        break;
    default:
        v = UINT32_MAX;
        break; /* set by the caller for E_SLOT (needs the position) */
    }
    c->code[cell].u[half] = v;
    return 0;
}

static int emit_mov(vm_compiler *c, uint32_t dst, const ventry *e, uint32_t src_pos)
{
    size_t at;
    if (e->kind == E_SLOT && canon(c, src_pos) == dst) return 0;
    if (e->kind == E_LOCAL && e->ref == dst) return 0;
    TRY(emit(c, OP_MOV, 2, &at));
    c->code[at + 1].u[0] = dst;
    if (e->kind == E_SLOT)
        c->code[at + 1].u[1] = canon(c, src_pos);
    else
        TRY(set_src(c, at + 1, 1, e));
    return 0;
}

static void lazy_forget(vm_compiler *c, uint32_t pos)
{
    for (uint32_t i = c->nlazy; i-- > 0;)
        if (c->lazy[i] == pos) {
            memmove(&c->lazy[i], &c->lazy[i + 1], (c->nlazy - i - 1) * sizeof c->lazy[0]);
            c->nlazy--;
            return;
        }
}

/* Copies a lazy entry to its canonical slot. */
static int materialize(vm_compiler *c, uint32_t pos)
{
    ventry *e = &c->stack[pos];
    if (e->kind == E_SLOT) return 0;
    TRY(emit_mov(c, canon(c, pos), e, pos));
    if (e->kind == E_LOCAL) lazy_forget(c, pos);
    e->kind = E_SLOT;
    return 0;
}

/* Copies every lazy local at position >= from to its canonical slot. */
static int materialize_locals(vm_compiler *c, uint32_t from)
{
    while (c->nlazy > 0 && c->lazy[c->nlazy - 1] >= from)
        TRY(materialize(c, c->lazy[c->nlazy - 1]));
    return 0;
}

/* Drops the stack to height h. */
static void truncate_stack(vm_compiler *c, uint32_t h)
{
    while (c->nlazy > 0 && c->lazy[c->nlazy - 1] >= h)
        c->nlazy--;
    c->height = h;
}

/* Metering: adds the cost of one wasm instruction to the open segment, opening one if needed. */
static int charge(vm_compiler *c, uint32_t opcode)
{
    if (dead(c)) return 0;
    uint32_t cost = cps_vm__cost(opcode);
    if (!cost) return 0;
    if (!c->seg_open) {
        size_t at;
        /* a CHARGE opens a segment only after a boundary, where the peepholes are off anyway */
        TRY(emit(c, OP_CHARGE, 2, &at));
        c->seg_open = true;
        c->seg_charge = at + 1;
    }
    c->code[c->seg_charge].u[0] += cost;
    return 0;
}

/* Ends every peephole: nothing emitted before this point may be fused with what follows (a
 * branch target may lie here). */
static void barrier(vm_compiler *c)
{
    c->have_last_dst = false;
    c->have_last_cmp = false;
    c->last_is_add = false;
}

static void boundary(vm_compiler *c)
{
    c->seg_open = false;
    barrier(c);
}

/* ---- the validator's stack --------------------------------------------------------------- */

/* eos-vm's byte size of a value type for max_func_local_bytes. */
static unsigned lb_size(uint8_t type)
{
    if (type == CPS_VM_I64 || type == CPS_VM_F64) return 8;
    if (type == CPS_VM_I32 || type == CPS_VM_F32) return 4;
    return 0;
}

static int lb_push(vm_compiler *c, uint8_t type)
{
    if (c->lb_unreachable) return 0;
    c->lb_bytes += lb_size(type);
    if (c->lb_bytes > c->m->limits.max_func_local_bytes)
        return FAIL(CPS_ERR_LIMIT,
                    "local variable limit exceeded: locals and operand stack reach %llu bytes, "
                    "max_func_local_bytes %u",
                    (unsigned long long)c->lb_bytes, c->m->limits.max_func_local_bytes);
    return 0;
}

static void lb_pop(vm_compiler *c, uint8_t type)
{
    if (c->lb_unreachable) return;
    unsigned n = lb_size(type);
    c->lb_bytes = c->lb_bytes >= n ? c->lb_bytes - n : 0;
}

/* Uncounts the values [h, height) about to be dropped from the stack (a pop in eos-vm). */
static void lb_drop(vm_compiler *c, uint32_t h)
{
    for (uint32_t i = h; i < c->height; i++)
        lb_pop(c, c->stack[i].type);
}

static int push(vm_compiler *c, uint8_t type, uint8_t kind, uint32_t ref)
{
    TRY(lb_push(c, type));
    if (c->height == UINT32_MAX - c->nlocals_total - 1) return INVALID("operand stack too deep");
    TRY(grow32((void **)&c->stack, &c->capstack, c->height + 1, sizeof(ventry)));
    if (kind == E_LOCAL) {
        if (c->nlazy == CPS_ARRAY_LEN(c->lazy)) {
            ventry e = {type, E_LOCAL, ref};
            TRY(emit_mov(c, canon(c, c->height), &e, c->height));
            kind = E_SLOT;
        } else {
            c->lazy[c->nlazy++] = c->height;
        }
    }
    c->stack[c->height].type = type;
    c->stack[c->height].kind = kind;
    c->stack[c->height].ref = ref;
    c->height++;
    if (c->height > c->max_height) {
        c->max_height = c->height;
        if ((uint64_t)c->nlocals_total + c->max_height > c->m->limits.max_stack_slots)
            return FAIL(CPS_ERR_LIMIT, "frame needs more than %u slots",
                        c->m->limits.max_stack_slots);
    }
    return 0;
}

static int push_slot(vm_compiler *c, uint8_t type)
{
    return push(c, type, E_SLOT, 0);
}

/* Pops a value of type `want` (VM_TYPE_UNKNOWN: any). In unreachable code the stack is
 * polymorphic: popping below the frame's height yields an unknown value. */
static int pop(vm_compiler *c, uint8_t want, ventry *out)
{
    ctrl *f = top_ctrl(c);
    if (c->height == f->height) {
        if (f->unreachable) {
            out->type = VM_TYPE_UNKNOWN;
            out->kind = E_SLOT;
            out->ref = 0;
            return 0;
        }
        return INVALID("type mismatch: expected %s but the stack is empty", tn(want));
    }
    ventry e = c->stack[--c->height];
    if (e.kind == E_LOCAL) lazy_forget(c, c->height);
    lb_pop(c, e.type);
    if (want != VM_TYPE_UNKNOWN && e.type != VM_TYPE_UNKNOWN && e.type != want)
        return INVALID("type mismatch: expected %s, got %s", tn(want), tn(e.type));
    *out = e;
    return 0;
}

static int pop_types(vm_compiler *c, const uint8_t *types, uint32_t n)
{
    ventry e;
    for (uint32_t i = n; i-- > 0;)
        TRY(pop(c, types[i], &e));
    return 0;
}

/* Checks the top n values against `types` without popping them. */
static int check_top(vm_compiler *c, const uint8_t *types, uint32_t n)
{
    ctrl *f = top_ctrl(c);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t depth = n - i; /* 1 = top */
        if (c->height - f->height < depth) {
            if (f->unreachable) continue;
            return INVALID("type mismatch: expected %u values, the stack has %u", n,
                           c->height - f->height);
        }
        uint8_t t = c->stack[c->height - depth].type;
        if (t != VM_TYPE_UNKNOWN && t != types[i])
            return INVALID("type mismatch: expected %s, got %s", tn(types[i]), tn(t));
    }
    return 0;
}

static void label_types(ctrl *f, const uint8_t **types, uint32_t *n)
{
    if (f->kind == C_LOOP) {
        *types = f->params;
        *n = f->nparams;
    } else {
        *types = f->results;
        *n = f->nresults;
    }
}

/* ---- reading immediates ------------------------------------------------------------------ */

static int rd_index(vm_compiler *c, uint32_t *v)
{
    return cps_vm__rd_u32(&c->r, v);
}

static int rd_zero(vm_compiler *c)
{
    uint8_t b;
    TRY(cps_vm__rd_u8(&c->r, &b));
    if (b != 0) return MALFORMED("zero byte expected");
    return 0;
}

static int rd_blocktype(vm_compiler *c, ctrl *f)
{
    if (c->r.pos >= c->r.size) return MALFORMED("unexpected end");
    uint8_t b = c->r.data[c->r.pos];
    if (b == 0x40) {
        c->r.pos++;
        f->nparams = f->nresults = 0;
        f->params = f->results = NULL;
        return 0;
    }
    if (cps_vm__is_valtype(b)) {
        c->r.pos++;
        f->single = b;
        f->is_single = true;
        f->nparams = 0;
        f->params = NULL;
        f->nresults = 1;
        f->results = &f->single;
        return 0;
    }
    int64_t idx;
    TRY(cps_vm__rd_s33(&c->r, &idx));
    if (idx < 0) return MALFORMED("malformed block type");
    if ((uint64_t)idx >= c->m->ntypes) return INVALID("unknown type %lld", (long long)idx);
    const vm_functype *t = &c->m->types[idx];
    f->nparams = t->nparams;
    f->params = t->params;
    f->nresults = t->nresults;
    f->results = t->results;
    return 0;
}

static int rd_memarg(vm_compiler *c, uint32_t natural_log2, uint32_t *offset)
{
    uint32_t align;
    TRY(cps_vm__rd_u32(&c->r, &align));
    TRY(cps_vm__rd_u32(&c->r, offset));
    if (c->m->nmemories == 0) return INVALID("unknown memory 0");
    if (align > natural_log2) return INVALID("alignment must not be larger than natural");
    return 0;
}

/* ---- control frames ---------------------------------------------------------------------- */

static int push_ctrl(vm_compiler *c, ctrl *f)
{
    if (c->nctrl >= c->m->limits.max_block_depth)
        return FAIL(CPS_ERR_LIMIT, "blocks nested deeper than %u", c->m->limits.max_block_depth);
    ctrl *old = c->ctrls;
    TRY(grow32((void **)&c->ctrls, &c->capctrl, c->nctrl + 1, sizeof(ctrl)));
    f->patch_head = 0;
    c->ctrls[c->nctrl++] = *f;
    if (c->ctrls != old) /* the frames moved: re-point their inline result types */
        for (uint32_t i = 0; i < c->nctrl; i++)
            if (c->ctrls[i].is_single) c->ctrls[i].results = &c->ctrls[i].single;
    ctrl *nf = &c->ctrls[c->nctrl - 1];
    if (nf->is_single) nf->results = &nf->single;
    return 0;
}

static int add_patch(vm_compiler *c, uint32_t target, size_t op, size_t cell, int half)
{
    TRY(grow((void **)&c->patches, &c->cappatch, c->npatch + 1, sizeof(patch)));
    ctrl *f = &c->ctrls[target];
    c->patches[c->npatch] = (patch){f->patch_head, op, cell, (uint8_t)half};
    f->patch_head = ++c->npatch;
    return 0;
}

/* Points every pending branch to frame `k` at the current position. */
static void resolve_patches(vm_compiler *c, uint32_t k)
{
    ctrl *f = &c->ctrls[k];
    for (size_t i = f->patch_head; i != 0; i = c->patches[i - 1].next) {
        patch *p = &c->patches[i - 1];
        c->code[p->cell].s[p->half] = (int32_t)((int64_t)c->ncode - (int64_t)p->op);
    }
    f->patch_head = 0;
}

/* Sets a branch offset field of the operation at `op` to label depth `depth`. `cost_cell` (0:
 * none) is the cell whose second half can hold a charge: a loop's back-edge with one charges
 * the loop's first segment itself and jumps past the CHARGE at the loop header, which then runs
 * only when the loop is entered from above — one dispatch less per iteration, same total. */
static int branch_to(vm_compiler *c, uint32_t depth, size_t op, size_t cell, int half,
                     size_t cost_cell)
{
    uint32_t k = c->nctrl - 1 - depth;
    ctrl *f = &c->ctrls[k];
    f->branched_to = true;
    if (f->kind == C_LOOP) {
        size_t target = f->loop_pc;
        if (cost_cell && f->loop_pc + 2 <= c->ncode &&
            c->code[f->loop_pc].h == c->handlers[OP_CHARGE]) {
            c->code[cost_cell].u[1] = c->code[f->loop_pc + 1].u[0];
            target = f->loop_pc + 2;
        }
        c->code[cell].s[half] = (int32_t)((int64_t)target - (int64_t)op);
        return 0;
    }
    return add_patch(c, k, op, cell, half);
}

/* Whether branching to label `depth` with the top n values needs copies. */
static bool branch_needs_moves(vm_compiler *c, uint32_t depth)
{
    ctrl *f = &c->ctrls[c->nctrl - 1 - depth];
    const uint8_t *types;
    uint32_t n;
    label_types(f, &types, &n);
    if (f->kind == C_FUNC) return true; /* returns go through RETURN */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = c->height - n + i;
        if (c->stack[pos].kind != E_SLOT || pos != f->height + i) return true;
    }
    return false;
}

/* Copies the top n values to the label's slots (a branch's payload). */
static int branch_moves(vm_compiler *c, uint32_t depth)
{
    ctrl *f = &c->ctrls[c->nctrl - 1 - depth];
    const uint8_t *types;
    uint32_t n;
    label_types(f, &types, &n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = c->height - n + i;
        TRY(emit_mov(c, canon(c, f->height + i), &c->stack[pos], pos));
    }
    return 0;
}

/* Moves the function's results to slots [0, n) and returns. Leaves the compile-time stack as it
 * is (a br_table emits several of these in a row, each on its own path). */
static int emit_return(vm_compiler *c)
{
    uint32_t n = c->ftype->nresults;
    size_t at;
    if (n == 1 && c->have_last_dst && c->last_dst_pos == c->height - 1 &&
        c->stack[c->height - 1].kind == E_SLOT) {
        /* the operation that made the result writes it where the caller wants it */
        c->code[c->last_dst_cell].u[0] = 0;
        return emit(c, OP_RETURN, 1, &at);
    }
    if (n == 1) {
        const ventry *e = &c->stack[c->height - 1];
        uint32_t src = e->kind == E_SLOT    ? canon(c, c->height - 1)
                       : e->kind == E_LOCAL ? e->ref
                                            : c->nlocals_total + e->ref;
        if (src == 0) return emit(c, OP_RETURN, 1, &at);
        TRY(emit(c, OP_RETURN_VAL, 2, &at));
        c->code[at + 1].u[0] = src;
        return 0;
    }
    /* A lazy result whose slot lies in [0, n) could be overwritten by an earlier move: copy it to
     * its canonical slot first (those lie above every destination). */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = c->height - n + i;
        const ventry *e = &c->stack[pos];
        uint32_t src = e->kind == E_LOCAL ? e->ref : c->nlocals_total + e->ref;
        if (e->kind != E_SLOT && src < n) TRY(emit_mov(c, canon(c, pos), e, pos));
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = c->height - n + i;
        const ventry *e = &c->stack[pos];
        uint32_t src = e->kind == E_SLOT    ? canon(c, pos)
                       : e->kind == E_LOCAL ? e->ref
                                            : c->nlocals_total + e->ref;
        if (e->kind != E_SLOT && src < n) src = canon(c, pos);
        if (src == i) continue;
        TRY(emit(c, OP_MOV, 2, &at));
        c->code[at + 1].u[0] = i;
        c->code[at + 1].u[1] = src;
    }
    return emit(c, OP_RETURN, 1, &at);
}

/* An unconditional branch to label `depth` with its payload on the stack. */
static int emit_br(vm_compiler *c, uint32_t depth)
{
    ctrl *f = &c->ctrls[c->nctrl - 1 - depth];
    if (f->kind == C_FUNC) return emit_return(c);
    TRY(branch_moves(c, depth));
    size_t at;
    TRY(emit(c, OP_BR, 2, &at));
    return branch_to(c, depth, at, at + 1, 0, at + 1);
}

static void set_unreachable(vm_compiler *c)
{
    ctrl *f = top_ctrl(c);
    truncate_stack(c, f->height); /* not uncounted from lb_bytes: see vm_compiler */
    f->unreachable = true;
    c->lb_unreachable++;
    boundary(c);
}

/* ---- instruction groups ------------------------------------------------------------------ */

/* The numeric instructions by wasm opcode (0xfc-prefixed ones in fcops), filled once from the
 * lists in vm_ops.h: operand and result types, arity and the internal operation. */
struct numop {
    uint8_t in, out, binary;
    uint16_t op;
};

static struct numop numops[0x100];
static struct numop fcops[8];

static void init_numops(void)
{
#define U_(name, wasm, vin, vout, cin, cout, expr)                                                 \
    if ((wasm) < 0x100)                                                                            \
        numops[(wasm)] = (struct numop){CPS_VM_##vin, CPS_VM_##vout, 0, OP_##name};                \
    else                                                                                           \
        fcops[(wasm)&0xff] = (struct numop){CPS_VM_##vin, CPS_VM_##vout, 0, OP_##name};
    CPS_VM_UNOPS(U_)
#undef U_
#define T_(name, wasm, vin, vout, cin, cout, ctype, lo, hi)                                        \
    numops[(wasm)] = (struct numop){CPS_VM_##vin, CPS_VM_##vout, 0, OP_##name};
    CPS_VM_TRUNCOPS(T_)
#undef T_
#define B_(name, wasm, vin, vout, cin, cout, expr)                                                 \
    numops[(wasm)] = (struct numop){CPS_VM_##vin, CPS_VM_##vout, 1, OP_##name};
    CPS_VM_BINOPS(B_)
#undef B_
#define D_(name, wasm, t) numops[(wasm)] = (struct numop){CPS_VM_##t, CPS_VM_##t, 1, OP_##name};
    CPS_VM_DIVOPS(D_)
#undef D_
}

static int emit_unop(vm_compiler *c, const struct numop *n)
{
    ventry a;
    TRY(pop(c, n->in, &a));
    uint32_t pos = c->height;
    if (!dead(c)) {
        size_t at;
        TRY(emit(c, (enum vm_op)n->op, 2, &at));
        c->code[at + 1].u[0] = canon(c, pos);
        if (a.kind == E_SLOT)
            c->code[at + 1].u[1] = canon(c, pos);
        else
            TRY(set_src(c, at + 1, 1, &a));
        TRY(push_slot(c, n->out));
        c->have_last_dst = true;
        c->last_dst_cell = at + 1;
        c->last_dst_pos = pos;
        if (n->op == OP_I32_EQZ) {
            c->have_last_cmp = true;
            c->last_cmp_op = at;
            c->last_cmp_kind = -1;
        }
        return 0;
    }
    return push_slot(c, n->out);
}

static int cmp_kind(uint16_t op)
{
    static const uint16_t ops[] = {OP_I32_EQ,   OP_I32_NE,   OP_I32_LT_S, OP_I32_LT_U, OP_I32_GT_S,
                                   OP_I32_GT_U, OP_I32_LE_S, OP_I32_LE_U, OP_I32_GE_S, OP_I32_GE_U};
    for (int i = 0; i < 10; i++)
        if (ops[i] == op) return i;
    return -2;
}

static int emit_binop(vm_compiler *c, const struct numop *n)
{
    ventry a, b;
    TRY(pop(c, n->in, &b));
    TRY(pop(c, n->in, &a));
    uint32_t pos = c->height;
    if (!dead(c)) {
        size_t at;
        bool after_add = c->last_is_add;
        size_t add_op = c->last_add_op;
        TRY(emit(c, (enum vm_op)n->op, 3, &at));
        c->code[at + 1].u[0] = canon(c, pos);
        if (a.kind == E_SLOT)
            c->code[at + 1].u[1] = canon(c, pos);
        else
            TRY(set_src(c, at + 1, 1, &a));
        if (b.kind == E_SLOT)
            c->code[at + 2].u[0] = canon(c, pos + 1);
        else
            TRY(set_src(c, at + 2, 0, &b));
        TRY(push_slot(c, n->out));
        c->have_last_dst = true;
        c->last_dst_cell = at + 1;
        c->last_dst_pos = pos;
        int k = cmp_kind(n->op);
        if (k >= 0) {
            c->have_last_cmp = true;
            c->last_cmp_op = at;
            c->last_cmp_kind = k;
            c->cmp_after_add = after_add && add_op + 3 == at;
            c->cmp_add_op = add_op;
        }
        if (n->op == OP_I32_ADD) {
            c->last_is_add = true;
            c->last_add_op = at;
            c->last_add_pos = pos;
        }
        return 0;
    }
    return push_slot(c, n->out);
}

/* The fused compare-and-branch operations, in CPS_VM_CMPBR order, and each one's negation. */
static const int cmp_negate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

static enum vm_op cmpbr_op(int k)
{
    static const enum vm_op ops[10] = {
#define CB_(n, e) OP_BR_IF_##n,
        CPS_VM_CMPBR(CB_)
#undef CB_
    };
    return ops[k];
}

/* Emits "jump to label/site if cond (or if !cond)". The condition was just popped; if it came
 * from the immediately preceding comparison, the comparison is rewritten into a fused branch.
 * Returns the operation start and its offset field in *op, *cell, *half. */
static int emit_cond_jump(vm_compiler *c, const ventry *cond, uint32_t cond_pos, bool negate,
                          size_t *op, size_t *cell, int *half, size_t *cost_cell)
{
    *cost_cell = 0;
    if (c->have_last_cmp && cond->kind == E_SLOT && c->last_dst_pos == cond_pos &&
        c->last_cmp_op + (c->last_cmp_kind < 0 ? 2 : 3) == c->ncode) {
        size_t at = c->last_cmp_op;
        if (c->last_cmp_kind < 0) {
            /* eqz: branch if a == 0, i.e. BR_UNLESS a; negated: BR_IF a */
            c->code[at].h = c->handlers[negate ? OP_BR_IF : OP_BR_UNLESS];
            c->code[at + 1].u[0] = c->code[at + 1].u[1];
            c->code[at + 1].u[1] = 0;
            barrier(c);
            *op = at;
            *cell = at + 1;
            *half = 1;
            return 0;
        }
        int k = negate ? cmp_negate[c->last_cmp_kind] : c->last_cmp_kind;
        size_t add = c->cmp_add_op;
        if (c->cmp_after_add && c->code[at + 1].u[1] == c->code[add + 1].u[0]) {
            /* i32.add into x, then compare x: one operation [dst|x][y|b][off|cost] */
            uint32_t b = c->code[at + 2].u[0];
            c->code[add].h = c->handlers[OP_ADD_BR_IF_EQ + k];
            c->code[add + 2].u[1] = b;
            c->code[add + 3].u64 = 0;
            c->ncode = add + 4;
            barrier(c);
            *op = add;
            *cell = add + 3;
            *half = 0;
            *cost_cell = add + 3;
            return 0;
        }
        c->code[at].h = c->handlers[cmpbr_op(k)];
        c->code[at + 1].u[0] = c->code[at + 1].u[1];
        c->code[at + 1].u[1] = c->code[at + 2].u[0];
        c->code[at + 2].u[0] = 0;
        barrier(c);
        *op = at;
        *cell = at + 2;
        *half = 0;
        *cost_cell = at + 2;
        return 0;
    }
    size_t at;
    TRY(emit(c, negate ? OP_BR_UNLESS : OP_BR_IF, 2, &at));
    if (cond->kind == E_SLOT)
        c->code[at + 1].u[0] = canon(c, cond_pos);
    else
        TRY(set_src(c, at + 1, 0, cond));
    *op = at;
    *cell = at + 1;
    *half = 1;
    return 0;
}

/* local.set / local.tee of local x with the value `v` that was at stack position pos. */
static int assign_local(vm_compiler *c, uint32_t x, const ventry *v, uint32_t pos)
{
    bool others = false;
    for (uint32_t i = 0; i < c->nlazy; i++)
        if (c->lazy[i] != pos && c->stack[c->lazy[i]].ref == x) others = true;
    if (v->kind == E_SLOT && c->have_last_dst && c->last_dst_pos == pos && !others) {
        c->code[c->last_dst_cell].u[0] = x; /* the producer writes the local directly */
        c->have_last_dst = false;
        c->have_last_cmp = false;
        return 0;
    }
    /* earlier reads of x still pending on the stack must see the old value */
    for (uint32_t i = c->nlazy; others && i-- > 0;) {
        if (i >= c->nlazy) continue;
        uint32_t p = c->lazy[i];
        if (p != pos && c->stack[p].ref == x) TRY(materialize(c, p));
    }
    if (v->kind == E_LOCAL && v->ref == x) return 0;
    return emit_mov(c, x, v, pos);
}

static uint32_t add_const(vm_compiler *c, uint64_t bits, int *err)
{
    uint32_t lo = c->nconsts > 32 ? c->nconsts - 32 : 0;
    for (uint32_t i = c->nconsts; i-- > lo;)
        if (c->consts[i].i64 == bits) return i;
    if (grow32((void **)&c->consts, &c->capconsts, c->nconsts + 1, sizeof(cps_vm_slot))) {
        *err = CPS_ERR_NOMEM;
        return 0;
    }
    c->consts[c->nconsts].i64 = bits;
    return c->nconsts++;
}

static int push_const(vm_compiler *c, uint8_t type, uint64_t bits)
{
    if (dead(c)) return push_slot(c, type);
    int err = 0;
    uint32_t k = add_const(c, bits, &err);
    if (err) return cps_fail(err, "constant pool");
    return push(c, type, E_CONST, k);
}

static int check_table(vm_compiler *c, uint32_t t)
{
    if (t >= c->m->ntables) return INVALID("unknown table %u", t);
    return 0;
}

static int check_elem(vm_compiler *c, uint32_t e)
{
    if (e >= c->m->nelems) return INVALID("unknown elem segment %u", e);
    return 0;
}

static int check_data(vm_compiler *c, uint32_t d)
{
    if (!c->m->has_datacount) return MALFORMED("data count section required");
    if (d >= c->m->datacount) return INVALID("unknown data segment %u", d);
    return 0;
}

/* Emits an operation with up to 6 operands given as stack positions (reads) or raw values.
 * `srcs` are popped entries with their former positions. */
typedef struct operand {
    bool is_entry;
    ventry e;
    uint32_t pos;
    uint32_t raw;
} operand;

static operand OPE(ventry e, uint32_t pos)
{
    operand o = {true, e, pos, 0};
    return o;
}

static operand OPR(uint32_t raw)
{
    operand o;
    memset(&o, 0, sizeof o);
    o.raw = raw;
    return o;
}

static int emit_generic(vm_compiler *c, enum vm_op op, const operand *ops, unsigned nops,
                        size_t *at_out)
{
    unsigned ncells = 1 + (nops + 1) / 2;
    size_t at;
    TRY(emit(c, op, ncells, &at));
    for (unsigned i = 0; i < nops; i++) {
        size_t cell = at + 1 + i / 2;
        int half = (int)(i % 2);
        if (!ops[i].is_entry) {
            c->code[cell].u[half] = ops[i].raw;
        } else if (ops[i].e.kind == E_SLOT) {
            c->code[cell].u[half] = canon(c, ops[i].pos);
        } else {
            TRY(set_src(c, cell, half, &ops[i].e));
        }
    }
    if (at_out) *at_out = at;
    return 0;
}

/* If the address at stack position `pos` is the result of the i32.add emitted just before,
 * removes that add and returns its operands: the load or store computes the sum itself. */
static bool take_address_add(vm_compiler *c, const ventry *addr, uint32_t pos, uint32_t *x,
                             uint32_t *y)
{
    if (!c->last_is_add || addr->kind != E_SLOT || c->last_add_pos != pos ||
        c->last_add_op + 3 != c->ncode || c->code[c->last_add_op + 1].u[0] != canon(c, pos))
        return false;
    *x = c->code[c->last_add_op + 1].u[1];
    *y = c->code[c->last_add_op + 2].u[0];
    c->ncode = c->last_add_op;
    barrier(c);
    return true;
}

/* ---- the body ---------------------------------------------------------------------------- */

static int compile_body(vm_compiler *c)
{
    vm_rd *r = &c->r;
    cps_vm_module *m = c->m;
    for (;;) {
        if (c->nctrl == 0) {
            if (r->pos != r->size) return MALFORMED("section size mismatch: code after the end");
            return 0;
        }
        uint8_t opc;
        c->op_pos = r->pos;
        if (r->pos >= r->size) return MALFORMED("unexpected end of section or function");
        opc = r->data[r->pos++];
        uint32_t opcode = opc;
        if (opc == 0xfc) {
            uint32_t sub;
            TRY(cps_vm__rd_u32(r, &sub));
            if (sub > 17) return MALFORMED("illegal opcode 0xfc %u", sub);
            opcode = 0xfc00 | sub;
        }
        TRY(charge(c, opcode));
        ventry a, b, cnd;
        size_t at;
        switch (opcode) {
        case 0x00: /* unreachable */
            if (!dead(c)) TRY(emit(c, OP_UNREACHABLE, 1, &at));
            set_unreachable(c);
            break;
        case 0x01:
            break;
        case 0x02:   /* block */
        case 0x03:   /* loop */
        case 0x04: { /* if */
            ctrl f;
            memset(&f, 0, sizeof f);
            f.kind = opc == 0x02 ? C_BLOCK : opc == 0x03 ? C_LOOP : C_IF;
            TRY(rd_blocktype(c, &f));
            uint32_t cond_pos = 0;
            if (f.kind == C_IF) {
                TRY(pop(c, CPS_VM_I32, &cnd));
                cond_pos = c->height;
            }
            f.entry_reachable = !dead(c);
            if (!f.entry_reachable) {
                TRY(pop_types(c, f.params, f.nparams));
                f.height = c->height;
            } else {
                /* Params go to their canonical slots; lazy locals below are copied so that a
                 * local.set inside cannot change them on one path only. */
                TRY(check_top(c, f.params, f.nparams));
                f.height = c->height - f.nparams;
                TRY(materialize_locals(c, 0));
                for (uint32_t i = 0; i < f.nparams; i++)
                    TRY(materialize(c, f.height + i));
                lb_drop(c, f.height);
                truncate_stack(c, f.height);
                if (f.kind == C_IF) {
                    size_t op, cell, cost_cell;
                    int half;
                    /* the condition sits above the params; it was popped first */
                    TRY(emit_cond_jump(c, &cnd, cond_pos, true, &op, &cell, &half, &cost_cell));
                    f.else_site = cell * 2 + (size_t)half;
                    f.loop_pc = op; /* reused: start of the conditional jump */
                    boundary(c);
                }
                if (f.kind == C_LOOP) {
                    boundary(c);
                    f.loop_pc = c->ncode;
                }
            }
            TRY(push_ctrl(c, &f));
            ctrl *nf = top_ctrl(c);
            for (uint32_t i = 0; i < nf->nparams; i++)
                TRY(push_slot(c, nf->params[i]));
            break;
        }
        case 0x05: { /* else */
            ctrl *f = top_ctrl(c);
            if (f->kind != C_IF) return MALFORMED("else without if");
            TRY(check_top(c, f->results, f->nresults));
            if (c->height - f->height > f->nresults ||
                (c->height - f->height != f->nresults && !f->unreachable))
                return INVALID("type mismatch: block leaves %u values, expected %u",
                               c->height - f->height, f->nresults);
            if (!dead(c)) {
                for (uint32_t i = 0; i < f->nresults; i++)
                    TRY(materialize(c, f->height + i));
                TRY(emit(c, OP_BR, 2, &at));
                TRY(add_patch(c, c->nctrl - 1, at, at + 1, 0));
                f->branched_to = true;
            }
            if (f->entry_reachable) {
                size_t site = f->else_site;
                c->code[site / 2].s[site % 2] = (int32_t)((int64_t)c->ncode - (int64_t)f->loop_pc);
                f->else_site = 0;
            }
            f->kind = C_ELSE;
            lb_drop(c, f->height);
            if (f->unreachable) c->lb_unreachable--;
            f->unreachable = false;
            f->cg_dead = false;
            truncate_stack(c, f->height);
            boundary(c);
            for (uint32_t i = 0; i < f->nparams; i++)
                TRY(push_slot(c, f->params[i]));
            break;
        }
        case 0x0b: { /* end */
            ctrl *f = top_ctrl(c);
            TRY(check_top(c, f->results, f->nresults));
            if (c->height - f->height > f->nresults ||
                (c->height - f->height != f->nresults && !f->unreachable))
                return INVALID("type mismatch: block leaves %u values, expected %u",
                               c->height - f->height, f->nresults);
            if (f->kind == C_IF) {
                /* no else: the false path carries the params through as results */
                if (f->nparams != f->nresults ||
                    (f->nparams && memcmp(f->params, f->results, f->nparams) != 0))
                    return INVALID("type mismatch: if without else must leave its params");
            }
            lb_drop(c, f->height);
            if (f->unreachable) c->lb_unreachable--;
            if (f->kind == C_FUNC) {
                /* eos-vm pushes the function's results at its end too */
                for (uint32_t i = 0; i < f->nresults; i++)
                    TRY(lb_push(c, f->results[i]));
                if (!dead(c)) TRY(emit_return(c));
                c->nctrl--;
                break;
            }
            if (!dead(c))
                for (uint32_t i = 0; i < f->nresults; i++)
                    TRY(materialize(c, f->height + i));
            bool join = f->branched_to || f->kind == C_IF;
            if (f->kind == C_IF && f->entry_reachable) {
                size_t site = f->else_site;
                c->code[site / 2].s[site % 2] = (int32_t)((int64_t)c->ncode - (int64_t)f->loop_pc);
            }
            resolve_patches(c, c->nctrl - 1);
            bool reach_after =
                f->entry_reachable &&
                (!f->unreachable || (f->kind != C_LOOP && f->branched_to) || f->kind == C_IF);
            uint32_t h = f->height;
            uint32_t nres = f->nresults;
            const uint8_t *res = f->results;
            uint8_t single = f->single;
            if (res == &f->single) res = &single;
            c->nctrl--;
            truncate_stack(c, h);
            /* code after a block that nothing leaves is never run: emit none (validation is
             * unaffected) */
            if (!reach_after) top_ctrl(c)->cg_dead = true;
            for (uint32_t i = 0; i < nres; i++)
                TRY(push_slot(c, res[i]));
            if (join)
                boundary(c);
            else
                barrier(c);
            break;
        }
        case 0x0c: { /* br */
            uint32_t d;
            TRY(rd_index(c, &d));
            if (d >= c->nctrl) return INVALID("unknown label %u", d);
            const uint8_t *types;
            uint32_t n;
            label_types(&c->ctrls[c->nctrl - 1 - d], &types, &n);
            TRY(check_top(c, types, n));
            if (!dead(c)) TRY(emit_br(c, d));
            set_unreachable(c);
            break;
        }
        case 0x0d: { /* br_if */
            uint32_t d;
            TRY(rd_index(c, &d));
            if (d >= c->nctrl) return INVALID("unknown label %u", d);
            TRY(pop(c, CPS_VM_I32, &cnd));
            uint32_t cond_pos = c->height;
            const uint8_t *types;
            uint32_t n;
            label_types(&c->ctrls[c->nctrl - 1 - d], &types, &n);
            if (dead(c)) {
                /* pop the label's values and push them back with the label's types */
                TRY(pop_types(c, types, n));
                for (uint32_t i = 0; i < n; i++)
                    TRY(push_slot(c, types[i]));
                break;
            }
            TRY(check_top(c, types, n));
            if (!dead(c)) {
                ctrl *tf = &c->ctrls[c->nctrl - 1 - d];
                if (tf->kind != C_FUNC && !branch_needs_moves(c, d)) {
                    size_t op, cell, cost_cell;
                    int half;
                    TRY(emit_cond_jump(c, &cnd, cond_pos, false, &op, &cell, &half, &cost_cell));
                    /* a fused compare-and-branch has room for a back-edge charge */
                    TRY(branch_to(c, d, op, cell, half, cost_cell));
                } else {
                    size_t op, cell, cost_cell;
                    int half;
                    TRY(emit_cond_jump(c, &cnd, cond_pos, true, &op, &cell, &half, &cost_cell));
                    TRY(emit_br(c, d));
                    c->code[cell].s[half] = (int32_t)((int64_t)c->ncode - (int64_t)op);
                }
                boundary(c);
            }
            break;
        }
        case 0x0e: { /* br_table */
            uint32_t n;
            TRY(cps_vm__rd_u32(r, &n));
            if (n > m->limits.max_br_table)
                return FAIL(CPS_ERR_LIMIT, "br_table of %u targets is over the limit of %u", n,
                            m->limits.max_br_table);
            if (n > r->size - r->pos) return MALFORMED("unexpected end: br_table of %u targets", n);
            uint32_t *targets = malloc(((size_t)n + 1) * sizeof(uint32_t));
            if (!targets) return cps_fail(CPS_ERR_NOMEM, "br_table");
            int rc = 0;
            for (uint32_t i = 0; i <= n && !rc; i++) {
                rc = rd_index(c, &targets[i]);
                if (!rc && targets[i] >= c->nctrl) rc = INVALID("unknown label %u", targets[i]);
            }
            if (!rc) rc = pop(c, CPS_VM_I32, &cnd);
            uint32_t idx_pos = c->height;
            if (!rc && c->bt_cap < c->nctrl) {
                uint32_t cap = c->nctrl * 2;
                uint32_t *st = realloc(c->bt_stamp, cap * sizeof *st);
                if (st) c->bt_stamp = st;
                size_t *wh = st ? realloc(c->bt_where, cap * sizeof *wh) : NULL;
                if (wh) c->bt_where = wh;
                if (!st || !wh)
                    rc = cps_fail(CPS_ERR_NOMEM, "br_table");
                else {
                    memset(c->bt_stamp + c->bt_cap, 0, (cap - c->bt_cap) * sizeof *st);
                    c->bt_cap = cap;
                }
            }
            uint32_t epoch = c->bt_epoch += 2;
            if (!rc) {
                const uint8_t *dt;
                uint32_t dn;
                label_types(&c->ctrls[c->nctrl - 1 - targets[n]], &dt, &dn);
                for (uint32_t i = 0; i <= n && !rc; i++) {
                    uint32_t d = targets[i];
                    if (c->bt_stamp[d] == epoch) continue; /* this label is checked already */
                    c->bt_stamp[d] = epoch;
                    const uint8_t *tt;
                    uint32_t tn_;
                    label_types(&c->ctrls[c->nctrl - 1 - d], &tt, &tn_);
                    if (tn_ != dn)
                        rc = INVALID("type mismatch: br_table targets of different arity");
                    else
                        rc = check_top(c, tt, tn_);
                }
            }
            if (!rc && !dead(c)) {
                rc = emit(c, OP_BR_TABLE, 2 + n + 1, &at);
                if (!rc) {
                    c->code[at + 1].u[1] = n;
                    if (cnd.kind == E_SLOT)
                        c->code[at + 1].u[0] = canon(c, idx_pos);
                    else
                        rc = set_src(c, at + 1, 0, &cnd);
                }
                for (uint32_t i = 0; i <= n && !rc; i++) {
                    uint32_t d = targets[i];
                    ctrl *tf = &c->ctrls[c->nctrl - 1 - d];
                    if (tf->kind != C_FUNC && !branch_needs_moves(c, d)) {
                        rc = branch_to(c, d, at, at + 2 + i, 0, 0);
                    } else if (c->bt_stamp[d] == epoch + 1) {
                        /* this label's stub (its moves and jump) exists already */
                        c->code[at + 2 + i].s[0] = (int32_t)((int64_t)c->bt_where[d] - (int64_t)at);
                    } else {
                        c->bt_stamp[d] = epoch + 1;
                        c->bt_where[d] = c->ncode;
                        c->code[at + 2 + i].s[0] = (int32_t)((int64_t)c->ncode - (int64_t)at);
                        rc = emit_br(c, d);
                    }
                }
            }
            free(targets);
            if (rc) return rc;
            set_unreachable(c);
            break;
        }
        case 0x0f: /* return */
            TRY(check_top(c, c->ftype->results, c->ftype->nresults));
            if (!dead(c)) TRY(emit_return(c));
            set_unreachable(c);
            break;
        case 0x10: { /* call */
            uint32_t f;
            TRY(rd_index(c, &f));
            if (f >= m->nfuncs) return INVALID("unknown function %u", f);
            const vm_functype *t = &m->types[m->func_types[f]];
            TRY(check_top(c, t->params, t->nparams));
            uint32_t np = t->nparams, first = c->height - np;
            bool lazy_args = false;
            if (!dead(c)) {
                /* Arguments still lazily in locals or constants are copied into place by the
                 * call itself (CALL_ARGS), saving a MOV each. The callee cannot touch the
                 * caller's locals, so lazy entries below the arguments stay valid. */
                for (uint32_t i = 0; i < np; i++)
                    if (c->stack[first + i].kind != E_SLOT) lazy_args = true;
            }
            uint32_t srcs[8];
            if (lazy_args && np <= 8) {
                for (uint32_t i = 0; i < np; i++) {
                    const ventry *e = &c->stack[first + i];
                    srcs[i] = e->kind == E_SLOT    ? canon(c, first + i)
                              : e->kind == E_LOCAL ? e->ref
                                                   : c->nlocals_total + e->ref;
                }
            } else if (!dead(c)) {
                lazy_args = false;
                for (uint32_t i = 0; i < np; i++)
                    TRY(materialize(c, first + i));
            }
            TRY(pop_types(c, t->params, t->nparams));
            uint32_t base = canon(c, c->height);
            if (!dead(c)) {
                unsigned argcells = lazy_args ? (np + 1) / 2 : 0;
                if (f < m->nfunc_imports) {
                    TRY(emit(c, lazy_args ? OP_CALL_IMPORT_ARGS : OP_CALL_IMPORT,
                             lazy_args ? 3 + argcells : 2, &at));
                    c->code[at + 1].u[0] = base;
                    c->code[at + 1].u[1] = f;
                    if (lazy_args) c->code[at + 2].u[0] = np;
                } else {
                    TRY(emit(c, lazy_args ? OP_CALL_ARGS : OP_CALL, 3 + argcells, &at));
                    c->code[at + 1].u[0] = base;
                    c->code[at + 1].u[1] = np;
                    c->code[at + 2].p = &m->codes[f - m->nfunc_imports];
                }
                for (uint32_t i = 0; lazy_args && i < np; i++)
                    c->code[at + 3 + i / 2].u[i % 2] = srcs[i];
            }
            for (uint32_t i = 0; i < t->nresults; i++)
                TRY(push_slot(c, t->results[i]));
            break;
        }
        case 0x11: { /* call_indirect */
            uint32_t ti, tab;
            TRY(rd_index(c, &ti));
            TRY(rd_index(c, &tab));
            TRY(check_table(c, tab));
            if (ti >= m->ntypes) return INVALID("unknown type %u", ti);
            if (m->tables[tab].elemtype != CPS_VM_FUNCREF)
                return INVALID("type mismatch: call_indirect through a table of externref");
            const vm_functype *t = &m->types[ti];
            TRY(pop(c, CPS_VM_I32, &cnd));
            uint32_t idx_pos = c->height;
            TRY(check_top(c, t->params, t->nparams));
            if (!dead(c)) {
                for (uint32_t i = 0; i < t->nparams; i++)
                    TRY(materialize(c, c->height - t->nparams + i));
            }
            TRY(pop_types(c, t->params, t->nparams));
            uint32_t base = canon(c, c->height);
            if (!dead(c)) {
                /* the index may sit in the first argument's slot's way: it is read first */
                operand ops[4] = {OPR(base), OPE(cnd, idx_pos), OPR(ti), OPR(tab)};
                TRY(emit_generic(c, OP_CALL_INDIRECT, ops, 4, NULL));
            }
            for (uint32_t i = 0; i < t->nresults; i++)
                TRY(push_slot(c, t->results[i]));
            break;
        }
        case 0x1a: /* drop */
            TRY(pop(c, VM_TYPE_UNKNOWN, &a));
            break;
        case 0x1b:   /* select */
        case 0x1c: { /* select t */
            uint8_t want = VM_TYPE_UNKNOWN;
            if (opc == 0x1c) {
                uint32_t n;
                TRY(cps_vm__rd_u32(r, &n));
                if (n != 1) return INVALID("invalid result arity for select");
                TRY(cps_vm__rd_u8(r, &want));
                if (!cps_vm__is_valtype(want)) return MALFORMED("malformed value type");
            }
            TRY(pop(c, CPS_VM_I32, &cnd));
            TRY(pop(c, want, &b));
            TRY(pop(c, want, &a));
            uint8_t t = want;
            if (opc == 0x1b) {
                if (a.type != VM_TYPE_UNKNOWN && b.type != VM_TYPE_UNKNOWN && a.type != b.type)
                    return INVALID("type mismatch: select of %s and %s", tn(a.type), tn(b.type));
                t = a.type != VM_TYPE_UNKNOWN ? a.type : b.type;
                if (t != VM_TYPE_UNKNOWN && !is_num(t))
                    return INVALID("type mismatch: select without type needs numeric operands");
            }
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[4] = {OPR(canon(c, pos)), OPE(a, pos), OPE(b, pos + 1),
                                  OPE(cnd, pos + 2)};
                TRY(emit_generic(c, OP_SELECT, ops, 4, &at));
                TRY(push_slot(c, t));
                c->have_last_dst = true;
                c->last_dst_cell = at + 1;
                c->last_dst_pos = pos;
            } else {
                TRY(push_slot(c, t));
            }
            break;
        }
        case 0x20: { /* local.get */
            uint32_t x;
            TRY(rd_index(c, &x));
            if (x >= c->nlocals_total) return INVALID("unknown local %u", x);
            if (dead(c))
                TRY(push_slot(c, c->local_types[x]));
            else
                TRY(push(c, c->local_types[x], E_LOCAL, x));
            break;
        }
        case 0x21:   /* local.set */
        case 0x22: { /* local.tee */
            uint32_t x;
            TRY(rd_index(c, &x));
            if (x >= c->nlocals_total) return INVALID("unknown local %u", x);
            TRY(pop(c, c->local_types[x], &a));
            uint32_t pos = c->height;
            if (!dead(c)) TRY(assign_local(c, x, &a, pos));
            if (opc == 0x22) {
                if (dead(c))
                    TRY(push_slot(c, c->local_types[x]));
                else
                    TRY(push(c, c->local_types[x], E_LOCAL, x));
            }
            break;
        }
        case 0x23: { /* global.get */
            uint32_t g;
            TRY(rd_index(c, &g));
            if (g >= m->nglobals) return INVALID("unknown global %u", g);
            uint32_t pos = c->height;
            if (!dead(c)) {
                TRY(emit(c, OP_GLOBAL_GET, 2, &at));
                c->code[at + 1].u[0] = canon(c, pos);
                c->code[at + 1].u[1] = g;
                TRY(push_slot(c, m->globals[g].type));
                c->have_last_dst = true;
                c->last_dst_cell = at + 1;
                c->last_dst_pos = pos;
            } else {
                TRY(push_slot(c, m->globals[g].type));
            }
            break;
        }
        case 0x24: { /* global.set */
            uint32_t g;
            TRY(rd_index(c, &g));
            if (g >= m->nglobals) return INVALID("unknown global %u", g);
            if (!m->globals[g].mut) return INVALID("global is immutable: global %u", g);
            TRY(pop(c, m->globals[g].type, &a));
            if (!dead(c)) {
                operand ops[2] = {OPE(a, c->height), OPR(g)};
                TRY(emit_generic(c, OP_GLOBAL_SET, ops, 2, NULL));
            }
            break;
        }
        case 0x25:   /* table.get */
        case 0x26: { /* table.set */
            uint32_t t;
            TRY(rd_index(c, &t));
            TRY(check_table(c, t));
            uint8_t et = m->tables[t].elemtype;
            if (opc == 0x25) {
                TRY(pop(c, CPS_VM_I32, &a));
                uint32_t pos = c->height;
                if (!dead(c)) {
                    operand ops[3] = {OPR(canon(c, pos)), OPE(a, pos), OPR(t)};
                    TRY(emit_generic(c, OP_TABLE_GET, ops, 3, NULL));
                }
                TRY(push_slot(c, et));
            } else {
                TRY(pop(c, et, &b));
                TRY(pop(c, CPS_VM_I32, &a));
                uint32_t pos = c->height;
                if (!dead(c)) {
                    operand ops[3] = {OPE(a, pos), OPE(b, pos + 1), OPR(t)};
                    TRY(emit_generic(c, OP_TABLE_SET, ops, 3, NULL));
                }
            }
            break;
        }
        case 0x28:
        case 0x29:
        case 0x2a:
        case 0x2b:
        case 0x2c:
        case 0x2d:
        case 0x2e:
        case 0x2f:
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35: {
            static const uint8_t lg[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2};
            static const uint8_t ty[] = {CPS_VM_I32, CPS_VM_I64, CPS_VM_F32, CPS_VM_F64, CPS_VM_I32,
                                         CPS_VM_I32, CPS_VM_I32, CPS_VM_I32, CPS_VM_I64, CPS_VM_I64,
                                         CPS_VM_I64, CPS_VM_I64, CPS_VM_I64, CPS_VM_I64};
            uint32_t off, x, y;
            TRY(rd_memarg(c, lg[opc - 0x28], &off));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                if (take_address_add(c, &a, pos, &x, &y)) {
                    operand ops[4] = {OPR(canon(c, pos)), OPR(x), OPR(y), OPR(off)};
                    TRY(emit_generic(c, (enum vm_op)(OP_I32_LOAD_ADD + (opc - 0x28)), ops, 4, &at));
                } else {
                    operand ops[3] = {OPR(canon(c, pos)), OPE(a, pos), OPR(off)};
                    TRY(emit_generic(c, (enum vm_op)(OP_I32_LOAD + (opc - 0x28)), ops, 3, &at));
                }
                TRY(push_slot(c, ty[opc - 0x28]));
                c->have_last_dst = true;
                c->last_dst_cell = at + 1;
                c->last_dst_pos = pos;
            } else {
                TRY(push_slot(c, ty[opc - 0x28]));
            }
            break;
        }
        case 0x36:
        case 0x37:
        case 0x38:
        case 0x39:
        case 0x3a:
        case 0x3b:
        case 0x3c:
        case 0x3d:
        case 0x3e: {
            static const uint8_t lg[] = {2, 3, 2, 3, 0, 1, 0, 1, 2};
            static const uint8_t ty[] = {CPS_VM_I32, CPS_VM_I64, CPS_VM_F32, CPS_VM_F64, CPS_VM_I32,
                                         CPS_VM_I32, CPS_VM_I64, CPS_VM_I64, CPS_VM_I64};
            uint32_t off, x, y;
            TRY(rd_memarg(c, lg[opc - 0x36], &off));
            TRY(pop(c, ty[opc - 0x36], &b));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                if (b.kind != E_SLOT && take_address_add(c, &a, pos, &x, &y)) {
                    operand ops[4] = {OPR(x), OPR(y), OPE(b, pos + 1), OPR(off)};
                    TRY(emit_generic(c, (enum vm_op)(OP_I32_STORE_ADD + (opc - 0x36)), ops, 4,
                                     NULL));
                } else {
                    operand ops[3] = {OPE(a, pos), OPE(b, pos + 1), OPR(off)};
                    TRY(emit_generic(c, (enum vm_op)(OP_I32_STORE + (opc - 0x36)), ops, 3, NULL));
                }
            }
            break;
        }
        case 0x3f:   /* memory.size */
        case 0x40: { /* memory.grow */
            TRY(rd_zero(c));
            if (m->nmemories == 0) return INVALID("unknown memory 0");
            if (opc == 0x40) TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                if (opc == 0x3f) {
                    operand ops[1] = {OPR(canon(c, pos))};
                    TRY(emit_generic(c, OP_MEMORY_SIZE, ops, 1, NULL));
                } else {
                    operand ops[2] = {OPR(canon(c, pos)), OPE(a, pos)};
                    TRY(emit_generic(c, OP_MEMORY_GROW, ops, 2, NULL));
                }
            }
            TRY(push_slot(c, CPS_VM_I32));
            break;
        }
        case 0x41: {
            int32_t v;
            TRY(cps_vm__rd_s32(r, &v));
            TRY(push_const(c, CPS_VM_I32, (uint32_t)v));
            break;
        }
        case 0x42: {
            int64_t v;
            TRY(cps_vm__rd_s64(r, &v));
            TRY(push_const(c, CPS_VM_I64, (uint64_t)v));
            break;
        }
        case 0x43: {
            uint64_t v;
            TRY(cps_vm__rd_fixed(r, 4, &v));
            TRY(push_const(c, CPS_VM_F32, v));
            break;
        }
        case 0x44: {
            uint64_t v;
            TRY(cps_vm__rd_fixed(r, 8, &v));
            TRY(push_const(c, CPS_VM_F64, v));
            break;
        }
        case 0xa7: /* i32.wrap_i64: the low half of the slot, on little-endian hosts */
        case 0xbc: /* reinterpretations change only the type */
        case 0xbd:
        case 0xbe:
        case 0xbf: {
            static const uint8_t from[] = {CPS_VM_I64, CPS_VM_F32, CPS_VM_F64, CPS_VM_I32,
                                           CPS_VM_I64};
            static const uint8_t to[] = {CPS_VM_I32, CPS_VM_I32, CPS_VM_I64, CPS_VM_F32,
                                         CPS_VM_F64};
            int k = opc == 0xa7 ? 0 : opc - 0xbc + 1;
            TRY(pop(c, from[k], &a));
            if (!dead(c) && a.kind != E_SLOT) {
                TRY(push(c, to[k], a.kind, a.ref));
            } else {
                bool keep = c->have_last_dst && c->last_dst_pos == c->height;
                TRY(push_slot(c, to[k]));
                if (!keep) c->have_last_dst = false;
                c->have_last_cmp = false;
            }
            break;
        }
        case 0xd0: { /* ref.null */
            uint8_t t;
            TRY(cps_vm__rd_u8(r, &t));
            if (!is_ref(t)) return MALFORMED("malformed reference type 0x%02x", t);
            TRY(push_const(c, t, 0));
            break;
        }
        case 0xd1: { /* ref.is_null */
            TRY(pop(c, VM_TYPE_UNKNOWN, &a));
            if (a.type != VM_TYPE_UNKNOWN && !is_ref(a.type))
                return INVALID("type mismatch: ref.is_null of %s", tn(a.type));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[2] = {OPR(canon(c, pos)), OPE(a, pos)};
                TRY(emit_generic(c, OP_REF_IS_NULL, ops, 2, NULL));
            }
            TRY(push_slot(c, CPS_VM_I32));
            break;
        }
        case 0xd2: { /* ref.func */
            uint32_t f;
            TRY(rd_index(c, &f));
            if (f >= m->nfuncs) return INVALID("unknown function %u", f);
            if (!(m->declared_funcs[f / 8] & (1u << (f % 8))))
                return INVALID("undeclared function reference %u", f);
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[2] = {OPR(canon(c, pos)), OPR(f)};
                TRY(emit_generic(c, OP_REF_FUNC, ops, 2, NULL));
            }
            TRY(push_slot(c, CPS_VM_FUNCREF));
            break;
        }
        case 0xfc08: { /* memory.init */
            uint32_t d;
            TRY(rd_index(c, &d));
            TRY(rd_zero(c));
            if (m->nmemories == 0) return INVALID("unknown memory 0");
            TRY(check_data(c, d));
            ventry n;
            TRY(pop(c, CPS_VM_I32, &n));
            TRY(pop(c, CPS_VM_I32, &b));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[4] = {OPE(a, pos), OPE(b, pos + 1), OPE(n, pos + 2), OPR(d)};
                TRY(emit_generic(c, OP_MEMORY_INIT, ops, 4, NULL));
            }
            break;
        }
        case 0xfc09: { /* data.drop */
            uint32_t d;
            TRY(rd_index(c, &d));
            TRY(check_data(c, d));
            if (!dead(c)) {
                operand ops[1] = {OPR(d)};
                TRY(emit_generic(c, OP_DATA_DROP, ops, 1, NULL));
            }
            break;
        }
        case 0xfc0a:   /* memory.copy */
        case 0xfc0b: { /* memory.fill */
            TRY(rd_zero(c));
            if (opcode == 0xfc0a) TRY(rd_zero(c));
            if (m->nmemories == 0) return INVALID("unknown memory 0");
            ventry n;
            TRY(pop(c, CPS_VM_I32, &n));
            TRY(pop(c, CPS_VM_I32, &b));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[3] = {OPE(a, pos), OPE(b, pos + 1), OPE(n, pos + 2)};
                TRY(emit_generic(c, opcode == 0xfc0a ? OP_MEMORY_COPY : OP_MEMORY_FILL, ops, 3,
                                 NULL));
            }
            break;
        }
        case 0xfc0c: { /* table.init elem table */
            uint32_t e, t;
            TRY(rd_index(c, &e));
            TRY(rd_index(c, &t));
            TRY(check_table(c, t));
            TRY(check_elem(c, e));
            if (m->elems[e].elemtype != m->tables[t].elemtype)
                return INVALID("type mismatch: table.init of %s into a table of %s",
                               tn(m->elems[e].elemtype), tn(m->tables[t].elemtype));
            ventry n;
            TRY(pop(c, CPS_VM_I32, &n));
            TRY(pop(c, CPS_VM_I32, &b));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[6] = {OPE(a, pos), OPE(b, pos + 1), OPE(n, pos + 2),
                                  OPR(0),      OPR(t),          OPR(e)};
                TRY(emit_generic(c, OP_TABLE_INIT, ops, 6, NULL));
            }
            break;
        }
        case 0xfc0d: { /* elem.drop */
            uint32_t e;
            TRY(rd_index(c, &e));
            TRY(check_elem(c, e));
            if (!dead(c)) {
                operand ops[1] = {OPR(e)};
                TRY(emit_generic(c, OP_ELEM_DROP, ops, 1, NULL));
            }
            break;
        }
        case 0xfc0e: { /* table.copy dst src */
            uint32_t td, ts;
            TRY(rd_index(c, &td));
            TRY(rd_index(c, &ts));
            TRY(check_table(c, td));
            TRY(check_table(c, ts));
            if (m->tables[td].elemtype != m->tables[ts].elemtype)
                return INVALID("type mismatch: table.copy between tables of %s and %s",
                               tn(m->tables[td].elemtype), tn(m->tables[ts].elemtype));
            ventry n;
            TRY(pop(c, CPS_VM_I32, &n));
            TRY(pop(c, CPS_VM_I32, &b));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[6] = {OPE(a, pos), OPE(b, pos + 1), OPE(n, pos + 2),
                                  OPR(0),      OPR(td),         OPR(ts)};
                TRY(emit_generic(c, OP_TABLE_COPY, ops, 6, NULL));
            }
            break;
        }
        case 0xfc0f: { /* table.grow */
            uint32_t t;
            TRY(rd_index(c, &t));
            TRY(check_table(c, t));
            TRY(pop(c, CPS_VM_I32, &b));
            TRY(pop(c, m->tables[t].elemtype, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[4] = {OPR(canon(c, pos)), OPE(a, pos), OPE(b, pos + 1), OPR(t)};
                TRY(emit_generic(c, OP_TABLE_GROW, ops, 4, NULL));
            }
            TRY(push_slot(c, CPS_VM_I32));
            break;
        }
        case 0xfc10: { /* table.size */
            uint32_t t;
            TRY(rd_index(c, &t));
            TRY(check_table(c, t));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[2] = {OPR(canon(c, pos)), OPR(t)};
                TRY(emit_generic(c, OP_TABLE_SIZE, ops, 2, NULL));
            }
            TRY(push_slot(c, CPS_VM_I32));
            break;
        }
        case 0xfc11: { /* table.fill */
            uint32_t t;
            TRY(rd_index(c, &t));
            TRY(check_table(c, t));
            ventry n;
            TRY(pop(c, CPS_VM_I32, &n));
            TRY(pop(c, m->tables[t].elemtype, &b));
            TRY(pop(c, CPS_VM_I32, &a));
            uint32_t pos = c->height;
            if (!dead(c)) {
                operand ops[4] = {OPE(a, pos), OPE(b, pos + 1), OPE(n, pos + 2), OPR(t)};
                TRY(emit_generic(c, OP_TABLE_FILL, ops, 4, NULL));
            }
            break;
        }
        default: {
            const struct numop *n = NULL;
            if (opcode < 0x100 && numops[opcode].op)
                n = &numops[opcode];
            else if (opcode >= 0xfc00 && opcode <= 0xfc07)
                n = &fcops[opcode & 0xff];
            if (!n || n->op == 0) return MALFORMED("illegal opcode 0x%x", opcode);
            if (n->binary)
                TRY(emit_binop(c, n));
            else
                TRY(emit_unop(c, n));
            break;
        }
        }
    }
}

/* ---- per function ------------------------------------------------------------------------ */

int cps_vm__compile_function(vm_compiler *c, uint32_t def_index, const uint8_t *body, size_t size,
                             size_t offset)
{
    cps_vm_module *m = c->m;
    uint32_t fidx = m->nfunc_imports + def_index;
    snprintf(c->what, sizeof c->what, "code section, function %u", fidx);
    c->r = (vm_rd){body, size, 0, offset, c->what};
    c->op_pos = 0;
    const vm_functype *t = &m->types[m->func_types[fidx]];
    c->ftype = t;
    /* locals */
    uint32_t ngroups;
    TRY(cps_vm__rd_u32(&c->r, &ngroups));
    uint64_t total = t->nparams;
    size_t groups_start = c->r.pos;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t ty;
        TRY(cps_vm__rd_u32(&c->r, &n));
        TRY(cps_vm__rd_u8(&c->r, &ty));
        if (!cps_vm__is_valtype(ty)) return MALFORMED("malformed value type 0x%02x", ty);
        total += n;
        if (total > UINT32_MAX) return MALFORMED("too many locals");
    }
    if (total > m->limits.max_locals)
        return FAIL(CPS_ERR_LIMIT, "%llu locals is over the limit of %u", (unsigned long long)total,
                    m->limits.max_locals);
    TRY(grow32((void **)&c->local_types, &c->caplocals, (uint32_t)total + 1, 1));
    memcpy(c->local_types, t->params, t->nparams);
    c->r.pos = groups_start;
    uint32_t k = t->nparams;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t ty;
        TRY(cps_vm__rd_u32(&c->r, &n));
        TRY(cps_vm__rd_u8(&c->r, &ty));
        memset(c->local_types + k, ty, n);
        k += n;
    }
    c->nlocals_total = (uint32_t)total;
    size_t body_start = c->r.pos;
    size_t entry = c->ncode;
    /* Two passes: the first learns how many constants the function has (they sit between the
     * locals and the operand stack, so the stack's slot numbers depend on it); the second emits
     * the code for real. Both make the same decisions, so the counts agree. */
    c->func_entry = entry;
    c->func_code_limit = 64 * (size_t)size + 1024;
    for (int pass = 0; pass < 2; pass++) {
        c->const_reserve = pass == 0 ? 0 : c->nconsts;
        c->r.pos = body_start;
        c->ncode = entry;
        c->height = c->max_height = 0;
        c->lb_unreachable = 0;
        c->lb_bytes = 0;
        for (uint32_t i = t->nparams; i < c->nlocals_total; i++)
            c->lb_bytes += lb_size(c->local_types[i]);
        if (c->lb_bytes > m->limits.max_func_local_bytes)
            return FAIL(CPS_ERR_LIMIT,
                        "local variable limit exceeded: locals of %llu bytes, "
                        "max_func_local_bytes %u",
                        (unsigned long long)c->lb_bytes, m->limits.max_func_local_bytes);
        c->nlazy = 0;
        c->nctrl = 0;
        c->npatch = 0;
        c->nconsts = 0;
        c->seg_open = false;
        c->have_last_dst = c->have_last_cmp = false;
        ctrl f;
        memset(&f, 0, sizeof f);
        f.kind = C_FUNC;
        f.entry_reachable = true;
        f.nresults = t->nresults;
        f.results = t->results;
        TRY(push_ctrl(c, &f));
        TRY(compile_body(c));
    }
    uint32_t const_base = c->nlocals_total;
    vm_code *code = &m->codes[def_index];
    code->entry_off = entry;
    if (c->ncode >= entry + 2 && c->code[entry].h == c->handlers[OP_CHARGE]) {
        code->entry_charge = c->code[entry + 1].u[0];
        code->entry_skip = 2;
    }
    code->type = t;
    code->nparams = t->nparams;
    code->nlocals = c->nlocals_total - t->nparams;
    code->const_base = const_base;
    code->nconsts = c->nconsts;
    code->func_index = fidx;
    uint64_t frame = (uint64_t)const_base + c->nconsts + c->max_height;
    if (frame < t->nresults) frame = t->nresults;
    if (frame > m->limits.max_stack_slots)
        return FAIL(CPS_ERR_LIMIT, "frame of %llu slots is over the limit of %u",
                    (unsigned long long)frame, m->limits.max_stack_slots);
    code->frame_size = (uint32_t)frame;
    if (c->nconsts) {
        code->consts = malloc(c->nconsts * sizeof(cps_vm_slot));
        if (!code->consts) return cps_fail(CPS_ERR_NOMEM, "constants");
        memcpy(code->consts, c->consts, c->nconsts * sizeof(cps_vm_slot));
    }
    return 0;
}

int cps_vm__compiler_create(cps_vm_module *m, vm_compiler **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_numops);
    vm_compiler *c = calloc(1, sizeof *c);
    if (!c) return cps_fail(CPS_ERR_NOMEM, "translator");
    c->m = m;
    c->handlers = cps_vm__handlers();
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    m->codes = calloc(ndef ? ndef : 1, sizeof(vm_code));
    if (!m->codes) {
        free(c);
        return cps_fail(CPS_ERR_NOMEM, "function table");
    }
    *out = c;
    return 0;
}

int cps_vm__compiler_finish(vm_compiler *c)
{
    cps_vm_module *m = c->m;
    /* shrink and hand over */
    vm_cell *code = c->code;
    if (c->ncode) {
        vm_cell *shrunk = realloc(code, c->ncode * sizeof(vm_cell));
        if (shrunk) code = shrunk;
    }
    m->code = code;
    m->code_size = c->ncode;
    c->code = NULL;
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    for (uint32_t i = 0; i < ndef; i++)
        m->codes[i].entry = m->code + m->codes[i].entry_off;
    return 0;
}

void cps_vm__compiler_destroy(vm_compiler *c)
{
    if (!c) return;
    free(c->code);
    free(c->local_types);
    free(c->stack);
    free(c->ctrls);
    free(c->patches);
    free(c->bt_stamp);
    free(c->bt_where);
    free(c->consts);
    free(c);
}
