/* vm: internal structures shared by the decoder (decode.c), the validator/translator
 * (compile.c), the interpreter (exec.c) and the runtime (instance.c). Not a public header. */
#ifndef CPS_VM_INTERNAL_H
#define CPS_VM_INTERNAL_H

#include "vm/vm.h"
#include "vm/vm_ops.h"

#define VM_PAGE_SIZE 65536u
#define VM_MAX_PAGES 65536u
/* Internal value type standing for "any type" on the validator's stack in unreachable code. */
#define VM_TYPE_UNKNOWN 0

/* One cell of translated code: an operation is a handler address followed by operand cells.
 * Operands are 32-bit slot indices (relative to the frame), immediates or relative jumps in
 * cells (from the start of the operation). */
typedef union vm_cell {
    const void *h;
    uint32_t u[2];
    int32_t s[2];
    uint64_t u64;
    const void *p;
} vm_cell;

typedef struct vm_functype {
    uint32_t nparams, nresults;
    const uint8_t *params; /* borrowed from the module's type storage */
    const uint8_t *results;
    uint64_t hash; /* of the whole signature: quick inequality for call_indirect */
} vm_functype;

bool cps_vm__functype_equal(const vm_functype *a, const vm_functype *b);

/* A constant expression (global initialisers, segment offsets and element items). */
typedef struct vm_constexpr {
    uint8_t op;     /* 0x41 i32.const, 0x42 i64, 0x43 f32, 0x44 f64, 0xd0 ref.null,
                       0xd2 ref.func, 0x23 global.get */
    uint8_t type;   /* the value type it produces */
    uint64_t value; /* constant bits, or the function / global index */
} vm_constexpr;

typedef struct vm_limits_t {
    uint32_t min, max;
    bool has_max;
} vm_limits_t;

typedef struct vm_import {
    const char *module, *name; /* NUL-terminated copies */
    uint8_t kind;              /* enum cps_vm_extern_kind */
    uint32_t index;            /* index in the module's space of its kind */
} vm_import;

typedef struct vm_export {
    const char *name;
    uint32_t name_len; /* names may contain NUL bytes */
    uint8_t kind;
    uint32_t index;
} vm_export;

typedef struct vm_table_type {
    uint8_t elemtype;
    vm_limits_t lim;
} vm_table_type;

typedef struct vm_global_type {
    uint8_t type;
    bool mut;
    vm_constexpr init; /* defined globals only */
} vm_global_type;

enum vm_seg_mode { VM_SEG_ACTIVE, VM_SEG_PASSIVE, VM_SEG_DECLARATIVE };

typedef struct vm_elem_seg {
    uint8_t mode, elemtype;
    uint32_t table;
    vm_constexpr offset;
    uint32_t count;
    vm_constexpr *items;
} vm_elem_seg;

typedef struct vm_data_seg {
    uint8_t mode;
    vm_constexpr offset;
    uint32_t size;
    const uint8_t *bytes; /* copy owned by the module */
} vm_data_seg;

/* The translation of one defined function. */
typedef struct vm_code {
    const vm_cell *entry; /* first operation (set once all functions are translated) */
    size_t entry_off;     /* its offset in the module's code array */
    const vm_functype *type;
    uint32_t nparams;    /* slots [0, nparams) are the arguments */
    uint32_t nlocals;    /* slots [nparams, nparams+nlocals) are zeroed on entry */
    uint32_t const_base; /* slots [const_base, const_base+nconsts) hold constants */
    uint32_t nconsts;
    uint32_t frame_size; /* all slots the frame uses */
    uint32_t func_index;
    uint32_t entry_charge; /* cost of the first segment, charged by the call itself... */
    uint32_t entry_skip;   /* ...which then starts this many cells in, past its CHARGE */
    cps_vm_slot *consts;
} vm_code;

