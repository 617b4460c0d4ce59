/* abi: EOSIO protocol types and their text forms, the protocol structures with their fc::raw
 * binary layout (transactions, blocks, authorities), ids and digests, and ABI-driven JSON <->
 * binary.
 *
 * Everything here is byte-compatible with EOSIO 2.0 / Leap (nodeos): binary layouts follow
 * FC_REFLECT field order; JSON output follows what nodeos prints (fc::variant -> JSON); JSON
 * input accepts what nodeos accepts where that is sane (numbers given as strings, ...).
 *
 * Conventions: functions return 0 or a negative CPS_ERR_* code and record a detail message with
 * cps_fail() (cps_last_error()). Decoders of untrusted bytes are bounds-checked and never assert.
 * Decoded structures borrow: spans (cps_bytes) point into the caller's input buffer, and arrays
 * are allocated from a cps_arena the caller passes in and frees in one call. */
#ifndef CPS_ABI_H
#define CPS_ABI_H

#include "base/base.h"
#include "crypto/crypto.h"

#include <jansson.h>

/* ==========================================================================================
 * Arena: the memory that decoded structures' arrays live in. A zeroed struct is an empty arena.
 * Not thread-safe; one arena per decoded object or per request is the intended use.
 * ========================================================================================== */
typedef struct cps_arena {
    struct cps_arena_block *head;
    size_t allocated; /* bytes taken from the system so far */
    size_t limit;     /* 0: no limit; otherwise allocations beyond it fail with CPS_ERR_LIMIT */
} cps_arena;

void cps_abi_arena_init(cps_arena *a);
/* Returns `size` zeroed bytes aligned to 16, valid until cps_abi_arena_free; NULL (with a
 * cps_fail detail: CPS_ERR_NOMEM or CPS_ERR_LIMIT) on failure. */
void *cps_abi_arena_alloc(cps_arena *a, size_t size);
/* Copies n bytes into the arena (for spans that must outlive their source). */
void *cps_abi_arena_dup(cps_arena *a, const void *data, size_t n);
/* Frees every allocation at once; the arena can be reused afterwards. */
void cps_abi_arena_free(cps_arena *a);
/* Ends every allocation but keeps one block for the next use (for loops that decode one thing
 * after another); what was allocated before must no longer be used. */
void cps_abi_arena_reset(cps_arena *a);

/* ==========================================================================================
 * Plain value types.
 * ========================================================================================== */

/* ---- names: 64-bit base-32, "a-z1-5." up to 12 characters plus a restricted 13th ---------- */
typedef uint64_t cps_name;
#define CPS_NAME_STR_MAX 14 /* 13 characters + NUL */

/* Strict as Leap: at most 13 characters from ".12345abcdefghijklmnopqrstuvwxyz" (the 13th only
 * from ".12345abcdefghij"), and no trailing '.', i.e. the text must be the normalized form of the
 * value. "" is the name 0. Errors say what is wrong ("name \"Bob\" is not a valid name: ..."). */
CPS_MUST_USE int cps_abi_name_from_string(const char *s, size_t len, cps_name *out);
/* Writes the normalized text (trailing dots stripped) and a NUL to out, which holds
 * CPS_NAME_STR_MAX bytes; returns its length (0..13). */
size_t cps_abi_name_to_string(cps_name n, char *out);
/* For names written in code ("eosio", "active"): the value of a valid literal. An invalid literal
 * is a programming error (asserted). */
cps_name cps_abi_name(const char *literal);
/* Number of characters of the normalized text (what newaccount limits to 12). */
size_t cps_abi_name_length(cps_name n);

/* ---- symbols and assets ------------------------------------------------------------------ */
typedef uint64_t cps_symbol;      /* low byte: precision; bytes 1..7: code, ASCII 'A'..'Z' */
typedef uint64_t cps_symbol_code; /* the code alone (cps_symbol >> 8) */
#define CPS_SYMBOL_MAX_PRECISION 18
#define CPS_ASSET_MAX_AMOUNT ((INT64_C(1) << 62) - 1)
#define CPS_SYMBOL_STR_MAX 16 /* "18,ABCDEFG" + NUL */
#define CPS_ASSET_STR_MAX 48  /* "-4.611686018427387903 ABCDEFG" + NUL, with room */

static inline cps_symbol cps_abi_symbol_make(uint8_t precision, cps_symbol_code code)
{
    return (code << 8) | precision;
}
static inline uint8_t cps_abi_symbol_precision(cps_symbol s)
{
    return (uint8_t)(s & 0xff);
}
static inline cps_symbol_code cps_abi_symbol_code(cps_symbol s)
{
    return s >> 8;
}
/* A code is valid when its bytes, from the lowest, are 0..7 letters 'A'..'Z' followed only by
 * zero bytes (nodeos accepts the empty code); a symbol when its code is valid and precision <= 18.
 */
