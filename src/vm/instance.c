/* vm: modules' life cycle and the runtime around the interpreter: limits, loading, import
 * resolution and host binding, instantiation (segments, start function), reset, exports, calls
 * from the host, memory/table growth and the host-side accessors. */
#include "vm/vm_decode.h"

#include <stdlib.h>
#include <string.h>

void cps_vm_limits_default(cps_vm_limits *l)
{
    l->max_module_size = 64u << 20;
    l->max_section_size = 64u << 20;
    l->max_types = 100000;
    l->max_functions = 100000;
    l->max_imports = 100000;
    l->max_exports = 100000;
    l->max_globals = 100000;
    l->max_tables = 100000;
    l->max_locals = 50000;
    l->max_func_size = 8u << 20;
    l->max_block_depth = 4096;
    l->max_segments = 100000;
    l->max_br_table = 1u << 20;
    l->max_memory_pages = 1024;
    l->max_table_size = 1u << 20;
    l->max_call_depth = 1024;
    l->max_stack_slots = 1u << 18;
    l->max_section_elements = UINT32_MAX;
    l->max_mutable_global_bytes = UINT32_MAX;
    l->max_table_elements = UINT32_MAX;
    l->max_initial_pages = UINT32_MAX;
    l->max_linear_memory_init = UINT32_MAX;
    l->max_func_local_bytes = UINT32_MAX;
    l->max_symbol_bytes = UINT32_MAX;
}

/* ---- modules ----------------------------------------------------------------------------- */

static void module_free(cps_vm_module *m)
{
    if (!m) return;
    free(m->arena_types);
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free((char *)m->imports[i].module);
        free((char *)m->imports[i].name);
    }
    free(m->imports);
    free(m->func_types);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free((char *)m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        free(m->elems[i].items);
    free(m->elems);
    for (uint32_t i = 0; i < m->ndatas; i++)
        free((uint8_t *)m->datas[i].bytes);
    free(m->datas);
    free(m->declared_funcs);
    if (m->codes)
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
            free(m->codes[i].consts);
    free(m->codes);
    free(m->code);
    free(m);
}

