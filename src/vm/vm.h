/* vm: CPS's WebAssembly 2.0 engine (MVP + sign-extension, non-trapping float-to-int, multi-value,
 * bulk memory, reference types; no SIMD). It decodes and validates a module once, translates it
 * into threaded code, and runs it sandboxed and deterministically metered. It knows no chain.
 *
 * Life cycle:
 *
 *   bytes --cps_vm_module_load--> cps_vm_module (immutable, refcounted, shareable between
 *                                  threads, cacheable by code hash in a cps_vm_cache)
 *   module + imports + limits --cps_vm_instance_create--> cps_vm_instance (memory, tables,
 *                                  globals; one thread at a time)
 *   instance --cps_vm_call--> results, or CPS_ERR_TRAP / CPS_ERR_DEADLINE / CPS_ERR_EXHAUSTION
 *   instance --cps_vm_instance_reset--> back to its state right after instantiation (cheap:
 *                                  the way to run one contract many times)
 *
 * Errors: every function returns 0 or a negative CPS_ERR_* code and leaves a detail message in
 * cps_last_error(): for a rejected module it names the section, the byte offset and the rule
 * broken; for a trap it names the trap ("integer divide by zero", "out of bounds memory access").
 *
 * Determinism: every executed instruction costs units from one table (vm_cost.c); a call stops
 * with CPS_ERR_DEADLINE when its budget runs out (checked at least at every loop header and
 * call), so the same module and input cost the same on every machine. Floating-point arithmetic
 * that produces a NaN produces the canonical NaN (0x7fc00000 / 0x7ff8000000000000), so results
 * are identical on x86-64 and aarch64. */
#ifndef CPS_VM_H
#define CPS_VM_H

#include "base/base.h"

/* ---- values ---------------------------------------------------------------------------------- */

/* Value types, with their binary encodings. */
enum cps_vm_type {
    CPS_VM_I32 = 0x7f,
    CPS_VM_I64 = 0x7e,
    CPS_VM_F32 = 0x7d,
    CPS_VM_F64 = 0x7c,
    CPS_VM_FUNCREF = 0x70,
    CPS_VM_EXTERNREF = 0x6f,
};

/* One value as the VM stores it. Floats are accessed through their bits (f32 in `i32`, f64 in
 * `i64`) whenever the exact bit pattern matters (NaN payloads). References: a funcref is an
 * opaque function pointer (NULL is ref.null func); an externref is any host pointer-sized value
 * (NULL is ref.null extern). Only the member matching the type is meaningful. */
typedef union cps_vm_slot {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} cps_vm_slot;

/* A value with its type, for calls from the host. */
typedef struct cps_vm_value {
    uint8_t type; /* enum cps_vm_type */
    cps_vm_slot v;
} cps_vm_value;

static inline cps_vm_value cps_vm_i32(uint32_t x)
{
    cps_vm_value r;
    r.type = CPS_VM_I32;
    r.v.i64 = 0;
    r.v.i32 = x;
    return r;
}
static inline cps_vm_value cps_vm_i64(uint64_t x)
{
    cps_vm_value r;
    r.type = CPS_VM_I64;
    r.v.i64 = x;
    return r;
}

/* ---- limits ---------------------------------------------------------------------------------- */

/* Every bound the sandbox enforces. Module limits apply when loading (a module over them is
 * rejected with CPS_ERR_LIMIT); instance limits when instantiating and running. Zero fields are
 * not "unlimited": start from cps_vm_limits_default() and change what you need. */
typedef struct cps_vm_limits {
    /* module */
    uint32_t max_module_size;  /* bytes of the whole binary */
    uint32_t max_section_size; /* bytes of any one section */
    uint32_t max_types;        /* entries of the type section */
    uint32_t max_functions;    /* imported + defined */
    uint32_t max_imports;      /* all kinds */
    uint32_t max_exports;
    uint32_t max_globals;     /* imported + defined */
    uint32_t max_tables;      /* imported + defined */
    uint32_t max_locals;      /* params + locals of one function */
    uint32_t max_func_size;   /* bytes of one function body */
    uint32_t max_block_depth; /* nesting of block/loop/if in one function */
    uint32_t max_segments;    /* element + data segments */
    uint32_t max_br_table;    /* targets of one br_table */
    /* instance */
    uint32_t max_memory_pages; /* 64 KiB pages a memory may ever have (initial and grown) */
    uint32_t max_table_size;   /* elements a table may ever have */
    uint32_t max_call_depth;   /* nested wasm calls */
    uint32_t max_stack_slots;  /* 8-byte slots of the value stack (locals + operands) */
    /* EOSIO's deployment checks (the on-chain wasm_config, as eos-vm's parser applies them when
     * a contract is set); UINT32_MAX, the default, turns each one off. Module limits. */
    uint32_t max_section_elements;     /* entries of each type, import, function, global,
                                          export, element, data and code section */
    uint32_t max_mutable_global_bytes; /* the module's own mutable globals: 4 bytes per i32/f32,
                                          8 per i64/f64 */
    uint32_t max_table_elements;       /* initial size of a table the module defines */
    uint32_t max_initial_pages;        /* initial size of a memory the module defines */
    uint32_t max_linear_memory_init;   /* end (offset + size) of every active data segment,
                                          whose offset must then be an i32.const */
    uint32_t max_func_local_bytes;     /* per function: bytes of its locals (not its params)
                                          plus its operand stack, counted as eos-vm counts them
                                          (values a branch discards stay counted) */
    uint32_t max_symbol_bytes;         /* bytes of an import's module and field names and of an
                                          export's name */
} cps_vm_limits;