bool cps_abi_symbol_code_is_valid(cps_symbol_code c);
bool cps_abi_symbol_is_valid(cps_symbol s);
/* "4,SYS". The to_string forms write to out (CPS_SYMBOL_STR_MAX bytes) and fail on an invalid
 * symbol or code, as nodeos does when printing one. */
CPS_MUST_USE int cps_abi_symbol_from_string(const char *s, size_t len, cps_symbol *out);
CPS_MUST_USE int cps_abi_symbol_to_string(cps_symbol s, char *out);
/* "SYS" */
CPS_MUST_USE int cps_abi_symbol_code_from_string(const char *s, size_t len, cps_symbol_code *out);
CPS_MUST_USE int cps_abi_symbol_code_to_string(cps_symbol_code c, char *out);

typedef struct cps_asset {
    int64_t amount; /* |amount| <= CPS_ASSET_MAX_AMOUNT */
    cps_symbol symbol;
} cps_asset;

typedef struct cps_extended_asset {
    cps_asset quantity;
    cps_name contract;
} cps_extended_asset;

bool cps_abi_asset_is_valid(const cps_asset *a);
/* EOSIO's rules: "<amount> <CODE>" where the amount is [-]digits[.digits] and the number of
 * fraction digits is the precision ("1.0000 SYS" = 10000 at precision 4); surrounding spaces are
 * trimmed; the amount must fit in int64 and be within +-(2^62 - 1). */
CPS_MUST_USE int cps_abi_asset_from_string(const char *s, size_t len, cps_asset *out);
/* "<int>[.<precision digits>] <CODE>" into out (CPS_ASSET_STR_MAX bytes); fails on an invalid
 * asset (amount beyond the maximum, bad symbol). */
CPS_MUST_USE int cps_abi_asset_to_string(const cps_asset *a, char *out);

/* ---- fixed-size hashes (printed as lowercase hex) ---------------------------------------- */
typedef struct cps_checksum160 {
    uint8_t b[20];
} cps_checksum160;
typedef struct cps_checksum256 {
    uint8_t b[32];
} cps_checksum256;
typedef struct cps_checksum512 {
    uint8_t b[64];
} cps_checksum512;

/* ---- times --------------------------------------------------------------------------------
 * time_point: int64 microseconds since 1970; time_point_sec: uint32 seconds since 1970;
 * block_timestamp: uint32 half-second slots since 2000-01-01 (base.h converts). Text forms as
 * nodeos prints them: "2018-06-01T12:00:00.000" (milliseconds: nodeos drops the microseconds),
 * "2018-06-01T12:00:00" for time_point_sec; a negative time_point as nodeos's boost duration
 * "-HHMMSS[.ffffff]" (also accepted back). Parsing accepts an optional fraction of up to 6
 * digits and an optional trailing 'Z'. The to_string forms write CPS_TIME_STR_MAX bytes at most. */
#define CPS_TIME_STR_MAX 40
void cps_abi_time_point_to_string(int64_t us, char *out);
CPS_MUST_USE int cps_abi_time_point_from_string(const char *s, size_t len, int64_t *us);
void cps_abi_time_point_sec_to_string(uint32_t sec, char *out);
/* Fails if the time is before 1970 or after 2106-02-07T06:28:15 (outside uint32). */
CPS_MUST_USE int cps_abi_time_point_sec_from_string(const char *s, size_t len, uint32_t *sec);
void cps_abi_block_timestamp_to_string(uint32_t slot, char *out);
/* Rounds down to the slot containing the time; fails outside the uint32 slot range. */
CPS_MUST_USE int cps_abi_block_timestamp_from_string(const char *s, size_t len, uint32_t *slot);

/* ---- 128-bit integers (decimal text, as nodeos prints them: always a JSON string) --------- */
typedef __int128 cps_int128;
typedef unsigned __int128 cps_uint128;
#define CPS_INT128_STR_MAX 41
/* Decimal text into out (CPS_INT128_STR_MAX bytes); returns its length. */
size_t cps_abi_uint128_to_string(cps_uint128 v, char *out);
size_t cps_abi_int128_to_string(cps_int128 v, char *out);
/* Decimal digits (a leading '-' for int128), or "0x" followed by up to 32 hex digits. */
CPS_MUST_USE int cps_abi_uint128_from_string(const char *s, size_t len, cps_uint128 *out);
CPS_MUST_USE int cps_abi_int128_from_string(const char *s, size_t len, cps_int128 *out);

/* ---- floats --------------------------------------------------------------------------------
 * nodeos prints float32/float64 as a JSON string in fixed notation with 17 decimals
 * ("1.50000000000000000"; float32 is widened to double first; "nan", "inf", "-inf").
 * float128 is kept as its 16 raw bytes, printed "0x" + 32 hex digits in byte order. */
