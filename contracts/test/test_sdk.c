/* test_sdk: self-test of the CPS contract SDK inside a contract — names, symbols, assets, the
 * datastream, CPS_ABI_STRUCT for every ABI built-in type, the heap and the libc subset. Each
 * action asserts its results (eosio_assert with a message naming the failed check); the
 * actions whose names start with "bad" or end in "over" must abort, with the message noted.
 *
 *   names()               N() constants, runtime parse/print, lengths
 *   badname(text)         parses `text` as a name (aborts with eosio.cdt's message if invalid)
 *   symbols()             SC()/S() constants, validity, parse/print
 *   badsymbol(text)       parses `text` as a symbol code
 *   assets()              asset text form and arithmetic
 *   assetadd(a, b)        a + b, printed  (aborts on different symbols or overflow)
 *   assetsub(a, b)        a - b, printed
 *   stream()              varuint32/varint32/string encodings, sizer, reader, writer
 *   readover()            reads past the end      -> "datastream attempted to read past the end"
 *   writeover()           writes past the end     -> "datastream attempted to write past the end"
 *   readonly()            writes into a reader    -> "datastream is read-only"
 *   echo(all types)       repacks its arguments and checks they equal the action data; prints
 *                         name, asset, string and the integers
 *   memory()              malloc/calloc/realloc/free and strlen/strcmp/memchr/memcmp
 */
#include "cps/sdk.h"

/* ---- names ---- */

CPS_ABI_EMPTY_STRUCT(names)

static bool str_is(const char *got, uint32_t len, const char *want)
{
    return len == strlen(want) && memcmp(got, want, len) == 0;
}

static void check_name(cps_name constant, uint64_t value, const char *text)
{
    char buffer[CPS_NAME_MAX_CHARS];
    check(constant == value, "N() constant differs from the expected value");
    cps_str s = {text, (uint32_t)strlen(text)};
    check(cps_name_from_str(s) == value, "cps_name_from_str differs from N()");
    uint32_t n = cps_name_to_str(value, buffer);
    check(str_is(buffer, n, text), "cps_name_to_str does not give the text back");
    check(cps_name_length(value) == n, "cps_name_length differs from the text length");
}

static void on_names(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    /* Values as EOSIO computes them (cross-checked with @wharfkit/antelope's Name). */
    check_name(N(""), 0, "");
    check_name(N("eosio"), UINT64_C(0x5530EA0000000000), "eosio");
    check_name(N("eosio.token"), UINT64_C(0x5530EA033482A600), "eosio.token");
    check_name(N("a"), UINT64_C(0x3000000000000000), "a");
    check_name(N("1"), UINT64_C(0x0800000000000000), "1");
    check_name(N("zzzzzzzzzzzzj"), UINT64_C(0xFFFFFFFFFFFFFFFF), "zzzzzzzzzzzzj");
    check_name(N("a.b"), UINT64_C(0x300E000000000000), "a.b");
    check_name(N("transfer"), UINT64_C(0xCDCD3C2D57000000), "transfer");
    /* Trailing dots are not part of the text. */
    check(cps_name_from_str(CPS_STR("abc..")) == N("abc"), "trailing dots change the name");
    char buffer[CPS_NAME_MAX_CHARS];
    check(cps_name_to_str(N("a....b"), buffer) == 6, "inner dots are kept");
    /* Constants work in case labels. */
    switch (current_receiver() & 0) {
    case N(""):
        break;
    default:
        check(false, "case N(\"\") not taken");
    }
}

#define TEXT_FIELDS(X) X(text, string)
CPS_ABI_STRUCT(text, TEXT_FIELDS)

static void on_badname(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    printn(cps_name_from_str(((const text_t *)args)->text));
}

/* ---- symbols and assets ---- */

CPS_ABI_EMPTY_STRUCT(symbols)

