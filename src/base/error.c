/* error: the project-wide error codes' texts and the per-thread detail message. */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

#define CPS_ERROR_DETAIL_MAX 1024

static _Thread_local char detail[CPS_ERROR_DETAIL_MAX];

const char *cps_strerror(int code)
{
    switch (code) {
    case CPS_OK:
        return "success";
#define CPS_ERR_TEXT_(c, sym, text)                                                                \
    case c:                                                                                        \
        return text;
        CPS_ERRORS(CPS_ERR_TEXT_)
#undef CPS_ERR_TEXT_
    default:
        return "unknown error";
    }
}

const char *cps_error_name(int code)
{
    switch (code) {
    case CPS_OK:
        return "CPS_OK";
#define CPS_ERR_NAME_(c, sym, text)                                                                \
    case c:                                                                                        \
        return #sym;
        CPS_ERRORS(CPS_ERR_NAME_)
#undef CPS_ERR_NAME_
    default:
        return "CPS_ERR_UNKNOWN";
    }
}

int cps_vfail(int code, const char *fmt, va_list ap)
{
    if (fmt)
        vsnprintf(detail, sizeof detail, fmt, ap);
    else
        snprintf(detail, sizeof detail, "%s", cps_strerror(code));
    return code;
}

int cps_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cps_vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

int cps_fail_prefix(int code, const char *fmt, ...)
{
    char prefix[256];
    char old[CPS_ERROR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, detail, sizeof old);
    const char *rest = old[0] ? old : cps_strerror(code);
    /* Assemble by hand: the result is cut at the buffer size, which is acceptable for a message. */
    size_t n = 0, cap = sizeof detail - 1;
    for (const char *parts[3] = {prefix, ": ", rest}, **p = parts; p < parts + 3; p++) {
        size_t len = strlen(*p);
        if (len > cap - n) len = cap - n;
        memcpy(detail + n, *p, len);
        n += len;
    }
    detail[n] = 0;
    return code;
}

const char *cps_last_error(void)
{
    return detail;
}

void cps_clear_error(void)
{
    detail[0] = 0;
}