/* Defaults generous enough for the WebAssembly test suite and eosio.cdt contracts: 64 MiB
 * module, 1024 pages (64 MiB) memory, call depth 1024 (wasm calls; the interpreter does not
 * recurse on the C stack), 256 Ki stack slots (2 MiB, allocated on an instance's first call);
 * EOSIO's deployment checks off. */
void cps_vm_limits_default(cps_vm_limits *l);

/* ---- modules --------------------------------------------------------------------------------- */

typedef struct cps_vm_module cps_vm_module;

/* Decodes, validates and translates `bytes` (borrowed for the duration of the call only). On
 * success *out is a new module with one reference, which the caller releases with
 * cps_vm_module_release(). `limits` may be NULL for the defaults. On failure:
 * CPS_ERR_WASM_MALFORMED (not a well-formed binary), CPS_ERR_WASM_INVALID (fails validation),
 * CPS_ERR_LIMIT (over a limit) or CPS_ERR_NOMEM, with a message such as "code section, function 3,
 * offset 0x1a2: type mismatch: i32.add expects i32, got f32". */
CPS_MUST_USE int cps_vm_module_load(const uint8_t *bytes, size_t size, const cps_vm_limits *limits,
                                    cps_vm_module **out);
/* Takes one more reference (thread-safe). Returns m. */
cps_vm_module *cps_vm_module_retain(cps_vm_module *m);
/* Drops one reference; the last frees the module (thread-safe). NULL is ignored. */
void cps_vm_module_release(cps_vm_module *m);

/* What a module imports and exports, for tools and tests. `kind` is enum cps_vm_extern_kind.
 * Strings are borrowed from the module. Index out of range: CPS_ERR_NOT_FOUND. */
enum cps_vm_extern_kind {
    CPS_VM_EXTERN_FUNC = 0,
    CPS_VM_EXTERN_TABLE = 1,
    CPS_VM_EXTERN_MEMORY = 2,
    CPS_VM_EXTERN_GLOBAL = 3,
};
uint32_t cps_vm_module_import_count(const cps_vm_module *m);
CPS_MUST_USE int cps_vm_module_import(const cps_vm_module *m, uint32_t i, const char **module,
                                      const char **name, int *kind);
uint32_t cps_vm_module_export_count(const cps_vm_module *m);
CPS_MUST_USE int cps_vm_module_export(const cps_vm_module *m, uint32_t i, const char **name,
                                      int *kind);

/* ---- host functions -------------------------------------------------------------------------- */

/* The context a host function runs in: the calling instance, its memory, the call's budget and
 * the caller's user pointer. Borrowed for the duration of the host call only. */
typedef struct cps_vm_ctx cps_vm_ctx;

/* A host function. Arguments are in args[0..nparams); the function writes its results to
 * args[0..nresults) (the same array: read the arguments first). It returns 0, or an error: use
 * cps_vm_trap() to stop the wasm call with a message (the call returns CPS_ERR_TRAP), or return
 * any other CPS_ERR_* code after cps_fail() (the call returns that code, e.g. CPS_ERR_ASSERT for
 * a contract's eosio_assert). */
typedef int (*cps_vm_host_fn)(cps_vm_ctx *ctx, void *user, cps_vm_slot *args);

/* A host function to bind to an import. `signature` lists parameter types in parentheses, then
 * result types, one letter each: i=i32 I=i64 f=f32 F=f64 r=funcref e=externref, e.g.
 * "(IIIIii)i" for db_store_i64 or "()" for a function of no parameters and no results. An import
 * matches by module and name, and must match the signature exactly or the instance is refused. */
