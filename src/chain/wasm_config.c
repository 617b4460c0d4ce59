/* wasm_config: the chain's WebAssembly limits (EOSIO's wasm_config, the global properties' wasm
 * configuration that set_wasm_parameters_packed changes) — its record, its validation, and how
 * it binds the VM: every limit when a contract is set (eos-vm's setcode parse), the memory pages
 * and call depth when a contract runs (eos-vm's apply options).
 *
 * Record in chain.global: "wasmcfg" = the 11 fields, u32 little-endian each, in wasm_config's
 * order. A state without the record (a chain started before CPS kept it, or its snapshot) has the
 * defaults, as nodeos gives a v2/v3 snapshot default_initial_wasm_configuration. The record is an
 * ordinary state row: a failed transaction's change is undone with it, and snapshots carry it. */
#include "chain/controller_internal.h"

#include <string.h>

#define WASMCFG_KEY "wasmcfg"
#define WASMCFG_KEY_LEN 7
#define WASMCFG_FIELDS 11

void cps_chain__wasm_config_default(cps_chain_wasm_config *out)
{
    /* config.hpp default_max_wasm_* */
    out->max_mutable_global_bytes = 1024;
    out->max_table_elements = 1024;
    out->max_section_elements = 8192;
    out->max_linear_memory_init = 64 * 1024;
    out->max_func_local_bytes = 8192;
    out->max_nested_structures = 1024;
    out->max_symbol_bytes = 8192;
    out->max_module_bytes = 20 * 1024 * 1024;
    out->max_code_bytes = 20 * 1024 * 1024;
    out->max_pages = 528;
    out->max_call_depth = 251;
}

/* The fields in wasm_config's (FC_REFLECT) order. */
static uint32_t *field(cps_chain_wasm_config *c, int i)
{
    uint32_t *f[WASMCFG_FIELDS] = {
        &c->max_mutable_global_bytes, &c->max_table_elements,  &c->max_section_elements,
        &c->max_linear_memory_init,   &c->max_func_local_bytes, &c->max_nested_structures,
        &c->max_symbol_bytes,         &c->max_module_bytes,     &c->max_code_bytes,
        &c->max_pages,                &c->max_call_depth,
    };
    return f[i];
}

void cps_chain__wasm_config_pack(cps_buf *b, const cps_chain_wasm_config *cfg)
{
    cps_chain_wasm_config copy = *cfg;
    for (int i = 0; i < WASMCFG_FIELDS; i++)
        cps_write_u32(b, *field(&copy, i));
}

int cps_chain__wasm_config_unpack(cps_reader *r, cps_chain_wasm_config *out)
{
    for (int i = 0; i < WASMCFG_FIELDS; i++) {
        int rc = cps_read_u32(r, field(out, i));
        if (rc) return cps_fail_prefix(rc, "wasm_config field %d of %d", i + 1, WASMCFG_FIELDS);
    }
    return 0;
}

int cps_chain__wasm_config_validate(const cps_chain_wasm_config *c)
{
    /* wasm_config::validate, the same rules, order and messages (action_validate_exception) */
    static const struct {
        size_t offset;
        uint32_t min;
        const char *name;
    } rules[] = {
        {offsetof(cps_chain_wasm_config, max_section_elements), 4, "max_section_elements"},
        {offsetof(cps_chain_wasm_config, max_func_local_bytes), 8, "max_func_local_bytes"},
        {offsetof(cps_chain_wasm_config, max_nested_structures), 1, "max_nested_structures"},
        {offsetof(cps_chain_wasm_config, max_symbol_bytes), 32, "max_symbol_bytes"},
        {offsetof(cps_chain_wasm_config, max_module_bytes), 256, "max_module_bytes"},
        {offsetof(cps_chain_wasm_config, max_code_bytes), 32, "max_code_bytes"},
        {offsetof(cps_chain_wasm_config, max_pages), 1, "max_pages"},
        {offsetof(cps_chain_wasm_config, max_call_depth), 2, "max_call_depth"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(rules); i++) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)c + rules[i].offset, sizeof v);
        if (v < rules[i].min)
            return cps_fail(CPS_ERR_INVALID_ARG, "%s cannot be less than %u", rules[i].name,
                            rules[i].min);
    }
    return 0;
}