int cps_vm_module_load(const uint8_t *bytes, size_t size, const cps_vm_limits *limits,
                       cps_vm_module **out)
{
    *out = NULL;
    if (!bytes && size) return cps_fail(CPS_ERR_INVALID_ARG, "module bytes are NULL");
    cps_vm_module *m = calloc(1, sizeof *m);
    if (!m) return cps_fail(CPS_ERR_NOMEM, "module");
    m->refcount = 1;
    if (limits)
        m->limits = *limits;
    else
        cps_vm_limits_default(&m->limits);
    int rc = cps_vm__decode(m, bytes, size);
    if (rc) {
        module_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

cps_vm_module *cps_vm_module_retain(cps_vm_module *m)
{
    __atomic_add_fetch(&m->refcount, 1, __ATOMIC_RELAXED);
    return m;
}

void cps_vm_module_release(cps_vm_module *m)
{
    if (!m) return;
    if (__atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL) == 0) module_free(m);
}

uint32_t cps_vm_module_import_count(const cps_vm_module *m)
{
    return m->nimports;
}

int cps_vm_module_import(const cps_vm_module *m, uint32_t i, const char **module, const char **name,
                         int *kind)
{
    if (i >= m->nimports) return cps_fail(CPS_ERR_NOT_FOUND, "import %u of %u", i, m->nimports);
    *module = m->imports[i].module;
    *name = m->imports[i].name;
    *kind = m->imports[i].kind;
    return 0;
}

uint32_t cps_vm_module_export_count(const cps_vm_module *m)
{
    return m->nexports;
}

int cps_vm_module_export(const cps_vm_module *m, uint32_t i, const char **name, int *kind)
{
    if (i >= m->nexports) return cps_fail(CPS_ERR_NOT_FOUND, "export %u of %u", i, m->nexports);
    *name = m->exports[i].name;
    *kind = m->exports[i].kind;
    return 0;
}

/* ---- growth ------------------------------------------------------------------------------ */

int cps_vm__memory_grow(vm_memory *mem, uint32_t delta, uint32_t *old_pages)
{
    *old_pages = mem->pages;
    if (delta == 0) return 0;
    if ((uint64_t)mem->pages + delta > mem->max_pages) return CPS_ERR_LIMIT;
    uint64_t new_size = ((uint64_t)mem->pages + delta) * VM_PAGE_SIZE;
    uint8_t *p = realloc(mem->data, (size_t)new_size);
    if (!p) return CPS_ERR_NOMEM;
    memset(p + mem->size, 0, (size_t)(new_size - mem->size));
    mem->data = p;
    mem->size = new_size;
    mem->pages += delta;
    return 0;
}

int cps_vm__table_grow(vm_table *t, uint32_t delta, void *init, uint32_t *old_size)
{
    *old_size = t->size;
    if ((uint64_t)t->size + delta > t->max) return CPS_ERR_LIMIT;
    if (delta == 0) return 0;
    size_t n = (size_t)t->size + delta;
    void **p = realloc(t->elems, n * sizeof(void *));
    if (!p) return CPS_ERR_NOMEM;
    for (size_t i = t->size; i < n; i++)
        p[i] = init;
    t->elems = p;
    t->size = (uint32_t)n;
    return 0;
}

/* ---- instantiation ----------------------------------------------------------------------- */

cps_vm_slot cps_vm__eval_const(cps_vm_instance *inst, const vm_constexpr *e)
{
    cps_vm_slot v;
    v.i64 = 0;
    switch (e->op) {
    case 0x23:
        v = inst->globals[e->value]->value;
        break;
    case 0xd2:
        v.ref = inst->funcs[e->value];
        break;
    case 0xd0:
        v.ref = NULL;
        break;
    default:
        v.i64 = e->value;
        break;
    }
    return v;
}

/* The value type a signature letter names, or 0 for a letter that names none. */
static uint8_t sig_letter_type(char c)
{
    switch (c) {
    case 'i':
        return CPS_VM_I32;
    case 'I':
        return CPS_VM_I64;
    case 'f':
        return CPS_VM_F32;
    case 'F':
        return CPS_VM_F64;
    case 'r':
        return CPS_VM_FUNCREF;
    case 'e':
        return CPS_VM_EXTERNREF;
    default:
        return 0;
    }
}

static int parse_sig(const char *sig, uint8_t *types, uint32_t *np, uint32_t *nr)
{
    /* "(params)results", one letter a type */
    const char *p = sig;
    uint32_t n = 0, k = 0;
    if (!p || *p != '(') return -1;
    p++;
    for (; *p && *p != ')'; p++) {
        uint8_t t = sig_letter_type(*p);
        if (!t || n >= 32) return -1;
        types[n++] = t;
    }
    if (*p != ')') return -1;
    p++;
    k = n;
    for (; *p; p++) {
        uint8_t t = sig_letter_type(*p);
        if (!t || k >= 32) return -1;
        types[k++] = t;
    }
    *np = n;
    *nr = k - n;
    return 0;
}

static int unlinkable(const vm_import *im, const char *why)
{
    return cps_fail(CPS_ERR_WASM_UNLINKABLE, "import \"%s\" \"%s\": %s", im->module, im->name, why);
}

static bool limits_match(uint32_t have_min, bool have_has_max, uint32_t have_max,
                         const vm_limits_t *want)
{
    if (have_min < want->min) return false;
    if (want->has_max) {
        if (!have_has_max) return false;
        if (have_max > want->max) return false;
    }
    return true;
}

static int resolve_imports(cps_vm_instance *inst, const cps_vm_imports *imports)
{
    cps_vm_module *m = inst->module;
    uint32_t fi = 0, ti = 0, gi = 0, nhost = 0;
    inst->self_contained = true;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const vm_import *im = &m->imports[i];
        cps_vm_extern ext = {0, NULL};
        bool found = false;
        if (im->kind == CPS_VM_EXTERN_FUNC && imports && imports->funcs) {
            for (size_t k = 0; k < imports->nfuncs; k++) {
                const cps_vm_host_func *h = &imports->funcs[k];
                if (strcmp(h->module, im->module) != 0 || strcmp(h->name, im->name) != 0) continue;
                const vm_functype *want = &m->types[m->func_types[im->index]];
                uint8_t types[64];
                uint32_t np, nr;
                if (parse_sig(h->signature, types, &np, &nr) != 0)
                    return unlinkable(im, "host function has a malformed signature");
                vm_functype have = {np, nr, types, types + np, 0};
                have.hash = cps_vm__hash_type(types, np, types + np, nr);
                if (!cps_vm__functype_equal(&have, want))
                    return unlinkable(im, "incompatible import type (host signature differs)");
                vm_func *f = &inst->host_funcs[nhost++];
                f->type = want; /* the module outlives the instance */
                f->inst = NULL;
                f->host = h->fn;
                f->host_user = h->user;
                inst->funcs[fi++] = f;
                found = true;
                break;
            }
            if (found) continue;
        }
        if (imports && imports->resolve &&
            imports->resolve(imports->resolve_user, im->module, im->name, &ext) == 0 && ext.ptr)
            found = true;
        if (!found) return unlinkable(im, "unknown import");
        if (ext.kind != im->kind) return unlinkable(im, "incompatible import type (kind)");
        switch (im->kind) {
        case CPS_VM_EXTERN_FUNC: {
            vm_func *f = ext.ptr;
            if (!cps_vm__functype_equal(f->type, &m->types[m->func_types[im->index]]))
                return unlinkable(im, "incompatible import type");
            inst->funcs[fi++] = f;
            break;
        }
        case CPS_VM_EXTERN_TABLE: {
            vm_table *t = ext.ptr;
            const vm_table_type *want = &m->tables[im->index];
            if (t->elemtype != want->elemtype ||
                !limits_match(t->size, t->has_max, t->decl_max, &want->lim))
                return unlinkable(im, "incompatible import type");
            inst->tables[ti++] = t;
            inst->self_contained = false;
            break;
        }
        case CPS_VM_EXTERN_MEMORY: {
            vm_memory *mem = ext.ptr;
            const vm_limits_t *want = &m->memories[im->index];
            if (!limits_match(mem->pages, mem->has_max, mem->decl_max, want))
                return unlinkable(im, "incompatible import type");
            inst->memory = mem;
            inst->self_contained = false;
            break;
        }
        case CPS_VM_EXTERN_GLOBAL: {
            vm_global *g = ext.ptr;
            const vm_global_type *want = &m->globals[im->index];
            if (g->type != want->type || g->mut != want->mut)
                return unlinkable(im, "incompatible import type");
            inst->globals[gi++] = g;
            if (g->mut) inst->self_contained = false;
            break;
        }
        }
    }
    return 0;
}