typedef struct cps_float128 {
    uint8_t b[16];
} cps_float128;
/* Appends nodeos's text of d (without quotes) to b. */
int cps_abi_float64_format(cps_buf *b, double d);

/* ==========================================================================================
 * Protocol structures (fc::raw layout, FC_REFLECT order).
 *
 *   permission_level   actor u64 | permission u64
 *   action             account u64 | name u64 | vector<permission_level> | bytes data
 *   transaction_header expiration u32 | ref_block_num u16 | ref_block_prefix u32 |
 *                      max_net_usage_words varuint32 | max_cpu_usage_ms u8 | delay_sec varuint32
 *   transaction        header | vector<action> cfa | vector<action> actions | extensions
 *   signed_transaction transaction | vector<signature> | vector<bytes> context_free_data
 *   packed_transaction vector<signature> | u8 compression | bytes packed_cfd | bytes packed_trx
 *   block_header       timestamp u32 | producer u64 | confirmed u16 | previous[32] |
 *                      transaction_mroot[32] | action_mroot[32] | schedule_version u32 |
 *                      optional<producer_schedule> new_producers | extensions
 *   signed_block       block_header | signature producer_signature |
 *                      vector<transaction_receipt> | extensions block_extensions
 *   transaction_receipt status u8 | cpu_usage_us u32 | net_usage_words varuint32 |
 *                      variant<checksum256 id, packed_transaction>
 *   extensions         vector<{u16 type, bytes data}>
 *
 * Unpack functions read from a cps_reader (which they advance), borrow spans from its data and
 * allocate arrays from the arena; on failure the output is unspecified and the arena keeps
 * whatever was allocated (free it). Vector lengths are checked against the bytes left before
 * anything is allocated, so memory use is proportional to the input. Pack functions append to a
 * cps_buf; their errors are the buffer's (check b->failed or the return value).
 * ========================================================================================== */
typedef struct cps_permission_level {
    cps_name actor;
    cps_name permission;
} cps_permission_level;

typedef struct cps_action {
    cps_name account;
    cps_name name;
    cps_permission_level *authorization;
    uint32_t authorization_count;
    cps_bytes data;
} cps_action;

typedef struct cps_extension {
    uint16_t type;
    cps_bytes data;
} cps_extension;

typedef struct cps_transaction_header {
    uint32_t expiration; /* time_point_sec */
    uint16_t ref_block_num;
    uint32_t ref_block_prefix;
    uint32_t max_net_usage_words; /* varuint32 */
    uint8_t max_cpu_usage_ms;
    uint32_t delay_sec; /* varuint32 */
} cps_transaction_header;

typedef struct cps_transaction {
    cps_transaction_header header;
    cps_action *context_free_actions;
    uint32_t context_free_action_count;
    cps_action *actions;
    uint32_t action_count;
    cps_extension *extensions;
    uint32_t extension_count;
} cps_transaction;

typedef struct cps_signed_transaction {
    cps_transaction trx;
    cps_signature *signatures;
    uint32_t signature_count;
    cps_bytes *context_free_data;
    uint32_t context_free_data_count;
} cps_signed_transaction;

enum cps_compression { CPS_COMPRESSION_NONE = 0, CPS_COMPRESSION_ZLIB = 1 };

typedef struct cps_packed_transaction {
    cps_signature *signatures;
    uint32_t signature_count;
    uint8_t compression;                /* enum cps_compression */
    cps_bytes packed_context_free_data; /* raw vector<bytes> (zlib-compressed if compression) */
    cps_bytes packed_trx;               /* raw transaction (zlib-compressed if compression) */
} cps_packed_transaction;

typedef struct cps_producer_key {
    cps_name producer_name;
    cps_public_key block_signing_key;
} cps_producer_key;

typedef struct cps_producer_schedule {
    uint32_t version;
    cps_producer_key *producers;
    uint32_t producer_count;
} cps_producer_schedule;

typedef struct cps_block_header {
    uint32_t timestamp; /* block_timestamp slot */
    cps_name producer;
    uint16_t confirmed;
    cps_checksum256 previous;
    cps_checksum256 transaction_mroot;
    cps_checksum256 action_mroot;
    uint32_t schedule_version;
    bool has_new_producers;
    cps_producer_schedule new_producers;
    cps_extension *header_extensions;
    uint32_t header_extension_count;
} cps_block_header;

typedef struct cps_signed_block_header {
    cps_block_header header;
    cps_signature producer_signature;
} cps_signed_block_header;

enum cps_transaction_status {
    CPS_TRX_EXECUTED = 0,
    CPS_TRX_SOFT_FAIL = 1,
    CPS_TRX_HARD_FAIL = 2,
    CPS_TRX_DELAYED = 3,
    CPS_TRX_EXPIRED = 4
};

