/* CPS contract SDK: names between their 64-bit value and their text, at run time. */
#include "cps/name.h"

static const char name_alphabet[] = ".12345abcdefghijklmnopqrstuvwxyz";

static uint64_t char_to_bits(char c)
{
    if (c == '.') return 0;
    if (c >= '1' && c <= '5') return (uint64_t)(c - '1' + 1);
    if (c >= 'a' && c <= 'z') return (uint64_t)(c - 'a' + 6);
    cps_abort("character is not in allowed character set for names");
}

cps_name cps_name_from_str(cps_str text)
{
    check(text.size <= 13, "string is too long to be a valid name");
    uint64_t value = 0;
    uint32_t first12 = text.size < 12 ? text.size : 12;
    for (uint32_t i = 0; i < first12; i++)
        value |= char_to_bits(text.data[i]) << (64 - 5 * (i + 1));
    if (text.size == 13) {
        uint64_t bits = char_to_bits(text.data[12]);
        check(bits <= 0x0f, "thirteenth character in name cannot be a letter that comes after j");
        value |= bits;
    }
    return value;
}

uint32_t cps_name_length(cps_name name)
{
    if (name == 0) return 0;
    /* Characters are 5 bits from the top, the 13th is the low 4 bits: the length is the index of
     * the last non-zero character plus one. */
    if (name & 0x0f) return 13;
    uint32_t length = 12;
    while (((name >> (64 - 5 * length)) & 0x1f) == 0)
        length--;
    return length;
}

uint32_t cps_name_to_str(cps_name name, char out[CPS_NAME_MAX_CHARS])
{
    uint32_t length = cps_name_length(name);
    for (uint32_t i = 0; i < length; i++) {
        uint64_t bits = i < 12 ? (name >> (64 - 5 * (i + 1))) & 0x1f : name & 0x0f;
        out[i] = name_alphabet[bits];
    }
    return length;
}
