/* CPS contract SDK, binary serialization in EOSIO's format (little-endian fixed-width integers,
 * varuint32 lengths, fc/abieos layouts), and CPS_ABI_STRUCT, which declares a C struct together
 * with its pack/unpack functions from one field list — the same list tests/contracts/abi_check.js
 * compares with the contract's .abi file.
 *
 * A cps_ds is a cursor over a buffer in one of four modes: reading (borrowed input), writing
 * (borrowed output of fixed size), sizing (counts bytes, writes nothing; pack once to learn
 * the size, allocate, pack again) or probing (writes while the output fits, then only counts:
 * one pass when a guessed buffer is big enough, the size for a second pass otherwise). Every read and write is bounds-checked and aborts the
 * transaction on overflow with eosio.cdt's messages ("datastream attempted to read past the
 * end" / "... write past the end"); nothing is ever read or written out of range. */
#ifndef CPS_SDK_DATASTREAM_H
#define CPS_SDK_DATASTREAM_H

#include "cps/asset.h"
#include "cps/base.h"

/* Bit 0 set: the mode writes into data (CPS_DS_WRITE, CPS_DS_PROBE). A probe that runs out of
 * room turns into CPS_DS_SIZE. */
enum { CPS_DS_READ = 0, CPS_DS_WRITE = 1, CPS_DS_SIZE = 2, CPS_DS_PROBE = 3 };

typedef struct cps_ds {
    uint8_t *data; /* borrowed; NULL when sizing */
    uint32_t size; /* bytes available from data */
    uint32_t pos;  /* bytes consumed or produced so far */
    uint8_t mode;  /* CPS_DS_READ, CPS_DS_WRITE, CPS_DS_SIZE or CPS_DS_PROBE */
} cps_ds;

/* A reader over `size` bytes at `data` (borrowed, never written). */
static inline cps_ds cps_ds_reader(const void *data, uint32_t size)
{
    cps_ds ds = {(uint8_t *)(uintptr_t)data, size, 0, CPS_DS_READ};
    return ds;
}
/* A writer into `size` bytes at `data` (borrowed). */
static inline cps_ds cps_ds_writer(void *data, uint32_t size)
{
    cps_ds ds = {(uint8_t *)data, size, 0, CPS_DS_WRITE};
    return ds;
}
/* A probe over `size` bytes at `data` (borrowed): after packing into it, ds.pos is the packed
 * size, and the bytes are in data if ds.mode is still CPS_DS_PROBE (it is CPS_DS_SIZE when they
 * did not fit; data then holds only a prefix). */
static inline cps_ds cps_ds_probe(void *data, uint32_t size)
{
    cps_ds ds = {(uint8_t *)data, size, 0, CPS_DS_PROBE};
    return ds;
}
/* A sizer: after packing into it, ds.pos is the packed size. */
static inline cps_ds cps_ds_sizer(void)
{
    cps_ds ds = {NULL, 0, 0, CPS_DS_SIZE};
    return ds;
}
static inline uint32_t cps_ds_remaining(const cps_ds *ds)
{
    return ds->pos <= ds->size ? ds->size - ds->pos : 0;
}

_Noreturn void cps_ds__read_overflow(void);
void cps_ds__write_slow(cps_ds *ds, const void *src, uint32_t size);

/* Copies the next `size` bytes into `out`. */
static inline void cps_ds_read(cps_ds *ds, void *out, uint32_t size)
{
    if (ds->pos > ds->size || size > ds->size - ds->pos) cps_ds__read_overflow();
    __builtin_memcpy(out, ds->data + ds->pos, size);
    ds->pos += size;
}
/* Skips the next `size` bytes and returns where they are (borrowed from the reader's buffer). */
static inline const uint8_t *cps_ds_skip(cps_ds *ds, uint32_t size)
{
    if (ds->pos > ds->size || size > ds->size - ds->pos) cps_ds__read_overflow();
    const uint8_t *at = ds->data + ds->pos;
    ds->pos += size;
    return at;
}
/* Appends `size` bytes (or counts them when sizing). */
static inline void cps_ds_write(cps_ds *ds, const void *src, uint32_t size)
{
    if ((ds->mode & CPS_DS_WRITE) && ds->pos <= ds->size && size <= ds->size - ds->pos) {
        __builtin_memcpy(ds->data + ds->pos, src, size);
        ds->pos += size;
        return;
    }
    cps_ds__write_slow(ds, src, size); /* sizing, a full probe, overflow or a reader */
}

/* ---- ABI built-in types. Functions are named after the ABI type so CPS_ABI_STRUCT can find
 * them; CPS_CTYPE_<abi type> is the C type holding a value. ---- */