typedef struct cps_vm_host_func {
    const char *module;
    const char *name;
    const char *signature;
    cps_vm_host_fn fn;
    void *user;
} cps_vm_host_func;

/* Host accessors to the calling instance's linear memory. Each checks [addr, addr+len) against
 * the current memory size and fails with CPS_ERR_TRAP ("out of bounds memory access") rather than
 * touching anything outside. A pointer from cps_vm_mem() is valid until the host function
 * returns. An instance without memory fails every access. */
CPS_MUST_USE int cps_vm_mem(cps_vm_ctx *ctx, uint32_t addr, uint32_t len, uint8_t **out);
CPS_MUST_USE int cps_vm_mem_read(cps_vm_ctx *ctx, uint32_t addr, void *dst, uint32_t len);
CPS_MUST_USE int cps_vm_mem_write(cps_vm_ctx *ctx, uint32_t addr, const void *src, uint32_t len);
/* Current memory size in bytes (0 without memory). */
uint64_t cps_vm_mem_size(cps_vm_ctx *ctx);
/* Records `fmt` as the trap message and returns CPS_ERR_TRAP (return it from the host function). */
int cps_vm_trap(cps_vm_ctx *ctx, const char *fmt, ...) CPS_PRINTF(2, 3);
/* Units left in the call's budget, and a charge against it (CPS_ERR_DEADLINE when it does not
 * fit: return it from the host function). Host functions charge for their own work this way. */
uint64_t cps_vm_budget_left(cps_vm_ctx *ctx);
CPS_MUST_USE int cps_vm_budget_charge(cps_vm_ctx *ctx, uint64_t units);
/* The `user` pointer given to the current cps_vm_call (per call, e.g. the apply context). */
void *cps_vm_call_user(cps_vm_ctx *ctx);

/* ---- instances ------------------------------------------------------------------------------- */

typedef struct cps_vm_instance cps_vm_instance;

/* An exported entity of an instance, usable as an import of another instance. Borrowed from the
 * instance that owns it: that instance must outlive every instance that imports it (and every
 * table a function of it has been stored into). */
typedef struct cps_vm_extern {
    int kind; /* enum cps_vm_extern_kind */
    void *ptr;
} cps_vm_extern;

/* How an instance's imports are resolved: first by `funcs` (host functions, matched by module and
 * name), then by `resolve` (for imports of other instances' exports; may be NULL), which fills
 * *out and returns 0 or returns CPS_ERR_NOT_FOUND. An import that nothing resolves, or that
 * resolves to an entity of the wrong kind or type, makes cps_vm_instance_create fail with
 * CPS_ERR_WASM_UNLINKABLE naming it. */
typedef struct cps_vm_imports {
    const cps_vm_host_func *funcs;
    size_t nfuncs;
    int (*resolve)(void *user, const char *module, const char *name, cps_vm_extern *out);
    void *resolve_user;
} cps_vm_imports;

/* Checks that `imports` resolve every import of `m` with the right kind and type, without
 * instantiating: 0 or CPS_ERR_WASM_UNLINKABLE naming the first import that does not (e.g. to
 * refuse a contract at deployment rather than at its first action). */
CPS_MUST_USE int cps_vm_module_link_check(cps_vm_module *m, const cps_vm_imports *imports);

/* Per-call execution settings. `budget` is in cost units (see vm_cost.c); on return
 * `used` holds the units consumed. `deadline_ns` (0: none) is a cps_time_mono_ns() instant after
 * which the call stops with CPS_ERR_DEADLINE: a second guard, not part of consensus. `user` is
 * returned by cps_vm_call_user() to host functions. */
typedef struct cps_vm_exec {
    uint64_t budget;
    uint64_t used;
    uint64_t deadline_ns;
    void *user;
} cps_vm_exec;

/* Instantiates `module` (which the instance retains): resolves imports, allocates memory, tables
 * and globals within `limits` (NULL: defaults), applies element and data segments and runs the
 * start function with `start_exec` (NULL: a budget of 2^40 units). *out is freed with
 * cps_vm_instance_destroy(). Errors: CPS_ERR_WASM_UNLINKABLE, CPS_ERR_WASM_UNINSTANTIABLE (a
 * segment out of bounds), CPS_ERR_LIMIT, or a trap of the start function. When a segment or the
 * start function fails, *out is still set to the partly initialised instance when
 * `keep_on_trap` is true (WebAssembly's semantics: its effects on shared tables and memories
 * stay), else NULL. */
CPS_MUST_USE int cps_vm_instance_create(cps_vm_module *module, const cps_vm_imports *imports,
                                        const cps_vm_limits *limits, cps_vm_exec *start_exec,
                                        bool keep_on_trap, cps_vm_instance **out);
