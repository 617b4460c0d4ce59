/* chain (internal): how the EOSIO intrinsics (the `env.*` host functions contracts import) are
 * registered. Each area is one group in its own file (host_core.c: action data, authorization,
 * assertions, console, memory, time, db_*_i64; further files for secondary indexes, crypto,
 * privileged calls, transactions, compiler-rt), written against apply_context.h.
 *
 * A host function gets its apply context with cps_chain__apply_from_vm(vm) and fails by
 * returning a CPS_ERR_* code after cps_fail (or cps_vm_trap for a trap). The controller binds
 * every group to every contract instance; setcode refuses a module importing a name that no
 * group provides (or with another signature), naming it.
 *
 * Adding a group: define `const cps_chain_intrinsic_group cps_chain__host_<area>` in its file,
 * declare it below and add it to the list in intrinsics.c. A name must be provided by one group
 * only (cps_chain__intrinsics_table refuses duplicates). */
#ifndef CPS_CHAIN_INTRINSICS_H
#define CPS_CHAIN_INTRINSICS_H

#include "vm/vm.h"
#include "chain/apply_context.h"

typedef struct cps_chain_intrinsic_group {
    const char *area;               /* "core", "db_i64", ... for messages */
    const cps_vm_host_func *funcs;  /* module "env", signature in cps_vm_host_func's notation */
    size_t count;
} cps_chain_intrinsic_group;

/* The groups implemented so far. */
extern const cps_chain_intrinsic_group cps_chain__host_core;
extern const cps_chain_intrinsic_group cps_chain__host_db_i64;

/* The merged table of every group, built once per process (thread-safe); the array is static and
 * must not be freed. Fails with CPS_ERR_EXISTS naming a host function two groups provide. */
CPS_MUST_USE int cps_chain__intrinsics_table(const cps_vm_host_func **funcs, size_t *count);

/* Checks a module's imports against the table: every import must be a function of module "env"
 * that the table provides. CPS_ERR_WASM_UNLINKABLE naming the first offending import
 * ("contract imports unknown intrinsic env.foo"). */
CPS_MUST_USE int cps_chain__intrinsics_check_imports(const cps_vm_module *m);

#endif