int cps_vm_module_link_check(cps_vm_module *m, const cps_vm_imports *imports)
{
    /* resolve into scratch tables of a throw-away instance shell */
    cps_vm_instance tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.module = m;
    tmp.funcs = calloc(m->nfuncs + 1, sizeof(vm_func *));
    tmp.host_funcs = calloc(m->nfunc_imports + 1, sizeof(vm_func));
    tmp.tables = calloc(m->ntables + 1, sizeof(vm_table *));
    tmp.globals = calloc(m->nglobals + 1, sizeof(vm_global *));
    int rc = tmp.funcs && tmp.host_funcs && tmp.tables && tmp.globals
                 ? resolve_imports(&tmp, imports)
                 : cps_fail(CPS_ERR_NOMEM, "import tables");
    free(tmp.funcs);
    free(tmp.host_funcs);
    free(tmp.tables);
    free(tmp.globals);
    return rc;
}

/* Allocates the instance's own entities. */
static int alloc_own(cps_vm_instance *inst)
{
    cps_vm_module *m = inst->module;
    const cps_vm_limits *l = &inst->limits;
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    for (uint32_t i = 0; i < ndef; i++) {
        vm_func *f = &inst->own_funcs[i];
        f->code = &m->codes[i];
        f->type = m->codes[i].type;
        f->inst = inst;
        inst->funcs[m->nfunc_imports + i] = f;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        vm_table *t = &inst->own_tables[i - m->ntable_imports];
        const vm_table_type *tt = &m->tables[i];
        if (tt->lim.min > l->max_table_size)
            return cps_fail(CPS_ERR_LIMIT, "table %u of %u elements is over the limit of %u", i,
                            tt->lim.min, l->max_table_size);
        t->elemtype = tt->elemtype;
        t->has_max = tt->lim.has_max;
        t->decl_max = tt->lim.max;
        t->max =
            tt->lim.has_max && tt->lim.max < l->max_table_size ? tt->lim.max : l->max_table_size;
        t->size = tt->lim.min;
        t->elems = calloc(t->size ? t->size : 1, sizeof(void *));
        if (!t->elems) return cps_fail(CPS_ERR_NOMEM, "table of %u elements", t->size);
        inst->tables[i] = t;
    }
    if (m->nmemories > m->nmem_imports) {
        const vm_limits_t *ml = &m->memories[0];
        vm_memory *mem = &inst->own_memory;
        if (ml->min > l->max_memory_pages)
            return cps_fail(CPS_ERR_LIMIT, "memory of %u pages is over the limit of %u pages",
                            ml->min, l->max_memory_pages);
        mem->has_max = ml->has_max;
        mem->decl_max = ml->max;
        mem->max_pages =
            ml->has_max && ml->max < l->max_memory_pages ? ml->max : l->max_memory_pages;
        if (mem->max_pages > VM_MAX_PAGES) mem->max_pages = VM_MAX_PAGES;
        mem->pages = ml->min;
        mem->size = (uint64_t)ml->min * VM_PAGE_SIZE;
        mem->data = calloc(mem->size ? (size_t)mem->size : 1, 1);
        if (!mem->data) return cps_fail(CPS_ERR_NOMEM, "memory of %u pages", ml->min);
        inst->memory = mem;
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        vm_global *g = &inst->own_globals[i - m->nglobal_imports];
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        inst->globals[i] = g;
    }
    return 0;
}