typedef struct cps_transaction_receipt {
    uint8_t status; /* enum cps_transaction_status */
    uint32_t cpu_usage_us;
    uint32_t net_usage_words; /* varuint32 */
    bool is_packed;           /* variant index: false = trx_id, true = packed */
    cps_checksum256 trx_id;   /* when !is_packed */
    cps_packed_transaction packed;
} cps_transaction_receipt;

typedef struct cps_signed_block {
    cps_signed_block_header signed_header;
    cps_transaction_receipt *transactions;
    uint32_t transaction_count;
    cps_extension *block_extensions;
    uint32_t block_extension_count;
} cps_signed_block;

/* Authorities (authority.hpp). */
typedef struct cps_key_weight {
    cps_public_key key;
    uint16_t weight;
} cps_key_weight;

typedef struct cps_permission_level_weight {
    cps_permission_level permission;
    uint16_t weight;
} cps_permission_level_weight;

typedef struct cps_wait_weight {
    uint32_t wait_sec;
    uint16_t weight;
} cps_wait_weight;

typedef struct cps_authority {
    uint32_t threshold;
    cps_key_weight *keys;
    uint32_t key_count;
    cps_permission_level_weight *accounts;
    uint32_t account_count;
    cps_wait_weight *waits;
    uint32_t wait_count;
} cps_authority;

/* Pack (append to b). */
int cps_abi_permission_level_pack(cps_buf *b, const cps_permission_level *p);
int cps_abi_action_pack(cps_buf *b, const cps_action *a);
int cps_abi_extensions_pack(cps_buf *b, const cps_extension *e, uint32_t count);
int cps_abi_transaction_header_pack(cps_buf *b, const cps_transaction_header *h);
int cps_abi_transaction_pack(cps_buf *b, const cps_transaction *t);
int cps_abi_signed_transaction_pack(cps_buf *b, const cps_signed_transaction *t);
int cps_abi_packed_transaction_pack(cps_buf *b, const cps_packed_transaction *p);
int cps_abi_producer_schedule_pack(cps_buf *b, const cps_producer_schedule *s);
int cps_abi_block_header_pack(cps_buf *b, const cps_block_header *h);
int cps_abi_signed_block_header_pack(cps_buf *b, const cps_signed_block_header *h);
int cps_abi_transaction_receipt_pack(cps_buf *b, const cps_transaction_receipt *r);
int cps_abi_signed_block_pack(cps_buf *b, const cps_signed_block *blk);
int cps_abi_authority_pack(cps_buf *b, const cps_authority *a);
/* vector<bytes> (the unpacked form of packed_context_free_data). */
int cps_abi_bytes_vector_pack(cps_buf *b, const cps_bytes *items, uint32_t count);

/* Unpack (advance r; arrays from `a`; spans borrowed from r's data). */
CPS_MUST_USE int cps_abi_permission_level_unpack(cps_reader *r, cps_permission_level *out);
CPS_MUST_USE int cps_abi_action_unpack(cps_reader *r, cps_arena *a, cps_action *out);
CPS_MUST_USE int cps_abi_extensions_unpack(cps_reader *r, cps_arena *a, cps_extension **out,
                                           uint32_t *count);
CPS_MUST_USE int cps_abi_transaction_header_unpack(cps_reader *r, cps_transaction_header *out);
CPS_MUST_USE int cps_abi_transaction_unpack(cps_reader *r, cps_arena *a, cps_transaction *out);
CPS_MUST_USE int cps_abi_signed_transaction_unpack(cps_reader *r, cps_arena *a,
                                                   cps_signed_transaction *out);
CPS_MUST_USE int cps_abi_packed_transaction_unpack(cps_reader *r, cps_arena *a,
                                                   cps_packed_transaction *out);
CPS_MUST_USE int cps_abi_producer_schedule_unpack(cps_reader *r, cps_arena *a,
                                                  cps_producer_schedule *out);
CPS_MUST_USE int cps_abi_block_header_unpack(cps_reader *r, cps_arena *a, cps_block_header *out);
CPS_MUST_USE int cps_abi_signed_block_header_unpack(cps_reader *r, cps_arena *a,
                                                    cps_signed_block_header *out);
CPS_MUST_USE int cps_abi_transaction_receipt_unpack(cps_reader *r, cps_arena *a,
                                                    cps_transaction_receipt *out);
CPS_MUST_USE int cps_abi_signed_block_unpack(cps_reader *r, cps_arena *a, cps_signed_block *out);
CPS_MUST_USE int cps_abi_authority_unpack(cps_reader *r, cps_arena *a, cps_authority *out);
CPS_MUST_USE int cps_abi_bytes_vector_unpack(cps_reader *r, cps_arena *a, cps_bytes **out,
                                             uint32_t *count);

/* Whole-buffer forms: fail with CPS_ERR_TRAILING if bytes remain after the structure. */
CPS_MUST_USE int cps_abi_transaction_decode(const uint8_t *data, size_t n, cps_arena *a,
                                            cps_transaction *out);
