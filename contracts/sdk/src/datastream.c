/* CPS contract SDK: the out-of-line parts of cps_ds — overflow handling, sizing, variable-length
 * encodings (varuint32, strings, bytes, key and signature variants). */
#include "cps/datastream.h"

_Noreturn void cps_ds__read_overflow(void)
{
    cps_abort("datastream attempted to read past the end");
}

void cps_ds__write_slow(cps_ds *ds, const void *src, uint32_t size)
{
    if (ds->mode == CPS_DS_PROBE) ds->mode = CPS_DS_SIZE; /* out of room: count the rest */
    if (ds->mode == CPS_DS_SIZE) {
        check(size <= UINT32_MAX - ds->pos, "datastream attempted to write past the end");
        ds->pos += size;
        return;
    }
    check(ds->mode == CPS_DS_WRITE, "datastream is read-only");
    check(ds->pos <= ds->size && size <= ds->size - ds->pos,
          "datastream attempted to write past the end");
    memcpy(ds->data + ds->pos, src, size);
    ds->pos += size;
}

uint64_t cps_ds__varuint32_at(const uint8_t *data, uint32_t size, uint32_t pos)
{
    uint32_t value = 0;
    uint32_t shift = 0;
    uint8_t byte;
    do {
        if (pos >= size) cps_ds__read_overflow();
        byte = data[pos++];
        value |= (uint32_t)(byte & 0x7f) << shift;
        shift += 7;
    } while ((byte & 0x80) && shift < 32);
    return ((uint64_t)pos << 32) | value;
}

void cps_ds_write_varuint32(cps_ds *ds, uint32_t v)
{
    uint8_t bytes[5];
    uint32_t n = 0;
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        bytes[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    cps_ds_write(ds, bytes, n);
}

int32_t cps_ds_read_varint32(cps_ds *ds)
{
    uint32_t zigzag = cps_ds_read_varuint32(ds);
    return (int32_t)((zigzag >> 1) ^ (0u - (zigzag & 1)));
}

void cps_ds_write_varint32(cps_ds *ds, int32_t v)
{
    uint32_t u = (uint32_t)v;
    cps_ds_write_varuint32(ds, (u << 1) ^ (0u - (u >> 31)));
}

void cps_ds_write_string(cps_ds *ds, cps_str v)
{
    cps_ds_write_varuint32(ds, v.size);
    cps_ds_write(ds, v.data, v.size);
}

void cps_ds_write_bytes(cps_ds *ds, cps_bytes v)
{
    cps_ds_write_varuint32(ds, v.size);
    cps_ds_write(ds, v.data, v.size);
}

cps_public_key cps_ds_read_public_key(cps_ds *ds)
{
    cps_public_key key;
    uint32_t type = cps_ds_read_varuint32(ds);
    check(type <= 1, "unsupported public key type");
    key.type = (uint8_t)type;
    cps_ds_read(ds, key.data, sizeof key.data);
    return key;
}

void cps_ds_write_public_key(cps_ds *ds, cps_public_key v)
{
    check(v.type <= 1, "unsupported public key type");
    cps_ds_write_varuint32(ds, v.type);
    cps_ds_write(ds, v.data, sizeof v.data);
}

cps_signature cps_ds_read_signature(cps_ds *ds)
{
    cps_signature sig;
    uint32_t type = cps_ds_read_varuint32(ds);
    check(type <= 1, "unsupported signature type");
    sig.type = (uint8_t)type;
    cps_ds_read(ds, sig.data, sizeof sig.data);
    return sig;
}

void cps_ds_write_signature(cps_ds *ds, cps_signature v)
{
    check(v.type <= 1, "unsupported signature type");
    cps_ds_write_varuint32(ds, v.type);
    cps_ds_write(ds, v.data, sizeof v.data);
}

/* Every array element the SDK reads takes at least one byte, so a count above the bytes left
 * can only be a corrupt or hostile length: refuse it before allocating count elements. */
void cps_ds__check_count(const cps_ds *ds, uint32_t count)
{
    if (count > cps_ds_remaining(ds)) cps_ds__read_overflow();
}