#define CPS__DS_FIXED(abi, ctype)                                                                  \
    static inline ctype cps_ds_read_##abi(cps_ds *ds)                                              \
    {                                                                                              \
        ctype v;                                                                                   \
        cps_ds_read(ds, &v, sizeof v);                                                             \
        return v;                                                                                  \
    }                                                                                              \
    static inline void cps_ds_write_##abi(cps_ds *ds, ctype v)                                     \
    {                                                                                              \
        cps_ds_write(ds, &v, sizeof v);                                                            \
    }

/* wasm32 is little-endian, as EOSIO's wire format: fixed-width values are copied as they are. */
#define CPS_CTYPE_int8 int8_t
#define CPS_CTYPE_uint8 uint8_t
#define CPS_CTYPE_int16 int16_t
#define CPS_CTYPE_uint16 uint16_t
#define CPS_CTYPE_int32 int32_t
#define CPS_CTYPE_uint32 uint32_t
#define CPS_CTYPE_int64 int64_t
#define CPS_CTYPE_uint64 uint64_t
#define CPS_CTYPE_int128 cps_uint128 /* two's complement */
#define CPS_CTYPE_uint128 cps_uint128
#define CPS_CTYPE_float32 float
#define CPS_CTYPE_float64 double
#define CPS_CTYPE_float128 long double
#define CPS_CTYPE_name cps_name
#define CPS_CTYPE_symbol cps_symbol
#define CPS_CTYPE_symbol_code cps_symbol_code
#define CPS_CTYPE_asset cps_asset
#define CPS_CTYPE_checksum160 cps_checksum160
#define CPS_CTYPE_checksum256 cps_checksum256
#define CPS_CTYPE_checksum512 cps_checksum512
#define CPS_CTYPE_time_point int64_t            /* microseconds since 1970 */
#define CPS_CTYPE_time_point_sec uint32_t       /* seconds since 1970 */
#define CPS_CTYPE_block_timestamp_type uint32_t /* half-seconds since 2000 */
CPS__DS_FIXED(int8, int8_t)
CPS__DS_FIXED(uint8, uint8_t)
CPS__DS_FIXED(int16, int16_t)
CPS__DS_FIXED(uint16, uint16_t)
CPS__DS_FIXED(int32, int32_t)
CPS__DS_FIXED(uint32, uint32_t)
CPS__DS_FIXED(int64, int64_t)
CPS__DS_FIXED(uint64, uint64_t)
CPS__DS_FIXED(int128, cps_uint128)
CPS__DS_FIXED(uint128, cps_uint128)
CPS__DS_FIXED(float32, float)
CPS__DS_FIXED(float64, double)
CPS__DS_FIXED(float128, long double)
CPS__DS_FIXED(name, cps_name)
CPS__DS_FIXED(symbol, cps_symbol)
CPS__DS_FIXED(symbol_code, cps_symbol_code)
CPS__DS_FIXED(asset, cps_asset) /* int64 amount then symbol: the struct's own layout */
CPS__DS_FIXED(checksum160, cps_checksum160)
CPS__DS_FIXED(checksum256, cps_checksum256)
CPS__DS_FIXED(checksum512, cps_checksum512)
CPS__DS_FIXED(time_point, int64_t)
CPS__DS_FIXED(time_point_sec, uint32_t)
CPS__DS_FIXED(block_timestamp_type, uint32_t)

/* bool: one byte; like eosio.cdt, any non-zero byte reads as true. */
#define CPS_CTYPE_bool bool
static inline bool cps_ds_read_bool(cps_ds *ds)
{
    return cps_ds_read_uint8(ds) != 0;
}
static inline void cps_ds_write_bool(cps_ds *ds, bool v)
{
    cps_ds_write_uint8(ds, v ? 1 : 0);
}

/* varuint32 (LEB128). Reading follows EOSIO (fc::unsigned_int): at most 5 bytes are consumed
 * and bits beyond 32 are dropped. */
#define CPS_CTYPE_varuint32 uint32_t
/* The full decoder at data[pos] (size bytes in all): returns the value in the low 32 bits and
 * the position after it in the high 32 bits. Taking the cursor by value lets a caller keep its
 * cps_ds in wasm locals instead of memory. */
