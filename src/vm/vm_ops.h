/* vm: the one list of numeric instructions (X-macros), shared by the validator (which types them),
 * the translator (which maps a wasm opcode to an internal op) and the interpreter (which runs
 * them). Columns: internal name, wasm opcode, wasm operand type, wasm result type, access kind
 * of operands and result in a slot (the C view), and the expression over `a` (and `b`).
 * Access kinds: U32/U64 unsigned integers or raw float bits, F32/F64 floats. */
#ifndef CPS_VM_OPS_H
#define CPS_VM_OPS_H

/* X(name, wasm_opcode, wasm_in, wasm_out, c_in, c_out, expr) — one operand `a`. */
#define CPS_VM_UNOPS(X)                                                                            \
    X(I32_EQZ, 0x45, I32, I32, U32, U32, a == 0)                                                   \
    X(I64_EQZ, 0x50, I64, I32, U64, U32, a == 0)                                                   \
    X(I32_CLZ, 0x67, I32, I32, U32, U32, a ? (uint32_t)__builtin_clz(a) : 32u)                     \
    X(I32_CTZ, 0x68, I32, I32, U32, U32, a ? (uint32_t)__builtin_ctz(a) : 32u)                     \
    X(I32_POPCNT, 0x69, I32, I32, U32, U32, (uint32_t)__builtin_popcount(a))                       \
    X(I64_CLZ, 0x79, I64, I64, U64, U64, a ? (uint64_t)__builtin_clzll(a) : 64u)                   \
    X(I64_CTZ, 0x7a, I64, I64, U64, U64, a ? (uint64_t)__builtin_ctzll(a) : 64u)                   \
    X(I64_POPCNT, 0x7b, I64, I64, U64, U64, (uint64_t)__builtin_popcountll(a))                     \
    X(F32_ABS, 0x8b, F32, F32, U32, U32, a & 0x7fffffffu)                                          \
    X(F32_NEG, 0x8c, F32, F32, U32, U32, a ^ 0x80000000u)                                          \
    X(F32_CEIL, 0x8d, F32, F32, F32, F32, canon32(ceilf(a)))                                       \
    X(F32_FLOOR, 0x8e, F32, F32, F32, F32, canon32(floorf(a)))                                     \
    X(F32_TRUNC, 0x8f, F32, F32, F32, F32, canon32(truncf(a)))                                     \
    X(F32_NEAREST, 0x90, F32, F32, F32, F32, canon32(nearbyintf(a)))                               \
    X(F32_SQRT, 0x91, F32, F32, F32, F32, canon32(sqrtf(a)))                                       \
    X(F64_ABS, 0x99, F64, F64, U64, U64, a & 0x7fffffffffffffffull)                                \
    X(F64_NEG, 0x9a, F64, F64, U64, U64, a ^ 0x8000000000000000ull)                                \
    X(F64_CEIL, 0x9b, F64, F64, F64, F64, canon64(ceil(a)))                                        \
    X(F64_FLOOR, 0x9c, F64, F64, F64, F64, canon64(floor(a)))                                      \
    X(F64_TRUNC, 0x9d, F64, F64, F64, F64, canon64(trunc(a)))                                      \
    X(F64_NEAREST, 0x9e, F64, F64, F64, F64, canon64(nearbyint(a)))                                \
    X(F64_SQRT, 0x9f, F64, F64, F64, F64, canon64(sqrt(a)))                                        \
    X(I64_EXTEND_I32_S, 0xac, I32, I64, U32, U64, (uint64_t)(int64_t)(int32_t)a)                   \
    X(I64_EXTEND_I32_U, 0xad, I32, I64, U32, U64, (uint64_t)a)                                     \
    X(F32_CONVERT_I32_S, 0xb2, I32, F32, U32, F32, (float)(int32_t)a)                              \
    X(F32_CONVERT_I32_U, 0xb3, I32, F32, U32, F32, (float)a)                                       \
    X(F32_CONVERT_I64_S, 0xb4, I64, F32, U64, F32, (float)(int64_t)a)                              \
    X(F32_CONVERT_I64_U, 0xb5, I64, F32, U64, F32, (float)a)                                       \
    X(F32_DEMOTE_F64, 0xb6, F64, F32, F64, F32, canon32((float)a))                                 \
    X(F64_CONVERT_I32_S, 0xb7, I32, F64, U32, F64, (double)(int32_t)a)                             \
    X(F64_CONVERT_I32_U, 0xb8, I32, F64, U32, F64, (double)a)                                      \
    X(F64_CONVERT_I64_S, 0xb9, I64, F64, U64, F64, (double)(int64_t)a)                             \
    X(F64_CONVERT_I64_U, 0xba, I64, F64, U64, F64, (double)a)                                      \
    X(F64_PROMOTE_F32, 0xbb, F32, F64, F32, F64, canon64((double)a))                               \
    X(I32_EXTEND8_S, 0xc0, I32, I32, U32, U32, (uint32_t)(int32_t)(int8_t)a)                       \
    X(I32_EXTEND16_S, 0xc1, I32, I32, U32, U32, (uint32_t)(int32_t)(int16_t)a)                     \
    X(I64_EXTEND8_S, 0xc2, I64, I64, U64, U64, (uint64_t)(int64_t)(int8_t)a)                       \
    X(I64_EXTEND16_S, 0xc3, I64, I64, U64, U64, (uint64_t)(int64_t)(int16_t)a)                     \
    X(I64_EXTEND32_S, 0xc4, I64, I64, U64, U64, (uint64_t)(int64_t)(int32_t)a)                     \
    X(I32_TRUNC_SAT_F32_S, 0xfc00, F32, I32, F32, U32, sat_f32_i32(a))                             \
    X(I32_TRUNC_SAT_F32_U, 0xfc01, F32, I32, F32, U32, sat_f32_u32(a))                             \
    X(I32_TRUNC_SAT_F64_S, 0xfc02, F64, I32, F64, U32, sat_f64_i32(a))                             \
    X(I32_TRUNC_SAT_F64_U, 0xfc03, F64, I32, F64, U32, sat_f64_u32(a))                             \
    X(I64_TRUNC_SAT_F32_S, 0xfc04, F32, I64, F32, U64, sat_f32_i64(a))                             \
    X(I64_TRUNC_SAT_F32_U, 0xfc05, F32, I64, F32, U64, sat_f32_u64(a))                             \
    X(I64_TRUNC_SAT_F64_S, 0xfc06, F64, I64, F64, U64, sat_f64_i64(a))                             \
    X(I64_TRUNC_SAT_F64_U, 0xfc07, F64, I64, F64, U64, sat_f64_u64(a))