static void init_globals(cps_vm_instance *inst)
{
    cps_vm_module *m = inst->module;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        inst->globals[i]->value = cps_vm__eval_const(inst, &m->globals[i].init);
}

/* Applies active element then data segments in order (WebAssembly 2.0: each segment is checked
 * when it is reached, so earlier ones stay applied when a later one is out of bounds). */
static int apply_segments(cps_vm_instance *inst)
{
    cps_vm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const vm_elem_seg *s = &m->elems[i];
        if (s->mode == VM_SEG_ACTIVE) {
            vm_table *t = inst->tables[s->table];
            uint32_t off = cps_vm__eval_const(inst, &s->offset).i32;
            if ((uint64_t)off + s->count > t->size)
                return cps_fail(CPS_ERR_WASM_UNINSTANTIABLE,
                                "out of bounds table access: element segment %u at %u + %u, table "
                                "size %u",
                                i, off, s->count, t->size);
            for (uint32_t k = 0; k < s->count; k++)
                t->elems[off + k] = cps_vm__eval_const(inst, &s->items[k]).ref;
        }
        if (s->mode != VM_SEG_PASSIVE) inst->dropped_elems[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const vm_data_seg *s = &m->datas[i];
        if (s->mode != VM_SEG_ACTIVE) continue;
        uint32_t off = cps_vm__eval_const(inst, &s->offset).i32;
        vm_memory *mem = inst->memory;
        if ((uint64_t)off + s->size > mem->size)
            return cps_fail(CPS_ERR_WASM_UNINSTANTIABLE,
                            "out of bounds memory access: data segment %u at %u + %u, memory size "
                            "%llu",
                            i, off, s->size, (unsigned long long)mem->size);
        if (s->size) memcpy(mem->data + off, s->bytes, s->size);
        inst->dropped_datas[i] = 1;
    }
    return 0;
}