int cps_chain__wasm_config_load(cps_chain_controller *c, cps_state_view *v,
                                cps_chain_wasm_config *out)
{
    cps_state_view *own = NULL;
    int rc = 0;
    if (!v) v = cps_chain__view(c);
    if (!v) { /* no block pending: the head state */
        if ((rc = cps_state_view_open(c->st, &own))) return rc;
        v = own;
    }
    cps_bytes val;
    rc = cps_state_get(v, c->t_global, WASMCFG_KEY, WASMCFG_KEY_LEN, &val);
    if (rc == CPS_ERR_NOT_FOUND) {
        cps_chain__wasm_config_default(out);
        rc = 0;
    } else if (!rc) {
        cps_reader r = cps_reader_make(val.data, val.size);
        rc = cps_chain__wasm_config_unpack(&r, out);
        if (!rc && cps_reader_left(&r) != 0)
            rc = cps_fail(CPS_ERR_FORMAT, "%zu bytes after the fields", cps_reader_left(&r));
        if (rc) rc = cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.global wasmcfg record");
    }
    if (own) cps_state_view_close(own);
    return rc;
}

int cps_chain__wasm_config_store(cps_chain_controller *c, const cps_chain_wasm_config *cfg)
{
    cps_buf b = {0};
    cps_chain__wasm_config_pack(&b, cfg);
    int rc = b.failed ? cps_fail(CPS_ERR_NOMEM, "wasmcfg record") : 0;
    if (!rc) rc = cps_state_put(c->st, c->t_global, WASMCFG_KEY, WASMCFG_KEY_LEN, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

void cps_chain__wasm_run_limits(const cps_chain_controller *c, const cps_chain_wasm_config *cfg,
                                cps_vm_limits *out)
{
    *out = c->vm_limits;
    out->max_memory_pages = cfg->max_pages;
    out->max_call_depth = cfg->max_call_depth;
}

void cps_chain__wasm_setcode_limits(const cps_chain_controller *c,
                                    const cps_chain_wasm_config *cfg, cps_vm_limits *out)
{
    cps_chain__wasm_run_limits(c, cfg, out);
    out->max_module_size = cfg->max_module_bytes;
    out->max_func_size = cfg->max_code_bytes;
    out->max_block_depth = cfg->max_nested_structures;
    out->max_section_elements = cfg->max_section_elements;
    out->max_mutable_global_bytes = cfg->max_mutable_global_bytes;
    out->max_table_elements = cfg->max_table_elements;
    out->max_initial_pages = cfg->max_pages;
    out->max_linear_memory_init = cfg->max_linear_memory_init;
    out->max_func_local_bytes = cfg->max_func_local_bytes;
    out->max_symbol_bytes = cfg->max_symbol_bytes;
    /* eos-vm bounds a section's entries by max_section_elements alone, the locals by their
     * bytes alone: CPS's own counts must not refuse what those accept */
    uint32_t n = cfg->max_section_elements;
    if (out->max_types < n) out->max_types = n;
    if (out->max_imports < n) out->max_imports = n;
    if (out->max_exports < n) out->max_exports = n;
    if (out->max_segments < n) out->max_segments = n;
    uint64_t funcs = 2 * (uint64_t)n; /* imports and defined functions each up to n */
    if (out->max_functions < funcs) out->max_functions = funcs > UINT32_MAX ? UINT32_MAX : (uint32_t)funcs;
    if (out->max_globals < n) out->max_globals = n;
    if (out->max_section_size < cfg->max_module_bytes) out->max_section_size = cfg->max_module_bytes;
    if (out->max_locals < cfg->max_func_local_bytes / 4)
        out->max_locals = cfg->max_func_local_bytes / 4;
}