/* Unary operations that trap (float to integer): the expression is a statement that sets `r`
 * or jumps to the named trap. X(name, wasm, in, out, c_in, c_out, lo, hi) converts when
 * lo < a < hi (exclusive bounds chosen so that every value strictly between converts). */
#define CPS_VM_TRUNCOPS(X)                                                                         \
    X(I32_TRUNC_F32_S, 0xa8, F32, I32, F32, U32, int32_t, -2147483904.0f, 2147483648.0f)           \
    X(I32_TRUNC_F32_U, 0xa9, F32, I32, F32, U32, uint32_t, -1.0f, 4294967296.0f)                   \
    X(I32_TRUNC_F64_S, 0xaa, F64, I32, F64, U32, int32_t, -2147483649.0, 2147483648.0)             \
    X(I32_TRUNC_F64_U, 0xab, F64, I32, F64, U32, uint32_t, -1.0, 4294967296.0)                     \
    X(I64_TRUNC_F32_S, 0xae, F32, I64, F32, U64, int64_t, -9223373136366403584.0f,                 \
      9223372036854775808.0f)                                                                      \
    X(I64_TRUNC_F32_U, 0xaf, F32, I64, F32, U64, uint64_t, -1.0f, 18446744073709551616.0f)         \
    X(I64_TRUNC_F64_S, 0xb0, F64, I64, F64, U64, int64_t, -9223372036854777856.0,                  \
      9223372036854775808.0)                                                                       \
    X(I64_TRUNC_F64_U, 0xb1, F64, I64, F64, U64, uint64_t, -1.0, 18446744073709551616.0)

