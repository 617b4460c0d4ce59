/* protocol: fc::raw pack/unpack of EOSIO's protocol structures (actions, transactions, packed
 * transactions with zlib, block headers, blocks, authorities), in FC_REFLECT field order. */
#include "abi/abi.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------ */

/* Reads a vector length and checks it against the bytes left, given the smallest encoding of
 * one element, before the caller allocates anything: a forged count cannot make us allocate
 * more than a small multiple of the input size. */
static int read_count(cps_reader *r, size_t min_elem_size, const char *what, uint32_t *count)
{
    size_t at = r->pos;
    int rc = cps_read_varuint32(r, count);
    if (rc) return cps_fail_prefix(rc, "%s: length", what);
    if (min_elem_size && *count > cps_reader_left(r) / min_elem_size)
        return cps_fail(CPS_ERR_TRUNCATED,
                        "%s: %u elements declared at offset %zu but only %zu bytes follow", what,
                        *count, at, cps_reader_left(r));
    return 0;
}

static void *alloc_array(cps_arena *a, uint32_t count, size_t elem_size)
{
    if (count == 0) return NULL;
    return cps_abi_arena_alloc(a, (size_t)count * elem_size);
}

#define ALLOC_ARRAY(a, ptr, count)                                                                 \
    do {                                                                                           \
        (ptr) = alloc_array((a), (count), sizeof *(ptr));                                          \
        if ((count) && !(ptr)) return CPS_ERR_NOMEM;                                               \
    } while (0)

static int read_bool(cps_reader *r, bool *v, const char *what)
{
    uint8_t b;
    int rc = cps_read_u8(r, &b);
    if (rc) return cps_fail_prefix(rc, "%s", what);
    if (b > 1)
        return cps_fail(CPS_ERR_FORMAT, "%s: boolean byte 0x%02x at offset %zu is not 0 or 1", what,
                        b, r->pos - 1);
    *v = b != 0;
    return 0;
}

static int read_checksum256(cps_reader *r, cps_checksum256 *out, const char *what)
{
    int rc = cps_read_bytes(r, out->b, 32);
    return rc ? cps_fail_prefix(rc, "%s", what) : 0;
}

/* ------------------------------------------------------------------------------------------
 * Actions and extensions
 * ------------------------------------------------------------------------------------------ */
int cps_abi_permission_level_pack(cps_buf *b, const cps_permission_level *p)
{
    cps_write_u64(b, p->actor);
    return cps_write_u64(b, p->permission);
}

int cps_abi_permission_level_unpack(cps_reader *r, cps_permission_level *out)
{
    int rc = cps_read_u64(r, &out->actor);
    if (!rc) rc = cps_read_u64(r, &out->permission);
    return rc ? cps_fail_prefix(rc, "permission_level") : 0;
}

int cps_abi_action_pack(cps_buf *b, const cps_action *a)
{
    cps_write_u64(b, a->account);
    cps_write_u64(b, a->name);
    cps_write_varuint32(b, a->authorization_count);
    for (uint32_t i = 0; i < a->authorization_count; i++)
        cps_abi_permission_level_pack(b, &a->authorization[i]);
    return cps_write_blob(b, a->data.data, a->data.size);
}

int cps_abi_action_unpack(cps_reader *r, cps_arena *a, cps_action *out)
{
    int rc = cps_read_u64(r, &out->account);
    if (rc) return cps_fail_prefix(rc, "account");
    rc = cps_read_u64(r, &out->name);
    if (rc) return cps_fail_prefix(rc, "name");
    rc = read_count(r, 16, "authorization", &out->authorization_count);
    if (rc) return rc;
    ALLOC_ARRAY(a, out->authorization, out->authorization_count);
    for (uint32_t i = 0; i < out->authorization_count; i++) {
        rc = cps_abi_permission_level_unpack(r, &out->authorization[i]);
        if (rc) return cps_fail_prefix(rc, "authorization[%u]", i);
    }
    rc = cps_read_blob(r, &out->data.data, &out->data.size);
    return rc ? cps_fail_prefix(rc, "data") : 0;
}

