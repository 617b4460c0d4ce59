/* errors: the EOSIO exception table (CPS_API_EXCEPTIONS), the CPS_ERR_* → exception map and
 * the nodeos error body {"code","message","error":{"code","name","what","details":[...]}}. */
#include "api/api.h"

#include <string.h>

static const cps_api_exception_info exceptions[CPS_API_EXC_COUNT_] = {
#define ROW_(sym, code, name, what, status, status_text)                                           \
    [sym] = {INT64_C(code), name, what, status, status_text},
    CPS_API_EXCEPTIONS(ROW_)
#undef ROW_
};

const cps_api_exception_info *cps_api_exception_get(enum cps_api_exception exc)
{
    if ((unsigned)exc >= CPS_API_EXC_COUNT_) exc = CPS_API_EXC_UNSPECIFIED;
    return &exceptions[exc];
}

enum cps_api_exception cps_api_exception_for_error(int cps_code)
{
    switch (cps_code) {
#define MAP_(code, exc)                                                                            \
    case code:                                                                                     \
        return exc;
        CPS_API_ERROR_MAP(MAP_)
#undef MAP_
    default:
        return CPS_API_EXC_UNSPECIFIED;
    }
}

bool cps_api_exception_by_name(const char *name, enum cps_api_exception *out)
{
    if (!name) return false;
    for (unsigned i = 0; i < CPS_API_EXC_COUNT_; i++)
        if (strcmp(exceptions[i].name, name) == 0) {
            *out = (enum cps_api_exception)i;
            return true;
        }
    return false;
}

/* fc reports the source file by its base name ("http_plugin.cpp"), so a full path from
 * __FILE__ is cut the same way. */
static const char *base_name(const char *path)
{
    if (!path) return "";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void quote(cps_buf *out, const char *s)
{
    if (!s) s = "";
    cps_json_quote(out, s, strlen(s));
}

int cps_api_error_json_custom(cps_buf *out, unsigned http_status, const char *http_message,
                              int64_t code, const char *name, const char *what,
                              const cps_api_error_detail *details, size_t n)
{
    cps_buf_printf(out, "{\"code\":%u,\"message\":", http_status);
    quote(out, http_message);
    cps_buf_printf(out, ",\"error\":{\"code\":%lld,\"name\":", (long long)code);
    quote(out, name);
    cps_write_bytes(out, ",\"what\":", 8);
    quote(out, what);
    cps_write_bytes(out, ",\"details\":[", 12);
    for (size_t i = 0; i < n; i++) {
        if (i) cps_write_u8(out, ',');
        cps_write_bytes(out, "{\"message\":", 11);
        quote(out, details[i].message);
        cps_write_bytes(out, ",\"file\":", 8);
        quote(out, base_name(details[i].file));
        cps_buf_printf(out, ",\"line_number\":%u,\"method\":", details[i].line);
        quote(out, details[i].method);
        cps_write_u8(out, '}');
    }
    cps_write_bytes(out, "]}}", 3);
    return out->failed;
}

int cps_api_error_json(cps_buf *out, enum cps_api_exception exc,
                       const cps_api_error_detail *details, size_t n)
{
    const cps_api_exception_info *e = cps_api_exception_get(exc);
    return cps_api_error_json_custom(out, e->http_status, e->http_message, e->code, e->name,
                                     e->what, details, n);
}