CPS_MUST_USE int cps_abi_signed_block_decode(const uint8_t *data, size_t n, cps_arena *a,
                                             cps_signed_block *out);

/* ---- packed transactions ------------------------------------------------------------------ */
/* Largest decompressed size accepted from zlib data (nodeos: 1 MiB, zip-bomb protection). */
#define CPS_ABI_MAX_DECOMPRESSED (1024 * 1024)

/* The raw transaction bytes of p: p->packed_trx itself, or its zlib decompression (into the
 * arena, at most CPS_ABI_MAX_DECOMPRESSED bytes: larger output fails with CPS_ERR_LIMIT). */
CPS_MUST_USE int cps_abi_packed_transaction_raw(const cps_packed_transaction *p, cps_arena *a,
                                                cps_bytes *raw_trx);
/* Decodes the transaction inside p. The bytes must hold exactly one transaction: trailing bytes
 * are rejected, so the id (sha256 of the raw bytes) is that of the canonical encoding. */
CPS_MUST_USE int cps_abi_packed_transaction_get(const cps_packed_transaction *p, cps_arena *a,
                                                cps_transaction *out, cps_bytes *raw_trx);
/* The context-free data inside p (empty when packed_context_free_data is empty). */
CPS_MUST_USE int cps_abi_packed_transaction_cfd(const cps_packed_transaction *p, cps_arena *a,
                                                cps_bytes **items, uint32_t *count);
/* Builds a packed transaction from a signed one, compressing with zlib when asked. The packed
 * bytes are allocated in the arena; signatures are borrowed from `t`. */
CPS_MUST_USE int cps_abi_packed_transaction_make(const cps_signed_transaction *t,
                                                 enum cps_compression compression, cps_arena *a,
                                                 cps_packed_transaction *out);

/* ---- ids and digests ---------------------------------------------------------------------- */
/* transaction id = sha256(raw transaction). */
void cps_abi_transaction_id_raw(const uint8_t *raw_trx, size_t n, cps_checksum256 *id);
CPS_MUST_USE int cps_abi_transaction_id(const cps_transaction *t, cps_checksum256 *id);
/* Signing digest = sha256(chain_id || raw transaction || cfd_hash), cfd_hash = sha256(packed
 * context-free data) when there is any, else 32 zero bytes. `packed_cfd` is the raw
 * vector<bytes> (n == 0: none). */
void cps_abi_signing_digest_raw(const cps_checksum256 *chain_id, const uint8_t *raw_trx,
                                size_t raw_n, const uint8_t *packed_cfd, size_t cfd_n,
                                cps_checksum256 *digest);
CPS_MUST_USE int cps_abi_signing_digest(const cps_checksum256 *chain_id,
                                        const cps_signed_transaction *t, cps_checksum256 *digest);
/* CPS's finality vote digest (docs/finality.md): sha256("cps-vote-v1" || chain_id || block_id ||
 * block_num u32 LE || producer u64 LE). The one definition the P2P vote message and the
 * finality module sign and check. */
void cps_abi_vote_digest(const cps_checksum256 *chain_id, cps_name producer,
                         const cps_checksum256 *block_id, uint32_t block_num,
                         cps_checksum256 *digest);
/* packed_transaction::packed_digest = sha256(compression || bytes packed_trx ||
 * sha256(vector<signature> || bytes packed_cfd)), used for transaction receipts' merkle leaves. */
CPS_MUST_USE int cps_abi_packed_transaction_digest(const cps_packed_transaction *p,
                                                   cps_checksum256 *digest);
/* Block number carried in the first 4 bytes of a block id (big-endian). */
uint32_t cps_abi_block_num_from_id(const cps_checksum256 *id);
/* Block number of a header: num_from_id(previous) + 1. */
uint32_t cps_abi_block_header_num(const cps_block_header *h);
/* block id = sha256(raw block_header) with bytes 0..3 replaced by the big-endian block number. */
CPS_MUST_USE int cps_abi_block_id(const cps_block_header *h, cps_checksum256 *id);
/* TaPoS fields from a block id: ref_block_num = num & 0xffff, ref_block_prefix = LE u32 of
 * id bytes 8..11. */
void cps_abi_tapos_from_block_id(const cps_checksum256 *id, uint16_t *ref_block_num,
                                 uint32_t *ref_block_prefix);
/* EOSIO's merkle node: sha256(l' || r') where l' has bit 0x80 of its first byte cleared and r'
 * has it set (the "canonical" pair, so proofs need no left/right flags). cps_abi_merkle_root and
 * the chain's incremental merkle both build on it. */
void cps_abi_merkle_pair(const cps_checksum256 *l, const cps_checksum256 *r,
                         cps_checksum256 *out);

/* EOSIO's merkle root (merkle.cpp): pairs hashed as sha256(l' || r') with the top bit of l'
 * cleared and of r' set ("canonical pair"); an odd level repeats its last node; no leaves: all
 * zeros; one leaf: that leaf. Fails only when out of memory. */