uint64_t cps_ds__varuint32_at(const uint8_t *data, uint32_t size, uint32_t pos);
static inline uint32_t cps_ds_read_varuint32(cps_ds *ds)
{
    /* One byte below 0x80 is the usual case (every string or array shorter than 128): read it
     * inline; everything else, including the end of input, takes the full decoder. */
    if (ds->pos < ds->size && ds->data[ds->pos] < 0x80) return ds->data[ds->pos++];
    uint64_t value_pos = cps_ds__varuint32_at(ds->data, ds->size, ds->pos);
    ds->pos = (uint32_t)(value_pos >> 32);
    return (uint32_t)value_pos;
}
void cps_ds_write_varuint32(cps_ds *ds, uint32_t v);

/* varint32: zig-zag encoded varuint32. */
#define CPS_CTYPE_varint32 int32_t
int32_t cps_ds_read_varint32(cps_ds *ds);
void cps_ds_write_varint32(cps_ds *ds, int32_t v);

/* string and bytes: varuint32 length, then the bytes. Reading borrows from the reader's buffer. */
#define CPS_CTYPE_string cps_str
#define CPS_CTYPE_bytes cps_bytes
static inline cps_str cps_ds_read_string(cps_ds *ds)
{
    uint32_t size = cps_ds_read_varuint32(ds);
    cps_str s = {(const char *)cps_ds_skip(ds, size), size};
    return s;
}
void cps_ds_write_string(cps_ds *ds, cps_str v);
static inline cps_bytes cps_ds_read_bytes(cps_ds *ds)
{
    uint32_t size = cps_ds_read_varuint32(ds);
    cps_bytes b = {cps_ds_skip(ds, size), size};
    return b;
}
void cps_ds_write_bytes(cps_ds *ds, cps_bytes v);

/* public_key / signature: a variant (varuint32 type, then the key). K1 (0) and R1 (1) keys are
 * 33 bytes, their signatures 65; WebAuthn (2) has no fixed size and aborts with
 * "unsupported public key type" / "unsupported signature type". */
typedef struct cps_public_key {
    uint8_t type;
    uint8_t data[33];
} cps_public_key;
typedef struct cps_signature {
    uint8_t type;
    uint8_t data[65];
} cps_signature;
#define CPS_CTYPE_public_key cps_public_key
#define CPS_CTYPE_signature cps_signature
cps_public_key cps_ds_read_public_key(cps_ds *ds);
void cps_ds_write_public_key(cps_ds *ds, cps_public_key v);
cps_signature cps_ds_read_signature(cps_ds *ds);
void cps_ds_write_signature(cps_ds *ds, cps_signature v);

/* ---- CPS_ABI_STRUCT: one field list, three uses ----
 *
 *   #define TRANSFER_FIELDS(X) X(from, name) X(to, name) X(quantity, asset) X(memo, string)
 *   CPS_ABI_STRUCT(transfer, TRANSFER_FIELDS)
 *
 * declares `typedef struct transfer_t { cps_name from; cps_name to; cps_asset quantity;
 * cps_str memo; } transfer_t;` and transfer_pack(), transfer_unpack() (plus _pack_any /
 * _unpack_any taking void pointers, for tables and the dispatcher). Fields are serialized in
 * list order with the ABI type named in the list, so the ABI struct "transfer" must list the
 * same fields with the same types in the same order: abi.test.sh checks exactly that.
 * A struct without fields is CPS_ABI_EMPTY_STRUCT(name) (C has no empty structs). */
/* Functions generated in the contract's own file: a contract uses only some of them. */
#define CPS__GENERATED static inline __attribute__((unused))
/* The type name is pasted directly (## suppresses macro expansion of the argument), so `bool`,
 * which <stdbool.h> defines as a macro, still names CPS_CTYPE_bool. */
#define CPS__FIELD_DECL(field, abi) CPS_CTYPE_##abi field;
#define CPS__FIELD_PACK(field, abi) cps_ds_write_##abi(ds, row->field);
#define CPS__FIELD_UNPACK(field, abi) row->field = cps_ds_read_##abi(ds);
/* Unpacking works on a copy of the cursor whose position is stored back at the end: the copy's
 * address does not escape, so the compiler keeps data/size/pos in wasm locals instead of
 * loading and storing them around every field (each instruction is metered). A failed read
 * aborts the action, so the caller never sees a half-advanced cursor either way. */

/* clang-format cannot lay out a function body made of a macro call: */
// clang-format off
#define CPS_ABI_STRUCT(type, FIELDS)                                                               \
    typedef struct type##_t {                                                                      \
        FIELDS(CPS__FIELD_DECL)                                                                    \
    } type##_t;                                                                                    \
    CPS__GENERATED void type##_pack(const type##_t *row, cps_ds *ds)                               \
    {                                                                                              \
        FIELDS(CPS__FIELD_PACK)                                                                    \
    }                                                                                              \
    CPS__GENERATED void type##_unpack(type##_t *row, cps_ds *in)                                   \
    {                                                                                              \
        cps_ds cursor = *in, *ds = &cursor;                                                        \
        FIELDS(CPS__FIELD_UNPACK)                                                                  \
        in->pos = cursor.pos; /* reading moves nothing else */                                     \
    }                                                                                              \
    CPS__ABI_STRUCT_ANY(type)