int cps_vm_instance_create(cps_vm_module *m, const cps_vm_imports *imports,
                           const cps_vm_limits *limits, cps_vm_exec *start_exec, bool keep_on_trap,
                           cps_vm_instance **out)
{
    *out = NULL;
    cps_vm_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return cps_fail(CPS_ERR_NOMEM, "instance");
    inst->module = cps_vm_module_retain(m);
    if (limits)
        inst->limits = *limits;
    else
        cps_vm_limits_default(&inst->limits);
    if (inst->limits.max_call_depth == 0) inst->limits.max_call_depth = 1;
    if (inst->limits.max_stack_slots < 16) inst->limits.max_stack_slots = 16;
    int rc = 0;
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    inst->funcs = calloc(m->nfuncs + 1, sizeof(vm_func *));
    inst->own_funcs = calloc(ndef + 1, sizeof(vm_func));
    inst->host_funcs = calloc(m->nfunc_imports + 1, sizeof(vm_func));
    inst->tables = calloc(m->ntables + 1, sizeof(vm_table *));
    inst->own_tables = calloc(m->ntables - m->ntable_imports + 1, sizeof(vm_table));
    inst->globals = calloc(m->nglobals + 1, sizeof(vm_global *));
    inst->own_globals = calloc(m->nglobals - m->nglobal_imports + 1, sizeof(vm_global));
    inst->dropped_elems = calloc(m->nelems + 1, 1);
    inst->dropped_datas = calloc(m->ndatas + 1, 1);
    if (!inst->funcs || !inst->own_funcs || !inst->host_funcs || !inst->tables ||
        !inst->own_tables || !inst->globals || !inst->own_globals || !inst->dropped_elems ||
        !inst->dropped_datas) {
        rc = cps_fail(CPS_ERR_NOMEM, "instance tables");
        goto fail;
    }
    if ((rc = resolve_imports(inst, imports))) goto fail;
    if ((rc = alloc_own(inst))) goto fail;
    init_globals(inst);
    if ((rc = apply_segments(inst))) goto trapped;
    if (m->has_start) {
        cps_vm_exec dflt = {UINT64_C(1) << 40, 0, 0, NULL};
        cps_vm_exec *ex = start_exec ? start_exec : &dflt;
        cps_vm_slot none[1];
        if ((rc = cps_vm__invoke(inst->funcs[m->start], none, ex))) goto trapped;
    }
    *out = inst;
    return 0;
trapped:
    if (keep_on_trap) {
        *out = inst;
        return rc;
    }
fail:
    cps_vm_instance_destroy(inst);
    return rc;
}

void cps_vm_instance_destroy(cps_vm_instance *inst)
{
    if (!inst) return;
    cps_vm_module *m = inst->module;
    if (inst->own_tables)
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
            free(inst->own_tables[i].elems);
    free(inst->own_memory.data);
    free(inst->funcs);
    free(inst->own_funcs);
    free(inst->host_funcs);
    free(inst->tables);
    free(inst->own_tables);
    free(inst->globals);
    free(inst->own_globals);
    free(inst->dropped_elems);
    free(inst->dropped_datas);
    free(inst->stack);
    free(inst->frames);
    cps_vm_module_release(m);
    free(inst);
}

int cps_vm_instance_reset(cps_vm_instance *inst)
{
    cps_vm_module *m = inst->module;
    if (!inst->self_contained)
        return cps_fail(CPS_ERR_STATE, "instance shares memory, tables or mutable globals");
    if (inst->running) return cps_fail(CPS_ERR_STATE, "instance is running");
    if (inst->memory) {
        vm_memory *mem = inst->memory;
        uint32_t init_pages = m->memories[0].min;
        memset(mem->data, 0, (size_t)mem->size);
        if (mem->pages != init_pages) {
            uint64_t size = (uint64_t)init_pages * VM_PAGE_SIZE;
            uint8_t *p = realloc(mem->data, size ? (size_t)size : 1);
            if (p) mem->data = p; /* shrinking cannot really fail; keep the old block if it does */
            mem->pages = init_pages;
            mem->size = size;
        }
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        vm_table *t = inst->tables[i];
        uint32_t init = m->tables[i].lim.min;
        if (t->size != init) {
            void **p = realloc(t->elems, (init ? init : 1) * sizeof(void *));
            if (p) t->elems = p;
            t->size = init;
        }
        memset(t->elems, 0, (size_t)t->size * sizeof(void *));
    }
    memset(inst->dropped_elems, 0, m->nelems);
    memset(inst->dropped_datas, 0, m->ndatas);
    init_globals(inst);
    /* the segments fitted at instantiation and the sizes are back to the same: this succeeds */
    return apply_segments(inst);
}

