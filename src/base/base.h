/* base: the lowest layer of CPS — error codes, bounds-checked byte readers and writers,
 * EOSIO varints, hex, base58, logging and time. Everything above depends on it; it depends on libc.
 *
 * Conventions used across CPS (STYLE.md): functions return `int`, 0 on success and a negative
 * CPS_ERR_* code on failure; results go through out-parameters. A failing function may record a
 * human-readable detail with cps_fail(); cps_last_error() returns it (per thread). */
#ifndef CPS_BASE_H
#define CPS_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define CPS_MUST_USE __attribute__((warn_unused_result))
#define CPS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define CPS_LIKELY(x) __builtin_expect(!!(x), 1)
#define CPS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CPS_MUST_USE
#define CPS_PRINTF(fmt, args)
#define CPS_LIKELY(x) (x)
#define CPS_UNLIKELY(x) (x)
#endif

#define CPS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------
 * Errors. One project-wide list (the single source of truth is this X-macro): the code, its
 * symbol and the short text cps_strerror() returns. Codes are negative and never reused.
 * ------------------------------------------------------------------------------------------ */
#define CPS_ERRORS(X)                                                                              \
    X(-1, CPS_ERR_NOMEM, "out of memory")                                                          \
    X(-2, CPS_ERR_INVALID_ARG, "invalid argument")                                                 \
    X(-3, CPS_ERR_TRUNCATED, "input ends early")                                                   \
    X(-4, CPS_ERR_OVERFLOW, "value out of range")                                                  \
    X(-5, CPS_ERR_FORMAT, "malformed input")                                                       \
    X(-6, CPS_ERR_CHECKSUM, "checksum mismatch")                                                   \
    X(-7, CPS_ERR_LIMIT, "limit exceeded")                                                         \
    X(-8, CPS_ERR_NOT_FOUND, "not found")                                                          \
    X(-9, CPS_ERR_IO, "input/output error")                                                        \
    X(-10, CPS_ERR_CRYPTO, "cryptographic operation failed")                                       \
    X(-11, CPS_ERR_NONCANONICAL, "non-canonical signature")                                        \
    X(-12, CPS_ERR_UNSUPPORTED, "not supported")                                                   \
    X(-13, CPS_ERR_EXISTS, "already exists")                                                       \
    X(-14, CPS_ERR_STATE, "operation not allowed in this state")                                   \
    X(-15, CPS_ERR_TYPE, "wrong type")                                                             \
    X(-16, CPS_ERR_TRAILING, "unexpected trailing data")                                           \
    X(-17, CPS_ERR_TIMEOUT, "timed out")                                                           \
    X(-20, CPS_ERR_WASM_MALFORMED, "malformed WebAssembly module")                                 \
    X(-21, CPS_ERR_WASM_INVALID, "invalid WebAssembly module")                                     \
    X(-22, CPS_ERR_WASM_UNLINKABLE, "unlinkable WebAssembly module")                               \
    X(-23, CPS_ERR_WASM_UNINSTANTIABLE, "WebAssembly module failed to instantiate")                \
    X(-24, CPS_ERR_TRAP, "WebAssembly trap")                                                       \
    X(-25, CPS_ERR_EXHAUSTION, "call stack exhausted")                                             \
    X(-26, CPS_ERR_DEADLINE, "deadline exceeded")                                                  \
    X(-27, CPS_ERR_HOST, "host function failed")                                                   \
    X(-28, CPS_ERR_WASM_EXIT, "contract called eosio_exit")                                        \
    X(-40, CPS_ERR_ABI, "ABI error")                                                               \
    X(-41, CPS_ERR_ABI_TYPE, "unknown ABI type")                                                   \
    X(-42, CPS_ERR_JSON, "malformed JSON")                                                         \
    X(-50, CPS_ERR_DB, "database error")                                                           \
    X(-51, CPS_ERR_DB_CORRUPT, "database corrupt")                                                 \
    X(-60, CPS_ERR_AUTH, "missing authority")                                                      \
    X(-61, CPS_ERR_TX, "transaction rejected")                                                     \
    X(-62, CPS_ERR_TX_EXPIRED, "transaction expired")                                              \
    X(-63, CPS_ERR_TX_DUPLICATE, "duplicate transaction")                                          \
    X(-64, CPS_ERR_TX_TAPOS, "transaction references an unknown block")                           \
    X(-65, CPS_ERR_RESOURCE, "resource limit exceeded")                                            \
    X(-66, CPS_ERR_ASSERT, "contract assertion failed")                                            \
    X(-67, CPS_ERR_BLOCK, "block rejected")                                                        \
    X(-68, CPS_ERR_ACCOUNT, "account error")                                                       \
    X(-80, CPS_ERR_NET, "network error")                                                           \
    X(-81, CPS_ERR_PEER, "peer misbehaved")                                                        \
    X(-90, CPS_ERR_HTTP, "HTTP error")

