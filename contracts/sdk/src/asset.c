/* CPS contract SDK: symbol codes and assets — validity, checked arithmetic, text form. */
#include "cps/asset.h"

bool cps_symbol_code_is_valid(cps_symbol_code code)
{
    /* 1 to 7 letters from the lowest byte; after the first zero byte every byte must be zero.
     * With 7 letters the 8th byte is not examined, exactly as eosio.cdt's symbol_code::is_valid. */
    for (int i = 0; i < 7; i++) {
        uint8_t c = (uint8_t)(code & 0xff);
        if (c < 'A' || c > 'Z') return false;
        code >>= 8;
        if (i < 6 && (code & 0xff) == 0) return code == 0;
    }
    return true;
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