struct cps_vm_module {
    int refcount;         /* atomic */
    uint8_t *arena_types; /* storage for function type value lists */
    vm_functype *types;
    uint32_t ntypes;
    vm_import *imports;
    uint32_t nimports;
    uint32_t nfunc_imports, ntable_imports, nmem_imports, nglobal_imports;
    uint32_t *func_types; /* type index of every function (imports first) */
    uint32_t nfuncs;
    vm_table_type *tables; /* imports first */
    uint32_t ntables;
    vm_limits_t *memories; /* imports first; at most one */
    uint32_t nmemories;
    vm_global_type *globals; /* imports first */
    uint32_t nglobals;
    vm_export *exports;
    uint32_t nexports;
    bool has_start;
    uint32_t start;
    vm_elem_seg *elems;
    uint32_t nelems;
    vm_data_seg *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;
    uint8_t *declared_funcs; /* bitmap: may be named by ref.func in code */
    vm_code *codes;          /* one per defined function */
    vm_cell *code;           /* translated code of all functions */
    size_t code_size;
    cps_vm_limits limits;
};

/* Runtime entities. */
typedef struct vm_func {
    const vm_functype *type;
    cps_vm_instance *inst; /* owning instance (NULL for a host function) */
    const vm_code *code;   /* NULL for a host function */
    cps_vm_host_fn host;
    void *host_user;
    vm_functype host_type; /* host functions own their type */
    uint8_t host_sig[32];
} vm_func;

typedef struct vm_table {
    uint8_t elemtype;
    bool has_max; /* declared maximum (for import matching) */
    uint32_t decl_max;
    uint32_t size, max; /* max: the smaller of the declared maximum and the limit */
    void **elems;
} vm_table;

typedef struct vm_memory {
    uint8_t *data;
    uint64_t size;             /* bytes */
    uint32_t pages, max_pages; /* max_pages: the smaller of the declared maximum and the limit */
    bool has_max;
    uint32_t decl_max;
} vm_memory;

typedef struct vm_global {
    uint8_t type;
    bool mut;
    cps_vm_slot value;
} vm_global;

typedef struct vm_frame {
    const vm_cell *ret_pc;
    cps_vm_slot *fp;
    cps_vm_instance *inst;
} vm_frame;

struct cps_vm_ctx {
    cps_vm_instance *inst;
    cps_vm_exec *exec;
    int64_t budget; /* units left, kept exact while a host function runs */
};

struct cps_vm_instance {
    cps_vm_module *module;
    vm_func **funcs;
    vm_table **tables;
    vm_memory *memory; /* NULL if the module has none */
    vm_global **globals;
    /* entities this instance defines */
    vm_func *own_funcs;
    vm_table *own_tables;
    vm_memory own_memory;
    vm_global *own_globals;
    vm_func *host_funcs; /* host functions bound to imports */
    uint8_t *dropped_elems, *dropped_datas;
    bool self_contained; /* imports only host functions: can be reset */
    cps_vm_limits limits;
    /* execution state, allocated on first call */
    cps_vm_slot *stack;
    vm_frame *frames;
    bool running;
};

/* Decoder: fills everything but the translation (cps_vm__compile does that). */
int cps_vm__decode(cps_vm_module *m, const uint8_t *bytes, size_t size);
/* The interpreter: the handler table (indexed by enum vm_op), and a run from function f. */
const void *const *cps_vm__handlers(void);
int cps_vm__invoke(vm_func *f, cps_vm_slot *args, cps_vm_exec *exec);
/* Developer listing of the translated code (dump.c). `out` is a FILE *. */
void cps_vm__dump(const cps_vm_module *m, void *out);
/* Cost table (vm_cost.c): units for a wasm opcode (0xfc-prefixed ones as 0xfc00 | sub). */
uint32_t cps_vm__cost(uint32_t opcode);
/* Extra units for a bulk operation over n bytes or elements. */
static inline uint64_t cps_vm__bulk_cost(uint64_t n)
{
    return n / 64;
}
uint64_t cps_vm__hash_type(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr);
/* Evaluates a constant expression in an instance. */
cps_vm_slot cps_vm__eval_const(cps_vm_instance *inst, const vm_constexpr *e);
int cps_vm__memory_grow(vm_memory *mem, uint32_t delta, uint32_t *old_pages);
int cps_vm__table_grow(vm_table *t, uint32_t delta, void *init, uint32_t *old_size);

#endif
