/* abi_internal: the compiled form of an ABI shared by the ABI compiler (abi_def.c), the
 * converter (convert.c) and the transaction JSON code. Not part of the public API. */
#ifndef CPS_ABI_INTERNAL_H
#define CPS_ABI_INTERNAL_H

#include "abi/abi.h"

/* Built-in types, in the order nodeos registers them (abi_serializer::configure_built_in_types). */
#define CPS_ABI_BUILTINS(X)                                                                        \
    X(BOOL, "bool", 1)                                                                             \
    X(INT8, "int8", 1)                                                                             \
    X(UINT8, "uint8", 1)                                                                           \
    X(INT16, "int16", 2)                                                                           \
    X(UINT16, "uint16", 2)                                                                         \
    X(INT32, "int32", 4)                                                                           \
    X(UINT32, "uint32", 4)                                                                         \
    X(INT64, "int64", 8)                                                                           \
    X(UINT64, "uint64", 8)                                                                         \
    X(INT128, "int128", 16)                                                                        \
    X(UINT128, "uint128", 16)                                                                      \
    X(VARINT32, "varint32", 1)                                                                     \
    X(VARUINT32, "varuint32", 1)                                                                   \
    X(FLOAT32, "float32", 4)                                                                       \
    X(FLOAT64, "float64", 8)                                                                       \
    X(FLOAT128, "float128", 16)                                                                    \
    X(TIME_POINT, "time_point", 8)                                                                 \
    X(TIME_POINT_SEC, "time_point_sec", 4)                                                         \
    X(BLOCK_TIMESTAMP, "block_timestamp_type", 4)                                                  \
    X(NAME, "name", 8)                                                                             \
    X(BYTES, "bytes", 1)                                                                           \
    X(STRING, "string", 1)                                                                         \
    X(CHECKSUM160, "checksum160", 20)                                                              \
    X(CHECKSUM256, "checksum256", 32)                                                              \
    X(CHECKSUM512, "checksum512", 64)                                                              \
    X(PUBLIC_KEY, "public_key", 34)                                                                \
    X(SIGNATURE, "signature", 66)                                                                  \
    X(SYMBOL, "symbol", 8)                                                                         \
    X(SYMBOL_CODE, "symbol_code", 8)                                                               \
    X(ASSET, "asset", 16)                                                                          \
    X(EXTENDED_ASSET, "extended_asset", 24)

enum abi_builtin {
#define ABI_BUILTIN_ENUM_(sym, name, size) ABI_##sym,
    CPS_ABI_BUILTINS(ABI_BUILTIN_ENUM_)
#undef ABI_BUILTIN_ENUM_
        ABI_BUILTIN_COUNT
};

enum abi_type_kind {
    ABI_T_BUILTIN,
    ABI_T_ARRAY,     /* T[] */
    ABI_T_OPTIONAL,  /* T? */
    ABI_T_EXTENSION, /* T$ (struct fields only) */
    ABI_T_STRUCT,
    ABI_T_VARIANT,
};

struct abi_type;

struct abi_field_info {
    const char *name;
    size_t name_len;
    const char *json_key; /* "\"name\":" escaped as nodeos does, for fast output */
    size_t json_key_len;
    const struct abi_type *type; /* ABI_T_EXTENSION for "$" fields */
    bool declared_optional;      /* the declared type string ends in '?' (Leap: may be absent) */
};

struct abi_struct_info {
    const struct abi_type *base; /* NULL when none */
    struct abi_field_info *fields;
    uint32_t field_count;
};

struct abi_variant_info {
    const char **names; /* the alternatives as declared (JSON tags) */
    size_t *name_lens;
    const struct abi_type **types;
    uint32_t count;
};

struct abi_type {
    enum abi_type_kind kind;
    enum abi_builtin builtin;    /* ABI_T_BUILTIN */
    const struct abi_type *elem; /* ARRAY, OPTIONAL, EXTENSION */
    const char *name;            /* declared name or type expression */
    struct abi_struct_info st;   /* STRUCT */
    struct abi_variant_info var; /* VARIANT */
    uint32_t min_size;           /* smallest binary encoding (>= 1 except empty structs) */
};

struct cps_abi {
    cps_arena arena; /* everything below lives here */
    cps_abi_def def;
    struct abi_map *types; /* name or expression -> const struct abi_type * */
};

/* Resolves a type expression of `abi` ("name", "name[]", "name?"); NULL (with a cps_fail
 * detail) when unknown. An array or optional the ABI itself never uses is built in *tmp, so the
 * result may point there: it is valid while *tmp is. */
const struct abi_type *cps_abi__resolve(const cps_abi *abi, const char *type, struct abi_type *tmp);

/* The converter with an explicit root label for paths (NULL: the type name). */
int cps_abi__json_to_bin(const cps_abi *abi, const struct abi_type *t, const char *root,
                         const json_t *value, cps_buf *out);
int cps_abi__bin_to_json(const cps_abi *abi, const struct abi_type *t, const char *root,
                         cps_reader *r, cps_buf *out);

/* Integer helpers shared with the transaction JSON code: accept a JSON integer, a decimal string
 * or an integral real, range-checked. The detail message has no path. */
int cps_abi__json_get_u64(const json_t *v, uint64_t max, uint64_t *out);
int cps_abi__json_get_i64(const json_t *v, int64_t min, int64_t max, int64_t *out);
const char *cps_abi__json_kind(const json_t *v);

/* Appends an unsigned/signed 64-bit integer the way nodeos prints it: a number up to 0xffffffff
 * in magnitude, a string beyond. */
int cps_abi__write_u64_json(cps_buf *b, uint64_t v);
int cps_abi__write_i64_json(cps_buf *b, int64_t v);

/* Extensions as JSON: read [type, "hex"] pairs or {"type","data"} objects (arrays from the
 * arena); write fc's [type, "hex"] pairs. */
int cps_abi__json_extensions(const json_t *arr, cps_arena *a, cps_extension **out, uint32_t *count,
                             const char *what);
int cps_abi__write_extensions_json(cps_buf *b, const cps_extension *e, uint32_t n);

/* Whether n bytes are valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool cps_abi__utf8_valid(const char *s, size_t n);

#endif