enum cps_error {
    CPS_OK = 0,
#define CPS_ERR_ENUM_(code, sym, text) sym = code,
    CPS_ERRORS(CPS_ERR_ENUM_)
#undef CPS_ERR_ENUM_
};

/* Short static text for a code ("input ends early"); "unknown error" for an unknown code. */
const char *cps_strerror(int code);

/* The symbol of a code as a string ("CPS_ERR_TRUNCATED"), for logs and tests. */
const char *cps_error_name(int code);

/* Records a detail message for the calling thread and returns `code`, so a failing path reads
 * `return cps_fail(CPS_ERR_TRUNCATED, "varuint32 at offset %zu", pos);`. The message is kept
 * until the next cps_fail/cps_clear_error on this thread. */
int cps_fail(int code, const char *fmt, ...) CPS_PRINTF(2, 3);
int cps_vfail(int code, const char *fmt, va_list ap);

/* Prefixes the current detail message with "prefix" + ": " (used to build paths such as
 * "transfer.quantity: expected asset string" while an error unwinds). Returns `code`. */
int cps_fail_prefix(int code, const char *fmt, ...) CPS_PRINTF(2, 3);

/* The detail message of the last failure on this thread, or "" if there is none. Valid until the
 * next call that records an error on this thread. */
const char *cps_last_error(void);
void cps_clear_error(void);

/* ------------------------------------------------------------------------------------------
 * Byte spans and buffers.
 * ------------------------------------------------------------------------------------------ */

/* A borrowed run of bytes; who owns `data` is said by the API that hands it out. */
typedef struct cps_bytes {
    const uint8_t *data;
    size_t size;
} cps_bytes;

/* A growable byte buffer that owns its storage. A zeroed struct is an empty buffer. Writes that
 * fail (out of memory, over `limit` when limit != 0) set `failed` and leave the buffer as it was;
 * later writes do nothing, so a sequence of writes can be checked once at the end. */
typedef struct cps_buf {
    uint8_t *data;
    size_t size;
    size_t cap;
    size_t limit; /* 0: no limit */
    int failed;   /* 0 or the first error code */
} cps_buf;

void cps_buf_init(cps_buf *b);
/* Frees the storage; with `wipe`, zeroes it first (for secrets). */
void cps_buf_free(cps_buf *b);
void cps_buf_wipe_free(cps_buf *b);
/* Empties the buffer but keeps its storage and clears `failed`. */
void cps_buf_reset(cps_buf *b);
CPS_MUST_USE int cps_buf_reserve(cps_buf *b, size_t extra);
/* Hands the storage to the caller (who frees it with free()) and leaves `b` empty. */
uint8_t *cps_buf_release(cps_buf *b, size_t *size);