static void on_symbols(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    check(SC("CPS") == UINT64_C(0x535043), "SC(\"CPS\")");
    check(S(4, "CPS") == UINT64_C(0x53504304), "S(4, \"CPS\")");
    check(S(18, "ABCDEFG") == ((UINT64_C(0x47464544434241) << 8) | 18), "S(18, \"ABCDEFG\")");
    check(cps_symbol_precision(S(4, "CPS")) == 4 && cps_symbol_code_of(S(4, "CPS")) == SC("CPS"),
          "symbol parts");
    check(cps_symbol_code_is_valid(SC("A")) && cps_symbol_code_is_valid(SC("ABCDEFG")),
          "valid symbol codes rejected");
    check(!cps_symbol_code_is_valid(0), "empty symbol code accepted");
    check(!cps_symbol_code_is_valid(0x61), "lower-case symbol code accepted");
    check(!cps_symbol_code_is_valid(0x410041), "symbol code with a gap accepted");
    check(!cps_symbol_is_valid(S(4, "CPS") | 0x20000000000), "symbol with a bad byte accepted");
    check(cps_symbol_code_from_str(CPS_STR("EOS")) == SC("EOS"), "parse EOS");
    char letters[7];
    check(str_is(letters, cps_symbol_code_to_str(SC("ABCDEFG"), letters), "ABCDEFG"),
          "print ABCDEFG");
}

static void on_badsymbol(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    printui(cps_symbol_code_from_str(((const text_t *)args)->text));
}

CPS_ABI_EMPTY_STRUCT(assets)

static void check_asset_text(int64_t amount, cps_symbol symbol, const char *want)
{
    char text[CPS_ASSET_MAX_CHARS];
    uint32_t n = cps_asset_to_str(cps_asset_make(amount, symbol), text, sizeof text);
    if (!str_is(text, n, want)) {
        prints_l(text, n);
        check(false, "asset text form differs (printed above)");
    }
}

static void on_assets(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    check_asset_text(10000, S(4, "CPS"), "1.0000 CPS");
    check_asset_text(-5, S(2, "X"), "-0.05 X");
    check_asset_text(0, S(0, "A"), "0 A");
    check_asset_text(123, S(0, "ABC"), "123 ABC");
    check_asset_text(1, S(3, "TKN"), "0.001 TKN");
    check_asset_text(CPS_ASSET_MAX_AMOUNT, S(18, "TKN"), "4.611686018427387903 TKN");
    check_asset_text(INT64_MIN, S(0, "A"), "-9223372036854775808 A");
    check_asset_text(-1234567, S(5, "EOS"), "-12.34567 EOS");

    cps_asset a = cps_asset_make(150, S(2, "X")), b = cps_asset_make(-50, S(2, "X"));
    check(cps_asset_add(a, b).amount == 100, "150 + -50");
    check(cps_asset_sub(a, b).amount == 200, "150 - -50");
    check(cps_asset_add(a, b).symbol == S(2, "X"), "sum keeps the symbol");
    check(cps_asset_is_valid(cps_asset_make(CPS_ASSET_MAX_AMOUNT, S(0, "A"))), "max amount valid");
    check(!cps_asset_is_valid(cps_asset_make(CPS_ASSET_MAX_AMOUNT + 1, S(0, "A"))), "2^62 valid");
    check(!cps_asset_is_valid(cps_asset_make(-CPS_ASSET_MAX_AMOUNT - 1, S(0, "A"))), "-2^62 valid");
}

#define TWO_ASSETS_FIELDS(X) X(a, asset) X(b, asset)
CPS_ABI_STRUCT(two_assets, TWO_ASSETS_FIELDS)

static void on_assetadd(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const two_assets_t *t = args;
    cps_asset_print(cps_asset_add(t->a, t->b));
}

static void on_assetsub(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const two_assets_t *t = args;
    cps_asset_print(cps_asset_sub(t->a, t->b));
}

/* ---- datastream ---- */

CPS_ABI_EMPTY_STRUCT(stream)

static void check_varuint32(uint32_t value, const uint8_t *bytes, uint32_t size)
{
    uint8_t buffer[8];
    cps_ds w = cps_ds_writer(buffer, sizeof buffer);
    cps_ds_write_varuint32(&w, value);
    check(w.pos == size && memcmp(buffer, bytes, size) == 0, "varuint32 encoding differs");
    cps_ds r = cps_ds_reader(bytes, size);
    check(cps_ds_read_varuint32(&r) == value && r.pos == size, "varuint32 decoding differs");
}