int cps_abi_extensions_pack(cps_buf *b, const cps_extension *e, uint32_t count)
{
    cps_write_varuint32(b, count);
    for (uint32_t i = 0; i < count; i++) {
        cps_write_u16(b, e[i].type);
        cps_write_blob(b, e[i].data.data, e[i].data.size);
    }
    return b->failed;
}

int cps_abi_extensions_unpack(cps_reader *r, cps_arena *a, cps_extension **out, uint32_t *count)
{
    int rc = read_count(r, 3, "extensions", count);
    if (rc) return rc;
    ALLOC_ARRAY(a, *out, *count);
    for (uint32_t i = 0; i < *count; i++) {
        rc = cps_read_u16(r, &(*out)[i].type);
        if (!rc) rc = cps_read_blob(r, &(*out)[i].data.data, &(*out)[i].data.size);
        if (rc) return cps_fail_prefix(rc, "extensions[%u]", i);
    }
    return 0;
}

int cps_abi_bytes_vector_pack(cps_buf *b, const cps_bytes *items, uint32_t count)
{
    cps_write_varuint32(b, count);
    for (uint32_t i = 0; i < count; i++)
        cps_write_blob(b, items[i].data, items[i].size);
    return b->failed;
}

int cps_abi_bytes_vector_unpack(cps_reader *r, cps_arena *a, cps_bytes **out, uint32_t *count)
{
    int rc = read_count(r, 1, "bytes vector", count);
    if (rc) return rc;
    ALLOC_ARRAY(a, *out, *count);
    for (uint32_t i = 0; i < *count; i++) {
        rc = cps_read_blob(r, &(*out)[i].data, &(*out)[i].size);
        if (rc) return cps_fail_prefix(rc, "[%u]", i);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------------------------ */
int cps_abi_transaction_header_pack(cps_buf *b, const cps_transaction_header *h)
{
    cps_write_u32(b, h->expiration);
    cps_write_u16(b, h->ref_block_num);
    cps_write_u32(b, h->ref_block_prefix);
    cps_write_varuint32(b, h->max_net_usage_words);
    cps_write_u8(b, h->max_cpu_usage_ms);
    return cps_write_varuint32(b, h->delay_sec);
}

int cps_abi_transaction_header_unpack(cps_reader *r, cps_transaction_header *h)
{
    int rc;
    if ((rc = cps_read_u32(r, &h->expiration))) return cps_fail_prefix(rc, "expiration");
    if ((rc = cps_read_u16(r, &h->ref_block_num))) return cps_fail_prefix(rc, "ref_block_num");
    if ((rc = cps_read_u32(r, &h->ref_block_prefix)))
        return cps_fail_prefix(rc, "ref_block_prefix");
    if ((rc = cps_read_varuint32(r, &h->max_net_usage_words)))
        return cps_fail_prefix(rc, "max_net_usage_words");
    if ((rc = cps_read_u8(r, &h->max_cpu_usage_ms))) return cps_fail_prefix(rc, "max_cpu_usage_ms");
    if ((rc = cps_read_varuint32(r, &h->delay_sec))) return cps_fail_prefix(rc, "delay_sec");
    return 0;
}

static int pack_actions(cps_buf *b, const cps_action *acts, uint32_t count)
{
    cps_write_varuint32(b, count);
    for (uint32_t i = 0; i < count; i++)
        cps_abi_action_pack(b, &acts[i]);
    return b->failed;
}

/* An action takes at least 8 + 8 + 1 + 1 bytes. */
static int unpack_actions(cps_reader *r, cps_arena *a, const char *what, cps_action **out,
                          uint32_t *count)
{
    int rc = read_count(r, 18, what, count);
    if (rc) return rc;
    ALLOC_ARRAY(a, *out, *count);
    for (uint32_t i = 0; i < *count; i++) {
        rc = cps_abi_action_unpack(r, a, &(*out)[i]);
        if (rc) return cps_fail_prefix(rc, "%s[%u]", what, i);
    }
    return 0;
}

int cps_abi_transaction_pack(cps_buf *b, const cps_transaction *t)
{
    cps_abi_transaction_header_pack(b, &t->header);
    pack_actions(b, t->context_free_actions, t->context_free_action_count);
    pack_actions(b, t->actions, t->action_count);
    return cps_abi_extensions_pack(b, t->extensions, t->extension_count);
}

int cps_abi_transaction_unpack(cps_reader *r, cps_arena *a, cps_transaction *t)
{
    int rc = cps_abi_transaction_header_unpack(r, &t->header);
    if (!rc)
        rc = unpack_actions(r, a, "context_free_actions", &t->context_free_actions,
                            &t->context_free_action_count);
    if (!rc) rc = unpack_actions(r, a, "actions", &t->actions, &t->action_count);
    if (!rc) {
        rc = cps_abi_extensions_unpack(r, a, &t->extensions, &t->extension_count);
        if (rc) rc = cps_fail_prefix(rc, "transaction_extensions");
    }
    return rc ? cps_fail_prefix(rc, "transaction") : 0;
}

int cps_abi_transaction_decode(const uint8_t *data, size_t n, cps_arena *a, cps_transaction *out)
{
    cps_reader r = cps_reader_make(data, n);
    int rc = cps_abi_transaction_unpack(&r, a, out);
    if (rc) return rc;
    if (cps_reader_left(&r))
        return cps_fail(CPS_ERR_TRAILING, "transaction: %zu unexpected bytes after offset %zu",
                        cps_reader_left(&r), r.pos);
    return 0;
}

static int pack_signatures(cps_buf *b, const cps_signature *sigs, uint32_t count)
{
    cps_write_varuint32(b, count);
    for (uint32_t i = 0; i < count; i++)
        cps_signature_pack(b, &sigs[i]);
    return b->failed;
}

/* A signature takes 1 + 65 bytes. */
static int unpack_signatures(cps_reader *r, cps_arena *a, cps_signature **out, uint32_t *count)
{
    int rc = read_count(r, 66, "signatures", count);
    if (rc) return rc;
    ALLOC_ARRAY(a, *out, *count);
    for (uint32_t i = 0; i < *count; i++) {
        rc = cps_signature_unpack(r, &(*out)[i]);
        if (rc) return cps_fail_prefix(rc, "signatures[%u]", i);
    }
    return 0;
}

int cps_abi_signed_transaction_pack(cps_buf *b, const cps_signed_transaction *t)
{
    cps_abi_transaction_pack(b, &t->trx);
    pack_signatures(b, t->signatures, t->signature_count);
    return cps_abi_bytes_vector_pack(b, t->context_free_data, t->context_free_data_count);
}

int cps_abi_signed_transaction_unpack(cps_reader *r, cps_arena *a, cps_signed_transaction *t)
{
    int rc = cps_abi_transaction_unpack(r, a, &t->trx);
    if (!rc) rc = unpack_signatures(r, a, &t->signatures, &t->signature_count);
    if (!rc) {
        rc = cps_abi_bytes_vector_unpack(r, a, &t->context_free_data, &t->context_free_data_count);
        if (rc) rc = cps_fail_prefix(rc, "context_free_data");
    }
    return rc ? cps_fail_prefix(rc, "signed_transaction") : 0;
}

int cps_abi_packed_transaction_pack(cps_buf *b, const cps_packed_transaction *p)
{
    pack_signatures(b, p->signatures, p->signature_count);
    cps_write_u8(b, p->compression);
    cps_write_blob(b, p->packed_context_free_data.data, p->packed_context_free_data.size);
    return cps_write_blob(b, p->packed_trx.data, p->packed_trx.size);
}

int cps_abi_packed_transaction_unpack(cps_reader *r, cps_arena *a, cps_packed_transaction *p)
{
    int rc = unpack_signatures(r, a, &p->signatures, &p->signature_count);
    if (!rc && (rc = cps_read_u8(r, &p->compression))) rc = cps_fail_prefix(rc, "compression");
    if (!rc && p->compression > CPS_COMPRESSION_ZLIB)
        rc = cps_fail(CPS_ERR_FORMAT, "unknown compression %u at offset %zu", p->compression,
                      r->pos - 1);
    if (!rc && (rc = cps_read_blob(r, &p->packed_context_free_data.data,
                                   &p->packed_context_free_data.size)))
        rc = cps_fail_prefix(rc, "packed_context_free_data");
    if (!rc && (rc = cps_read_blob(r, &p->packed_trx.data, &p->packed_trx.size)))
        rc = cps_fail_prefix(rc, "packed_trx");
    return rc ? cps_fail_prefix(rc, "packed_transaction") : 0;
}

/* ------------------------------------------------------------------------------------------
 * zlib, bounded: nodeos limits decompressed transactions to 1 MiB against zip bombs.
 * ------------------------------------------------------------------------------------------ */
static int zlib_inflate_bounded(const cps_bytes *in, cps_arena *a, cps_bytes *out, const char *what)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) return cps_fail(CPS_ERR_NOMEM, "%s: zlib init failed", what);
    size_t cap = in->size * 4 + 256;
    if (cap > CPS_ABI_MAX_DECOMPRESSED + 1) cap = CPS_ABI_MAX_DECOMPRESSED + 1;
    uint8_t *buf = malloc(cap);
    int rc = 0;
    if (!buf) {
        rc = cps_fail(CPS_ERR_NOMEM, "%s: out of memory", what);
        goto done;
    }
    zs.next_in = (Bytef *)in->data;
    zs.avail_in = (uInt)in->size;
    size_t produced = 0;
    for (;;) {
        if (produced == cap) {
            if (cap > CPS_ABI_MAX_DECOMPRESSED) {
                rc = cps_fail(CPS_ERR_LIMIT, "%s: decompresses to more than the %d-byte limit",
                              what, CPS_ABI_MAX_DECOMPRESSED);
                goto done;
            }
            size_t ncap = cap * 2;
            if (ncap > CPS_ABI_MAX_DECOMPRESSED + 1) ncap = CPS_ABI_MAX_DECOMPRESSED + 1;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                rc = cps_fail(CPS_ERR_NOMEM, "%s: out of memory", what);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        zs.next_out = buf + produced;
        zs.avail_out = (uInt)(cap - produced);
        int zr = inflate(&zs, Z_NO_FLUSH);
        produced = cap - zs.avail_out;
        if (zr == Z_STREAM_END) break;
        if (zr == Z_OK) continue;
        if (zr == Z_BUF_ERROR && zs.avail_out > 0) {
            rc = cps_fail(CPS_ERR_TRUNCATED, "%s: zlib stream is cut off", what);
            goto done;
        }
        if (zr == Z_BUF_ERROR) continue;
        rc = cps_fail(CPS_ERR_FORMAT, "%s: bad zlib data (%s)", what, zs.msg ? zs.msg : "error");
        goto done;
    }
    if (produced > CPS_ABI_MAX_DECOMPRESSED) {
        rc = cps_fail(CPS_ERR_LIMIT, "%s: decompresses to more than the %d-byte limit", what,
                      CPS_ABI_MAX_DECOMPRESSED);
        goto done;
    }
    if (zs.avail_in) {
        rc = cps_fail(CPS_ERR_TRAILING, "%s: %u bytes after the end of the zlib stream", what,
                      zs.avail_in);
        goto done;
    }
    out->data = cps_abi_arena_dup(a, buf, produced);
    out->size = produced;
    if (!out->data) rc = CPS_ERR_NOMEM;
done:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

static int zlib_deflate(const uint8_t *data, size_t n, cps_arena *a, cps_bytes *out)
{
    uLongf bound = compressBound((uLong)n);
    uint8_t *buf = malloc(bound);
    if (!buf) return cps_fail(CPS_ERR_NOMEM, "zlib: out of memory");
    /* Best compression, as nodeos's zlib_compress_transaction. */
    int zr = compress2(buf, &bound, data, (uLong)n, Z_BEST_COMPRESSION);
    if (zr != Z_OK) {
        free(buf);
        return cps_fail(CPS_ERR_NOMEM, "zlib: compression failed (%d)", zr);
    }
    out->data = cps_abi_arena_dup(a, buf, bound);
    out->size = bound;
    free(buf);
    return out->data ? 0 : CPS_ERR_NOMEM;
}

int cps_abi_packed_transaction_raw(const cps_packed_transaction *p, cps_arena *a, cps_bytes *raw)
{
    if (p->compression == CPS_COMPRESSION_NONE) {
        *raw = p->packed_trx;
        return 0;
    }
    if (p->compression != CPS_COMPRESSION_ZLIB)
        return cps_fail(CPS_ERR_FORMAT, "packed_trx: unknown compression %u", p->compression);
    return zlib_inflate_bounded(&p->packed_trx, a, raw, "packed_trx");
}

int cps_abi_packed_transaction_get(const cps_packed_transaction *p, cps_arena *a,
                                   cps_transaction *out, cps_bytes *raw_trx)
{
    cps_bytes raw;
    int rc = cps_abi_packed_transaction_raw(p, a, &raw);
    if (rc) return rc;
    rc = cps_abi_transaction_decode(raw.data, raw.size, a, out);
    if (rc) return cps_fail_prefix(rc, "packed_trx");
    if (raw_trx) *raw_trx = raw;
    return 0;
}

int cps_abi_packed_transaction_cfd(const cps_packed_transaction *p, cps_arena *a, cps_bytes **items,
                                   uint32_t *count)
{
    *items = NULL;
    *count = 0;
    if (p->packed_context_free_data.size == 0) return 0;
    cps_bytes raw = p->packed_context_free_data;
    int rc = 0;
    if (p->compression == CPS_COMPRESSION_ZLIB)
        rc =
            zlib_inflate_bounded(&p->packed_context_free_data, a, &raw, "packed_context_free_data");
    else if (p->compression != CPS_COMPRESSION_NONE)
        rc = cps_fail(CPS_ERR_FORMAT, "unknown compression %u", p->compression);
    if (rc) return rc;
    cps_reader r = cps_reader_make(raw.data, raw.size);
    rc = cps_abi_bytes_vector_unpack(&r, a, items, count);
    if (rc) return cps_fail_prefix(rc, "packed_context_free_data");
    if (cps_reader_left(&r))
        return cps_fail(CPS_ERR_TRAILING, "packed_context_free_data: %zu unexpected trailing bytes",
                        cps_reader_left(&r));
    return 0;
}

int cps_abi_packed_transaction_make(const cps_signed_transaction *t,
                                    enum cps_compression compression, cps_arena *a,
                                    cps_packed_transaction *out)
{
    if (compression != CPS_COMPRESSION_NONE && compression != CPS_COMPRESSION_ZLIB)
        return cps_fail(CPS_ERR_INVALID_ARG, "unknown compression %d", (int)compression);
    memset(out, 0, sizeof *out);
    out->signatures = t->signatures;
    out->signature_count = t->signature_count;
    out->compression = (uint8_t)compression;
    cps_buf b;
    cps_buf_init(&b);
    int rc = cps_abi_transaction_pack(&b, &t->trx);
    if (rc) goto done;
    if (compression == CPS_COMPRESSION_ZLIB) {
        rc = zlib_deflate(b.data, b.size, a, &out->packed_trx);
    } else {
        out->packed_trx.data = cps_abi_arena_dup(a, b.data, b.size);
        out->packed_trx.size = b.size;
        if (!out->packed_trx.data) rc = CPS_ERR_NOMEM;
    }
    if (rc || t->context_free_data_count == 0) goto done;
    cps_buf_reset(&b);
    rc = cps_abi_bytes_vector_pack(&b, t->context_free_data, t->context_free_data_count);
    if (rc) goto done;
    if (compression == CPS_COMPRESSION_ZLIB) {
        rc = zlib_deflate(b.data, b.size, a, &out->packed_context_free_data);
    } else {
        out->packed_context_free_data.data = cps_abi_arena_dup(a, b.data, b.size);
        out->packed_context_free_data.size = b.size;
        if (!out->packed_context_free_data.data) rc = CPS_ERR_NOMEM;
    }
done:
    cps_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Blocks
 * ------------------------------------------------------------------------------------------ */
int cps_abi_producer_schedule_pack(cps_buf *b, const cps_producer_schedule *s)
{
    cps_write_u32(b, s->version);
    cps_write_varuint32(b, s->producer_count);
    for (uint32_t i = 0; i < s->producer_count; i++) {
        cps_write_u64(b, s->producers[i].producer_name);
        cps_public_key_pack(b, &s->producers[i].block_signing_key);
    }
    return b->failed;
}

int cps_abi_producer_schedule_unpack(cps_reader *r, cps_arena *a, cps_producer_schedule *s)
{
    int rc = cps_read_u32(r, &s->version);
    if (rc) return cps_fail_prefix(rc, "producer_schedule.version");
    /* producer_key: 8-byte name + 34-byte key */
    rc = read_count(r, 42, "producer_schedule.producers", &s->producer_count);
    if (rc) return rc;
    ALLOC_ARRAY(a, s->producers, s->producer_count);
    for (uint32_t i = 0; i < s->producer_count; i++) {
        rc = cps_read_u64(r, &s->producers[i].producer_name);
        if (!rc) rc = cps_public_key_unpack(r, &s->producers[i].block_signing_key);
        if (rc) return cps_fail_prefix(rc, "producer_schedule.producers[%u]", i);
    }
    return 0;
}

int cps_abi_block_header_pack(cps_buf *b, const cps_block_header *h)
{
    cps_write_u32(b, h->timestamp);
    cps_write_u64(b, h->producer);
    cps_write_u16(b, h->confirmed);
    cps_write_bytes(b, h->previous.b, 32);
    cps_write_bytes(b, h->transaction_mroot.b, 32);
    cps_write_bytes(b, h->action_mroot.b, 32);
    cps_write_u32(b, h->schedule_version);
    cps_write_u8(b, h->has_new_producers ? 1 : 0);
    if (h->has_new_producers) cps_abi_producer_schedule_pack(b, &h->new_producers);
    return cps_abi_extensions_pack(b, h->header_extensions, h->header_extension_count);
}

int cps_abi_block_header_unpack(cps_reader *r, cps_arena *a, cps_block_header *h)
{
    int rc;
    memset(h, 0, sizeof *h);
    if ((rc = cps_read_u32(r, &h->timestamp))) return cps_fail_prefix(rc, "block_header.timestamp");
    if ((rc = cps_read_u64(r, &h->producer))) return cps_fail_prefix(rc, "block_header.producer");
    if ((rc = cps_read_u16(r, &h->confirmed))) return cps_fail_prefix(rc, "block_header.confirmed");
    if ((rc = read_checksum256(r, &h->previous, "block_header.previous"))) return rc;
    if ((rc = read_checksum256(r, &h->transaction_mroot, "block_header.transaction_mroot")))
        return rc;
    if ((rc = read_checksum256(r, &h->action_mroot, "block_header.action_mroot"))) return rc;
    if ((rc = cps_read_u32(r, &h->schedule_version)))
        return cps_fail_prefix(rc, "block_header.schedule_version");
    if ((rc = read_bool(r, &h->has_new_producers, "block_header.new_producers"))) return rc;
    if (h->has_new_producers && (rc = cps_abi_producer_schedule_unpack(r, a, &h->new_producers)))
        return cps_fail_prefix(rc, "block_header.new_producers");
    rc = cps_abi_extensions_unpack(r, a, &h->header_extensions, &h->header_extension_count);
    return rc ? cps_fail_prefix(rc, "block_header.header_extensions") : 0;
}

int cps_abi_signed_block_header_pack(cps_buf *b, const cps_signed_block_header *h)
{
    cps_abi_block_header_pack(b, &h->header);
    return cps_signature_pack(b, &h->producer_signature);
}

int cps_abi_signed_block_header_unpack(cps_reader *r, cps_arena *a, cps_signed_block_header *h)
{
    int rc = cps_abi_block_header_unpack(r, a, &h->header);
    if (rc) return rc;
    rc = cps_signature_unpack(r, &h->producer_signature);
    return rc ? cps_fail_prefix(rc, "producer_signature") : 0;
}

int cps_abi_transaction_receipt_pack(cps_buf *b, const cps_transaction_receipt *r)
{
    cps_write_u8(b, r->status);
    cps_write_u32(b, r->cpu_usage_us);
    cps_write_varuint32(b, r->net_usage_words);
    cps_write_varuint32(b, r->is_packed ? 1 : 0);
    if (r->is_packed) return cps_abi_packed_transaction_pack(b, &r->packed);
    return cps_write_bytes(b, r->trx_id.b, 32);
}

int cps_abi_transaction_receipt_unpack(cps_reader *r, cps_arena *a, cps_transaction_receipt *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = cps_read_u8(r, &out->status))) return cps_fail_prefix(rc, "status");
    if ((rc = cps_read_u32(r, &out->cpu_usage_us))) return cps_fail_prefix(rc, "cpu_usage_us");
    if ((rc = cps_read_varuint32(r, &out->net_usage_words)))
        return cps_fail_prefix(rc, "net_usage_words");
    uint32_t which;
    if ((rc = cps_read_varuint32(r, &which))) return cps_fail_prefix(rc, "trx");
    if (which > 1)
        return cps_fail(CPS_ERR_FORMAT, "trx: variant index %u at offset %zu is not 0 or 1", which,
                        r->pos - 1);
    out->is_packed = which == 1;
    if (out->is_packed) return cps_abi_packed_transaction_unpack(r, a, &out->packed);
    return read_checksum256(r, &out->trx_id, "trx.id");
}

int cps_abi_signed_block_pack(cps_buf *b, const cps_signed_block *blk)
{
    cps_abi_signed_block_header_pack(b, &blk->signed_header);
    cps_write_varuint32(b, blk->transaction_count);
    for (uint32_t i = 0; i < blk->transaction_count; i++)
        cps_abi_transaction_receipt_pack(b, &blk->transactions[i]);
    return cps_abi_extensions_pack(b, blk->block_extensions, blk->block_extension_count);
}

int cps_abi_signed_block_unpack(cps_reader *r, cps_arena *a, cps_signed_block *blk)
{
    int rc = cps_abi_signed_block_header_unpack(r, a, &blk->signed_header);
    if (rc) return cps_fail_prefix(rc, "signed_block");
    /* A receipt takes at least 1 + 4 + 1 + 1 + 32 bytes (id form) or 1+4+1+1+1+1+1+1. */
    rc = read_count(r, 11, "signed_block.transactions", &blk->transaction_count);
    if (rc) return rc;
    ALLOC_ARRAY(a, blk->transactions, blk->transaction_count);
    for (uint32_t i = 0; i < blk->transaction_count; i++) {
        rc = cps_abi_transaction_receipt_unpack(r, a, &blk->transactions[i]);
        if (rc) return cps_fail_prefix(rc, "signed_block.transactions[%u]", i);
    }
    rc = cps_abi_extensions_unpack(r, a, &blk->block_extensions, &blk->block_extension_count);
    return rc ? cps_fail_prefix(rc, "signed_block.block_extensions") : 0;
}

int cps_abi_signed_block_decode(const uint8_t *data, size_t n, cps_arena *a, cps_signed_block *out)
{
    cps_reader r = cps_reader_make(data, n);
    int rc = cps_abi_signed_block_unpack(&r, a, out);
    if (rc) return rc;
    if (cps_reader_left(&r))
        return cps_fail(CPS_ERR_TRAILING, "signed_block: %zu unexpected bytes after offset %zu",
                        cps_reader_left(&r), r.pos);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Authorities
 * ------------------------------------------------------------------------------------------ */
int cps_abi_authority_pack(cps_buf *b, const cps_authority *a)
{
    cps_write_u32(b, a->threshold);
    cps_write_varuint32(b, a->key_count);
    for (uint32_t i = 0; i < a->key_count; i++) {
        cps_public_key_pack(b, &a->keys[i].key);
        cps_write_u16(b, a->keys[i].weight);
    }
    cps_write_varuint32(b, a->account_count);
    for (uint32_t i = 0; i < a->account_count; i++) {
        cps_abi_permission_level_pack(b, &a->accounts[i].permission);
        cps_write_u16(b, a->accounts[i].weight);
    }
    cps_write_varuint32(b, a->wait_count);
    for (uint32_t i = 0; i < a->wait_count; i++) {
        cps_write_u32(b, a->waits[i].wait_sec);
        cps_write_u16(b, a->waits[i].weight);
    }
    return b->failed;
}

int cps_abi_authority_unpack(cps_reader *r, cps_arena *a, cps_authority *out)
{
    int rc = cps_read_u32(r, &out->threshold);
    if (rc) return cps_fail_prefix(rc, "authority.threshold");
    if ((rc = read_count(r, 36, "authority.keys", &out->key_count))) return rc;
    ALLOC_ARRAY(a, out->keys, out->key_count);
    for (uint32_t i = 0; i < out->key_count; i++) {
        rc = cps_public_key_unpack(r, &out->keys[i].key);
        if (!rc) rc = cps_read_u16(r, &out->keys[i].weight);
        if (rc) return cps_fail_prefix(rc, "authority.keys[%u]", i);
    }
    if ((rc = read_count(r, 18, "authority.accounts", &out->account_count))) return rc;
    ALLOC_ARRAY(a, out->accounts, out->account_count);
    for (uint32_t i = 0; i < out->account_count; i++) {
        rc = cps_abi_permission_level_unpack(r, &out->accounts[i].permission);
        if (!rc) rc = cps_read_u16(r, &out->accounts[i].weight);
        if (rc) return cps_fail_prefix(rc, "authority.accounts[%u]", i);
    }
    if ((rc = read_count(r, 6, "authority.waits", &out->wait_count))) return rc;
    ALLOC_ARRAY(a, out->waits, out->wait_count);
    for (uint32_t i = 0; i < out->wait_count; i++) {
        rc = cps_read_u32(r, &out->waits[i].wait_sec);
        if (!rc) rc = cps_read_u16(r, &out->waits[i].weight);
        if (rc) return cps_fail_prefix(rc, "authority.waits[%u]", i);
    }
    return 0;
}

int cps_abi_authority_validate(const cps_authority *a)
{
    if ((uint64_t)a->key_count + a->account_count + a->wait_count > (1u << 16))
        return cps_fail(CPS_ERR_FORMAT, "authority has more than 65536 entries");
    if (a->threshold == 0) return cps_fail(CPS_ERR_FORMAT, "authority threshold is 0");
    uint64_t total = 0;
    for (uint32_t i = 0; i < a->key_count; i++) {
        if (i > 0 && cps_public_key_compare(&a->keys[i - 1].key, &a->keys[i].key) >= 0)
            return cps_fail(CPS_ERR_FORMAT,
                            "authority keys[%u] is not after keys[%u]: keys must be sorted and "
                            "unique",
                            i, i - 1);
        total += a->keys[i].weight;
    }
    for (uint32_t i = 0; i < a->account_count; i++) {
        if (i > 0) {
            const cps_permission_level *p = &a->accounts[i - 1].permission;
            const cps_permission_level *c = &a->accounts[i].permission;
            if (p->actor > c->actor || (p->actor == c->actor && p->permission >= c->permission))
                return cps_fail(CPS_ERR_FORMAT,
                                "authority accounts[%u] is not after accounts[%u]: accounts must "
                                "be sorted and unique",
                                i, i - 1);
        }
        total += a->accounts[i].weight;
    }
    if (a->wait_count > 0 && a->waits[0].wait_sec == 0)
        return cps_fail(CPS_ERR_FORMAT, "authority waits[0] has wait_sec 0");
    for (uint32_t i = 0; i < a->wait_count; i++) {
        if (i > 0 && a->waits[i - 1].wait_sec >= a->waits[i].wait_sec)
            return cps_fail(CPS_ERR_FORMAT,
                            "authority waits[%u] is not after waits[%u]: waits must be sorted "
                            "and unique",
                            i, i - 1);
        total += a->waits[i].weight;
    }
    if (total < a->threshold)
        return cps_fail(CPS_ERR_FORMAT, "authority weights add up to %llu, below the threshold %u",
                        (unsigned long long)total, a->threshold);
    return 0;
}
