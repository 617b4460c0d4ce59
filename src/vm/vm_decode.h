/* vm: the byte reader shared by the decoder and the translator (strict LEB128, errors that name
 * the section and the absolute offset), and the translator's interface. Not a public header. */
#ifndef CPS_VM_DECODE_H
#define CPS_VM_DECODE_H

#include <stdio.h>

#include "vm/vm_internal.h"

typedef struct vm_rd {
    const uint8_t *data;
    size_t size, pos;
    size_t base;      /* offset of data[0] in the module, for messages */
    const char *what; /* "type section", "code section, function 3" */
} vm_rd;

int cps_vm__rd_fail(vm_rd *r, int code, const char *fmt, ...) CPS_PRINTF(3, 4);
int cps_vm__rd_u8(vm_rd *r, uint8_t *v);
int cps_vm__rd_u32(vm_rd *r, uint32_t *v);
int cps_vm__rd_s32(vm_rd *r, int32_t *v);
int cps_vm__rd_s33(vm_rd *r, int64_t *v);
int cps_vm__rd_s64(vm_rd *r, int64_t *v);
/* n little-endian bytes (float constants). */
int cps_vm__rd_fixed(vm_rd *r, size_t n, uint64_t *v);
bool cps_vm__is_valtype(uint8_t t);
const char *cps_vm__type_name(uint8_t t);

/* The translator: one per module load, reused for every function body. */
typedef struct vm_compiler vm_compiler;
int cps_vm__compiler_create(cps_vm_module *m, vm_compiler **out);
/* Validates and translates defined function `def_index` from body[0..size) (at `offset` in the
 * module). */
int cps_vm__compile_function(vm_compiler *c, uint32_t def_index, const uint8_t *body, size_t size,
                             size_t offset);
/* Hands the translated code to the module and resolves function entries. */
int cps_vm__compiler_finish(vm_compiler *c);
void cps_vm__compiler_destroy(vm_compiler *c);

#endif
