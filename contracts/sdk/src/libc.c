/* CPS contract SDK: the freestanding C library functions compiled into contracts (the mem*
 * functions are host intrinsics instead, see eosio/memory.h), and the abort helpers. */
#include "cps/base.h"

_Noreturn void cps_abort(const char *msg)
{
    eosio_assert(0, msg);
    abort(); /* not reached: eosio_assert(0, ...) does not return */
}

_Noreturn void cps_abort_str(cps_str msg)
{
    eosio_assert_message(0, msg.data, msg.size);
    abort();
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a != *b) return (int)(unsigned char)*a - (int)(unsigned char)*b;
        if (!*a) return 0;
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c) return (void *)(uintptr_t)(p + i);
    return NULL;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) return (char *)(uintptr_t)s;
        if (!*s) return NULL;
    }
}
