/* intrinsics: the registry of host-function groups — one merged table bound to every contract
 * instance, and the import check setcode applies. */
#include "chain/intrinsics.h"
#include "chain/host_groups.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Every group, in one list: a new host_*.c adds its group here. */
static const cps_chain_intrinsic_group *const groups[] = {
    &cps_chain__host_core,        &cps_chain__host_db_i64,     &cps_chain__host_db_idx,
    &cps_chain__host_crypto,      &cps_chain__host_system,     &cps_chain__host_transaction,
    &cps_chain__host_privileged,  &cps_chain__host_permission, &cps_chain__host_compiler_rt,
    &cps_chain__host_console,
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static cps_vm_host_func *table;
static size_t table_count;
static int table_error;
static char table_error_msg[160];

static void build(void)
{
    size_t n = 0;
    for (size_t g = 0; g < CPS_ARRAY_LEN(groups); g++) n += groups[g]->count;
    table = calloc(n ? n : 1, sizeof *table);
    if (!table) {
        table_error = CPS_ERR_NOMEM;
        return;
    }
    for (size_t g = 0; g < CPS_ARRAY_LEN(groups); g++)
        for (size_t i = 0; i < groups[g]->count; i++) {
            const cps_vm_host_func *f = &groups[g]->funcs[i];
            for (size_t k = 0; k < table_count; k++)
                if (!strcmp(table[k].name, f->name) && !strcmp(table[k].module, f->module)) {
                    table_error = CPS_ERR_EXISTS;
                    snprintf(table_error_msg, sizeof table_error_msg,
                             "host function %s.%s is provided twice (group %s)", f->module, f->name,
                             groups[g]->area);
                    return;
                }
            table[table_count++] = *f;
        }
}

int cps_chain__intrinsics_table(const cps_vm_host_func **funcs, size_t *count)
{
    pthread_once(&once, build);
    if (table_error)
        return cps_fail(table_error, "%s", table_error_msg[0] ? table_error_msg : "intrinsics");
    *funcs = table;
    *count = table_count;
    return 0;
}

int cps_chain__intrinsics_check_imports(const cps_vm_module *m)
{
    const cps_vm_host_func *funcs = NULL;
    size_t count = 0;
    int rc = cps_chain__intrinsics_table(&funcs, &count);
    if (rc) return rc;
    uint32_t n = cps_vm_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const char *mod, *name;
        int kind;
        if ((rc = cps_vm_module_import(m, i, &mod, &name, &kind))) return rc;
        if (kind != CPS_VM_EXTERN_FUNC)
            return cps_fail(CPS_ERR_WASM_UNLINKABLE, "contract imports %s.%s, which is not a function",
                            mod, name);
        bool found = false;
        for (size_t k = 0; k < count && !found; k++)
            found = !strcmp(funcs[k].module, mod) && !strcmp(funcs[k].name, name);
        if (!found)
            return cps_fail(CPS_ERR_WASM_UNLINKABLE, "contract imports unknown intrinsic %s.%s", mod,
                            name);
    }
    return 0;
}