// clang-format on

#define CPS_ABI_EMPTY_STRUCT(type)                                                                 \
    typedef struct type##_t {                                                                      \
        uint8_t cps__unused; /* not serialized */                                                  \
    } type##_t;                                                                                    \
    CPS__GENERATED void type##_pack(const type##_t *row, cps_ds *ds)                               \
    {                                                                                              \
        (void)row;                                                                                 \
        (void)ds;                                                                                  \
    }                                                                                              \
    CPS__GENERATED void type##_unpack(type##_t *row, cps_ds *ds)                                   \
    {                                                                                              \
        (void)row;                                                                                 \
        (void)ds;                                                                                  \
    }                                                                                              \
    CPS__ABI_STRUCT_ANY(type)

#define CPS__ABI_STRUCT_ANY(type)                                                                  \
    CPS__GENERATED void type##_pack_any(const void *row, cps_ds *ds)                               \
    {                                                                                              \
        type##_pack((const type##_t *)row, ds);                                                    \
    }                                                                                              \
    CPS__GENERATED void type##_unpack_any(void *row, cps_ds *ds)                                   \
    {                                                                                              \
        type##_unpack((type##_t *)row, ds);                                                        \
    }                                                                                              \
    CPS__GENERATED uint32_t type##_packed_size(const type##_t *row)                                \
    {                                                                                              \
        cps_ds sizer = cps_ds_sizer();                                                             \
        type##_pack(row, &sizer);                                                                  \
        return sizer.pos;                                                                          \
    }

/* ---- composite field types: structs inside structs, arrays, optionals, binary extensions ----
 *
 * A field list may name, besides the built-in types:
 *   a struct T          X(level, permission_level)    needs CPS_ABI_NESTED(T) and
 *                                                     `#define CPS_CTYPE_T T_t` after its struct
 *   array(T)    T[]     X(requested, array(permission_level))      needs CPS_ABI_ARRAY(T)
 *   optional(T) T?      X(memo, optional(string))                  needs CPS_ABI_OPTIONAL(T)
 *   binext(T)   T$      X(proposal_hash, binext(checksum256))      needs CPS_ABI_BINEXT(T)
 *   binext_optional(T)  T?$                                        needs CPS_ABI_BINEXT_OPTIONAL(T)
 * T is an identifier (a built-in ABI type or a nested struct). abi_check.js translates these
 * forms to the ABI spellings on the right, so the .abi is still checked field by field.
 * Arrays own a heap copy of their elements (valid until the action ends; strings and bytes inside
 * still borrow the reader's buffer). A binary extension reads as absent when the input has ended,
 * as in eosio.cdt, and is written only when present. */
#define CPS_ABI_NESTED(type)                                                                       \
    CPS__GENERATED type##_t cps_ds_read_##type(cps_ds *ds)                                         \
    {                                                                                              \
        type##_t v;                                                                                \
        type##_unpack(&v, ds);                                                                     \
        return v;                                                                                  \
    }                                                                                              \
    CPS__GENERATED void cps_ds_write_##type(cps_ds *ds, type##_t v)                                \
    {                                                                                              \
        type##_pack(&v, ds);                                                                       \
    }

#define CPS_CTYPE_array(T) cps_array_##T
#define cps_ds_read_array(T) cps_ds_read_array_##T
#define cps_ds_write_array(T) cps_ds_write_array_##T

/* Largest element count accepted when reading an array: a length prefix beyond what the input
 * could hold is rejected before any allocation. */
void cps_ds__check_count(const cps_ds *ds, uint32_t count);

