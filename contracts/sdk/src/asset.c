/* CPS contract SDK: symbol codes and assets — validity, checked arithmetic, text form. */
#include "cps/asset.h"

bool cps_symbol_code_is_valid(cps_symbol_code code)
{
    /* 1 to 7 letters from the lowest byte; after the first zero byte every byte must be zero.
     * With 7 letters the 8th byte is not examined, exactly as eosio.cdt's symbol_code::is_valid.
     * All bytes are tested at once (every wasm instruction is metered; a byte loop costs about
     * three times as much): a byte b is a letter when b < 0x80, (b & 0x7f) + 0x3f reaches 0x80
     * (b >= 'A') and (b & 0x7f) + 0x25 does not (b <= 'Z'); no sum carries into the next byte. */
    const uint64_t low7 = UINT64_C(0x0080808080808080); /* bit 7 of bytes 0..6 */
    uint64_t b = code & UINT64_C(0x7f7f7f7f7f7f7f7f);
    uint64_t letters = ~code & (b + UINT64_C(0x3f3f3f3f3f3f3f3f)) &
                       ~(b + UINT64_C(0x2525252525252525)) & low7;
    uint64_t others = ~letters & low7;
    if (others == 0) return true; /* 7 letters */
    /* the first byte k that is not a letter (bit 8k + 7): k >= 1, and it and all above are 0 */
    uint32_t bit = (uint32_t)__builtin_ctzll(others);
    return bit >= 15 && (code >> (bit - 7)) == 0;
}

cps_symbol_code cps_symbol_code_from_str(cps_str text)
{
    check(text.size <= 7, "string is too long to be a valid symbol_code");
    cps_symbol_code code = 0;
    for (uint32_t i = text.size; i > 0; i--) {
        char c = text.data[i - 1];
        check(c >= 'A' && c <= 'Z', "only uppercase letters allowed in symbol_code string");
        code = (code << 8) | (uint8_t)c;
    }
    return code;
}

uint32_t cps_symbol_code_to_str(cps_symbol_code code, char out[7])
{
    uint32_t n = 0;
    while (n < 7 && (code & 0xff) != 0) {
        out[n++] = (char)(code & 0xff);
        code >>= 8;
    }
    return n;
}

cps_asset cps_asset_add(cps_asset a, cps_asset b)
{
    check(a.symbol == b.symbol, "attempt to add asset with different symbol");
    /* Like eosio.cdt, the operands are not range-checked first; add in uint64 so that even
     * out-of-range operands cannot overflow a signed type (the checks below then fire). */
    int64_t sum = (int64_t)((uint64_t)a.amount + (uint64_t)b.amount);
    check(-CPS_ASSET_MAX_AMOUNT <= sum, "addition underflow");
    check(sum <= CPS_ASSET_MAX_AMOUNT, "addition overflow");
    a.amount = sum;
    return a;
}

cps_asset cps_asset_sub(cps_asset a, cps_asset b)
{
    check(a.symbol == b.symbol, "attempt to subtract asset with different symbol");
    int64_t diff = (int64_t)((uint64_t)a.amount - (uint64_t)b.amount);
    check(-CPS_ASSET_MAX_AMOUNT <= diff, "subtraction underflow");
    check(diff <= CPS_ASSET_MAX_AMOUNT, "subtraction overflow");
    a.amount = diff;
    return a;
}

uint32_t cps_asset_to_str(cps_asset a, char *out, uint32_t out_size)
{
    char text[CPS_ASSET_MAX_CHARS];
    uint32_t n = 0;
    uint8_t precision = cps_symbol_precision(a.symbol);
    uint64_t magnitude = a.amount < 0 ? 0 - (uint64_t)a.amount : (uint64_t)a.amount;
    if (a.amount < 0) text[n++] = '-';

    /* Digits of the magnitude, least significant first, padded with zeros so there is at least
     * one digit before the point. */
    char digits[20 + 255 + 1];
    uint32_t count = 0;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    while (count < (uint32_t)precision + 1)
        digits[count++] = '0';

    for (uint32_t i = count; i > 0; i--) {
        if (i == (uint32_t)precision && precision > 0) text[n++] = '.';
        text[n++] = digits[i - 1];
    }
    text[n++] = ' ';
    n += cps_symbol_code_to_str(cps_symbol_code_of(a.symbol), text + n);

    check(n <= out_size, "insufficient space in buffer");
    memcpy(out, text, n);
    return n;
}

void cps_asset_print(cps_asset a)
{
    char text[CPS_ASSET_MAX_CHARS];
    uint32_t n = cps_asset_to_str(a, text, sizeof text);
    prints_l(text, n);
}