int cps_vm_instance_export(cps_vm_instance *inst, const char *name, cps_vm_extern *out)
{
    return cps_vm_instance_export_n(inst, name, strlen(name), out);
}

int cps_vm_instance_export_at(cps_vm_instance *inst, uint32_t i, cps_vm_extern *out)
{
    cps_vm_module *m = inst->module;
    if (i >= m->nexports) return cps_fail(CPS_ERR_NOT_FOUND, "export %u of %u", i, m->nexports);
    const vm_export *e = &m->exports[i];
    out->kind = e->kind;
    switch (e->kind) {
    case CPS_VM_EXTERN_FUNC:
        out->ptr = inst->funcs[e->index];
        break;
    case CPS_VM_EXTERN_TABLE:
        out->ptr = inst->tables[e->index];
        break;
    case CPS_VM_EXTERN_MEMORY:
        out->ptr = inst->memory;
        break;
    default:
        out->ptr = inst->globals[e->index];
        break;
    }
    return 0;
}

int cps_vm_instance_export_n(cps_vm_instance *inst, const char *name, size_t len,
                             cps_vm_extern *out)
{
    cps_vm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const vm_export *e = &m->exports[i];
        if (e->name_len == len && memcmp(e->name, name, len) == 0)
            return cps_vm_instance_export_at(inst, i, out);
    }
    return cps_fail(CPS_ERR_NOT_FOUND, "no export named \"%.*s\"", (int)len, name);
}

/* ---- calls from the host ----------------------------------------------------------------- */

int cps_vm_call_func(void *func, const cps_vm_value *args, size_t nargs, cps_vm_value *results,
                     size_t nresults, cps_vm_exec *exec)
{
    vm_func *f = func;
    if (!f || !exec) return cps_fail(CPS_ERR_INVALID_ARG, "function or exec is NULL");
    const vm_functype *t = f->type;
    if (nargs != t->nparams)
        return cps_fail(CPS_ERR_TYPE, "function takes %u arguments, %zu given", t->nparams, nargs);
    if (nresults != t->nresults)
        return cps_fail(CPS_ERR_TYPE, "function returns %u results, room for %zu given",
                        t->nresults, nresults);
    size_t n = nargs > nresults ? nargs : nresults;
    cps_vm_slot small[16];
    cps_vm_slot *slots = n <= 16 ? small : malloc(n * sizeof(cps_vm_slot));
    if (!slots) return cps_fail(CPS_ERR_NOMEM, "arguments");
    int rc = 0;
    for (size_t i = 0; i < nargs; i++) {
        if (args[i].type != t->params[i]) {
            rc = cps_fail(CPS_ERR_TYPE, "argument %zu is %s, expected %s", i,
                          cps_vm__type_name(args[i].type), cps_vm__type_name(t->params[i]));
            goto out;
        }
        slots[i] = args[i].v;
    }
    exec->used = 0;
    rc = cps_vm__invoke(f, slots, exec);
    if (rc == 0) {
        for (size_t i = 0; i < nresults; i++) {
            results[i].type = t->results[i];
            results[i].v.i64 = 0;
            switch (t->results[i]) {
            case CPS_VM_I32:
            case CPS_VM_F32:
                results[i].v.i32 = slots[i].i32;
                break;
            default:
                results[i].v = slots[i];
                break;
            }
        }
    }
out:
    if (slots != small) free(slots);
    return rc;
}

