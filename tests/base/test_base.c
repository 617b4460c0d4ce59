/* Tests of the base layer: buffers, readers, EOSIO varints, hex, base58, errors, logging, time. */
#include "base/base.h"
#include "test.h"

#include <stdio.h>

TEST(varuint32_encodings_match_eosio)
{
    /* LEB128 as fc::unsigned_int packs it. */
    struct {
        uint32_t v;
        const char *hex;
    } cases[] = {{0, "00"},           {1, "01"},           {127, "7f"},
                 {128, "8001"},       {300, "ac02"},       {16383, "ff7f"},
                 {16384, "808001"},   {0x0fffffff, "ffffff7f"}, {0x10000000, "8080808001"},
                 {0xffffffff, "ffffffff0f"}};
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        cps_buf b = {0};
        ASSERT_OK(cps_write_varuint32(&b, cases[i].v));
        char hex[16];
        cps_hex_encode(hex, b.data, b.size);
        ASSERT_STR_EQ(hex, cases[i].hex);
        ASSERT_EQ(b.size, cps_varuint32_size(cases[i].v));
        cps_reader r = cps_reader_make(b.data, b.size);
        uint32_t back = 0;
        ASSERT_OK(cps_read_varuint32(&r, &back));
        ASSERT_U64_EQ(back, cases[i].v);
        ASSERT_OK(cps_read_end(&r));
        cps_buf_free(&b);
    }
}

TEST(varint32_is_zigzag)
{
    int32_t vals[] = {0, -1, 1, -2, 63, -64, 64, INT32_MAX, INT32_MIN};
    const char *hex[] = {"00", "01", "02", "03", "7e", "7f", "8001", "feffffff0f", "ffffffff0f"};
    for (size_t i = 0; i < CPS_ARRAY_LEN(vals); i++) {
        cps_buf b = {0};
        ASSERT_OK(cps_write_varint32(&b, vals[i]));
        char h[16];
        cps_hex_encode(h, b.data, b.size);
        ASSERT_STR_EQ(h, hex[i]);
        cps_reader r = cps_reader_make(b.data, b.size);
        int32_t back;
        ASSERT_OK(cps_read_varint32(&r, &back));
        ASSERT_EQ(back, vals[i]);
        cps_buf_free(&b);
    }
}

static int read_var_hex(const char *hex, uint32_t *v)
{
    uint8_t bytes[16];
    size_t n;
    if (cps_hex_decode(bytes, sizeof bytes, &n, hex, strlen(hex))) return 99;
    cps_reader r = cps_reader_make(bytes, n);
    return cps_read_varuint32(&r, v);
}

TEST(varuint32_rejects_truncated_overlong_and_nonminimal)
{
    uint32_t v = 12345;
    ASSERT_EQ(read_var_hex("", &v), CPS_ERR_TRUNCATED);
    ASSERT_EQ(read_var_hex("80", &v), CPS_ERR_TRUNCATED);
    ASSERT_EQ(read_var_hex("ffffffff", &v), CPS_ERR_TRUNCATED);
    ASSERT_CONTAINS(cps_last_error(), "offset 0");
    ASSERT_EQ(read_var_hex("ffffffff1f", &v), CPS_ERR_OVERFLOW); /* 33 bits */
    ASSERT_EQ(read_var_hex("ffffffff8f01", &v), CPS_ERR_OVERFLOW); /* 6 bytes */
    ASSERT_EQ(read_var_hex("8000", &v), CPS_ERR_FORMAT); /* 0 in two bytes */
    ASSERT_EQ(read_var_hex("ff80808000", &v), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "minimal");
    ASSERT_EQ(v, 12345); /* failures leave the output alone */
}

