/* vm: a listing of translated code, one operation a line with its raw operands, for developers
 * tuning the translator (cps-wasm-spec --dump FILE.wasm prints it). */
#include <stdio.h>

#include "vm/vm_internal.h"

static const char *const op_names[] = {
#define N1_(n) #n,
#define N_(n, ...) #n,
    CPS_VM_MISCOPS(N1_) CPS_VM_UNOPS(N_) CPS_VM_TRUNCOPS(N_) CPS_VM_BINOPS(N_) CPS_VM_DIVOPS(N_)
        CPS_VM_LOADS(N_) CPS_VM_STORES(N_)
#define NB_(n, e) "BR_IF_" #n,
            CPS_VM_CMPBR(NB_)
#undef NB_
#define NAB_(n, e) "ADD_BR_IF_" #n,
                CPS_VM_CMPBR(NAB_)
#undef NAB_
#define NA_(n, ...) #n "_ADD",
                    CPS_VM_LOADS(NA_) CPS_VM_STORES(NA_)
#undef NA_
#undef N_
#undef N1_
};

/* Cells an operation takes, from its kind. */
static unsigned op_cells(int op, const vm_cell *p)
{
    switch (op) {
    case OP_UNREACHABLE:
    case OP_RETURN:
        return 1;
    case OP_BR_TABLE:
        return 2 + p[1].u[1] + 1;
    case OP_CALL_ARGS:
        return 3 + (p[1].u[1] + 1) / 2;
    case OP_CALL_IMPORT_ARGS:
        return 3 + (p[2].u[0] + 1) / 2;
    case OP_CALL:
    case OP_CALL_INDIRECT:
    case OP_SELECT:
    case OP_TABLE_GET:
    case OP_TABLE_SET:
    case OP_TABLE_GROW:
    case OP_TABLE_FILL:
    case OP_MEMORY_FILL:
    case OP_MEMORY_COPY:
    case OP_MEMORY_INIT:
        return 3;
    case OP_TABLE_COPY:
    case OP_TABLE_INIT:
        return 4;
    default:
        break;
    }
    if (op >= OP_I32_EQ && op <= OP_I64_STORE32) return 3; /* binops, divs, loads, stores */
    if (op >= OP_ADD_BR_IF_EQ && op < OP_I32_LOAD_ADD) return 4;
    if (op >= OP_BR_IF_EQ) return 3;
    if (op >= OP_I32_TRUNC_F32_S && op <= OP_I64_TRUNC_F64_U) return 2;
    return 2;
}

void cps_vm__dump(const cps_vm_module *m, void *out_)
{
    FILE *out = out_;
    const void *const *h = cps_vm__handlers();
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    for (uint32_t f = 0; f < ndef; f++) {
        const vm_code *c = &m->codes[f];
        size_t end = f + 1 < ndef ? m->codes[f + 1].entry_off : m->code_size;
        fprintf(out, "function %u: %u params, %u locals, %u constants, frame %u slots\n",
                c->func_index, c->nparams, c->nlocals, c->nconsts, c->frame_size);
        for (uint32_t k = 0; k < c->nconsts; k++)
            fprintf(out, "  const s%u = 0x%llx\n", c->const_base + k,
                    (unsigned long long)c->consts[k].i64);
        for (size_t pc = c->entry_off; pc < end;) {
            const vm_cell *p = m->code + pc;
            int op = -1;
            for (int i = 0; i < OP__COUNT; i++)
                if (h[i] == p[0].h) op = i;
            if (op < 0) {
                fprintf(out, "  %5zu  ???\n", pc - c->entry_off);
                break;
            }
            unsigned n = op_cells(op, p);
            fprintf(out, "  %5zu  %-18s", pc - c->entry_off, op_names[op]);
            for (unsigned i = 1; i < n; i++)
                fprintf(out, " %d,%d", p[i].s[0], p[i].s[1]);
            fputc('\n', out);
            pc += n;
        }
    }
}