static void on_stream(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    check_varuint32(0, (const uint8_t[]){0x00}, 1);
    check_varuint32(127, (const uint8_t[]){0x7f}, 1);
    check_varuint32(128, (const uint8_t[]){0x80, 0x01}, 2);
    check_varuint32(300, (const uint8_t[]){0xac, 0x02}, 2);
    check_varuint32(UINT32_MAX, (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x0f}, 5);

    uint8_t buffer[64];
    cps_ds w = cps_ds_writer(buffer, sizeof buffer);
    cps_ds_write_varint32(&w, -1);
    cps_ds_write_varint32(&w, 1);
    cps_ds_write_varint32(&w, INT32_MIN);
    check(w.pos == 7 && buffer[0] == 0x01 && buffer[1] == 0x02, "varint32 zig-zag encoding");
    cps_ds r = cps_ds_reader(buffer, w.pos);
    check(cps_ds_read_varint32(&r) == -1 && cps_ds_read_varint32(&r) == 1 &&
              cps_ds_read_varint32(&r) == INT32_MIN,
          "varint32 round trip");

    /* string and bytes: length prefix then bytes; reading borrows from the buffer. */
    w = cps_ds_writer(buffer, sizeof buffer);
    cps_ds_write_string(&w, CPS_STR("hello"));
    cps_ds_write_bytes(&w, (cps_bytes){(const uint8_t *)"\x01\x02", 2});
    cps_ds_write_uint64(&w, UINT64_C(0x0102030405060708));
    check(w.pos == 6 + 3 + 8 && buffer[0] == 5 && buffer[6] == 2 && buffer[9] == 0x08,
          "string, bytes and uint64 layout");
    r = cps_ds_reader(buffer, w.pos);
    cps_str s = cps_ds_read_string(&r);
    check(s.size == 5 && s.data == (const char *)buffer + 1, "string borrowed from the buffer");
    cps_bytes b = cps_ds_read_bytes(&r);
    check(b.size == 2 && b.data[1] == 2, "bytes round trip");
    check(cps_ds_read_uint64(&r) == UINT64_C(0x0102030405060708), "uint64 round trip");
    check(cps_ds_remaining(&r) == 0, "everything consumed");

    /* The sizer counts what a writer would write. */
    cps_ds sizer = cps_ds_sizer();
    cps_ds_write_string(&sizer, CPS_STR("hello"));
    cps_ds_write_asset(&sizer, cps_asset_make(1, S(4, "CPS")));
    check(sizer.pos == 6 + 16, "sizer count");
}

CPS_ABI_EMPTY_STRUCT(readover)

static void on_readover(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    uint8_t bytes[3] = {1, 2, 3};
    cps_ds r = cps_ds_reader(bytes, sizeof bytes);
    cps_ds_read_uint16(&r);
    cps_ds_read_uint16(&r); /* only one byte left */
    check(false, "read past the end did not abort");
}

CPS_ABI_EMPTY_STRUCT(writeover)

static void on_writeover(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    uint8_t bytes[10];
    cps_ds w = cps_ds_writer(bytes, sizeof bytes);
    cps_ds_write_uint64(&w, 1);
    cps_ds_write_uint64(&w, 2); /* only two bytes left */
    check(false, "write past the end did not abort");
}

CPS_ABI_EMPTY_STRUCT(readonly)

static void on_readonly(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    uint8_t bytes[10];
    cps_ds r = cps_ds_reader(bytes, sizeof bytes);
    cps_ds_write_uint8(&r, 1);
    check(false, "writing into a reader did not abort");
}

/* ---- every ABI built-in type through CPS_ABI_STRUCT ---- */

#define ECHO_FIELDS(X)                                                                             \
    X(b, bool)                                                                                     \
    X(i8, int8)                                                                                    \
    X(u8, uint8)                                                                                   \
    X(i16, int16)                                                                                  \
    X(u16, uint16)                                                                                 \
    X(i32, int32)                                                                                  \
    X(u32, uint32)                                                                                 \
    X(i64, int64)                                                                                  \
    X(u64, uint64)                                                                                 \
    X(i128, int128)                                                                                \
    X(u128, uint128)                                                                               \
    X(vu32, varuint32)                                                                             \
    X(vi32, varint32)                                                                              \
    X(f32, float32)                                                                                \
    X(f64, float64)                                                                                \
    X(f128, float128)                                                                              \
    X(account, name)                                                                               \
    X(sym, symbol)                                                                                 \
    X(code, symbol_code)                                                                           \
    X(quantity, asset)                                                                             \
    X(memo, string)                                                                                \
    X(blob, bytes)                                                                                 \
    X(h160, checksum160)                                                                           \
    X(h256, checksum256)                                                                           \
    X(h512, checksum512)                                                                           \
    X(key, public_key)                                                                             \
    X(sig, signature)                                                                              \
    X(tp, time_point)                                                                              \
    X(tps, time_point_sec)                                                                         \
    X(bt, block_timestamp_type)