TEST(reader_never_reads_past_the_end)
{
    uint8_t data[7] = {1, 2, 3, 4, 5, 6, 7};
    cps_reader r = cps_reader_make(data, sizeof data);
    uint64_t u64;
    uint32_t u32;
    uint16_t u16;
    uint8_t u8;
    ASSERT_EQ(cps_read_u64(&r, &u64), CPS_ERR_TRUNCATED);
    ASSERT_EQ(r.pos, 0);
    ASSERT_OK(cps_read_u32(&r, &u32));
    ASSERT_U64_EQ(u32, 0x04030201);
    ASSERT_OK(cps_read_u16(&r, &u16));
    ASSERT_EQ(u16, 0x0605);
    ASSERT_EQ(cps_read_u16(&r, &u16), CPS_ERR_TRUNCATED);
    ASSERT_EQ(cps_read_end(&r), CPS_ERR_TRAILING);
    ASSERT_OK(cps_read_u8(&r, &u8));
    ASSERT_EQ(u8, 7);
    ASSERT_EQ(cps_read_u8(&r, &u8), CPS_ERR_TRUNCATED);
    ASSERT_OK(cps_read_end(&r));
    const uint8_t *span;
    ASSERT_EQ(cps_read_span(&r, 1, &span), CPS_ERR_TRUNCATED);
    ASSERT_EQ(cps_read_span(&r, SIZE_MAX, &span), CPS_ERR_TRUNCATED);
}

TEST(blob_length_beyond_buffer_is_an_error)
{
    uint8_t data[] = {0x05, 'a', 'b'};
    cps_reader r = cps_reader_make(data, sizeof data);
    const uint8_t *p;
    size_t n;
    ASSERT_EQ(cps_read_blob(&r, &p, &n), CPS_ERR_TRUNCATED);
    ASSERT_EQ(r.pos, 0);
    ASSERT_CONTAINS(cps_last_error(), "length 5");
    uint8_t ok[] = {0x02, 'a', 'b'};
    r = cps_reader_make(ok, sizeof ok);
    ASSERT_OK(cps_read_blob(&r, &p, &n));
    ASSERT_EQ(n, 2);
    ASSERT_MEM_EQ(p, "ab", 2);
}

TEST(writer_fixed_width_is_little_endian_and_limit_is_sticky)
{
    cps_buf b = {0};
    ASSERT_OK(cps_write_u16(&b, 0x0102));
    ASSERT_OK(cps_write_u32(&b, 0x03040506));
    ASSERT_OK(cps_write_u64(&b, 0x0708090a0b0c0d0eULL));
    ASSERT_OK(cps_write_str(&b, "hi"));
    char hex[64];
    cps_hex_encode(hex, b.data, b.size);
    ASSERT_STR_EQ(hex, "020106050403" "0e0d0c0b0a090807" "026869");
    cps_buf_free(&b);
    cps_buf lim = {0};
    lim.limit = 4;
    ASSERT_OK(cps_write_u32(&lim, 1));
    ASSERT_EQ(cps_write_u8(&lim, 1), CPS_ERR_LIMIT);
    ASSERT_EQ(lim.size, 4);
    ASSERT_EQ(cps_write_u8(&lim, 1), CPS_ERR_LIMIT); /* stays failed */
    ASSERT_EQ(lim.failed, CPS_ERR_LIMIT);
    cps_buf_free(&lim);
}

TEST(buf_printf_and_cstr)
{
    cps_buf b = {0};
    ASSERT_STR_EQ(cps_buf_cstr(&b), "");
    for (int i = 0; i < 100; i++) ASSERT_OK(cps_buf_printf(&b, "%d,", i));
    ASSERT_EQ(b.size, 290);
    ASSERT(strncmp(cps_buf_cstr(&b), "0,1,2,", 6) == 0);
    size_t n;
    uint8_t *p = cps_buf_release(&b, &n);
    ASSERT_EQ(n, 290);
    ASSERT(b.data == NULL && b.size == 0);
    free(p);
}