#define CPS_ABI_ARRAY(T)                                                                           \
    typedef struct cps_array_##T {                                                                 \
        CPS_CTYPE_##T *items; /* heap, `count` elements */                                         \
        uint32_t count;                                                                            \
    } cps_array_##T;                                                                               \
    CPS__GENERATED cps_array_##T cps_ds_read_array_##T(cps_ds *ds)                                 \
    {                                                                                              \
        cps_array_##T v;                                                                           \
        v.count = cps_ds_read_varuint32(ds);                                                       \
        cps_ds__check_count(ds, v.count);                                                          \
        v.items = v.count ? malloc(v.count * sizeof(CPS_CTYPE_##T)) : NULL;                        \
        for (uint32_t i = 0; i < v.count; i++)                                                     \
            v.items[i] = cps_ds_read_##T(ds);                                                      \
        return v;                                                                                  \
    }                                                                                              \
    CPS__GENERATED void cps_ds_write_array_##T(cps_ds *ds, cps_array_##T v)                        \
    {                                                                                              \
        cps_ds_write_varuint32(ds, v.count);                                                       \
        for (uint32_t i = 0; i < v.count; i++)                                                     \
            cps_ds_write_##T(ds, v.items[i]);                                                      \
    }

#define CPS_CTYPE_optional(T) cps_optional_##T
#define cps_ds_read_optional(T) cps_ds_read_optional_##T
#define cps_ds_write_optional(T) cps_ds_write_optional_##T
#define CPS_ABI_OPTIONAL(T)                                                                        \
    typedef struct cps_optional_##T {                                                              \
        bool has;                                                                                  \
        CPS_CTYPE_##T value; /* meaningful only when has */                                        \
    } cps_optional_##T;                                                                            \
    CPS__GENERATED cps_optional_##T cps_ds_read_optional_##T(cps_ds *ds)                           \
    {                                                                                              \
        cps_optional_##T v;                                                                        \
        memset(&v, 0, sizeof v);                                                                   \
        v.has = cps_ds_read_bool(ds);                                                              \
        if (v.has) v.value = cps_ds_read_##T(ds);                                                  \
        return v;                                                                                  \
    }                                                                                              \
    CPS__GENERATED void cps_ds_write_optional_##T(cps_ds *ds, cps_optional_##T v)                  \
    {                                                                                              \
        cps_ds_write_bool(ds, v.has);                                                              \
        if (v.has) cps_ds_write_##T(ds, v.value);                                                  \
    }

#define CPS_CTYPE_binext(T) cps_binext_##T
#define cps_ds_read_binext(T) cps_ds_read_binext_##T
#define cps_ds_write_binext(T) cps_ds_write_binext_##T
#define CPS_ABI_BINEXT(T)                                                                          \
    typedef struct cps_binext_##T {                                                                \
        bool present;                                                                              \
        CPS_CTYPE_##T value; /* meaningful only when present */                                    \
    } cps_binext_##T;                                                                              \
    CPS__GENERATED cps_binext_##T cps_ds_read_binext_##T(cps_ds *ds)                               \
    {                                                                                              \
        cps_binext_##T v;                                                                          \
        memset(&v, 0, sizeof v);                                                                   \
        v.present = cps_ds_remaining(ds) > 0;                                                      \
        if (v.present) v.value = cps_ds_read_##T(ds);                                              \
        return v;                                                                                  \
    }                                                                                              \
    CPS__GENERATED void cps_ds_write_binext_##T(cps_ds *ds, cps_binext_##T v)                      \
    {                                                                                              \
        if (v.present) cps_ds_write_##T(ds, v.value);                                              \
    }

/* T?$ : absent (old rows), present-but-empty, or present with a value. */
#define CPS_CTYPE_binext_optional(T) cps_binext_optional_##T
#define cps_ds_read_binext_optional(T) cps_ds_read_binext_optional_##T
#define cps_ds_write_binext_optional(T) cps_ds_write_binext_optional_##T
#define CPS_ABI_BINEXT_OPTIONAL(T)                                                                 \
    typedef struct cps_binext_optional_##T {                                                       \
        bool present;                                                                              \
        bool has;                                                                                  \
        CPS_CTYPE_##T value; /* meaningful only when present and has */                            \
    } cps_binext_optional_##T;                                                                     \
    CPS__GENERATED cps_binext_optional_##T cps_ds_read_binext_optional_##T(cps_ds *ds)             \
    {                                                                                              \
        cps_binext_optional_##T v;                                                                 \
        memset(&v, 0, sizeof v);                                                                   \
        v.present = cps_ds_remaining(ds) > 0;                                                      \
        if (v.present) v.has = cps_ds_read_bool(ds);                                               \
        if (v.has) v.value = cps_ds_read_##T(ds);                                                  \
        return v;                                                                                  \
    }                                                                                              \
    CPS__GENERATED void cps_ds_write_binext_optional_##T(cps_ds *ds, cps_binext_optional_##T v)    \
    {                                                                                              \
        if (!v.present) return;                                                                    \
        cps_ds_write_bool(ds, v.has);                                                              \
        if (v.has) cps_ds_write_##T(ds, v.value);                                                  \
    }

#endif