CPS_ABI_STRUCT(echo, ECHO_FIELDS)

static void on_echo(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const echo_t *e = args;
    uint32_t size = action_data_size();
    uint8_t *data = malloc(size);
    read_action_data(data, size);

    uint32_t packed_size = echo_packed_size(e);
    check(packed_size == size, "repacked size differs from the action data size");
    uint8_t *packed = malloc(packed_size);
    cps_ds w = cps_ds_writer(packed, packed_size);
    echo_pack(e, &w);
    check(memcmp(packed, data, size) == 0, "repacked arguments differ from the action data");

    printn(e->account);
    prints(" ");
    cps_asset_print(e->quantity);
    prints(" ");
    prints_l(e->memo.data, e->memo.size);
    prints(" ");
    printi(e->i8);
    prints(" ");
    printi(e->i64);
    prints(" ");
    printui(e->u64);
    prints(" ");
    printi(e->vi32);
    prints(" ");
    printui(e->b);
}

/* ---- heap and libc ---- */

CPS_ABI_EMPTY_STRUCT(memory)

static void on_memory(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    uint8_t *a = malloc(10), *b = malloc(1);
    check(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0, "blocks are 16-byte aligned");
    check(b >= a + 10, "blocks do not overlap");
    free(b);
    uint8_t *c = malloc(1);
    check(c == b, "freeing the newest block makes its memory reusable");
    memset(c, 0xee, 1);
    free(c);
    uint8_t *z = calloc(4, 4);
    for (int i = 0; i < 16; i++)
        check(z[i] == 0, "calloc zeroes the block");

    /* realloc of the newest block grows in place; of an older one, moves and copies. */
    uint8_t *g = realloc(z, 4096);
    check(g == z, "the newest block grows in place");
    memcpy(a, "0123456789", 10);
    uint8_t *moved = realloc(a, 20);
    check(moved != a && memcmp(moved, "0123456789", 10) == 0, "realloc copies an older block");

    /* A block larger than the current memory grows it. */
    uint32_t pages = (uint32_t)__builtin_wasm_memory_size(0);
    uint8_t *big = malloc(3u << 20);
    big[(3u << 20) - 1] = 1;
    check((uint32_t)__builtin_wasm_memory_size(0) > pages, "memory grew for a large block");

    check(strlen("") == 0 && strlen("abc") == 3, "strlen");
    check(strnlen("abcdef", 4) == 4 && strnlen("ab", 4) == 2, "strnlen");
    check(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0, "strcmp");
    check(strncmp("abcx", "abcy", 3) == 0 && strncmp("ab", "ac", 2) < 0, "strncmp");
    const char *hello = "hello";
    check(memchr(hello, 'l', 5) == hello + 2, "memchr finds the first matching byte");
    check(memchr(hello, 'z', 5) == NULL, "memchr returns NULL when absent");
    check(strchr("hello", 'o') != NULL && *strchr("hello", 'o') == 'o' && strchr("hi", 'z') == NULL,
          "strchr");
    check(memcmp("abc", "abd", 3) == -1 && memcmp("abd", "abc", 3) == 1 &&
              memcmp("ab", "ab", 2) == 0,
          "memcmp returns -1, 0, 1");
    memmove(moved + 1, moved, 9); /* overlapping: only memmove may do this */
    check(memcmp(moved, "001234567", 9) == 0, "memmove handles overlap");
}

static const cps_action_def sdk_actions[] = {
    CPS_ACTION(names, names, on_names),
    CPS_ACTION(badname, text, on_badname),
    CPS_ACTION(symbols, symbols, on_symbols),
    CPS_ACTION(badsymbol, text, on_badsymbol),
    CPS_ACTION(assets, assets, on_assets),
    CPS_ACTION(assetadd, two_assets, on_assetadd),
    CPS_ACTION(assetsub, two_assets, on_assetsub),
    CPS_ACTION(stream, stream, on_stream),
    CPS_ACTION(readover, readover, on_readover),
    CPS_ACTION(writeover, writeover, on_writeover),
    CPS_ACTION(readonly, readonly, on_readonly),
    CPS_ACTION(echo, echo, on_echo),
    CPS_ACTION(memory, memory, on_memory),
};
CPS_CONTRACT(sdk_actions)