TEST(hex_decodes_both_cases_and_names_bad_digits)
{
    uint8_t out[4];
    size_t n;
    ASSERT_OK(cps_hex_decode(out, sizeof out, &n, "DeadBeef", 8));
    ASSERT_EQ(n, 4);
    ASSERT_MEM_EQ(out, "\xde\xad\xbe\xef", 4);
    ASSERT_EQ(cps_hex_decode(out, sizeof out, &n, "abc", 3), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "odd length");
    ASSERT_EQ(cps_hex_decode(out, sizeof out, &n, "00zz", 4), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "'z' at offset 2");
    ASSERT_EQ(cps_hex_decode(out, sizeof out, &n, "0011223344", 10), CPS_ERR_LIMIT);
}

TEST(base58_known_vectors)
{
    /* Vectors from the Bitcoin base58 test set (data, text). */
    struct {
        const char *hex, *b58;
    } cases[] = {{"", ""},
                 {"61", "2g"},
                 {"626262", "a3gV"},
                 {"636363", "aPEr"},
                 {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
                 {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
                 {"516b6fcd0f", "ABnLTmg"},
                 {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
                 {"572e4794", "3EFU7m"},
                 {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
                 {"10c8511e", "Rt5zm"},
                 {"00000000000000000000", "1111111111"}};
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        uint8_t bytes[64];
        size_t n, m;
        ASSERT_OK(cps_hex_decode(bytes, sizeof bytes, &n, cases[i].hex, strlen(cases[i].hex)));
        cps_buf b = {0};
        ASSERT_OK(cps_base58_encode(&b, bytes, n));
        ASSERT_STR_EQ(cps_buf_cstr(&b), cases[i].b58);
        uint8_t back[64];
        ASSERT_OK(cps_base58_decode(back, sizeof back, &m, cases[i].b58, strlen(cases[i].b58)));
        ASSERT_EQ(m, n);
        ASSERT_MEM_EQ(back, bytes, n);
        cps_buf_free(&b);
    }
}

TEST(base58_rejects_bad_characters_and_small_output)
{
    uint8_t out[8];
    size_t n;
    ASSERT_EQ(cps_base58_decode(out, sizeof out, &n, "abc0def", 7), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "'0' at offset 3");
    ASSERT_EQ(cps_base58_decode(out, sizeof out, &n, "abIl", 4), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_base58_decode(out, 2, &n, "2cFupjhnEsSn59qHXstmK2ffpLv2", 28), CPS_ERR_LIMIT);
    ASSERT_EQ(cps_base58_decode(out, sizeof out, &n, "a\0b", 3), CPS_ERR_FORMAT);
}

TEST(base58_random_roundtrip)
{
    uint32_t seed = 12345;
    for (int iter = 0; iter < 500; iter++) {
        uint8_t data[80], back[80];
        size_t len = (size_t)(iter % 80), m;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            data[i] = (uint8_t)(seed >> 16);
            if (i < 3 && iter % 7 == 0) data[i] = 0; /* leading zeros */
        }
        cps_buf b = {0};
        ASSERT_OK(cps_base58_encode(&b, data, len));
        ASSERT_OK(cps_base58_decode(back, sizeof back, &m, (const char *)b.data, b.size));
        ASSERT_EQ(m, len);
        ASSERT_MEM_EQ(back, data, len);
        cps_buf_free(&b);
    }
}

TEST(errors_have_text_names_and_detail)
{
    ASSERT_STR_EQ(cps_strerror(CPS_ERR_TRUNCATED), "input ends early");
    ASSERT_STR_EQ(cps_error_name(CPS_ERR_DEADLINE), "CPS_ERR_DEADLINE");
    ASSERT_STR_EQ(cps_strerror(-9999), "unknown error");
    ASSERT_EQ(cps_fail(CPS_ERR_ABI, "expected asset string"), CPS_ERR_ABI);
    ASSERT_EQ(cps_fail_prefix(CPS_ERR_ABI, "quantity"), CPS_ERR_ABI);
    ASSERT_EQ(cps_fail_prefix(CPS_ERR_ABI, "%s", "transfer"), CPS_ERR_ABI);
    ASSERT_STR_EQ(cps_last_error(), "transfer: quantity: expected asset string");
    cps_clear_error();
    ASSERT_STR_EQ(cps_last_error(), "");
    /* A very long message is cut, never overflowed. */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    cps_fail(CPS_ERR_FORMAT, "%s", big);
    cps_fail_prefix(CPS_ERR_FORMAT, "%s", big);
    ASSERT(strlen(cps_last_error()) < 1100);
}

TEST(time_format_and_parse_like_eosio)
{
    char out[40];
    cps_time_format(out, sizeof out, 0, true);
    ASSERT_STR_EQ(out, "1970-01-01T00:00:00.000");
    int64_t us;
    ASSERT_OK(cps_time_parse("2030-01-01T00:00:00", 19, &us));
    ASSERT_EQ(us / 1000000, 0x70dbd880); /* the expiration in transfer_offline.json */
    ASSERT_OK(cps_time_parse("2018-06-01T12:00:00.500", 23, &us));
    cps_time_format(out, sizeof out, us, true);
    ASSERT_STR_EQ(out, "2018-06-01T12:00:00.500");
    cps_time_format(out, sizeof out, us, false);
    ASSERT_STR_EQ(out, "2018-06-01T12:00:00");
    ASSERT_OK(cps_time_parse("2000-02-29T23:59:59.999999Z", 27, &us));
    cps_time_format(out, sizeof out, us, true);
    ASSERT_STR_EQ(out, "2000-02-29T23:59:59.999");
    ASSERT_EQ(cps_time_parse("2001-02-29T00:00:00", 19, &us), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_time_parse("2001-13-01T00:00:00", 19, &us), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_time_parse("2001-01-01 00:00:00", 19, &us), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_time_parse("2001-01-01T00:00:00.", 20, &us), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_time_parse("2001-01-01T00:00:00x", 20, &us), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_time_parse("2001-01", 7, &us), CPS_ERR_FORMAT);
    /* Before 1970 formats correctly too. */
    cps_time_format(out, sizeof out, -1000, true);
    ASSERT_STR_EQ(out, "1969-12-31T23:59:59.999");
}

TEST(block_timestamp_slots)
{
    /* Slot 0 is 2000-01-01T00:00:00.000; slots are 500 ms. */
    int64_t us = cps_block_timestamp_to_us(0);
    char out[40];
    cps_time_format(out, sizeof out, us, true);
    ASSERT_STR_EQ(out, "2000-01-01T00:00:00.000");
    cps_time_format(out, sizeof out, cps_block_timestamp_to_us(3), true);
    ASSERT_STR_EQ(out, "2000-01-01T00:00:01.500");
    ASSERT_EQ(cps_block_timestamp_from_us(cps_block_timestamp_to_us(12345) + 499999), 12345);
}

TEST(log_plain_and_json_lines)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ASSERT(f != NULL);
    cps_log_set_stream(f);
    cps_log_set_level(CPS_LOG_INFO);
    cps_log_debug("test", "hidden %d", 1);
    cps_log_info("chain", "plain %d", 2);
    cps_log_set_json(true);
    cps_log_warn("net", "quote \" and newline\n");
    cps_log_set_json(false);
    cps_log_set_stream(NULL);
    fclose(f);
    ASSERT(!test_contains(text, "hidden"));
    ASSERT_CONTAINS(text, "info  chain    plain 2\n");
    ASSERT_CONTAINS(text, "\"level\":\"warn\",\"module\":\"net\",\"msg\":\"quote \\\" and newline\\n\"}\n");
    free(text);
    enum cps_log_level lv;
    ASSERT_OK(cps_log_parse_level("debug", &lv));
    ASSERT_EQ(lv, CPS_LOG_DEBUG);
    ASSERT_EQ(cps_log_parse_level("loud", &lv), CPS_ERR_INVALID_ARG);
}

TEST(wipe_zeroes)
{
    uint8_t secret[16];
    memset(secret, 0xab, sizeof secret);
    cps_wipe(secret, sizeof secret);
    for (size_t i = 0; i < sizeof secret; i++) ASSERT_EQ(secret[i], 0);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