CPS_MUST_USE int cps_abi_merkle_root(const cps_checksum256 *leaves, size_t n,
                                     cps_checksum256 *root);

/* ---- authorities -------------------------------------------------------------------------- */
/* EOSIO's authority validation (authority.hpp validate): threshold > 0; keys strictly ascending
 * by (type, bytes); accounts strictly ascending by (actor, permission); waits strictly ascending
 * with the first wait_sec > 0; at most 65536 entries in all; the weights sum to >= threshold.
 * Returns 0 or CPS_ERR_FORMAT with a detail naming the rule that failed. */
CPS_MUST_USE int cps_abi_authority_validate(const cps_authority *a);

/* ==========================================================================================
 * ABI: definitions (JSON or binary abi_def), validation and JSON <-> binary by type.
 * ========================================================================================== */

/* Nested depth allowed while converting (structs, arrays, optionals, variants each count one
 * level), as nodeos's abi_serializer::max_recursion_depth. */
#define CPS_ABI_MAX_DEPTH 32
/* Longest type name accepted in an ABI (nodeos shortens names in messages; CPS rejects). */
#define CPS_ABI_MAX_TYPE_NAME 256

/* The definition as written (abi_def.hpp). Strings are NUL-terminated and owned by the cps_abi;
 * everything stays valid until cps_abi_free. */
typedef struct cps_abi_typedef {
    const char *new_type_name;
    const char *type;
} cps_abi_typedef;

typedef struct cps_abi_field {
    const char *name;
    const char *type;
} cps_abi_field;

typedef struct cps_abi_struct {
    const char *name;
    const char *base; /* "" when none */
    cps_abi_field *fields;
    uint32_t field_count;
} cps_abi_struct;

typedef struct cps_abi_action {
    cps_name name;
    const char *type;
    const char *ricardian_contract;
} cps_abi_action;

typedef struct cps_abi_table {
    cps_name name;
    const char *index_type;
    const char **key_names;
    uint32_t key_name_count;
    const char **key_types;
    uint32_t key_type_count;
    const char *type;
} cps_abi_table;

typedef struct cps_abi_clause {
    const char *id;
    const char *body;
} cps_abi_clause;

typedef struct cps_abi_error_entry {
    uint64_t error_code;
    const char *error_msg;
} cps_abi_error_entry;

typedef struct cps_abi_variant {
    const char *name;
    const char **types;
    uint32_t type_count;
} cps_abi_variant;

typedef struct cps_abi_action_result {
    cps_name name;
    const char *result_type;
} cps_abi_action_result;

typedef struct cps_abi_def {
    const char *version; /* "eosio::abi/1.x" */
    cps_abi_typedef *types;
    uint32_t type_count;
    cps_abi_struct *structs;
    uint32_t struct_count;
    cps_abi_action *actions;
    uint32_t action_count;
    cps_abi_table *tables;
    uint32_t table_count;
    cps_abi_clause *ricardian_clauses;
    uint32_t ricardian_clause_count;
    cps_abi_error_entry *error_messages;
    uint32_t error_message_count;
    cps_extension *abi_extensions;
    uint32_t abi_extension_count;
    cps_abi_variant *variants;
    uint32_t variant_count;
    cps_abi_action_result *action_results;
    uint32_t action_result_count;
    /* How many of the binary extensions (variants, action_results) the binary form carries:
     * 0, 1 or 2. Kept so that binary -> ABI -> binary is the identity (the genesis ABI of eosio
     * has variants but no action_results); a JSON ABI writes both (2), as Leap does. */
    uint8_t binary_extension_count;
} cps_abi_def;

/* A validated, compiled ABI: every type reference resolved, ready for conversion. Immutable
 * after creation, so one cps_abi may be used from several threads at once. */
typedef struct cps_abi cps_abi;

/* Parse and validate. Errors (CPS_ERR_JSON, CPS_ERR_ABI, CPS_ERR_ABI_TYPE, CPS_ERR_TRUNCATED,
 * ...) name the offending definition: "struct transfer, field quantity: unknown type assett",
 * "typedef a: circular reference (a -> b -> a)", "duplicate struct transfer". On success the
 * caller owns *out and frees it with cps_abi_free. */
CPS_MUST_USE int cps_abi_from_json(const char *json, size_t len, cps_abi **out);
CPS_MUST_USE int cps_abi_from_json_value(const json_t *value, cps_abi **out);
CPS_MUST_USE int cps_abi_from_bin(const uint8_t *data, size_t n, cps_abi **out);
/* Validates and compiles a definition given as data (deep-copied; `def` stays the caller's). */
CPS_MUST_USE int cps_abi_from_def(const cps_abi_def *def, cps_abi **out);
void cps_abi_free(cps_abi *abi);