void cps_vm_instance_destroy(cps_vm_instance *inst);

/* Restores the instance to its state right after instantiation: memory zeroed and shrunk to its
 * initial size, data and element segments applied again, globals re-initialised, dropped segments
 * restored. It does not run the start function again. Cheap: proportional to the memory in use.
 * Fails with CPS_ERR_STATE for an instance that shares memory, tables or globals with another
 * instance (only self-contained instances can be reset). */
CPS_MUST_USE int cps_vm_instance_reset(cps_vm_instance *inst);

/* Finds an export by name; CPS_ERR_NOT_FOUND if there is none. */
CPS_MUST_USE int cps_vm_instance_export(cps_vm_instance *inst, const char *name,
                                        cps_vm_extern *out);
/* The export at index i (the order of cps_vm_module_export). */
CPS_MUST_USE int cps_vm_instance_export_at(cps_vm_instance *inst, uint32_t i, cps_vm_extern *out);
/* The same for a name of `len` bytes that may contain NUL bytes. */
CPS_MUST_USE int cps_vm_instance_export_n(cps_vm_instance *inst, const char *name, size_t len,
                                          cps_vm_extern *out);

/* Calls the exported function `name` with `args` (types must match its parameters), writing its
 * results to `results` (room for nresults, which must equal the function's result count).
 * Returns 0, CPS_ERR_TRAP, CPS_ERR_DEADLINE, CPS_ERR_EXHAUSTION (call depth or value stack), an
 * error a host function returned, or CPS_ERR_NOT_FOUND / CPS_ERR_TYPE / CPS_ERR_INVALID_ARG for a
 * bad request, or CPS_ERR_STATE when called from inside a host function of the same instance.
 * After a trap the instance stays usable (its memory and globals keep what was written). */
CPS_MUST_USE int cps_vm_call(cps_vm_instance *inst, const char *name, const cps_vm_value *args,
                             size_t nargs, cps_vm_value *results, size_t nresults,
                             cps_vm_exec *exec);
/* The same for a function reference: the `ptr` of an extern of kind CPS_VM_EXTERN_FUNC (from any
 * instance) or a funcref value. Passing anything else is undefined: check the extern's kind. */
CPS_MUST_USE int cps_vm_call_func(void *func, const cps_vm_value *args, size_t nargs,
                                  cps_vm_value *results, size_t nresults, cps_vm_exec *exec);
/* The parameter and result types of a function extern (borrowed from its module). */
void cps_vm_func_type(const void *func, const uint8_t **params, uint32_t *nparams,
                      const uint8_t **results, uint32_t *nresults);

/* Reading and writing exported globals, memories and tables (for hosts and the spec runner).
 * cps_vm_global_set fails with CPS_ERR_STATE on an immutable global, CPS_ERR_TYPE on a type
 * mismatch. */
int cps_vm_global_type(const void *global, bool *mutable_);
cps_vm_value cps_vm_global_get(const void *global);
CPS_MUST_USE int cps_vm_global_set(void *global, cps_vm_value v);
uint8_t *cps_vm_memory_data(void *memory, uint64_t *size);

/* ---- module cache ---------------------------------------------------------------------------- */

/* A cache of loaded modules keyed by a 32-byte code hash (the chain's code_hash, i.e. sha256 of
 * the binary), so a contract is decoded and translated once, not per action. It holds one
 * reference per entry and evicts the least recently used entry beyond `capacity`. Thread-safe. */
typedef struct cps_vm_cache cps_vm_cache;

CPS_MUST_USE int cps_vm_cache_create(size_t capacity, cps_vm_cache **out);
void cps_vm_cache_destroy(cps_vm_cache *c);
/* Returns a new reference to the cached module (caller releases it), or NULL. */
cps_vm_module *cps_vm_cache_get(cps_vm_cache *c, const uint8_t hash[32]);
/* Stores m under hash (taking its own reference; an existing entry is replaced). */
CPS_MUST_USE int cps_vm_cache_put(cps_vm_cache *c, const uint8_t hash[32], cps_vm_module *m);
/* get, or load `bytes` and put: the usual way to obtain a contract's module. *out is a new
 * reference. */
CPS_MUST_USE int cps_vm_cache_load(cps_vm_cache *c, const uint8_t hash[32], const uint8_t *bytes,
                                   size_t size, const cps_vm_limits *limits, cps_vm_module **out);
/* Entries in the cache, and hits/misses since creation (for monitoring). */
void cps_vm_cache_stats(cps_vm_cache *c, size_t *entries, uint64_t *hits, uint64_t *misses);

#endif