int cps_vm_call(cps_vm_instance *inst, const char *name, const cps_vm_value *args, size_t nargs,
                cps_vm_value *results, size_t nresults, cps_vm_exec *exec)
{
    cps_vm_extern e;
    int rc = cps_vm_instance_export(inst, name, &e);
    if (rc) return rc;
    if (e.kind != CPS_VM_EXTERN_FUNC)
        return cps_fail(CPS_ERR_TYPE, "export \"%s\" is not a function", name);
    return cps_vm_call_func(e.ptr, args, nargs, results, nresults, exec);
}

void cps_vm_func_type(const void *func, const uint8_t **params, uint32_t *nparams,
                      const uint8_t **results, uint32_t *nresults)
{
    const vm_func *f = func;
    *params = f->type->params;
    *nparams = f->type->nparams;
    *results = f->type->results;
    *nresults = f->type->nresults;
}

int cps_vm_global_type(const void *global, bool *mutable_)
{
    const vm_global *g = global;
    if (mutable_) *mutable_ = g->mut;
    return g->type;
}

cps_vm_value cps_vm_global_get(const void *global)
{
    const vm_global *g = global;
    cps_vm_value v;
    v.type = g->type;
    v.v.i64 = 0;
    if (g->type == CPS_VM_I32 || g->type == CPS_VM_F32)
        v.v.i32 = g->value.i32;
    else
        v.v = g->value;
    return v;
}

int cps_vm_global_set(void *global, cps_vm_value v)
{
    vm_global *g = global;
    if (!g->mut) return cps_fail(CPS_ERR_STATE, "global is immutable");
    if (v.type != g->type) return cps_fail(CPS_ERR_TYPE, "global type mismatch");
    g->value = v.v;
    return 0;
}

uint8_t *cps_vm_memory_data(void *memory, uint64_t *size)
{
    vm_memory *m = memory;
    *size = m->size;
    return m->data;
}

/* ---- host accessors ---------------------------------------------------------------------- */

int cps_vm_mem(cps_vm_ctx *ctx, uint32_t addr, uint32_t len, uint8_t **out)
{
    vm_memory *mem = ctx->inst ? ctx->inst->memory : NULL;
    if (!mem || (uint64_t)addr + len > mem->size)
        return cps_fail(CPS_ERR_TRAP, "out of bounds memory access: host access of %u bytes at %u",
                        len, addr);
    *out = mem->data + addr;
    return 0;
}

int cps_vm_mem_read(cps_vm_ctx *ctx, uint32_t addr, void *dst, uint32_t len)
{
    uint8_t *p = NULL;
    int rc = cps_vm_mem(ctx, addr, len, &p);
    if (rc) return rc;
    if (len) memcpy(dst, p, len);
    return 0;
}

int cps_vm_mem_write(cps_vm_ctx *ctx, uint32_t addr, const void *src, uint32_t len)
{
    uint8_t *p = NULL;
    int rc = cps_vm_mem(ctx, addr, len, &p);
    if (rc) return rc;
    if (len) memcpy(p, src, len);
    return 0;
}

uint64_t cps_vm_mem_size(cps_vm_ctx *ctx)
{
    return ctx->inst && ctx->inst->memory ? ctx->inst->memory->size : 0;
}

int cps_vm_trap(cps_vm_ctx *ctx, const char *fmt, ...)
{
    (void)ctx;
    va_list ap;
    va_start(ap, fmt);
    int rc = cps_vfail(CPS_ERR_TRAP, fmt, ap);
    va_end(ap);
    return rc;
}

uint64_t cps_vm_budget_left(cps_vm_ctx *ctx)
{
    return ctx->budget < 0 ? 0 : (uint64_t)ctx->budget;
}

int cps_vm_budget_charge(cps_vm_ctx *ctx, uint64_t units)
{
    if (units > (uint64_t)ctx->budget) {
        ctx->budget = 0;
        return cps_fail(CPS_ERR_DEADLINE, "deadline exceeded: host function charged %llu units",
                        (unsigned long long)units);
    }
    ctx->budget -= (int64_t)units;
    return 0;
}

void *cps_vm_call_user(cps_vm_ctx *ctx)
{
    return ctx->exec ? ctx->exec->user : NULL;
}