const cps_abi_def *cps_abi_definition(const cps_abi *abi);
/* abi_def in binary (what setabi carries and get_raw_abi returns). */
int cps_abi_to_bin(const cps_abi *abi, cps_buf *out);
/* abi_def as JSON, in nodeos's field order (what get_abi returns). */
int cps_abi_to_json(const cps_abi *abi, cps_buf *out);

/* Lookups; the returned strings belong to the abi. NULL when absent. */
const char *cps_abi_action_type(const cps_abi *abi, cps_name action);
const char *cps_abi_table_type(const cps_abi *abi, cps_name table);
const char *cps_abi_action_result_type(const cps_abi *abi, cps_name action);
const char *cps_abi_error_message(const cps_abi *abi, uint64_t error_code);
/* Whether `type` (a name, optionally with one "[]" or "?" suffix) is known. */
bool cps_abi_is_type(const cps_abi *abi, const char *type);

/* The ABI of eosio's native actions (newaccount, setcode, setabi, updateauth, deleteauth,
 * linkauth, unlinkauth, canceldelay, onerror, onblock) exactly as nodeos's
 * eosio_contract_abi.cpp builds it; its binary form is the 2132-byte ABI that nodeos installs on
 * the eosio account at genesis (eosio_abi_bin). Built on first use and kept for the process; the
 * caller must not free it. Thread-safe. NULL only if memory ran out when it was first built. */
const cps_abi *cps_abi_eosio_native(void);

/* ---- conversion ---------------------------------------------------------------------------
 * `type` is any type of the ABI: a built-in, typedef, struct or variant name, optionally with one
 * "[]" or "?" suffix. Binary -> JSON writes nodeos's JSON text (compact) to `out`; JSON -> binary
 * appends the binary form to `out`. Errors name the path of the offending value, rooted at the
 * type name: "transfer.quantity: expected an asset string, got number",
 * "transfer.to: name \"Bob\" is not a valid name: ...", "setcode.code: bytes: odd number of hex
 * digits". Binary input must be consumed exactly (CPS_ERR_TRAILING otherwise) except with the
 * _reader form, which reads one value and leaves the reader after it.
 *
 * JSON output per type (nodeos): bool as 0/1; 8..32-bit integers and varints as numbers;
 * int64/uint64 as numbers when |v| <= 0xffffffff, else decimal strings; int128/uint128 as decimal
 * strings; floats as strings (see above); bytes and checksums as hex; times, names, symbols,
 * assets, keys (K1 in the legacy "EOS..." form) and signatures as strings; extended_asset as
 * {"quantity","contract"}; structs as objects (base fields first); variants as ["type", value];
 * optionals as null or the value; absent binary extensions omitted.
 * JSON input: integers as numbers or decimal strings (range-checked; a number with a fraction
 * or exponent must be integral and below 2^53, else given as a string); bool as true/false, 0/1 or
 * "true"/"false"; floats as numbers or strings; structs as objects (unknown keys ignored; an
 * absent optional field is null, absent trailing "$" fields are omitted) or, for structs without
 * base, as arrays of field values. */
CPS_MUST_USE int cps_abi_json_to_bin(const cps_abi *abi, const char *type, const char *json,
                                     size_t len, cps_buf *out);
CPS_MUST_USE int cps_abi_json_value_to_bin(const cps_abi *abi, const char *type,
                                           const json_t *value, cps_buf *out);
CPS_MUST_USE int cps_abi_bin_to_json(const cps_abi *abi, const char *type, const uint8_t *data,
                                     size_t n, cps_buf *out);
CPS_MUST_USE int cps_abi_bin_to_json_reader(const cps_abi *abi, const char *type, cps_reader *r,
                                            cps_buf *out);
/* As cps_abi_bin_to_json, but as a jansson value (new reference, caller json_decref()s). */
CPS_MUST_USE int cps_abi_bin_to_json_value(const cps_abi *abi, const char *type,
                                           const uint8_t *data, size_t n, json_t **out);

/* The same with a root label for error paths other than the type name (e.g. "actions[0].data"),
 * for callers converting a value embedded in a bigger document. `label` may be NULL. */
CPS_MUST_USE int cps_abi_json_value_to_bin_at(const cps_abi *abi, const char *type,
                                              const json_t *value, const char *label, cps_buf *out);
CPS_MUST_USE int cps_abi_bin_to_json_at(const cps_abi *abi, const char *type, const uint8_t *data,
                                        size_t n, const char *label, cps_buf *out);

/* By action name, table name and action-result name: CPS_ERR_NOT_FOUND when the ABI does not
 * declare it. */
CPS_MUST_USE int cps_abi_action_json_to_bin(const cps_abi *abi, cps_name action,
                                            const json_t *value, cps_buf *out);
CPS_MUST_USE int cps_abi_action_bin_to_json(const cps_abi *abi, cps_name action,
                                            const uint8_t *data, size_t n, cps_buf *out);