int cps_write_bytes(cps_buf *b, const void *data, size_t n);
int cps_write_u8(cps_buf *b, uint8_t v);
int cps_write_u16(cps_buf *b, uint16_t v); /* little-endian, as every fixed-width EOSIO integer */
int cps_write_u32(cps_buf *b, uint32_t v);
int cps_write_u64(cps_buf *b, uint64_t v);
int cps_write_varuint32(cps_buf *b, uint32_t v);
int cps_write_varint32(cps_buf *b, int32_t v); /* zig-zag, then varuint32 */
/* varuint32 length followed by the bytes (EOSIO `bytes` and `string`). */
int cps_write_blob(cps_buf *b, const void *data, size_t n);
int cps_write_str(cps_buf *b, const char *s);
/* Appends formatted text (no terminating NUL is counted in size, but one is kept after it). */
int cps_buf_printf(cps_buf *b, const char *fmt, ...) CPS_PRINTF(2, 3);
/* Makes data NUL-terminated (not counted in size) and returns it as a string. */
const char *cps_buf_cstr(cps_buf *b);

/* A bounds-checked reader over borrowed bytes. Every read checks the remaining length and fails
 * with CPS_ERR_TRUNCATED (and a detail naming the offset) rather than reading past the end. */
typedef struct cps_reader {
    const uint8_t *data;
    size_t size;
    size_t pos;
} cps_reader;

static inline cps_reader cps_reader_make(const void *data, size_t size)
{
    cps_reader r = {(const uint8_t *)data, size, 0};
    return r;
}
static inline size_t cps_reader_left(const cps_reader *r)
{
    return r->size - r->pos;
}

CPS_MUST_USE int cps_read_bytes(cps_reader *r, void *out, size_t n);
/* Borrows the next n bytes (pointer into the reader's data) and advances. */
CPS_MUST_USE int cps_read_span(cps_reader *r, size_t n, const uint8_t **out);
CPS_MUST_USE int cps_read_u8(cps_reader *r, uint8_t *v);
CPS_MUST_USE int cps_read_u16(cps_reader *r, uint16_t *v);
CPS_MUST_USE int cps_read_u32(cps_reader *r, uint32_t *v);
CPS_MUST_USE int cps_read_u64(cps_reader *r, uint64_t *v);
/* EOSIO varuint32 (LEB128). Strict: at most 5 bytes, the value must fit in 32 bits and the
 * encoding must be minimal (no redundant trailing 0x80/0x00 groups) — a non-minimal encoding
 * would give one transaction several ids. */
CPS_MUST_USE int cps_read_varuint32(cps_reader *r, uint32_t *v);
CPS_MUST_USE int cps_read_varint32(cps_reader *r, int32_t *v);
/* varuint32 length, then that many bytes borrowed from the reader. */
CPS_MUST_USE int cps_read_blob(cps_reader *r, const uint8_t **data, size_t *n);
/* Fails with CPS_ERR_TRAILING if bytes remain. */
CPS_MUST_USE int cps_read_end(const cps_reader *r);