/* X(name, wasm, in, out, c_in, c_out, expr) — operands `a`, `b`. */
#define CPS_VM_BINOPS(X)                                                                           \
    X(I32_EQ, 0x46, I32, I32, U32, U32, a == b)                                                    \
    X(I32_NE, 0x47, I32, I32, U32, U32, a != b)                                                    \
    X(I32_LT_S, 0x48, I32, I32, U32, U32, (int32_t)a < (int32_t)b)                                 \
    X(I32_LT_U, 0x49, I32, I32, U32, U32, a < b)                                                   \
    X(I32_GT_S, 0x4a, I32, I32, U32, U32, (int32_t)a > (int32_t)b)                                 \
    X(I32_GT_U, 0x4b, I32, I32, U32, U32, a > b)                                                   \
    X(I32_LE_S, 0x4c, I32, I32, U32, U32, (int32_t)a <= (int32_t)b)                                \
    X(I32_LE_U, 0x4d, I32, I32, U32, U32, a <= b)                                                  \
    X(I32_GE_S, 0x4e, I32, I32, U32, U32, (int32_t)a >= (int32_t)b)                                \
    X(I32_GE_U, 0x4f, I32, I32, U32, U32, a >= b)                                                  \
    X(I64_EQ, 0x51, I64, I32, U64, U32, a == b)                                                    \
    X(I64_NE, 0x52, I64, I32, U64, U32, a != b)                                                    \
    X(I64_LT_S, 0x53, I64, I32, U64, U32, (int64_t)a < (int64_t)b)                                 \
    X(I64_LT_U, 0x54, I64, I32, U64, U32, a < b)                                                   \
    X(I64_GT_S, 0x55, I64, I32, U64, U32, (int64_t)a > (int64_t)b)                                 \
    X(I64_GT_U, 0x56, I64, I32, U64, U32, a > b)                                                   \
    X(I64_LE_S, 0x57, I64, I32, U64, U32, (int64_t)a <= (int64_t)b)                                \
    X(I64_LE_U, 0x58, I64, I32, U64, U32, a <= b)                                                  \
    X(I64_GE_S, 0x59, I64, I32, U64, U32, (int64_t)a >= (int64_t)b)                                \
    X(I64_GE_U, 0x5a, I64, I32, U64, U32, a >= b)                                                  \
    X(F32_EQ, 0x5b, F32, I32, F32, U32, a == b)                                                    \
    X(F32_NE, 0x5c, F32, I32, F32, U32, a != b)                                                    \
    X(F32_LT, 0x5d, F32, I32, F32, U32, a < b)                                                     \
    X(F32_GT, 0x5e, F32, I32, F32, U32, a > b)                                                     \
    X(F32_LE, 0x5f, F32, I32, F32, U32, a <= b)                                                    \
    X(F32_GE, 0x60, F32, I32, F32, U32, a >= b)                                                    \
    X(F64_EQ, 0x61, F64, I32, F64, U32, a == b)                                                    \
    X(F64_NE, 0x62, F64, I32, F64, U32, a != b)                                                    \
    X(F64_LT, 0x63, F64, I32, F64, U32, a < b)                                                     \
    X(F64_GT, 0x64, F64, I32, F64, U32, a > b)                                                     \
    X(F64_LE, 0x65, F64, I32, F64, U32, a <= b)                                                    \
    X(F64_GE, 0x66, F64, I32, F64, U32, a >= b)                                                    \
    X(I32_ADD, 0x6a, I32, I32, U32, U32, a + b)                                                    \
    X(I32_SUB, 0x6b, I32, I32, U32, U32, a - b)                                                    \
    X(I32_MUL, 0x6c, I32, I32, U32, U32, a *b)                                                     \
    X(I32_AND, 0x71, I32, I32, U32, U32, a &b)                                                     \
    X(I32_OR, 0x72, I32, I32, U32, U32, a | b)                                                     \
    X(I32_XOR, 0x73, I32, I32, U32, U32, a ^ b)                                                    \
    X(I32_SHL, 0x74, I32, I32, U32, U32, a << (b & 31))                                            \
    X(I32_SHR_S, 0x75, I32, I32, U32, U32, (uint32_t)((int32_t)a >> (b & 31)))                     \
    X(I32_SHR_U, 0x76, I32, I32, U32, U32, a >> (b & 31))                                          \
    X(I32_ROTL, 0x77, I32, I32, U32, U32, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)))         \
    X(I32_ROTR, 0x78, I32, I32, U32, U32, (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)))         \
    X(I64_ADD, 0x7c, I64, I64, U64, U64, a + b)                                                    \
    X(I64_SUB, 0x7d, I64, I64, U64, U64, a - b)                                                    \
    X(I64_MUL, 0x7e, I64, I64, U64, U64, a *b)                                                     \
    X(I64_AND, 0x83, I64, I64, U64, U64, a &b)                                                     \
    X(I64_OR, 0x84, I64, I64, U64, U64, a | b)                                                     \
    X(I64_XOR, 0x85, I64, I64, U64, U64, a ^ b)                                                    \
    X(I64_SHL, 0x86, I64, I64, U64, U64, a << (b & 63))                                            \
    X(I64_SHR_S, 0x87, I64, I64, U64, U64, (uint64_t)((int64_t)a >> (b & 63)))                     \
    X(I64_SHR_U, 0x88, I64, I64, U64, U64, a >> (b & 63))                                          \
    X(I64_ROTL, 0x89, I64, I64, U64, U64, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))         \
    X(I64_ROTR, 0x8a, I64, I64, U64, U64, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))         \
    X(F32_ADD, 0x92, F32, F32, F32, F32, canon32(a + b))                                           \
    X(F32_SUB, 0x93, F32, F32, F32, F32, canon32(a - b))                                           \
    X(F32_MUL, 0x94, F32, F32, F32, F32, canon32(a *b))                                            \
    X(F32_DIV, 0x95, F32, F32, F32, F32, canon32(a / b))                                           \
    X(F32_MIN, 0x96, F32, F32, U32, U32, fmin32(a, b))                                             \
    X(F32_MAX, 0x97, F32, F32, U32, U32, fmax32(a, b))                                             \
    X(F32_COPYSIGN, 0x98, F32, F32, U32, U32, (a & 0x7fffffffu) | (b & 0x80000000u))               \
    X(F64_ADD, 0xa0, F64, F64, F64, F64, canon64(a + b))                                           \
    X(F64_SUB, 0xa1, F64, F64, F64, F64, canon64(a - b))                                           \
    X(F64_MUL, 0xa2, F64, F64, F64, F64, canon64(a *b))                                            \
    X(F64_DIV, 0xa3, F64, F64, F64, F64, canon64(a / b))                                           \
    X(F64_MIN, 0xa4, F64, F64, U64, U64, fmin64(a, b))                                             \
    X(F64_MAX, 0xa5, F64, F64, U64, U64, fmax64(a, b))                                             \
    X(F64_COPYSIGN, 0xa6, F64, F64, U64, U64,                                                      \
      (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

/* Integer division and remainder: they trap, so the interpreter writes them by hand.
 * X(name, wasm, type) */
#define CPS_VM_DIVOPS(X)                                                                           \
    X(I32_DIV_S, 0x6d, I32)                                                                        \
    X(I32_DIV_U, 0x6e, I32)                                                                        \
    X(I32_REM_S, 0x6f, I32)                                                                        \
    X(I32_REM_U, 0x70, I32)                                                                        \
    X(I64_DIV_S, 0x7f, I64)                                                                        \
    X(I64_DIV_U, 0x80, I64)                                                                        \
    X(I64_REM_S, 0x81, I64)                                                                        \
    X(I64_REM_U, 0x82, I64)

/* Loads and stores: X(name, wasm, value type, bytes). */
#define CPS_VM_LOADS(X)                                                                            \
    X(I32_LOAD, 0x28, I32, 4)                                                                      \
    X(I64_LOAD, 0x29, I64, 8)                                                                      \
    X(F32_LOAD, 0x2a, F32, 4)                                                                      \
    X(F64_LOAD, 0x2b, F64, 8)                                                                      \
    X(I32_LOAD8_S, 0x2c, I32, 1)                                                                   \
    X(I32_LOAD8_U, 0x2d, I32, 1)                                                                   \
    X(I32_LOAD16_S, 0x2e, I32, 2)                                                                  \
    X(I32_LOAD16_U, 0x2f, I32, 2)                                                                  \
    X(I64_LOAD8_S, 0x30, I64, 1)                                                                   \
    X(I64_LOAD8_U, 0x31, I64, 1)                                                                   \
    X(I64_LOAD16_S, 0x32, I64, 2)                                                                  \
    X(I64_LOAD16_U, 0x33, I64, 2)                                                                  \
    X(I64_LOAD32_S, 0x34, I64, 4)                                                                  \
    X(I64_LOAD32_U, 0x35, I64, 4)

#define CPS_VM_STORES(X)                                                                           \
    X(I32_STORE, 0x36, I32, 4)                                                                     \
    X(I64_STORE, 0x37, I64, 8)                                                                     \
    X(F32_STORE, 0x38, F32, 4)                                                                     \
    X(F64_STORE, 0x39, F64, 8)                                                                     \
    X(I32_STORE8, 0x3a, I32, 1)                                                                    \
    X(I32_STORE16, 0x3b, I32, 2)                                                                   \
    X(I64_STORE8, 0x3c, I64, 1)                                                                    \
    X(I64_STORE16, 0x3d, I64, 2)                                                                   \
    X(I64_STORE32, 0x3e, I64, 4)

/* Compare-and-branch fusions of i32 comparisons with br_if / if. X(name, compare op) */
#define CPS_VM_CMPBR(X)                                                                            \
    X(EQ, a == b)                                                                                  \
    X(NE, a != b)                                                                                  \
    X(LT_S, (int32_t)a < (int32_t)b)                                                               \
    X(LT_U, a < b)                                                                                 \
    X(GT_S, (int32_t)a > (int32_t)b)                                                               \
    X(GT_U, a > b)                                                                                 \
    X(LE_S, (int32_t)a <= (int32_t)b)                                                              \
    X(LE_U, a <= b)                                                                                \
    X(GE_S, (int32_t)a >= (int32_t)b)                                                              \
    X(GE_U, a >= b)

/* Internal operations other than the lists above. Operands are described in exec.c. */
#define CPS_VM_MISCOPS(X)                                                                          \
    X(UNREACHABLE)                                                                                 \
    X(CHARGE)                                                                                      \
    X(BR)                                                                                          \
    X(BR_IF)                                                                                       \
    X(BR_UNLESS)                                                                                   \
    X(BR_TABLE)                                                                                    \
    X(MOV)                                                                                         \
    X(RETURN)                                                                                      \
    X(RETURN_VAL)                                                                                  \
    X(CALL)                                                                                        \
    X(CALL_ARGS)                                                                                   \
    X(CALL_IMPORT)                                                                                 \
    X(CALL_IMPORT_ARGS)                                                                            \
    X(CALL_INDIRECT)                                                                               \
    X(SELECT)                                                                                      \
    X(GLOBAL_GET)                                                                                  \
    X(GLOBAL_SET)                                                                                  \
    X(TABLE_GET)                                                                                   \
    X(TABLE_SET)                                                                                   \
    X(TABLE_SIZE)                                                                                  \
    X(TABLE_GROW)                                                                                  \
    X(TABLE_FILL)                                                                                  \
    X(TABLE_COPY)                                                                                  \
    X(TABLE_INIT)                                                                                  \
    X(ELEM_DROP)                                                                                   \
    X(MEMORY_SIZE)                                                                                 \
    X(MEMORY_GROW)                                                                                 \
    X(MEMORY_FILL)                                                                                 \
    X(MEMORY_COPY)                                                                                 \
    X(MEMORY_INIT)                                                                                 \
    X(DATA_DROP)                                                                                   \
    X(REF_IS_NULL)                                                                                 \
    X(REF_FUNC)

/* The enum of all internal operations. */
enum vm_op {
#define VM_OP_ENUM1_(n) OP_##n,
#define VM_OP_ENUM_(n, ...) OP_##n,
    CPS_VM_MISCOPS(VM_OP_ENUM1_) CPS_VM_UNOPS(VM_OP_ENUM_) CPS_VM_TRUNCOPS(VM_OP_ENUM_)
        CPS_VM_BINOPS(VM_OP_ENUM_) CPS_VM_DIVOPS(VM_OP_ENUM_) CPS_VM_LOADS(VM_OP_ENUM_)
            CPS_VM_STORES(VM_OP_ENUM_)
#define VM_OP_ENUM_BR_(n, e) OP_BR_IF_##n,
                CPS_VM_CMPBR(VM_OP_ENUM_BR_)
#undef VM_OP_ENUM_BR_
/* fusions: i32.add feeding a compare-and-branch, or the address of a load or store */
#define VM_OP_ENUM_ABR_(n, e) OP_ADD_BR_IF_##n,
                    CPS_VM_CMPBR(VM_OP_ENUM_ABR_)
#undef VM_OP_ENUM_ABR_
#define VM_OP_ENUM_ADDR_(n, ...) OP_##n##_ADD,
                        CPS_VM_LOADS(VM_OP_ENUM_ADDR_) CPS_VM_STORES(VM_OP_ENUM_ADDR_)
#undef VM_OP_ENUM_ADDR_
#undef VM_OP_ENUM_
#undef VM_OP_ENUM1_
                            OP__COUNT
};

#endif