CPS_MUST_USE int cps_abi_table_json_to_bin(const cps_abi *abi, cps_name table, const json_t *value,
                                           cps_buf *out);
CPS_MUST_USE int cps_abi_table_bin_to_json(const cps_abi *abi, cps_name table, const uint8_t *data,
                                           size_t n, cps_buf *out);
CPS_MUST_USE int cps_abi_action_result_json_to_bin(const cps_abi *abi, cps_name action,
                                                   const json_t *value, cps_buf *out);
CPS_MUST_USE int cps_abi_action_result_bin_to_json(const cps_abi *abi, cps_name action,
                                                   const uint8_t *data, size_t n, cps_buf *out);

/* Parses JSON text for the conversions above (jansson, any value at the top, NUL allowed in
 * strings). jansson cannot hold integer literals beyond int64; a document with one (as
 * JavaScript writes a large float64) is read with every number as a double, and integer fields
 * then refuse values from 2^53 on (which a double cannot hold exactly) with a message asking for
 * a decimal string. The caller json_decref()s *out. */
CPS_MUST_USE int cps_abi_json_parse(const char *text, size_t len, json_t **out);

/* Appends s (n bytes, any bytes) as a JSON string the way nodeos escapes it: \" \\ \t \n \r,
 * other control characters, DEL and the C1 controls U+0080..U+009F as \u00XX; bytes that are not
 * valid UTF-8 are dropped. */
int cps_abi_json_string(cps_buf *b, const char *s, size_t n);

/* ==========================================================================================
 * Transactions as JSON, as cleos and eosjs print and accept them:
 *   {"expiration":"2030-01-01T00:00:00","ref_block_num":1,"ref_block_prefix":0,
 *    "max_net_usage_words":0,"max_cpu_usage_ms":0,"delay_sec":0,"context_free_actions":[],
 *    "actions":[{"account":"eosio.token","name":"transfer",
 *                "authorization":[{"actor":"alice","permission":"active"}],
 *                "data":{...} or "hex", "hex_data":"hex"}],
 *    "transaction_extensions":[]}
 * plus "signatures" and "context_free_data" for a signed transaction, and
 * {"signatures","compression","packed_context_free_data","packed_trx"} for a packed one.
 * ========================================================================================== */

/* Finds the ABI of a contract account, or NULL when it has none (then action data stays hex).
 * The ABI must stay valid until the conversion returns. */
typedef const cps_abi *(*cps_abi_resolver)(void *ctx, cps_name account);

/* JSON -> structure. Action "data" may be a hex string or an object (converted through the
 * resolved ABI's action type); "hex_data" is used when "data" is absent or could not be
 * converted. Missing header fields default to 0 (as nodeos), "authorization" to [], the action
 * lists and extensions to []. Extensions are accepted as [type, "hex"] pairs or
 * {"type","data"} objects. Everything allocated lives in the arena. Errors name the path:
 * "actions[0].authorization[1].actor: name \"Bob\" is not a valid name: ...". */
CPS_MUST_USE int cps_abi_transaction_from_json(const json_t *value, cps_abi_resolver resolve,
                                               void *ctx, cps_arena *a, cps_transaction *out);
CPS_MUST_USE int cps_abi_signed_transaction_from_json(const json_t *value, cps_abi_resolver resolve,
                                                      void *ctx, cps_arena *a,
                                                      cps_signed_transaction *out);
/* Accepts the push_transaction body form (packed_trx hex) and, when packed_trx is absent, a
 * "transaction" object (then packed with the given compression). */
CPS_MUST_USE int cps_abi_packed_transaction_from_json(const json_t *value, cps_abi_resolver resolve,
                                                      void *ctx, cps_arena *a,
                                                      cps_packed_transaction *out);

/* Structure -> JSON text (compact) appended to out. Action data is decoded through the resolved
 * ABI when its action type is known and the data converts, and then "hex_data" follows (as
 * nodeos); otherwise "data" is hex. Extensions print as [type, "hex"] pairs (fc's form). */
int cps_abi_transaction_to_json(const cps_transaction *t, cps_abi_resolver resolve, void *ctx,
                                cps_buf *out);
int cps_abi_signed_transaction_to_json(const cps_signed_transaction *t, cps_abi_resolver resolve,
                                       void *ctx, cps_buf *out);
/* {"signatures","compression","packed_context_free_data","packed_trx"}; with `with_transaction`,
 * also "id", "context_free_data" and the decoded "transaction" (nodeos's get_block form:
 * id, signatures, compression, packed_context_free_data, context_free_data, packed_trx,
 * transaction). */
CPS_MUST_USE int cps_abi_packed_transaction_to_json(const cps_packed_transaction *p,
                                                    bool with_transaction, cps_abi_resolver resolve,
                                                    void *ctx, cps_buf *out);

#endif