/* Little-endian loads and stores on raw memory (no alignment needed). */
static inline uint16_t cps_load_u16(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t cps_load_u32(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}
static inline uint64_t cps_load_u64(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint64_t)cps_load_u32(b) | ((uint64_t)cps_load_u32(b + 4) << 32);
}
static inline void cps_store_u16(void *p, uint16_t v)
{
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void cps_store_u32(void *p, uint32_t v)
{
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}
static inline void cps_store_u64(void *p, uint64_t v)
{
    cps_store_u32(p, (uint32_t)v);
    cps_store_u32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/* Number of bytes the varuint32 encoding of v takes (1..5). */
size_t cps_varuint32_size(uint32_t v);

/* ------------------------------------------------------------------------------------------
 * Hex and base58.
 * ------------------------------------------------------------------------------------------ */

/* Writes 2n lowercase hex digits and a NUL to out (which holds 2n+1 bytes). */
void cps_hex_encode(char *out, const void *data, size_t n);
/* Appends lowercase hex of data to b. */
int cps_hex_append(cps_buf *b, const void *data, size_t n);
/* Decodes exactly `len` hex characters (upper or lower case) into len/2 bytes at out, which holds
 * out_cap bytes. Fails on odd length, a non-hex digit (the detail names its offset) or if out is
 * too small. *out_n receives the byte count. */
CPS_MUST_USE int cps_hex_decode(uint8_t *out, size_t out_cap, size_t *out_n, const char *hex,
                                size_t len);

/* Bitcoin's base58 alphabet, as EOSIO keys and signatures use it. The encoder appends the text
 * to b; the decoder fails on a character outside the alphabet (naming it and its offset) or if
 * out is too small. Leading '1's stand for leading zero bytes. */
int cps_base58_encode(cps_buf *b, const void *data, size_t n);
CPS_MUST_USE int cps_base58_decode(uint8_t *out, size_t out_cap, size_t *out_n, const char *text,
                                   size_t len);

/* Overwrites n bytes with zeros in a way the compiler may not remove (for secrets). */
void cps_wipe(void *p, size_t n);

/* ------------------------------------------------------------------------------------------
 * Logging: levels, plain or JSON lines, to stderr (or a chosen stream). Thread-safe.
 * Never log secrets (private keys, wallet passwords).
 * ------------------------------------------------------------------------------------------ */
enum cps_log_level { CPS_LOG_DEBUG = 0, CPS_LOG_INFO, CPS_LOG_WARN, CPS_LOG_ERROR, CPS_LOG_OFF };

void cps_log_set_level(enum cps_log_level level);
enum cps_log_level cps_log_get_level(void);
/* true: each record is one JSON object per line {"ts","level","module","msg"}. */
void cps_log_set_json(bool json);
/* Where records go; NULL restores stderr. The stream is borrowed. */
void cps_log_set_stream(void *file /* FILE * */);
/* Parses "debug", "info", "warn", "error", "off". */
CPS_MUST_USE int cps_log_parse_level(const char *s, enum cps_log_level *out);
void cps_log(enum cps_log_level level, const char *module, const char *fmt, ...) CPS_PRINTF(3, 4);

#define cps_log_debug(mod, ...) cps_log(CPS_LOG_DEBUG, mod, __VA_ARGS__)
#define cps_log_info(mod, ...) cps_log(CPS_LOG_INFO, mod, __VA_ARGS__)
#define cps_log_warn(mod, ...) cps_log(CPS_LOG_WARN, mod, __VA_ARGS__)
#define cps_log_error(mod, ...) cps_log(CPS_LOG_ERROR, mod, __VA_ARGS__)

/* Appends s as a JSON string literal (with quotes and escapes) to b. */
int cps_json_quote(cps_buf *b, const char *s, size_t n);

/* ------------------------------------------------------------------------------------------
 * Time. Consensus code takes time only from block headers; these are for the node and tools.
 * EOSIO time forms: time_point = int64 microseconds since 1970, time_point_sec = uint32 seconds,
 * block_timestamp = uint32 half-second slots since 2000-01-01T00:00:00.000Z.
 * ------------------------------------------------------------------------------------------ */
#define CPS_BLOCK_INTERVAL_MS 500
#define CPS_BLOCK_TIMESTAMP_EPOCH_MS INT64_C(946684800000)

/* Wall clock, microseconds since 1970-01-01T00:00:00Z. */
int64_t cps_time_now_us(void);
/* Monotonic clock in nanoseconds, for durations and deadlines. */
uint64_t cps_time_mono_ns(void);

/* Formats microseconds since the epoch as EOSIO does: "2018-06-01T12:00:00.000" (millisecond
 * precision, no zone) into out (at least 32 bytes). with_ms=false drops the ".000" part, as for
 * time_point_sec. */
void cps_time_format(char *out, size_t cap, int64_t us, bool with_ms);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff[fff]][Z]" (UTC) into microseconds since the epoch. */
CPS_MUST_USE int cps_time_parse(const char *s, size_t len, int64_t *us);

static inline int64_t cps_block_timestamp_to_us(uint32_t slot)
{
    return ((int64_t)slot * CPS_BLOCK_INTERVAL_MS + CPS_BLOCK_TIMESTAMP_EPOCH_MS) * 1000;
}
/* Rounds down to the slot that contains `us`. */
static inline uint32_t cps_block_timestamp_from_us(int64_t us)
{
    return (uint32_t)((us / 1000 - CPS_BLOCK_TIMESTAMP_EPOCH_MS) / CPS_BLOCK_INTERVAL_MS);
}

#endif
